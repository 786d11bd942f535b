"""What a Bedrock call returns: a dict, as botocore parses it, that may hold what the call has not
delivered yet. The caller gets the very same dict; the span ends when the caller is done with it.

- ``converse_stream`` / ``invoke_model_with_response_stream``: ``stream`` / ``body`` is an
  EventStream (aiobotocore: AioEventStream), replaced in the dict by a transparent proxy that
  hands each event to an accumulator as the caller reads it and ends the span exactly once
  (read to the end, an exception frame, ``close()``, dropped and collected).
- ``invoke_model``: ``body`` is a StreamingBody the caller reads, replaced by a transparent proxy
  that keeps the bytes the caller reads (and changes none of them); the span records the body
  parsed once the caller has read it to the end (or what arrived, once it is closed or dropped)."""
from __future__ import annotations

import inspect
import logging
import time
import weakref
from typing import Any, Callable, Mapping

import wrapt

from .._tracing.streams import StreamState
from ._converse import ConverseStreamAccumulator
from ._invoke import InvokeStreamAccumulator, parse_body

_logger = logging.getLogger("autolog")


class ModelStreamError(Exception):
    """An error the model reported as an event of its stream, which botocore hands over as data."""


class _State(StreamState):
    __slots__ = ()

    def end(self, how: str) -> None:
        """An error event the model sent ends the span as an error, whichever way the stream ended."""
        try:
            reported = getattr(self.accumulator, "error", None)
            if reported is not None:
                message = reported.get("message") if isinstance(reported, Mapping) else None
                self.fail(ModelStreamError(str(message or reported)))
                return
        except Exception:
            _logger.debug("autolog: could not read the stream's error event", exc_info=True)
        super().end(how)


class _EventStreamProxy(wrapt.ObjectProxy):
    """What both proxies share: the stream's state, ``close()``, and the finalizer that ends the
    span of a stream dropped unclosed. Each iteration holds the proxy, so that a stream iterated
    straight out of the response dict lives as long as its loop."""

    def __init__(self, stream: Any, call, accumulator) -> None:
        super().__init__(stream)
        self._self_state = state = _State(call, accumulator)
        weakref.finalize(self, state.abandoned)

    def close(self, *args, **kwargs):
        try:
            return self.__wrapped__.close(*args, **kwargs)
        finally:
            self._self_state.closed()


class EventStreamProxy(_EventStreamProxy):
    def __iter__(self):
        return self._events()

    def _events(self):
        state = self._self_state
        events = iter(self.__wrapped__)
        while True:
            try:
                event = next(events)
            except StopIteration:
                state.end("exhausted")
                return
            except BaseException as error:
                state.fail(error)
                raise
            state.add(event)
            yield event


class AsyncEventStreamProxy(_EventStreamProxy):
    def __aiter__(self):
        return self._events()

    async def _events(self):
        state = self._self_state
        events = self.__wrapped__.__aiter__()
        while True:
            try:
                event = await events.__anext__()
            except StopAsyncIteration:
                state.end("exhausted")
                return
            except BaseException as error:
                state.fail(error)
                raise
            state.add(event)
            yield event


def _watch_stream(result: Any, call, key: str, accumulator: Callable[[Mapping[str, Any]], Any]) -> Any:
    if not isinstance(result, dict) or result.get(key) is None:
        return None
    stream = result[key]
    head = {k: v for k, v in result.items() if k != key}
    proxy = AsyncEventStreamProxy if hasattr(type(stream), "__aiter__") else EventStreamProxy
    result[key] = proxy(stream, call, accumulator(head))
    return result


def watch_converse_stream(result: Any, call) -> Any:
    return _watch_stream(result, call, "stream", ConverseStreamAccumulator)


def watch_invoke_stream(result: Any, call) -> Any:
    return _watch_stream(result, call, "body", InvokeStreamAccumulator)


# ---------------------------------------------------------------------------------------------
# invoke_model's body


class _BodyReads:
    """The bytes the caller has read from the body; ends the call's span once."""

    __slots__ = ("call", "head", "pieces", "size", "length", "returned_ns", "last_ns")

    def __init__(self, call, head: Mapping[str, Any], length: Any) -> None:
        self.call = call
        self.head = head
        self.pieces: list[bytes] = []
        self.size = 0
        try:
            self.length = int(length) if length is not None else None
        except (TypeError, ValueError):
            self.length = None
        self.returned_ns = self.last_ns = time.time_ns()

    def outputs(self) -> dict[str, Any]:
        raw = b"".join(self.pieces)
        self.pieces = [raw]
        return {**self.head, "body": parse_body(raw, self.head.get("contentType"))}

    def _end(self, error: BaseException | None = None, end_ns: int | None = None) -> None:
        """Never raises: a fault here costs the call its span, never the caller its read."""
        try:
            if self.call.ended:
                return
            try:
                outputs = self.outputs()
            except Exception:
                _logger.debug("autolog: could not read the body's bytes", exc_info=True)
                outputs = dict(self.head)
            if error is None:
                self.call.finish(outputs, end_ns=end_ns)
            else:
                self.call.fail(error, outputs)
        except Exception:
            _logger.debug("autolog: could not end the span of a body", exc_info=True)

    def took(self, data: Any, asked: Any) -> Any:
        """``data`` was read by a read of ``asked`` bytes (None: all of them)."""
        try:
            if not self.call.ended:
                to_end = asked is None or asked < 0 or (asked > 0 and not data)
                if data:
                    self.pieces.append(bytes(data))
                    self.size += len(data)
                    self.last_ns = time.time_ns()
                if to_end or (self.length is not None and self.size >= self.length):
                    self._end()
        except Exception:
            _logger.debug("autolog: could not watch a read of the body", exc_info=True)
        return data

    def failed(self, error: BaseException) -> None:
        self._end(error)

    def closed(self) -> None:
        self._end()

    def dropped(self) -> None:
        """Collected unread or half read: the span ends when the last byte was read."""
        self._end(end_ns=self.last_ns)


def _then(value: Any, on_value: Callable[[Any], Any], on_error: Callable[[BaseException], None]) -> Any:
    """``on_value(value)``, now or once the awaitable ``value`` resolves (aiobotocore's body)."""
    if inspect.isawaitable(value):
        return _later(value, on_value, on_error)
    return on_value(value)


async def _later(pending, on_value, on_error):
    try:
        value = await pending
    except BaseException as error:
        on_error(error)
        raise
    return on_value(value)


class _BodyProxy(wrapt.ObjectProxy):
    """An invoke_model body, as the caller reads it: ``read`` and ``readinto`` are the body's
    own, watched; every other way of reading (iteration, lines, chunks) is the SDK's own code run
    on this proxy, so that it reads through ``read`` (botocore's StreamingBody, aiobotocore's
    body whether it subclasses it or wraps the aiohttp response)."""

    def __init__(self, body: Any, reads: _BodyReads) -> None:
        super().__init__(body)
        self._self_reads = reads
        weakref.finalize(self, reads.dropped)

    @property
    def __class__(self):
        # aiobotocore's older bodies are themselves wrapt proxies of the aiohttp response, whose
        # class they report: isinstance(body, aiobotocore.response.StreamingBody) must hold here too
        return type(self.__wrapped__)

    def _own(self, name: str, *args, **kwargs):
        return getattr(type(self.__wrapped__), name)(self, *args, **kwargs)

    def _watched(self, name: str, *args, **kwargs):
        reads = self._self_reads
        try:
            return getattr(self.__wrapped__, name)(*args, **kwargs)
        except BaseException as error:
            reads.failed(error)
            raise

    def _closing(self, name: str, *args, **kwargs):
        """The body's own close() or aclose(), watched; the span ends once it has closed."""
        reads = self._self_reads

        def closed(value):
            reads.closed()
            return value

        return _then(self._watched(name, *args, **kwargs), closed, reads.failed)

    def read(self, *args, **kwargs):
        amt = args[0] if args else kwargs.get("amt")
        reads = self._self_reads
        return _then(self._watched("read", *args, **kwargs), lambda data: reads.took(data, amt), reads.failed)

    def readinto(self, b, *args, **kwargs):
        reads = self._self_reads

        def into(count):
            try:
                view = memoryview(b)
                reads.took(bytes(view[:count]), view.nbytes)
            except Exception:
                _logger.debug("autolog: could not watch a read of the body", exc_info=True)
            return count

        return _then(self._watched("readinto", b, *args, **kwargs), into, reads.failed)

    def iter_chunks(self, *args, **kwargs):
        return self._own("iter_chunks", *args, **kwargs)

    def iter_lines(self, *args, **kwargs):
        return self._own("iter_lines", *args, **kwargs)

    def close(self, *args, **kwargs):
        return self._closing("close", *args, **kwargs)


class _SyncBody(_BodyProxy):
    def __iter__(self):
        return self._own("__iter__")

    def __next__(self):
        return self._own("__next__")

    next = __next__

    def readlines(self, *args, **kwargs):
        """botocore's reads the raw stream: watched as one read of everything."""
        lines = self._watched("readlines", *args, **kwargs)
        try:
            self._self_reads.took(b"".join(lines), None)
        except Exception:
            _logger.debug("autolog: could not watch a read of the body", exc_info=True)
        return lines


class _AsyncBody(_BodyProxy):
    def __aiter__(self):
        return self._own("__aiter__")

    def __anext__(self):
        return self._own("__anext__")

    anext = __anext__

    def readlines(self, *args, **kwargs):
        return self._own("readlines", *args, **kwargs)

    def __aenter__(self):
        return self._own("__aenter__")

    def __aexit__(self, *exc_info):
        return self._own("__aexit__", *exc_info)

    def aclose(self, *args, **kwargs):
        return self._closing("aclose", *args, **kwargs)


def watch_body(result: Any, call) -> Any:
    body = result.get("body") if isinstance(result, dict) else None
    if body is None or not hasattr(body, "read"):
        return None
    length = getattr(body, "_content_length", None) or getattr(body, "_self_content_length", None)
    reads = _BodyReads(call, {k: v for k, v in result.items() if k != "body"}, length)
    proxy = _AsyncBody if inspect.iscoroutinefunction(type(body).read) else _SyncBody
    result["body"] = proxy(body, reads)
    return result
