"""Tracing for the ``groq`` SDK: which methods are patched, and what kind of call each is.

Groq's SDK is Stainless-built like OpenAI's and its responses have OpenAI's shapes, so the OpenAI
provider's readers serve it; what Groq adds is read by ``_accumulator``. The caller's request is
sent as given: Groq reports a stream's usage without being asked."""
from __future__ import annotations

import dataclasses
from typing import Any

from mlflow.entities import SpanType

from .._tracing.kinds import Kind, Provider
from .._tracing.patching import Target
from .._tracing.provider import ProviderPatches
from ..openai import _attributes as attrs
from ..openai import _previews as previews
from ._accumulator import ChatAccumulator

_RESOURCES = "groq.resources"

TARGETS = [
    Target(f"{_RESOURCES}.chat.completions", cls, "create", "chat") for cls in ("Completions", "AsyncCompletions")
] + [
    Target(f"{_RESOURCES}.embeddings", cls, "create", "embeddings") for cls in ("Embeddings", "AsyncEmbeddings")
] + [
    Target(f"{_RESOURCES}.audio.{module}", f"{prefix}{cls}", "create", kind)
    for module, cls, kind in (("transcriptions", "Transcriptions", "transcriptions"),
                              ("translations", "Translations", "transcriptions"),
                              ("speech", "Speech", "speech"))
    for prefix in ("", "Async")
]


def _kinds() -> dict[str, Kind]:
    import groq
    from groq import _response

    provider = Provider(
        name="groq",
        # MLflow's own Groq autolog writes "groq"; its UI reads OpenAI-shaped messages under it
        message_format="groq",
        stream_types=(groq.Stream,),
        async_stream_types=(groq.AsyncStream,),
        read_response_types=(),
        open_response_types=(_response.APIResponse, _response.AsyncAPIResponse),
    )
    # speech's own result is the SDK's binary response, its body read: recorded when it returns
    # (under with_streaming_response the caller reads the body, and only its media type is recorded)
    returns_binary = dataclasses.replace(provider, open_response_types=())
    return {
        "chat": Kind("chat", SpanType.CHAT_MODEL, provider, attrs.chat_usage, ChatAccumulator, attrs.chat_tools,
                     output=attrs.with_choices, request_preview=previews.chat_request,
                     response_preview=previews.chat_response),
        "embeddings": Kind("embeddings", SpanType.EMBEDDING, provider, attrs.embedding_usage, chat=False,
                           request_preview=previews.embeddings_request, response_preview=previews.embeddings_response),
        "transcriptions": Kind("transcriptions", SpanType.LLM, provider, attrs.media_usage, chat=False,
                               takes_files=True, output=attrs.transcript, request_preview=previews.audio_request,
                               response_preview=previews.transcript_response),
        "speech": Kind("speech", SpanType.LLM, returns_binary, attrs.media_usage, chat=False, output=attrs.speech,
                       request_preview=previews.prompt_request, response_preview=previews.speech_response),
    }


_patches = ProviderPatches("groq", TARGETS, _kinds, floor=(0, 20))


def autolog(**options: Any) -> None:
    """Traces every call made through the ``groq`` SDK from now on (see ``autolog.autolog``)."""
    _patches.autolog(**options)


def revert() -> None:
    """Puts the ``groq`` SDK's own methods back."""
    _patches.revert()
