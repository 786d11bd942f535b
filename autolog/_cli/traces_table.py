"""``python -m autolog traces``: recent traces as a table, one row per trace."""
from __future__ import annotations

import datetime
from typing import Any

from .records import TraceRecord, decoded

LLM_SPAN_TYPES = {"CHAT_MODEL", "LLM", "EMBEDDING"}


def output_preview(outputs: Any, words: int = 8) -> str:
    """The first words of what the model answered, whatever the provider's shape."""
    outputs = decoded(outputs)
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


def trace_cost(trace: TraceRecord) -> float | None:
    """The USD cost MLflow computed from the trace's model and token usage, if it knows the model."""
    cost = decoded(trace.metadata.get("mlflow.trace.cost"))
    total = cost.get("total_cost") if isinstance(cost, dict) else None
    return float(total) if isinstance(total, (int, float)) else None


def _dollars(cost: float | None) -> str:
    if cost is None:
        return ""
    if 0 < cost < 0.0000005:  # a real cost that six decimals would show as zero
        return "<$0.000001"
    return f"${cost:.6f}"


def _error(llm) -> str:
    """``ErrorType: message`` of a failed span, from its exception event."""
    for event in llm.events:
        if event.get("name") == "exception":
            attributes = event.get("attributes") or {}
            kind, message = attributes.get("exception.type", ""), attributes.get("exception.message", "")
            return f"{kind}: {message}" if kind and message else kind or message
    return ""


def trace_row(trace: TraceRecord) -> dict[str, Any]:
    spans = trace.spans
    llm = next((s for s in spans if s.span_type in LLM_SPAN_TYPES), spans[0] if spans else None)
    attributes = llm.attributes if llm is not None else {}
    usage = decoded(attributes.get("mlflow.chat.tokenUsage")) or {}
    started = datetime.datetime.fromtimestamp(trace.request_time_ms / 1000)
    preview = trace.response_preview
    if llm is not None and llm.failed:  # the preview holds the error, with its message where content is captured
        output = _first_words(preview or _error(llm), 12)[:90]
    else:
        output = _first_words(preview) if preview else output_preview(llm.outputs if llm is not None else None)
    return {
        "time": started.strftime("%Y-%m-%d %H:%M:%S"),
        "provider": attributes.get("mlflow.llm.provider") or "",
        "model": attributes.get("mlflow.llm.model") or "",
        "in": usage.get("input_tokens", ""),
        # part of "in": what the provider read from, and wrote to, its prompt cache
        "cache_read": usage.get("cache_read_input_tokens") or 0,
        "cache_written": usage.get("cache_creation_input_tokens") or 0,
        "out": usage.get("output_tokens", ""),
        "latency_ms": trace.duration_ms if trace.duration_ms is not None else "",
        "status": trace.state,
        "cost": trace_cost(trace),
        "output": output,
    }


COLUMNS = [("time", "time"), ("provider", "provider"), ("model", "model"), ("in", "in tok"),
           ("cached", "of which cached"), ("out", "out tok"), ("latency_ms", "ms"), ("status", "status"),
           ("cost", "cost"), ("output", "output")]


def _cached(read: int, written: int) -> str:
    parts = [f"{read} read"] if read else []
    return ", ".join(parts + [f"{written} written"] if written else parts)


def _cell(key: str, row: dict[str, Any]) -> str:
    if key == "cached":
        return _cached(row["cache_read"], row["cache_written"])
    return _dollars(row[key]) if key == "cost" else str(row[key])


def _total_line(rows: list[dict[str, Any]]) -> str:
    tokens_in = sum(r["in"] for r in rows if isinstance(r["in"], int))
    tokens_out = sum(r["out"] for r in rows if isinstance(r["out"], int))
    cached = _cached(sum(r["cache_read"] for r in rows), sum(r["cache_written"] for r in rows))
    costs = [r["cost"] for r in rows if r["cost"] is not None]
    unpriced = len(rows) - len(costs)
    line = (f"total: {len(rows)} trace(s), {tokens_in} in tok{f' (of which cached: {cached})' if cached else ''}, "
            f"{tokens_out} out tok, {_dollars(sum(costs)) or '$0'}")
    return line + (f" ({unpriced} without a known price)" if unpriced else "")


def format_table(rows: list[dict[str, Any]]) -> str:
    if not rows:
        return "no traces"
    cells = [[_cell(key, row) for key, _ in COLUMNS] for row in rows]
    heads = [title for _, title in COLUMNS]
    widths = [max(len(h), *(len(c[i]) for c in cells)) for i, h in enumerate(heads)]
    lines = ["  ".join(h.ljust(w) for h, w in zip(heads, widths)).rstrip()]
    lines.append("  ".join("-" * w for w in widths))
    lines += ["  ".join(c.ljust(w) for c, w in zip(row, widths)).rstrip() for row in cells]
    lines.append(_total_line(rows))
    return "\n".join(lines)
