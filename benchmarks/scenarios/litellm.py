"""LiteLLM over OpenAI chat completions, answered in memory: litellm.completion with an openai
client whose transport returns fixed recorded-shaped bytes (no network). Beside
``mlflow.litellm.autolog()``, which logs through LiteLLM's own success callback."""
from __future__ import annotations

import json
import os

os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")  # no price map fetched at import

NAME = "litellm"
MLFLOW_AUTOLOG = "mlflow.litellm.autolog"

MESSAGES = [{"role": "user", "content": "What is the capital of France?"}]
_HEAD = {"id": "chatcmpl-bench", "created": 1763900000, "model": "gpt-4o-mini-2024-07-18", "system_fingerprint": "fp_b"}
_COMPLETION = json.dumps({
    **_HEAD, "object": "chat.completion",
    "choices": [{"index": 0, "finish_reason": "stop", "logprobs": None,
                 "message": {"role": "assistant", "content": "The capital of France is Paris.", "refusal": None}}],
    "usage": {"prompt_tokens": 14, "completion_tokens": 7, "total_tokens": 21,
              "prompt_tokens_details": {"cached_tokens": 0}, "completion_tokens_details": {"reasoning_tokens": 0}},
}).encode()


def _sse(chunks: int) -> bytes:
    def chunk(delta, finish=None):
        return {**_HEAD, "object": "chat.completion.chunk",
                "choices": [{"index": 0, "delta": delta, "logprobs": None, "finish_reason": finish}]}

    events = [chunk({"role": "assistant", "content": ""})]
    events += [chunk({"content": f" w{i}"}) for i in range(max(chunks - 3, 1))]
    events.append(chunk({}, "stop"))
    events.append({**_HEAD, "object": "chat.completion.chunk", "choices": [],
                   "usage": {"prompt_tokens": 14, "completion_tokens": chunks, "total_tokens": 14 + chunks}})
    return b"".join(f"data: {json.dumps(e)}\n\n".encode() for e in events) + b"data: [DONE]\n\n"


def client():
    """An openai client answered in memory; LiteLLM sends through it (``client=``)."""
    import openai

    from autolog._cli.demo import http_library

    http = http_library("openai")
    streams: dict[int, bytes] = {}

    def handler(request):
        body = json.loads(request.content)
        if not body.get("stream"):
            return http.Response(200, content=_COMPLETION, headers={"content-type": "application/json"})
        n = int(request.headers.get("x-bench-chunks", "200"))
        if n not in streams:
            streams[n] = _sse(n)
        return http.Response(200, content=streams[n], headers={"content-type": "text/event-stream"})

    import litellm

    litellm.suppress_debug_info = True
    return openai.OpenAI(api_key="sk-bench", max_retries=0, base_url="https://api.openai.com/v1",
                         http_client=http.Client(transport=http.MockTransport(handler)))


def call(client):
    import litellm

    return litellm.completion(model="openai/gpt-4o-mini", messages=MESSAGES, client=client, api_key="sk-bench")


def stream(client, chunks):
    import litellm

    out = litellm.completion(model="openai/gpt-4o-mini", messages=MESSAGES, client=client, api_key="sk-bench",
                             stream=True, extra_headers={"x-bench-chunks": str(chunks)})
    for _ in out:
        pass
