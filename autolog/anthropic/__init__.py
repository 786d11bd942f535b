"""Tracing for the ``anthropic`` SDK: which methods are patched, and what kind of call each is."""
from __future__ import annotations

from typing import Any

from mlflow.entities import SpanType

from .._tracing.kinds import Kind, Provider
from .._tracing.patching import Target
from .._tracing.provider import ProviderPatches
from . import _attributes as attrs
from . import _previews as previews
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
    return {"messages": Kind("messages", SpanType.CHAT_MODEL, provider, attrs.usage, MessageAccumulator, attrs.chat_tools,
                             request_preview=previews.request, response_preview=previews.response)}


_patches = ProviderPatches("anthropic", TARGETS, _kinds, floor=(1, 0))


def autolog(**options: Any) -> None:
    """Traces every call made through the ``anthropic`` SDK from now on (see ``autolog.autolog``)."""
    _patches.autolog(**options)


def revert() -> None:
    """Puts the ``anthropic`` SDK's own methods back."""
    _patches.revert()
