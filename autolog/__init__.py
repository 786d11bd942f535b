"""Trace every call made through a supported LLM provider SDK into MLflow.

    import autolog
    autolog.autolog()

One package per provider, named in ``PROVIDERS``; README.md says which SDK releases each supports.
"""
from __future__ import annotations

import contextlib
import importlib
from typing import Iterator, Mapping

from ._export.exporter import EXPORTER
from ._config import CONTEXT, STATE, SUSPENDED, TraceContext, make_options, _string_mapping

# One module per provider, autolog.<name>, imported when first used: importing the package stays
# light (the command line lists traces without importing MLflow).
PROVIDERS = ("openai", "anthropic", "gemini", "bedrock", "cohere", "groq", "mistral", "ollama", "litellm")

__all__ = ["autolog", "enable", "disable", "is_enabled", "suspended", "revert", "context", "flush", "stats",
           "PROVIDERS", *PROVIDERS]


def __getattr__(name: str):
    if name in PROVIDERS:
        return importlib.import_module(f"{__name__}.{name}")
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def _providers():
    return [importlib.import_module(f"{__name__}.{name}") for name in PROVIDERS]


def autolog(
    *,
    disable: bool = False,
    log_traces: bool = True,
    silent: bool = False,
    capture_content: bool = True,
    redact=None,
    metadata: Mapping[str, str] | None = None,
    stream_usage: bool | None = None,
    queue_size: int | None = None,
    queue_bytes: int | None = None,
    queue_wait: float | None = None,
    exit_timeout: float | None = None,
    exit_limit: float | None = None,
    flush_on_sigterm: bool | None = None,
) -> None:
    """Traces every call made through a supported provider SDK (``PROVIDERS``) from now on.

    A provider whose SDK is not imported yet is patched when it is imported; one that is not
    installed is left alone.

    disable: True removes the patches (as ``revert()`` does).
    log_traces: False keeps the patches but records nothing.
    silent: True mutes this package's log messages.
    capture_content: False keeps model, token usage, timing and status, but no prompts or outputs.
    redact: ``redact(data, what)`` returns what to record instead of ``data``; ``what`` is
        ``"inputs"`` or ``"outputs"``. If it raises, that content is not recorded.
    metadata: str -> str attached to every trace (app version, environment, ...).
    stream_usage: OpenAI chat and completions streams carry token usage only when asked; None
        (default) asks on the caller's behalf for OpenAI and Azure OpenAI, True for every
        OpenAI-compatible server too, False never. The caller never sees the extra usage chunk.
    The export settings are process-wide; None keeps the current value:
    queue_size: traces that may wait to be written to the store (default 1000).
    queue_bytes: bytes of recorded content that may wait (default 256 MiB).
    queue_wait: seconds a call may wait for room when the queue is full and the store keeps up
        (default 2.0); a trace that finds no room is dropped and counted.
    exit_timeout: seconds the exit waits for the store without it making progress (default 5.0).
    exit_limit: seconds the exit waits at most, progress or not (default 60.0).
    flush_on_sigterm: write the queued traces when the process gets SIGTERM and has no handler
        of its own, then end by SIGTERM (default True).
    """
    options = dict(disable=disable, log_traces=log_traces, silent=silent,
                   capture_content=capture_content, redact=redact, metadata=metadata, stream_usage=stream_usage,
                   queue_size=queue_size, queue_bytes=queue_bytes, queue_wait=queue_wait,
                   exit_timeout=exit_timeout, exit_limit=exit_limit, flush_on_sigterm=flush_on_sigterm)
    make_options(**options)  # one clear error before any provider is touched
    for provider in _providers():
        provider.autolog(**options)


def enable() -> None:
    """Turns tracing back on after ``disable()``; the patches stay as they are."""
    STATE.enabled = True


def disable() -> None:
    """Turns tracing off for the whole process without removing the patches."""
    STATE.enabled = False


def is_enabled() -> bool:
    """Whether a call made here and now would be traced (patched, switched on, not suspended)."""
    from ._tracing.patching import any_patched

    return STATE.enabled and not SUSPENDED.get() and any_patched()


@contextlib.contextmanager
def suspended() -> Iterator[None]:
    """No tracing inside this block, for the current thread or asyncio task only."""
    token = SUSPENDED.set(True)
    try:
        yield
    finally:
        SUSPENDED.reset(token)


def flush(timeout: float | None = None) -> bool:
    """Waits until every trace recorded so far is written to the store (or counted as dropped or
    failed); False if ``timeout`` seconds pass first."""
    return EXPORTER.flush(timeout)


def stats() -> dict[str, int]:
    """Counts of the traces this package exported itself: ``recorded``, ``exported``,
    ``dropped`` (the queue was full, or the process exited first), ``failed`` (the store
    rejected them or stayed unreachable) and ``queued`` (waiting now). Traces that join an
    ``@mlflow.trace`` trace, or go where MLflow exports itself, are MLflow's to count."""
    return EXPORTER.stats()


def revert() -> None:
    """Removes every patch: the SDK classes hold their original methods again."""
    for provider in _providers():
        provider.revert()


@contextlib.contextmanager
def context(
    *,
    session_id: str | None = None,
    user_id: str | None = None,
    metadata: Mapping[str, str] | None = None,
    tags: Mapping[str, str] | None = None,
) -> Iterator[None]:
    """Every trace started inside carries this session, user, metadata and tags.

    Nested contexts merge (the inner value wins); the context follows threads started with
    ``contextvars.copy_context()`` and asyncio tasks, as context variables do."""
    for name, value in (("session_id", session_id), ("user_id", user_id)):
        if value is not None and not isinstance(value, str):
            raise TypeError(f"{name} must be a str, not {type(value).__name__}")
    if metadata is not None:
        _string_mapping("metadata", metadata)
    if tags is not None:
        _string_mapping("tags", tags)
    outer = CONTEXT.get() or TraceContext()
    token = CONTEXT.set(outer.merged(session_id, user_id, metadata, tags))
    try:
        yield
    finally:
        CONTEXT.reset(token)
