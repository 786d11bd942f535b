"""Telling a store that could not be reached (worth retrying) from one that refused the data or
the credentials."""
from __future__ import annotations


class HttpStatusError(Exception):
    """The tracking server answered a batch with a non-2xx status."""

    def __init__(self, status: int, text: str) -> None:
        super().__init__(f"HTTP {status}: {text[:300]}")
        self.status = status


_NETWORK_ERRORS = frozenset({
    "ConnectionError", "ConnectTimeout", "ReadTimeout", "Timeout", "ProtocolError", "NewConnectionError",
    "MaxRetryError",
})


def transient(error: BaseException) -> bool:
    """Worth retrying: the store could not be reached or was busy, rather than rejecting data."""
    seen = 0
    while error is not None and seen < 10:
        seen += 1
        if isinstance(error, HttpStatusError):
            return error.status in (408, 429) or error.status >= 500
        if isinstance(error, (ConnectionError, TimeoutError)):
            return True
        module = type(error).__module__ or ""
        name = type(error).__name__
        if module.startswith(("requests", "urllib3")) and name in _NETWORK_ERRORS:
            return True
        if module.startswith("sqlalchemy") and name in ("OperationalError", "DisconnectionError", "TimeoutError"):
            return True
        if module == "sqlite3" and name == "OperationalError":  # locked, busy, disk I/O: the sink's own connection
            return True
        code = getattr(error, "error_code", None)
        if code in ("TEMPORARILY_UNAVAILABLE", "RESOURCE_EXHAUSTED"):
            return True
        status = http_status(error)
        if status is not None and type(error).__name__ == "RestException" and (status in (408, 429) or status >= 500):
            return True
        error = error.__cause__ or error.__context__
    return False


def contended(error: BaseException) -> bool:
    """A sqlite file another process is writing to at this moment ("database is locked"): the
    store works, it is this write's turn that has not come."""
    seen = 0
    while error is not None and seen < 10:
        seen += 1
        if "database is locked" in str(error):
            return True
        error = error.__cause__ or error.__context__
    return False


def http_status(error: BaseException) -> int | None:
    if isinstance(error, HttpStatusError):
        return error.status
    read = getattr(error, "get_http_status_code", None)
    if callable(read):
        try:
            status = read()
            return status if isinstance(status, int) else None
        except Exception:
            return None
    return None


def auth_failure(error: BaseException) -> bool:
    if isinstance(error, HttpStatusError):
        return error.status in (401, 403)
    return getattr(error, "error_code", None) in ("UNAUTHENTICATED", "PERMISSION_DENIED") or (
        http_status(error) in (401, 403) and type(error).__name__ == "RestException"
    )
