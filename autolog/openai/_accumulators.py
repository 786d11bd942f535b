"""Assemble OpenAI streams into the object the non-streaming call returns.

``add`` keeps references and appends string pieces; ``result`` joins and builds once."""
from __future__ import annotations

from typing import Any, Mapping

from .._tracing.kinds import field, fields_of
from .._tracing.text import TextBuffer


def _dump(obj: Any) -> Any:
    dump = getattr(obj, "model_dump", None)
    return dump(mode="json", exclude_unset=True) if callable(dump) else obj


_OPENAI_DELTA_FIELDS = frozenset({"content", "refusal", "role", "tool_calls", "function_call"})
_CONTENT_ONLY = frozenset({"content"})


def _declared_beyond_openai(cls: type) -> tuple[str, ...]:
    """The fields a delta class declares beyond OpenAI's own (groq's, the ``audio`` of newer
    releases), read like the extra fields a compatible server adds (a field is declared or extra,
    never both)."""
    fields = getattr(cls, "model_fields", None) or {}
    return tuple(n for n in fields if n not in _OPENAI_DELTA_FIELDS)


class _Head:
    """The fields every chunk repeats, from the first chunk that names the model (a compatible
    server may open with a chunk that does not)."""

    __slots__ = ("id", "created", "model", "system_fingerprint", "service_tier", "settled")

    def __init__(self) -> None:
        self.id = self.created = self.model = self.system_fingerprint = self.service_tier = None
        self.settled = False

    def update(self, chunk: Any) -> None:
        self.id = self.id or chunk.id
        self.created = self.created or chunk.created
        self.model = self.model or chunk.model
        self.system_fingerprint = self.system_fingerprint or getattr(chunk, "system_fingerprint", None)
        self.service_tier = self.service_tier or getattr(chunk, "service_tier", None)
        self.settled = bool(self.model and self.id)

    def fields(self, obj: str) -> dict[str, Any]:
        out = {"id": self.id, "object": obj, "created": self.created, "model": self.model}
        if self.system_fingerprint is not None:
            out["system_fingerprint"] = self.system_fingerprint
        if self.service_tier is not None:
            out["service_tier"] = self.service_tier
        return out


class ToolCallDeltas:
    """OpenAI-shaped tool-call pieces (also LiteLLM's) merged into whole calls by ``index``."""

    __slots__ = ("calls",)

    def __init__(self) -> None:
        self.calls: dict[int, dict[str, Any]] = {}

    def add(self, index: int | None, call_id: str | None, call_type: str | None, name: str | None,
            arguments: str | None) -> None:
        calls = self.calls
        if index is None:  # some compatible servers leave it out: a new id starts a new call
            last = len(calls) - 1
            new = last < 0 or (call_id and call_id != calls[last]["id"])
            index = last + 1 if new else last
        slot = calls.get(index)
        if slot is None:
            slot = calls[index] = {"id": None, "type": "function", "name": None, "arguments": TextBuffer()}
        if call_id:
            slot["id"] = call_id
        if call_type:
            slot["type"] = call_type
        if name:
            slot["name"] = name
        if arguments:
            slot["arguments"].append(arguments)

    def result(self) -> list[dict[str, Any]]:
        return [{"id": t["id"], "type": t["type"], "function": {"name": t["name"], "arguments": t["arguments"].text()}}
                for _, t in sorted(self.calls.items())]


class _ChatChoice:
    __slots__ = ("role", "content", "refusal", "reasoning", "reasoning_key", "tools", "function",
                 "finish_reason", "logprobs", "extra", "delta_type", "declared")

    def __init__(self) -> None:
        self.role = "assistant"
        self.content = TextBuffer()
        self.refusal = TextBuffer()
        self.reasoning = TextBuffer()
        self.reasoning_key = None
        self.tools = ToolCallDeltas()
        self.function: dict[str, Any] | None = None
        self.finish_reason = None
        self.logprobs: list[Any] = []
        self.extra: dict[str, Any] = {}  # other fields a compatible server adds to the delta
        self.delta_type: type | None = None  # the delta class ``declared`` is of
        self.declared: tuple[str, ...] = ()

    def add(self, choice: Mapping[str, Any]) -> None:
        """One choice of a chunk, as its fields."""
        try:
            delta, finish_reason, logprobs = choice["delta"], choice["finish_reason"], choice["logprobs"]
        except KeyError:
            delta, finish_reason, logprobs = choice.get("delta"), choice.get("finish_reason"), choice.get("logprobs")
        if delta is not None:
            try:  # the most frequent delta by far: a piece of content and nothing else
                plain = delta.__pydantic_fields_set__ == _CONTENT_ONLY and not delta.__pydantic_extra__
            except AttributeError:  # not a pydantic model
                plain = False
            if plain:
                content = delta.content
                if content:
                    self.content.append(content)
            else:
                self._add_delta(delta)
        if finish_reason:
            self.finish_reason = finish_reason
        if logprobs is not None and (content := field(logprobs, "content")):
            self.logprobs.extend(content)

    def _add_delta(self, delta: Any) -> None:
        fields = fields_of(delta)
        content = fields.get("content")
        if content:
            self.content.append(content)
        refusal = fields.get("refusal")
        if refusal:
            self.refusal.append(refusal)
        role = fields.get("role")
        if role:
            self.role = role
        tool_calls = fields.get("tool_calls")
        if tool_calls:
            self._add_tool_calls(tool_calls)
        function_call = fields.get("function_call")
        if function_call is not None:
            self._add_function_call(function_call)
        if type(delta) is not self.delta_type:
            self.delta_type = type(delta)
            self.declared = _declared_beyond_openai(self.delta_type)
        for name in self.declared:  # most deltas have none of these set: no dict made for them
            value = fields.get(name)
            if value is not None:
                self._add_extra({name: value})
        extra = getattr(delta, "__pydantic_extra__", None)
        if extra:
            self._add_extra(extra)

    def fields(self) -> dict[str, Any]:
        return {
            "message": self.message(),
            "finish_reason": self.finish_reason,
            "logprobs": {"content": [_dump(p) for p in self.logprobs]} if self.logprobs else None,
        }

    def _add_tool_calls(self, tool_calls: Any) -> None:
        tools = self.tools
        for call in tool_calls:
            fn = call.function
            if fn is None:
                tools.add(call.index, call.id, call.type, None, None)
            else:
                tools.add(call.index, call.id, call.type, fn.name, fn.arguments)

    def _add_function_call(self, function_call: Any) -> None:
        fn = self.function
        if fn is None:
            fn = self.function = {"name": None, "arguments": TextBuffer()}
        fn["name"] = fn["name"] or function_call.name
        if function_call.arguments:
            fn["arguments"].append(function_call.arguments)

    def _add_extra(self, extra: dict[str, Any]) -> None:
        for key, value in extra.items():
            if key in ("reasoning_content", "reasoning"):  # DeepSeek / OpenRouter, vLLM
                if isinstance(value, str) and value:
                    self.reasoning.append(value)
                    self.reasoning_key = self.reasoning_key or key
            elif value is not None:
                previous = self.extra.get(key)
                if isinstance(value, list) and isinstance(previous, list):
                    previous.extend(value)
                elif isinstance(value, list):
                    self.extra[key] = list(value)
                else:
                    self.extra[key] = value

    def message(self) -> dict[str, Any]:
        message: dict[str, Any] = {
            "role": self.role,
            "content": self.content.text() if self.content else None,
            "refusal": self.refusal.text() if self.refusal else None,
        }
        if self.tools.calls:
            message["tool_calls"] = self.tools.result()
        if self.function is not None:
            message["function_call"] = {"name": self.function["name"], "arguments": self.function["arguments"].text()}
        if self.reasoning:
            message[self.reasoning_key] = self.reasoning.text()
        for key, value in self.extra.items():
            message.setdefault(key, _dump(value) if not isinstance(value, list) else [_dump(v) for v in value])
        return message


class _TextChoice:
    __slots__ = ("text", "finish_reason")

    def __init__(self) -> None:
        self.text = TextBuffer()
        self.finish_reason = None

    def add(self, choice: Mapping[str, Any]) -> None:
        text = choice.get("text")
        if text:
            self.text.append(text)
        finish_reason = choice.get("finish_reason")
        if finish_reason:
            self.finish_reason = finish_reason

    def fields(self) -> dict[str, Any]:
        return {"text": self.text.text(), "finish_reason": self.finish_reason, "logprobs": None}


class _ChoicesAccumulator:
    """Chunks that repeat the response's head and carry each choice's part by its index."""

    object_name = ""
    choice_type: type = _ChatChoice

    def __init__(self) -> None:
        self.head = _Head()
        self.choices: dict[int, Any] = {}
        self.usage = None

    def add(self, chunk: Any) -> None:
        """Runs for every chunk, so its fields are read from the model's ``__dict__`` by subscript
        (see ``fields_of``), where an SDK's model has every field it declares; anything else is
        read field by field."""
        if not self.head.settled:
            self.head.update(chunk)
        try:
            fields = chunk.__dict__
            usage, choices = fields["usage"], fields["choices"]
        except (AttributeError, KeyError):
            fields = fields_of(chunk)
            usage, choices = fields.get("usage"), fields.get("choices")
        if usage is not None:
            self.usage = usage
        if not choices:
            return
        for choice in choices:
            try:
                fields = choice.__dict__
            except AttributeError:
                fields = fields_of(choice)
            index = fields.get("index") or 0  # some compatible servers leave it out
            try:
                state = self.choices[index]
            except KeyError:
                state = self.choices[index] = self.choice_type()
            state.add(fields)

    def result(self) -> dict[str, Any]:
        out = self.head.fields(self.object_name)
        out["choices"] = [{"index": index, **state.fields()} for index, state in sorted(self.choices.items())]
        out["usage"] = _dump(self.usage) if self.usage is not None else None
        return out


class ChatCompletionAccumulator(_ChoicesAccumulator):
    """chat.completions.create(stream=True) -> a chat.completion object."""

    object_name = "chat.completion"
    choice_type = _ChatChoice


class CompletionAccumulator(_ChoicesAccumulator):
    """completions.create(stream=True) (legacy completions) -> a text_completion object."""

    object_name = "text_completion"
    choice_type = _TextChoice


_FINAL_EVENTS = frozenset({"response.completed", "response.incomplete", "response.failed"})


class ResponseAccumulator:
    """responses.create(stream=True) -> the final Response; before it arrives (a stream closed
    early), the response as far as it got: finished output items and the text so far."""

    def __init__(self) -> None:
        self.snapshot = None
        self.final = None
        self.items: dict[int, Any] = {}
        self.texts: dict[int, TextBuffer] = {}

    def add(self, event: Any) -> None:
        kind = event.type
        if kind == "response.output_text.delta":
            pieces = self.texts.get(event.output_index)
            if pieces is None:
                pieces = self.texts[event.output_index] = TextBuffer()
            pieces.append(event.delta)
        elif kind == "response.output_item.done":
            self.items[event.output_index] = event.item
        elif kind in _FINAL_EVENTS:
            self.final = event.response
        elif kind in ("response.created", "response.in_progress"):
            self.snapshot = event.response

    def result(self) -> Any:
        if self.final is not None:
            return self.final
        out = _dump(self.snapshot) if self.snapshot is not None else {"object": "response", "status": "in_progress"}
        output = {index: _dump(item) for index, item in self.items.items()}
        for index, pieces in self.texts.items():
            if index not in output:
                output[index] = {
                    "type": "message",
                    "role": "assistant",
                    "status": "in_progress",
                    "content": [{"type": "output_text", "text": pieces.text(), "annotations": []}],
                }
        out["output"] = [item for _, item in sorted(output.items())]
        return out


_IMAGE_DONE = frozenset({"image_generation.completed", "image_edit.completed"})


class ImageStreamAccumulator:
    """images.generate / images.edit (stream=True) -> an ImagesResponse. The partial images are
    previews of the final one; only the last one is kept, for a stream closed before the end."""

    def __init__(self) -> None:
        self.done: list[Any] = []
        self.partial = None

    def add(self, event: Any) -> None:
        if event.type in _IMAGE_DONE:
            self.done.append(event)
        else:
            self.partial = event

    def result(self) -> dict[str, Any]:
        events = self.done or ([self.partial] if self.partial is not None else [])
        if not events:
            return {"data": []}
        last = events[-1]
        out = {
            "created": getattr(last, "created_at", None),
            "data": [{"b64_json": e.b64_json} for e in events],
            "background": getattr(last, "background", None),
            "output_format": getattr(last, "output_format", None),
            "quality": getattr(last, "quality", None),
            "size": getattr(last, "size", None),
        }
        usage = getattr(last, "usage", None) if self.done else None
        out["usage"] = _dump(usage) if usage is not None else None
        if not self.done:
            out["partial_image_index"] = getattr(last, "partial_image_index", None)
        return out


class TranscriptionAccumulator:
    """audio.transcriptions.create(stream=True) -> a Transcription: the text (from the done
    event, else the deltas joined) and the usage."""

    def __init__(self) -> None:
        self.text = TextBuffer()
        self.done = None

    def add(self, event: Any) -> None:
        kind = event.type
        if kind == "transcript.text.delta":
            self.text.append(event.delta)
        elif kind == "transcript.text.done":
            self.done = event

    def result(self) -> dict[str, Any]:
        if self.done is not None:
            out = {"text": self.done.text}
            if getattr(self.done, "usage", None) is not None:
                out["usage"] = _dump(self.done.usage)
            if getattr(self.done, "logprobs", None):
                out["logprobs"] = [_dump(p) for p in self.done.logprobs]
            return out
        return {"text": self.text.text()}
