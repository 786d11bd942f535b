"""Assemble a google-genai stream into the GenerateContentResponse a non-streaming call returns.

Each chunk carries a few parts per candidate. Text is joined into runs (a run ends where a part of
another kind, or a thought where there was answer text, comes between), thought runs keep their
signature, every other part (function calls, code and its result, inline data) is kept as it came;
grounding and URL context metadata are the last ones sent, citations are gathered, usage is read
from the last chunk that carries it."""
from __future__ import annotations

from typing import Any

from .._tracing.kinds import fields_of
from .._tracing.text import TextBuffer

_LAST_WINS = ("finish_reason", "finish_message", "safety_ratings", "grounding_metadata", "avg_logprobs",
              "logprobs_result", "url_context_metadata", "token_count")
_HEAD = ("model_version", "response_id", "create_time", "prompt_feedback", "model_status")
_LAST_WINS_SET, _HEAD_SET = frozenset(_LAST_WINS), frozenset(_HEAD)
_TEXT_FIELDS = frozenset({"text", "thought", "thought_signature"})
_ANSWER_TEXT = frozenset({"text"})  # what most parts of a stream give: a piece of the answer

# The accumulator runs for every chunk, so it reads the models' fields from their ``__dict__`` (see
# ``fields_of``) and, of the dozens a model declares, looks only at those the response gave
# (pydantic's ``__pydantic_fields_set__``); an object that is no pydantic model has all looked at.


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

    def add(self, fields, given) -> None:
        """A candidate's fields, and the names of those given."""
        content = fields.get("content")
        if content is not None:
            try:
                content = content.__dict__
            except AttributeError:
                content = fields_of(content)
            self.role = content.get("role") or self.role
            parts = self.parts
            for part in content.get("parts") or ():
                try:
                    part_fields, part_given = part.__dict__, part.__pydantic_fields_set__
                except AttributeError:
                    part_fields, part_given = fields_of(part), None
                # a piece of answer text after answer text: the run goes on (one call deep on purpose)
                if (part_given == _ANSWER_TEXT and parts and type(last := parts[-1]) is _TextRun and not last.thought
                        and (text := part_fields.get("text")) is not None):
                    if text:
                        last.text.append(text)
                    continue
                self._add_part(part, part_fields, part_given)
        for name in _LAST_WINS_SET & given:
            value = fields.get(name)
            if value is not None:
                self.fields[name] = value
        citations = fields.get("citation_metadata")
        if citations is not None and (cited := fields_of(citations).get("citations")):
            self.citations.extend(cited)

    def _add_part(self, part: Any, fields, given) -> None:
        text = fields.get("text")
        if text is None or ((given is None or not given <= _TEXT_FIELDS) and _has_more_than_text(fields)):
            self.parts.append(part)
            return
        thought = bool(fields.get("thought"))
        signature = fields.get("thought_signature")
        last = self.parts[-1] if self.parts else None
        if text == "" and signature and isinstance(last, _TextRun) and last.signature is None:
            last.signature = signature  # a signature sent on its own, after its text
            return
        if not isinstance(last, _TextRun) or last.thought != thought:
            last = _TextRun(thought)
            self.parts.append(last)
        if text:
            last.text.append(text)
        if signature and last.signature is None:
            last.signature = signature

    def build(self) -> dict[str, Any]:
        from google.genai import types

        parts = []
        for part in self.parts:
            if isinstance(part, _TextRun):
                part = types.Part(text=part.text.text(), thought=part.thought or None, thought_signature=part.signature)
            parts.append(dump(part))
        out: dict[str, Any] = {"content": {"role": self.role or "model", "parts": parts}, "index": self.index}
        out.update({name: dump(self.fields[name]) for name in _LAST_WINS if name in self.fields})
        if self.citations:
            out["citation_metadata"] = {"citations": dump(self.citations)}
        return out


def _has_more_than_text(fields) -> bool:
    return any(fields.get(name) is not None for name in (
        "function_call", "function_response", "inline_data", "executable_code", "code_execution_result",
        "file_data", "tool_call", "tool_response"))


class ResponseAccumulator:
    """generate_content_stream -> a GenerateContentResponse."""

    def __init__(self) -> None:
        self.candidates: dict[int, _Candidate] = {}
        self.head: dict[str, Any] = {}
        self.usage = None

    def add(self, chunk: Any) -> None:
        try:
            fields, given = chunk.__dict__, chunk.__pydantic_fields_set__
        except AttributeError:
            fields, given = fields_of(chunk), _HEAD_SET
        for candidate in fields.get("candidates") or ():
            try:
                candidate_fields, candidate_given = candidate.__dict__, candidate.__pydantic_fields_set__
            except AttributeError:
                candidate_fields, candidate_given = fields_of(candidate), _LAST_WINS_SET
            index = candidate_fields.get("index") or 0
            state = self.candidates.get(index)
            if state is None:
                state = self.candidates[index] = _Candidate(index)
            state.add(candidate_fields, candidate_given)
        usage = fields.get("usage_metadata")
        if usage is not None:
            self.usage = usage
        for name in _HEAD_SET & given:
            value = fields.get(name)
            if value is not None:
                self.head[name] = value

    def result(self) -> dict[str, Any]:
        out: dict[str, Any] = {"candidates": [state.build() for _, state in sorted(self.candidates.items())]}
        out.update({name: dump(self.head[name]) for name in _HEAD if name in self.head})
        if self.usage is not None:
            out["usage_metadata"] = dump(self.usage)
        return out
