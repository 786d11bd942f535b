"""``mlflow.chat.tools`` for a google-genai call: each function the model is offered, with its
parameter schema, whether declared or given as a Python function."""
from __future__ import annotations

import inspect
import logging
import weakref
from typing import Any, Mapping

from .._tracing.kinds import field
from ._accumulator import dump

_logger = logging.getLogger("autolog")

_BUILTINS = ("google_search", "code_execution", "url_context", "google_search_retrieval", "retrieval", "file_search",
             "google_maps", "computer_use")

# a Python function's declaration, derived once: the SDK's derivation takes milliseconds
_derived: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def _declared(declaration: Any) -> dict[str, Any]:
    return {"name": field(declaration, "name"), "description": field(declaration, "description"),
            "parameters": dump(field(declaration, "parameters")) or field(declaration, "parameters_json_schema")}


def _derive(function: Any) -> dict[str, Any]:
    """The declaration google-genai sends for a Python function, from its signature and docstring
    (a JSON schema where the SDK derives one; its own Schema before that)."""
    from google.genai import types

    make = types.FunctionDeclaration.from_callable_with_api_option
    if "use_json_schema" in inspect.signature(make).parameters:
        return _declared(make(callable=function, use_json_schema=True))
    return _declared(make(callable=function))


def _function(function: Any) -> dict[str, Any]:
    if not (inspect.isfunction(function) or inspect.ismethod(function)):  # the SDK declares no other callable
        return {"name": getattr(function, "__name__", type(function).__name__)}
    owner = getattr(function, "__func__", function)  # a method's schema leaves out self, whatever the instance
    key = inspect.ismethod(function)
    try:
        known = _derived.get(owner)
        if known is None:
            known = _derived[owner] = {}
        if key not in known:
            known[key] = _derive(function)
        return known[key]
    except Exception:  # a signature the SDK cannot declare either: the call will say so itself
        _logger.debug("autolog: could not derive the declaration of %r", function, exc_info=True)
        return {"name": getattr(function, "__name__", "function"),
                "description": (getattr(function, "__doc__", None) or "").strip() or None}


def _declarations(tool: Any):
    if callable(tool) and not hasattr(tool, "model_dump"):
        yield _function(tool)
        return
    for declaration in field(tool, "function_declarations") or ():
        yield _declared(declaration)
    for builtin in _BUILTINS:
        if field(tool, builtin) is not None:
            yield {"name": builtin}


def chat_tools(kwargs: Mapping[str, Any]) -> list[dict] | None:
    tools = field(kwargs.get("config"), "tools")
    if not tools:
        return None
    found = []
    for tool in tools:
        for spec in _declarations(tool):
            found.append({"type": "function", "function": {k: v for k, v in spec.items() if v is not None}})
    return found or None
