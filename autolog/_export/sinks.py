"""Where a batch of recorded traces is written: one ``write(experiment_id, records)`` per batch.

- A SQL store (sqlite, PostgreSQL, MySQL, SQL Server): the trace rows in one session, then MLflow's
  ``log_spans`` for all their spans in another.
- A tracking server: one OTLP/HTTP request per batch to ``/v1/traces``, which the server stores
  through the same ``log_spans``. A trace whose metadata OTLP cannot carry (user metadata, the
  active run) also gets MLflow's ``start_trace`` request.
- A server without OTLP ingestion (MLflow < 3.4): ``start_trace`` and the spans as an artifact,
  per trace, as MLflow's own exporter does."""
from __future__ import annotations

import logging

from mlflow.tracing.constant import TraceTagKey

from .._mlflow import compat as _compat
from . import entities as _entities
from .._mlflow.destination import SQL_SCHEMES, scheme
from .store_errors import HttpStatusError, transient

_logger = logging.getLogger("autolog")

HTTP_TIMEOUT_SECONDS = 10
_PLACEHOLDER_ID = "tr-autolog-placeholder"
_ARTIFACT_LOCATION = "mlflow.artifactLocation"
PREVIEW_COLUMN = 1000  # characters MLflow's trace_info table holds per preview


def _store(uri: str):
    from mlflow.tracking._tracking_service.utils import _get_store

    return _get_store(uri)


class SqlSink:
    """Per batch: the traces' rows first (what MLflow's ``start_trace`` writes: state, previews,
    name, tags, metadata) in one session, then their spans through MLflow's ``log_spans`` in
    another, which fills in times, status, token usage, cost and session. Where the installed
    MLflow's tables are not as expected, ``log_spans`` alone (tags as span attributes)."""

    def __init__(self, uri: str) -> None:
        self.uri = uri
        self.store = _store(uri)
        self.tables = _compat.sql_trace_tables()

    def write(self, experiment_id: str, records: list) -> None:
        if not hasattr(self.store, "log_spans"):  # a store that takes no spans: MLflow's per-trace way
            return _write_one_by_one(self.uri, self.store, records)
        spans = [_entities.to_span(r, trace_info_as_attributes=self.tables is None) for r in records]
        if self.tables is not None:
            try:
                self._start_traces(experiment_id, records)
            except Exception as error:
                if transient(error):
                    raise
                self.tables = None
                _logger.warning("autolog: could not write trace rows into this MLflow version's tables (%s: %s); "
                                "traces are stored through log_spans alone, without metadata and previews",
                                type(error).__name__, error)
                spans = [_entities.to_span(r, trace_info_as_attributes=True) for r in records]
        self.store.log_spans(experiment_id, spans)
        with_attachments = [r for r in records if r.attachments]
        if with_attachments:
            _upload_attachments(self.uri, with_attachments, self.store)

    def discard(self, records: list) -> None:
        """Removes the rows written for traces whose spans the store then refused."""
        if self.tables is None:
            return
        from sqlalchemy import delete

        info_table, tag_table, metadata_table = self.tables
        ids = [r.trace_id for r in records]
        with _compat.write_session(self.store) as session:
            for table in (metadata_table, tag_table, info_table):
                session.execute(delete(table).where(table.c.request_id.in_(ids)))

    def _start_traces(self, experiment_id: str, records: list) -> None:
        from sqlalchemy import insert

        info_table, tag_table, metadata_table = self.tables
        experiment = self.store.get_experiment(experiment_id)
        # the artifact location tag MLflow gives every trace, made once per batch
        location = self.store._get_trace_artifact_location_tag(experiment, _PLACEHOLDER_ID)
        # MLflow 3.17 keeps the name and the session in trace_info's own columns
        named_by_column = "trace_name" in info_table.c
        session_by_column = "session_id" in info_table.c
        infos, tags, metadata = [], [], []
        with _compat.write_session(self.store) as session:
            ids = [r.trace_id for r in records]
            present = {row[0] for row in session.execute(
                info_table.select().with_only_columns(info_table.c.request_id).where(info_table.c.request_id.in_(ids)))}
            for record in records:
                trace_id = record.trace_id
                if trace_id in present:  # written by an earlier attempt of this batch
                    continue
                info = {
                    "request_id": trace_id,
                    "experiment_id": int(experiment_id),
                    "timestamp_ms": record.start_ns // 1_000_000,
                    "execution_time_ms": (record.end_ns - record.start_ns) // 1_000_000,
                    "status": "IN_PROGRESS",  # log_spans sets it from the root span
                    "client_request_id": None,
                    "request_preview": _bounded(record.request_preview),
                    "response_preview": _bounded(record.response_preview),
                }
                trace_tags = _entities.trace_tags(record)
                if named_by_column:
                    info["trace_name"] = trace_tags.pop(TraceTagKey.TRACE_NAME)
                if session_by_column:
                    info["session_id"] = record.session_id
                infos.append(info)
                record.artifact_location = location.value.replace(_PLACEHOLDER_ID, trace_id)
                trace_tags[location.key] = record.artifact_location
                tags.extend({"request_id": trace_id, "key": k, "value": v} for k, v in trace_tags.items())
                metadata.extend({"request_id": trace_id, "key": k, "value": v}
                                for k, v in _entities.trace_metadata(record, with_session=not session_by_column).items())
            for table, rows in ((info_table, infos), (tag_table, tags), (metadata_table, metadata)):
                if rows:
                    session.execute(insert(table), rows)

    def after_fork(self) -> None:
        engine = getattr(self.store, "engine", None)
        if engine is not None:
            engine.dispose(close=False)  # the parent's connections are not ours to use or close


def _bounded(preview: str | None) -> str | None:
    if preview is None or len(preview) <= PREVIEW_COLUMN:
        return preview
    return preview[: PREVIEW_COLUMN - 3] + "..."


class HttpSink:
    def __init__(self, uri: str) -> None:
        self.uri = uri
        self.store = _store(uri)
        self.legacy = False  # the server has no OTLP ingestion

    def write(self, experiment_id: str, records: list) -> None:
        if self.legacy:
            return _write_one_by_one(self.uri, self.store, records)
        try:
            self._post_spans(experiment_id, records)
        except HttpStatusError as error:
            if error.status not in (404, 405, 501):
                raise
            _logger.warning("autolog: the tracking server at %s has no OTLP ingestion (MLflow < 3.4); traces are "
                            "written one request at a time", self.uri)
            self.legacy = True
            return _write_one_by_one(self.uri, self.store, records)
        for record in records:  # what OTLP has no place for
            if record.metadata or record.run_id is not None or record.attachments:
                info = self.store.start_trace(_entities.trace_info(record))
                record.artifact_location = info.tags.get(_ARTIFACT_LOCATION)
        with_attachments = [r for r in records if r.attachments]
        if with_attachments:
            _upload_attachments(self.uri, with_attachments, self.store)

    def _post_spans(self, experiment_id: str, records: list) -> None:
        from mlflow.tracing.utils.otlp import MLFLOW_EXPERIMENT_ID_HEADER, OTLP_TRACES_PATH
        from mlflow.utils.rest_utils import http_request
        from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest

        request = ExportTraceServiceRequest()
        scope = request.resource_spans.add().scope_spans.add()
        scope.spans.extend(_entities.to_span(r, trace_info_as_attributes=True).to_otel_proto() for r in records)
        response = http_request(
            host_creds=self.store.get_host_creds(),
            endpoint=OTLP_TRACES_PATH,
            method="POST",
            data=request.SerializeToString(),
            extra_headers={"Content-Type": "application/x-protobuf", MLFLOW_EXPERIMENT_ID_HEADER: experiment_id},
            max_retries=0,
            timeout=HTTP_TIMEOUT_SECONDS,
            raise_on_status=False,
        )
        if not 200 <= response.status_code < 300:
            raise HttpStatusError(response.status_code, response.text)

    def discard(self, records: list) -> None:
        pass

    def after_fork(self) -> None:
        pass


def _upload_attachments(uri: str, records: list, store) -> None:
    """The attachments' bytes, into each trace's artifact location, as MLflow's exporter does.
    A trace whose attachments cannot be stored is still stored; the failure is said."""
    from mlflow.tracing.client import TracingClient

    client = TracingClient(uri)
    for record in records:
        try:
            info = _entities.trace_info(record)
            location = record.artifact_location or store.get_trace_info(record.trace_id).tags.get(_ARTIFACT_LOCATION)
            info.tags[_ARTIFACT_LOCATION] = location
            client._upload_attachments(info, record.attachments)
        except Exception as error:
            _logger.warning("autolog: could not store the attachments of trace %s (%s: %s)",
                            record.trace_id, type(error).__name__, error)


def _write_one_by_one(uri: str, store, records: list) -> None:
    from mlflow.entities import TraceData
    from mlflow.tracing.client import TracingClient

    client = TracingClient(uri)
    for record in records:
        info = store.start_trace(_entities.trace_info(record))
        client._upload_trace_data(info, TraceData(spans=[_entities.to_span(record)]))
        if record.attachments:
            client._upload_attachments(info, record.attachments)


def sink_for(uri: str):
    return SqlSink(uri) if scheme(uri) in SQL_SCHEMES else HttpSink(uri)
