"""Gemini: a google-genai client answered in memory (a GenerateContentResponse; an SSE stream of
them, one text part each, the usage on the last one). MLflow's own Gemini autolog records no span
for streams."""
from __future__ import annotations

import json

NAME = "gemini"
MLFLOW_AUTOLOG = "mlflow.gemini.autolog"
MODEL = "gemini-2.5-flash"

_RESPONSE = json.dumps({
    "candidates": [{"content": {"role": "model", "parts": [{"text": "The capital of France is Paris."}]},
                    "finishReason": "STOP", "index": 0}],
    "usageMetadata": {"promptTokenCount": 8, "candidatesTokenCount": 7, "totalTokenCount": 15},
    "modelVersion": MODEL, "responseId": "r-bench"}).encode()
_STREAMS: dict[int, bytes] = {}


def _stream_body(chunks: int) -> bytes:
    def chunk(text, **extra):
        return {"candidates": [{"content": {"role": "model", "parts": [{"text": text}]}, "index": 0, **extra}],
                "modelVersion": MODEL, "responseId": "r-bench"}

    events = [chunk(f" w{i}") for i in range(max(chunks - 1, 0))]
    events.append({**chunk("", finishReason="STOP"),
                   "usageMetadata": {"promptTokenCount": 8, "candidatesTokenCount": chunks, "totalTokenCount": 8 + chunks}})
    return "".join(f"data: {json.dumps(e)}\r\n\r\n" for e in events).encode()


def client():
    import httpx
    from google import genai
    from google.genai import types

    def answer(request):
        body = json.loads(request.content)
        if "streamGenerateContent" in request.url.path:
            chunks = int(body["generationConfig"]["maxOutputTokens"])
            if chunks not in _STREAMS:
                _STREAMS[chunks] = _stream_body(chunks)
            return httpx.Response(200, content=_STREAMS[chunks], headers={"content-type": "text/event-stream"})
        return httpx.Response(200, content=_RESPONSE, headers={"content-type": "application/json"})

    http = httpx.Client(transport=httpx.MockTransport(answer))
    return genai.Client(api_key="bench", http_options=types.HttpOptions(base_url="https://bench.invalid/", httpx_client=http))


def call(client) -> None:
    client.models.generate_content(model=MODEL, contents="What is the capital of France?")


def stream(client, chunks: int) -> None:
    from google.genai import types

    config = types.GenerateContentConfig(max_output_tokens=chunks)
    for _ in client.models.generate_content_stream(model=MODEL, contents="What is the capital of France?", config=config):
        pass
