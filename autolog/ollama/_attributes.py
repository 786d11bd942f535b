"""Span attributes and recorded values read from Ollama requests and responses: token usage, tools,
the call's arguments as JSON-ready data."""
from __future__ import annotations

import base64
import inspect
from pathlib import PurePath
from typing import Any, Callable, Mapping

from mlflow.tracing.constant import TokenUsageKey

from .._tracing.kinds import field
from ._accumulator import dump


def usage(response: Any) -> dict[str, int] | None:
    """input = prompt_eval_count, output = eval_count, total = their sum; on a prompt-cache hit
    the server leaves prompt_eval_count out, and only what is there is said."""
    prompt, generated = field(response, "prompt_eval_count"), field(response, "eval_count")
    out = {}
    if prompt is not None:
        out[TokenUsageKey.INPUT_TOKENS] = prompt
    if generated is not None:
        out[TokenUsageKey.OUTPUT_TOKENS] = generated
    if prompt is not None and generated is not None:
        out[TokenUsageKey.TOTAL_TOKENS] = prompt + generated
    return out or None


def embedding_usage(response: Any) -> dict[str, int] | None:
    """/api/embed counts the input only; the legacy /api/embeddings counts nothing."""
    prompt = field(response, "prompt_eval_count")
    if prompt is None:
        return None
    return {TokenUsageKey.INPUT_TOKENS: prompt, TokenUsageKey.TOTAL_TOKENS: prompt}


def output(response: Any) -> Any:
    return dump(response)


def binder(method: Callable) -> Callable[[tuple, Mapping[str, Any]], Mapping[str, Any]]:
    """The call's positional arguments named as the SDK method names them (``ollama.chat("llama3.2",
    messages)`` records model and messages as if given by keyword)."""
    kinds = (inspect.Parameter.POSITIONAL_ONLY, inspect.Parameter.POSITIONAL_OR_KEYWORD)
    names = [p.name for p in inspect.signature(inspect.unwrap(method)).parameters.values()
             if p.kind in kinds and p.name != "self"]

    def bind(args: tuple, kwargs: Mapping[str, Any]) -> Mapping[str, Any]:
        if not args:
            return kwargs
        return {**dict(zip(names, args)), **kwargs}

    return bind


def _image(value: Any) -> Any:
    """An image as the caller named it: a path or base64 text as given, raw bytes as the base64 the
    client sends (never read from disk here: the client reads it)."""
    value = getattr(value, "value", value)  # ollama.Image
    if isinstance(value, (bytes, bytearray, memoryview)):
        return base64.b64encode(bytes(value)).decode()
    if isinstance(value, PurePath):
        return str(value)
    return value


def _function_tool(function: Callable) -> dict[str, Any]:
    try:
        from ollama._utils import convert_function_to_tool

        return dump(convert_function_to_tool(function))
    except Exception:  # a function the client cannot describe either: it raises for the caller
        return {"type": "function", "function": {"name": getattr(function, "__name__", "function")}}


def plain(value: Any, depth: int = 0) -> Any:
    """The call's arguments as JSON-ready data: messages, tools and options as dicts, images as
    given (see _image), Python functions given as tools as the tool the client makes of them."""
    if depth > 20:
        return value
    fields = getattr(type(value), "model_fields", None)  # an ollama (pydantic) model
    if isinstance(value, Mapping) or isinstance(fields, Mapping):
        items = value.items() if isinstance(value, Mapping) else ((k, getattr(value, k, None)) for k in fields)
        out = {}
        for key, item in items:
            if item is None and not isinstance(value, Mapping):
                continue  # a model's unset fields
            if key == "images" and isinstance(item, (list, tuple)):
                out[key] = [_image(i) for i in item]
            else:
                out[key] = plain(item, depth + 1)
        return out
    if isinstance(value, (list, tuple)):
        return [plain(v, depth + 1) for v in value]
    if isinstance(value, (bytes, bytearray)):
        return base64.b64encode(bytes(value)).decode()
    if callable(value) and hasattr(value, "__name__"):
        return _function_tool(value)
    return value


def _as_chat_tool(tool: Any) -> dict[str, Any] | None:
    if callable(tool) and not hasattr(type(tool), "model_fields") and not isinstance(tool, Mapping):
        tool = _function_tool(tool)
    tool = plain(tool)
    if not isinstance(tool, Mapping):
        return None
    function = tool.get("function")
    if not isinstance(function, Mapping) or not function.get("name"):
        return None
    return {"type": "function", "function": {k: v for k, v in function.items() if v is not None}}


def chat_tools(kwargs: Mapping[str, Any]) -> list[dict[str, Any]] | None:
    tools = kwargs.get("tools")
    if not isinstance(tools, (list, tuple)):
        return None
    return [t for t in map(_as_chat_tool, tools) if t is not None] or None
