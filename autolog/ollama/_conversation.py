"""The conversation of a chat or generate call as OpenAI-style chat messages (the span's
``mlflow.chat.messages``), read from what the span records.

MLflow's UI reads Ollama's request messages (they are OpenAI's role/content shape), but no
message format it knows reads a ChatResponse (``message`` at the top) or a GenerateResponse,
and it shows a chat only when it can read both sides; it shows this attribute as the chat
whatever the format. Tool calls take OpenAI's shape here (an id, JSON-text arguments), thinking
is the UI's ``reasoning``, images are marked, not copied."""
from __future__ import annotations

import json
from typing import Any, Mapping

from .._tracing.kinds import field
from .._tracing.previews import marker

_ROLES = ("system", "user", "assistant", "tool")


def _arguments(value: Any) -> str:
    if isinstance(value, str):
        return value
    try:
        return json.dumps(value if value is not None else {}, ensure_ascii=False)
    except (TypeError, ValueError):
        return str(value)


def _tool_calls(calls: Any) -> list[dict[str, Any]]:
    out = []
    for i, call in enumerate(calls or ()):
        function = field(call, "function") or {}
        out.append({"id": str(field(call, "id") or f"call_{i}"), "type": "function",
                    "function": {"name": str(field(function, "name") or ""),
                                 "arguments": _arguments(field(function, "arguments"))}})
    return out


def _message(role: Any, content: Any, *, thinking: Any = None, images: Any = None, tool_calls: Any = None,
             tool_name: Any = None) -> dict[str, Any] | None:
    if role not in _ROLES:
        return None
    pieces = [content] if isinstance(content, str) and content else []
    pieces += [marker("image")] * len(images or ())
    text = "\n\n".join(pieces)
    message: dict[str, Any] = {"role": role, "content": text}
    if isinstance(thinking, str) and thinking.strip():
        message["reasoning"] = thinking
    if tool_calls:
        message["tool_calls"] = _tool_calls(tool_calls)
    if tool_name:
        message["name"] = str(tool_name)
    return message


def _of(message: Any) -> dict[str, Any] | None:
    return _message(field(message, "role"), field(message, "content"), thinking=field(message, "thinking"),
                    images=field(message, "images"), tool_calls=field(message, "tool_calls"),
                    tool_name=field(message, "tool_name"))


def chat_request(inputs: Any) -> list[dict[str, Any]] | None:
    messages = field(inputs, "messages") if isinstance(inputs, Mapping) else None
    if not isinstance(messages, list):
        return None
    converted = [_of(m) for m in messages if isinstance(m, Mapping)]
    return converted if converted and None not in converted else None


def chat_response(outputs: Any) -> list[dict[str, Any]] | None:
    message = field(outputs, "message") if isinstance(outputs, Mapping) else None
    converted = _of(message) if isinstance(message, Mapping) else None
    return [converted] if converted else None


def generate_request(inputs: Any) -> list[dict[str, Any]] | None:
    if not isinstance(inputs, Mapping) or not isinstance(inputs.get("prompt"), str):
        return None
    messages = []
    if isinstance(inputs.get("system"), str) and inputs["system"]:
        messages.append(_message("system", inputs["system"]))
    messages.append(_message("user", inputs["prompt"], images=inputs.get("images")))
    return messages


def generate_response(outputs: Any) -> list[dict[str, Any]] | None:
    if not isinstance(outputs, Mapping) or not isinstance(outputs.get("response"), str):
        return None
    return [_message("assistant", outputs["response"], thinking=outputs.get("thinking"))]
