"""Settings given to ``autolog()`` and the run-time switches that tracing reads on every call."""
from __future__ import annotations

import contextvars
import logging
import dataclasses
from typing import Any, Callable, Mapping


@dataclasses.dataclass(frozen=True)
class Options:
    disable: bool = False
    log_traces: bool = True
    silent: bool = False
    capture_content: bool = True
    redact: Callable[[Any, str], Any] | None = None
    metadata: Mapping[str, str] | None = None
    # OpenAI streams: ask for token usage on the caller's behalf (None: for OpenAI and Azure only)
    stream_usage: bool | None = None
    # process-wide export settings; None leaves the current value
    queue_size: int | None = None
    queue_wait: float | None = None
    exit_timeout: float | None = None


_BOOL_OPTIONS = ("disable", "log_traces", "silent", "capture_content")


def make_options(**given: Any) -> Options:
    """Validates ``autolog()``'s keyword arguments; a wrong name or type raises here, not at call time."""
    known = {f.name for f in dataclasses.fields(Options)}
    unknown = sorted(set(given) - known)
    if unknown:
        raise TypeError(
            f"autolog() got unknown option(s): {', '.join(unknown)}; "
            f"the options are: {', '.join(sorted(known))}"
        )
    for name in _BOOL_OPTIONS:
        if name in given and not isinstance(given[name], bool):
            raise TypeError(f"autolog() option {name!r} must be a bool, not {type(given[name]).__name__}")
    if given.get("stream_usage") is not None and not isinstance(given["stream_usage"], bool):
        raise TypeError(f"autolog() option 'stream_usage' must be a bool or None, not {type(given['stream_usage']).__name__}")
    redact = given.get("redact")
    if redact is not None and not callable(redact):
        raise TypeError(f"autolog() option 'redact' must be callable, not {type(redact).__name__}")
    metadata = given.get("metadata")
    if metadata is not None:
        given["metadata"] = dict(_string_mapping("metadata", metadata))
    size = given.get("queue_size")
    if size is not None and (isinstance(size, bool) or not isinstance(size, int) or size < 1):
        raise TypeError(f"autolog() option 'queue_size' must be an int >= 1, not {size!r}")
    for name in ("queue_wait", "exit_timeout"):
        value = given.get(name)
        if value is not None and (isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0):
            raise TypeError(f"autolog() option {name!r} must be a number of seconds >= 0, not {value!r}")
    return Options(**given)


def _string_mapping(what: str, value: Any) -> Mapping[str, str]:
    if not isinstance(value, Mapping):
        raise TypeError(f"{what} must be a mapping of str to str, not {type(value).__name__}")
    for k, v in value.items():
        if not isinstance(k, str) or not isinstance(v, str):
            raise TypeError(f"{what} must map str to str; got {k!r}: {v!r}")
    return value


DEFAULT_OPTIONS = Options()


class _State:
    """Process-wide switches. Read on every call, so plain attributes, no locking."""

    def __init__(self) -> None:
        self.enabled = True  # autolog.enable() / autolog.disable()
        self.by_provider: dict[str, Options] = {}  # what each provider's last autolog() said

    def options(self, provider: str) -> Options:
        return self.by_provider.get(provider, DEFAULT_OPTIONS)


STATE = _State()

# True inside ``with autolog.suspended()`` for the current thread or task only.
SUSPENDED: contextvars.ContextVar[bool] = contextvars.ContextVar("autolog_suspended", default=False)

# The traced SDK call running now, so that an SDK method that calls another patched one makes
# one span (or, under a call that nests, a child span: see Kind.nests).
IN_CALL: contextvars.ContextVar[Any] = contextvars.ContextVar("autolog_in_call", default=None)


@dataclasses.dataclass(frozen=True)
class TraceContext:
    """What ``autolog.context()`` attaches to the traces started inside it."""

    session_id: str | None = None
    user_id: str | None = None
    metadata: Mapping[str, str] = dataclasses.field(default_factory=dict)
    tags: Mapping[str, str] = dataclasses.field(default_factory=dict)

    def merged(self, session_id, user_id, metadata, tags) -> "TraceContext":
        return TraceContext(
            session_id=session_id if session_id is not None else self.session_id,
            user_id=user_id if user_id is not None else self.user_id,
            metadata={**self.metadata, **(metadata or {})},
            tags={**self.tags, **(tags or {})},
        )


CONTEXT: contextvars.ContextVar[TraceContext | None] = contextvars.ContextVar("autolog_context", default=None)


def _logging(provider: str) -> bool:
    """The provider is configured (autolog() ran and revert() did not follow) and records traces.
    A reverted provider's wrappers live on in methods bound while patched (``create =
    client.chat.completions.create``, an SDK object that binds its methods when it is made): they
    must trace nothing either."""
    options = STATE.by_provider.get(provider)
    return options is not None and options.log_traces


def tracing_active(provider: str) -> bool:
    """The cheap gate every patched call passes first."""
    return (
        STATE.enabled
        and not SUSPENDED.get()
        and not IN_CALL.get()
        and _logging(provider)
    )


def child_tracing_active(provider: str) -> bool:
    """The gate of a child target: traced only under a running call whose span takes children."""
    parent = IN_CALL.get()
    return (
        parent is not None
        and getattr(parent, "nests", False)
        and STATE.enabled
        and not SUSPENDED.get()
        and _logging(provider)
    )


def forget(provider: str) -> None:
    """revert(): the provider's wrappers still reachable trace nothing until autolog() again."""
    STATE.by_provider.pop(provider, None)


def configure(provider: str, options: Options) -> None:
    from ._export.exporter import EXPORTER

    STATE.by_provider[provider] = options
    for name in ("queue_size", "queue_wait", "exit_timeout"):
        if (value := getattr(options, name)) is not None:
            setattr(EXPORTER.settings, name, value)
    silent = any(o.silent for o in STATE.by_provider.values())
    logging.getLogger("autolog").setLevel(logging.CRITICAL + 1 if silent else logging.NOTSET)
