"""A batch of recorded traces written to an MLflow tracking server.

One OTLP/HTTP request per batch to ``/v1/traces`` (MLflow >= 3.4), which the server stores through
its ``log_spans`` in one transaction: each trace's row and spans together. A trace whose metadata
OTLP cannot carry (user metadata, the active run) also gets MLflow's ``start_trace`` request,
after its spans. A server without OTLP ingestion gets MLflow's per-trace requests."""
from __future__ import annotations

import logging

from . import entities as _entities
from .store_errors import HttpStatusError
from .trace_artifacts import ARTIFACT_LOCATION, upload_attachments, write_one_by_one

_logger = logging.getLogger("autolog")

HTTP_TIMEOUT_SECONDS = 10


def _store(uri: str):
    from mlflow.tracking._tracking_service.utils import _get_store

    return _get_store(uri)


class HttpSink:
    def __init__(self, uri: str, exporter) -> None:
        self.uri = uri
        self.exporter = exporter
        self.store = _store(uri)
        self.legacy = False  # the server has no OTLP ingestion

    def write(self, experiment_id: str, records: list) -> None:
        if self.legacy:
            with self.exporter.committing(len(records)):
                write_one_by_one(self.uri, self.store, records)
            return
        try:
            with self.exporter.committing(len(records)):
                self._post_spans(experiment_id, records)
        except HttpStatusError as error:
            if error.status not in (404, 405, 501):
                raise
            _logger.warning("autolog: the tracking server at %s has no OTLP ingestion (MLflow < 3.4); traces are "
                            "written one request at a time", self.uri)
            self.legacy = True
            return self.write(experiment_id, records)
        for record in records:  # what OTLP has no place for
            if record.metadata or record.run_id is not None or record.attachments:
                try:
                    info = self.store.start_trace(_entities.trace_info(record))
                    record.artifact_location = info.tags.get(ARTIFACT_LOCATION)
                except Exception as error:
                    _logger.warning("autolog: trace %s is stored without its metadata (%s: %s)",
                                    record.trace_id, type(error).__name__, error)
        with_attachments = [r for r in records if r.attachments]
        if with_attachments:
            upload_attachments(self.uri, with_attachments, self.store)

    def _post_spans(self, experiment_id: str, records: list) -> None:
        from mlflow.tracing.utils.otlp import MLFLOW_EXPERIMENT_ID_HEADER, OTLP_TRACES_PATH
        from mlflow.utils.rest_utils import http_request
        from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest

        request = ExportTraceServiceRequest()
        scope = request.resource_spans.add().scope_spans.add()
        scope.spans.extend(span.to_otel_proto() for record in records
                           for span in _entities.to_spans(record, trace_info_as_attributes=True))
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

    def moved(self) -> bool:
        """A server's own writes are not seen from here (see SqlSink.moved)."""
        return False

    def after_fork(self) -> None:
        pass
