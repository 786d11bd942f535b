"""OpenAI: an openai.OpenAI client answered in memory (a chat completion; an SSE stream of
chat.completion.chunk events, the usage in a last chunk with no choices when the request asks for
it). A stream is requested as users write it, without ``stream_options``: the package then asks for
the usage and hides that chunk, which is the path most programs take."""
from __future__ import annotations

import json

NAME = "openai"
MLFLOW_AUTOLOG = "mlflow.openai.autolog"
MODEL = "gpt-4o-mini"
MESSAGES = [{"role": "user", "content": "What is the capital of France?"}]

_COMPLETION = json.dumps({
    "id": "chatcmpl-bench", "object": "chat.completion", "created": 1764000000, "model": "gpt-4o-mini-2024-07-18",
    "choices": [{"index": 0, "message": {"role": "assistant", "content": "The capital of France is Paris."},
                 "logprobs": None, "finish_reason": "stop"}],
    "usage": {"prompt_tokens": 14, "completion_tokens": 7, "total_tokens": 21}}).encode()
_STREAMS: dict[tuple[int, bool], bytes] = {}


def _chunk(choices, **extra):
    return {"id": "chatcmpl-bench", "object": "chat.completion.chunk", "created": 1764000001,
            "model": "gpt-4o-mini-2024-07-18", "system_fingerprint": "fp_bench", "choices": choices, **extra}


def _stream_body(chunks: int, usage: bool) -> bytes:
    events = [_chunk([{"index": 0, "delta": {"role": "assistant", "content": ""}, "logprobs": None, "finish_reason": None}])]
    events += [_chunk([{"index": 0, "delta": {"content": f" w{i}"}, "logprobs": None, "finish_reason": None}])
               for i in range(max(chunks - 2, 0))]
    events.append(_chunk([{"index": 0, "delta": {}, "logprobs": None, "finish_reason": "stop"}]))
    if usage:
        events.append(_chunk([], usage={"prompt_tokens": 14, "completion_tokens": chunks, "total_tokens": 14 + chunks}))
    return ("".join(f"data: {json.dumps(e)}\n\n" for e in events) + "data: [DONE]\n\n").encode()


def client():
    import httpx2
    import openai

    def answer(request):
        body = json.loads(request.content)
        if body.get("stream"):
            key = (int(body.get("max_tokens") or 0), bool((body.get("stream_options") or {}).get("include_usage")))
            if key not in _STREAMS:
                _STREAMS[key] = _stream_body(*key)
            return httpx2.Response(200, content=_STREAMS[key], headers={"content-type": "text/event-stream"})
        return httpx2.Response(200, content=_COMPLETION, headers={"content-type": "application/json"})

    return openai.OpenAI(api_key="sk-bench", base_url="https://api.openai.com/v1", max_retries=0,
                         http_client=httpx2.Client(transport=httpx2.MockTransport(answer)))


def call(client) -> None:
    client.chat.completions.create(model=MODEL, messages=MESSAGES)


def stream(client, chunks: int) -> None:
    for _ in client.chat.completions.create(model=MODEL, messages=MESSAGES, stream=True, max_tokens=chunks):
        pass
