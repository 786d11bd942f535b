"""Tracing for the ``openai`` SDK: which methods are patched, and what kind of call each is."""
from __future__ import annotations

from typing import Any

from mlflow.entities import SpanType

from .._call import make_wrapper
from .._config import configure, make_options
from .._kinds import Kind, Provider
from .._spans import remember_failed_imports
from .._patching import Target, patch_targets, when_imported, withdraw
from . import _accumulators as acc
from . import _attributes as attrs

_CHAT = "openai.resources.chat.completions.completions"
_COMPLETIONS = "openai.resources.completions"
_EMBEDDINGS = "openai.resources.embeddings"
_RESPONSES = "openai.resources.responses.responses"

# The stream() helpers of chat.completions and responses call create(stream=True) on the same
# resource, so patching create() gives them one span each; parse() posts on its own.
TARGETS = [
    Target(_CHAT, cls, method, "chat")
    for cls in ("Completions", "AsyncCompletions")
    for method in ("create", "parse")
] + [
    Target(_COMPLETIONS, cls, "create", "completions") for cls in ("Completions", "AsyncCompletions")
] + [
    Target(_EMBEDDINGS, cls, "create", "embeddings") for cls in ("Embeddings", "AsyncEmbeddings")
] + [
    Target(_RESPONSES, cls, method, "responses")
    for cls in ("Responses", "AsyncResponses")
    for method in ("create", "parse")
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
                     acc.ChatCompletionAccumulator, attrs.chat_tools, output=attrs.with_choices),
        "completions": Kind("completions", SpanType.LLM, provider, attrs.chat_usage, acc.CompletionAccumulator,
                            output=attrs.with_choices),
        "embeddings": Kind("embeddings", SpanType.EMBEDDING, provider, attrs.embedding_usage, chat=False),
        "responses": Kind("responses", SpanType.CHAT_MODEL, provider, attrs.responses_usage,
                          acc.ResponseAccumulator, attrs.chat_tools),
    }


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
    """Traces every call made through the ``openai`` SDK from now on (see ``autolog.autolog``)."""
    settings = make_options(**options)
    configure("openai", settings)
    if settings.disable:
        withdraw("openai", "openai")
    else:
        when_imported("openai", "openai", _patch)


def revert() -> None:
    """Puts the ``openai`` SDK's own methods back."""
    withdraw("openai", "openai")
