"""Span attributes read from google-genai requests and responses: token usage, provider."""
from __future__ import annotations

import base64
from typing import Any, Mapping

from mlflow.tracing.constant import TokenUsageKey

from .._tracing.kinds import field
from ._accumulator import dump

REASONING_TOKENS = "reasoning_tokens"


def usage(response: Any) -> dict[str, int] | None:
    """MLflow's convention: input = prompt tokens, output = candidate tokens, total as the API
    counts it (thought and tool-use prompt tokens included); cached content tokens as cache
    reads and thought tokens under a key of their own."""
    meta = field(response, "usage_metadata")
    if meta is None:
        return None
    prompt, candidates = field(meta, "prompt_token_count"), field(meta, "candidates_token_count")
    total = field(meta, "total_token_count")
    if prompt is None and candidates is None and total is None:
        return None
    out = {
        TokenUsageKey.INPUT_TOKENS: prompt or 0,
        TokenUsageKey.OUTPUT_TOKENS: candidates or 0,
        TokenUsageKey.TOTAL_TOKENS: total if total is not None else (prompt or 0) + (candidates or 0),
    }
    if (cached := field(meta, "cached_content_token_count")) is not None:
        out[TokenUsageKey.CACHE_READ_INPUT_TOKENS] = cached
    if (thoughts := field(meta, "thoughts_token_count")) is not None:
        out[REASONING_TOKENS] = thoughts
    return out


def plain(value: Any, depth: int = 0) -> Any:
    """The request's google-genai objects as JSON-ready data (bytes as base64, as the API sends
    them), so that inline images and documents can become MLflow attachments."""
    if depth > 20:
        return value
    if hasattr(value, "model_dump"):
        try:
            return dump(value)
        except Exception:  # a config holding Python functions as tools
            return plain(value.model_dump(exclude_none=True), depth + 1)
    if isinstance(value, (bytes, bytearray)):
        return base64.b64encode(bytes(value)).decode()
    if isinstance(value, Mapping):
        return {k: plain(v, depth + 1) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [plain(v, depth + 1) for v in value]
    if callable(value) and hasattr(value, "__name__"):  # a Python function given as a tool
        return {"function": value.__name__}
    return value


def output(response: Any) -> Any:
    return dump(response) if hasattr(response, "model_dump") else response


def provider_name(resource: Any) -> str:
    client = getattr(resource, "_api_client", None)
    return "vertex_ai" if getattr(client, "vertexai", False) else "gemini"


def embedding_usage(response: Any) -> dict[str, int] | None:
    meta = field(response, "usage_metadata")
    prompt = field(meta, "prompt_token_count") if meta is not None else None
    if prompt is None:
        return None
    total = field(meta, "total_token_count")
    return {TokenUsageKey.INPUT_TOKENS: prompt, TokenUsageKey.TOTAL_TOKENS: total if total is not None else prompt}


def runs_functions(kwargs: Mapping[str, Any]) -> bool:
    """Automatic function calling: Python functions among the tools, and AFC not switched off.
    The SDK then calls the model, runs the functions and calls again, all inside one call."""
    config = kwargs.get("config")
    tools = field(config, "tools") or ()
    if not any(callable(t) and not hasattr(t, "model_dump") for t in tools):
        return False
    afc = field(config, "automatic_function_calling")
    if afc is not None and (field(afc, "disable") or field(afc, "maximum_remote_calls") == 0):
        return False
    return True


def function_call(args: tuple, kwargs: Mapping[str, Any]) -> dict[str, Any]:
    """invoke_function_from_dict_args(args, function_to_invoke), as the span sees it."""
    given = args[0] if args else kwargs.get("args")
    function = args[1] if len(args) > 1 else kwargs.get("function_to_invoke")
    return {"function": getattr(function, "__name__", "function"), "args": dict(given or {})}


def no_usage(response: Any) -> None:
    return None
