"""One call's span: recorded by this package and exported in batches when the call starts a trace
of its own, or an MLflow live span when it joins an open trace (``@mlflow.trace``,
``mlflow.start_span``) or when MLflow routes traces where the package does not write itself.
Both have the same small interface; ``start`` never raises, and the caller guards the ends."""
from __future__ import annotations

import importlib
import logging
import sys
from typing import Any, Mapping

import mlflow
from mlflow.entities import SpanEvent, SpanStatus, SpanStatusCode
from mlflow.entities.span import NO_OP_SPAN_TRACE_ID

from . import attachments as _attachments
from .._mlflow import compat as _compat
from .._mlflow import destination as _destination
from .._mlflow import experiments as _experiments
from .records import CURRENT as CURRENT_RECORDED, RecordedSpan

_logger = logging.getLogger("autolog")

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


class MlflowSpan:
    """An MLflow live span, exported by MLflow with the rest of its trace."""

    __slots__ = ("span", "root", "token")

    def __init__(self, span, root: bool) -> None:
        self.span = span
        self.root = root
        self.token = None  # set while the span is MLflow's current span

    def make_current(self) -> None:
        """Spans started while the call runs (the SDK's requests, the user's functions and their
        own @mlflow.trace spans) become its children."""
        try:
            from mlflow.tracing.provider import set_span_in_context

            self.token = set_span_in_context(self.span)
        except Exception:
            _logger.debug("autolog: could not make the span current", exc_info=True)

    def _release(self) -> None:
        token, self.token = self.token, None
        if token is not None:
            try:
                from mlflow.tracing.provider import detach_span_from_context

                detach_span_from_context(token)
            except Exception:
                _logger.debug("autolog: could not release the current span", exc_info=True)

    def set_previews(self, request: str | None, response: str | None) -> None:
        """Only for a trace the package started: a trace it joins keeps the previews MLflow and
        the trace's owner give it."""
        if not self.root:
            return
        try:
            from mlflow.tracing.trace_manager import InMemoryTraceManager

            with InMemoryTraceManager.get_instance().get_trace(self.span.trace_id) as trace:
                if trace is not None:
                    trace.info.request_preview = request
                    trace.info.response_preview = response
        except Exception:
            _logger.debug("autolog: could not set the trace's previews", exc_info=True)

    def end_ok(self, outputs: Any = None, attributes: Mapping[str, Any] | None = None, end_ns: int | None = None) -> None:
        self._release()
        self.span.end(outputs=_attachments.for_mlflow_span(outputs), attributes=dict(attributes) if attributes else None, status="OK",
                      end_time_ns=end_ns)

    def end_error(self, error: BaseException, outputs: Any = None, attributes: Mapping[str, Any] | None = None) -> None:
        self._release()
        span = self.span
        try:
            span.add_event(SpanEvent.from_exception(error))
        except Exception:  # a BaseException that is not an Exception (KeyboardInterrupt, ...)
            span.add_event(SpanEvent("exception", attributes={
                "exception.type": type(error).__name__, "exception.message": str(error)}))
        span.set_status(SpanStatus(SpanStatusCode.ERROR, description=f"{type(error).__name__}: {error}"))
        span.end(outputs=_attachments.for_mlflow_span(outputs), attributes=dict(attributes) if attributes else None)


def _start_mlflow_span(name, span_type, inputs, attributes, metadata, tags, experiment_id, root) -> MlflowSpan | None:
    extra = {"metadata": metadata or None} if _compat.SUPPORT.span_metadata else {}
    span = mlflow.start_span_no_context(
        name, span_type=span_type, inputs=_attachments.for_mlflow_span(inputs), attributes=dict(attributes),
        tags=tags or None, experiment_id=experiment_id, **extra,
    )
    if not span.trace_id or span.trace_id == NO_OP_SPAN_TRACE_ID:
        return None
    if metadata and not extra:
        _add_trace_metadata(span.trace_id, metadata)
    return MlflowSpan(span, root)


def _add_trace_metadata(trace_id: str, metadata: Mapping[str, str]) -> None:
    """For an MLflow whose start_span_no_context takes no metadata."""
    try:
        from mlflow.tracing.trace_manager import InMemoryTraceManager

        with InMemoryTraceManager.get_instance().get_trace(trace_id) as trace:
            if trace is not None:
                trace.info.trace_metadata.update(metadata)
    except Exception:
        _logger.debug("autolog: could not add the trace's metadata", exc_info=True)


def start(
    name: str,
    span_type: str,
    inputs: Any,
    attributes: Mapping[str, Any],
    metadata: Mapping[str, str] | None = None,
    tags: Mapping[str, str] | None = None,
    current: bool = False,
):
    """Starts the span of a call; None if tracing is off or the span could not be started.

    ``current``: the call runs other traced calls, which become its span's children while it runs."""
    try:
        span = _start(name, span_type, inputs, attributes, metadata, tags)
        if current and span is not None:
            span.make_current()
        return span
    except Exception:
        _logger.debug("autolog: could not start a span", exc_info=True)
        return None


def _start(name, span_type, inputs, attributes, metadata, tags):
    if _experiments.has_open_trace():
        return _start_mlflow_span(name, span_type, inputs, attributes, None, None, None, root=False)
    if not _destination.tracing_enabled():
        return None
    parent = CURRENT_RECORDED.get()
    if parent is not None and (child := parent.child(name, span_type, inputs, attributes)) is not None:
        return child
    configured_metadata, configured_tags = _compat.configured_trace_context()
    metadata = {**configured_metadata, **(metadata or {})}
    tags = {**configured_tags, **(tags or {})}
    try:
        run = _experiments.active_run()
        experiment_id = _experiments.experiment_for_new_trace(run)
    except Exception:  # MLflow internals moved: MLflow resolves the experiment itself
        _logger.debug("autolog: experiment lookup failed", exc_info=True)
        run = experiment_id = None
    uri = _destination.own_export_uri()
    if uri is None or experiment_id is None:
        if isinstance(experiment_id, _experiments.PendingLookup):
            experiment_id = None  # MLflow looks it up itself, as it always does
        return _start_mlflow_span(name, span_type, inputs, attributes, metadata, tags, experiment_id, root=True)
    return RecordedSpan(
        name, span_type, inputs, attributes, tracking_uri=uri, experiment_id=experiment_id,
        run_id=run.info.run_id if run is not None else None, metadata=metadata, tags=tags,
    )
