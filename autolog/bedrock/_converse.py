"""Assemble a ConverseStream into the response ``converse()`` returns (Amazon Nova's
InvokeModelWithResponseStream sends the same events, and its body has the same shape)."""
from __future__ import annotations

import json
from typing import Any, Mapping

from .._tracing.text import TextBuffer

# event -> where it goes in the response
_METADATA = ("usage", "metrics", "trace", "performanceConfig", "serviceTier")


def parse_json(raw: str) -> Any:
    """A tool's input from its JSON pieces; as it arrived where it does not parse (cut off)."""
    if not raw.strip():
        return {}
    try:
        return json.loads(raw)
    except ValueError:
        return raw


class _Block:
    """One content block, by contentBlockIndex: its start, and its deltas as they came."""

    __slots__ = ("start", "text", "tool_input", "reasoning", "signature", "redacted", "citations", "results", "image")

    def __init__(self) -> None:
        self.start: Mapping[str, Any] = {}
        self.text = TextBuffer()
        self.tool_input = TextBuffer()
        self.reasoning = TextBuffer()
        self.signature: str | None = None
        self.redacted: list[bytes] = []
        self.citations: list[Any] = []
        self.results: list[Any] = []  # a server tool's result, in pieces
        self.image: dict[str, Any] | None = None

    def add(self, delta: Mapping[str, Any]) -> None:
        if "text" in delta:
            self.text.append(delta["text"])
        tool = delta.get("toolUse")
        if tool is not None:
            self.tool_input.append(tool.get("input") or "")
        reasoning = delta.get("reasoningContent")
        if reasoning is not None:
            if "text" in reasoning:
                self.reasoning.append(reasoning["text"])
            if "signature" in reasoning:
                self.signature = (self.signature or "") + reasoning["signature"]
            if "redactedContent" in reasoning:
                self.redacted.append(reasoning["redactedContent"])
        if "citation" in delta:
            self.citations.append(delta["citation"])
        if "toolResult" in delta:
            self.results.extend(delta["toolResult"])
        if "image" in delta:
            self.image = {**(self.image or {}), **delta["image"]}

    def is_text(self) -> bool:
        return not self.start and not (self.tool_input or self.reasoning or self.signature or self.redacted
                                       or self.citations or self.results or self.image)

    def build(self) -> dict[str, Any]:
        start = self.start
        if "toolUse" in start:
            return {"toolUse": {**start["toolUse"], "input": parse_json(self.tool_input.text())}}
        if "toolResult" in start or self.results:
            return {"toolResult": {**start.get("toolResult", {}), "content": _joined_results(self.results)}}
        if "image" in start or self.image is not None:
            return {"image": {**start.get("image", {}), **(self.image or {})}}
        if self.reasoning or self.signature is not None or self.redacted:
            if self.redacted and not self.reasoning:
                return {"reasoningContent": {"redactedContent": b"".join(self.redacted)}}
            text: dict[str, Any] = {"text": self.reasoning.text()}
            if self.signature is not None:
                text["signature"] = self.signature
            return {"reasoningContent": {"reasoningText": text}}
        if self.citations:
            return {"citationsContent": {"content": [{"text": self.text.text()}], "citations": self.citations}}
        return {"text": self.text.text()}


def _joined_results(pieces: list[Any]) -> list[Any]:
    """A tool result's content: text pieces joined, every other piece (json) as it came."""
    content: list[Any] = []
    for piece in pieces:
        if isinstance(piece, Mapping) and set(piece) == {"text"} and content and set(content[-1]) == {"text"}:
            content[-1] = {"text": content[-1]["text"] + piece["text"]}
        else:
            content.append(dict(piece) if isinstance(piece, Mapping) else piece)
    return content


class ConverseStreamAccumulator:
    """converse_stream() -> the Converse response; ``head`` holds what the response dict carries
    beside its stream (ResponseMetadata).

    ``join_text``: consecutive text blocks become one (Nova's invoke stream gives every delta a
    block of its own; its non-streaming body has one text block per run of text)."""

    def __init__(self, head: Mapping[str, Any] | None = None, *, join_text: bool = False) -> None:
        self.head = dict(head or {})
        self.join_text = join_text
        self.role = "assistant"
        self.blocks: dict[int, _Block] = {}
        self.stop: dict[str, Any] = {}
        self.metadata: dict[str, Any] = {}

    def _block(self, event: Mapping[str, Any]) -> _Block:
        index = event.get("contentBlockIndex", 0)
        block = self.blocks.get(index)
        if block is None:
            block = self.blocks[index] = _Block()
        return block

    def add(self, event: Mapping[str, Any]) -> None:
        if "contentBlockDelta" in event:
            delta = event["contentBlockDelta"]
            self._block(delta).add(delta.get("delta") or {})
        elif "contentBlockStart" in event:
            start = event["contentBlockStart"]
            self._block(start).start = start.get("start") or {}
        elif "messageStart" in event:
            self.role = event["messageStart"].get("role") or self.role
        elif "messageStop" in event:
            self.stop.update(event["messageStop"])
        elif "metadata" in event:
            self.metadata.update({k: v for k, v in event["metadata"].items() if k in _METADATA})

    def content(self) -> list[dict[str, Any]]:
        content: list[dict[str, Any]] = []
        joining = False
        for _, block in sorted(self.blocks.items()):
            built = block.build()
            if self.join_text and joining and block.is_text():
                content[-1] = {"text": content[-1]["text"] + built["text"]}
            else:
                content.append(built)
            joining = block.is_text()
        return content

    def result(self) -> dict[str, Any]:
        response = dict(self.head)
        response["output"] = {"message": {"role": self.role, "content": self.content()}}
        response.update(self.stop)
        response.update(self.metadata)
        return response
