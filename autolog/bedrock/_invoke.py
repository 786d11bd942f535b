"""InvokeModel bodies: each model family answers in its own JSON. A family is told by the shape of
its body (or of a stream chunk); each family's stream is assembled into the body its non-streaming
call returns. A family not known here keeps its events' JSON."""
from __future__ import annotations

import base64
import functools
import json
from typing import Any, Callable, Mapping

from ..anthropic._accumulator import MessageAccumulator
from .._tracing.text import TextBuffer
from ._converse import ConverseStreamAccumulator

METRICS = "amazon-bedrock-invocationMetrics"  # the last chunk of every invoke stream carries it

_ANTHROPIC_EVENTS = frozenset({"message", "message_start", "content_block_start", "content_block_delta",
                               "content_block_stop", "message_delta", "message_stop", "ping"})
_NOVA_EVENTS = ("messageStart", "contentBlockStart", "contentBlockDelta", "contentBlockStop", "messageStop",
                "metadata")


def family(body: Any) -> str | None:
    """The model family whose JSON this is (a whole body, or one stream chunk)."""
    if not isinstance(body, Mapping):
        return None
    if any(k in body for k in ("embedding", "embeddings", "embeddingsByType")):
        return "embedding"
    if body.get("type") in _ANTHROPIC_EVENTS:
        return "anthropic"
    if isinstance(body.get("completion"), str):
        return "anthropic_completion"
    output = body.get("output")
    if (isinstance(output, Mapping) and "message" in output) or any(k in body for k in _NOVA_EVENTS):
        return "nova"
    results = body.get("results")
    if isinstance(results, list) and any(isinstance(r, Mapping) and "relevance_score" in r for r in results):
        return "rerank"
    if isinstance(results, list) or "outputText" in body or "inputTextTokenCount" in body:
        return "titan"
    if "generation" in body:
        return "llama"
    if isinstance(body.get("outputs"), list):
        return "mistral"
    if (isinstance(body.get("generations"), list) or "is_finished" in body or "event_type" in body
            or ("text" in body and any(k in body for k in ("chat_history", "generation_id", "response_id")))):
        return "cohere"
    if isinstance(body.get("completions"), list):
        return "ai21"
    if isinstance(body.get("choices"), list):
        return "choices"
    return None


def parse_body(raw: bytes | str | None, content_type: str | None = None) -> Any:
    """A body as the span records it: its JSON, else its text, else what it is."""
    if raw is None:
        return None
    if isinstance(raw, (bytes, bytearray)) and not raw:
        return None
    try:
        return json.loads(raw)
    except (ValueError, TypeError):
        pass
    if isinstance(raw, str):
        return raw
    try:
        return bytes(raw).decode("utf-8")
    except UnicodeDecodeError:
        return {"content_type": content_type or "application/octet-stream", "size": len(raw)}


# ---------------------------------------------------------------------------------------------
# Each family's stream, assembled into its non-streaming body


class _Indexed:
    """Text by index (Titan's results, Mistral's outputs, Cohere's generations), with the last value of
    each other field."""

    def __init__(self) -> None:
        self.texts: dict[int, TextBuffer] = {}
        self.fields: dict[int, dict[str, Any]] = {}

    def add(self, index: Any, text: Any, fields: Mapping[str, Any]) -> None:
        index = index if isinstance(index, int) else 0
        buffer = self.texts.get(index)
        if buffer is None:
            buffer = self.texts[index] = TextBuffer()
            self.fields[index] = {}
        if isinstance(text, str):
            buffer.append(text)
        self.fields[index].update({k: v for k, v in fields.items() if v is not None})

    def items(self, text_key: str) -> list[dict[str, Any]]:
        return [{text_key: self.texts[i].text(), **self.fields[i]} for i in sorted(self.texts)]


class _Completion:
    """Claude's legacy text completion."""

    def __init__(self) -> None:
        self.text = TextBuffer()
        self.fields: dict[str, Any] = {}

    def add(self, chunk: Mapping[str, Any]) -> None:
        self.text.append(chunk.get("completion") or "")
        self.fields.update({k: v for k, v in chunk.items() if k not in ("completion", METRICS) and v is not None})

    def result(self) -> dict[str, Any]:
        return {"completion": self.text.text(), **self.fields}


class _Titan:
    def __init__(self) -> None:
        self.results = _Indexed()
        self.input_tokens = None

    def add(self, chunk: Mapping[str, Any]) -> None:
        if chunk.get("inputTextTokenCount") is not None:
            self.input_tokens = chunk["inputTextTokenCount"]
        self.results.add(chunk.get("index"), chunk.get("outputText"), {
            "tokenCount": chunk.get("totalOutputTextTokenCount"), "completionReason": chunk.get("completionReason")})

    def result(self) -> dict[str, Any]:
        return {"inputTextTokenCount": self.input_tokens, "results": self.results.items("outputText")}


class _Llama:
    def __init__(self) -> None:
        self.text = TextBuffer()
        self.fields: dict[str, Any] = {}

    def add(self, chunk: Mapping[str, Any]) -> None:
        self.text.append(chunk.get("generation") or "")
        for key, value in chunk.items():
            if key not in ("generation", METRICS) and value is not None:
                if key == "prompt_token_count" and key in self.fields:
                    continue  # the first chunk counts the prompt
                self.fields[key] = value  # generation_token_count counts up: the last is the total

    def result(self) -> dict[str, Any]:
        return {"generation": self.text.text(), **self.fields}


class _Mistral:
    def __init__(self) -> None:
        self.outputs = _Indexed()

    def add(self, chunk: Mapping[str, Any]) -> None:
        for position, output in enumerate(chunk.get("outputs") or ()):
            if isinstance(output, Mapping):
                self.outputs.add(position, output.get("text"), {k: v for k, v in output.items() if k != "text"})

    def result(self) -> dict[str, Any]:
        return {"outputs": self.outputs.items("text")}


class _Cohere:
    """Command (generations) and Command R (text events; the last one carries the whole response)."""

    def __init__(self) -> None:
        self.generations = _Indexed()
        self.text = TextBuffer()
        self.fields: dict[str, Any] = {}
        self.response: Mapping[str, Any] | None = None

    def add(self, chunk: Mapping[str, Any]) -> None:
        if isinstance(chunk.get("response"), Mapping):
            self.response = chunk["response"]
        for position, generation in enumerate(chunk.get("generations") or ()):
            if isinstance(generation, Mapping):
                self.generations.add(generation.get("index", position), generation.get("text"),
                                     {k: v for k, v in generation.items() if k not in ("text", "index")})
        if chunk.get("event_type") in (None, "text-generation") and isinstance(chunk.get("text"), str):
            self.text.append(chunk["text"])
        for key in ("generation_id", "response_id", "finish_reason", "id", "prompt"):
            if chunk.get(key) is not None:
                self.fields[key] = chunk[key]

    def result(self) -> dict[str, Any]:
        if self.generations.texts:
            return {**self.fields, "generations": self.generations.items("text")}
        body = dict(self.response) if self.response is not None else dict(self.fields)
        if self.text or "text" not in body:
            body["text"] = self.text.text()
        return body


class _Choices:
    """OpenAI-shaped chat chunks (Mistral Large, AI21 Jamba, OpenAI's open-weight models, ...)."""

    def __init__(self) -> None:
        self.head: dict[str, Any] = {}
        self.choices: dict[int, dict[str, Any]] = {}
        self.usage = None

    def add(self, chunk: Mapping[str, Any]) -> None:
        for key in ("id", "created", "model", "system_fingerprint"):
            if chunk.get(key) is not None and key not in self.head:
                self.head[key] = chunk[key]
        if chunk.get("usage") is not None:
            self.usage = chunk["usage"]
        for position, choice in enumerate(chunk.get("choices") or ()):
            if isinstance(choice, Mapping):
                self._add_choice(choice.get("index", position), choice)

    def _add_choice(self, index: int, choice: Mapping[str, Any]) -> None:
        slot = self.choices.get(index)
        if slot is None:
            slot = self.choices[index] = {"role": "assistant", "content": TextBuffer(), "text": TextBuffer(),
                                          "reasoning": TextBuffer(), "reasoning_key": None, "tools": {},
                                          "finish_reason": None}
        if choice.get("finish_reason") is not None:
            slot["finish_reason"] = choice["finish_reason"]
        if isinstance(choice.get("text"), str):
            slot["text"].append(choice["text"])
        delta = choice.get("delta") or choice.get("message") or {}
        if delta.get("role"):
            slot["role"] = delta["role"]
        if isinstance(delta.get("content"), str):
            slot["content"].append(delta["content"])
        for key in ("reasoning_content", "reasoning"):
            if isinstance(delta.get(key), str):
                slot["reasoning"].append(delta[key])
                slot["reasoning_key"] = slot["reasoning_key"] or key
        for position, call in enumerate(delta.get("tool_calls") or ()):
            tool = slot["tools"].setdefault(call.get("index", position),
                                            {"id": None, "type": "function", "name": None, "arguments": TextBuffer()})
            tool["id"] = call.get("id") or tool["id"]
            function = call.get("function") or {}
            tool["name"] = tool["name"] or function.get("name")
            tool["arguments"].append(function.get("arguments") or "")

    def result(self) -> dict[str, Any]:
        choices = []
        for index, slot in sorted(self.choices.items()):
            message: dict[str, Any] = {"role": slot["role"], "content": slot["content"].text() or None}
            if slot["reasoning"]:
                message[slot["reasoning_key"]] = slot["reasoning"].text()
            if slot["tools"]:
                message["tool_calls"] = [
                    {"id": t["id"], "type": t["type"], "function": {"name": t["name"], "arguments": t["arguments"].text()}}
                    for _, t in sorted(slot["tools"].items())]
            choice: dict[str, Any] = {"index": index, "message": message, "finish_reason": slot["finish_reason"]}
            if slot["text"]:
                choice["text"] = slot["text"].text()
            choices.append(choice)
        body = {**self.head, "object": "chat.completion", "choices": choices}
        if self.usage is not None:
            body["usage"] = self.usage
        return body


_ASSEMBLERS: dict[str, Callable[[], Any]] = {
    "anthropic": MessageAccumulator,
    "anthropic_completion": _Completion,
    "nova": functools.partial(ConverseStreamAccumulator, join_text=True),
    "titan": _Titan,
    "llama": _Llama,
    "mistral": _Mistral,
    "cohere": _Cohere,
    "ai21": _Choices,
    "choices": _Choices,
}


def chunk_json(event: Mapping[str, Any]) -> Any:
    """The JSON one invoke-stream event carries (its chunk's bytes), or None."""
    chunk = event.get("chunk") if isinstance(event, Mapping) else None
    raw = chunk.get("bytes") if isinstance(chunk, Mapping) else None
    if raw is None:
        return None
    if isinstance(raw, str):  # base64, where a stream was not decoded by botocore
        raw = base64.b64decode(raw)
    return parse_body(raw)


class InvokeStreamAccumulator:
    """invoke_model_with_response_stream() -> its response, with the body the model family's
    non-streaming call returns (the chunks before the family shows are fed to it when it does;
    a family not known here leaves the list of its chunks' JSON)."""

    def __init__(self, head: Mapping[str, Any] | None = None) -> None:
        self.head = dict(head or {})
        self.assembler = None
        self.pending: list[Any] = []
        self.metrics = None
        self.error: Mapping[str, Any] | None = None  # an error the model reported in the stream

    def add(self, event: Mapping[str, Any]) -> None:
        data = chunk_json(event)
        if data is None:
            return
        if isinstance(data, Mapping):
            if data.get(METRICS) is not None:
                self.metrics = data[METRICS]
            if data.get("type") == "error":
                self.error = data.get("error") or data
        if self.assembler is not None:
            self.assembler.add(data)
            return
        found = family(data)
        if found not in _ASSEMBLERS:
            self.pending.append(data)
            return
        self.assembler = _ASSEMBLERS[found]()
        for earlier in self.pending:
            if isinstance(earlier, Mapping):
                self.assembler.add(earlier)
        self.pending = []
        self.assembler.add(data)

    def result(self) -> dict[str, Any]:
        body: Any = self.assembler.result() if self.assembler is not None else list(self.pending)
        if isinstance(body, dict) and self.metrics is not None:
            body[METRICS] = self.metrics
        return {**self.head, "body": body}
