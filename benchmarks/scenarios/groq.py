"""Groq: a groq.Groq client answered in memory with recorded-shaped bytes (a chat completion, and
a stream of chat.completion.chunk objects whose last chunk carries x_groq.usage)."""
from __future__ import annotations

import json

NAME = "groq"
MLFLOW_AUTOLOG = "mlflow.groq.autolog"

MODEL = "llama-3.3-70b-versatile"
MESSAGES = [{"role": "user", "content": "What is the capital of France?"}]
_USAGE = {"queue_time": 0.0171, "prompt_tokens": 18, "prompt_time": 0.0042, "completion_tokens": 8,
          "completion_time": 0.0213, "total_tokens": 26, "total_time": 0.0255}

_COMPLETION = json.dumps({
    "id": "chatcmpl-bench", "object": "chat.completion", "created": 1764000000, "model": MODEL,
    "choices": [{"index": 0, "message": {"role": "assistant", "content": "The capital of France is Paris."},
                 "logprobs": None, "finish_reason": "stop"}],
    "usage": _USAGE, "system_fingerprint": "fp_bench", "x_groq": {"id": "req_bench"}}).encode()


def _chunk(delta, finish=None, **extra):
    return {"id": "chatcmpl-bench", "object": "chat.completion.chunk", "created": 1764000001, "model": MODEL,
            "system_fingerprint": "fp_bench",
            "choices": [{"index": 0, "delta": delta, "logprobs": None, "finish_reason": finish}], **extra}


def _stream_body(chunks: int) -> bytes:
    events = [_chunk({"role": "assistant", "content": ""}, x_groq={"id": "req_bench"})]
    events += [_chunk({"content": f" w{i}"}) for i in range(max(chunks - 2, 0))]
    events.append(_chunk({}, "stop", x_groq={"id": "req_bench", "usage": _USAGE}))
    return ("".join(f"data: {json.dumps(e)}\n\n" for e in events) + "data: [DONE]\n\n").encode()


_STREAMS: dict[int, bytes] = {}


def client():
    import groq
    import httpx

    def answer(request):
        body = json.loads(request.content)
        if body.get("stream"):
            chunks = int(body.get("max_tokens") or 0)  # the number of chunks, as stream() asks
            if chunks not in _STREAMS:
                _STREAMS[chunks] = _stream_body(chunks)
            return httpx.Response(200, content=_STREAMS[chunks], headers={"content-type": "text/event-stream"})
        return httpx.Response(200, content=_COMPLETION, headers={"content-type": "application/json"})

    return groq.Groq(api_key="gsk_bench", base_url="http://bench.invalid", max_retries=0,
                     http_client=httpx.Client(transport=httpx.MockTransport(answer)))


def call(client) -> None:
    client.chat.completions.create(model=MODEL, messages=MESSAGES)


def stream(client, chunks: int) -> None:
    for _ in client.chat.completions.create(model=MODEL, messages=MESSAGES, stream=True, max_tokens=chunks):
        pass
