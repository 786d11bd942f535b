"""Ollama's client (the ``ollama`` package) for the overhead benchmark: a real ``ollama.Client``
whose HTTP requests are answered in memory with fixed bytes shaped as an Ollama server sends them
(one JSON object, or NDJSON lines for a stream), so only the client's work and the tracing's are
measured. MLflow has no autolog for this client."""
from __future__ import annotations

import json

NAME = "ollama"
MLFLOW_AUTOLOG = None

MODEL = "llama3.2:latest"
MESSAGES = [{"role": "user", "content": "What is the capital of France?"}]
_DONE = {"done": True, "done_reason": "stop", "total_duration": 912000000, "load_duration": 41000000,
         "prompt_eval_count": 26, "prompt_eval_duration": 88000000, "eval_count": 8, "eval_duration": 700000000}
_CREATED = "2026-11-20T09:00:00.000000Z"


def _part(content: str, **extra) -> dict:
    return {"model": MODEL, "created_at": _CREATED, "message": {"role": "assistant", "content": content},
            "done": False, **extra}


_WHOLE = json.dumps(_part("The capital of France is Paris.", **_DONE)).encode()
_STREAMS: dict[int, bytes] = {}


def _stream_body(chunks: int) -> bytes:
    """``chunks`` parts: chunks - 1 pieces of text, then the last with the counts."""
    body = _STREAMS.get(chunks)
    if body is None:
        parts = [_part(f" w{i}") for i in range(max(chunks - 1, 0))] + [_part("", **_DONE)]
        body = _STREAMS[chunks] = "".join(json.dumps(p) + "\n" for p in parts).encode()
    return body


def client():
    import httpx
    import ollama

    def answer(request):
        body = json.loads(request.content)
        if body.get("stream"):
            return httpx.Response(200, headers={"content-type": "application/x-ndjson"},
                                  content=_stream_body(body.get("options", {}).get("num_predict", 20)))
        return httpx.Response(200, headers={"content-type": "application/json; charset=utf-8"}, content=_WHOLE)

    return ollama.Client(host="http://bench.invalid:11434", transport=httpx.MockTransport(answer))


def call(client):
    return client.chat(model=MODEL, messages=MESSAGES)


def stream(client, chunks):
    # the number of parts the fake server sends rides in the request (num_predict), as a server would
    # stop generating there
    return list(client.chat(model=MODEL, messages=MESSAGES, stream=True, options={"num_predict": chunks}))
