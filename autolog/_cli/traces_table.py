"""``python -m autolog traces``: recent traces, read back through MLflow's client API."""
from __future__ import annotations

import datetime
import json
import os
from typing import Any
from urllib.parse import urlparse

LLM_SPAN_TYPES = {"CHAT_MODEL", "LLM", "EMBEDDING"}


class StoreError(Exception):
    """A tracking URI that names no usable store; the message is the whole explanation."""


def check_store(uri: str) -> None:
    """MLflow would create an empty store for a sqlite path that does not exist; a listing
    should say that there is none instead."""
    parsed = urlparse(uri)
    if parsed.scheme == "sqlite":
        path = uri[len("sqlite:///"):] if uri.startswith("sqlite:///") else parsed.path
        if not path or not os.path.exists(path):
            raise StoreError(f"no MLflow store at {path or uri!r} (run `python -m autolog demo` to make one)")
    elif parsed.scheme not in ("http", "https", "file", "databricks", "postgresql", "mysql", "mssql", ""):
        raise StoreError(f"unsupported tracking URI {uri!r}")


def _json(value: Any) -> Any:
    if isinstance(value, str):
        try:
            return json.loads(value)
        except ValueError:
            return value
    return value


def output_preview(outputs: Any, words: int = 8) -> str:
    """The first words of what the model answered, whatever the provider's shape."""
    outputs = _json(outputs)
    text = ""
    if isinstance(outputs, dict):
        if isinstance(outputs.get("choices"), list) and outputs["choices"]:
            first = outputs["choices"][0]
            message = first.get("message") or {}
            text = message.get("content") or first.get("text") or ""
            if isinstance(text, list):  # content chunks (Mistral's reasoning models): the text ones
                text = " ".join(p.get("text") or "" for p in text if isinstance(p, dict) and p.get("type") == "text")
            if not text and message.get("tool_calls"):
                calls = message["tool_calls"]
                text = "tool call: " + ", ".join((c.get("function") or {}).get("name", "?") for c in calls)
        elif isinstance(outputs.get("content"), list):  # Anthropic message
            parts = [b.get("text", "") for b in outputs["content"] if isinstance(b, dict) and b.get("type") == "text"]
            text = " ".join(p for p in parts if p)
            if not text:
                names = [b.get("name") for b in outputs["content"] if isinstance(b, dict) and b.get("name")]
                text = "tool call: " + ", ".join(names) if names else ""
        elif isinstance(outputs.get("output"), list):  # Responses API
            for item in outputs["output"]:
                for part in item.get("content") or []:
                    if isinstance(part, dict) and part.get("text"):
                        text += part["text"]
        elif isinstance(outputs.get("data"), list):  # embeddings
            text = f"[{len(outputs['data'])} embedding(s)]"
    elif isinstance(outputs, str):
        text = outputs
    return _first_words(str(text), words)


def _first_words(text: str, words: int = 8) -> str:
    pieces = text.split()
    preview = " ".join(pieces[:words])
    return preview + (" ..." if len(pieces) > words else "")


def trace_cost(trace) -> float | None:
    """The USD cost MLflow computed from the trace's model and token usage, if it knows the model."""
    cost = _json(trace.info.trace_metadata.get("mlflow.trace.cost"))
    total = cost.get("total_cost") if isinstance(cost, dict) else None
    return float(total) if isinstance(total, (int, float)) else None


def _dollars(cost: float | None) -> str:
    return "" if cost is None else f"${cost:.6f}"


def trace_row(trace) -> dict[str, Any]:
    spans = trace.data.spans
    llm = next((s for s in spans if str(s.span_type) in LLM_SPAN_TYPES), spans[0] if spans else None)
    attributes = llm.attributes if llm is not None else {}
    usage = _json(attributes.get("mlflow.chat.tokenUsage")) or {}
    started = datetime.datetime.fromtimestamp(trace.info.request_time / 1000)
    error = ""
    if llm is not None and "ERROR" in str(llm.status.status_code):
        events = [e for e in llm.events if e.name == "exception"]
        if events:
            error = str(events[0].attributes.get("exception.type", ""))
    preview = trace.info.response_preview
    return {
        "time": started.strftime("%Y-%m-%d %H:%M:%S"),
        "provider": attributes.get("mlflow.llm.provider") or "",
        "model": attributes.get("mlflow.llm.model") or "",
        "in": usage.get("input_tokens", ""),
        "out": usage.get("output_tokens", ""),
        "latency_ms": trace.info.execution_duration if trace.info.execution_duration is not None else "",
        "status": str(trace.info.state).replace("TraceState.", ""),
        "cost": trace_cost(trace),
        "output": f"[{error}]" if error else _first_words(preview) if preview else output_preview(
            llm.outputs if llm is not None else None),
    }


def filter_for(session: str | None = None, user: str | None = None, extra: str | None = None) -> str | None:
    """An MLflow search filter for ``--session``, ``--user`` and ``--filter``, joined with AND."""
    clauses = []
    for key, value in (("mlflow.trace.session", session), ("mlflow.trace.user", user)):
        if value is not None:
            clauses.append(f"metadata.`{key}` = '{value.replace(chr(39), chr(39) * 2)}'")
    if extra:
        clauses.append(extra)
    return " AND ".join(clauses) or None


def read_traces(tracking_uri: str, experiment: str | None, last: int, filter_string: str | None = None) -> list:
    from mlflow import MlflowClient

    check_store(tracking_uri)
    client = MlflowClient(tracking_uri=tracking_uri)
    try:
        if experiment:
            found = client.get_experiment_by_name(experiment)
            if found is None:
                raise StoreError(f"no experiment named {experiment!r} in {tracking_uri}")
            ids = [found.experiment_id]
        else:
            ids = [e.experiment_id for e in client.search_experiments()]
        if not ids:
            return []
        return list(client.search_traces(locations=ids, max_results=last, order_by=["timestamp_ms DESC"],
                                         filter_string=filter_string))
    except StoreError:
        raise
    except Exception as error:  # a server that does not answer, a database that is not MLflow's
        raise StoreError(f"could not read traces from {tracking_uri}: {type(error).__name__}: {error}") from None


COLUMNS = [("time", "time"), ("provider", "provider"), ("model", "model"), ("in", "in tok"), ("out", "out tok"),
           ("latency_ms", "ms"), ("status", "status"), ("cost", "cost"), ("output", "output")]


def _cell(key: str, value: Any) -> str:
    return _dollars(value) if key == "cost" else str(value)


def _total_line(rows: list[dict[str, Any]]) -> str:
    tokens_in = sum(r["in"] for r in rows if isinstance(r["in"], int))
    tokens_out = sum(r["out"] for r in rows if isinstance(r["out"], int))
    costs = [r["cost"] for r in rows if r["cost"] is not None]
    unpriced = len(rows) - len(costs)
    line = f"total: {len(rows)} trace(s), {tokens_in} in tok, {tokens_out} out tok, {_dollars(sum(costs)) or '$0'}"
    return line + (f" ({unpriced} without a known price)" if unpriced else "")


def format_table(rows: list[dict[str, Any]]) -> str:
    if not rows:
        return "no traces"
    cells = [[_cell(key, row[key]) for key, _ in COLUMNS] for row in rows]
    heads = [title for _, title in COLUMNS]
    widths = [max(len(h), *(len(c[i]) for c in cells)) for i, h in enumerate(heads)]
    lines = ["  ".join(h.ljust(w) for h, w in zip(heads, widths)).rstrip()]
    lines.append("  ".join("-" * w for w in widths))
    lines += ["  ".join(c.ljust(w) for c, w in zip(row, widths)).rstrip() for row in cells]
    lines.append(_total_line(rows))
    return "\n".join(lines)
