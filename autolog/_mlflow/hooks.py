"""MLflow's own flush and read APIs made to see this package's export queue: code written for
MLflow's asynchronous trace logging reads back every trace, and a trace read right after its call
(``mlflow.get_trace(mlflow.get_last_active_trace_id())``) is found."""
from __future__ import annotations

import logging

import wrapt

from .._export.exporter import EXPORTER

_logger = logging.getLogger("autolog")

FLUSH_BOUND = 30.0  # seconds MLflow's flush waits for this package's queue
READ_BOUND = 5.0  # seconds a read waits for the traces queued before it

_hooked = False


def _flushing(timeout: float, only_when_healthy: bool):
    def wrapper(wrapped, instance, args, kwargs):
        try:
            if not (only_when_healthy and not EXPORTER.healthy):
                EXPORTER.flush(timeout)
        except Exception:
            _logger.debug("autolog: could not flush before MLflow's call", exc_info=True)
        return wrapped(*args, **kwargs)

    return wrapper


def _wrap(module: str, name: str, wrapper) -> None:
    try:
        wrapt.wrap_function_wrapper(module, name, wrapper)
    except Exception:
        _logger.debug("autolog: could not hook %s.%s", module, name, exc_info=True)


def install() -> None:
    global _hooked
    if _hooked:
        return
    _hooked = True
    flush_all = _flushing(FLUSH_BOUND, only_when_healthy=True)  # a store that is down never hangs it
    _wrap("mlflow.tracking.fluent", "flush_trace_async_logging", flush_all)
    try:
        import mlflow
        from mlflow.tracking import fluent

        mlflow.flush_trace_async_logging = fluent.flush_trace_async_logging
    except Exception:
        _logger.debug("autolog: could not hook mlflow.flush_trace_async_logging", exc_info=True)
    _wrap("mlflow.tracing.fluent", "_flush_pending_async_trace_writes", flush_all)
    for method in ("get_trace", "search_traces"):
        _wrap("mlflow.tracing.client", f"TracingClient.{method}", _flushing(READ_BOUND, only_when_healthy=True))
