"""Binary payloads out of the span: MLflow's own attachments (``mlflow-attachment://`` references
in the span, the bytes stored beside the trace), built on MLflow's own extractor.

- Files handed to the SDK (bytes, file objects, paths, ``(name, content)`` tuples) are recorded
  as their name, media type and size: never read, never consumed before the SDK sends them.
- Base64 payloads MLflow does not extract itself (Anthropic ``document`` and other non-image
  ``base64`` sources) become MLflow ``Attachment`` objects, which MLflow's extractor stores like
  the payloads it knows (data URIs, ``input_audio``, Anthropic images, ``b64_json``, ...).
- The extraction for the traces the package records runs MLflow's own ``LiveSpan`` extractor
  functions, once per call; for spans that join an MLflow trace, MLflow's span does it itself.
- Where the installed MLflow has no attachments, or ``MLFLOW_TRACE_EXTRACT_ATTACHMENTS=false``,
  payloads stay as they are (MLflow's own behaviour)."""
from __future__ import annotations

import base64
import hashlib
import io
import logging
import mimetypes
import os
from typing import Any

_logger = logging.getLogger("autolog")

try:
    from mlflow.entities.span import LiveSpan
    from mlflow.environment_variables import MLFLOW_TRACE_EXTRACT_ATTACHMENTS
    from mlflow.tracing.attachments import Attachment
except ImportError:  # an MLflow without attachments
    LiveSpan = Attachment = MLFLOW_TRACE_EXTRACT_ATTACHMENTS = None  # type: ignore[assignment,misc]


def _media_type(name: Any) -> str:
    guessed = mimetypes.guess_type(str(name))[0] if name else None
    return guessed or "application/octet-stream"


def _size_of(stream: Any) -> int | None:
    try:
        return os.fstat(stream.fileno()).st_size
    except Exception:
        try:
            buffer = stream.getbuffer()  # io.BytesIO
            return buffer.nbytes
        except Exception:
            return None


def file_placeholder(value: Any) -> dict[str, Any] | None:
    """What the span says of a file the SDK sends, or None if ``value`` is not one."""
    name = None
    if isinstance(value, tuple) and len(value) >= 2 and isinstance(value[0], (str, type(None))):
        name, content = value[0], value[1]
        media = value[2] if len(value) > 2 and isinstance(value[2], str) else None
    else:
        content, media = value, None
    if isinstance(content, (bytes, bytearray, memoryview)):
        data = bytes(content)
        return {"file": name, "media_type": media or _media_type(name), "size": len(data),
                "sha256": hashlib.sha256(data).hexdigest()[:16]}
    if isinstance(content, io.IOBase) or (hasattr(content, "read") and hasattr(content, "seek")):
        name = name or getattr(content, "name", None)
        name = os.path.basename(name) if isinstance(name, str) else name
        return {"file": name, "media_type": media or _media_type(name), "size": _size_of(content)}
    if isinstance(content, os.PathLike):
        path = os.fspath(content)
        try:
            size = os.path.getsize(path)
        except OSError:
            size = None
        return {"file": os.path.basename(path), "media_type": media or _media_type(path), "size": size}
    return None


def describe_files(value: Any, depth: int = 0) -> Any:
    """The request with every file in it replaced by its placeholder."""
    if depth > 6:
        return value
    placeholder = file_placeholder(value)
    if placeholder is not None:
        return placeholder
    if isinstance(value, dict):
        return {k: describe_files(v, depth + 1) for k, v in value.items()}
    if isinstance(value, list):
        return [describe_files(v, depth + 1) for v in value]
    return value


def _enabled() -> bool:
    return Attachment is not None and MLFLOW_TRACE_EXTRACT_ATTACHMENTS.get()


def _base64_source_attachment(source: dict) -> Any:
    data = source.get("data")
    if not isinstance(data, str) or not data or data.startswith("mlflow-attachment://"):
        return None
    try:
        content = base64.b64decode(data, validate=True)
    except Exception:
        return None
    return Attachment(content_type=source.get("media_type") or "application/octet-stream", content_bytes=content)


def mark(value: Any, depth: int = 0) -> Any:
    """Base64 payloads MLflow's extractor leaves inline, as ``Attachment`` objects it stores."""
    if depth > 12 or not isinstance(value, (dict, list)):
        return value
    if isinstance(value, list):
        return [mark(v, depth + 1) for v in value]
    source = value.get("source")
    if (value.get("type") not in (None, "image") and isinstance(source, dict) and source.get("type") == "base64"
            and (attachment := _base64_source_attachment(source)) is not None):
        return {**value, "source": {**source, "data": attachment}}
    return {k: mark(v, depth + 1) for k, v in value.items()}


class _Collector:
    """MLflow's ``LiveSpan`` extractor, run for a trace the package records itself: the same
    shapes, references and size limit as MLflow's own spans."""

    if LiveSpan is not None:
        _extract_attachments = LiveSpan._extract_attachments
        _try_convert_data_uri = LiveSpan._try_convert_data_uri
        _try_convert_structured_content = LiveSpan._try_convert_structured_content
        _store_attachment = LiveSpan._store_attachment

    def __init__(self, trace_id: str, found: dict) -> None:
        self.trace_id = trace_id
        self._attachments = found

    def _is_recording(self) -> bool:
        return True

    def record_exception(self, message: str) -> None:
        _logger.debug("autolog: %s", message)


def for_mlflow_span(value: Any) -> Any:
    """For a live MLflow span, which extracts attachments itself."""
    return mark(value) if _enabled() else value


def extract(value: Any, trace_id: str, found: dict) -> Any:
    """``value`` with its binary payloads replaced by attachment references; the attachments
    go into ``found`` (id -> Attachment)."""
    if value is None or not _enabled() or not hasattr(_Collector, "_extract_attachments"):
        return value
    try:
        return _Collector(trace_id, found)._extract_attachments(mark(value), True)
    except Exception:
        _logger.debug("autolog: could not extract attachments", exc_info=True)
        return value


def size_of(attachment: Any) -> int:
    """The bytes an attachment holds (for the export queue's bound)."""
    content = getattr(attachment, "content_bytes", None)
    return len(content) if isinstance(content, (bytes, bytearray)) else 0
