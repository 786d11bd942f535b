"""Tracing for Cohere's ``cohere`` SDK, API v2: ``ClientV2`` and ``AsyncClientV2`` (and a v1
client's ``.v2``) chat, chat_stream, embed and rerank.

A client binds its ``chat`` (and ``chat_stream``) into the instance when it is made, to check and
warn about arguments; patching the client classes would miss every client made before
``autolog()`` and keep tracing those made before ``revert()``. So chat and chat_stream are patched
one layer down, on the raw client the public methods call (and ``with_raw_response`` returns); there
``chat_stream`` is a context manager that sends the request when entered and returns an
``HttpResponse`` whose data is the stream of events. embed and rerank are looked up on the class
at each call and are patched there.

The legacy ``cohere.Client`` (API v1) is traced the same way, on its raw client: chat,
chat_stream, generate, generate_stream and rerank."""
from __future__ import annotations

import dataclasses
from typing import Any

from mlflow.entities import SpanType

from .._tracing.kinds import Kind, Provider
from .._tracing.patching import Target
from .._tracing.provider import ProviderPatches
from . import _attributes as attrs
from . import _messages as messages
from . import _previews as previews
from . import _v1 as v1
from ._accumulator import ChatAccumulator

_RAW = "cohere.v2.raw_client"
_V2 = "cohere.v2.client"
_V1_RAW = "cohere.raw_base_client"

TARGETS = [
    Target(_RAW, f"{prefix}RawV2Client", method, f"{prefix}{method}", deferred=method == "chat_stream")
    for prefix in ("", "Async")
    for method in ("chat", "chat_stream")
] + [
    Target(_V2, f"{prefix}V2Client", method, method)
    for prefix in ("", "Async")
    for method in ("embed", "rerank")
] + [
    # API v1 (the legacy cohere.Client): its chat is bound at construction too
    Target(_V1_RAW, f"{prefix}RawBaseCohere", method, f"v1_{prefix}{method}", deferred=method.endswith("_stream"))
    for prefix in ("", "Async")
    for method in ("chat", "chat_stream", "generate", "generate_stream", "rerank")
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
        entered_stream="_data",  # the raw chat_stream's HttpResponse holds the events here
    )
    chat = Kind("chat", SpanType.CHAT_MODEL, provider, attrs.usage, ChatAccumulator, attrs.chat_tools,
                output=attrs.output, inputs=attrs.inputs, request_preview=previews.chat_request,
                response_preview=previews.chat_response, request_messages=messages.request_messages,
                response_messages=messages.response_messages)
    kinds = {
        # named for the client the caller holds, not for the raw client underneath
        f"{prefix}{method}": dataclasses.replace(chat, name=f"{prefix}{method}",
                                                  span_name=lambda _, name=f"{prefix}ClientV2.{method}": name)
        for prefix in ("", "Async")
        for method in ("chat", "chat_stream")
    }
    kinds["embed"] = Kind("embed", SpanType.EMBEDDING, provider, attrs.embedding_usage, chat=False,
                          output=attrs.output, inputs=attrs.inputs, request_preview=previews.embed_request,
                          response_preview=previews.embed_response)
    kinds["rerank"] = Kind("rerank", SpanType.RERANKER, provider, attrs.no_usage, chat=False, output=attrs.output,
                           inputs=attrs.inputs, request_preview=previews.rerank_request,
                           response_preview=previews.rerank_response)
    v1_chat = dataclasses.replace(chat, new_accumulator=v1.ChatAccumulator, tools=v1.chat_tools,
                                  request_preview=v1.chat_request, response_preview=v1.chat_response,
                                  request_messages=v1.request_messages, response_messages=v1.response_messages)
    v1_generate = Kind("generate", SpanType.LLM, provider, attrs.usage, v1.GenerateAccumulator, chat=False,
                       output=attrs.output, inputs=attrs.inputs, request_preview=v1.generate_request,
                       response_preview=v1.generate_response)
    for prefix in ("", "Async"):
        for method, kind in (("chat", v1_chat), ("chat_stream", v1_chat), ("generate", v1_generate),
                             ("generate_stream", v1_generate), ("rerank", kinds["rerank"])):
            kinds[f"v1_{prefix}{method}"] = dataclasses.replace(
                kind, name=f"v1_{prefix}{method}", span_name=lambda _, name=f"{prefix}Client.{method}": name)
    return kinds


_patches = ProviderPatches("cohere", TARGETS, _kinds, floor=(5, 16))


def autolog(**options: Any) -> None:
    """Traces every call made through the ``cohere`` SDK's v2 clients from now on (see ``autolog.autolog``)."""
    _patches.autolog(**options)


def revert() -> None:
    """Puts the ``cohere`` SDK's own methods back."""
    _patches.revert()
