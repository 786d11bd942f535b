"""Tracing for Google's ``google-genai`` SDK (Gemini API and Vertex AI): which methods are patched,
and what kind of call each is. ``client.chats`` sessions go through ``models.generate_content``
(``_stream``), so each message is one span."""
from __future__ import annotations

import dataclasses
from typing import Any

from mlflow.entities import SpanType

from .._tracing.kinds import Kind, Provider
from .._tracing.patching import Target
from .._tracing.provider import ProviderPatches
from . import _attributes as attrs
from . import _previews as previews
from ._tools import chat_tools
from ._accumulator import ResponseAccumulator

_MODELS = "google.genai.models"
_EXTRA = "google.genai._extra_utils"

# With automatic function calling, one generate_content() sends several requests and runs the
# user's functions: each is a child span of the call's span (child targets trace nothing elsewhere).
TARGETS = [
    Target(_MODELS, cls, method, kind)
    for cls in ("Models", "AsyncModels")
    for method, kind in (("generate_content", "generate"), ("generate_content_stream", "generate_stream"),
                         ("embed_content", "embed"))
] + [
    Target(_MODELS, cls, "_generate_content", "request", child=True) for cls in ("Models", "AsyncModels")
] + [
    Target(_EXTRA, None, function, "function", child=True)
    for function in ("invoke_function_from_dict_args", "invoke_function_from_dict_args_async")
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
    generate = Kind("generate", SpanType.CHAT_MODEL, provider, attrs.usage, ResponseAccumulator,
                    chat_tools, output=attrs.output, inputs=attrs.plain, nests=attrs.runs_functions,
                    request_preview=previews.request, response_preview=previews.response)
    return {
        "generate": generate,
        # a stream's span ends after the call has returned: it cannot be the current span
        "generate_stream": dataclasses.replace(generate, name="generate_stream", nests=None),
        "request": dataclasses.replace(generate, name="request", nests=None),
        "function": Kind("function", SpanType.TOOL, provider, attrs.no_usage, chat=False, user_code=True,
                         bind=attrs.function_call, span_name=lambda call: call["function"],
                         inputs=lambda call: call["args"]),
        "embed": Kind("embed", SpanType.EMBEDDING, provider, attrs.embedding_usage, chat=False, output=attrs.output,
                      inputs=attrs.plain, request_preview=previews.embed_request,
                      response_preview=previews.embed_response),
    }


_patches = ProviderPatches("gemini", TARGETS, _kinds, sdk="google.genai", distribution="google-genai", floor=(1, 50))


def autolog(**options: Any) -> None:
    """Traces every call made through the ``google-genai`` SDK from now on (see ``autolog.autolog``)."""
    _patches.autolog(**options)


def revert() -> None:
    """Puts the ``google-genai`` SDK's own methods back."""
    _patches.revert()
