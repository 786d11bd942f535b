"""Where ``python -m autolog traces`` reads: a SQLite store straight from its file (a fraction of a
second), anything else (a tracking server, another database, an MLflow search filter) through
MLflow's client. Every failure is a ``StoreError`` whose message says what is wrong and what to do."""
from __future__ import annotations

import os
from urllib.parse import unquote, urlparse

from . import sqlite_store
from .records import StoreError, TraceRecord, from_mlflow

_SCHEMES = ("http", "https", "file", "databricks", "postgresql", "mysql", "mssql", "sqlite", "")


def tracking_uri(given: str | None = None) -> str:
    """The tracking URI MLflow would use, found without importing MLflow where that is certain."""
    if given:
        return given
    if configured := os.environ.get("MLFLOW_TRACKING_URI"):
        return configured
    if os.path.isdir("mlruns"):  # MLflow chooses between ./mlruns and ./mlflow.db by what ./mlruns holds
        import mlflow

        return mlflow.get_tracking_uri()
    return "sqlite:///" + os.path.abspath("mlflow.db")


def sqlite_path(uri: str) -> str | None:
    """The file of a ``sqlite:///`` URI (None for an in-memory database or another scheme)."""
    parsed = urlparse(uri)
    if parsed.scheme != "sqlite":
        return None
    path = unquote(uri[len("sqlite:///"):] if uri.startswith("sqlite:///") else parsed.path)
    return path if path and path != ":memory:" else None


def check_store(uri: str) -> None:
    """MLflow would create an empty store for a sqlite path that does not exist; a listing says
    that there is none instead."""
    scheme = urlparse(uri).scheme.split("+")[0]
    if scheme == "sqlite":
        path = sqlite_path(uri)
        if not path or not os.path.exists(path):
            raise StoreError(f"no MLflow store at {path or uri!r} (run `python -m autolog demo` to make one)")
    elif scheme not in _SCHEMES:
        raise StoreError(f"unsupported tracking URI {uri!r}")


def filter_for(session: str | None = None, user: str | None = None, extra: str | None = None) -> str | None:
    """An MLflow search filter for ``--session``, ``--user`` and ``--filter``, joined with AND."""
    clauses = []
    for key, value in (("mlflow.trace.session", session), ("mlflow.trace.user", user)):
        if value is not None:
            clauses.append(f"metadata.`{key}` = '{value.replace(chr(39), chr(39) * 2)}'")
    if extra:
        clauses.append(extra)
    return " AND ".join(clauses) or None


def read_traces(uri: str, experiment: str | None, last: int, session: str | None = None, user: str | None = None,
                filter_string: str | None = None) -> list[TraceRecord]:
    """The ``last`` traces, newest first."""
    check_store(uri)
    path = sqlite_path(uri)
    if path is not None and filter_string is None:
        try:
            return sqlite_store.read(path, uri, experiment, last, session, user)
        except sqlite_store.Unreadable:
            pass  # tables this reader does not know: MLflow knows them
    return _read_through_mlflow(uri, experiment, last, filter_for(session, user, filter_string))


def _read_through_mlflow(uri: str, experiment: str | None, last: int, filter_string: str | None) -> list[TraceRecord]:
    try:
        from mlflow import MlflowClient

        client = MlflowClient(tracking_uri=uri)
        if experiment:
            found = client.get_experiment_by_name(experiment)
            if found is None:
                raise StoreError(f"no experiment named {experiment!r} in {uri}")
            ids = [found.experiment_id]
        else:
            ids = [e.experiment_id for e in client.search_experiments()]
        if not ids:
            return []
        traces = client.search_traces(locations=ids, max_results=last, order_by=["timestamp_ms DESC"],
                                      filter_string=filter_string)
        return [from_mlflow(t) for t in traces]
    except StoreError:
        raise
    except Exception as error:  # a server that does not answer, a database that is not MLflow's
        raise _explained(error, uri) from None


def _explained(error: Exception, uri: str) -> StoreError:
    text = " ".join(str(error).split())
    if "out-of-date database schema" in text:
        return StoreError(f"the MLflow store at {uri} has an out-of-date schema; back it up, then run: "
                          f"mlflow db upgrade {uri}")
    return StoreError(f"could not read traces from {uri}: {type(error).__name__}: {text}")
