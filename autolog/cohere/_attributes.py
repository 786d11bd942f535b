"""Span attributes read from Cohere requests and responses: token usage, tools, what the span records."""
from __future__ import annotations

from typing import Any, Callable, Mapping

from mlflow.tracing.constant import TokenUsageKey

from .._tracing.kinds import field
from ._accumulator import dump


def _counts(holder: Any) -> tuple[Any, Any] | None:
    """(input, output) from ``tokens`` (what the model processed: the prompt as templated, system
    preamble and tools included) when present, else from ``billed_units`` (what is charged)."""
    for key in ("tokens", "billed_units"):
        counts = field(holder, key)
        if counts is None:
            continue
        inp, out = field(counts, "input_tokens"), field(counts, "output_tokens")
        if inp is not None or out is not None:
            return inp, out
    return None


def unwrap(response: Any) -> Any:
    """The raw client's HttpResponse holds the SDK object the public method returns."""
    return response.data if type(response).__name__ in ("HttpResponse", "AsyncHttpResponse") else response


def _holders(response: Any):
    """Today's responses and stream ends carry the counts in ``usage``; embed and rerank responses,
    and the chat responses of the 2024 experimental v2 API, in ``meta``."""
    for name in ("usage", "meta"):
        holder = field(response, name)
        if holder is not None:
            yield holder


def usage(response: Any) -> dict[str, int] | None:
    for holder in _holders(unwrap(response)):
        counts = _counts(holder)
        if counts is None:
            continue
        inp, out = int(counts[0] or 0), int(counts[1] or 0)
        result = {TokenUsageKey.INPUT_TOKENS: inp, TokenUsageKey.OUTPUT_TOKENS: out, TokenUsageKey.TOTAL_TOKENS: inp + out}
        cached = field(holder, "cached_tokens")
        if cached is not None:  # prompt tokens served from the cache, counted in the input too
            result[TokenUsageKey.CACHE_READ_INPUT_TOKENS] = int(cached)
        return result
    return None


def embedding_usage(response: Any) -> dict[str, int] | None:
    for holder in _holders(response):
        counts = _counts(holder)
        if counts is not None and counts[0] is not None:
            return {TokenUsageKey.INPUT_TOKENS: int(counts[0]), TokenUsageKey.TOTAL_TOKENS: int(counts[0])}
    return None


def no_usage(response: Any) -> None:
    """A rerank is billed in search units, not tokens."""
    return None


def plain(value: Any, depth: int = 0) -> Any:
    """The request's cohere objects as the JSON the SDK sends."""
    if depth > 20:
        return value
    if hasattr(value, "model_dump"):
        return dump(value)
    if isinstance(value, Mapping):
        return {k: plain(v, depth + 1) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [plain(v, depth + 1) for v in value]
    return value


def inputs(given: Mapping[str, Any]) -> dict[str, Any]:
    """The call's arguments as JSON, without those the caller left out (the raw client receives them
    as the SDK's OMIT, an Ellipsis, or None); request_options without its extra headers, which may
    carry credentials."""
    recorded = plain({k: v for k, v in given.items() if v is not ... and v is not None})
    options = recorded.get("request_options")
    if isinstance(options, Mapping):
        kept = {k: v for k, v in options.items() if k != "additional_headers"}
        if kept:
            recorded["request_options"] = kept
        else:
            del recorded["request_options"]
    return recorded


def output(response: Any) -> Any:
    return dump(unwrap(response))


def tools_of(kwargs: Mapping[str, Any], chat_tool: Callable[[Any], dict | None]) -> list[dict] | None:
    """The call's ``tools``, each dumped and made a chat tool by ``chat_tool`` (None leaves it out)."""
    tools = kwargs.get("tools")
    if not isinstance(tools, (list, tuple)):
        return None
    return [found for found in map(chat_tool, map(dump, tools)) if found is not None] or None


def _chat_tool(tool: Any) -> dict | None:
    function = field(tool, "function")
    if isinstance(function, Mapping) and function.get("name"):
        return {"type": "function", "function": {k: v for k, v in function.items() if v is not None}}
    return None


def chat_tools(kwargs: Mapping[str, Any]) -> list[dict] | None:
    """Cohere v2 tools are already in the chat-tool shape: {"type": "function", "function": {...}}."""
    return tools_of(kwargs, _chat_tool)
