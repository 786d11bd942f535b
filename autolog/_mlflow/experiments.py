"""The experiment a new trace belongs to, in MLflow's own order of precedence."""
from __future__ import annotations

import os

import mlflow
from mlflow.tracing import provider as _provider
from mlflow.tracking import fluent as _fluent
# bound here: a caller who patches opentelemetry.trace (to check that their code calls nothing of
# it) does not see the package's look at the current span
from opentelemetry.trace import get_current_span as _otel_current_span

from .compat import SUPPORT

_EXPERIMENT_ENV = ("MLFLOW_EXPERIMENT_ID", "MLFLOW_EXPERIMENT_NAME")
_default_lookup: tuple[tuple, str | None] | None = None


def has_open_trace() -> bool:
    """Whether the caller is inside an MLflow span (``@mlflow.trace``, ``mlflow.start_span``)."""
    if not SUPPORT.experiment_lookup:
        return mlflow.get_current_active_span() is not None
    span = _otel_current_span(context=_provider.get_current_context())  # MLflow's get_current_otel_span
    return span is not None and span.get_span_context().is_valid


class PendingLookup:
    """The env vars / default experiment, not looked up yet: the lookup may ask the store (which
    may be slow or down), so it is made by the export writer, never on the caller's thread."""

    __slots__ = ("key",)

    def __init__(self, key: tuple) -> None:
        self.key = key


def _default_key() -> tuple:
    return (*(os.environ.get(k) for k in _EXPERIMENT_ENV), mlflow.get_tracking_uri())


def _default_experiment() -> "str | PendingLookup | None":
    """MLflow's own last resort (env vars, then the default experiment) looks the experiment up
    again for every trace, through notebook and job detection that costs milliseconds and, with
    MLFLOW_EXPERIMENT_NAME / _ID, a request to the store. Its answer only changes with the env
    vars and the tracking URI, so it is remembered per those."""
    key = _default_key()
    cached = _default_lookup
    if cached is not None and cached[0] == key:
        return cached[1]
    return PendingLookup(key)


def resolve(experiment) -> str | None:
    """An experiment id, looking the default up (and remembering it) where it is pending."""
    global _default_lookup
    if not isinstance(experiment, PendingLookup):
        return experiment
    cached = _default_lookup
    if cached is not None and cached[0] == experiment.key:
        return cached[1]
    experiment_id = _fluent._get_experiment_id()
    _default_lookup = (experiment.key, experiment_id)
    return experiment_id


def active_run():
    """The run MLflow attributes a new trace to (its ``mlflow.sourceRun``), if any."""
    if SUPPORT.experiment_lookup and _fluent._active_run_stack.get_all_thread_values():
        return _fluent._get_latest_active_run()
    return None


def experiment_for_new_trace(run=None) -> "str | PendingLookup | None":
    """The experiment MLflow would pick for a new trace: ``set_destination``, the active run's
    experiment, ``set_experiment``, the env vars, then the default experiment (pending until the
    export writer looks it up). None where the installed MLflow's internals are not as expected:
    MLflow then looks it up itself."""
    if not SUPPORT.experiment_lookup:
        return None
    destination = _provider._MLFLOW_TRACE_USER_DESTINATION.get()
    if destination is not None:
        return getattr(destination, "experiment_id", None)
    if run is not None:
        return run.info.experiment_id
    return _fluent._active_experiment_id or _default_experiment()
