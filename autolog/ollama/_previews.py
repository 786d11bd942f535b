"""Where the text is in Ollama requests and responses, for the trace list's previews."""
from __future__ import annotations

from typing import Any

from .._tracing.kinds import field
from .._tracing.previews import call_text, joined, last_with_role, marker


def _text(content: Any, images: Any = None) -> str | None:
    return joined([content if isinstance(content, str) else None] + [marker("image")] * len(images or ()))


def chat_request(inputs: Any) -> str | None:
    message = last_with_role(field(inputs, "messages"), "user")
    return _text(field(message, "content"), field(message, "images")) if message is not None else None


def chat_response(outputs: Any) -> str | None:
    message = field(outputs, "message")
    if message is None:
        return None
    if text := field(message, "content"):
        return text
    return joined((call_text(field(field(c, "function"), "name"), field(field(c, "function"), "arguments") or {})
                   for c in field(message, "tool_calls") or ()), ", ")


def generate_request(inputs: Any) -> str | None:
    return _text(field(inputs, "prompt"), field(inputs, "images"))


def generate_response(outputs: Any) -> str | None:
    return field(outputs, "response")


def embed_request(inputs: Any) -> str | None:
    given = field(inputs, "input")
    if isinstance(given, str):
        return given
    if isinstance(given, list):
        return joined((i for i in given if isinstance(i, str)), " | ")
    return None


def embed_response(outputs: Any) -> str | None:
    vectors = field(outputs, "embeddings") or []
    if not vectors:
        return None
    first = vectors[0]
    return f"{len(vectors)} vectors of {len(first)} dims" if isinstance(first, list) else f"{len(vectors)} vectors"


def embeddings_request(inputs: Any) -> str | None:
    prompt = field(inputs, "prompt")
    return prompt if isinstance(prompt, str) else None


def embeddings_response(outputs: Any) -> str | None:
    vector = field(outputs, "embedding")
    return f"1 vector of {len(vector)} dims" if isinstance(vector, list) else None
