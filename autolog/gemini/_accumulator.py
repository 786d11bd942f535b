"""Assemble a google-genai stream into the GenerateContentResponse a non-streaming call returns.

Each chunk carries a few parts per candidate. Text is joined into runs (a run ends where a part of
another kind, or a thought where there was answer text, comes between), thought runs keep their
signature, every other part (function calls, code and its result, inline data) is kept as it came;
grounding and URL context metadata are the last ones sent, citations are gathered, usage is read
from the last chunk that carries it."""
from __future__ import annotations

from typing import Any

from .._tracing.text import TextBuffer

_LAST_WINS = ("finish_reason", "finish_message", "safety_ratings", "grounding_metadata", "avg_logprobs",
              "logprobs_result", "url_context_metadata", "token_count")


def dump(obj: Any) -> Any:
    """A google-genai object as JSON-ready data, without its empty fields and HTTP details."""
    if isinstance(obj, list):
        return [dump(o) for o in obj]
    dumper = getattr(obj, "model_dump", None)
    if not callable(dumper):
        return obj
    return dumper(mode="json", exclude_none=True, exclude={"sdk_http_response"} if "sdk_http_response" in getattr(
        type(obj), "model_fields", {}) else None)


class _TextRun:
    __slots__ = ("thought", "text", "signature")

    def __init__(self, thought: bool) -> None:
        self.thought = thought
        self.text = TextBuffer()
        self.signature = None


class _Candidate:
    __slots__ = ("index", "role", "parts", "fields", "citations")

    def __init__(self, index: int) -> None:
        self.index = index
        self.role = None
        self.parts: list[Any] = []  # _TextRun, or a Part kept as it came
        self.fields: dict[str, Any] = {}
        self.citations: list[Any] = []

    def add(self, candidate: Any) -> None:
        content = candidate.content
        if content is not None:
            self.role = content.role or self.role
            for part in content.parts or ():
                self._add_part(part)
        for name in _LAST_WINS:
            value = getattr(candidate, name, None)
            if value is not None:
                self.fields[name] = value
        citations = candidate.citation_metadata
        if citations is not None and citations.citations:
            self.citations.extend(citations.citations)

    def _add_part(self, part: Any) -> None:
        text = part.text
        if text is None or _has_more_than_text(part):
            self.parts.append(part)
            return
        thought = bool(part.thought)
        last = self.parts[-1] if self.parts else None
        if text == "" and part.thought_signature and isinstance(last, _TextRun) and last.signature is None:
            last.signature = part.thought_signature  # a signature sent on its own, after its text
            return
        if not isinstance(last, _TextRun) or last.thought != thought:
            last = _TextRun(thought)
            self.parts.append(last)
        if text:
            last.text.append(text)
        if part.thought_signature and last.signature is None:
            last.signature = part.thought_signature

    def build(self) -> dict[str, Any]:
        from google.genai import types

        parts = []
        for part in self.parts:
            if isinstance(part, _TextRun):
                part = types.Part(text=part.text.text(), thought=part.thought or None, thought_signature=part.signature)
            parts.append(dump(part))
        out: dict[str, Any] = {"content": {"role": self.role or "model", "parts": parts}, "index": self.index}
        out.update({name: dump(value) for name, value in self.fields.items()})
        if self.citations:
            out["citation_metadata"] = {"citations": dump(self.citations)}
        return out


def _has_more_than_text(part: Any) -> bool:
    return any(getattr(part, name, None) is not None for name in (
        "function_call", "function_response", "inline_data", "executable_code", "code_execution_result",
        "file_data", "tool_call", "tool_response"))


class ResponseAccumulator:
    """generate_content_stream -> a GenerateContentResponse."""

    def __init__(self) -> None:
        self.candidates: dict[int, _Candidate] = {}
        self.head: dict[str, Any] = {}
        self.usage = None

    def add(self, chunk: Any) -> None:
        for candidate in chunk.candidates or ():
            index = candidate.index or 0
            state = self.candidates.get(index)
            if state is None:
                state = self.candidates[index] = _Candidate(index)
            state.add(candidate)
        if chunk.usage_metadata is not None:
            self.usage = chunk.usage_metadata
        for name in ("model_version", "response_id", "create_time", "prompt_feedback", "model_status"):
            value = getattr(chunk, name, None)
            if value is not None:
                self.head[name] = value

    def result(self) -> dict[str, Any]:
        out: dict[str, Any] = {"candidates": [state.build() for _, state in sorted(self.candidates.items())]}
        out.update({name: dump(value) for name, value in self.head.items()})
        if self.usage is not None:
            out["usage_metadata"] = dump(self.usage)
        return out
