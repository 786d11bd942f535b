"""Where the text is in Mistral requests and responses, for the trace list's previews."""
from __future__ import annotations

from typing import Any

from .._tracing.kinds import field
from .._tracing.previews import call_text, joined, last_with_role, marker


def _content_text(content: Any) -> str | None:
    """A message's content: a string, or chunks whose text is joined and others marked; the
    reasoning (``thinking`` chunks) is left out."""
    if isinstance(content, str):
        return content
    if not isinstance(content, (list, tuple)):
        return None
    pieces = []
    for chunk in content:
        kind = field(chunk, "type")
        if kind == "text":
            pieces.append(field(chunk, "text"))
        elif kind not in (None, "thinking"):
            pieces.append(marker(kind))
    return joined(pieces)


def chat_request(inputs: Any) -> str | None:
    """chat and agents: the last user message."""
    return _content_text(field(last_with_role(field(inputs, "messages"), "user"), "content"))


def fim_request(inputs: Any) -> str | None:
    prompt = field(inputs, "prompt")
    return prompt if isinstance(prompt, str) else None


def response(outputs: Any) -> str | None:
    """chat, FIM and agents: the first choice's text, else its tool calls."""
    choices = field(outputs, "choices") or []
    if not choices:
        return None
    message = field(choices[0], "message")
    text = _content_text(field(message, "content"))
    if text:
        return text
    calls = field(message, "tool_calls") or []
    return joined((call_text(field(field(c, "function"), "name"), field(field(c, "function"), "arguments"))
                   for c in calls), ", ")


def embeddings_request(inputs: Any) -> str | None:
    given = field(inputs, "inputs")
    if isinstance(given, str):
        return given
    if isinstance(given, (list, tuple)):
        return joined((g for g in given if isinstance(g, str)), " | ")
    return None
