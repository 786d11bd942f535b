"""A recorded span as MLflow's entities: the ``Span`` the stores log, and the trace-level
metadata and tags MLflow's own exporter would have written. Runs on the export writer's thread."""
from __future__ import annotations

import json
from typing import Mapping, NamedTuple

from mlflow.entities import TraceInfo, TraceLocation, TraceState
from mlflow.entities.span import Span
from mlflow.tracing.constant import SpanAttributeKey, TraceMetadataKey, TraceTagKey
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import Event, ReadableSpan
from opentelemetry.trace import SpanContext, Status, StatusCode, TraceFlags

from .._mlflow import compat as _compat

_EMPTY_RESOURCE = Resource.get_empty()
_SAMPLED = TraceFlags(TraceFlags.SAMPLED)
_TAG_PREFIX = getattr(SpanAttributeKey, "TRACE_TAG_PREFIX", "mlflow.traceTag.")
_SESSION_ATTRIBUTE = getattr(SpanAttributeKey, "SESSION_ID", "session.id")
_USER_ATTRIBUTE = getattr(SpanAttributeKey, "USER_ID", "user.id")


_dump = _compat.span_json


class SpanView(NamedTuple):
    """One span of a recorded trace, as every store takes it: attribute values JSON-encoded."""

    span_id: int
    parent_id: int | None
    name: str
    span_type: str
    start_ns: int
    end_ns: int
    attributes: dict[str, str]
    values: dict  # the attributes as recorded, not encoded (model, usage, cost, ...)
    events: list
    error: str | None


def span_views(record, *, trace_info_as_attributes: bool = False) -> list[SpanView]:
    """The trace's spans, root first, each after its parent."""
    return [SpanView(span.otel_span_id, span.parent.otel_span_id if span.parent is not None else None, span.name,
                     span.span_type, span.start_ns, span.end_ns,
                     span_attributes(span, record, trace_info_as_attributes=trace_info_as_attributes),
                     span.attributes, span.events, span.error)
            for span in record.spans()]


def span_attributes(record, root, *, trace_info_as_attributes: bool) -> dict[str, str]:
    """A span's attributes as MLflow stores them: every value JSON-encoded. Where the trace rows
    are not written apart (OTLP), the root carries the session, the user and the tags as the
    attributes MLflow's ingestion turns back into trace info."""
    dump = _dump
    attributes = {
        SpanAttributeKey.REQUEST_ID: dump(root.trace_id),
        SpanAttributeKey.SPAN_TYPE: dump(record.span_type),
    }
    is_root = record is root
    if is_root and hasattr(SpanAttributeKey, "EXPERIMENT_ID"):
        attributes[SpanAttributeKey.EXPERIMENT_ID] = dump(record.experiment_id)
    if record.inputs_json is not None:
        attributes[SpanAttributeKey.INPUTS] = record.inputs_json
    for key, value in record.attributes.items():
        attributes[key] = dump(value)
    outputs = record.outputs_text()
    if outputs is not None:
        attributes[SpanAttributeKey.OUTPUTS] = outputs
    if level := _compat.log_level(record.span_type, failed=record.error is not None):
        attributes[level[0]] = level[1]
    if trace_info_as_attributes and is_root:
        if record.session_id is not None:
            attributes[_SESSION_ATTRIBUTE] = dump(record.session_id)
        if record.user_id is not None:
            attributes[_USER_ATTRIBUTE] = dump(record.user_id)
        for key, value in trace_tags(record).items():
            attributes[_TAG_PREFIX + key] = dump(value)
    return attributes


def to_spans(record, *, trace_info_as_attributes: bool = False) -> list[Span]:
    """The trace's spans as MLflow's ``Span`` entities (for ``log_spans`` and OTLP)."""
    trace_id = record.otel_trace_id
    return [_to_span(view, trace_id) for view in span_views(record, trace_info_as_attributes=trace_info_as_attributes)]


def _to_span(view: SpanView, trace_id: int) -> Span:
    status = Status(StatusCode.OK) if view.error is None else Status(StatusCode.ERROR, view.error)
    parent = SpanContext(trace_id, view.parent_id, False, _SAMPLED) if view.parent_id is not None else None
    otel_span = ReadableSpan(
        name=view.name,
        context=SpanContext(trace_id, view.span_id, False, _SAMPLED),
        parent=parent,
        attributes=view.attributes,
        events=[Event(name, attributes, timestamp) for name, timestamp, attributes in view.events],
        status=status,
        start_time=view.start_ns,
        end_time=view.end_ns,
        resource=_EMPTY_RESOURCE,
    )
    return Span(otel_span)


def trace_metadata(record, *, with_session: bool = True) -> dict[str, str]:
    """What MLflow's exporter records as trace metadata, apart from what the store derives from
    the spans (token usage, cost)."""
    metadata = dict(_compat.environment_metadata())
    metadata[_compat.SCHEMA_VERSION_KEY] = _compat.SCHEMA_VERSION
    if record.run_id is not None:
        metadata[TraceMetadataKey.SOURCE_RUN] = record.run_id
    if record.user_id is not None:
        metadata[_compat.USER_METADATA] = record.user_id
    if with_session and record.session_id is not None:
        metadata[_compat.SESSION_METADATA] = record.session_id
    metadata.update(record.metadata)
    return metadata


def nested_totals(record) -> dict[str, str]:
    """For a trace whose spans with token usage or cost nest (a call that runs others carries
    their total): the trace's token usage and cost counted on the top-most spans that carry them,
    as trace metadata. MLflow's log_spans before 3.17 adds up every span instead, which would count
    the nested calls twice; empty when nothing nests."""
    found = {}
    for key, metadata_key in ((SpanAttributeKey.CHAT_USAGE, TraceMetadataKey.TOKEN_USAGE),
                              (SpanAttributeKey.LLM_COST, TraceMetadataKey.COST)):
        nested, total = False, {}
        for span in record.spans():
            if not isinstance(value := span.attributes.get(key), Mapping):
                continue
            ancestor = span.parent
            while ancestor is not None and not isinstance(ancestor.attributes.get(key), Mapping):
                ancestor = ancestor.parent
            if ancestor is not None:
                nested = True
                continue
            for name, amount in value.items():
                if isinstance(amount, (int, float)) and not isinstance(amount, bool):
                    total[name] = total.get(name, 0) + amount
        if nested and total:
            found[metadata_key] = json.dumps(total)
    return found


def trace_tags(record) -> dict[str, str]:
    tags = dict(record.tags)
    tags[TraceTagKey.TRACE_NAME] = record.name
    return tags


def trace_info(record) -> TraceInfo:
    """The whole trace info, for the stores that take it in one piece (``start_trace``)."""
    metadata = trace_metadata(record)
    return TraceInfo(
        trace_id=record.trace_id,
        trace_location=TraceLocation.from_experiment_id(record.experiment_id),
        request_time=record.start_ns // 1_000_000,
        execution_duration=(record.end_ns - record.start_ns) // 1_000_000,
        state=TraceState.OK if record.error is None else TraceState.ERROR,
        request_preview=record.request_preview,
        response_preview=record.response_preview,
        trace_metadata=metadata,
        tags=trace_tags(record),
    )

