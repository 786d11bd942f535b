"""Where the text is in OpenAI requests and responses, for the trace list's previews."""
from __future__ import annotations

from typing import Any

from .._tracing.kinds import field
from .._tracing.previews import call_text, joined, last_with_role, marker, parts_text

_TEXT_PARTS = ("text", "input_text", "output_text")


def _part_text(kind: Any, part: Any) -> str | None:
    if kind in _TEXT_PARTS:
        return field(part, "text")
    if kind == "refusal":
        return field(part, "refusal")
    return marker(kind)


def content_text(content: Any) -> str | None:
    """A message's content: a string, or parts whose text is joined and others marked."""
    return parts_text(content, _part_text)


def chat_request(inputs: Any) -> str | None:
    return content_text(field(last_with_role(field(inputs, "messages"), "user"), "content"))


def completions_request(inputs: Any) -> str | None:
    prompt = field(inputs, "prompt")
    if isinstance(prompt, str):
        return prompt
    if isinstance(prompt, (list, tuple)) and prompt and all(isinstance(p, str) for p in prompt):
        return joined(prompt, " | ")
    return "[tokens]" if prompt else None


def embeddings_request(inputs: Any) -> str | None:
    text = field(inputs, "input")
    if isinstance(text, str):
        return text
    if isinstance(text, (list, tuple)) and text:
        if all(isinstance(t, str) for t in text):
            return joined(text, " | ")
        return f"[{len(text)} token arrays]"
    return None


def responses_request(inputs: Any) -> str | None:
    given = field(inputs, "input")
    if isinstance(given, str):
        return given
    message = last_with_role(given, "user")
    if message is not None:
        return content_text(field(message, "content"))
    return None


def _tool_calls(message: Any) -> str | None:
    calls = field(message, "tool_calls") or []
    texts = [call_text(field(field(c, "function"), "name"), field(field(c, "function"), "arguments")) for c in calls]
    function = field(message, "function_call")
    if function is not None:
        texts.append(call_text(field(function, "name"), field(function, "arguments")))
    return joined(texts, ", ")


def chat_response(outputs: Any) -> str | None:
    choices = field(outputs, "choices") or []
    if not choices:
        return None
    message = field(choices[0], "message")
    return content_text(field(message, "content")) or _tool_calls(message) or field(message, "refusal")


def completions_response(outputs: Any) -> str | None:
    choices = field(outputs, "choices") or []
    return field(choices[0], "text") if choices else None


def embeddings_response(outputs: Any) -> str | None:
    data = field(outputs, "data") or []
    if not data:
        return None
    vector = field(data[0], "embedding")
    if isinstance(vector, (list, tuple)):
        return f"{len(data)} vectors of {len(vector)} dims"
    return f"{len(data)} vectors"


def responses_response(outputs: Any) -> str | None:
    texts, calls, refusals = [], [], []
    for item in field(outputs, "output") or []:
        kind = field(item, "type")
        if kind == "message":
            for part in field(item, "content") or []:
                if field(part, "type") == "refusal":
                    refusals.append(field(part, "refusal"))
                else:
                    texts.append(field(part, "text"))
        elif kind == "function_call":
            calls.append(call_text(field(item, "name"), field(item, "arguments")))
        elif kind and kind.endswith("_call"):
            calls.append(marker(kind))
    return joined(texts) or joined(calls, ", ") or joined(refusals)


def prompt_request(inputs: Any) -> str | None:
    """images: the prompt; moderations and speech: the input text."""
    for key in ("prompt", "input"):
        value = field(inputs, key)
        if isinstance(value, str):
            return value
        if isinstance(value, (list, tuple)):
            return content_text(value) or joined((v for v in value if isinstance(v, str)), " | ")
    return None


def audio_request(inputs: Any) -> str | None:
    audio = field(inputs, "file")
    name = field(audio, "file") if isinstance(audio, dict) else None
    return joined(["[audio]", name, field(inputs, "prompt")])


def images_response(outputs: Any) -> str | None:
    data = field(outputs, "data") or []
    revised = joined((field(d, "revised_prompt") for d in data), " | ")
    details = joined([field(outputs, "size"), field(outputs, "output_format")], ", ")
    count = f"{len(data)} image{'s' if len(data) != 1 else ''}" + (f" ({details})" if details else "")
    return joined([count, revised], ": ")


def transcript_response(outputs: Any) -> str | None:
    text = field(outputs, "text")
    return text if isinstance(text, str) else None


def speech_response(outputs: Any) -> str | None:
    if field(outputs, "size") is None:
        return None
    return f"[{field(outputs, 'media_type')}, {field(outputs, 'size')} bytes]"


def moderation_response(outputs: Any) -> str | None:
    results = field(outputs, "results") or []
    flagged = [r for r in results if field(r, "flagged")]
    if not flagged:
        return "not flagged" if results else None
    categories = sorted({name for r in flagged for name, hit in (field(r, "categories") or {}).items() if hit})
    return "flagged: " + (", ".join(categories) if categories else "yes")
