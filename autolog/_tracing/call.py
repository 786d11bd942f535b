"""The one wrapper every patched SDK method goes through, and the span of one call.

A fault in here is logged at debug and costs the call its span, never its result."""
from __future__ import annotations

import functools
import inspect
import logging
import time
from typing import Any, Mapping

from mlflow.tracing.constant import SpanAttributeKey, TraceMetadataKey

from . import attachments as _attachments
from . import previews as _previews
from . import raw_responses as _raw_responses
from . import spans as _spans
from . import streams as _streams
from .._config import CONTEXT, IN_CALL, STATE, USAGE_TOTAL, Options, child_tracing_active, tracing_active
from .kinds import Kind, field
from .redaction import without_credentials

_logger = logging.getLogger("autolog")

_UNSET_TYPES = frozenset({"NotGiven", "Omit"})
CHAT_MESSAGES = "mlflow.chat.messages"  # the MLflow UI renders these as the chat, before any message format
_HELPER_HEADER = "X-Stainless-Helper-Method"


def _is_unset(value: Any) -> bool:
    return type(value).__name__ in _UNSET_TYPES


def call_inputs(kwargs: Mapping[str, Any]) -> dict[str, Any]:
    """The keyword arguments the caller gave, without the SDK's 'not given' placeholders and
    without the SDK's own bookkeeping headers."""
    inputs = {k: v for k, v in kwargs.items() if not _is_unset(v)}
    headers = inputs.get("extra_headers")
    if isinstance(headers, Mapping):
        kept = {k: v for k, v in headers.items() if not str(k).lower().startswith("x-stainless-")}
        if kept:
            inputs["extra_headers"] = kept
        else:
            del inputs["extra_headers"]
    return inputs


def _span_name(instance: Any, method: str, kwargs: Mapping[str, Any]) -> str:
    headers = kwargs.get("extra_headers")
    if isinstance(headers, Mapping) and (helper := headers.get(_HELPER_HEADER)):
        method = str(helper).rsplit(".", 1)[-1]  # e.g. chat.completions.stream -> stream
    return f"{type(instance).__name__}.{method}"


def _plain(value: Any) -> Any:
    """An SDK model as JSON-ready data (a parsed() field typed None in the SDK's own schema makes
    pydantic warn; that warning is the SDK's business, not the caller's)."""
    dump = getattr(value, "model_dump", None)
    return dump(mode="json", warnings=False) if callable(dump) else value


def recorded(options: Options, value: Any, what: str) -> Any:
    """``value`` as the options allow it to be stored: dropped, scrubbed by ``redact``, or as is."""
    if not options.capture_content or value is None:
        return None
    value = _plain(value)
    if options.redact is None:
        return value
    try:
        return options.redact(value, what)
    except Exception:
        _logger.debug("autolog: redact() raised; the %s are not recorded", what, exc_info=True)
        return None


def _trace_context(options: Options) -> tuple[dict[str, str] | None, dict[str, str] | None]:
    metadata = dict(options.metadata or {})
    tags = None
    ctx = CONTEXT.get()
    if ctx is not None:
        metadata.update(ctx.metadata)
        if ctx.session_id is not None:
            metadata[TraceMetadataKey.TRACE_SESSION] = ctx.session_id
        if ctx.user_id is not None:
            metadata[TraceMetadataKey.TRACE_USER] = ctx.user_id
        tags = dict(ctx.tags) or None
    return metadata or None, tags


class Call:
    """The span of one SDK call; ends exactly once."""

    __slots__ = ("span", "kind", "options", "ended", "started_ns", "request_preview", "send_kwargs", "hide", "nests",
                 "total_into", "children_usage", "messages")

    def __init__(self, span, kind: Kind, options: Options, request_preview: str | None,
                 send_kwargs: Mapping[str, Any], hide=None, nests: bool = False, messages: list | None = None) -> None:
        self.span = span
        self.kind = kind
        self.options = options
        self.ended = False
        self.started_ns = time.perf_counter_ns()  # time to first token counts from here
        self.request_preview = request_preview
        self.send_kwargs = send_kwargs  # what the SDK method is called with
        self.hide = hide  # stream items the caller must not see (see RequestChange)
        self.nests = nests  # child targets are traced under this call (see Kind.nests)
        self.messages = messages  # the request's chat messages (see Kind.request_messages)
        # MLflow counts a trace's tokens (and cost) on the top-most spans that carry them: a call
        # that runs other calls carries their total, which each adds to it as it ends
        self.total_into = USAGE_TOTAL.get()
        self.children_usage: dict[str, int] | None = None

    def add_child_usage(self, usage: Mapping[str, Any]) -> None:
        total = self.children_usage if self.children_usage is not None else {}
        for key, value in usage.items():
            if isinstance(value, int) and not isinstance(value, bool):
                total[key] = total.get(key, 0) + value
        self.children_usage = total

    def _response_attributes(self, response: Any) -> dict[str, Any]:
        attributes: dict[str, Any] = {}
        if response is None:
            return attributes
        try:
            if model := field(response, "model"):
                attributes[SpanAttributeKey.MODEL] = model
            if usage := self.kind.usage(response):
                attributes[SpanAttributeKey.CHAT_USAGE] = dict(usage)
            if self.kind.extra is not None:
                attributes.update(self.kind.extra(response))
        except Exception:
            _logger.debug("autolog: could not read the response's attributes", exc_info=True)
        return attributes

    def _outputs(self, response: Any) -> Any:
        if self.kind.output is not None and response is not None:
            try:
                response = self.kind.output(response)
            except Exception:
                _logger.debug("autolog: could not mend the response", exc_info=True)
        return recorded(self.options, response, "outputs")

    def finish(self, response: Any, extra: Mapping[str, Any] | None = None, end_ns: int | None = None) -> None:
        """Ends the span OK; ``end_ns`` when the call ended before its response was looked at."""
        self._end(response, extra, None, end_ns)

    def fail(self, error: BaseException, partial: Any = None, extra: Mapping[str, Any] | None = None) -> None:
        """Ends the span with the error, and what had arrived before it."""
        self._end(partial, extra, error, None)

    def _end(self, response: Any, extra: Mapping[str, Any] | None, error: BaseException | None,
             end_ns: int | None) -> None:
        if self.ended:
            return
        self.ended = True
        try:
            attributes = self._response_attributes(response)
            if extra:
                attributes.update(extra)
            if self.children_usage:
                attributes[SpanAttributeKey.CHAT_USAGE] = self.children_usage
            if self.total_into is not None and (usage := attributes.get(SpanAttributeKey.CHAT_USAGE)):
                self.total_into.add_child_usage(usage)
            outputs = self._outputs(response)
            if self.messages is not None:
                if messages := self.messages + _chat_messages(self.kind.response_messages, outputs):
                    attributes[CHAT_MESSAGES] = messages
            self.span.set_previews(self.request_preview, self._response_preview(outputs, error))
            if error is None:
                self.span.end_ok(outputs, attributes, end_ns)
            else:
                self.span.end_error(error, outputs, attributes)
        except Exception:
            _logger.debug("autolog: could not end the span", exc_info=True)

    def _response_preview(self, outputs: Any, error: BaseException | None) -> str | None:
        if error is not None:
            return _previews.error_preview(error, self.options.capture_content)
        return _previews.of_recorded(outputs, self.kind.response_preview)

    def returned(self, result: Any) -> Any:
        """What the caller gets back: the result itself, or for a stream or an unread raw
        response a transparent proxy that ends the span when the caller is done with it."""
        try:
            if self.kind.watch is not None and (watched := self.kind.watch(result, self)) is not None:
                return watched
            provider = self.kind.provider
            if isinstance(result, provider.stream_types):
                return _streams.StreamProxy(result, self)
            if isinstance(result, provider.async_stream_types):
                return _streams.AsyncStreamProxy(result, self)
            if isinstance(result, provider.dual_stream_types):
                return _streams.DualStreamProxy(result, self)
            if isinstance(result, provider.read_response_types):
                return _raw_responses.read_response(result, self)
            if isinstance(result, provider.open_response_types):
                return _raw_responses.OpenResponseProxy(result, self)
            if self.kind.new_accumulator is not None:
                if inspect.isgenerator(result):
                    return _streams.GeneratorProxy(result, self)
                if inspect.isasyncgen(result):
                    return _streams.AsyncGeneratorProxy(result, self)
            self.finish(result)
        except Exception:
            _logger.debug("autolog: could not record the result", exc_info=True)
            self.finish(None)
        return result


def _chat_messages(reader, recorded: Any) -> list:
    """Chat messages read from what the span records; none where it holds no content."""
    if reader is None or recorded is None:
        return []
    try:
        return list(reader(recorded) or ())
    except Exception:
        _logger.debug("autolog: could not read the chat messages", exc_info=True)
        return []


def begin(kind: Kind, method: str, instance: Any, kwargs: Mapping[str, Any], args: tuple = ()) -> Call | None:
    """Starts the span of a call; None (no span) if anything goes wrong."""
    try:
        sent = kwargs
        if kind.bind is not None:
            kwargs = kind.bind(args, kwargs)
        provider = kind.provider
        server = provider.server_of(instance)
        attributes: dict[str, Any] = {SpanAttributeKey.MODEL_PROVIDER: server or provider.name}
        if kind.chat:
            attributes[SpanAttributeKey.MESSAGE_FORMAT] = provider.message_format
        model = kwargs.get(provider.model_arg)
        if isinstance(model, str):
            attributes[SpanAttributeKey.MODEL] = model
        options = STATE.options(provider.name)
        capture = options.capture_content
        if capture and kind.tools is not None and (tools := kind.tools(kwargs)):
            attributes[SpanAttributeKey.CHAT_TOOLS] = tools
        if kind.request_extra is not None:
            attributes.update(kind.request_extra(kwargs))
        change = kind.change_request(sent, server, options.stream_usage) if kind.change_request else None
        if change is not None:
            attributes.update(change.attributes)
        inputs = None
        if capture:
            given = call_inputs(kwargs)
            if kind.inputs is not None:
                given = kind.inputs(given)
            if isinstance(given, Mapping):
                given = without_credentials(given)
            inputs = recorded(options, _attachments.describe_files(given) if kind.takes_files else given, "inputs")
        metadata, tags = _trace_context(options)
        nests = kind.user_code or (kind.nests is not None and kind.nests(kwargs))
        name = kind.span_name(kwargs) if kind.span_name is not None else _span_name(instance, method, kwargs)
        span_type = kind.span_type_of(kwargs) if kind.span_type_of is not None else kind.span_type
        span = _spans.start(name, span_type, inputs, attributes, metadata, tags, current=nests)
        if span is None:
            return None
        send, hide = (change.kwargs, change.hide) if change is not None else (sent, None)
        messages = None
        if kind.request_messages is not None and inputs is not None:
            # read now: the caller may change its list later; a request it cannot read gets no chat at all
            messages = _chat_messages(kind.request_messages, inputs) or None
        return Call(span, kind, options, _previews.of_recorded(inputs, kind.request_preview), send, hide,
                    nests=nests and not kind.user_code, messages=messages)
    except Exception:
        _logger.debug("autolog: could not start the span of %s", method, exc_info=True)
        return None


class _Running:
    """While the call runs: IN_CALL holds it (or nothing inside the user's own code, where every
    call is traced again), and a call that runs others takes their token usage. An exception that
    leaves the block fails the span and goes on unchanged."""

    __slots__ = ("call", "tokens")

    def __init__(self, call: Call) -> None:
        self.call = call

    def __enter__(self) -> None:
        call = self.call
        self.tokens = IN_CALL.set(None if call.kind.user_code else call), USAGE_TOTAL.set(call) if call.nests else None

    def __exit__(self, error_type, error, traceback) -> bool:
        try:
            if error is not None:
                self.call.fail(error)
        finally:
            in_call, usage_total = self.tokens
            IN_CALL.reset(in_call)
            if usage_total is not None:
                USAGE_TOTAL.reset(usage_total)
        return False


def _applies(applies, args: tuple, kwargs) -> bool:
    try:
        return bool(applies(args, kwargs or {}))
    except Exception:
        _logger.debug("autolog: could not tell whether a call is traced", exc_info=True)
        return False


def _failed_before_sending(kind: Kind, method: str, instance: Any, args: tuple, kwargs: Mapping[str, Any],
                           error: BaseException) -> None:
    """The span of a call that raised before its request was sent (a bad argument)."""
    call = begin(kind, method, instance, kwargs, args)
    if call is not None:
        call.fail(error)


def make_wrapper(kind: Kind, method: str, *, is_async: bool, deferred: bool, child: bool = False,
                 prepares: bool = False):
    """The wrapt wrapper for one patched method.

    ``is_async``: the method is a coroutine function; the span starts when it is awaited.
    ``deferred``: the method returns a stream manager that sends the request when entered.
    ``child``: traced only inside a call whose span takes children (see Kind.nests).
    ``prepares``: the method only prepares a request another patched method sends later; it has
    a span of its own only when it raises."""

    provider = kind.provider.name
    active = functools.partial(child_tracing_active if child else tracing_active, provider)
    applies = kind.applies

    if is_async:

        def async_wrapper(wrapped, instance, args, kwargs):
            traced = active() and (applies is None or _applies(applies, args, kwargs))
            try:
                pending = wrapped(*args, **kwargs)  # a bad argument raises here, where the SDK raises it
            except BaseException as error:
                if traced:
                    _failed_before_sending(kind, method, instance, args, kwargs, error)
                raise
            if not traced:
                return pending
            return _traced_await(kind, method, instance, args, kwargs, pending, functools.partial(wrapped, *args),
                                 active)

        return async_wrapper

    def wrapper(wrapped, instance, args, kwargs):
        if not active() or (applies is not None and not _applies(applies, args, kwargs)):
            return wrapped(*args, **kwargs)
        if deferred or prepares:
            try:
                manager = wrapped(*args, **kwargs)
            except BaseException as error:
                _failed_before_sending(kind, method, instance, args, kwargs, error)
                raise
            if prepares:
                return manager
            try:
                return _streams.StreamManagerProxy(manager, functools.partial(begin, kind, method, instance, kwargs))
            except Exception:
                _logger.debug("autolog: could not watch a stream manager", exc_info=True)
                return manager
        call = begin(kind, method, instance, kwargs, args)
        if call is None:
            return wrapped(*args, **kwargs)
        with _Running(call):
            result = wrapped(*args, **call.send_kwargs)
        return call.returned(result)

    return wrapper


async def _traced_await(kind: Kind, method: str, instance: Any, args: tuple, kwargs: Mapping[str, Any], pending,
                        resend, active):
    """The span starts when the call is awaited; ``resend(**kwargs)`` makes the call again with
    the request the package changed (the first coroutine, never started, is closed)."""
    if not active():
        return await pending
    call = begin(kind, method, instance, kwargs, args)
    if call is None:
        return await pending
    if call.send_kwargs is not kwargs:
        pending.close()
        pending = resend(**call.send_kwargs)
    with _Running(call):
        result = await pending
    return call.returned(result)
