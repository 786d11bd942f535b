"""Where the text is in Bedrock requests and responses, for the trace list's previews."""
from __future__ import annotations

from typing import Any, Mapping

from ..anthropic import _previews as anthropic
from .._tracing.previews import call_text, joined, last_with_role, marker
from ._invoke import family

_MEDIA = ("image", "document", "video", "audio")


def _blocks_text(content: Any) -> str | None:
    """Converse content blocks (Nova's invoke bodies use them too); Anthropic's where they are."""
    if isinstance(content, str):
        return content
    if not isinstance(content, list):
        return None
    pieces = []
    for block in content:
        if not isinstance(block, Mapping):
            continue
        if "type" in block:  # Anthropic's blocks, in an Anthropic invoke body
            pieces.append(anthropic._blocks_text([block]))
        elif isinstance(block.get("text"), str):
            pieces.append(block["text"])
        elif "toolResult" in block:
            result = block["toolResult"].get("content") or []
            pieces.append(joined(["[tool result]", _blocks_text(result)]))
        elif "citationsContent" in block:
            pieces.append(_blocks_text(block["citationsContent"].get("content")))
        else:
            kind = next((k for k in _MEDIA if k in block), None)
            if kind is not None:
                pieces.append(marker(kind))
    return joined(pieces)


def _tool_calls(content: Any) -> str | None:
    calls = [b["toolUse"] for b in content or () if isinstance(b, Mapping) and isinstance(b.get("toolUse"), Mapping)]
    return joined((call_text(c.get("name"), c.get("input")) for c in calls), ", ")


def converse_request(inputs: Any) -> str | None:
    message = last_with_role(inputs.get("messages") if isinstance(inputs, Mapping) else None, "user")
    return _blocks_text(message.get("content")) if isinstance(message, Mapping) else None


def _message_text(message: Any) -> str | None:
    if not isinstance(message, Mapping):
        return None
    content = message.get("content")
    return _blocks_text(content) or _tool_calls(content)


def converse_response(outputs: Any) -> str | None:
    return _message_text(((outputs or {}).get("output") or {}).get("message"))


def invoke_request(inputs: Any) -> str | None:
    body = inputs.get("body") if isinstance(inputs, Mapping) else None
    if not isinstance(body, Mapping):
        return body if isinstance(body, str) else None
    message = last_with_role(body.get("messages"), "user")
    if isinstance(message, Mapping):
        return _blocks_text(message.get("content"))
    for key in ("prompt", "inputText", "message", "query"):  # Llama, Mistral, Titan, Cohere, rerank
        if isinstance(body.get(key), str):
            return body[key]
    texts = body.get("texts")  # Cohere's embeddings
    if isinstance(texts, list):
        return joined((t for t in texts if isinstance(t, str)), " | ")
    return None


def _embeddings(body: Mapping[str, Any]) -> str | None:
    vectors = body.get("embeddings", body.get("embedding"))
    if isinstance(vectors, Mapping):  # by type (Cohere's embeddings_by_type)
        vectors = next(iter(vectors.values()), None)
    if isinstance(vectors, list) and vectors and all(isinstance(v, (int, float)) for v in vectors[:3]):
        return f"1 vector of {len(vectors)} dims"
    if isinstance(vectors, list) and vectors:
        first = vectors[0].get("embedding") if isinstance(vectors[0], Mapping) else vectors[0]
        size = f" of {len(first)} dims" if isinstance(first, list) else ""
        return f"{len(vectors)} vectors{size}"
    return None


def invoke_response(outputs: Any) -> str | None:
    body = outputs.get("body") if isinstance(outputs, Mapping) else None
    if not isinstance(body, Mapping):
        return body if isinstance(body, str) else None
    kind = family(body)
    if kind == "anthropic":
        return anthropic.response(body)
    if kind == "nova":
        return _message_text((body.get("output") or {}).get("message"))
    if kind == "embedding":
        return _embeddings(body)
    if kind == "titan":
        return joined(r.get("outputText") for r in body.get("results") or () if isinstance(r, Mapping))
    if kind == "mistral":
        return joined(o.get("text") for o in body.get("outputs") or () if isinstance(o, Mapping))
    if kind == "cohere" and isinstance(body.get("generations"), list):
        return joined(g.get("text") for g in body["generations"] if isinstance(g, Mapping))
    if kind == "ai21" and isinstance(body.get("completions"), list):
        return joined(((c.get("data") or {}).get("text") for c in body["completions"] if isinstance(c, Mapping)))
    if kind in ("choices", "ai21"):
        choice = next(iter(body.get("choices") or ()), None) or {}
        message = choice.get("message") or {}
        calls = message.get("tool_calls") or ()
        return (message.get("content") or choice.get("text")
                or joined((call_text((c.get("function") or {}).get("name"), (c.get("function") or {}).get("arguments"))
                           for c in calls), ", "))
    if kind == "rerank":
        return f"{len(body.get('results') or ())} results"
    for key in ("completion", "generation", "text"):  # Claude's legacy completion, Llama, Cohere Command R
        if isinstance(body.get(key), str):
            return body[key]
    return None
