"""Tracing for Mistral's ``mistralai`` SDK: which methods are patched, and what kind of call each is.

The SDK moved at 2.0: its classes live in ``mistralai.client`` since (a namespace package
``mistralai`` around it), in ``mistralai`` itself before. Both layouts are listed; each is patched
when it is imported. ``chat.parse`` / ``parse_stream`` go through ``complete`` / ``stream``."""
from __future__ import annotations

import importlib
from typing import Any

from mlflow.entities import SpanType

from .._tracing.kinds import Kind, Provider
from .._tracing.patching import Target
from .._tracing.provider import ProviderPatches
from ..openai._previews import embeddings_response
from . import _attributes as attrs
from . import _previews as previews
from ._accumulator import CompletionAccumulator

_LAYOUTS = ("mistralai.client", "mistralai")  # 2.x and later; 1.x
_COMPLETIONS = ("complete", "complete_async", "stream", "stream_async")

TARGETS = [
    Target(f"{layout}.{module}", cls, method, kind)
    for layout in _LAYOUTS
    for module, cls, kind, methods in (
        ("chat", "Chat", "chat", _COMPLETIONS),
        ("agents", "Agents", "chat", _COMPLETIONS),
        ("fim", "Fim", "fim", _COMPLETIONS),
        ("embeddings", "Embeddings", "embeddings", ("create", "create_async")),
    )
    for method in methods
]


def _stream_classes() -> tuple[tuple[type, ...], tuple[type, ...]]:
    """The SDK's EventStream and EventStreamAsync, from whichever layout is installed."""
    for layout in _LAYOUTS:
        try:
            module = importlib.import_module(f"{layout}.utils.eventstreaming")
            return (module.EventStream,), (module.EventStreamAsync,)
        except (ImportError, AttributeError):
            continue
    return (), ()


def _kinds() -> dict[str, Kind]:
    streams, async_streams = _stream_classes()
    provider = Provider(
        name="mistral",
        message_format="mistral",
        stream_types=streams,
        async_stream_types=async_streams,
        read_response_types=(),
        open_response_types=(),
    )
    return {
        "chat": Kind("chat", SpanType.CHAT_MODEL, provider, attrs.usage, CompletionAccumulator, attrs.chat_tools,
                     inputs=attrs.inputs, output=attrs.output, request_preview=previews.chat_request,
                     response_preview=previews.response),
        # fill-in-the-middle: a prompt and a suffix, not a conversation
        "fim": Kind("fim", SpanType.LLM, provider, attrs.usage, CompletionAccumulator, chat=False,
                    inputs=attrs.plain, output=attrs.output, request_preview=previews.fim_request,
                    response_preview=previews.response),
        "embeddings": Kind("embeddings", SpanType.EMBEDDING, provider, attrs.embedding_usage, chat=False,
                           inputs=attrs.plain, request_preview=previews.embeddings_request,
                           response_preview=embeddings_response),
    }


_patches = ProviderPatches("mistral", TARGETS, _kinds, sdk=_LAYOUTS, distribution="mistralai", floor=(1, 3))


def autolog(**options: Any) -> None:
    """Traces every call made through the ``mistralai`` SDK from now on (see ``autolog.autolog``)."""
    _patches.autolog(**options)


def revert() -> None:
    """Puts the ``mistralai`` SDK's own methods back."""
    _patches.revert()
