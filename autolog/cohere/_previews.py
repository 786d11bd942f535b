"""Where the text is in Cohere requests and responses, for the trace list's previews."""
from __future__ import annotations

from typing import Any

from .._tracing.kinds import field
from .._tracing.previews import call_text, joined, last_with_role
from ._messages import content_text


def chat_request(inputs: Any) -> str | None:
    return content_text(field(last_with_role(field(inputs, "messages"), "user"), "content"))


def chat_response(outputs: Any) -> str | None:
    message = field(outputs, "message") or {}
    text = content_text(field(message, "content"))
    if text:
        return text
    calls = field(message, "tool_calls") or []
    return joined((call_text(field(field(c, "function"), "name"), field(field(c, "function"), "arguments") or "")
                   for c in calls), ", ") or field(message, "tool_plan")


def embed_request(inputs: Any) -> str | None:
    texts = field(inputs, "texts")
    if isinstance(texts, (list, tuple)) and texts:
        return joined((t for t in texts if isinstance(t, str)), " | ")
    images = field(inputs, "images")
    if isinstance(images, (list, tuple)) and images:
        return f"[{len(images)} images]"
    given = field(inputs, "inputs")
    if isinstance(given, (list, tuple)) and given:
        return joined((content_text(field(i, "content")) for i in given), " | ")
    return None


def embed_response(outputs: Any) -> str | None:
    embeddings = field(outputs, "embeddings")
    if isinstance(embeddings, list):  # a v1 float response
        by_type = {"float": embeddings}
    elif isinstance(embeddings, dict):
        by_type = embeddings
    else:
        return None
    for kind, vectors in by_type.items():
        if isinstance(vectors, list) and vectors:
            dims = len(vectors[0]) if isinstance(vectors[0], list) else None
            shape = f"{len(vectors)} vectors of {dims} dims" if dims is not None else f"{len(vectors)} vectors"
            return f"{shape} ({kind})"
    return None


def rerank_request(inputs: Any) -> str | None:
    query = field(inputs, "query")
    documents = field(inputs, "documents")
    count = f" [{len(documents)} documents]" if isinstance(documents, (list, tuple)) else ""
    return f"{query}{count}" if isinstance(query, str) else None


def rerank_response(outputs: Any) -> str | None:
    results = field(outputs, "results")
    if not isinstance(results, list):
        return None
    ranked = ", ".join(f"#{field(r, 'index')} ({field(r, 'relevance_score'):.3f})" for r in results[:5]
                       if isinstance(field(r, "relevance_score"), (int, float)))
    return f"{len(results)} results: {ranked}" if ranked else f"{len(results)} results"
