"""Which botocore client classes are Bedrock Runtime's, and which of their methods are traced.

botocore makes a new client class for every client, at run time (``ClientCreator
._create_client_class``; aiobotocore's ``AioClientCreator`` has its own): the factory is patched,
so every ``bedrock-runtime`` class is patched as it is made, and the ones made before
``autolog()`` are found among the live subclasses of ``BaseClient``. Every other service's class
is left exactly as botocore made it."""
from __future__ import annotations

import inspect
import sys
from typing import Iterator

from .._tracing.patching import ClassFactory, Target

# the operations that run a model; count_tokens, guardrails and async invokes are not model calls
METHODS = {
    "converse": "converse",
    "converse_stream": "converse_stream",
    "invoke_model": "invoke",
    "invoke_model_with_response_stream": "invoke_stream",
}

# botocore names a client class after its service (get_service_module_name)
_CLASS_NAME = "BedrockRuntime"


def is_bedrock_runtime(cls: type) -> bool:
    names = getattr(cls, "_PY_TO_OP_NAME", None)
    return cls.__name__ == _CLASS_NAME and isinstance(names, dict) and names.get("invoke_model") == "InvokeModel"


def targets(cls: type) -> list[Target]:
    if not is_bedrock_runtime(cls):
        return []
    # aiobotocore's client methods are botocore's own plain functions, which return the coroutine
    # of its async _make_api_call
    is_async = inspect.iscoroutinefunction(getattr(cls, "_make_api_call", None))
    return [Target(cls.__module__, cls.__name__, method, kind, is_async=is_async) for method, kind in METHODS.items()]


def _subclasses(module: str, base: str) -> Iterator[type]:
    """The live classes derived from ``module.base`` (imported already: its factory is)."""
    found: set[type] = set()
    pending = [getattr(sys.modules[module], base)]
    while pending:
        for sub in type.__subclasses__(pending.pop()):
            if sub not in found:
                found.add(sub)
                pending.append(sub)
                yield sub


FACTORIES = [
    ClassFactory("botocore.client", "ClientCreator", "_create_client_class", targets,
                 made=lambda: _subclasses("botocore.client", "BaseClient")),
    ClassFactory("aiobotocore.client", "AioClientCreator", "_create_client_class", targets,
                 made=lambda: _subclasses("aiobotocore.client", "AioBaseClient")),
]
