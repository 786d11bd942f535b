"""Recent traces read straight from a SQLite MLflow store, read-only, without importing MLflow
(which takes seconds): the tables MLflow writes, as the installed MLflow writes them.

A store whose schema is not the one the installed MLflow expects is refused, as MLflow refuses it,
with what to do; any other surprise in the tables raises ``Unreadable``, and the caller reads the
store through MLflow instead."""
from __future__ import annotations

import importlib.util
import json
import os
import re
import sqlite3
from pathlib import Path
from typing import Any, Iterable

from .records import StoreError, TraceRecord, span_from_dict

_SESSION, _USER, _COST, _TOKENS = "mlflow.trace.session", "mlflow.trace.user", "mlflow.trace.cost", "mlflow.trace.tokenUsage"
# trace_info columns newer MLflow releases fill in place of these metadata keys
_COST_COLUMNS = ("input_cost", "output_cost", "total_cost")
_TOKEN_COLUMNS = ("input_tokens", "output_tokens", "total_tokens", "cache_read_input_tokens",
                  "cache_creation_input_tokens")


class Unreadable(Exception):
    """Tables this reader does not know: MLflow's client reads the store instead."""


def migrations() -> tuple[set[str], str | None]:
    """The schema revisions the installed MLflow knows, and the one it expects (the head of its
    migration scripts), read as text: importing MLflow, or Alembic, would cost the time saved."""
    spec = importlib.util.find_spec("mlflow")
    if spec is None or not spec.submodule_search_locations:
        return set(), None
    versions = Path(list(spec.submodule_search_locations)[0]) / "store" / "db_migrations" / "versions"
    revisions, parents = set(), set()
    for script in versions.glob("*.py"):
        with open(script, encoding="utf-8", errors="replace") as file:
            text = file.read(4096)  # the revision identifiers head every script
        if found := re.search(r"^revision\s*=\s*['\"](\w+)['\"]", text, re.M):
            revisions.add(found.group(1))
        if down := re.search(r"^down_revision\s*=\s*(.+)$", text, re.M):
            parents.update(re.findall(r"['\"](\w+)['\"]", down.group(1)))
    heads = revisions - parents
    return revisions, (heads.pop() if len(heads) == 1 else None)


def _open(path: str) -> sqlite3.Connection:
    try:
        return sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=2)
    except sqlite3.Error as error:
        raise StoreError(f"cannot open the MLflow store at {path}: {error}") from None


def _problem(error: sqlite3.Error, path: str) -> StoreError:
    text = str(error)
    if "not a database" in text:
        return StoreError(f"{path} is not an MLflow store (not a SQLite database); point --tracking-uri at the store")
    if "locked" in text:
        return StoreError(f"the MLflow store at {path} is locked by another process; try again once it is done")
    if "malformed" in text or "corrupt" in text:
        return StoreError(f"the MLflow store at {path} is damaged ({text}); restore it from a backup or start a new "
                          f"one (move it aside and run your program again)")
    return StoreError(f"cannot read the MLflow store at {path}: {text}")


def _check_schema(db: sqlite3.Connection, path: str, uri: str) -> None:
    tables = {row[0] for row in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    if "alembic_version" not in tables or "trace_info" not in tables:
        raise StoreError(f"{path} is a SQLite database but not an MLflow store; point --tracking-uri at the store")
    found = db.execute("SELECT version_num FROM alembic_version").fetchone()
    found = found[0] if found else None
    known, expected = migrations()
    if expected is None or found == expected:
        return
    if found in known:
        raise StoreError(f"the MLflow store at {path} has an out-of-date schema (version {found}, this MLflow "
                         f"expects {expected}); back it up, then run: mlflow db upgrade {uri}")
    raise StoreError(f"the MLflow store at {path} was written by a newer MLflow (schema version {found}); "
                     f"upgrade MLflow: pip install -U mlflow-skinny")


def _columns(db: sqlite3.Connection, table: str) -> set[str]:
    return {row[1] for row in db.execute(f"PRAGMA table_info({table})")}


def _marks(values: Iterable[Any]) -> str:
    return ",".join("?" for _ in values)


def _experiment_ids(db: sqlite3.Connection, experiment: str | None, uri: str) -> list[int]:
    if experiment is None:
        return [row[0] for row in db.execute("SELECT experiment_id FROM experiments WHERE lifecycle_stage = 'active'")]
    ids = [row[0] for row in db.execute(
        "SELECT experiment_id FROM experiments WHERE name = ? AND lifecycle_stage = 'active'", (experiment,))]
    if not ids:
        raise StoreError(f"no experiment named {experiment!r} in {uri}")
    return ids


def _metadata(db: sqlite3.Connection, ids: list[str], rows: dict[str, sqlite3.Row], columns: set[str]) -> dict:
    metadata: dict[str, dict[str, str]] = {i: {} for i in ids}
    for request_id, key, value in db.execute(
            f"SELECT request_id, key, value FROM trace_request_metadata WHERE request_id IN ({_marks(ids)})", ids):
        metadata[request_id][key] = value
    for request_id, row in rows.items():  # what newer MLflow keeps in columns, as MLflow's client shows it
        found = metadata[request_id]
        if "session_id" in columns and row["session_id"] is not None:
            found[_SESSION] = row["session_id"]
        cost = {c: row[c] for c in _COST_COLUMNS if c in columns and row[c] is not None}
        if cost:
            found[_COST] = json.dumps(cost)
        tokens = {c: row[c] for c in _TOKEN_COLUMNS if c in columns and row[c] is not None}
        if tokens:
            found[_TOKENS] = json.dumps(tokens)
    return metadata


def _spans(db: sqlite3.Connection, ids: list[str]) -> dict[str, list]:
    spans: dict[str, list] = {i: [] for i in ids}
    for trace_id, span_type, content in db.execute(
            f"SELECT trace_id, type, content FROM spans WHERE trace_id IN ({_marks(ids)}) "
            f"ORDER BY start_time_unix_nano", ids):
        spans[trace_id].append(span_from_dict(json.loads(content), span_type))
    return spans


def _artifact_spans(db: sqlite3.Connection, ids: list[str]) -> dict[str, list]:
    """Spans MLflow wrote as a trace artifact (traces.json) rather than into the spans table."""
    found: dict[str, list] = {}
    for request_id, location in db.execute(
            f"SELECT request_id, value FROM trace_tags WHERE key = 'mlflow.artifactLocation' "
            f"AND request_id IN ({_marks(ids)})", ids):
        path = location[len("file://"):] if location.startswith("file://") else location
        try:
            with open(os.path.join(path, "traces.json"), encoding="utf-8") as file:
                data = json.load(file)
        except (OSError, ValueError):
            continue
        found[request_id] = [span_from_dict(s) for s in data.get("spans") or ()]
    return found


def read(path: str, uri: str, experiment: str | None, last: int, session: str | None = None,
         user: str | None = None) -> list[TraceRecord]:
    db = _open(path)
    try:
        db.row_factory = sqlite3.Row
        _check_schema(db, path, uri)
        columns = _columns(db, "trace_info")
        experiments = _experiment_ids(db, experiment, uri)
        if not experiments:
            return []
        wanted = ["experiment_id IN (%s)" % _marks(experiments)]
        values: list[Any] = list(experiments)
        if session is not None:
            in_metadata = "request_id IN (SELECT request_id FROM trace_request_metadata WHERE key = ? AND value = ?)"
            wanted.append(f"(session_id = ? OR {in_metadata})" if "session_id" in columns else in_metadata)
            values += ([session] if "session_id" in columns else []) + [_SESSION, session]
        if user is not None:
            wanted.append("request_id IN (SELECT request_id FROM trace_request_metadata WHERE key = ? AND value = ?)")
            values += [_USER, user]
        picked = ["request_id", "timestamp_ms", "execution_time_ms", "status", "response_preview"] + [
            c for c in ("session_id", *_COST_COLUMNS, *_TOKEN_COLUMNS) if c in columns]
        rows = {row["request_id"]: row for row in db.execute(
            f"SELECT {', '.join(picked)} FROM trace_info WHERE {' AND '.join(wanted)} "
            f"ORDER BY timestamp_ms DESC LIMIT ?", [*values, last])}
        ids = list(rows)
        if not ids:
            return []
        metadata = _metadata(db, ids, rows, columns)
        spans = _spans(db, ids)
        missing = [i for i in ids if not spans[i]]
        if missing:
            spans.update(_artifact_spans(db, missing))
        return [TraceRecord(request_time_ms=row["timestamp_ms"], duration_ms=row["execution_time_ms"],
                            state=str(row["status"]), response_preview=row["response_preview"],
                            metadata=metadata[i], spans=spans[i]) for i, row in rows.items()]
    except StoreError:
        raise
    except sqlite3.OperationalError as error:
        if "no such" in str(error):  # a table or column this reader does not know
            raise Unreadable(str(error)) from None
        raise _problem(error, path) from None
    except sqlite3.Error as error:
        raise _problem(error, path) from None
    except (ValueError, KeyError, TypeError) as error:
        raise Unreadable(f"{type(error).__name__}: {error}") from None
    finally:
        db.close()
