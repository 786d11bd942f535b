"""Anthropic: an anthropic.Anthropic client answered in memory (a message; an SSE stream of the
Messages API's events: message_start, one text block of content_block_delta events,
message_delta with the usage, message_stop)."""
from __future__ import annotations

import json

NAME = "anthropic"
MLFLOW_AUTOLOG = "mlflow.anthropic.autolog"
MODEL = "claude-sonnet-4-5"
MESSAGES = [{"role": "user", "content": "What is the capital of France?"}]

_MESSAGE = json.dumps({
    "id": "msg_bench", "type": "message", "role": "assistant", "model": MODEL,
    "content": [{"type": "text", "text": "The capital of France is Paris."}], "stop_reason": "end_turn",
    "stop_sequence": None, "usage": {"input_tokens": 14, "output_tokens": 7}}).encode()
_STREAMS: dict[int, bytes] = {}


def _stream_body(chunks: int) -> bytes:
    events = [{"type": "message_start", "message": {
        "id": "msg_bench", "type": "message", "role": "assistant", "model": MODEL, "content": [],
        "stop_reason": None, "stop_sequence": None, "usage": {"input_tokens": 14, "output_tokens": 1}}},
        {"type": "content_block_start", "index": 0, "content_block": {"type": "text", "text": ""}}]
    events += [{"type": "content_block_delta", "index": 0, "delta": {"type": "text_delta", "text": f" w{i}"}}
               for i in range(max(chunks - 5, 0))]
    events += [{"type": "content_block_stop", "index": 0},
               {"type": "message_delta", "delta": {"stop_reason": "end_turn", "stop_sequence": None},
                "usage": {"output_tokens": chunks}},
               {"type": "message_stop"}]
    return "".join(f"event: {e['type']}\ndata: {json.dumps(e)}\n\n" for e in events).encode()


def client():
    import anthropic
    import httpx2

    def answer(request):
        body = json.loads(request.content)
        if body.get("stream"):
            chunks = int(body["max_tokens"])
            if chunks not in _STREAMS:
                _STREAMS[chunks] = _stream_body(chunks)
            return httpx2.Response(200, content=_STREAMS[chunks], headers={"content-type": "text/event-stream"})
        return httpx2.Response(200, content=_MESSAGE, headers={"content-type": "application/json"})

    return anthropic.Anthropic(api_key="sk-ant-bench", base_url="https://api.anthropic.com", max_retries=0,
                               http_client=httpx2.Client(transport=httpx2.MockTransport(answer)))


def call(client) -> None:
    client.messages.create(model=MODEL, max_tokens=64, messages=MESSAGES)


def stream(client, chunks: int) -> None:
    for _ in client.messages.create(model=MODEL, max_tokens=chunks, messages=MESSAGES, stream=True):
        pass
