"""Tracing for Google's ``google-genai`` SDK (Gemini API and Vertex AI): which methods are patched,
and what kind of call each is. ``client.chats`` sessions go through ``models.generate_content``
(``_stream``), so each message is one span."""
from __future__ import annotations

from typing import Any

from mlflow.entities import SpanType

from .._kinds import Kind, Provider
from .._patching import Target
from .._provider import ProviderPatches
from . import _attributes as attrs
from . import _previews as previews
from ._accumulator import ResponseAccumulator

_MODELS = "google.genai.models"

TARGETS = [
    Target(_MODELS, cls, method, kind)
    for cls in ("Models", "AsyncModels")
    for method, kind in (("generate_content", "generate"), ("generate_content_stream", "generate"),
                         ("embed_content", "embed"))
]


def _kinds() -> dict[str, Kind]:
    provider = Provider(
        name="gemini",
        message_format="gemini",
        stream_types=(),  # streams are plain generators (see Call.returned)
        async_stream_types=(),
        read_response_types=(),
        open_response_types=(),
        resolve_name=attrs.provider_name,
    )
    return {
        "generate": Kind("generate", SpanType.CHAT_MODEL, provider, attrs.usage, ResponseAccumulator,
                         attrs.chat_tools, output=attrs.output, inputs=attrs.plain,
                         request_preview=previews.request, response_preview=previews.response),
        "embed": Kind("embed", SpanType.EMBEDDING, provider, attrs.embedding_usage, chat=False, output=attrs.output,
                      inputs=attrs.plain, request_preview=previews.embed_request,
                      response_preview=previews.embed_response),
    }


_patches = ProviderPatches("gemini", TARGETS, _kinds, sdk="google.genai")


def autolog(**options: Any) -> None:
    """Traces every call made through the ``google-genai`` SDK from now on (see ``autolog.autolog``)."""
    _patches.autolog(**options)


def revert() -> None:
    """Puts the ``google-genai`` SDK's own methods back."""
    _patches.revert()
