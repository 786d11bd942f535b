"""Cohere (``cohere`` SDK, ClientV2) for the provider benchmarks: a chat call and a chat stream
answered in memory with fixed bytes shaped as Cohere's API v2 sends them. MLflow has no Cohere
autolog, so this package is measured beside the raw SDK only."""
from __future__ import annotations

import json

NAME = "cohere"
MLFLOW_AUTOLOG = None
MODEL = "command-a-03-2025"
MESSAGES = [{"role": "user", "content": "What is the capital of France?"}]
USAGE = {"billed_units": {"input_tokens": 8, "output_tokens": 7}, "tokens": {"input_tokens": 503, "output_tokens": 9}}

CHAT = json.dumps({"id": "c0a1e2f3-0001", "finish_reason": "COMPLETE", "usage": USAGE, "message": {
    "role": "assistant", "content": [{"type": "text", "text": "The capital of France is Paris."}]}}).encode()


def _sse(chunks: int) -> bytes:
    events = [{"id": "c0a1e2f3-0002", "type": "message-start", "delta": {"message": {"role": "assistant"}}},
              {"type": "content-start", "index": 0, "delta": {"message": {"content": {"type": "text", "text": ""}}}}]
    events += [{"type": "content-delta", "index": 0, "delta": {"message": {"content": {"text": f"tok{i} "}}}}
               for i in range(chunks)]
    events += [{"type": "content-end", "index": 0},
               {"type": "message-end", "delta": {"finish_reason": "COMPLETE", "usage": USAGE}}]
    return ("".join(f"event: {e['type']}\ndata: {json.dumps(e)}\n\n" for e in events) + "data: [DONE]\n\n").encode()


_STREAMS: dict[int, bytes] = {}


def client():
    import cohere
    import httpx

    def answer(request):
        body = json.loads(request.content)
        if body.get("stream"):
            chunks = int(request.headers.get("x-bench-chunks", "200"))
            if chunks not in _STREAMS:
                _STREAMS[chunks] = _sse(chunks)
            return httpx.Response(200, headers={"content-type": "text/event-stream"}, content=_STREAMS[chunks])
        return httpx.Response(200, headers={"content-type": "application/json"}, content=CHAT)

    http = httpx.Client(transport=httpx.MockTransport(answer))
    return cohere.ClientV2(api_key="bench", base_url="http://bench.invalid", httpx_client=http, max_retries=0)


def call(client):
    return client.chat(model=MODEL, messages=MESSAGES)


def stream(client, chunks):
    events = client.chat_stream(model=MODEL, messages=MESSAGES,
                                request_options={"additional_headers": {"x-bench-chunks": str(chunks)}})
    for _ in events:
        pass
