"""Tracing for the ``anthropic`` SDK: which methods are patched, and what kind of call each is."""
from __future__ import annotations

from typing import Any

from mlflow.entities import SpanType

from .._call import make_wrapper
from .._config import configure, make_options
from .._kinds import Kind, Provider
from .._spans import remember_failed_imports
from .._patching import Target, patch_targets, when_imported, withdraw
from . import _attributes as attrs
from ._accumulator import MessageAccumulator

_MESSAGES = "anthropic.resources.messages.messages"
_BETA_MESSAGES = "anthropic.resources.beta.messages.messages"
# The cloud clients' beta resources copy the first-party methods as class attributes; patching
# them first (before the first-party ones) keeps the copies made at their import the SDK's own.
_CLOUD_BETA_MESSAGES = ("anthropic.lib.bedrock._beta_messages", "anthropic.lib.vertex._beta_messages")

# messages.stream() posts on its own and returns a manager that sends the request when entered.
# count_tokens is not an LLM call and is left alone.
TARGETS = [
    Target(module, cls, method, "messages", deferred=method == "stream")
    for module in (*_CLOUD_BETA_MESSAGES, _BETA_MESSAGES, _MESSAGES)
    for cls in ("Messages", "AsyncMessages")
    for method in ("create", "parse", "stream")
]


def _kinds() -> dict[str, Kind]:
    import anthropic
    from anthropic import _response

    provider = Provider(
        name="anthropic",
        message_format="anthropic",
        stream_types=(anthropic.Stream,),
        async_stream_types=(anthropic.AsyncStream,),
        read_response_types=(),
        open_response_types=(_response.APIResponse, _response.AsyncAPIResponse),
        resolve_name=attrs.provider_name,
    )
    return {"messages": Kind("messages", SpanType.CHAT_MODEL, provider, attrs.usage, MessageAccumulator, attrs.chat_tools)}


def _patch() -> None:
    remember_failed_imports()
    kinds = _kinds()
    patch_targets(
        TARGETS,
        lambda target, is_async: make_wrapper(
            kinds[target.kind], target.method, is_async=is_async, deferred=target.deferred
        ),
    )


def autolog(**options: Any) -> None:
    """Traces every call made through the ``anthropic`` SDK from now on (see ``autolog.autolog``)."""
    settings = make_options(**options)
    configure("anthropic", settings)
    if settings.disable:
        withdraw("anthropic", "anthropic")
    else:
        when_imported("anthropic", "anthropic", _patch)


def revert() -> None:
    """Puts the ``anthropic`` SDK's own methods back."""
    withdraw("anthropic", "anthropic")
