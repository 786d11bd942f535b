"""Tracing for LiteLLM: ``completion``, ``embedding``, ``responses``, ``text_completion`` (and their
async forms) and the same methods of a ``Router``, one span per call whatever LiteLLM does inside
(retries, fallbacks, the provider SDK it drives).

Where the patches go: ``litellm.completion`` is a dispatcher (``litellm/<route>/dispatch.py``) that
calls the Python implementation it holds in a module global (``_PYTHON_COMPLETION``) on every call;
that global is patched, so a ``from litellm import completion`` made before ``autolog()`` is traced
too. ``text_completion`` has no dispatcher: the module attributes are patched (``litellm`` and
``litellm.main``). A Router's methods are those of its core (``RustCore``); its sync ``responses``
is made per access and goes through the core's ``_call_sync``."""
from __future__ import annotations

import dataclasses
from typing import Any

from mlflow.entities import SpanType

from .._tracing.kinds import Kind, Provider
from .._tracing.patching import Target
from .._tracing.provider import ProviderPatches
from ..openai import _previews as previews
from . import _accumulators as acc
from . import _attributes as attrs

_ROUTER = "litellm.router_rust.core"

# (module, attribute, span name, kind, the function whose signature binds positional arguments)
_FUNCTIONS = [
    ("litellm.chat_completions.dispatch", "_PYTHON_COMPLETION", "completion", "chat", "litellm.main"),
    ("litellm.chat_completions.dispatch", "_PYTHON_ACOMPLETION", "acompletion", "chat", "litellm.main"),
    ("litellm.embeddings.dispatch", "_PYTHON_EMBEDDING", "embedding", "embedding", "litellm.main"),
    ("litellm.embeddings.dispatch", "_PYTHON_AEMBEDDING", "aembedding", "embedding", "litellm.main"),
    ("litellm.responses.dispatch", "_PYTHON_RESPONSES", "responses", "responses", "litellm.responses.main"),
    ("litellm.responses.dispatch", "_PYTHON_ARESPONSES", "aresponses", "responses", "litellm.responses.main"),
    ("litellm.main", "text_completion", "text_completion", "text", "litellm.main"),
    ("litellm", "text_completion", "text_completion", "text", "litellm.main"),
    ("litellm.main", "atext_completion", "atext_completion", "text", "litellm.main"),
    ("litellm", "atext_completion", "atext_completion", "text", "litellm.main"),
]
_ROUTER_METHODS = [
    ("completion", "chat"), ("acompletion", "chat"), ("embedding", "embedding"), ("aembedding", "embedding"),
    ("aresponses", "responses"), ("text_completion", "text"), ("atext_completion", "text"),
]

TARGETS = [Target(module, None, attribute, f"litellm.{name}") for module, attribute, name, _, _ in _FUNCTIONS] + [
    Target(_ROUTER, "RustCore", method, f"Router.{method}") for method, _ in _ROUTER_METHODS
] + [Target(_ROUTER, "RustCore", "_call_sync", "Router.responses")]


def _kinds() -> dict[str, Kind]:
    from litellm.litellm_core_utils.streaming_handler import CustomStreamWrapper
    from litellm.responses.streaming_iterator import (
        BaseResponsesAPIStreamingIterator,
        ResponsesAPIStreamingIterator,
        SyncResponsesAPIStreamingIterator,
    )
    from litellm.text_completions.streaming_iterator import TextCompletionStreamWrapper

    provider = Provider(
        name="litellm",
        message_format="openai",  # LiteLLM takes and returns OpenAI-shaped messages
        stream_types=(SyncResponsesAPIStreamingIterator,),
        async_stream_types=(ResponsesAPIStreamingIterator,),
        read_response_types=(),
        open_response_types=(),
        dual_stream_types=(CustomStreamWrapper, TextCompletionStreamWrapper, BaseResponsesAPIStreamingIterator),
    )
    common = dict(inputs=attrs.inputs, request_extra=attrs.request_provider, extra=attrs.response_provider,
                  output=attrs.without_hidden)
    base = {
        "chat": Kind("chat", SpanType.CHAT_MODEL, provider, attrs.chat_usage, acc.ChatStreamAccumulator,
                     attrs.chat_tools, request_preview=previews.chat_request, response_preview=previews.chat_response,
                     **common),
        "embedding": Kind("embedding", SpanType.EMBEDDING, provider, attrs.embedding_usage, chat=False,
                          request_preview=previews.embeddings_request, response_preview=previews.embeddings_response,
                          **common),
        "responses": Kind("responses", SpanType.CHAT_MODEL, provider, attrs.responses_usage, acc.ResponseAccumulator,
                          attrs.chat_tools, request_preview=previews.responses_request,
                          response_preview=previews.responses_response, **common),
        "text": Kind("text", SpanType.LLM, provider, attrs.chat_usage, acc.TextStreamAccumulator,
                     request_preview=previews.completions_request, response_preview=previews.completions_response,
                     **common),
    }

    def kind(span_name: str, of: str, **changes: Any) -> Kind:
        return dataclasses.replace(base[of], name=span_name, span_name=lambda _call: span_name, **changes)

    kinds = {f"litellm.{name}": kind(f"litellm.{name}", of, bind=attrs.binder(signature_module, name))
             for _, _, name, of, signature_module in _FUNCTIONS}
    kinds.update({f"Router.{method}": kind(f"Router.{method}", of, bind=attrs.binder(
        "litellm.responses.main" if of == "responses" else "litellm.main", method)) for method, of in _ROUTER_METHODS})
    kinds["Router.responses"] = kind("Router.responses", "responses", bind=attrs.router_request,
                                     applies=attrs.routes("responses"))
    return kinds


_patches = ProviderPatches("litellm", TARGETS, _kinds, floor=(1, 110))


def autolog(**options: Any) -> None:
    """Traces every call made through LiteLLM from now on (see ``autolog.autolog``)."""
    _patches.autolog(**options)


def revert() -> None:
    """Puts LiteLLM's own functions back."""
    _patches.revert()
