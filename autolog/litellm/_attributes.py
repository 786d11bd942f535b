"""What a LiteLLM call's span reads: the provider LiteLLM routes to, token usage as LiteLLM reports
it, the call's arguments as the caller gave them (credentials left out)."""
from __future__ import annotations

import inspect
import re
import sys
from typing import Any, Callable, Mapping

from mlflow.tracing.constant import SpanAttributeKey, TokenUsageKey

from .._tracing.kinds import field
from ..openai import _attributes as openai_attributes

REDACTED = "<redacted>"
# argument names that hold a secret: api_key, azure_ad_token, aws_secret_access_key,
# aws_session_token, vertex_credentials, client_secret, ... (max_tokens is not one)
_SECRET_NAME = re.compile(r"api_key|access_key|secret|password|credential|(^|_)token($|_provider)", re.IGNORECASE)
_SECRET_HEADERS = frozenset({"authorization", "api-key", "x-api-key", "proxy-authorization", "x-goog-api-key",
                             "ocp-apim-subscription-key", "cookie"})


def _secret_free(value: Any, depth: int = 0) -> Any:
    if depth > 6:
        return value
    if isinstance(value, Mapping):
        out = {}
        for key, item in value.items():
            name = str(key)
            if item is not None and (_SECRET_NAME.search(name) or name.lower() in _SECRET_HEADERS):
                out[key] = REDACTED
            else:
                out[key] = _secret_free(item, depth + 1)
        return out
    if isinstance(value, (list, tuple)) and value and isinstance(value[0], Mapping):
        return [_secret_free(item, depth + 1) for item in value]
    return value


_PLAIN = (str, int, float, bool, type(None), list, tuple, dict)


def inputs(given: Mapping[str, Any]) -> dict[str, Any]:
    """The caller's arguments, with every credential (api_key, tokens, secret headers, a Router
    deployment's keys) recorded as "<redacted>"; messages are left as they are. An object given
    as an argument (an SDK ``client``, a timeout, a callback) is recorded by its type's name: its
    repr can be long, hold a key, and costs milliseconds to serialize on every call."""
    out = {}
    for key, value in given.items():
        if key in ("messages", "input", "prompt"):
            out[key] = value
        elif value is not None and _SECRET_NAME.search(key):
            out[key] = REDACTED
        elif not isinstance(value, _PLAIN) and not hasattr(value, "model_dump"):
            out[key] = f"<{type(value).__name__}>"
        else:
            out[key] = _secret_free(value)
    return out


# ---------------------------------------------------------------------------------------------
# Positional arguments


def binder(module: str, function: str) -> Callable[[tuple, Mapping[str, Any]], Mapping[str, Any]]:
    """The call as a mapping of argument names, for a LiteLLM function called positionally
    (``completion("openai/gpt-4o", messages)``); the signature is read once, when first needed."""
    signature: list[inspect.Signature | None] = []

    def bind(args: tuple, kwargs: Mapping[str, Any]) -> Mapping[str, Any]:
        if not args:
            return kwargs
        if not signature:
            signature.append(inspect.signature(getattr(sys.modules[module], function)))
        bound = signature[0].bind_partial(*args, **kwargs).arguments
        out: dict[str, Any] = {}
        for name, value in bound.items():
            kind = signature[0].parameters[name].kind
            if kind is inspect.Parameter.VAR_KEYWORD:
                out.update(value)
            elif kind is inspect.Parameter.VAR_POSITIONAL:
                if value:
                    out[name] = list(value)
            else:
                out[name] = value
        return out

    return bind


def router_request(args: tuple, kwargs: Mapping[str, Any]) -> Mapping[str, Any]:
    """The Router's sync dispatch (``_call_sync(plan, request, overrides)``): its request."""
    request = args[1] if len(args) > 1 else kwargs.get("request")
    return dict(request) if isinstance(request, Mapping) else {}


def routes(endpoint: str) -> Callable[[tuple, Mapping[str, Any]], bool]:
    def applies(args: tuple, kwargs: Mapping[str, Any]) -> bool:
        plan = args[0] if args else kwargs.get("plan")
        return getattr(plan, "endpoint", None) == endpoint

    return applies


# ---------------------------------------------------------------------------------------------
# The provider LiteLLM routes to


def _litellm():
    return sys.modules.get("litellm")


def _known(provider: Any) -> str | None:
    litellm = _litellm()
    if not isinstance(provider, str) or not provider or litellm is None:
        return None
    return provider if provider in getattr(litellm, "provider_list", ()) else None


def provider_of(model: Any, custom_llm_provider: Any = None) -> str | None:
    """What LiteLLM's own routing reads first, without calling its resolver (which prints to the
    console for an unknown name and runs an OAuth flow for some providers): the
    custom_llm_provider argument, the model's "provider/" prefix, then LiteLLM's model map."""
    if known := _known(custom_llm_provider):
        return known
    if not isinstance(model, str):
        return None
    prefix, slash, _ = model.partition("/")
    if slash and (known := _known(prefix)):
        return known
    litellm = _litellm()
    entry = getattr(litellm, "model_cost", {}).get(model) if litellm is not None else None
    provider = entry.get("litellm_provider") if isinstance(entry, Mapping) else None
    if isinstance(provider, str) and provider.startswith("text-completion-"):
        provider = provider[len("text-completion-"):]
    return provider if isinstance(provider, str) and provider else None


def request_provider(call: Mapping[str, Any]) -> dict[str, Any]:
    provider = provider_of(call.get("model"), call.get("custom_llm_provider"))
    return {SpanAttributeKey.MODEL_PROVIDER: provider} if provider else {}


def _hidden_params(response: Any) -> Mapping[str, Any]:
    if isinstance(response, Mapping):
        hidden = response.get("_hidden_params")
    else:
        hidden = getattr(response, "_hidden_params", None)
    return hidden if isinstance(hidden, Mapping) else {}


def without_hidden(response: Any) -> Any:
    """An assembled stream's output, less what it carries for response_provider."""
    if isinstance(response, Mapping) and "_hidden_params" in response:
        return {k: v for k, v in response.items() if k != "_hidden_params"}
    return response


def response_provider(response: Any) -> dict[str, Any]:
    """The provider that answered: LiteLLM names it in the response's hidden params (for a Router
    call, the deployment it picked)."""
    hidden = _hidden_params(response)
    provider = _known(hidden.get("custom_llm_provider")) or provider_of(hidden.get("litellm_model_name"))
    return {SpanAttributeKey.MODEL_PROVIDER: provider} if provider else {}


# ---------------------------------------------------------------------------------------------
# Token usage


def chat_usage(response: Any) -> dict[str, int] | None:
    """prompt / completion / total tokens as LiteLLM reports them (an Anthropic prompt count already
    holds the cache reads and writes, also reported on their own)."""
    out = openai_attributes.chat_usage(response)
    if out is not None:
        created = field(field(response, "usage"), "cache_creation_input_tokens")
        if isinstance(created, int) and not isinstance(created, bool):
            out[TokenUsageKey.CACHE_CREATION_INPUT_TOKENS] = created
    return out


responses_usage = openai_attributes.responses_usage
embedding_usage = openai_attributes.embedding_usage
chat_tools = openai_attributes.chat_tools

