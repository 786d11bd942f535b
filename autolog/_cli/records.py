"""What the ``traces`` table reads of a stored trace, whichever way it was read: straight from a
SQLite store, or through MLflow's client (a tracking server, another database, a search filter)."""
from __future__ import annotations

import dataclasses
import json
from typing import Any


class StoreError(Exception):
    """A store the command cannot read; the message is the whole explanation, with what to do."""


@dataclasses.dataclass
class SpanRecord:
    span_type: str
    attributes: dict[str, Any]  # values decoded from MLflow's JSON
    failed: bool
    events: list[dict[str, Any]]  # {"name": ..., "attributes": {...}}

    @property
    def outputs(self) -> Any:
        return self.attributes.get("mlflow.spanOutputs")


@dataclasses.dataclass
class TraceRecord:
    request_time_ms: int
    duration_ms: int | None
    state: str  # OK, ERROR, IN_PROGRESS
    response_preview: str | None
    metadata: dict[str, str]
    spans: list[SpanRecord]  # oldest first: the root span leads


def decoded(value: Any) -> Any:
    """An attribute value as MLflow stores it (JSON text), decoded."""
    if isinstance(value, str):
        try:
            return json.loads(value)
        except ValueError:
            return value
    return value


def span_from_dict(data: dict[str, Any], span_type: str | None = None) -> SpanRecord:
    """A span as MLflow serializes it (the spans table's content, a trace's traces.json)."""
    attributes = {k: decoded(v) for k, v in (data.get("attributes") or {}).items()}
    status = data.get("status") or {}
    code = status.get("code", "") if isinstance(status, dict) else str(status)
    return SpanRecord(span_type=span_type or str(attributes.get("mlflow.spanType") or ""), attributes=attributes,
                      failed="ERROR" in str(code), events=list(data.get("events") or []))


def from_mlflow(trace) -> TraceRecord:
    """An ``mlflow.entities.Trace``."""
    info = trace.info
    spans = [SpanRecord(span_type=str(s.span_type), attributes=dict(s.attributes),
                        failed="ERROR" in str(s.status.status_code),
                        events=[{"name": e.name, "attributes": dict(e.attributes)} for e in s.events])
             for s in trace.data.spans]
    return TraceRecord(request_time_ms=info.request_time, duration_ms=info.execution_duration,
                       state=str(info.state).replace("TraceState.", ""), response_preview=info.response_preview,
                       metadata=dict(info.trace_metadata), spans=spans)
