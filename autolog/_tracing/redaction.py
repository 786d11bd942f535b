"""Credentials a call carries never reach the store: per-call headers and query parameters that
hold them (``extra_headers={"Authorization": ...}``, ``extra_query={"api-key": ...}``, Gemini's
``http_options.headers``, ...) and keyword arguments that are credentials themselves
(``api_key=`` where an SDK takes one per call) are recorded as ``"<redacted>"``, for every provider.

Only the places that hold headers, query parameters and options are looked into: the prompt
itself is the caller's to scrub (``redact=``)."""
from __future__ import annotations

import re
from typing import Any, Mapping

REDACTED = "<redacted>"

# a header or query parameter name holding one of these is a credential
_SECRET_PART = re.compile(r"key|token|secret|auth|passw|cookie|credential|signature", re.IGNORECASE)
# a keyword argument that is a credential: one of its words (split on _ and -) is one of these
_SECRET_WORDS = frozenset({"key", "apikey", "secret", "password", "passwd", "token", "auth", "authorization",
                           "cookie", "credential", "credentials", "signature"})
_NOT_SECRET = frozenset({"prompt_cache_key", "cache_key"})
# where headers and query parameters are given: these names, and those inside options objects
_CONTAINER = re.compile(r"header|query|params|cookies", re.IGNORECASE)
_OPTIONS = frozenset({"config", "http_options", "request_options", "extra_body", "client_options"})


def _secret_argument(name: str) -> bool:
    if name in _NOT_SECRET:
        return False
    return any(word in _SECRET_WORDS for word in re.split(r"[_\-]", name.lower()))


def _scrubbed(container: Any, depth: int = 0) -> Any:
    """A headers / query mapping with its credentials replaced."""
    if isinstance(container, Mapping) and depth < 4:
        return {k: REDACTED if isinstance(k, str) and _SECRET_PART.search(k) and v is not None
                else _scrubbed(v, depth + 1) for k, v in container.items()}
    if isinstance(container, (list, tuple)) and depth < 4:  # [("Authorization", "Bearer ...")]
        return [(item[0], REDACTED) if isinstance(item, (list, tuple)) and len(item) == 2
                and isinstance(item[0], str) and _SECRET_PART.search(item[0]) else item for item in container]
    return container


def _options(value: Mapping, depth: int = 0) -> Mapping:
    changed = None
    for key, inner in value.items():
        if not isinstance(key, str):
            continue
        if _CONTAINER.search(key):
            replacement = _scrubbed(inner)
        elif _secret_argument(key) and inner is not None:
            replacement = REDACTED
        elif key in _OPTIONS and isinstance(inner, Mapping) and depth < 2:
            replacement = _options(inner, depth + 1)
        else:
            continue
        if replacement is not inner:
            changed = changed if changed is not None else dict(value)
            changed[key] = replacement
    return changed if changed is not None else value


def without_credentials(inputs: Mapping[str, Any]) -> Mapping[str, Any]:
    """The call's recorded inputs with every credential replaced (the same object when it has none)."""
    return _options(inputs)
