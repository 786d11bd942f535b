"""Tracing for Amazon Bedrock through boto3's ``bedrock-runtime`` client (botocore), and
aiobotocore's async client where it is installed: ``converse``, ``converse_stream``,
``invoke_model`` and ``invoke_model_with_response_stream``. botocore makes its client classes at
run time: see ``_clients`` for where they are patched."""
from __future__ import annotations

import dataclasses
from typing import Any

from mlflow.entities import SpanType

from .._tracing.kinds import Kind, Provider
from .._tracing.provider import ProviderPatches
from . import _attributes as attrs
from . import _previews as previews
from . import _responses as responses
from ._clients import FACTORIES
from ._responses import ModelStreamError

__all__ = ["autolog", "revert", "ModelStreamError"]


def _kinds() -> dict[str, Kind]:
    provider = Provider(
        name="bedrock",
        message_format="bedrock",  # Converse's messages, which the MLflow UI renders as a chat
        stream_types=(),  # the streams sit inside the response dicts (see Kind.watch)
        async_stream_types=(),
        read_response_types=(),
        open_response_types=(),
        model_arg="modelId",
    )
    converse = Kind("converse", SpanType.CHAT_MODEL, provider, attrs.converse_usage, tools=attrs.converse_tools,
                    output=attrs.plain, inputs=attrs.plain, request_preview=previews.converse_request,
                    response_preview=previews.converse_response)
    # an InvokeModel body is the model family's own JSON: no chat format the UI would read from it
    invoke = Kind("invoke", SpanType.CHAT_MODEL, provider, attrs.invoke_usage, tools=attrs.invoke_tools, chat=False,
                  output=attrs.plain, inputs=attrs.invoke_inputs, span_type_of=attrs.span_type,
                  watch=responses.watch_body, request_preview=previews.invoke_request,
                  response_preview=previews.invoke_response)
    return {
        "converse": converse,
        "converse_stream": dataclasses.replace(converse, name="converse_stream",
                                               watch=responses.watch_converse_stream),
        "invoke": invoke,
        "invoke_stream": dataclasses.replace(invoke, name="invoke_stream", usage=attrs.invoke_stream_usage,
                                             watch=responses.watch_invoke_stream),
    }


# botocore is what is patched (boto3 and aiobotocore both make their clients through it); its
# version is the one that matters
_patches = ProviderPatches("bedrock", [], _kinds, sdk=("botocore", "aiobotocore"), distribution="botocore",
                           floor=(1, 39, 9), factories=FACTORIES)


def autolog(**options: Any) -> None:
    """Traces every Bedrock Runtime call made through boto3 (and aiobotocore) from now on, on
    clients made before or after this call (see ``autolog.autolog``)."""
    _patches.autolog(**options)


def revert() -> None:
    """Puts botocore's own client methods back."""
    _patches.revert()
