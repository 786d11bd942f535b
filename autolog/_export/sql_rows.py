"""The rows MLflow's SQL tables hold for a trace the package recorded, built without MLflow's
``log_spans``.

``log_spans`` is made for spans that arrive in pieces from any tracer: per trace it re-reads and
locks the trace row, merges and updates it through the ORM, runs a translation pass for other
tracers' attribute schemas over every span and prices it, about 2.5 ms of CPU per trace. A trace
this package recorded is whole when it is written, so its final rows are known in advance: here
they are computed in plain Python and inserted with one statement per table per batch, in one
transaction.

The rows are MLflow's own to the column: ``tests/test_sql_rows.py`` writes the same recorded
traces through ``log_spans`` and through here into two stores and compares every row of every
table. Only schemas checked that way are written here (``SCHEMAS``: the alembic revision a store
is at names its tables); any other store is written through ``log_spans``."""
from __future__ import annotations

import base64
import json
from typing import Any, Mapping

from mlflow.entities import SpanStatusCode
from mlflow.tracing.constant import SpanAttributeKey, TraceTagKey

# alembic head revision -> the MLflow releases whose tables it names (checked by the tests)
SCHEMAS = {"dc11669786a5": "MLflow 3.17"}

_ARTIFACT_LOCATION_TAG = "mlflow.artifactLocation"
_SPANS_IN_STORE = ("mlflow.trace.spansLocation", "TRACKING_STORE")
_STATUS_NAME = {"OK": "STATUS_CODE_OK", "ERROR": "STATUS_CODE_ERROR", "UNSET": "STATUS_CODE_UNSET"}


def _b64(number: int, size: int) -> str:
    return base64.b64encode(number.to_bytes(size, "big")).decode("ascii")


def _unwrap_double_dump(value: str) -> str:
    """MLflow's ``sanitize_attributes``: a JSON string that holds JSON text of a string, object
    or array is stored as that text. Only a JSON string literal can be one, so only those are
    parsed (MLflow parses every value)."""
    if value[:1] != '"' or value[1:2] not in ("{", "[", "\\", " "):
        return value
    try:
        inner = json.loads(value)
        if isinstance(inner, str) and isinstance(json.loads(inner), (str, dict, list)):
            return inner
    except (ValueError, TypeError):
        pass
    return value


class SpanRow:
    """One span as the stores keep it: the ``spans`` row and the JSON of its content."""

    __slots__ = ("view", "attributes", "content")

    def __init__(self, view) -> None:
        self.view = view
        self.attributes = {k: _unwrap_double_dump(v) if isinstance(v, str) else v for k, v in view.attributes.items()}

    def content_json(self, trace_id_int: int, ensure_ascii: bool) -> str:
        view = self.view
        status = "ERROR" if view.error is not None else "OK"
        content = {
            "trace_id": _b64(trace_id_int, 16),
            "span_id": _b64(view.span_id, 8),
            "parent_span_id": _b64(view.parent_id, 8) if view.parent_id is not None else None,
            "name": view.name,
            "start_time_unix_nano": view.start_ns,
            "end_time_unix_nano": view.end_ns,
            "events": [{"name": name, "time_unix_nano": at, "attributes": attributes}
                       for name, at, attributes in view.events],
            "status": {"code": _STATUS_NAME[status], "message": view.error or ""},
            "attributes": self.attributes,
            "links": [],
        }
        return json.dumps(content, ensure_ascii=ensure_ascii)


class Rows:
    """The rows of one batch, per table."""

    def __init__(self) -> None:
        self.trace_info: list[dict] = []
        self.tags: list[dict] = []
        self.metadata: list[dict] = []
        self.spans: list[dict] = []


class RowBuilder:
    """Builds the rows of the checked schema. Everything MLflow-specific it needs is imported
    here, so a store whose MLflow lacks any of it is written through ``log_spans`` instead."""

    def __init__(self, info_columns, ensure_ascii: bool) -> None:
        from mlflow.store.tracking.utils.trace_analytics import (
            COST_COLUMN_BY_KEY, TOKEN_COLUMN_BY_KEY, bounded_model_dimension, finite_float_or_none,
            token_count_or_none)
        from mlflow.tracing.utils import (
            SpanAggregationNode, aggregate_cost_from_span_nodes, aggregate_usage_from_span_nodes)
        from mlflow.tracing.utils.truncation import _get_truncated_preview

        self.token_columns = TOKEN_COLUMN_BY_KEY
        self.cost_columns = COST_COLUMN_BY_KEY
        self.bounded = bounded_model_dimension
        self.finite = finite_float_or_none
        self.token_count = token_count_or_none
        self.node = SpanAggregationNode
        self.aggregate_usage = aggregate_usage_from_span_nodes
        self.aggregate_cost = aggregate_cost_from_span_nodes
        self.truncated_preview = _get_truncated_preview
        self.ensure_ascii = ensure_ascii
        missing = {"trace_name", "session_id", "db_payload_generation",
                   *TOKEN_COLUMN_BY_KEY.values(), *COST_COLUMN_BY_KEY.values()} - set(info_columns)
        if missing:
            raise LookupError(f"trace_info has no column(s) {sorted(missing)}")

    def add(self, rows: Rows, record, experiment_id: str, artifact_location: str,
            trace_tags: Mapping[str, str], trace_metadata: Mapping[str, str], views: list) -> None:
        trace_id = record.trace_id
        span_rows = [SpanRow(view) for view in views]
        usage_nodes, cost_nodes = [], []
        root = None
        for span in span_rows:
            view = span.view
            attributes = span.attributes
            span_id, parent_id = f"{view.span_id:016x}", f"{view.parent_id:016x}" if view.parent_id else None
            values = view.values
            usage, cost = values.get(SpanAttributeKey.CHAT_USAGE), values.get(SpanAttributeKey.LLM_COST)
            usage_nodes.append(self.node(span_id, parent_id, usage if isinstance(usage, dict) else None))
            cost_nodes.append(self.node(span_id, parent_id, cost if isinstance(cost, dict) else None))
            cost = cost if isinstance(cost, dict) else {}
            rows.spans.append({
                "trace_id": trace_id,
                "experiment_id": int(experiment_id),
                "span_id": span_id,
                "parent_span_id": parent_id,
                "name": view.name,
                "type": view.span_type,
                "status": SpanStatusCode.ERROR.value if view.error is not None else SpanStatusCode.OK.value,
                "start_time_unix_nano": view.start_ns,
                "end_time_unix_nano": view.end_ns,
                "content": span.content_json(record.otel_trace_id, self.ensure_ascii),
                "input_cost": self.finite(cost.get("input_cost")),
                "output_cost": self.finite(cost.get("output_cost")),
                "total_cost": self.finite(cost.get("total_cost")),
                "model_name": self.bounded(values.get(SpanAttributeKey.MODEL)),
                "model_provider": self.bounded(values.get(SpanAttributeKey.MODEL_PROVIDER)),
            })
            if view.parent_id is None:
                root = span

        start_ms = min(v.start_ns for v in views) // 1_000_000
        execution_ms = max(v.end_ns for v in views) // 1_000_000 - start_ms
        tags = dict(trace_tags)
        info = {
            "request_id": trace_id,
            "experiment_id": int(experiment_id),
            "timestamp_ms": start_ms,
            "execution_time_ms": execution_ms,
            "status": "ERROR" if root is not None and root.view.error is not None else "OK",
            "client_request_id": None,
            "request_preview": bounded_preview(record.request_preview),
            "response_preview": bounded_preview(record.response_preview),
            "db_payload_generation": 1,
            "trace_name": tags.pop(TraceTagKey.TRACE_NAME, None),
            "session_id": record.session_id,
        }
        if root is not None:
            if info["request_preview"] is None and (inputs := root.attributes.get(SpanAttributeKey.INPUTS)):
                info["request_preview"] = self.truncated_preview(inputs, role="user")
            if info["response_preview"] is None and (outputs := root.attributes.get(SpanAttributeKey.OUTPUTS)):
                info["response_preview"] = self.truncated_preview(outputs, role="assistant")
        usage = self.aggregate_usage(usage_nodes) or {}
        for key, column in self.token_columns.items():
            info[column] = self.token_count(usage.get(key))
        cost = self.aggregate_cost(cost_nodes) or {}
        for key, column in self.cost_columns.items():
            info[column] = self.finite(cost.get(key))
        rows.trace_info.append(info)

        tags[_ARTIFACT_LOCATION_TAG] = artifact_location
        tags[_SPANS_IN_STORE[0]] = _SPANS_IN_STORE[1]
        rows.tags.extend({"request_id": trace_id, "key": k, "value": v} for k, v in tags.items())
        rows.metadata.extend({"request_id": trace_id, "key": k, "value": v} for k, v in trace_metadata.items())


PREVIEW_COLUMN = 1000  # characters MLflow's trace_info table holds per preview


def bounded_preview(preview: str | None) -> str | None:
    if preview is None or len(preview) <= PREVIEW_COLUMN:
        return preview
    return preview[: PREVIEW_COLUMN - 3] + "..."


def artifact_location(experiment_location: str, trace_id: str) -> str:
    from mlflow.utils.uri import append_to_uri_path

    return append_to_uri_path(experiment_location, "traces", trace_id, "artifacts")

