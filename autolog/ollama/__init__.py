"""Tracing for Ollama's Python client (the ``ollama`` package): ``Client`` and ``AsyncClient``
``chat``, ``generate``, ``embed`` and the legacy ``embeddings``, and the module's own functions
(``ollama.chat(...)``, ...).

The package binds its functions to a default client when it is imported (``chat = _client.chat``):
a bound method made then keeps the class's original function, so those module attributes are
patched as well, each one row. Streams are plain generators of response parts."""
from __future__ import annotations

import dataclasses
from typing import Any

from mlflow.entities import SpanType

from .._tracing.kinds import Kind, Provider
from .._tracing.patching import Target
from .._tracing.provider import ProviderPatches
from . import _attributes as attrs
from . import _conversation as conversation
from . import _previews as previews
from ._accumulator import ChatAccumulator, GenerateAccumulator

_METHODS = ("chat", "generate", "embed", "embeddings")  # each is its own kind

TARGETS = [
    Target("ollama._client", cls, method, method) for cls in ("Client", "AsyncClient") for method in _METHODS
] + [
    Target("ollama", None, method, method) for method in _METHODS  # bound to the default Client
]


def _kinds() -> dict[str, Kind]:
    import ollama

    provider = Provider(
        name="ollama",
        # the request's messages are OpenAI's role/content shape, which the UI reads under this
        # name; the chat it shows comes from mlflow.chat.messages (see _conversation)
        message_format="openai",
        stream_types=(),  # streams are plain generators (see Call.returned)
        async_stream_types=(),
        read_response_types=(),
        open_response_types=(),
    )
    chat = Kind("chat", SpanType.CHAT_MODEL, provider, attrs.usage, ChatAccumulator, attrs.chat_tools,
                output=attrs.output, inputs=attrs.plain, bind=attrs.binder(ollama.Client.chat),
                request_preview=previews.chat_request, response_preview=previews.chat_response,
                request_messages=conversation.chat_request, response_messages=conversation.chat_response)
    generate = dataclasses.replace(
        chat, name="generate", span_type=SpanType.LLM, new_accumulator=GenerateAccumulator, tools=None,
        bind=attrs.binder(ollama.Client.generate),
        request_preview=previews.generate_request, response_preview=previews.generate_response,
        request_messages=conversation.generate_request, response_messages=conversation.generate_response)
    embed = Kind("embed", SpanType.EMBEDDING, provider, attrs.embedding_usage, chat=False, output=attrs.output,
                 inputs=attrs.plain, bind=attrs.binder(ollama.Client.embed),
                 request_preview=previews.embed_request, response_preview=previews.embed_response)
    embeddings = dataclasses.replace(embed, name="embeddings", bind=attrs.binder(ollama.Client.embeddings),
                                     request_preview=previews.embeddings_request,
                                     response_preview=previews.embeddings_response)
    return {"chat": chat, "generate": generate, "embed": embed, "embeddings": embeddings}


_patches = ProviderPatches("ollama", TARGETS, _kinds, floor=(0, 4, 7))


def autolog(**options: Any) -> None:
    """Traces every call made through the ``ollama`` client from now on (see ``autolog.autolog``)."""
    _patches.autolog(**options)


def revert() -> None:
    """Puts the ``ollama`` client's own methods and module functions back."""
    _patches.revert()
