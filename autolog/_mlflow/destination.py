"""Whether a new trace goes through this package's batched export or through MLflow's exporter.

The package exports the traces it starts itself when they go to an MLflow store it can write in
batches: a SQL database (the default ``sqlite:///mlflow.db``, PostgreSQL, MySQL, SQL Server) or
a tracking server over HTTP. Everything MLflow routes elsewhere (Databricks, a destination set
with ``mlflow.tracing.set_destination``, an OpenTelemetry collector, span processors set with
``mlflow.tracing.configure``, sampling) stays with MLflow's own exporter."""
from __future__ import annotations

import logging
import os

import mlflow
from mlflow.tracing import provider as _provider

from .compat import SUPPORT

_logger = logging.getLogger("autolog")

SQL_SCHEMES = frozenset({"sqlite", "postgresql", "mysql", "mssql"})
HTTP_SCHEMES = frozenset({"http", "https"})

# Environment read by MLflow that makes it export somewhere else or differently
_ROUTING_ENV = (
    "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT",
    "OTEL_EXPORTER_OTLP_ENDPOINT",
    "MLFLOW_ENABLE_OTLP_EXPORTER",
    "MLFLOW_TRACING_DESTINATION",
    "MLFLOW_TRACE_SAMPLING_RATIO",
    "IS_IN_DB_MODEL_SERVING_ENV",
)
_env_decision: tuple[tuple, bool] | None = None
_scheme_cache: dict[str, str] = {}

def scheme(uri: str) -> str:
    found = _scheme_cache.get(uri)
    if found is None:
        found = uri.split(":", 1)[0].split("+", 1)[0].lower() if ":" in uri else "file"
        _scheme_cache[uri] = found
    return found


def _decide_for_environment(env: dict[str, str | None]) -> bool:
    from mlflow.tracing.utils.otlp import should_use_otlp_exporter

    ratio = env["MLFLOW_TRACE_SAMPLING_RATIO"]
    return not (
        should_use_otlp_exporter()
        or env["MLFLOW_TRACING_DESTINATION"]
        or env["IS_IN_DB_MODEL_SERVING_ENV"]
        or (ratio is not None and float(ratio) < 1.0)
    )


def _environment_allows() -> bool:
    """Decided again only when one of the variables changes."""
    global _env_decision
    key = tuple(os.environ.get(k) for k in _ROUTING_ENV)
    cached = _env_decision
    if cached is not None and cached[0] == key:
        return cached[1]
    try:
        allows = _decide_for_environment(dict(zip(_ROUTING_ENV, key)))
    except Exception:
        _logger.debug("autolog: could not read MLflow's export settings", exc_info=True)
        allows = False
    _env_decision = (key, allows)
    return allows


def _span_processors_configured() -> bool:
    try:
        from mlflow.tracing.config import get_config

        return bool(get_config().span_processors)
    except ImportError:
        return False


def own_export_uri() -> str | None:
    """The tracking URI this package exports a new trace to itself, or None for MLflow's exporter."""
    if not SUPPORT.batched_export:
        return None
    uri = mlflow.get_tracking_uri()
    kind = scheme(uri)
    if kind not in SQL_SCHEMES and kind not in HTTP_SCHEMES:
        return None
    if _provider._MLFLOW_TRACE_USER_DESTINATION.get() is not None:
        return None
    if not _environment_allows() or _span_processors_configured():
        return None
    return uri


def tracing_enabled() -> bool:
    """``mlflow.tracing.disable()`` switches this package's own traces off too."""
    return _provider.is_tracing_enabled()
