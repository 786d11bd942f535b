"""Token usage for every chat and legacy completions stream.

OpenAI sends a stream's usage only when asked (``stream_options={"include_usage": True}``), in an
extra last chunk with no choices. When the caller did not ask, the package asks on its behalf and
keeps that chunk out of what the caller iterates, so the caller sees what an untraced call gives.
On by default for OpenAI and Azure OpenAI, which send that chunk only when asked; never by default
for any other server (one may reject ``stream_options``, another send usage unasked), including a
``base_url`` the package cannot identify: there it takes ``stream_usage=True``. Never for
``with_raw_response`` / ``with_streaming_response``, where the caller reads the bytes. Only a
request the package changed has a chunk hidden: a caller who asked, or a server that sends usage
unasked, keeps every chunk."""
from __future__ import annotations

from typing import Any, Mapping

from .._tracing.kinds import RequestChange

_RAW_RESPONSE_HEADER = "x-stainless-raw-response"
_ON_BY_DEFAULT = ("openai", "azure")


def _given(value: Any) -> bool:
    return value is not None and type(value).__name__ not in ("NotGiven", "Omit")


def _reads_bytes(kwargs: Mapping[str, Any]) -> bool:
    headers = kwargs.get("extra_headers")
    return isinstance(headers, Mapping) and any(str(k).lower() == _RAW_RESPONSE_HEADER for k in headers)


def _usage_chunk(chunk: Any) -> bool:
    return not getattr(chunk, "choices", None) and getattr(chunk, "usage", None) is not None


def ask_for_usage(kwargs: Mapping[str, Any], server: str | None, enabled: bool | None) -> RequestChange | None:
    """The request with ``include_usage`` added, and the chunk to hide, or None to send it as is.
    ``server`` is None for a host the package cannot identify."""
    if kwargs.get("stream") is not True or _reads_bytes(kwargs):
        return None
    if not (enabled if enabled is not None else server in _ON_BY_DEFAULT):
        return None
    options = kwargs.get("stream_options")
    if _given(options):
        if not isinstance(options, Mapping) or "include_usage" in options:
            return None  # the caller decided
        options = {**options, "include_usage": True}
    else:
        options = {"include_usage": True}
    return RequestChange(kwargs={**kwargs, "stream_options": options}, hide=_usage_chunk,
                         attributes={"autolog.stream.usage_requested": True})
