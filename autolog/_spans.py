"""One span's life on MLflow: start it, end it OK or with an error. Nothing here raises."""
from __future__ import annotations

import importlib
import logging
import os
import sys
from typing import Any, Mapping

import mlflow
from mlflow.entities import SpanEvent, SpanStatus, SpanStatusCode
from mlflow.entities.span import NO_OP_SPAN_TRACE_ID
from mlflow.tracing import provider as _provider
from mlflow.tracking import fluent as _fluent

_logger = logging.getLogger("autolog")

_EXPERIMENT_ENV = ("MLFLOW_EXPERIMENT_ID", "MLFLOW_EXPERIMENT_NAME")
_default_experiment: tuple[tuple, str | None] | None = None


# Modules MLflow tries to import on every span start and end, and that cannot import in an
# mlflow-skinny install (mlflow.pyfunc needs numpy). Python does not remember a failed import:
# each attempt re-runs mlflow.pyfunc's __init__ up to the failure, ~0.6 ms, several per trace.
_MLFLOW_OPTIONAL = ("mlflow.pyfunc.context",)


def remember_failed_imports() -> None:
    """Marks MLflow's optional modules that cannot be imported here as absent (None in
    sys.modules), so that MLflow's own try/except ImportError around them fails at once."""
    for name in _MLFLOW_OPTIONAL:
        if name in sys.modules:
            continue
        try:
            importlib.import_module(name)
        except ImportError:
            sys.modules[name] = None  # type: ignore[assignment]
        except Exception:
            _logger.debug("autolog: importing %s failed", name, exc_info=True)


def _has_parent_span() -> bool:
    span = _provider.get_current_otel_span()
    return span is not None and span.get_span_context().is_valid


def _default_experiment_id() -> str | None:
    """MLflow's own last resort (env vars, then the default experiment) looks the experiment up
    again for every trace, through notebook and job detection that costs milliseconds. Its answer
    only changes with the env vars and the tracking URI, so it is remembered per those."""
    global _default_experiment
    key = (*(os.environ.get(k) for k in _EXPERIMENT_ENV), mlflow.get_tracking_uri())
    cached = _default_experiment
    if cached is not None and cached[0] == key:
        return cached[1]
    experiment_id = _fluent._get_experiment_id()
    _default_experiment = (key, experiment_id)
    return experiment_id


def experiment_for_new_trace() -> str | None:
    """The experiment MLflow would pick for a new trace, in MLflow's order of precedence;
    None when the span joins an open trace or MLflow's own lookup is already cheap."""
    if _has_parent_span():
        return None
    destination = _provider._MLFLOW_TRACE_USER_DESTINATION.get()
    if destination is not None:
        return getattr(destination, "experiment_id", None)
    if _fluent._active_run_stack.get_all_thread_values():
        run = _fluent._get_latest_active_run()
        if run is not None:
            return run.info.experiment_id
    return _fluent._active_experiment_id or _default_experiment_id()


def start(
    name: str,
    span_type: str,
    inputs: Any,
    attributes: Mapping[str, Any],
    metadata: Mapping[str, str] | None = None,
    tags: Mapping[str, str] | None = None,
):
    """Starts a span (a child of the active span, if any); None if MLflow could not."""
    try:
        try:
            experiment_id = experiment_for_new_trace()
        except Exception:  # private MLflow API moved: let MLflow resolve it itself
            _logger.debug("autolog: experiment lookup failed", exc_info=True)
            experiment_id = None
        span = mlflow.start_span_no_context(
            name,
            span_type=span_type,
            inputs=inputs,
            attributes=dict(attributes),
            metadata=metadata or None,
            tags=tags or None,
            experiment_id=experiment_id,
        )
        if not span.trace_id or span.trace_id == NO_OP_SPAN_TRACE_ID:
            return None
        return span
    except Exception:
        _logger.debug("autolog: could not start a span", exc_info=True)
        return None


def end_ok(span, outputs: Any = None, attributes: Mapping[str, Any] | None = None, end_ns: int | None = None) -> None:
    try:
        span.end(outputs=outputs, attributes=dict(attributes) if attributes else None, status="OK", end_time_ns=end_ns)
    except Exception:
        _logger.debug("autolog: could not end a span", exc_info=True)


def end_error(
    span, error: BaseException, outputs: Any = None, attributes: Mapping[str, Any] | None = None
) -> None:
    try:
        try:
            span.add_event(SpanEvent.from_exception(error))
        except Exception:  # a BaseException that is not an Exception (KeyboardInterrupt, ...)
            span.add_event(
                SpanEvent(
                    "exception",
                    attributes={"exception.type": type(error).__name__, "exception.message": str(error)},
                )
            )
        span.set_status(SpanStatus(SpanStatusCode.ERROR, description=f"{type(error).__name__}: {error}"))
        span.end(outputs=outputs, attributes=dict(attributes) if attributes else None)
    except Exception:
        _logger.debug("autolog: could not end a span", exc_info=True)
