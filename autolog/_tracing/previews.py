"""The one-line request and response previews MLflow's trace list shows, for the traces the package
starts. Built from what the span records (so ``capture_content=False`` and ``redact=`` apply to
them too), bounded in length; the providers say where the text is in their shapes."""
from __future__ import annotations

import json
import logging
from typing import Any, Callable, Iterable

from .kinds import field

_logger = logging.getLogger("autolog")

MAX_CHARS = 1000  # MLflow's trace_info column holds this many

# non-text parts, as a marker in the text
MARKERS = {
    "image": "[image]", "image_url": "[image]", "input_image": "[image]",
    "input_audio": "[audio]", "audio": "[audio]",
    "file": "[file]", "input_file": "[file]", "document": "[document]",
    "video": "[video]",
}


def bounded(text: str | None) -> str | None:
    if text is None:
        return None
    text = text.strip()
    if not text:
        return None
    return text if len(text) <= MAX_CHARS else text[: MAX_CHARS - 3] + "..."


def joined(pieces: Iterable[str | None], sep: str = " ") -> str | None:
    found = [p for p in pieces if p]
    return sep.join(found) if found else None


def parts_text(content: Any, part_text: Callable[[Any, Any], str | None], sep: str = " ") -> str | None:
    """A message's content as text: a string as is, else its parts joined: strings as they are,
    typed parts as ``part_text(kind, part)`` reads them (None leaves one out)."""
    if isinstance(content, str):
        return content
    if not isinstance(content, (list, tuple)):
        return None
    pieces = []
    for part in content:
        if isinstance(part, str):
            pieces.append(part)
        elif (kind := field(part, "type")) is not None:
            pieces.append(part_text(kind, part))
    return joined(pieces, sep)


def marker(kind: Any) -> str:
    return MARKERS.get(str(kind), f"[{kind}]")


def call_text(name: Any, arguments: Any) -> str:
    """A tool call as ``name(arguments)``."""
    if not isinstance(arguments, str):
        try:
            arguments = json.dumps(arguments, ensure_ascii=False, separators=(", ", ": "))
        except (TypeError, ValueError):
            arguments = str(arguments)
    return f"{name}({arguments})"


def last_with_role(items: Any, role: str) -> Any:
    if not isinstance(items, (list, tuple)):
        return None
    for item in reversed(items):
        if field(item, "role") == role:
            return item
    return None


def error_preview(error: BaseException, capture_content: bool) -> str:
    """``ErrorType: message``; the message only where content is captured (it may quote the prompt)."""
    name = type(error).__name__
    return bounded(f"{name}: {error}" if capture_content and str(error) else name)


def of_recorded(value: Any, reader) -> str | None:
    """A preview of what the span records: a ``redact`` that returned text is shown as is. Never
    raises: a reader that fails on a shape it does not know makes no preview."""
    if value is None or reader is None:
        return None
    if isinstance(value, str):
        return bounded(value)
    try:
        return bounded(reader(value))
    except Exception:
        _logger.debug("autolog: could not make a preview", exc_info=True)
        return None
