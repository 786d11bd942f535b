"""The parts of MLflow this package uses beyond its public API, each looked up once, with what
to do where the installed MLflow does not have it."""
from __future__ import annotations

import logging
from typing import Any

from mlflow.tracing.constant import TraceMetadataKey

_logger = logging.getLogger("autolog")

SESSION_METADATA = TraceMetadataKey.TRACE_SESSION
USER_METADATA = TraceMetadataKey.TRACE_USER

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

