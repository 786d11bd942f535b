"""Span attributes read from Mistral requests and responses: token usage, tools, the request as data."""
from __future__ import annotations

import json
from typing import Any, Mapping

from mlflow.tracing.constant import TokenUsageKey

from .._tracing.kinds import field
from ..openai._attributes import chat_tools as _openai_chat_tools
from ._accumulator import dump

# headers that carry credentials are never recorded, whatever the caller puts in http_headers
_SECRET_HEADERS = frozenset({"authorization", "api-key", "x-api-key", "proxy-authorization", "cookie"})


def _cached(usage: Any) -> int | None:
    """Cached prompt tokens: ``prompt_tokens_details.cached_tokens``, or ``num_cached_tokens``
    as older responses say it."""
    details = field(usage, "prompt_tokens_details")
    cached = field(details, "cached_tokens") if details is not None else None
    return cached if cached is not None else field(usage, "num_cached_tokens")


def usage(response: Any) -> dict[str, int] | None:
    """Input = prompt tokens (cached ones included, also reported as cache reads), output =
    completion tokens, total as the API counts it."""
    used = field(response, "usage")
    if used is None:
        return None
    prompt, completion = field(used, "prompt_tokens"), field(used, "completion_tokens")
    if prompt is None and completion is None:
        return None
    prompt, completion = prompt or 0, completion or 0
    total = field(used, "total_tokens")
    out = {
        TokenUsageKey.INPUT_TOKENS: prompt,
        TokenUsageKey.OUTPUT_TOKENS: completion,
        TokenUsageKey.TOTAL_TOKENS: total if total is not None else prompt + completion,
    }
    if (cached := _cached(used)) is not None:
        out[TokenUsageKey.CACHE_READ_INPUT_TOKENS] = cached
    return out


def embedding_usage(response: Any) -> dict[str, int] | None:
    used = field(response, "usage")
    prompt = field(used, "prompt_tokens") if used is not None else None
    if prompt is None:
        return None
    total = field(used, "total_tokens")
    return {TokenUsageKey.INPUT_TOKENS: prompt, TokenUsageKey.TOTAL_TOKENS: total if total is not None else prompt}


def _text_arguments(calls: Any) -> None:
    """Tool call arguments sent as an object, as their JSON text: the MLflow UI renders a tool
    call's arguments only as text, and fails on the whole trace otherwise."""
    for call in calls if isinstance(calls, list) else ():
        function = call.get("function") if isinstance(call, dict) else None
        if isinstance(function, dict) and function.get("arguments") is not None and not isinstance(
                function["arguments"], str):
            function["arguments"] = json.dumps(function["arguments"], ensure_ascii=False)


def output(response: Any) -> Any:
    """The response (or the stream's assembled one) as data, tool call arguments as text."""
    out = dump(response)
    for choice in out.get("choices") or () if isinstance(out, dict) else ():
        if isinstance(choice, dict) and isinstance(choice.get("message"), dict):
            _text_arguments(choice["message"].get("tool_calls"))
    return out


def inputs(kwargs: Mapping[str, Any]) -> Any:
    """The request as data (see ``plain``), tool call arguments in the conversation as text."""
    out = plain(kwargs)
    for message in out.get("messages") or () if isinstance(out, dict) else ():
        if isinstance(message, dict):
            _text_arguments(message.get("tool_calls"))
    return out


def plain(value: Any, depth: int = 0) -> Any:
    """The request as JSON-ready data under its wire names: messages, tools and chunks may be the
    SDK's models (UserMessage, ImageURLChunk, ...), so that the UI and the attachment extraction
    see them as the API does; no credentials from http_headers."""
    if depth > 20:
        return value
    if hasattr(value, "model_dump"):
        try:
            return dump(value)
        except Exception:
            return value
    if isinstance(value, Mapping):
        out = {k: plain(v, depth + 1) for k, v in value.items()}
        if depth == 0 and isinstance(out.get("http_headers"), Mapping):
            kept = {k: v for k, v in out["http_headers"].items() if str(k).lower() not in _SECRET_HEADERS}
            if kept:
                out["http_headers"] = kept
            else:
                del out["http_headers"]
        return out
    if isinstance(value, (list, tuple)):
        return [plain(v, depth + 1) for v in value]
    return value


def chat_tools(kwargs: Mapping[str, Any]) -> list[dict[str, Any]] | None:
    """Mistral's tools are OpenAI's chat tools ({"type": "function", "function": {...}}), given as
    dicts or as the SDK's Tool models."""
    tools = kwargs.get("tools")
    if not isinstance(tools, (list, tuple)):
        return None
    return _openai_chat_tools({"tools": plain(tools, 1)})
