"""Transparent proxies for the SDKs' streams and stream managers.

Each item the caller reads goes to an accumulator; the span ends exactly once, whichever comes
first: the stream is exhausted, it raises, the caller closes it (or leaves its ``with`` block),
or the caller drops it and it is garbage-collected."""
from __future__ import annotations

import inspect
import logging
import time
import weakref
from typing import Any, Callable

import wrapt

from .._config import IN_CALL

_logger = logging.getLogger("autolog")

STREAM_END = "autolog.stream.end"  # exhausted | closed | abandoned | error
STREAM_COMPLETED = "autolog.stream.completed"
TIME_TO_FIRST_TOKEN = "autolog.stream.time_to_first_token_ms"
STREAM_ITEMS = "autolog.stream.items"


class StreamState:
    """What a stream's span needs; holds no reference to the proxy, so that the proxy's
    finalizer can end the span after the proxy is gone."""

    __slots__ = ("call", "accumulate", "first_ns", "items", "hide", "accumulator", "__weakref__")

    def __init__(self, call, accumulator: Any = None) -> None:
        """``accumulator``: the one to use, else one made by the call's kind."""
        self.call = call
        self.first_ns = 0
        self.items = 0
        self.hide = call.hide
        try:
            if accumulator is None and (factory := call.kind.new_accumulator) is not None:
                accumulator = factory()
            self.accumulate = accumulator.add if accumulator is not None else None
            self.accumulator = accumulator
        except Exception:
            _logger.debug("autolog: could not make an accumulator", exc_info=True)
            self.accumulator = self.accumulate = None

    def add(self, item: Any) -> bool:
        """Accumulates an item the stream gave; True if the caller must not see it. (Runs once per
        item: one call deep on purpose.)"""
        hide = self.hide
        if hide is not None and _hidden(hide, item):
            hidden = True
        else:
            hidden = False
            if not self.items:
                self.first_ns = time.perf_counter_ns()
            self.items += 1
        accumulate = self.accumulate
        if accumulate is not None:
            try:
                accumulate(item)
            except Exception:
                _logger.debug("autolog: could not accumulate a stream item", exc_info=True)
                self.accumulator = self.accumulate = None  # the span keeps its status and timing, loses its output
        return hidden

    def _attributes(self, how: str) -> dict[str, Any]:
        attributes: dict[str, Any] = {STREAM_END: how, STREAM_COMPLETED: how == "exhausted", STREAM_ITEMS: self.items}
        if self.items:
            attributes[TIME_TO_FIRST_TOKEN] = (self.first_ns - self.call.started_ns) / 1e6
        return attributes

    def _assembled(self) -> Any:
        if self.accumulator is None:
            return None
        try:
            return self.accumulator.result()
        except Exception:
            _logger.debug("autolog: could not assemble the stream's output", exc_info=True)
            return None

    def end(self, how: str) -> None:
        """exhausted, closed early, or abandoned: the span ends OK with what was read, unless the
        stream itself said it failed (an error event the SDK passes on or skips without raising)."""
        if self.call.ended:
            return
        failure = self._reported_failure()
        if failure is not None:
            try:
                self.call.fail(failure, self._assembled(), self._attributes("error"))
            except Exception:
                _logger.debug("autolog: could not end a stream's span", exc_info=True)
            return
        try:
            self.call.finish(self._assembled(), self._attributes(how))
        except Exception:
            _logger.debug("autolog: could not end a stream's span", exc_info=True)

    def _reported_failure(self) -> BaseException | None:
        """What an accumulator with a ``failure()`` method says went wrong in the stream, if anything."""
        report = getattr(self.accumulator, "failure", None)
        if report is None:
            return None
        try:
            return report()
        except Exception:
            _logger.debug("autolog: could not read the stream's failure", exc_info=True)
            return None

    def fail(self, error: BaseException) -> None:
        if self.call.ended:
            return
        try:
            self.call.fail(error, self._assembled(), self._attributes("error"))
        except Exception:
            _logger.debug("autolog: could not end a stream's span", exc_info=True)

    def abandoned(self) -> None:
        self.end("abandoned")

    def closed(self) -> None:
        self.end("closed")


def _hidden(hide, item: Any) -> bool:
    try:
        return hide(item)
    except Exception:
        _logger.debug("autolog: could not tell whether to hide a stream item", exc_info=True)
        return False


def _watch(proxy: Any, state: StreamState) -> None:
    weakref.finalize(proxy, state.abandoned)


class _ItemsProxy(wrapt.ObjectProxy):
    """What every watched stream shares: its state, and the finalizer that ends the span of a
    stream dropped unclosed."""

    def __init__(self, items: Any, call) -> None:
        super().__init__(items)
        self._self_state = state = StreamState(call)
        self._self_reader = self._self_async_reader = None  # what next() and anext() read through
        _watch(self, state)

    def _left(self) -> None:
        self._self_state.closed()


class _Reader:
    """Reads the wrapped stream item by item for the proxy: ``next(stream)`` and ``for`` loops
    alike. Every attribute read on a wrapt proxy passes through Python's ``__getattr__`` hook and
    wrapt's own lookup, several times what the rest of an item's tracing costs, so the proxy
    hands its loops a reader, which holds what each item needs in slots. The reader a loop gets
    holds the proxy too (``keep``), so a stream read straight out of the call lives as long as its
    loop: the proxy's finalizer is what says a stream was dropped unread."""

    __slots__ = ("state", "next_item", "keep")
    in_call = False  # see _InCallReader

    def __init__(self, state: StreamState, source: Any, keep: Any = None) -> None:
        self.state = state
        self.next_item = source.__next__
        self.keep = keep

    def __iter__(self):
        return self

    def __next__(self):
        state = self.state
        token = IN_CALL.set(state.call) if self.in_call else None
        try:
            while True:
                try:
                    item = self.next_item()
                except StopIteration:
                    state.end("exhausted")
                    raise
                except BaseException as error:
                    state.fail(error)
                    raise
                if not state.add(item):
                    return item
        finally:
            if token is not None:
                IN_CALL.reset(token)


class _AsyncReader:
    """The async counterpart of ``_Reader`` (a class, not an async generator: a loop that stops
    early drops it at once, where an async generator would wait for the event loop to close it)."""

    __slots__ = ("state", "next_item", "keep")
    in_call = False

    def __init__(self, state: StreamState, source: Any, keep: Any = None) -> None:
        self.state = state
        self.next_item = source.__anext__
        self.keep = keep

    def __aiter__(self):
        return self

    async def __anext__(self):
        state = self.state
        token = IN_CALL.set(state.call) if self.in_call else None
        try:
            while True:
                try:
                    item = await self.next_item()
                except StopAsyncIteration:
                    state.end("exhausted")
                    raise
                except BaseException as error:
                    state.fail(error)
                    raise
                if not state.add(item):
                    return item
        finally:
            if token is not None:
                IN_CALL.reset(token)


class _InCallReader(_Reader):
    """For a stream whose reading runs SDK code that may make calls of its own (a generator's
    body, a wrapper SDK's request opened only when its stream is first read): the call is the
    running call while an item is read, so those make no span of their own. (An SDK's stream
    class only parses what its response sends, and is read without this.)"""

    __slots__ = ()
    in_call = True


class _InCallAsyncReader(_AsyncReader):
    __slots__ = ()
    in_call = True


class _SyncItems(_ItemsProxy):
    _self_reader_class = _Reader  # class attributes shadow the stream's own: a name no SDK uses

    def __iter__(self):
        return self._self_reader_class(self._self_state, iter(self.__wrapped__), keep=self)

    def __next__(self):
        reader = self._self_reader
        if reader is None:
            reader = self._self_reader = self._self_reader_class(self._self_state, self.__wrapped__)
        return reader.__next__()

    @property
    def close(self):
        """Where the SDK's stream has no close() (mistralai before 2.10), neither has the proxy:
        the AttributeError makes hasattr() answer as for the SDK's own object."""
        return _sync_closing(self.__wrapped__.close, self._self_state)


class _AsyncItems(_ItemsProxy):
    _self_async_reader_class = _AsyncReader

    def __aiter__(self):
        return self._self_async_reader_class(self._self_state, self.__wrapped__.__aiter__(), keep=self)

    async def __anext__(self):
        reader = self._self_async_reader
        if reader is None:
            reader = self._self_async_reader = self._self_async_reader_class(self._self_state, self.__wrapped__)
        return await reader.__anext__()

    @property
    def aclose(self):
        """openai's AsyncStream has aclose() too; where the SDK's stream has none (or no close(),
        as mistralai's before 2.10), neither has the proxy: the AttributeError makes hasattr()
        answer as for the SDK's own object."""
        return _async_closing(self.__wrapped__.aclose, self._self_state)


class _SyncItemsInCall(_SyncItems):
    _self_reader_class = _InCallReader


class _AsyncItemsInCall(_AsyncItems):
    _self_async_reader_class = _InCallAsyncReader


def _sync_closing(wrapped_close, state: StreamState):
    """A stream's close() that ends the span too."""
    def close():
        try:
            return wrapped_close()
        finally:
            state.closed()

    return close


def _async_closing(wrapped_close, state: StreamState):
    """An async stream's close() or aclose() that ends the span too."""
    async def close():
        try:
            return await wrapped_close()
        finally:
            state.closed()

    return close


class _SyncContext:
    """A sync context manager whose ``__enter__`` returns the proxy and whose exit ends the span
    (``_left``) after the wrapped object's own; listed before ``wrapt.ObjectProxy``, whose
    forwarding methods it overrides."""

    def __enter__(self):
        self.__wrapped__.__enter__()
        return self

    def __exit__(self, *exc_info):
        try:
            return self.__wrapped__.__exit__(*exc_info)
        finally:
            self._left()


class _AsyncContext:
    """The async counterpart of ``_SyncContext``."""

    async def __aenter__(self):
        await self.__wrapped__.__aenter__()
        return self

    async def __aexit__(self, *exc_info):
        try:
            return await self.__wrapped__.__aexit__(*exc_info)
        finally:
            self._left()


class StreamProxy(_SyncContext, _SyncItems):
    """An SDK's Stream (openai.Stream, anthropic.Stream): ``isinstance`` still holds."""


class AsyncStreamProxy(_AsyncContext, _AsyncItems):
    @property
    def close(self):
        return _async_closing(self.__wrapped__.close, self._self_state)


class GeneratorProxy(_SyncItemsInCall):
    """A plain generator an SDK returns for a stream (google-genai): ``close()``, leaving a
    ``for`` loop and dropping it, and garbage collection end the span as for an SDK stream."""


class AsyncGeneratorProxy(_AsyncItemsInCall):
    """A plain async generator an SDK returns for a stream, as ``GeneratorProxy``."""


class DualStreamProxy(_SyncContext, _AsyncContext, _SyncItemsInCall, _AsyncItemsInCall):
    """A stream class that serves ``for`` and ``async for`` alike (LiteLLM's CustomStreamWrapper):
    read either way, closed with its own sync ``close()`` or ``aclose()``, used as a sync or an
    async context manager, as the SDK's object is."""


def _helper_closed(helper: Any, attribute: str) -> None:
    stream = getattr(helper, attribute, None)
    if isinstance(stream, _ItemsProxy):
        stream._self_state.closed()


def closing_wrapper(attribute: str, *, is_async: bool):
    """The wrapt wrapper for an SDK stream helper's close(), where the helper closes the stream it
    reads (held in ``attribute``) by closing its HTTP response rather than the stream: the stream's
    span ends as closed, and the caller keeps the SDK's own response object."""
    if is_async:

        async def async_close(wrapped, instance, args, kwargs):
            try:
                return await wrapped(*args, **kwargs)
            finally:
                _helper_closed(instance, attribute)

        return async_close

    def close(wrapped, instance, args, kwargs):
        try:
            return wrapped(*args, **kwargs)
        finally:
            _helper_closed(instance, attribute)

    return close


def proxy_for(raw_stream: Any, call) -> Any:
    provider = call.kind.provider
    if isinstance(raw_stream, provider.async_stream_types):
        return AsyncStreamProxy(raw_stream, call)
    if inspect.isgenerator(raw_stream):
        return GeneratorProxy(raw_stream, call)
    if inspect.isasyncgen(raw_stream):
        return AsyncGeneratorProxy(raw_stream, call)
    return StreamProxy(raw_stream, call)


class StreamManagerProxy(_SyncContext, _AsyncContext, wrapt.ObjectProxy):
    """A stream manager (``messages.stream()``, cohere's raw ``chat_stream()``) sends its request
    when entered: the span starts there, and the raw stream inside what it returns (the attribute
    ``Provider.entered_stream`` names) is replaced by a proxy."""

    def __init__(self, manager: Any, begin: Callable[[], Any]) -> None:
        super().__init__(manager)
        self._self_begin = begin

    def _instrument(self, helper_stream: Any, call) -> None:
        name = call.kind.provider.entered_stream
        try:
            proxy = proxy_for(getattr(helper_stream, name), call)
            setattr(helper_stream, name, proxy)
            self._self_state = proxy._self_state
        except Exception:
            _logger.debug("autolog: could not watch the helper stream", exc_info=True)
            call.finish(None)

    def _left(self) -> None:
        """Leaving the manager's block ends the stream, read to the end or not (an SDK that reads
        it with ``async for`` leaves it unclosed when its caller stops early)."""
        state = getattr(self, "_self_state", None)
        if state is not None:
            state.closed()

    def __enter__(self):
        call = self._self_begin()
        if call is None:
            return self.__wrapped__.__enter__()
        try:
            helper_stream = self.__wrapped__.__enter__()
        except BaseException as error:
            call.fail(error)
            raise
        self._instrument(helper_stream, call)
        return helper_stream

    async def __aenter__(self):
        call = self._self_begin()
        if call is None:
            return await self.__wrapped__.__aenter__()
        try:
            helper_stream = await self.__wrapped__.__aenter__()
        except BaseException as error:
            call.fail(error)
            raise
        self._instrument(helper_stream, call)
        return helper_stream