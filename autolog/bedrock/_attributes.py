"""Span attributes read from Bedrock requests and responses: token usage (MLflow's convention),
tools, span type, and the request and response as the span records them."""
from __future__ import annotations

import base64
import datetime
from typing import Any, Mapping

from mlflow.entities import SpanType
from mlflow.tracing.constant import TokenUsageKey

from ..anthropic._attributes import chat_tools as _anthropic_tools
from .._tracing.attachments import file_placeholder
from ._invoke import METRICS, family, parse_body

_HEADER = "x-amzn-bedrock-"


def _count(value: Any) -> int | None:
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int):
        return value
    try:
        return int(float(value))
    except (TypeError, ValueError):
        return None


def tokens(inp: Any, out: Any, total: Any = None, cache_read: Any = None, cache_write: Any = None) -> dict[str, int] | None:
    """MLflow's convention: Bedrock counts input without the cache reads and writes; input_tokens
    includes them (as for Anthropic), and the total is then input + output."""
    inp, out, total = _count(inp), _count(out), _count(total)
    if inp is None or out is None:
        return None
    read, write = _count(cache_read), _count(cache_write)
    cached = (read or 0) + (write or 0)
    usage = {TokenUsageKey.INPUT_TOKENS: inp + cached, TokenUsageKey.OUTPUT_TOKENS: out,
             TokenUsageKey.TOTAL_TOKENS: inp + cached + out if cached or total is None else total}
    if read is not None:
        usage[TokenUsageKey.CACHE_READ_INPUT_TOKENS] = read
    if write is not None:
        usage[TokenUsageKey.CACHE_CREATION_INPUT_TOKENS] = write
    return usage


def _first(d: Mapping[str, Any], *keys: str) -> Any:
    for key in keys:
        if d.get(key) is not None:
            return d[key]
    return None


def _usage_fields(u: Any) -> dict[str, int] | None:
    """Converse's usage, and the usage in Nova's and Anthropic's invoke bodies."""
    if not isinstance(u, Mapping):
        return None
    return tokens(_first(u, "inputTokens", "input_tokens"), _first(u, "outputTokens", "output_tokens"),
                  _first(u, "totalTokens", "total_tokens"),
                  _first(u, "cacheReadInputTokens", "cacheReadInputTokenCount", "cache_read_input_tokens"),
                  _first(u, "cacheWriteInputTokens", "cacheWriteInputTokenCount", "cache_creation_input_tokens"))


def converse_usage(response: Any) -> dict[str, int] | None:
    return _usage_fields(response.get("usage")) if isinstance(response, Mapping) else None


def _header_usage(response: Mapping[str, Any]) -> dict[str, int] | None:
    """The counts Bedrock bills, in the response headers of InvokeModel."""
    headers = (response.get("ResponseMetadata") or {}).get("HTTPHeaders") or {}
    return tokens(headers.get(_HEADER + "input-token-count"), headers.get(_HEADER + "output-token-count"), None,
                  headers.get(_HEADER + "cache-read-input-token-count"),
                  headers.get(_HEADER + "cache-write-input-token-count"))


def _metrics_usage(body: Any) -> dict[str, int] | None:
    metrics = body.get(METRICS) if isinstance(body, Mapping) else None
    if not isinstance(metrics, Mapping):
        return None
    return tokens(metrics.get("inputTokenCount"), metrics.get("outputTokenCount"), None,
                  metrics.get("cacheReadInputTokenCount"), metrics.get("cacheWriteInputTokenCount"))


def _body_usage(body: Any) -> dict[str, int] | None:
    """The usage a model family reports in its own body."""
    kind = family(body)
    if kind in ("anthropic", "nova"):
        return _usage_fields(body.get("usage"))
    if kind == "titan":
        outputs = [r.get("tokenCount") for r in body.get("results") or () if isinstance(r, Mapping)]
        if outputs and all(o is not None for o in outputs):
            return tokens(body.get("inputTextTokenCount"), sum(_count(o) or 0 for o in outputs))
    if kind == "llama":
        return tokens(body.get("prompt_token_count"), body.get("generation_token_count"))
    if kind in ("choices", "ai21") and isinstance(body.get("usage"), Mapping):
        u = body["usage"]  # OpenAI's shape: prompt_tokens already counts the cached ones
        usage = tokens(u.get("prompt_tokens"), u.get("completion_tokens"), u.get("total_tokens"))
        cached = _count((u.get("prompt_tokens_details") or {}).get("cached_tokens"))
        if usage is not None and cached:
            usage[TokenUsageKey.CACHE_READ_INPUT_TOKENS] = cached
        return usage
    if kind == "embedding" and body.get("inputTextTokenCount") is not None:
        return tokens(body["inputTextTokenCount"], 0)
    return None


def invoke_usage(response: Any) -> dict[str, int] | None:
    """InvokeModel: the headers' counts, else the family's body."""
    if not isinstance(response, Mapping):
        return None
    return _header_usage(response) or _body_usage(response.get("body"))


def invoke_stream_usage(response: Any) -> dict[str, int] | None:
    """InvokeModelWithResponseStream: the family's own counts in the stream, else the invocation
    metrics of its last chunk (the family's counts come first: in some Claude tool-use streams
    the metrics undercount the output the model reports)."""
    if not isinstance(response, Mapping):
        return None
    body = response.get("body")
    if isinstance(body, list):  # a family not known here: its chunks, the last with the metrics
        return _metrics_usage(next((c for c in reversed(body) if isinstance(c, Mapping) and METRICS in c), None))
    return _body_usage(body) or _metrics_usage(body)


def span_type(kwargs: Mapping[str, Any]) -> str:
    """InvokeModel serves every kind of model: its id says which (an inference profile's id
    carries the model's; an ARN does not, and is typed as a chat model)."""
    model = str(kwargs.get("modelId") or "").lower()
    if "embed" in model:
        return SpanType.EMBEDDING
    if "rerank" in model:
        return SpanType.RERANKER
    return SpanType.CHAT_MODEL


# ---------------------------------------------------------------------------------------------
# Tools


def _tool_spec(tool: Mapping[str, Any]) -> dict[str, Any] | None:
    spec = tool.get("toolSpec")
    if isinstance(spec, Mapping):
        function: dict[str, Any] = {"name": spec.get("name") or "tool"}
        if spec.get("description"):
            function["description"] = spec["description"]
        schema = spec.get("inputSchema")
        if isinstance(schema, Mapping) and isinstance(schema.get("json"), Mapping):
            function["parameters"] = dict(schema["json"])
        return {"type": "function", "function": function}
    system = tool.get("systemTool")
    if isinstance(system, Mapping) and system.get("name"):
        return {"type": "function", "function": {"name": system["name"]}}
    return None  # a cachePoint


def _converse_tools(tool_config: Any) -> list[dict[str, Any]] | None:
    if not isinstance(tool_config, Mapping):
        return None
    found = [_tool_spec(t) for t in tool_config.get("tools") or () if isinstance(t, Mapping)]
    return [t for t in found if t is not None] or None


def converse_tools(kwargs: Mapping[str, Any]) -> list[dict[str, Any]] | None:
    return _converse_tools(kwargs.get("toolConfig"))


def invoke_tools(kwargs: Mapping[str, Any]) -> list[dict[str, Any]] | None:
    """Tools in the request body: Anthropic's, Nova's toolConfig, or OpenAI's shape."""
    raw = kwargs.get("body")
    if not isinstance(raw, (bytes, bytearray, str)) or ("tool" not in raw if isinstance(raw, str) else b"tool" not in raw):
        return None  # most calls have none: their body is not parsed twice
    body = parse_body(raw)
    if not isinstance(body, Mapping):
        return None
    if "toolConfig" in body:
        return _converse_tools(body["toolConfig"])
    tools = body.get("tools")
    if isinstance(tools, list) and tools and all(isinstance(t, Mapping) and "function" in t for t in tools):
        return [{"type": "function", "function": dict(t["function"])} for t in tools]
    return _anthropic_tools(body)


# ---------------------------------------------------------------------------------------------
# The request and the response as the span records them


def plain(value: Any, depth: int = 0) -> Any:
    """JSON-ready: bytes (images, documents, redacted reasoning) as base64, as the API sends them
    (MLflow's attachments then take Converse's images out of the span), timestamps as ISO text."""
    if depth > 30:
        return value
    if isinstance(value, (bytes, bytearray, memoryview)):
        return base64.b64encode(bytes(value)).decode()
    if isinstance(value, Mapping):
        return {k: plain(v, depth + 1) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [plain(v, depth + 1) for v in value]
    if isinstance(value, (datetime.datetime, datetime.date)):
        return value.isoformat()
    return value


def invoke_inputs(kwargs: Mapping[str, Any]) -> dict[str, Any]:
    """The call's arguments, the body as its JSON (a file-like body is described, never read)."""
    inputs = dict(kwargs)
    if "body" not in inputs:
        return plain(inputs)
    body = inputs["body"]
    if isinstance(body, (bytes, bytearray)):
        try:
            body = bytes(body).decode("utf-8")
        except UnicodeDecodeError:
            body = file_placeholder(bytes(body))
    if isinstance(body, str):
        body = parse_body(body)
    elif body is not None and not isinstance(body, dict):
        body = file_placeholder(body) or repr(body)
    inputs["body"] = body
    return plain(inputs)
