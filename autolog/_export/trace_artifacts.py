"""What goes to a trace's artifact location through MLflow's client: its attachments (images,
audio, documents moved out of the span), and, for a store without span tables (an MLflow server
older than 3.4), the whole trace, one request per trace, as MLflow's own exporter writes it."""
from __future__ import annotations

import logging

from . import entities as _entities

_logger = logging.getLogger("autolog")

ARTIFACT_LOCATION = "mlflow.artifactLocation"


def upload_attachments(uri: str, records: list, store) -> None:
    """The attachments' bytes, into each trace's artifact location, as MLflow's exporter does.
    A trace whose attachments cannot be stored is still stored; the failure is said."""
    from mlflow.tracing.client import TracingClient

    client = TracingClient(uri)
    for record in records:
        try:
            info = _entities.trace_info(record)
            location = record.artifact_location or store.get_trace_info(record.trace_id).tags.get(ARTIFACT_LOCATION)
            info.tags[ARTIFACT_LOCATION] = location
            client._upload_attachments(info, record.attachments)
        except Exception as error:
            _logger.warning("autolog: could not store the attachments of trace %s (%s: %s)",
                            record.trace_id, type(error).__name__, error)


def write_one_by_one(uri: str, store, records: list) -> None:
    from mlflow.entities import TraceData
    from mlflow.tracing.client import TracingClient

    client = TracingClient(uri)
    for record in records:
        info = store.start_trace(_entities.trace_info(record))
        client._upload_trace_data(info, TraceData(spans=_entities.to_spans(record)))
        if record.attachments:
            client._upload_attachments(info, record.attachments)
