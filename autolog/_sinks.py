"""Where a batch of recorded traces is written: one ``write(experiment_id, records)`` per batch.

- A SQL store (sqlite, PostgreSQL, MySQL, SQL Server): MLflow's ``log_spans`` creates the traces
  and their spans in one session (state, times, token usage, cost, session, tags); one more
  session adds what spans do not carry (metadata, the package's previews).
- A tracking server: one OTLP/HTTP request per batch to ``/v1/traces``, which the server stores
  through the same ``log_spans``. A trace whose metadata OTLP cannot carry (user metadata, the
  active run) also gets MLflow's ``start_trace`` request.
- A server without OTLP ingestion (MLflow < 3.4): ``start_trace`` and the spans as an artifact,
  per trace, as MLflow's own exporter does."""
from __future__ import annotations

import logging

from . import _compat, _entities
from ._destination import SQL_SCHEMES, scheme
from ._store_errors import HttpStatusError, transient

_logger = logging.getLogger("autolog")

HTTP_TIMEOUT_SECONDS = 10


def _store(uri: str):
    from mlflow.tracking._tracking_service.utils import _get_store

    return _get_store(uri)


class SqlSink:
    def __init__(self, uri: str) -> None:
        self.store = _store(uri)
        self.models = _compat.sql_trace_models()
        if self.models is None:
            _logger.debug("autolog: MLflow's trace tables are not as expected; previews and metadata are "
                          "left to what log_spans writes")

    def write(self, experiment_id: str, records: list) -> None:
        self.store.log_spans(experiment_id, [_entities.to_span(r, tags_as_attributes=True) for r in records])
        if self.models is None:
            return
        try:
            self._write_trace_info(records)
        except Exception as error:
            if transient(error):
                raise  # the batch is retried; log_spans writes the same rows again
            self.models = None
            _logger.warning("autolog: could not add metadata and previews to the traces in %s with this MLflow "
                            "version (%s: %s); traces are stored without them from now on",
                            self.store.__class__.__name__, type(error).__name__, error)

    def _write_trace_info(self, records: list) -> None:
        from sqlalchemy import update

        trace_table, metadata_table = self.models
        ids = [r.trace_id for r in records]
        with _compat.write_session(self.store) as session:
            present = set(
                session.query(metadata_table.request_id, metadata_table.key).filter(metadata_table.request_id.in_(ids))
            )
            for record in records:
                for key, value in _entities.trace_metadata(record).items():
                    row = metadata_table(request_id=record.trace_id, key=key, value=value)
                    if (record.trace_id, key) in present:
                        session.merge(row)
                    else:
                        session.add(row)
            previews = [
                {"request_id": r.trace_id, "request_preview": r.request_preview, "response_preview": r.response_preview}
                for r in records
                if r.request_preview is not None or r.response_preview is not None
            ]
            if previews:
                session.execute(update(trace_table), previews)

    def after_fork(self) -> None:
        engine = getattr(self.store, "engine", None)
        if engine is not None:
            engine.dispose(close=False)  # the parent's connections are not ours to use or close


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
        for record in records:
            if record.metadata or record.run_id is not None:
                self.store.start_trace(_entities.trace_info(record))

    def _post_spans(self, experiment_id: str, records: list) -> None:
        from mlflow.tracing.utils.otlp import MLFLOW_EXPERIMENT_ID_HEADER, OTLP_TRACES_PATH
        from mlflow.utils.rest_utils import http_request
        from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest

        request = ExportTraceServiceRequest()
        scope = request.resource_spans.add().scope_spans.add()
        scope.spans.extend(_entities.to_span(r, tags_as_attributes=True).to_otel_proto() for r in records)
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

    def after_fork(self) -> None:
        pass


def _write_one_by_one(uri: str, store, records: list) -> None:
    from mlflow.entities import TraceData
    from mlflow.tracing.client import TracingClient

    client = TracingClient(uri)
    for record in records:
        info = store.start_trace(_entities.trace_info(record))
        client._upload_trace_data(info, TraceData(spans=[_entities.to_span(record)]))


def sink_for(uri: str):
    return SqlSink(uri) if scheme(uri) in SQL_SCHEMES else HttpSink(uri)
