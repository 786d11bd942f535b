"""Span attributes read from Anthropic requests and responses: token usage, tools."""
from __future__ import annotations

from typing import Any, Mapping

from mlflow.tracing.constant import TokenUsageKey

from .._tracing.kinds import field, tools_from


def usage(response: Any) -> dict[str, int] | None:
    """MLflow's convention: input_tokens includes the cache reads and cache writes, which are
    also reported under their own keys."""
    usage = field(response, "usage")
    if usage is None:
        return None
    inp, out = field(usage, "input_tokens"), field(usage, "output_tokens")
    if inp is None and out is None:
        return None
    read = field(usage, "cache_read_input_tokens")
    created = field(usage, "cache_creation_input_tokens")
    inp = (inp or 0) + (read or 0) + (created or 0)
    out = out or 0
    result = {
        TokenUsageKey.INPUT_TOKENS: inp,
        TokenUsageKey.OUTPUT_TOKENS: out,
        TokenUsageKey.TOTAL_TOKENS: inp + out,
    }
    if read is not None:
        result[TokenUsageKey.CACHE_READ_INPUT_TOKENS] = read
    if created is not None:
        result[TokenUsageKey.CACHE_CREATION_INPUT_TOKENS] = created
    return result


def _as_chat_tool(tool: Mapping[str, Any]) -> dict[str, Any]:
    spec: dict[str, Any] = {"name": tool.get("name") or tool.get("type") or "tool"}
    if tool.get("description"):
        spec["description"] = tool["description"]
    if isinstance(tool.get("input_schema"), Mapping):
        spec["parameters"] = dict(tool["input_schema"])
    return {"type": "function", "function": spec}


def chat_tools(kwargs: Mapping[str, Any]) -> list[dict[str, Any]] | None:
    return tools_from(kwargs, _as_chat_tool)


def provider_name(resource: Any) -> str:
    client_type = type(getattr(resource, "_client", None)).__name__
    if "Bedrock" in client_type:
        return "bedrock"
    if "Vertex" in client_type:
        return "vertex_ai"
    return "anthropic"
