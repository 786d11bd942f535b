"""Settings given to ``autolog()`` and the run-time switches that tracing reads on every call."""
from __future__ import annotations

import contextvars
import dataclasses
import logging
import math
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
    queue_bytes: int | None = None
    queue_wait: float | None = None
    exit_timeout: float | None = None
    exit_limit: float | None = None
    flush_on_sigterm: bool | None = None


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
    for name, low, high in _INT_LIMITS:
        value = given.get(name)
        if value is None:
            continue
        if isinstance(value, bool) or not isinstance(value, int):
            raise TypeError(f"autolog() option {name!r} must be an int, not {type(value).__name__}")
        if not low <= value <= high:
            raise ValueError(f"autolog() option {name!r} must be between {low} and {high}, not {value!r}")
    for name, high in _SECONDS_LIMITS:
        value = given.get(name)
        if value is None:
            continue
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise TypeError(f"autolog() option {name!r} must be a number of seconds, not {type(value).__name__}")
        if not math.isfinite(value) or not 0 <= value <= high:
            raise ValueError(f"autolog() option {name!r} must be a number of seconds from 0 to {high:g}, not {value!r}")
    if given.get("flush_on_sigterm") is not None and not isinstance(given["flush_on_sigterm"], bool):
        raise TypeError(f"autolog() option 'flush_on_sigterm' must be a bool or None, "
                        f"not {type(given['flush_on_sigterm']).__name__}")
    exit_timeout, exit_limit = given.get("exit_timeout"), given.get("exit_limit")
    if exit_timeout is not None and exit_limit is not None and exit_limit < exit_timeout:
        raise ValueError(f"autolog() option 'exit_limit' ({exit_limit!r}) must be at least 'exit_timeout' "
                         f"({exit_timeout!r})")
    return Options(**given)


# (option, lowest, highest): beyond these a value is a mistake, not a setting
_INT_LIMITS = (("queue_size", 1, 10_000_000), ("queue_bytes", 1024 * 1024, 64 * 1024 ** 3))
_SECONDS_LIMITS = (("queue_wait", 3600.0), ("exit_timeout", 3600.0), ("exit_limit", 24 * 3600.0))
_EXPORT_SETTINGS = ("queue_size", "queue_bytes", "queue_wait", "exit_timeout", "exit_limit")


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

# The running call that runs others (see Kind.nests): the token usage of the calls made inside it
# adds up on its span.
USAGE_TOTAL: contextvars.ContextVar[Any] = contextvars.ContextVar("autolog_usage_total", default=None)


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
    for name in _EXPORT_SETTINGS:
        if (value := getattr(options, name)) is not None:
            setattr(EXPORTER.settings, name, value)
    settings = EXPORTER.settings
    settings.exit_limit = max(settings.exit_limit, settings.exit_timeout)
    from ._export import signals

    signals.configure(options.flush_on_sigterm)
    silent = any(o.silent for o in STATE.by_provider.values())
    logging.getLogger("autolog").setLevel(logging.CRITICAL + 1 if silent else logging.NOTSET)
