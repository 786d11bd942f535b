"""An OpenAI client answered in memory: the SDK's own work, no network. Importing this changes
nothing of the environment, so the programs the tests start run as users' programs do."""
from __future__ import annotations

import json
import threading

import openai

from autolog._cli.demo import http_library

OPENAI_HTTP = http_library("openai")


def echo(request):
    """A chat completion whose answer repeats the question, so each span can be matched to its call."""
    asked = json.loads(request.content)["messages"][0]["content"]
    return OPENAI_HTTP.Response(200, json={
        "id": "chatcmpl-echo", "object": "chat.completion", "created": 1, "model": "gpt-4o-mini",
        "choices": [{"index": 0, "finish_reason": "stop", "message": {"role": "assistant", "content": f"echo {asked}"}}],
        "usage": {"prompt_tokens": 3, "completion_tokens": 2, "total_tokens": 5}})


def echo_client():
    """An OpenAI client answered in memory by ``echo``: the SDK's own work, no network."""
    return openai.OpenAI(api_key="sk-test", max_retries=0, base_url="http://echo.invalid/v1",
                         http_client=OPENAI_HTTP.Client(transport=OPENAI_HTTP.MockTransport(echo)))


def echo_burst(threads: int = 8, calls: int = 25) -> list[str]:
    """``threads`` threads making ``calls`` echo chat calls each; the questions asked, t{thread}-{i}."""
    def work(t):
        client = echo_client()
        for i in range(calls):
            client.chat.completions.create(model="gpt-4o-mini", messages=[{"role": "user", "content": f"t{t}-{i}"}])

    running = [threading.Thread(target=work, args=(t,)) for t in range(threads)]
    for thread in running:
        thread.start()
    for thread in running:
        thread.join()
    return [f"t{t}-{i}" for t in range(threads) for i in range(calls)]


