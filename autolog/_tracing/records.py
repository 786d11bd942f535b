"""A trace this package starts itself: its spans recorded as plain data on the caller's thread
(ids, times, inputs, outputs, attributes, events, status), handed to the export queue when the
root span ends. A call that runs other traced calls (Gemini's automatic function calling: the
SDK's model requests, the user's functions, the calls those make) records them as child spans
of its own, while it is the current recorded span. The conversion into MLflow's span and trace
entities happens on the writer thread."""
from __future__ import annotations

import random
import time
import traceback
import types
from typing import Any, Mapping

import contextvars

from . import attachments as _attachments
from .._mlflow import compat as _compat
from .._export import exporter as _export
from .._mlflow.compat import span_json


_EMPTY: Mapping[str, str] = types.MappingProxyType({})

# The recorded span that calls started now become children of (see RecordedSpan.make_current)
CURRENT: contextvars.ContextVar["RecordedSpan | None"] = contextvars.ContextVar("autolog_recorded_span", default=None)


class RecordedSpan:
    __slots__ = (
        "otel_trace_id", "otel_span_id", "name", "span_type", "start_ns", "end_ns",
        "inputs_json", "outputs", "attributes", "events", "error",
        "tracking_uri", "experiment_id", "run_id", "metadata", "tags",
        "session_id", "user_id", "request_preview", "response_preview", "attachments", "outputs_json",
        "artifact_location", "size", "parent", "children", "token", "submitted",
    )

    def __init__(
        self,
        name: str,
        span_type: str,
        inputs: Any,
        attributes: Mapping[str, Any],
        *,
        tracking_uri: str | None,
        experiment_id: Any,
        run_id: str | None,
        metadata: Mapping[str, str] | None,
        tags: Mapping[str, str] | None,
        parent: "RecordedSpan | None" = None,
    ) -> None:
        self.parent = parent
        # empty ones shared until something is added: a trace waiting in the export queue is a
        # handful of objects for the garbage collector to count, not a dozen
        self.children: list[RecordedSpan] | tuple = ()
        self.token = None
        self.submitted = False
        self.otel_trace_id = parent.otel_trace_id if parent is not None else random.getrandbits(128) or 1
        self.otel_span_id = random.getrandbits(64) or 1
        self.name = name
        self.span_type = span_type
        self.start_ns = time.time_ns()
        self.end_ns = 0
        # attachment id -> MLflow Attachment, stored beside the trace (one dict for the whole trace)
        self.attachments: dict = parent.attachments if parent is not None else {}
        self.outputs_json: str | None = None
        self.artifact_location: str | None = None
        # serialized now: the caller may change what it passed (append to its messages list)
        # as soon as the call returns
        size, binary = measured(inputs)
        if binary:
            inputs = _attachments.extract(inputs, self.trace_id, self.attachments)
        self.inputs_json = span_json(inputs) if inputs is not None else None
        self.outputs: Any = None
        self.attributes = dict(attributes)
        self.events: list[tuple[str, int, dict[str, str]]] | tuple = ()
        self.error: str | None = None  # the status description when the span ended in error
        self.tracking_uri = tracking_uri
        self.experiment_id = experiment_id
        self.run_id = run_id
        self.session_id = self.user_id = None
        if metadata:
            metadata = dict(metadata)
            self.session_id = metadata.pop(_compat.SESSION_METADATA, None)
            self.user_id = metadata.pop(_compat.USER_METADATA, None)
        self.metadata: Mapping[str, str] = metadata or _EMPTY
        self.tags: Mapping[str, str] = dict(tags) if tags else _EMPTY
        self.request_preview: str | None = None
        self.response_preview: str | None = None
        self.size = 0  # bytes of recorded content, for the export queue's bound (set at the end)

    @property
    def trace_id(self) -> str:
        return f"tr-{self.otel_trace_id:032x}"

    @property
    def root(self) -> "RecordedSpan":
        span = self
        while span.parent is not None:
            span = span.parent
        return span

    def spans(self) -> list["RecordedSpan"]:
        """The trace's spans, root first, each after its parent."""
        found, stack = [], [self]
        while stack:
            span = stack.pop()
            found.append(span)
            stack.extend(reversed(span.children))
        return found

    def child(self, name: str, span_type: str, inputs: Any, attributes: Mapping[str, Any]) -> "RecordedSpan | None":
        """A span of a call made while this one runs; None once the trace has been handed over."""
        root = self.root
        if root.submitted:
            return None
        span = RecordedSpan(name, span_type, inputs, attributes, tracking_uri=None, experiment_id=None, run_id=None,
                            metadata=None, tags=None, parent=self)
        if not self.children:
            self.children = []
        self.children.append(span)
        return span

    def make_current(self) -> None:
        """Calls started while this span's call runs become its children."""
        self.token = CURRENT.set(self)

    def _release(self) -> None:
        token, self.token = self.token, None
        if token is not None:
            try:
                CURRENT.reset(token)
            except ValueError:  # ended in another context than it started in
                CURRENT.set(self.parent)

    def outputs_text(self) -> str | None:
        """The outputs as JSON text; outputs that may hold binary payloads have them moved to
        attachments first (once, on the writer's thread)."""
        if self.outputs is not None:
            outputs, self.outputs = _attachments.extract(self.outputs, self.trace_id, self.attachments), None
            self.outputs_json = span_json(outputs)
        return self.outputs_json

    def set_previews(self, request: str | None, response: str | None) -> None:
        self.request_preview = request
        self.response_preview = response

    def end_ok(self, outputs: Any = None, attributes: Mapping[str, Any] | None = None, end_ns: int | None = None) -> None:
        self._end(outputs, attributes, end_ns)

    def end_error(self, error: BaseException, outputs: Any = None, attributes: Mapping[str, Any] | None = None) -> None:
        self.events = [*self.events, ("exception", time.time_ns(), {
            "exception.type": type(error).__name__,
            "exception.message": str(error),
            "exception.stacktrace": "".join(traceback.format_exception(error)),
            "exception.escaped": "False",
        })]
        self.error = f"{type(error).__name__}: {error}"
        self._end(outputs, attributes, None)

    def _end(self, outputs: Any, attributes: Mapping[str, Any] | None, end_ns: int | None) -> None:
        self._release()
        self.end_ns = end_ns or time.time_ns()
        if attributes:
            self.attributes.update(attributes)
        size, binary = measured(outputs)
        if binary:  # MLflow's extractor may take something: it runs on the writer
            self.outputs = outputs
        elif outputs is not None:
            # as text now, so that what waits in the export queue is a few objects, not the
            # whole response's dicts and lists for the garbage collector to go over
            self.outputs_json = span_json(outputs)
            size = len(self.outputs_json)
        self.size = len(self.inputs_json or "") + size
        if self.parent is not None:
            return  # the root hands the whole trace over
        for span in self.spans()[1:]:
            if not span.end_ns:  # a child still open when its root ends is ended with it
                span.end_ns = self.end_ns
            self.size += span.size
        self.size += sum(_attachments.size_of(a) for a in self.attachments.values())
        self.submitted = True
        _compat.set_last_active_trace_id(self.trace_id)
        _export.EXPORTER.submit(self)


def measured(value: Any, budget: int = 10_000) -> tuple[int, bool]:
    """About the bytes ``value`` takes as JSON, and whether it may hold a binary payload (a data
    URL, or a long string without spaces, as base64 is); at most ``budget`` items are walked (a
    larger value is counted by what was walked, scaled up, and is taken to hold one)."""
    total = 0
    binary = False
    stack = [value]
    walked = 0
    while stack and walked < budget:
        item = stack.pop()
        walked += 1
        if isinstance(item, str):
            total += len(item) + 2
            if not binary and len(item) >= 32 and (item.startswith("data:") or " " not in item[:64]):
                binary = True
        elif isinstance(item, dict):
            total += 2 + 4 * len(item)
            for key, inner in item.items():
                total += len(key) if isinstance(key, str) else 8
                stack.append(inner)
        elif isinstance(item, (list, tuple)):
            total += 2 + len(item)
            stack.extend(item)
        elif isinstance(item, (int, float, bool)) or item is None:
            total += 8
        else:  # bytes, an Attachment, an object the JSON encoder will describe
            total += len(item) * 4 // 3 if isinstance(item, (bytes, bytearray)) else 64
            binary = True
    if stack:
        total = total * (walked + len(stack)) // max(walked, 1)
        binary = True
    return total, binary
