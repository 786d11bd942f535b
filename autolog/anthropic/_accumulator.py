"""Assemble an Anthropic message stream into the Message a non-streaming call returns.

The events are the SDK's objects, or the plain JSON Anthropic's models send through Amazon
Bedrock's InvokeModelWithResponseStream (autolog.bedrock)."""
from __future__ import annotations

import json
from typing import Any

from .._tracing.kinds import field, fields_of
from .._tracing.text import TextBuffer


def _dump(obj: Any) -> Any:
    if isinstance(obj, dict):
        return dict(obj)  # a copy: the block or message is filled in below
    dump = getattr(obj, "model_dump", None)
    return dump(mode="json") if callable(dump) else obj


def _pairs(obj: Any):
    """The fields of an SDK object, or the items of a dict."""
    return obj.items() if isinstance(obj, dict) else obj


class _Block:
    __slots__ = ("start", "text", "json", "thinking", "signature", "citations")

    def __init__(self, start: Any) -> None:
        self.start = start  # the content_block of content_block_start
        self.text = TextBuffer()
        self.json = TextBuffer()
        self.thinking = TextBuffer()
        self.signature: str | None = None
        self.citations: list[Any] = []

    def add(self, delta: Any) -> None:
        try:  # fields_of(), inlined: this runs for every delta
            fields = delta.__dict__
        except AttributeError:
            fields = fields_of(delta)
        kind = fields.get("type")
        if kind == "text_delta":
            self.text.append(fields.get("text") or "")
        elif kind == "input_json_delta":
            self.json.append(fields.get("partial_json") or "")
        elif kind == "thinking_delta":
            self.thinking.append(fields.get("thinking") or "")
        elif kind == "signature_delta":
            self.signature = fields.get("signature")
        elif kind == "citations_delta":
            self.citations.append(fields.get("citation"))

    def build(self) -> dict[str, Any]:
        block = _dump(self.start) if self.start is not None else {"type": "text", "text": ""}
        if self.text:
            block["text"] = (block.get("text") or "") + self.text.text()
        if self.thinking:
            block["thinking"] = (block.get("thinking") or "") + self.thinking.text()
        if self.signature is not None:
            block["signature"] = self.signature
        if self.citations:
            block["citations"] = (block.get("citations") or []) + [_dump(c) for c in self.citations]
        if self.json:
            raw = self.json.text()
            try:
                block["input"] = json.loads(raw) if raw.strip() else {}
            except ValueError:  # cut off mid-way: keep what arrived
                block["input"] = {}
                block["partial_input_json"] = raw
        return block


class MessageAccumulator:
    """messages.create(stream=True) / messages.stream() -> a Message."""

    def __init__(self) -> None:
        self.message = None
        self.blocks: dict[int, _Block] = {}
        self.delta: dict[str, Any] = {}
        self.usage: dict[str, Any] = {}

    def add(self, event: Any) -> None:
        """Runs for every event: the SDK model's fields are read from its ``__dict__`` (see
        ``fields_of``); the events Bedrock passes on are dicts already."""
        try:
            fields = event.__dict__
        except AttributeError:
            fields = fields_of(event)
        kind = fields.get("type")
        if kind == "content_block_delta":
            index = fields.get("index")
            try:
                block = self.blocks[index]
            except KeyError:
                block = self.blocks[index] = _Block(None)
            block.add(fields.get("delta"))
        elif kind == "content_block_start":
            self.blocks[field(event, "index")] = _Block(field(event, "content_block"))
        elif kind == "message_start":
            self.message = field(event, "message")
        elif kind == "message_delta":
            for key, value in _pairs(field(event, "delta") or {}):
                if value is not None:
                    self.delta[key] = value
            usage = field(event, "usage")
            if usage is not None:
                for key, value in _pairs(usage):
                    if value is not None:  # the later value wins where both carry a field
                        self.usage[key] = value

    def result(self) -> dict[str, Any]:
        message = _dump(self.message) if self.message is not None else {"type": "message", "role": "assistant"}
        message["content"] = [block.build() for _, block in sorted(self.blocks.items())]
        for key, value in self.delta.items():
            message[key] = _dump(value)
        if self.usage:
            usage = dict(message.get("usage") or {})
            usage.update({k: _dump(v) for k, v in self.usage.items()})
            message["usage"] = usage
        return message
