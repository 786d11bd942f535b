"""Assemble an Ollama stream (NDJSON lines, each a ChatResponse / GenerateResponse part) into the
response a non-streaming call returns: the text, thinking, tool calls and log probabilities the
parts carry in pieces, joined; the rest (done, done_reason, durations, counts, context) as the
last part read says it."""
from __future__ import annotations

from typing import Any

from .._tracing.text import TextBuffer


def dump(obj: Any) -> Any:
    """An ollama object as JSON-ready data without its empty fields (a dict as it is, less its Nones)."""
    dumper = getattr(obj, "model_dump", None)
    if callable(dumper):
        return dumper(mode="json", exclude_none=True)
    if isinstance(obj, dict):
        return {k: dump(v) for k, v in obj.items() if v is not None}
    if isinstance(obj, (list, tuple)):
        return [dump(v) for v in obj]
    return obj


class _Parts:
    """What every stream shares: the last part read, and the log probabilities of every part."""

    def __init__(self) -> None:
        self.last: Any = None
        self.logprobs: list[Any] = []

    def _add(self, part: Any) -> None:
        self.last = part
        logprobs = getattr(part, "logprobs", None)  # not in every client release
        if logprobs:
            self.logprobs.extend(logprobs)

    def _head(self) -> dict[str, Any]:
        out = dump(self.last)
        if self.logprobs:
            out["logprobs"] = dump(self.logprobs)
        return out


def _joined(buffer: TextBuffer, out: dict[str, Any], key: str) -> None:
    """The pieces joined under ``key`` (the last part's piece is one of them), or no ``key``."""
    if buffer:
        out[key] = buffer.text()
    else:
        out.pop(key, None)


class ChatAccumulator(_Parts):
    """chat(stream=True) -> a ChatResponse."""

    def __init__(self) -> None:
        super().__init__()
        self.role = None
        self.content = TextBuffer()
        self.thinking = TextBuffer()
        self.tool_calls: list[Any] = []

    def add(self, part: Any) -> None:
        self._add(part)
        message = part.message
        if message is None:
            return
        if self.role is None:
            self.role = message.role
        if content := message.content:
            self.content.append(content)
        if thinking := getattr(message, "thinking", None):
            self.thinking.append(thinking)
        if tool_calls := message.tool_calls:
            self.tool_calls.extend(tool_calls)

    def result(self) -> dict[str, Any] | None:
        if self.last is None:
            return None  # nothing arrived
        out = self._head()
        message = out.get("message") or {}
        message["role"] = self.role or message.get("role") or "assistant"
        message["content"] = self.content.text()
        _joined(self.thinking, message, "thinking")
        if self.tool_calls:
            message["tool_calls"] = dump(self.tool_calls)
        else:
            message.pop("tool_calls", None)
        out["message"] = message
        return out


class GenerateAccumulator(_Parts):
    """generate(stream=True) -> a GenerateResponse."""

    def __init__(self) -> None:
        super().__init__()
        self.response = TextBuffer()
        self.thinking = TextBuffer()

    def add(self, part: Any) -> None:
        self._add(part)
        if response := part.response:
            self.response.append(response)
        if thinking := getattr(part, "thinking", None):
            self.thinking.append(thinking)

    def result(self) -> dict[str, Any] | None:
        if self.last is None:
            return None
        out = self._head()
        out["response"] = self.response.text()
        _joined(self.thinking, out, "thinking")
        return out
