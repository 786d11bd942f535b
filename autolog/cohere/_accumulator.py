"""Assemble a Cohere v2 chat stream into the chat response a non-streaming ``chat()`` returns.

Events: message-start (id), content-start / content-delta (text or thinking, by index),
tool-plan-delta, tool-call-start / tool-call-delta (arguments in pieces, by index), citation-start,
message-end (finish_reason, usage, error); the *-end events and debug carry nothing to keep."""
from __future__ import annotations

from typing import Any

from .._tracing.text import TextBuffer


class StreamError(Exception):
    """An error the stream reported, which the SDK passed on as an event instead of raising."""


def dump(obj: Any) -> Any:
    """A cohere object as the JSON the API sends (wire names, no empty fields)."""
    if isinstance(obj, list):
        return [dump(o) for o in obj]
    dumper = getattr(obj, "model_dump", None)
    if not callable(dumper):
        return obj
    data = dumper(mode="json", exclude_none=True)
    try:  # fields named apart from the wire (float_ for "float") carry their wire name as metadata
        from cohere.core.serialization import convert_and_respect_annotation_metadata

        return convert_and_respect_annotation_metadata(object_=data, annotation=type(obj), direction="write")
    except Exception:
        return data


def _on_wire(event: Any, name: str) -> bool:
    """The field was sent, not filled in by the SDK's default."""
    return name in (getattr(event, "model_fields_set", None) or ())


class _Block:
    __slots__ = ("type", "text")

    def __init__(self, kind: str) -> None:
        self.type = kind  # text | thinking
        self.text = TextBuffer()

    def build(self) -> dict[str, Any]:
        key = "thinking" if self.type == "thinking" else "text"
        return {"type": self.type, key: self.text.text()}


class _ToolCall:
    __slots__ = ("start", "arguments")

    def __init__(self, start: Any) -> None:
        self.start = start  # the ToolCallV2 of tool-call-start, or None when its start was not seen
        self.arguments = TextBuffer()

    def build(self) -> dict[str, Any]:
        call = dump(self.start) if self.start is not None else {"type": "function"}
        function = dict(call.get("function") or {})
        function["arguments"] = (function.get("arguments") or "") + self.arguments.text()
        call["function"] = function
        return call


def _message(event: Any) -> Any:
    delta = getattr(event, "delta", None)
    return getattr(delta, "message", None) if delta is not None else None


def _one(message: Any, name: str) -> Any:
    """A tool call or citation of an event: one object, as the SDK types it (a list, if sent as one)."""
    value = getattr(message, name, None)
    if isinstance(value, list):
        return value[0] if value else None
    return value


class ChatAccumulator:
    """chat_stream() -> a chat response: {id, finish_reason, message, usage}."""

    def __init__(self) -> None:
        self.id = None
        self.role = None
        self.blocks: dict[int, _Block] = {}
        self.tool_plan = TextBuffer()
        self.tool_calls: dict[int, _ToolCall] = {}
        self.citations: list[Any] = []
        self.logprobs: list[Any] = []
        self.finish_reason = None
        self.usage = None
        self.error: str | None = None  # message-end's error, kept in the output
        self.failed: StreamError | None = None  # an error event: the span ends in error

    def add(self, event: Any) -> None:
        kind = getattr(event, "type", None)
        if kind == "content-delta":  # nearly every event: inline
            content = getattr(getattr(getattr(event, "delta", None), "message", None), "content", None)
            thinking = getattr(content, "thinking", None)
            piece = getattr(content, "text", None) or thinking
            index = event.index or 0
            block = self.blocks.get(index)
            if block is None:
                block = self.blocks[index] = _Block("thinking" if thinking else "text")
            if piece:
                block.text.append(piece)
            if getattr(event, "logprobs", None) is not None:
                self.logprobs.append(event.logprobs)
        elif kind == "tool-call-delta":
            calls = _one(_message(event), "tool_calls")
            function = calls.get("function") if isinstance(calls, dict) else getattr(calls, "function", None)
            piece = function.get("arguments") if isinstance(function, dict) else getattr(function, "arguments", None)
            call = self.tool_calls.get(event.index or 0)
            if call is None:
                call = self.tool_calls[event.index or 0] = _ToolCall(None)
            if piece:
                call.arguments.append(piece)
        elif kind == "tool-plan-delta":
            piece = getattr(_message(event), "tool_plan", None)
            if piece:
                self.tool_plan.append(piece)
        elif kind == "content-start":
            content = getattr(_message(event), "content", None)
            block = self.blocks[event.index or 0] = _Block(str(getattr(content, "type", None) or "text"))
            piece = getattr(content, "text", None) or getattr(content, "thinking", None)
            if piece:
                block.text.append(piece)
        elif kind == "tool-call-start":
            self.tool_calls[event.index or 0] = _ToolCall(_one(_message(event), "tool_calls"))
        elif kind == "citation-start":
            citation = _one(_message(event), "citations")
            if citation is not None:
                self.citations.append(citation)
        elif kind == "message-start":
            if not _on_wire(event, "type"):
                self._unknown(event)  # no type on the wire: not a chat event (an error the SDK typed by default)
                return
            self.id = getattr(event, "id", None) or self.id
            self.role = getattr(_message(event), "role", None) or self.role
        elif kind == "message-end":
            delta = getattr(event, "delta", None)
            if delta is not None:
                self.finish_reason = getattr(delta, "finish_reason", None) or self.finish_reason
                self.usage = getattr(delta, "usage", None) or self.usage
                if getattr(delta, "error", None):
                    self.error = str(delta.error)  # kept in the output; the stream itself ended
        elif kind == "error":
            self._unknown(event)
        self._error_field(event)

    def _unknown(self, event: Any) -> None:
        extra = getattr(event, "model_extra", None) or {}
        message = extra.get("error") or extra.get("message")
        if message is not None:
            self._failed(message)

    def _error_field(self, event: Any) -> None:
        # pydantic's model_extra is a property over this attribute, which is read without a call
        extra = getattr(event, "__pydantic_extra__", None)
        if extra and extra.get("error"):
            self._failed(extra["error"])

    def _failed(self, error: Any) -> None:
        if self.failed is None:
            self.failed = StreamError(error.get("message", error) if isinstance(error, dict) else error)

    def failure(self) -> BaseException | None:
        return self.failed

    def result(self) -> dict[str, Any]:
        message: dict[str, Any] = {"role": self.role or "assistant"}
        if self.tool_calls:
            message["tool_calls"] = [call.build() for _, call in sorted(self.tool_calls.items())]
        if self.tool_plan:
            message["tool_plan"] = self.tool_plan.text()
        if self.blocks:
            message["content"] = [block.build() for _, block in sorted(self.blocks.items())]
        if self.citations:
            message["citations"] = dump(self.citations)
        out: dict[str, Any] = {}
        if self.id is not None:
            out["id"] = self.id
        if self.finish_reason is not None:
            out["finish_reason"] = self.finish_reason
        out["message"] = message
        if self.usage is not None:
            out["usage"] = dump(self.usage)
        if self.logprobs:
            out["logprobs"] = dump(self.logprobs)
        if self.error is not None:
            out["error"] = self.error
        return out
