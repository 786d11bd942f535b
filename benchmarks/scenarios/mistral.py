"""Mistral (mistralai) for the provider benchmark: the real SDK answered in memory with fixed bytes
shaped as api.mistral.ai answers (a chat completion; an SSE stream of chat.completion.chunk
events with the usage on the last one), so that what is timed is the SDK's own work and what
tracing adds. MLflow's own mistral autolog traces only non-streaming calls."""
from __future__ import annotations

import functools
import json

NAME = "mistral"
MLFLOW_AUTOLOG = "mlflow.mistral.autolog"
MODEL = "mistral-small-latest"
QUESTION = [{"role": "user", "content": "What is the capital of France?"}]

COMPLETION = json.dumps({
    "id": "cmpl-bench", "object": "chat.completion", "created": 1764900000, "model": MODEL,
    "choices": [{"index": 0, "message": {"role": "assistant", "content": "The capital of France is Paris.",
                                         "tool_calls": None, "prefix": False}, "finish_reason": "stop"}],
    "usage": {"prompt_tokens": 12, "completion_tokens": 8, "total_tokens": 20,
              "prompt_tokens_details": {"cached_tokens": 0}}}).encode()


@functools.lru_cache(maxsize=8)
def _sse(chunks: int) -> bytes:
    def chunk(delta, finish=None, **extra):
        return {"id": "cmpl-bench", "object": "chat.completion.chunk", "created": 1764900001, "model": MODEL,
                "choices": [{"index": 0, "delta": delta, "finish_reason": finish}], **extra}

    events = [chunk({"role": "assistant", "content": ""})]
    events += [chunk({"content": f"tok{i} "}) for i in range(chunks - 2)]
    events.append(chunk({"content": ""}, "stop",
                        usage={"prompt_tokens": 12, "completion_tokens": chunks, "total_tokens": 12 + chunks}))
    return ("".join(f"data: {json.dumps(e)}\n\n" for e in events) + "data: [DONE]\n\n").encode()


def _sdk():
    try:
        from mistralai.client import Mistral, httpclient  # mistralai >= 2
    except ImportError:  # mistralai 1.x
        from mistralai import Mistral, httpclient
    return Mistral, httpclient.httpx


def client():
    """A sync Mistral client whose every request is answered in memory: a stream request with
    as many chunks as its max_tokens says."""
    Mistral, http = _sdk()

    def answer(request):
        body = json.loads(request.content)
        if body.get("stream"):
            return http.Response(200, headers={"content-type": "text/event-stream"}, content=_sse(body["max_tokens"]))
        return http.Response(200, headers={"content-type": "application/json"}, content=COMPLETION)

    return Mistral(api_key="bench", client=http.Client(transport=http.MockTransport(answer)))


def call(client):
    return client.chat.complete(model=MODEL, messages=QUESTION)


def stream(client, chunks):
    n = 0
    for _ in client.chat.stream(model=MODEL, messages=QUESTION, max_tokens=chunks):
        n += 1
    return n
