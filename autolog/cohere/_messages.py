"""The conversation as the MLflow UI renders a chat (``mlflow.chat.messages``): role, text content,
tool calls. No message format the UI knows reads a Cohere chat response ({message: {...}} at the
top, no choices), so the span says it this way, read from what the span records."""
from __future__ import annotations

import json
from typing import Any

from .._tracing.kinds import field
from .._tracing.previews import marker, parts_text

_ROLES = ("system", "user", "assistant", "tool")


def _document_text(document: Any) -> str:
    data = field(document, "data")
    if isinstance(data, str):
        return data
    try:
        return json.dumps(data, ensure_ascii=False)
    except (TypeError, ValueError):
        return str(data)


def _part_text(kind: Any, part: Any) -> str | None:
    if kind == "text":
        return field(part, "text")
    if kind == "document":
        return _document_text(field(part, "document"))
    if kind == "thinking":
        return None
    return marker(kind)


def content_text(content: Any) -> str | None:
    """A message's content as text: text parts joined, documents as their data, others marked."""
    return parts_text(content, _part_text, "\n\n")


def _thinking(content: Any) -> str | None:
    if not isinstance(content, (list, tuple)):
        return None
    return "\n\n".join(field(p, "thinking") for p in content
                       if field(p, "type") == "thinking" and field(p, "thinking")) or None


def _tool_call(call: Any) -> dict[str, Any]:
    function = field(call, "function") or {}
    arguments = field(function, "arguments")
    if not isinstance(arguments, str):
        arguments = json.dumps(arguments if arguments is not None else {})
    return {"id": str(field(call, "id") or ""), "type": "function",
            "function": {"name": str(field(function, "name") or ""), "arguments": arguments}}


def _message(message: Any) -> dict[str, Any] | None:
    role = field(message, "role")
    if role not in _ROLES:
        return None
    content = field(message, "content")
    out: dict[str, Any] = {"role": role, "content": content_text(content)}
    if role == "assistant":
        calls = field(message, "tool_calls")
        if calls:
            out["tool_calls"] = [_tool_call(c) for c in calls]
        if out["content"] is None and field(message, "tool_plan"):
            out["content"] = field(message, "tool_plan")
        if thinking := _thinking(content):
            out["reasoning"] = thinking
    elif role == "tool":
        out["tool_call_id"] = str(field(message, "tool_call_id") or "")
    if out["content"] is None:
        out["content"] = "" if role != "assistant" or "tool_calls" not in out else None
    return out


def request_messages(inputs: Any) -> list[dict[str, Any]] | None:
    messages = field(inputs, "messages")
    if not isinstance(messages, (list, tuple)):
        return None
    found = [_message(m) for m in messages]
    return found if all(m is not None for m in found) else None


def response_messages(outputs: Any) -> list[dict[str, Any]] | None:
    message = field(outputs, "message")
    if message is None:
        return None
    found = _message({**message, "role": field(message, "role") or "assistant"} if isinstance(message, dict) else message)
    return [found] if found is not None else None
