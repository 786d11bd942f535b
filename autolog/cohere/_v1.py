"""Cohere's API v1, as the legacy ``cohere.Client`` calls it: chat (message, chat_history,
preamble), generate (prompt), their streams, and rerank.

A v1 chat stream ends with stream-end, which carries the whole response; a generate stream's
stream-end carries its generations. The accumulators keep what arrived before, for a stream left
early, and a generate stream's stream-error event (which the SDK yields, not raises) ends the
span in error."""
from __future__ import annotations

import json
from typing import Any, Mapping

from .._tracing.kinds import field
from .._tracing.previews import call_text, joined
from .._tracing.text import TextBuffer
from ._accumulator import StreamError, dump
from ._attributes import tools_of

_ROLES = {"USER": "user", "CHATBOT": "assistant", "SYSTEM": "system", "TOOL": "tool"}


class ChatAccumulator:
    """chat_stream() -> the NonStreamedChatResponse chat() returns."""

    def __init__(self) -> None:
        self.text = TextBuffer()
        self.head: dict[str, Any] = {}
        self.tool_calls: list[Any] = []
        self.citations: list[Any] = []
        self.end: Any = None

    def add(self, event: Any) -> None:
        kind = getattr(event, "event_type", None)
        if kind == "text-generation":
            self.text.append(event.text or "")
        elif kind == "stream-end":
            self.end = event
        elif kind == "tool-calls-generation":
            self.tool_calls = list(event.tool_calls or ())
        elif kind == "citation-generation":
            self.citations.extend(event.citations or ())
        elif kind == "stream-start":
            self.head["generation_id"] = getattr(event, "generation_id", None)

    def result(self) -> dict[str, Any]:
        if self.end is not None and getattr(self.end, "response", None) is not None:
            out = dump(self.end.response)
            out.setdefault("finish_reason", getattr(self.end, "finish_reason", None))
            return out
        out = {k: v for k, v in self.head.items() if v is not None}
        out["text"] = self.text.text()
        if self.tool_calls:
            out["tool_calls"] = dump(self.tool_calls)
        if self.citations:
            out["citations"] = dump(self.citations)
        return out


class GenerateAccumulator:
    """generate_stream() -> a Generation: {id, prompt, generations}."""

    def __init__(self) -> None:
        self.texts: dict[int, TextBuffer] = {}
        self.end: Any = None
        self.failed: StreamError | None = None

    def add(self, event: Any) -> None:
        kind = getattr(event, "event_type", None)
        if kind == "text-generation":
            index = event.index or 0
            if index not in self.texts:
                self.texts[index] = TextBuffer()
            self.texts[index].append(event.text or "")
        elif kind == "stream-end":
            self.end = event
        elif kind == "stream-error" and self.failed is None:
            self.failed = StreamError(getattr(event, "err", None) or "stream-error")

    def failure(self) -> BaseException | None:
        return self.failed

    def result(self) -> dict[str, Any]:
        if self.end is not None and getattr(self.end, "response", None) is not None:
            out = dump(self.end.response)
            if self.end.finish_reason is not None:
                for generation in out.get("generations") or ():
                    generation.setdefault("finish_reason", self.end.finish_reason)
            return out
        return {"generations": [{"index": i, "text": t.text()} for i, t in sorted(self.texts.items())]}


def _schema(definitions: Any) -> dict[str, Any]:
    """v1 parameter_definitions ({name: {type, description, required}}) as a JSON schema."""
    properties, required = {}, []
    for name, spec in (definitions or {}).items():
        spec = dump(spec)
        properties[name] = {k: v for k, v in (("type", spec.get("type")), ("description", spec.get("description")))
                            if v is not None}
        if spec.get("required"):
            required.append(name)
    return {"type": "object", "properties": properties, **({"required": required} if required else {})}


def _chat_tool(tool: Any) -> dict | None:
    if not (isinstance(tool, Mapping) and tool.get("name")):
        return None
    spec = {"name": tool["name"], "parameters": _schema(tool.get("parameter_definitions"))}
    if tool.get("description"):
        spec["description"] = tool["description"]
    return {"type": "function", "function": spec}


def chat_tools(kwargs: Mapping[str, Any]) -> list[dict] | None:
    return tools_of(kwargs, _chat_tool)


def _arguments(parameters: Any) -> str:
    return parameters if isinstance(parameters, str) else json.dumps(parameters or {})


def _tool_calls(calls: Any) -> list[dict[str, Any]]:
    return [{"id": "", "type": "function", "function": {"name": str(field(c, "name") or ""),
                                                         "arguments": _arguments(field(c, "parameters"))}}
            for c in calls or ()]


def _tool_results(results: Any) -> list[dict[str, Any]]:
    return [{"role": "tool", "tool_call_id": "", "content": json.dumps(field(r, "outputs"), ensure_ascii=False)}
            for r in results or ()]


def request_messages(inputs: Any) -> list[dict[str, Any]] | None:
    found: list[dict[str, Any]] = []
    if isinstance(field(inputs, "preamble"), str):
        found.append({"role": "system", "content": field(inputs, "preamble")})
    for turn in field(inputs, "chat_history") or ():
        role = _ROLES.get(str(field(turn, "role")).upper())
        if role == "tool":
            found += _tool_results(field(turn, "tool_results"))
        elif role is not None:
            message = {"role": role, "content": field(turn, "message") or ""}
            if role == "assistant" and field(turn, "tool_calls"):
                message["tool_calls"] = _tool_calls(field(turn, "tool_calls"))
            found.append(message)
    found += _tool_results(field(inputs, "tool_results"))
    if field(inputs, "message"):
        found.append({"role": "user", "content": field(inputs, "message")})
    return found


def response_messages(outputs: Any) -> list[dict[str, Any]] | None:
    text = field(outputs, "text")
    calls = field(outputs, "tool_calls")
    if text is None and not calls:
        return None
    message: dict[str, Any] = {"role": "assistant", "content": text or None}
    if calls:
        message["tool_calls"] = _tool_calls(calls)
    elif message["content"] is None:
        message["content"] = ""
    return [message]


def chat_request(inputs: Any) -> str | None:
    return field(inputs, "message")


def chat_response(outputs: Any) -> str | None:
    text = field(outputs, "text")
    if text:
        return text
    return joined((call_text(field(c, "name"), field(c, "parameters") or {}) for c in field(outputs, "tool_calls") or ()),
                  ", ")


def generate_request(inputs: Any) -> str | None:
    return field(inputs, "prompt")


def generate_response(outputs: Any) -> str | None:
    return joined((field(g, "text") for g in field(outputs, "generations") or ()), " | ")
