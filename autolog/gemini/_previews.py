"""Where the text is in google-genai requests and responses, for the trace list's previews."""
from __future__ import annotations

from typing import Any

from .._tracing.kinds import field
from .._tracing.previews import call_text, joined, marker


def _parts_text(parts: Any, *, thoughts: bool = False) -> str | None:
    pieces = []
    for part in parts or ():
        if isinstance(part, str):
            pieces.append(part)
            continue
        text = field(part, "text")
        if isinstance(text, str):
            if thoughts or not field(part, "thought"):
                pieces.append(text)
        elif field(part, "function_response") is not None:
            pieces.append(f"[{field(field(part, 'function_response'), 'name')} result]")
        elif field(part, "inline_data") is not None or field(part, "file_data") is not None:
            data = field(part, "inline_data") or field(part, "file_data")
            mime = str(field(data, "mime_type") or "file")
            pieces.append(marker(mime.split("/")[0]))
    return joined(pieces)


def request(inputs: Any) -> str | None:
    contents = field(inputs, "contents")
    if isinstance(contents, str):
        return contents
    if isinstance(contents, dict):
        contents = [contents]
    if not isinstance(contents, list):
        return None
    if all(isinstance(c, str) or field(c, "role") is None and field(c, "parts") is None for c in contents):
        return _parts_text(contents)  # a list of parts: one user turn
    for content in reversed(contents):
        if field(content, "role") in (None, "user"):
            return _parts_text(field(content, "parts"))
    return None


def response(outputs: Any) -> str | None:
    candidates = field(outputs, "candidates") or []
    if not candidates:
        feedback = field(outputs, "prompt_feedback")
        reason = field(feedback, "block_reason") if feedback is not None else None
        return f"[blocked: {reason}]" if reason else None
    parts = field(field(candidates[0], "content"), "parts") or []
    text = _parts_text(parts)
    if text:
        return text
    calls = [field(p, "function_call") for p in parts if field(p, "function_call") is not None]
    return joined((call_text(field(c, "name"), field(c, "args") or {}) for c in calls), ", ")


def embed_request(inputs: Any) -> str | None:
    contents = field(inputs, "contents")
    if isinstance(contents, str):
        return contents
    if isinstance(contents, list):
        return joined((c if isinstance(c, str) else _parts_text(field(c, "parts")) for c in contents), " | ")
    return None


def embed_response(outputs: Any) -> str | None:
    embeddings = field(outputs, "embeddings") or []
    if not embeddings:
        return None
    values = field(embeddings[0], "values")
    return f"{len(embeddings)} vectors of {len(values)} dims" if isinstance(values, list) else f"{len(embeddings)} vectors"
