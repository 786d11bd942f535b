"""Assemble Groq chat streams into the ChatCompletion a non-streaming call returns.

The chunks are OpenAI's, assembled by the OpenAI accumulator; Groq adds ``x_groq`` (its request
id first, the stream's usage and the compound models' per-model usage last) and the tools a
compound model ran (``executed_tools``, each sent again by its index once it has its output)."""
from __future__ import annotations

from typing import Any

from ..openai._accumulators import ChatCompletionAccumulator


def _fields(obj: Any) -> dict[str, Any]:
    dump = getattr(obj, "model_dump", None)
    if callable(dump):
        return dump(mode="json", exclude_none=True)
    return {k: v for k, v in obj.items() if v is not None} if isinstance(obj, dict) else {}


class _GroqChoice(ChatCompletionAccumulator.choice_type):
    __slots__ = ("executed",)

    def __init__(self) -> None:
        super().__init__()
        self.executed: dict[int, list] = {}  # index -> the tool's parts, merged once at the end

    def _add_extra(self, extra: dict[str, Any]) -> None:
        tools = extra.get("executed_tools")
        if tools is None:
            super()._add_extra(extra)
            return
        for position, tool in enumerate(tools):
            index = getattr(tool, "index", None) if not isinstance(tool, dict) else tool.get("index")
            self.executed.setdefault(position if index is None else index, []).append(tool)
        super()._add_extra({k: v for k, v in extra.items() if k != "executed_tools"})

    def message(self) -> dict[str, Any]:
        message = super().message()
        if self.executed:
            merged = []
            for _, parts in sorted(self.executed.items()):
                tool: dict[str, Any] = {}
                for part in parts:
                    tool.update(_fields(part))
                merged.append(tool)
            message["executed_tools"] = merged
        return message


class ChatAccumulator(ChatCompletionAccumulator):
    """chat.completions.create(stream=True) -> a chat.completion object with its usage: the
    chunk's ``usage`` where Groq sends it, else ``x_groq.usage``."""

    choice_type = _GroqChoice

    def __init__(self) -> None:
        super().__init__()
        self.x_groq: list[Any] = []  # the first and the last chunk carry it

    def add(self, chunk: Any) -> None:
        super().add(chunk)
        x_groq = getattr(chunk, "x_groq", None)
        if x_groq is not None:
            self.x_groq.append(x_groq)

    def result(self) -> dict[str, Any]:
        out = super().result()
        x_groq: dict[str, Any] = {}
        for part in self.x_groq:
            x_groq.update(_fields(part))
        usage = x_groq.pop("usage", None)
        if out.get("usage") is None and usage is not None:
            out["usage"] = usage
        breakdown = x_groq.pop("usage_breakdown", None)
        if breakdown is not None:  # where a non-streaming response has it
            out["usage_breakdown"] = breakdown
        if x_groq:
            out["x_groq"] = x_groq
        return out
