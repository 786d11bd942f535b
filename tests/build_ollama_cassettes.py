"""Writes the project's Ollama cassettes (``cassettes/ollama/``).

The wire format follows what an Ollama server sends (one JSON object, or NDJSON lines for a
stream, the last with ``done`` and the counts); the contents are our own.
Run ``python tests/build_ollama_cassettes.py`` after changing a scenario here, and commit the YAML."""
from __future__ import annotations

import json
from pathlib import Path

from build_cassettes import write

ROOT = Path(__file__).resolve().parent.parent
HOST = "http://localhost:11434"
MODEL = "llama3.2:latest"
CREATED = "2026-11-20T09:00:00.000000Z"
QUESTION = "What is the capital of France?"
STATUS = {200: "OK", 404: "Not Found", 500: "Internal Server Error"}


def interaction(path: str, request: dict, status: int, body: str | dict, *, stream: bool = False) -> dict:
    if isinstance(body, dict):
        body = json.dumps(body)
    return {
        "request": {"body": json.dumps(request), "headers": {"content-type": ["application/json"]},
                    "method": "POST", "uri": f"{HOST}{path}"},
        "response": {
            "status": {"code": status, "message": STATUS.get(status, "")},
            "headers": {"content-type": ["application/x-ndjson" if stream else "application/json; charset=utf-8"]},
            "body": {"string": body},
        },
    }


def ndjson(parts: list[dict]) -> str:
    return "".join(json.dumps(p) + "\n" for p in parts)


def counts(prompt: int | None, generated: int) -> dict:
    out = {"total_duration": 912000000, "load_duration": 41000000, "prompt_eval_duration": 88000000,
           "eval_count": generated, "eval_duration": 700000000}
    if prompt is not None:  # absent when the whole prompt was in the server's cache
        out["prompt_eval_count"] = prompt
    return out


def chat_part(content: str = "", *, thinking: str | None = None, tool_calls: list | None = None, done: bool = False,
              **extra) -> dict:
    message = {"role": "assistant", "content": content}
    if thinking is not None:
        message["thinking"] = thinking
    if tool_calls is not None:
        message["tool_calls"] = tool_calls
    return {"model": MODEL, "created_at": CREATED, "message": message, "done": done, **extra}


def generate_part(response: str = "", *, thinking: str | None = None, done: bool = False, **extra) -> dict:
    part = {"model": MODEL, "created_at": CREATED, "response": response, "done": done, **extra}
    if thinking is not None:
        part["thinking"] = thinking
    return part


WEATHER_CALL = {"id": "call_w1", "function": {"index": 0, "name": "get_weather", "arguments": {"city": "Paris"}}}
PARIS = ["The", " capital", " of", " France", " is", " Paris", "."]
THOUGHTS = ["The user asks", " about France."]


def cassettes() -> dict[str, list[dict]]:
    chat_q = {"model": MODEL, "messages": [{"role": "user", "content": QUESTION}]}
    stream_parts = ([chat_part(thinking=t) for t in THOUGHTS] + [chat_part(p) for p in PARIS]
                    + [chat_part(done=True, done_reason="stop", **counts(26, 8))])
    tool_q = {**chat_q, "messages": [{"role": "user", "content": "Weather in Paris?"}]}
    gen_q = {"model": MODEL, "prompt": "Why is the sky blue?"}
    sky = ["Rayleigh", " scattering", " of", " sunlight", "."]
    c = {
        "chat": [interaction("/api/chat", {**chat_q, "stream": False}, 200, chat_part(
            "The capital of France is Paris.", thinking="The user asks about France.", done=True,
            done_reason="stop", **counts(26, 8)))],
        "chat_stream": [interaction("/api/chat", {**chat_q, "stream": True}, 200, ndjson(stream_parts), stream=True)],
        # every prompt token came from the server's cache: no prompt_eval_count
        "chat_stream_cached": [interaction("/api/chat", {**chat_q, "stream": True}, 200, ndjson(
            [chat_part(p) for p in PARIS] + [chat_part(done=True, done_reason="stop", **counts(None, 8))]),
            stream=True)],
        "chat_tools": [interaction("/api/chat", {**tool_q, "stream": False}, 200, chat_part(
            "", tool_calls=[WEATHER_CALL], done=True, done_reason="stop", **counts(180, 20)))],
        "chat_tools_stream": [interaction("/api/chat", {**tool_q, "stream": True}, 200, ndjson([
            chat_part(thinking="Use the tool."), chat_part("", tool_calls=[WEATHER_CALL]),
            chat_part(done=True, done_reason="stop", **counts(180, 20))]), stream=True)],
        "chat_error_404": [interaction("/api/chat", {**chat_q, "model": "nope:latest"}, 404,
                                       {"error": "model 'nope:latest' not found"})],
        # the server fails after three parts: an error line in the stream
        "chat_stream_error": [interaction("/api/chat", {**chat_q, "stream": True}, 200, ndjson(
            [chat_part(p) for p in PARIS[:3]] + [{"error": "an error was encountered while running the model"}]),
            stream=True)],
        "generate": [interaction("/api/generate", {**gen_q, "stream": False}, 200, generate_part(
            "Rayleigh scattering of sunlight.", done=True, done_reason="stop", context=[1, 2, 3],
            **counts(31, 6)))],
        "generate_stream": [interaction("/api/generate", {**gen_q, "stream": True}, 200, ndjson(
            [generate_part(thinking=t) for t in THOUGHTS] + [generate_part(p) for p in sky]
            + [generate_part(done=True, done_reason="stop", context=[1, 2, 3], **counts(31, 6))]), stream=True)],
        "embed": [interaction("/api/embed", {"model": "all-minilm", "input": ["hello", "world"]}, 200, {
            "model": "all-minilm", "embeddings": [[0.1, -0.2, 0.3], [0.4, 0.5, -0.6]],
            "total_duration": 14000000, "load_duration": 1000000, "prompt_eval_count": 2})],
        "embeddings": [interaction("/api/embeddings", {"model": "all-minilm", "prompt": "hello"}, 200, {
            "embedding": [0.1, -0.2, 0.3, 0.4]})],
    }
    return c


def main() -> None:
    for name, interactions in cassettes().items():
        write(ROOT / "cassettes" / "ollama" / f"{name}.yaml", interactions)


if __name__ == "__main__":
    main()
