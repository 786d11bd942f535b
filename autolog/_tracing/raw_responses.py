"""``with_raw_response`` and ``with_streaming_response``: the caller gets the SDK's raw response
object; the span records what that response parses into."""
from __future__ import annotations

import inspect
import logging
import time
import weakref
from typing import Any

import wrapt

from . import streams as _streams

_logger = logging.getLogger("autolog")


def _is_stream(response: Any) -> bool:
    flag = getattr(response, "_is_sse_stream", None)  # APIResponse
    return bool(getattr(response, "_stream", False) if flag is None else flag)  # LegacyAPIResponse


def _body_read(response: Any) -> bool:
    """A non-streamed body already read: parse() makes the response object without more I/O."""
    return not _is_stream(response) and hasattr(response.http_response, "_content")


def read_response(response: Any, call) -> Any:
    """``with_raw_response``: the body is already read, so it is parsed now (the SDK caches the
    parsed object, and the caller's own ``parse()`` returns that same object)."""
    if _is_stream(response):
        return OpenResponseProxy(response, call)
    try:
        parsed = response.parse()
    except Exception:  # the caller's own parse() will raise it; the call itself succeeded
        _logger.debug("autolog: could not parse a raw response", exc_info=True)
        parsed = None
    call.finish(parsed)
    return response


def _end_unparsed(call, response: Any, streams: list, returned_ns: int) -> None:
    """The caller dropped the response without ``parse()``: record its body if it was read.
    A stream handed out by ``parse()`` ends the span itself."""
    if call.ended or streams:
        return
    parsed = None
    try:
        if _body_read(response) and not inspect.iscoroutinefunction(response.parse):
            parsed = response.parse()
    except Exception:
        _logger.debug("autolog: could not parse a dropped response", exc_info=True)
    call.finish(parsed, end_ns=returned_ns)


class OpenResponseProxy(wrapt.ObjectProxy):
    """A raw response whose body is read on demand; ``parse()`` gives the object the span records,
    or the stream to watch."""

    def __init__(self, response: Any, call) -> None:
        super().__init__(response)
        self._self_call = call
        self._self_streams: list = []  # the proxy handed out by parse(), if the body is a stream
        # the span of a non-streamed call ends when the call returned, whenever it is parsed
        self._self_returned_ns = returned_ns = time.time_ns()
        weakref.finalize(self, _end_unparsed, call, response, self._self_streams, returned_ns)

    def parse(self, *args, **kwargs):
        parsed = self.__wrapped__.parse(*args, **kwargs)
        if inspect.isawaitable(parsed):
            return self._parsed_later(parsed)
        return self._parsed(parsed)

    async def _parsed_later(self, pending):
        return self._parsed(await pending)

    def _parsed(self, parsed: Any) -> Any:
        call = self._self_call
        try:
            provider = call.kind.provider
            if isinstance(parsed, provider.stream_types + provider.async_stream_types):
                streams = self._self_streams
                if not streams or streams[-1].__wrapped__ is not parsed:
                    streams.append(_streams.proxy_for(parsed, call))
                return streams[-1]
            call.finish(parsed, end_ns=self._self_returned_ns)
        except Exception:
            _logger.debug("autolog: could not record a parsed response", exc_info=True)
        return parsed

    def close(self, *args, **kwargs):
        closing = self.__wrapped__.close(*args, **kwargs)
        if inspect.isawaitable(closing):
            return self._closed_later(closing)
        parsed = None
        if self._unparsed_body():
            try:
                parsed = self.__wrapped__.parse()
            except Exception:
                _logger.debug("autolog: could not parse a closed response", exc_info=True)
        self._closed(parsed)
        return closing

    async def _closed_later(self, pending):
        try:
            return await pending
        finally:
            parsed = None
            if self._unparsed_body():
                try:
                    parsed = await self.__wrapped__.parse()
                except Exception:
                    _logger.debug("autolog: could not parse a closed response", exc_info=True)
            self._closed(parsed)

    def _unparsed_body(self) -> bool:
        return not self._self_call.ended and not self._self_streams and _body_read(self.__wrapped__)

    def _closed(self, parsed: Any) -> None:
        """The caller closed the response (or left its ``with`` block)."""
        if self._self_streams:
            self._self_streams[-1]._self_state.closed()
        else:
            self._self_call.finish(parsed, end_ns=self._self_returned_ns)
