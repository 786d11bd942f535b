"""Assemble LiteLLM streams into the object the non-streaming call returns: a chat stream's
ModelResponseStream chunks into a ModelResponse, a text_completion stream into a
TextCompletionResponse. ``add`` keeps references and appends string pieces; ``result`` builds once.

LiteLLM's own builder (``stream_chunk_builder``) walks every chunk again at the end; this one does
O(1) work per chunk, as the span's other streams do."""
from __future__ import annotations

from typing import Any

from .._tracing.kinds import field, fields_and_extras
from .._tracing.text import TextBuffer
from ..openai._accumulators import ResponseAccumulator  # noqa: F401  (LiteLLM's Responses events are OpenAI's)
from ..openai._accumulators import ToolCallDeltas

HIDDEN = "_hidden_params"
# delta fields a chat stream spreads over chunks that are neither text nor tool calls
_LAST_WINS = ("audio",)
_LISTS = ("annotations", "images")


def _dump(obj: Any) -> Any:
    dump = getattr(obj, "model_dump", None)
    if callable(dump):
        try:
            return dump(mode="json", warnings=False)
        except TypeError:
            return dump()
    return obj


class _Head:
    __slots__ = ("id", "created", "model", "system_fingerprint")

    def __init__(self) -> None:
        self.id = self.created = self.model = self.system_fingerprint = None

    def update(self, chunk: Any) -> None:
        self.id = self.id or chunk.get("id")
        self.created = self.created or chunk.get("created")
        self.model = self.model or chunk.get("model")
        self.system_fingerprint = self.system_fingerprint or chunk.get("system_fingerprint")

    def fields(self, obj: str) -> dict[str, Any]:
        return {"id": self.id, "created": self.created, "model": self.model, "object": obj,
                "system_fingerprint": self.system_fingerprint}


class _Thinking:
    """Anthropic thinking blocks as LiteLLM streams them: a block's text in pieces, then its
    signature; a redacted block whole."""

    __slots__ = ("blocks",)

    def __init__(self) -> None:
        self.blocks: list[dict[str, Any]] = []

    def add(self, block: Any) -> None:
        kind = field(block, "type")
        last = self.blocks[-1] if self.blocks else None
        if kind != "thinking":
            self.blocks.append(dict(_dump(block)))
            return
        if last is None or last["type"] != "thinking" or last.get("signature"):
            last = {"type": "thinking", "thinking": TextBuffer(), "signature": None}
            self.blocks.append(last)
        if text := field(block, "thinking"):
            last["thinking"].append(text)
        if signature := field(block, "signature"):
            last["signature"] = signature

    def result(self) -> list[dict[str, Any]]:
        return [{**b, "thinking": b["thinking"].text()} if b["type"] == "thinking" else b for b in self.blocks]


class _ChatChoice:
    __slots__ = ("role", "content", "reasoning", "thinking", "tools", "function", "finish_reason", "extra")

    def __init__(self) -> None:
        self.role = "assistant"
        self.content = TextBuffer()
        self.reasoning = TextBuffer()
        self.thinking: _Thinking | None = None
        self.tools = ToolCallDeltas()
        self.function: dict[str, Any] | None = None
        self.finish_reason = None
        self.extra: dict[str, Any] = {}

    def add(self, choice: Any) -> None:
        if finish := choice.get("finish_reason"):
            self.finish_reason = finish
        delta = choice.get("delta")
        if delta is None:
            return
        delta = fields_and_extras(delta)
        if text := delta.get("content"):
            self.content.append(text)
        if role := delta.get("role"):
            self.role = role
        if reasoning := delta.get("reasoning_content"):
            self.reasoning.append(reasoning)
        if blocks := delta.get("thinking_blocks"):
            if self.thinking is None:
                self.thinking = _Thinking()
            for block in blocks:
                self.thinking.add(block)
        for call in delta.get("tool_calls") or ():
            fn = field(call, "function")
            self.tools.add(field(call, "index"), field(call, "id"), None,
                           None if fn is None else field(fn, "name"), None if fn is None else field(fn, "arguments"))
        if (function := delta.get("function_call")) is not None:
            self._add_function_call(function)
        for key in _LAST_WINS:
            if (value := delta.get(key)) is not None:
                self.extra[key] = value
        for key in _LISTS:
            if value := delta.get(key):
                self.extra.setdefault(key, []).extend(value)

    def _add_function_call(self, function: Any) -> None:
        if self.function is None:
            self.function = {"name": None, "arguments": TextBuffer()}
        self.function["name"] = self.function["name"] or field(function, "name")
        if arguments := field(function, "arguments"):
            self.function["arguments"].append(arguments)

    def message(self) -> dict[str, Any]:
        message: dict[str, Any] = {
            "content": self.content.text() if self.content else None,
            "role": self.role,
            "tool_calls": self.tools.result() or None,
            "function_call": ({"name": self.function["name"], "arguments": self.function["arguments"].text()}
                              if self.function is not None else None),
        }
        if self.reasoning:
            message["reasoning_content"] = self.reasoning.text()
        if self.thinking is not None:
            message["thinking_blocks"] = self.thinking.result()
        for key, value in self.extra.items():
            message[key] = [_dump(v) for v in value] if isinstance(value, list) else _dump(value)
        return message


class _TextChoice:
    __slots__ = ("text", "finish_reason")

    def __init__(self) -> None:
        self.text = TextBuffer()
        self.finish_reason = None

    def add(self, choice: Any) -> None:
        if text := choice.get("text"):
            self.text.append(text)
        if finish := choice.get("finish_reason"):
            self.finish_reason = finish


class _Choices:
    """Chunks that repeat the response's head and carry each choice's part by its index."""

    object_name = ""
    choice_type: type = _ChatChoice

    def __init__(self) -> None:
        self.head = _Head()
        self.choices: dict[int, Any] = {}
        self.usage = None
        self.last: Any = None

    def add(self, chunk: Any) -> None:
        self.last = chunk  # its hidden params are read once the stream has ended
        chunk = fields_and_extras(chunk)
        if self.head.model is None or self.head.id is None:
            self.head.update(chunk)
        if (usage := chunk.get("usage")) is not None:
            self.usage = usage
        for choice in chunk.get("choices") or ():
            choice = fields_and_extras(choice)
            index = choice.get("index") or 0
            state = self.choices.get(index)
            if state is None:
                state = self.choices[index] = self.choice_type()
            state.add(choice)

    def _hidden(self) -> Any:
        return getattr(self.last, HIDDEN, None)

    def _usage(self) -> Any:
        """The usage a chunk carried (the caller asked for it with stream_options), else the usage
        LiteLLM puts in the hidden params of the last chunk it returns and completes when the
        stream ends; its placeholder for "no usage reported" is not one."""
        usage, hidden = self.usage, self._hidden()
        if usage is None and isinstance(hidden, dict):
            usage = hidden.get("usage")
        if usage is None or type(usage).__name__ == "UnreportedUsage":
            return None
        return _dump(usage)

    def _routed(self, out: dict[str, Any]) -> dict[str, Any]:
        """The provider LiteLLM names in the chunks' hidden params (see _attributes.response_provider);
        not part of the recorded output."""
        hidden = self._hidden()
        provider = hidden.get("custom_llm_provider") if isinstance(hidden, dict) else None
        if provider:
            out[HIDDEN] = {"custom_llm_provider": provider}
        return out


class ChatStreamAccumulator(_Choices):
    """completion(stream=True) -> the ModelResponse a non-streaming call returns."""

    object_name = "chat.completion"
    choice_type = _ChatChoice

    def result(self) -> dict[str, Any]:
        out = self.head.fields(self.object_name)
        out["choices"] = [{"finish_reason": state.finish_reason, "index": index, "message": state.message()}
                          for index, state in sorted(self.choices.items())]
        out["usage"] = self._usage()
        return self._routed(out)


class TextStreamAccumulator(_Choices):
    """text_completion(stream=True) -> the TextCompletionResponse a non-streaming call returns."""

    object_name = "text_completion"
    choice_type = _TextChoice

    def result(self) -> dict[str, Any]:
        out = self.head.fields(self.object_name)
        out["choices"] = [{"text": state.text.text(), "index": index, "logprobs": None,
                           "finish_reason": state.finish_reason}
                          for index, state in sorted(self.choices.items())]
        out["usage"] = self._usage()
        return self._routed(out)
