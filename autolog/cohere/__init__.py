"""Tracing for Cohere's ``cohere`` SDK, API v2: ``ClientV2`` and ``AsyncClientV2`` (and a v1
client's ``.v2``) chat, chat_stream, embed and rerank. The methods are patched where they are
defined, on the v2 clients' base classes.

A client binds ``chat`` and ``chat_stream`` when it is made (to warn about experimental
arguments): a client made before ``autolog()`` keeps calling the SDK's own methods for those two."""
from __future__ import annotations

from typing import Any

from mlflow.entities import SpanType

from .._tracing.kinds import Kind, Provider
from .._tracing.patching import Target
from .._tracing.provider import ProviderPatches
from . import _attributes as attrs
from . import _messages as messages
from . import _previews as previews
from ._accumulator import ChatAccumulator

_V2 = "cohere.v2.client"

# chat_stream is a generator function (an async generator function on the async client): the
# request goes out when the caller starts reading, and the span ends with the stream.
TARGETS = [
    Target(_V2, cls, method, kind)
    for cls in ("V2Client", "AsyncV2Client")
    for method, kind in (("chat", "chat"), ("chat_stream", "chat"), ("embed", "embed"), ("rerank", "rerank"))
]


def _kinds() -> dict[str, Kind]:
    provider = Provider(
        name="cohere",
        # No MLflow UI format reads Cohere's shapes: the chat is rendered from mlflow.chat.messages
        # (see _messages), which the UI reads first; the format names the wire shape as it is.
        message_format="cohere",
        stream_types=(),  # streams are plain generators (see Call.returned)
        async_stream_types=(),
        read_response_types=(),
        open_response_types=(),
    )
    return {
        "chat": Kind("chat", SpanType.CHAT_MODEL, provider, attrs.usage, ChatAccumulator, attrs.chat_tools,
                     output=attrs.output, inputs=attrs.inputs, request_preview=previews.chat_request,
                     response_preview=previews.chat_response, request_messages=messages.request_messages,
                     response_messages=messages.response_messages),
        "embed": Kind("embed", SpanType.EMBEDDING, provider, attrs.embedding_usage, chat=False, output=attrs.output,
                      inputs=attrs.inputs, request_preview=previews.embed_request,
                      response_preview=previews.embed_response),
        "rerank": Kind("rerank", SpanType.RERANKER, provider, attrs.no_usage, chat=False, output=attrs.output,
                       inputs=attrs.inputs, request_preview=previews.rerank_request,
                       response_preview=previews.rerank_response),
    }


_patches = ProviderPatches("cohere", TARGETS, _kinds, floor=(5, 13))


def autolog(**options: Any) -> None:
    """Traces every call made through the ``cohere`` SDK's v2 clients from now on (see ``autolog.autolog``)."""
    _patches.autolog(**options)


def revert() -> None:
    """Puts the ``cohere`` SDK's own methods back."""
    _patches.revert()
