"""Assemble a Mistral completion stream (chat, FIM, agents) into the response a non-streaming
call returns.

Each CompletionEvent carries a CompletionChunk: per choice a delta whose content is a string or a
list of chunks (``text``; ``thinking`` holding text chunks of its own, from the reasoning models;
others, kept as they came). Text is joined into runs, a run ends where a part of another kind comes
between; the answer's content is a string where only text came, else the list of chunks, as the
API answers. Tool calls usually arrive whole, each in one chunk; where they arrive in pieces the
``index`` says which call a piece continues. Usage comes on the last chunk."""
from __future__ import annotations

from typing import Any

from .._tracing.text import TextBuffer


def dump(obj: Any) -> Any:
    """A mistralai model as JSON-ready data under its wire names (the SDK's own serializer leaves
    out the fields that were never set); an unknown chunk as the raw payload the SDK kept."""
    if getattr(obj, "is_unknown", False) and hasattr(obj, "raw"):
        return obj.raw
    dumper = getattr(obj, "model_dump", None)
    return dumper(mode="json", by_alias=True) if callable(dumper) else obj


class _Parts:
    """Content in arrival order: text runs, and every other chunk as it came."""

    __slots__ = ("runs", "got")

    def __init__(self) -> None:
        self.runs: list[Any] = []  # TextBuffer for a text run, else a _Thinking or a dumped chunk
        self.got = False

    def text(self, piece: str) -> None:
        self.got = True
        last = self.runs[-1] if self.runs else None
        if not isinstance(last, TextBuffer):
            last = TextBuffer()
            self.runs.append(last)
        last.append(piece)

    def chunk(self, chunk: Any) -> None:
        self.got = True
        self.runs.append(dump(chunk))

    def built(self) -> list[Any]:
        out = []
        for run in self.runs:
            if isinstance(run, TextBuffer):
                text = run.text()
                if text:
                    out.append({"type": "text", "text": text})
            elif isinstance(run, _Thinking):
                out.append(run.build())
            else:
                out.append(run)
        return out


class _Thinking:
    __slots__ = ("inner", "signature")

    def __init__(self) -> None:
        self.inner = _Parts()
        self.signature = None

    def add(self, chunk: Any) -> None:
        for part in getattr(chunk, "thinking", None) or ():
            if getattr(part, "type", None) == "text":
                self.inner.text(part.text or "")
            else:
                self.inner.chunk(part)
        signature = getattr(chunk, "signature", None)
        if isinstance(signature, str) and signature:
            self.signature = signature

    def build(self) -> dict[str, Any]:
        out: dict[str, Any] = {"type": "thinking", "thinking": self.inner.built()}
        if self.signature is not None:
            out["signature"] = self.signature
        return out


class _Choice:
    __slots__ = ("role", "content", "tools", "finish_reason", "arrivals")

    def __init__(self) -> None:
        self.role = "assistant"
        self.content = _Parts()
        self.tools: dict[Any, dict[str, Any]] = {}  # in arrival order
        self.finish_reason = None
        self.arrivals = 0

    def add(self, choice: Any) -> None:
        delta = choice.delta
        if delta is not None:
            if isinstance(delta.role, str) and delta.role:
                self.role = delta.role
            content = delta.content
            if isinstance(content, str):
                self.content.text(content)
            elif isinstance(content, list):
                for chunk in content:
                    self._add_chunk(chunk)
            if delta.tool_calls:
                for call in delta.tool_calls:
                    self._add_tool_call(call)
        if choice.finish_reason:
            self.finish_reason = choice.finish_reason

    def _add_chunk(self, chunk: Any) -> None:
        kind = getattr(chunk, "type", None)
        if kind == "text":
            self.content.text(chunk.text or "")
        elif kind == "thinking":
            runs = self.content.runs
            if not (runs and isinstance(runs[-1], _Thinking)):
                runs.append(_Thinking())
            self.content.got = True
            runs[-1].add(chunk)
        else:
            self.content.chunk(chunk)

    def _add_tool_call(self, call: Any) -> None:
        # the SDK fills in index 0 and id "null" where the server sent none: only what was sent counts
        sent = getattr(call, "model_fields_set", ())
        if "index" in sent and call.index is not None:
            key: Any = ("index", call.index)
        elif "id" in sent and call.id:
            key = ("id", call.id)
        else:
            self.arrivals += 1
            key = ("arrival", self.arrivals)
        slot = self.tools.get(key)
        if slot is None:
            slot = self.tools[key] = {"id": call.id, "type": call.type or "function", "name": None,
                                      "arguments": TextBuffer(), "index": call.index if key[0] == "index" else None}
        elif "id" in sent and call.id:
            slot["id"] = call.id
        fn = call.function
        if fn is not None:
            if fn.name:
                slot["name"] = fn.name
            arguments = fn.arguments
            if isinstance(arguments, str):
                if isinstance(slot["arguments"], TextBuffer):
                    slot["arguments"].append(arguments)
            elif arguments is not None:  # an object, whole
                slot["arguments"] = arguments

    def _content(self) -> Any:
        runs = self.content.runs
        if not self.content.got:
            return None
        if all(isinstance(run, TextBuffer) for run in runs):
            return "".join(run.text() for run in runs)
        return self.content.built()

    def message(self) -> dict[str, Any]:
        message: dict[str, Any] = {"role": self.role, "content": self._content()}
        if self.tools:
            calls = []
            for slot in self.tools.values():
                arguments = slot["arguments"]
                call = {"id": slot["id"], "type": slot["type"],
                        "function": {"name": slot["name"],
                                     "arguments": arguments.text() if isinstance(arguments, TextBuffer) else arguments}}
                if slot["index"] is not None:
                    call["index"] = slot["index"]
                calls.append(call)
            message["tool_calls"] = calls
        return message


class CompletionAccumulator:
    """chat.stream / fim.stream / agents.stream (and their _async twins) -> the response of
    chat.complete / fim.complete / agents.complete."""

    def __init__(self) -> None:
        self.id = self.model = self.object = self.created = None
        self.usage = None
        self.choices: dict[int, _Choice] = {}

    def add(self, event: Any) -> None:
        chunk = getattr(event, "data", event)  # a CompletionEvent, or the chunk itself
        if self.model is None:
            self.id, self.model = chunk.id, chunk.model
            self.object, self.created = chunk.object, chunk.created
        if chunk.usage is not None:
            self.usage = chunk.usage
        for choice in chunk.choices or ():
            state = self.choices.get(choice.index)
            if state is None:
                state = self.choices[choice.index] = _Choice()
            state.add(choice)

    def result(self) -> dict[str, Any]:
        kind = self.object or "chat.completion"
        out: dict[str, Any] = {"id": self.id, "object": kind.removesuffix(".chunk"), "model": self.model,
                               "created": self.created}
        out["choices"] = [{"index": index, "message": state.message(), "finish_reason": state.finish_reason}
                          for index, state in sorted(self.choices.items())]
        out["usage"] = dump(self.usage) if self.usage is not None else None
        return out
