"""The parts of MLflow this package uses beyond its public API, each looked up once, with what
to do where the installed MLflow does not have it.

``check()`` runs once, at the first ``autolog()``: where something is missing (an MLflow older
than the package supports, or an internal that moved in a newer release), it says so once, in a
warning that names the MLflow version, and the package falls back to what still works:
MLflow's own span API and exporter instead of the batched export, MLflow's own experiment
lookup instead of the cached one."""
from __future__ import annotations

import importlib
import inspect
import logging
from typing import Any, Callable

from mlflow.tracing.constant import TraceMetadataKey

_logger = logging.getLogger("autolog")

SESSION_METADATA = TraceMetadataKey.TRACE_SESSION
USER_METADATA = TraceMetadataKey.TRACE_USER

try:
    from mlflow.tracing.utils import TraceJSONEncoder, dump_span_attribute_value

    _ENCODER = TraceJSONEncoder(ensure_ascii=False)
except ImportError:  # an MLflow older than the package supports: the batched export is off there
    import json

    _ENCODER = json.JSONEncoder(default=str, ensure_ascii=False)

    def dump_span_attribute_value(value: Any) -> str:
        return json.dumps(value, default=str, ensure_ascii=False)


def span_json(value: Any) -> str:
    """A span attribute's value as MLflow stores it (``dump_span_attribute_value``), with one
    encoder made once instead of one per value."""
    try:
        return _ENCODER.encode(value)
    except (ValueError, TypeError):
        return dump_span_attribute_value(value)

try:
    from mlflow.tracing.constant import TRACE_SCHEMA_VERSION, TRACE_SCHEMA_VERSION_KEY

    SCHEMA_VERSION_KEY, SCHEMA_VERSION = TRACE_SCHEMA_VERSION_KEY, str(TRACE_SCHEMA_VERSION)
except ImportError:  # pragma: no cover - every supported MLflow has them
    SCHEMA_VERSION_KEY, SCHEMA_VERSION = "mlflow.trace_schema.version", "3"


def set_last_active_trace_id(trace_id: str) -> None:
    """``mlflow.get_last_active_trace_id()`` answers with the trace this package just ended."""
    try:
        from mlflow.tracing.fluent import _set_last_active_trace_id

        _set_last_active_trace_id(trace_id)
    except Exception:
        _logger.debug("autolog: could not set MLflow's last active trace", exc_info=True)


_environment: dict[str, str] | None = None


def environment_metadata() -> dict[str, str]:
    """Source file, git commit, user: resolved once per process, as MLflow does."""
    global _environment
    if _environment is None:
        try:
            from mlflow.tracing.utils.environment import resolve_env_metadata

            _environment = dict(resolve_env_metadata())
        except Exception:
            _logger.debug("autolog: could not resolve the environment metadata", exc_info=True)
            _environment = {}
    return _environment


def configured_trace_context() -> tuple[dict[str, str], dict[str, str]]:
    """Metadata and tags set with MLflow's own ``mlflow.tracing.context(...)``, where it has one."""
    try:
        from mlflow.tracing.context import get_configured_trace_metadata, get_configured_trace_tags
    except ImportError:
        return {}, {}
    return dict(get_configured_trace_metadata() or {}), dict(get_configured_trace_tags() or {})


def _log_level_reader():
    try:
        from mlflow.entities.span_log_level import SpanLogLevel
        from mlflow.tracing.constant import SpanAttributeKey
        from mlflow.tracing.utils.default_log_level import default_log_level_for_span_type

        key = SpanAttributeKey.LOG_LEVEL
    except (ImportError, AttributeError):
        return None

    def read(span_type: str, failed: bool) -> tuple[str, str]:
        level = SpanLogLevel.ERROR if failed else default_log_level_for_span_type(span_type)
        return key, str(int(level))

    return read


_read_log_level = _log_level_reader()


def log_level(span_type: str, failed: bool) -> tuple[str, str] | None:
    """The span's severity (MLflow 3.17+ stores one on every span)."""
    return _read_log_level(span_type, failed) if _read_log_level is not None else None


def sql_trace_tables() -> tuple[Any, Any, Any] | None:
    """MLflow's trace_info, trace_tags and trace_request_metadata tables, or None where they do
    not have the columns this package writes."""
    try:
        from mlflow.store.tracking.dbmodels.models import SqlTraceInfo, SqlTraceMetadata, SqlTraceTag
    except ImportError:
        return None
    expected = (
        (SqlTraceInfo, ("request_id", "experiment_id", "timestamp_ms", "execution_time_ms", "status",
                        "client_request_id", "request_preview", "response_preview")),
        (SqlTraceTag, ("request_id", "key", "value")),
        (SqlTraceMetadata, ("request_id", "key", "value")),
    )
    tables = []
    for model, columns in expected:
        table = getattr(model, "__table__", None)
        if table is None or not all(c in table.c for c in columns):
            return None
        tables.append(table)
    return tuple(tables)


def write_session(store):
    """A read-write session of MLflow's SQL store (MLflow 3.17 makes sessions read-only unless asked)."""
    maker = store.ManagedSessionMaker
    try:
        return maker(read_only=False)
    except TypeError:  # an MLflow whose sessions are all read-write
        return maker()



OLDEST_FOR_BATCHES = (3, 12)  # log_spans writes the spans of many traces in one session since 3.12

# What each shortcut needs: (what, a check that is true when it is there). The SQL store itself is
# checked when the writer first opens it (importing it here would cost ~1 s at start-up).
_BATCHED_EXPORT: list[tuple[str, Callable[[], bool]]] = []
_EXPERIMENT_LOOKUP: list[tuple[str, Callable[[], bool]]] = []


def _has(module: str, *names: str) -> Callable[[], bool]:
    def check() -> bool:
        found = importlib.import_module(module)
        for name in names:
            found = getattr(found, name)
        return True

    return check


def _version_at_least(minimum: tuple[int, int]) -> Callable[[], bool]:
    def check() -> bool:
        import mlflow

        parts = mlflow.__version__.split(".")
        return (int(parts[0]), int(parts[1])) >= minimum

    return check


def _accepts(module: str, function: str, *parameters: str) -> Callable[[], bool]:
    def check() -> bool:
        found = inspect.signature(getattr(importlib.import_module(module), function)).parameters
        return all(p in found for p in parameters)

    return check


_BATCHED_EXPORT += [
    ("MLflow >= 3.12 (log_spans for many traces at once)", _version_at_least(OLDEST_FOR_BATCHES)),
    ("mlflow.tracing.utils.dump_span_attribute_value", _has("mlflow.tracing.utils", "dump_span_attribute_value")),
    ("mlflow.entities.span.Span.to_otel_proto", _has("mlflow.entities.span", "Span", "to_otel_proto")),
    ("mlflow.tracing.provider.is_tracing_enabled", _has("mlflow.tracing.provider", "is_tracing_enabled")),
    ("mlflow.tracing.utils.otlp.OTLP_TRACES_PATH", _has("mlflow.tracing.utils.otlp", "OTLP_TRACES_PATH")),
    ("mlflow.tracking._tracking_service.utils._get_store",
     _has("mlflow.tracking._tracking_service.utils", "_get_store")),
    ("mlflow.utils.rest_utils.http_request(max_retries, timeout, raise_on_status)",
     _accepts("mlflow.utils.rest_utils", "http_request", "max_retries", "timeout", "raise_on_status")),
]
_EXPERIMENT_LOOKUP += [
    ("mlflow.tracing.provider.get_current_context", _has("mlflow.tracing.provider", "get_current_context")),
    ("mlflow.tracing.provider._MLFLOW_TRACE_USER_DESTINATION",
     _has("mlflow.tracing.provider", "_MLFLOW_TRACE_USER_DESTINATION", "get")),
    ("mlflow.tracking.fluent._active_run_stack", _has("mlflow.tracking.fluent", "_active_run_stack")),
    ("mlflow.tracking.fluent._get_latest_active_run", _has("mlflow.tracking.fluent", "_get_latest_active_run")),
    ("mlflow.tracking.fluent._get_experiment_id", _has("mlflow.tracking.fluent", "_get_experiment_id")),
    ("mlflow.tracking.fluent._active_experiment_id", _has("mlflow.tracking.fluent", "_active_experiment_id")),
]


def _missing(checks: list[tuple[str, Callable[[], bool]]]) -> list[str]:
    missing = []
    for what, check in checks:
        try:
            if not check():
                missing.append(what)
        except Exception:
            missing.append(what)
    return missing


class Support:
    """What the installed MLflow lets the package do; decided by ``check()``."""

    batched_export = True
    experiment_lookup = True
    span_metadata = True  # start_span_no_context(metadata=...)
    checked = False


SUPPORT = Support()


def check() -> None:
    if SUPPORT.checked:
        return
    SUPPORT.checked = True
    import mlflow

    export_missing = _missing(_BATCHED_EXPORT)
    lookup_missing = _missing(_EXPERIMENT_LOOKUP)
    SUPPORT.batched_export = not export_missing and not lookup_missing
    SUPPORT.experiment_lookup = not lookup_missing
    SUPPORT.span_metadata = not _missing([("metadata", _accepts("mlflow", "start_span_no_context", "metadata"))])
    missing = export_missing + lookup_missing
    if missing:
        _logger.warning(
            "autolog: MLflow %s does not have what this package's batched export builds on (%s). Traces are "
            "recorded through MLflow's own span API and exporter instead: slower, and MLflow's exporter drops "
            "traces under load. Install an MLflow the package supports: pip install 'mlflow-skinny>=%d.%d'.",
            mlflow.__version__, "; ".join(missing), *OLDEST_FOR_BATCHES,
        )
