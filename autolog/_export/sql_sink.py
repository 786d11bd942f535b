"""A batch of recorded traces written to a SQL store (sqlite, PostgreSQL, MySQL, SQL Server).

Where the store's tables are ones ``sql_rows`` knows (and the store is sqlite or PostgreSQL, where
that is tested), every row of the batch (trace info, tags, metadata, spans) is inserted in one
transaction: each trace is in the store whole or not at all, and the commit happens only while
the exporter still counts the batch as being written (``Exporter.committing``).

Elsewhere the spans go through MLflow's ``log_spans`` (which makes each trace's row and spans in
one transaction), and then what ``log_spans`` has no place for (previews, name, tags, metadata)
in a second one: a trace is whole after the first, and complete after the second."""
from __future__ import annotations

import itertools
import logging
import operator
import os
import sqlite3
from typing import Any

from mlflow.tracing.constant import TraceTagKey

from .._mlflow import compat as _compat
from . import entities as _entities
from . import sql_rows as _rows
from .exporter import GiveUp
from .store_errors import contended
from .trace_artifacts import upload_attachments, write_one_by_one

_logger = logging.getLogger("autolog")

_ROW_DIALECTS = ("sqlite", "postgresql")
_ROWS_PER_STATEMENT = 500  # the rows one VALUES clause took before sqlite 3.8.8
SQLITE_BUSY_TIMEOUT = 10.0  # seconds a write waits for another process's transaction on the same file
_said_fallback = False
_INHERITED: list = []  # sqlite connections a forked child inherited from its parent


def _store(uri: str):
    from mlflow.tracking._tracking_service.utils import _get_store

    return _get_store(uri)


def _variable_limit(connection) -> int:
    """How many parameters one sqlite statement takes (999 before sqlite 3.32)."""
    try:
        return connection.getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER)
    except Exception:  # a driver without getlimit (Python before 3.11)
        return 999


def _rollups_on() -> bool:
    return os.environ.get("MLFLOW_SQL_TRACE_ROLLUPS_ENABLED", "").strip().lower() in ("true", "1")


class SqlSink:
    def __init__(self, uri: str, exporter) -> None:
        self.uri = uri
        self.exporter = exporter
        self.store = _store(uri)
        self.tables = _compat.sql_trace_tables()
        self._locations: dict[str, str] = {}  # experiment id -> its artifact location
        self._sqlite: sqlite3.Connection | None = None
        self._statements: dict[tuple, tuple[str, str]] = {}  # (table, columns) -> the driver's INSERT
        self._sort_keys: dict[str, Any] = {}
        self._stamp = self._sqlite_stamp()  # the sqlite file's modification time, as moved() last saw it
        self.builder = self._row_builder()

    def moved(self) -> bool:
        """A sqlite file written to (by any process) since the last call; False for other databases."""
        stamp = self._sqlite_stamp()
        moved = stamp is not None and self._stamp is not None and stamp != self._stamp
        self._stamp = stamp
        return moved

    def _sqlite_stamp(self) -> int | None:
        engine = self.store.engine
        if engine.dialect.name != "sqlite" or not engine.url.database:
            return None
        try:
            return os.stat(engine.url.database).st_mtime_ns
        except OSError:
            return None

    # -- the row path ---------------------------------------------------------------------------

    def _row_builder(self):
        global _said_fallback
        dialect = self.store.engine.dialect.name
        try:
            from mlflow.store.db.utils import _get_latest_schema_revision

            revision = _get_latest_schema_revision()
            if revision not in _rows.SCHEMAS:
                raise LookupError(f"schema {revision} is not one the package writes itself")
            if dialect not in _ROW_DIALECTS:
                raise LookupError(f"{dialect} is written through log_spans")
            from mlflow.store.tracking.dbmodels.models import SqlSpan, SqlTraceInfo, SqlTraceMetadata, SqlTraceTag

            self.row_tables = (SqlTraceInfo.__table__, SqlTraceTag.__table__, SqlTraceMetadata.__table__,
                               SqlSpan.__table__)
            return _rows.RowBuilder(SqlTraceInfo.__table__.c.keys(), ensure_ascii=dialect == "mssql")
        except Exception as error:
            if not _said_fallback:
                _said_fallback = True
                _logger.debug("autolog: traces go to %s through MLflow's log_spans (%s)", self.uri, error)
            return None

    def _sqlite_connection(self) -> sqlite3.Connection:
        """The writer's own connection to a sqlite file, opened as MLflow's engine opens it (the
        URL's database and options) and kept: SQLAlchemy's connection, transaction and statement
        layers cost about as much CPU per batch as the rows themselves, on the thread of the
        caller's interpreter. No transaction of the driver's own (``isolation_level=None``): each
        batch takes the write lock at ``BEGIN IMMEDIATE``, so with several processes on one file a
        writer waits its turn instead of failing half-way through its transaction."""
        if self._sqlite is None:
            engine = self.store.engine
            args, kwargs = engine.dialect.create_connect_args(engine.url)
            kwargs.update(timeout=SQLITE_BUSY_TIMEOUT, check_same_thread=False, isolation_level=None)
            self._sqlite = sqlite3.connect(*args, **kwargs)
        return self._sqlite

    def _artifact_location(self, experiment_id: str) -> str:
        """The artifact location of a trace of the experiment, with a placeholder for its id."""
        location = self._locations.get(experiment_id)
        if location is None:
            experiment_location = self.store.get_experiment(experiment_id).artifact_location
            location = self._locations[experiment_id] = _rows.artifact_location(experiment_location,
                                                                                _rows.PLACEHOLDER_ID)
        return location

    def write(self, experiment_id: str, records: list) -> None:
        if self.builder is not None and not _rollups_on():
            return self._write_rows(experiment_id, records)
        return self._write_through_log_spans(experiment_id, records)

    def _write_rows(self, experiment_id: str, records: list) -> None:
        info_table, tag_table, metadata_table, span_table = self.row_tables
        location = self._artifact_location(experiment_id)
        rows = _rows.Rows()
        for record in records:
            record.artifact_location = location.replace(_rows.PLACEHOLDER_ID, record.trace_id)
            self.builder.add(rows, record, experiment_id, record.artifact_location, _entities.trace_tags(record),
                             _entities.trace_metadata(record, with_session=False), _entities.span_views(record))
        ids = [r.trace_id for r in records]
        if self.store.engine.dialect.name == "sqlite":
            self._commit_sqlite(ids, rows, len(records))
        else:
            self._commit_engine(ids, rows, len(records))
        self._upload_attachments(records)

    def _tables_and_rows(self, rows: "_rows.Rows"):
        info_table, tag_table, metadata_table, span_table = self.row_tables
        return ((info_table, rows.trace_info), (tag_table, rows.tags), (metadata_table, rows.metadata),
                (span_table, rows.spans))

    def _commit_engine(self, ids: list[str], rows: "_rows.Rows", n: int) -> None:
        from sqlalchemy import insert

        info_table = self.row_tables[0]
        with self.store.engine.connect() as connection:
            transaction = connection.begin()
            try:
                present = {row[0] for row in connection.execute(
                    info_table.select().with_only_columns(info_table.c.request_id).where(info_table.c.request_id.in_(ids)))}
                if present:  # stored by an attempt whose answer was lost: not written twice
                    rows = _without(rows, present)
                for table, table_rows in self._tables_and_rows(rows):
                    if table_rows:
                        connection.execute(insert(table), self._in_key_order(table, table_rows))
                with self.exporter.committing(n):
                    transaction.commit()
            except BaseException:
                if transaction.is_active:
                    transaction.rollback()
                raise

    def _commit_sqlite(self, ids: list[str], rows: "_rows.Rows", n: int) -> None:
        connection = self._sqlite_connection()
        try:
            connection.execute("BEGIN IMMEDIATE")
            try:
                present = self._present_sqlite(connection, ids)
                if present:  # stored by an attempt whose answer was lost: not written twice
                    rows = _without(rows, present)
                for table, table_rows in self._tables_and_rows(rows):
                    if table_rows:
                        self._insert_sqlite(connection, table, table_rows)
                with self.exporter.committing(n):
                    connection.execute("COMMIT")
            except BaseException:
                if connection.in_transaction:
                    connection.execute("ROLLBACK")
                raise
        except BaseException as error:
            if not contended(error) and not isinstance(error, GiveUp):
                self._close_sqlite()  # the next batch starts from a new connection
            raise

    def _present_sqlite(self, connection: sqlite3.Connection, ids: list[str]) -> set[str]:
        per_statement = max(1, _variable_limit(connection) - 1)
        present: set[str] = set()
        for start in range(0, len(ids), per_statement):
            part = ids[start:start + per_statement]
            present.update(row[0] for row in connection.execute(
                f"SELECT request_id FROM trace_info WHERE request_id IN ({', '.join('?' * len(part))})", part))
        return present

    def _in_key_order(self, table, rows: list[dict]) -> list[dict]:
        """Rows sorted by primary key: fewer index pages touched, and written, per batch."""
        key = self._sort_keys.get(table.name)
        if key is None:
            key = self._sort_keys[table.name] = operator.itemgetter(*table.primary_key.columns.keys())
        return sorted(rows, key=key)

    def _insert_sqlite(self, connection: sqlite3.Connection, table, rows: list[dict]) -> None:
        """All the rows in as few statements as sqlite takes, straight through the driver: the
        values are plain str, int, float and None already, and the driver lets go of the GIL for
        every statement it runs, which on a busy process makes the writer wait its turn for the
        GIL once per statement."""
        rows = self._in_key_order(table, rows)
        columns = tuple(rows[0])
        head = self._statements.get((table.name, columns))
        if head is None:
            quoted = self.store.engine.dialect.identifier_preparer.quote
            head = self._statements[(table.name, columns)] = (
                f"INSERT INTO {quoted(table.name)} ({', '.join(quoted(c) for c in columns)}) VALUES ",
                f"({', '.join('?' * len(columns))})")
        into, row_marks = head
        values = operator.itemgetter(*columns)
        per_statement = max(1, min(_ROWS_PER_STATEMENT, _variable_limit(connection) // len(columns)))
        for start in range(0, len(rows), per_statement):
            part = rows[start:start + per_statement]
            connection.execute(into + ", ".join([row_marks] * len(part)),
                               list(itertools.chain.from_iterable(map(values, part))))

    def _close_sqlite(self) -> None:
        connection, self._sqlite = self._sqlite, None
        if connection is not None:
            try:
                connection.close()
            except Exception:
                _logger.debug("autolog: could not close the sqlite connection", exc_info=True)

    # -- the log_spans path ---------------------------------------------------------------------

    def _write_through_log_spans(self, experiment_id: str, records: list) -> None:
        if not hasattr(self.store, "log_spans"):  # a store that takes no spans: MLflow's per-trace way
            with self.exporter.committing(len(records)):
                write_one_by_one(self.uri, self.store, records)
            return
        spans = [span for record in records for span in _entities.to_spans(record)]
        with self.exporter.committing(len(records)):
            self.store.log_spans(experiment_id, spans)
        if self.tables is not None:
            try:
                self._complete_traces(records)
            except Exception as error:
                _logger.warning("autolog: could not write the metadata and previews of %d trace(s) into this MLflow "
                                "version's tables (%s: %s); their spans are stored",
                                len(records), type(error).__name__, error)
        self._upload_attachments(records)

    def _complete_traces(self, records: list) -> None:
        """What log_spans has no place for: previews, the name, tags and metadata."""
        from sqlalchemy import insert, update

        info_table, tag_table, metadata_table = self.tables
        named_by_column = "trace_name" in info_table.c
        session_by_column = "session_id" in info_table.c
        with _compat.write_session(self.store) as session:
            for record in records:
                trace_id = record.trace_id
                values = {}
                if record.request_preview is not None:
                    values["request_preview"] = _rows.bounded_preview(record.request_preview)
                if record.response_preview is not None:
                    values["response_preview"] = _rows.bounded_preview(record.response_preview)
                tags = _entities.trace_tags(record)
                if named_by_column:
                    values["trace_name"] = tags.pop(TraceTagKey.TRACE_NAME)
                if session_by_column and record.session_id is not None:
                    values["session_id"] = record.session_id
                if values:
                    session.execute(update(info_table).where(info_table.c.request_id == trace_id).values(**values))
                present_tags = {row[0] for row in session.execute(
                    tag_table.select().with_only_columns(tag_table.c.key).where(tag_table.c.request_id == trace_id))}
                new_tags = [{"request_id": trace_id, "key": k, "value": v} for k, v in tags.items() if k not in present_tags]
                metadata = _entities.trace_metadata(record, with_session=not session_by_column)
                present_metadata = {row[0] for row in session.execute(
                    metadata_table.select().with_only_columns(metadata_table.c.key)
                    .where(metadata_table.c.request_id == trace_id))}
                new_metadata = [{"request_id": trace_id, "key": k, "value": v}
                                for k, v in metadata.items() if k not in present_metadata]
                for key, value in _entities.nested_totals(record).items():
                    if key in present_metadata:
                        session.execute(update(metadata_table).where(metadata_table.c.request_id == trace_id)
                                        .where(metadata_table.c.key == key).values(value=value))
                    else:
                        new_metadata.append({"request_id": trace_id, "key": key, "value": value})
                for table, rows in ((tag_table, new_tags), (metadata_table, new_metadata)):
                    if rows:
                        session.execute(insert(table), rows)

    def _upload_attachments(self, records: list) -> None:
        with_attachments = [r for r in records if r.attachments]
        if with_attachments:
            upload_attachments(self.uri, with_attachments, self.store)

    def after_fork(self) -> None:
        engine = getattr(self.store, "engine", None)
        if engine is not None:
            engine.dispose(close=False)  # the parent's connections are not ours to use or close
        if self._sqlite is not None:
            _INHERITED.append(self._sqlite)  # kept, never closed: closing it here would touch the parent's file state
            self._sqlite = None


def _without(rows: "_rows.Rows", trace_ids: set) -> "_rows.Rows":
    kept = _rows.Rows()
    kept.trace_info = [r for r in rows.trace_info if r["request_id"] not in trace_ids]
    kept.tags = [r for r in rows.tags if r["request_id"] not in trace_ids]
    kept.metadata = [r for r in rows.metadata if r["request_id"] not in trace_ids]
    kept.spans = [r for r in rows.spans if r["trace_id"] not in trace_ids]
    return kept
