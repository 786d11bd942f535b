"""Tracing for the ``openai`` SDK: which methods are patched, and what kind of call each is."""
from __future__ import annotations

from typing import Any

from mlflow.entities import SpanType

from .._tracing.kinds import Kind, Provider
from .._tracing.patching import Target
from .._tracing.provider import ProviderPatches
from . import _accumulators as acc
from . import _attributes as attrs
from . import _previews as previews
from ._stream_usage import ask_for_usage

_CHAT = "openai.resources.chat.completions.completions"
_COMPLETIONS = "openai.resources.completions"
_EMBEDDINGS = "openai.resources.embeddings"
_RESPONSES = "openai.resources.responses.responses"
_IMAGES = "openai.resources.images"
_AUDIO = "openai.resources.audio"
_MODERATIONS = "openai.resources.moderations"

# The stream() helpers of chat.completions and responses call create(stream=True) on the same
# resource when entered, so patching create() gives them one span each; stream() itself has one
# only when it raises before that (a bad argument). parse() posts on its own.
TARGETS = [
    Target(_CHAT, cls, method, "chat")
    for cls in ("Completions", "AsyncCompletions")
    for method in ("create", "parse")
] + [
    Target(module, f"{prefix}{cls}", "stream", kind, prepares=True)
    for module, cls, kind in ((_CHAT, "Completions", "chat"), (_RESPONSES, "Responses", "responses"))
    for prefix in ("", "Async")
] + [
    Target(_COMPLETIONS, cls, "create", "completions") for cls in ("Completions", "AsyncCompletions")
] + [
    Target(_EMBEDDINGS, cls, "create", "embeddings") for cls in ("Embeddings", "AsyncEmbeddings")
] + [
    Target(_RESPONSES, cls, method, "responses")
    for cls in ("Responses", "AsyncResponses")
    for method in ("create", "parse")
] + [
    Target(_IMAGES, cls, method, "images")
    for cls in ("Images", "AsyncImages")
    for method in ("generate", "edit", "create_variation")
] + [
    Target(f"{_AUDIO}.{module}", f"{prefix}{cls}", "create", kind)
    for module, cls, kind in (("transcriptions", "Transcriptions", "transcriptions"),
                              ("translations", "Translations", "transcriptions"),
                              ("speech", "Speech", "speech"))
    for prefix in ("", "Async")
] + [
    Target(_MODERATIONS, cls, "create", "moderations") for cls in ("Moderations", "AsyncModerations")
] + [
    # the stream() helpers close the stream they read by closing its HTTP response
    Target(module, f"{prefix}{cls}", "close", kind, closes="_raw_stream")
    for module, cls, kind in (("openai.lib.streaming.chat._completions", "ChatCompletionStream", "chat"),
                              ("openai.lib.streaming.responses._responses", "ResponseStream", "responses"))
    for prefix in ("", "Async")
]


def _kinds() -> dict[str, Kind]:
    import openai
    from openai import _legacy_response, _response

    provider = Provider(
        name="openai",
        message_format="openai",
        stream_types=(openai.Stream,),
        async_stream_types=(openai.AsyncStream,),
        read_response_types=(_legacy_response.LegacyAPIResponse,),
        open_response_types=(_response.APIResponse, _response.AsyncAPIResponse),
        resolve_name=attrs.provider_name,
    )
    return {
        "chat": Kind("chat", SpanType.CHAT_MODEL, provider, attrs.chat_usage,
                     acc.ChatCompletionAccumulator, attrs.chat_tools, output=attrs.with_choices,
                     request_preview=previews.chat_request, response_preview=previews.chat_response,
                     change_request=ask_for_usage),
        "completions": Kind("completions", SpanType.LLM, provider, attrs.chat_usage, acc.CompletionAccumulator,
                            output=attrs.with_choices, request_preview=previews.completions_request,
                            response_preview=previews.completions_response, change_request=ask_for_usage),
        "embeddings": Kind("embeddings", SpanType.EMBEDDING, provider, attrs.embedding_usage, chat=False,
                           request_preview=previews.embeddings_request, response_preview=previews.embeddings_response),
        "responses": Kind("responses", SpanType.CHAT_MODEL, provider, attrs.responses_usage,
                          acc.ResponseAccumulator, attrs.chat_tools,
                          request_preview=previews.responses_request, response_preview=previews.responses_response),
        "images": Kind("images", SpanType.LLM, provider, attrs.media_usage, acc.ImageStreamAccumulator, chat=False,
                       takes_files=True, request_preview=previews.prompt_request,
                       response_preview=previews.images_response),
        "transcriptions": Kind("transcriptions", SpanType.LLM, provider, attrs.media_usage, acc.TranscriptionAccumulator,
                               chat=False, takes_files=True, output=attrs.transcript, extra=attrs.audio_seconds,
                               request_preview=previews.audio_request, response_preview=previews.transcript_response),
        "speech": Kind("speech", SpanType.LLM, provider, attrs.media_usage, chat=False, output=attrs.speech,
                       request_preview=previews.prompt_request, response_preview=previews.speech_response),
        "moderations": Kind("moderations", SpanType.GUARDRAIL, provider, attrs.media_usage, chat=False,
                            request_preview=previews.prompt_request, response_preview=previews.moderation_response),
    }


_patches = ProviderPatches("openai", TARGETS, _kinds, floor=(2, 0))


def autolog(**options: Any) -> None:
    """Traces every call made through the ``openai`` SDK from now on (see ``autolog.autolog``)."""
    _patches.autolog(**options)


def revert() -> None:
    """Puts the ``openai`` SDK's own methods back."""
    _patches.revert()
