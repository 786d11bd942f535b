"""Where the text is in Anthropic requests and responses, for the trace list's previews."""
from __future__ import annotations

from typing import Any

from .._tracing.kinds import field
from .._tracing.previews import call_text, joined, last_with_role, marker

_TOOL_USES = ("tool_use", "server_tool_use", "mcp_tool_use")


def _blocks_text(content: Any) -> str | None:
    if isinstance(content, str):
        return content
    if not isinstance(content, (list, tuple)):
        return None
    pieces = []
    for block in content:
        kind = field(block, "type")
        if kind == "text":
            pieces.append(field(block, "text"))
        elif kind == "tool_result":
            pieces.append(joined(["[tool result]", _blocks_text(field(block, "content"))]))
        elif kind is not None:
            pieces.append(marker(kind))
    return joined(pieces)


def request(inputs: Any) -> str | None:
    return _blocks_text(field(last_with_role(field(inputs, "messages"), "user"), "content"))


def response(outputs: Any) -> str | None:
    content = field(outputs, "content") or []
    text = joined(field(b, "text") for b in content if field(b, "type") == "text")
    if text:
        return text
    return joined((call_text(field(b, "name"), field(b, "input")) for b in content
                   if field(b, "type") in _TOOL_USES), ", ")
