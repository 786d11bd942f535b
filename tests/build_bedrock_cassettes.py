"""Writes the project's Amazon Bedrock cassettes (``cassettes/bedrock/``).

The wire formats are Bedrock Runtime's (JSON bodies; streams in the binary
``application/vnd.amazon.eventstream`` framing, each invoke-stream chunk the model family's own
JSON, base64 in the frame); the contents are our own. Run
``python tests/build_bedrock_cassettes.py`` after changing a scenario here, and commit the YAML."""
from __future__ import annotations

import base64
import json
import struct
import zlib
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
REGION = "us-east-1"
HOST = f"https://bedrock-runtime.{REGION}.amazonaws.com"
CLAUDE = "us.anthropic.claude-sonnet-4-5-20250929-v1:0"
NOVA = "us.amazon.nova-lite-v1:0"
PARIS = ["The", " capital", " of", " France", " is", " Paris", "."]
QUESTION = "What is the capital of France?"
WEATHER_SCHEMA = {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]}


# ---------------------------------------------------------------------------------------------
# application/vnd.amazon.eventstream


def frame(headers: dict[str, str], payload: bytes) -> bytes:
    """One event-stream message: prelude (total length, headers length, CRC), string headers,
    payload, message CRC."""
    encoded = b""
    for name, value in headers.items():
        raw = value.encode()
        encoded += bytes([len(name)]) + name.encode() + b"\x07" + struct.pack(">H", len(raw)) + raw
    total = 12 + len(encoded) + len(payload) + 4
    prelude = struct.pack(">II", total, len(encoded))
    message = prelude + struct.pack(">I", zlib.crc32(prelude)) + encoded + payload
    return message + struct.pack(">I", zlib.crc32(message))


def event(kind: str, body: dict) -> bytes:
    return frame({":event-type": kind, ":content-type": "application/json", ":message-type": "event"},
                 json.dumps(body).encode())


def exception(kind: str, message: str) -> bytes:
    return frame({":exception-type": kind, ":content-type": "application/json", ":message-type": "exception"},
                 json.dumps({"message": message}).encode())


def chunk(body: dict) -> bytes:
    """An InvokeModelWithResponseStream chunk: the model's JSON, base64 in the frame's payload."""
    return event("chunk", {"bytes": base64.b64encode(json.dumps(body).encode()).decode()})


# ---------------------------------------------------------------------------------------------
# Interactions


def interaction(model: str, operation: str, request: bytes | dict, status: int, body: bytes | dict, *,
                headers: dict[str, str] | None = None) -> dict:
    stream = operation.endswith("stream")
    if isinstance(request, dict):
        request = json.dumps(request).encode()
    if isinstance(body, dict):
        body = json.dumps(body).encode()
    response_headers = {"Content-Type": ["application/vnd.amazon.eventstream" if stream and status == 200
                                         else "application/json"],
                        "x-amzn-RequestId": ["a1b2c3d4-autolog-test"]}
    response_headers.update({k: [v] for k, v in (headers or {}).items()})
    if not stream or status != 200:
        response_headers["Content-Length"] = [str(len(body))]
    return {
        "request": {
            "body": request.decode(),
            "headers": {"Content-Type": ["application/json"]},
            "method": "POST",
            "uri": f"{HOST}/model/{model.replace(':', '%3A')}/{operation}",
        },
        "response": {
            "status": {"code": status, "message": {200: "OK", 400: "Bad Request", 429: "Too Many Requests"}[status]},
            "headers": response_headers,
            # binary: the frames (and a text body alike) are replayed byte for byte
            "body": {"string": body},
        },
    }


def error(model: str, operation: str, status: int, kind: str, message: str) -> dict:
    return interaction(model, operation, {}, status, {"message": message},
                       headers={"x-amzn-ErrorType": f"{kind}:http://internal.amazon.com/coral/com.amazon.bedrock/"})


def converse_usage(inp, out, read=None, write=None):
    usage = {"inputTokens": inp, "outputTokens": out, "totalTokens": inp + out + (read or 0) + (write or 0)}
    if read is not None:
        usage["cacheReadInputTokens"] = read
    if write is not None:
        usage["cacheWriteInputTokens"] = write
    return usage


def converse_cassettes() -> dict[str, list[dict]]:
    answer = {"output": {"message": {"role": "assistant", "content": [{"text": "The capital of France is Paris."}]}},
              "stopReason": "end_turn", "usage": converse_usage(12, 9, read=2000, write=100),
              "metrics": {"latencyMs": 420}}
    tool_use = {"output": {"message": {"role": "assistant", "content": [
        {"text": "Let me check."},
        {"toolUse": {"toolUseId": "tooluse_AL1", "name": "get_weather", "input": {"city": "Paris"}}}]}},
        "stopReason": "tool_use", "usage": converse_usage(300, 40), "metrics": {"latencyMs": 510}}

    def delta(index, **d):
        return event("contentBlockDelta", {"contentBlockIndex": index, "delta": d})

    stream = [event("messageStart", {"role": "assistant"})]
    stream += [delta(0, reasoningContent={"text": p}) for p in ["France's", " capital", " is Paris."]]
    stream += [delta(0, reasoningContent={"signature": "EqQBCkYIBRgCsig"}),
               event("contentBlockStop", {"contentBlockIndex": 0})]
    stream += [delta(1, text=p) for p in PARIS] + [event("contentBlockStop", {"contentBlockIndex": 1})]
    stream += [event("contentBlockStart", {"contentBlockIndex": 2, "start": {"toolUse": {
        "toolUseId": "tooluse_AL2", "name": "get_weather"}}})]
    stream += [delta(2, toolUse={"input": p}) for p in ["", "{\"ci", "ty\": \"Pa", "ris\"}"]]
    stream += [event("contentBlockStop", {"contentBlockIndex": 2}),
               event("contentBlockStart", {"contentBlockIndex": 3, "start": {"toolUse": {
                   "toolUseId": "tooluse_AL3", "name": "get_weather"}}}),
               delta(3, toolUse={"input": "{\"city\": \"Rome\"}"}),
               event("contentBlockStop", {"contentBlockIndex": 3}),
               event("messageStop", {"stopReason": "tool_use"}),
               event("metadata", {"usage": converse_usage(40, 80, read=30), "metrics": {"latencyMs": 900}})]

    redacted = [event("messageStart", {"role": "assistant"}),
                delta(0, reasoningContent={"redactedContent": base64.b64encode(b"\x00opaque-reasoning").decode()}),
                event("contentBlockStop", {"contentBlockIndex": 0}),
                delta(1, text="Paris is the capital."),
                delta(1, citation={"title": "Paris", "location": {"documentChar": {
                    "documentIndex": 0, "start": 0, "end": 21}}, "sourceContent": [{"text": "Paris is the capital"}]}),
                event("contentBlockStop", {"contentBlockIndex": 1}),
                event("messageStop", {"stopReason": "end_turn"}),
                event("metadata", {"usage": converse_usage(50, 20), "metrics": {"latencyMs": 300}})]

    broken = [event("messageStart", {"role": "assistant"})] + [delta(0, text=p) for p in PARIS[:3]] + [
        exception("modelStreamErrorException", "The model stopped: an internal error occurred.")]

    question = {"messages": [{"role": "user", "content": [{"text": QUESTION}]}]}
    return {
        "converse": [interaction(CLAUDE, "converse", question, 200, answer)],
        "converse_tools": [interaction(CLAUDE, "converse", question, 200, tool_use)],
        "converse_stream": [interaction(CLAUDE, "converse-stream", question, 200, b"".join(stream))],
        "converse_stream_citations": [interaction(CLAUDE, "converse-stream", question, 200, b"".join(redacted))],
        "converse_stream_error": [interaction(CLAUDE, "converse-stream", question, 200, b"".join(broken))],
        "converse_error_400": [error("does-not-exist", "converse", 400, "ValidationException",
                                     "The provided model identifier is invalid.")],
        "converse_throttled_then_ok": [
            error(CLAUDE, "converse", 429, "ThrottlingException", "Too many requests, please wait."),
            interaction(CLAUDE, "converse", question, 200, answer)],
        "converse_stream_error_400": [error("does-not-exist", "converse-stream", 400, "ValidationException",
                                            "The provided model identifier is invalid.")],
    }


# ---------------------------------------------------------------------------------------------
# InvokeModel: each family's own JSON


def bedrock_headers(inp, out, read=None, write=None):
    headers = {"x-amzn-bedrock-input-token-count": str(inp), "x-amzn-bedrock-output-token-count": str(out),
               "x-amzn-bedrock-invocation-latency": "321"}
    if read is not None:
        headers["x-amzn-bedrock-cache-read-input-token-count"] = str(read)
    if write is not None:
        headers["x-amzn-bedrock-cache-write-input-token-count"] = str(write)
    return headers


def metrics(inp, out):
    return {"amazon-bedrock-invocationMetrics": {"inputTokenCount": inp, "outputTokenCount": out,
                                                 "invocationLatency": 800, "firstByteLatency": 200}}


def claude_message(content, usage, stop="end_turn"):
    return {"id": "msg_bdrk_AL1", "type": "message", "role": "assistant", "model": "claude-sonnet-4-5-20250929",
            "content": content, "stop_reason": stop, "stop_sequence": None, "usage": usage}


# model id -> (request body, stream chunks, what the assembled body says); one per family
def stream_families() -> dict[str, tuple[str, dict, list[dict]]]:
    claude_usage = {"input_tokens": 25, "output_tokens": 1, "cache_read_input_tokens": 0,
                    "cache_creation_input_tokens": 0}
    claude = [{"type": "message_start", "message": claude_message([], claude_usage, None)},
              {"type": "content_block_start", "index": 0, "content_block": {"type": "thinking", "thinking": ""}},
              *[{"type": "content_block_delta", "index": 0, "delta": {"type": "thinking_delta", "thinking": p}}
                for p in ["France's", " capital."]],
              {"type": "content_block_delta", "index": 0, "delta": {"type": "signature_delta", "signature": "EqSig"}},
              {"type": "content_block_stop", "index": 0},
              {"type": "content_block_start", "index": 1, "content_block": {"type": "text", "text": ""}},
              *[{"type": "content_block_delta", "index": 1, "delta": {"type": "text_delta", "text": p}} for p in PARIS],
              {"type": "content_block_stop", "index": 1},
              {"type": "content_block_start", "index": 2,
               "content_block": {"type": "tool_use", "id": "toolu_AL1", "name": "get_weather", "input": {}}},
              *[{"type": "content_block_delta", "index": 2, "delta": {"type": "input_json_delta", "partial_json": p}}
                for p in ["{\"city\"", ": \"Paris\"}"]],
              {"type": "content_block_stop", "index": 2},
              {"type": "message_delta", "delta": {"stop_reason": "tool_use", "stop_sequence": None},
               "usage": {"output_tokens": 44}},
              {"type": "message_stop", **metrics(25, 40)}]
    nova = [{"messageStart": {"role": "assistant"}}]
    for i, piece in enumerate(PARIS):  # Nova gives every text delta a block of its own
        nova += [{"contentBlockDelta": {"delta": {"text": piece}, "contentBlockIndex": i}},
                 {"contentBlockStop": {"contentBlockIndex": i}}]
    nova += [{"contentBlockStart": {"start": {"toolUse": {"toolUseId": "tooluse_N1", "name": "get_weather"}},
                                    "contentBlockIndex": 7}},
             {"contentBlockDelta": {"delta": {"toolUse": {"input": "{\"city\":\"Paris\"}"}}, "contentBlockIndex": 7}},
             {"contentBlockStop": {"contentBlockIndex": 7}},
             {"messageStop": {"stopReason": "tool_use"}},
             {"metadata": {"usage": {"inputTokens": 18, "outputTokens": 12, "cacheReadInputTokenCount": 6},
                           "metrics": {}, "trace": {}}, **metrics(18, 12)}]
    titan = [{"outputText": p, "index": 0, "totalOutputTextTokenCount": None, "completionReason": None,
              "inputTextTokenCount": 5 if i == 0 else None} for i, p in enumerate(PARIS[:-1])]
    titan.append({"outputText": ".", "index": 0, "totalOutputTextTokenCount": 7, "completionReason": "FINISH",
                  "inputTextTokenCount": None, **metrics(5, 7)})
    llama = [{"generation": p, "prompt_token_count": 9 if i == 0 else None, "generation_token_count": i + 1,
              "stop_reason": None} for i, p in enumerate(PARIS)]
    llama[-1].update({"stop_reason": "stop", **metrics(9, 7)})
    mistral = [{"outputs": [{"text": p, "stop_reason": None}]} for p in PARIS]
    mistral[-1] = {"outputs": [{"text": ".", "stop_reason": "stop"}], **metrics(11, 7)}
    cohere = [{"is_finished": False, "event_type": "stream-start", "generation_id": "gen-AL1"}]
    cohere += [{"is_finished": False, "event_type": "text-generation", "text": p} for p in PARIS]
    cohere.append({"is_finished": True, "event_type": "stream-end", "finish_reason": "COMPLETE", **metrics(13, 7),
                   "response": {"response_id": "resp-AL1", "text": "".join(PARIS), "generation_id": "gen-AL1",
                                "finish_reason": "COMPLETE", "chat_history": []}})
    cohere_command = [{"generations": [{"text": p, "index": 0}], "is_finished": False} for p in PARIS]
    cohere_command.append({"generations": [{"text": "", "index": 0, "finish_reason": "COMPLETE"}],
                           "is_finished": True, **metrics(6, 7)})

    def choice_chunk(delta, finish=None, **extra):
        return {"id": "chatcmpl-bdrk", "object": "chat.completion.chunk", "created": 1763900000,
                "model": "openai.gpt-oss-120b-1:0",
                "choices": [{"index": 0, "delta": delta, "finish_reason": finish}], **extra}

    choices = [choice_chunk({"role": "assistant", "reasoning_content": "Simple geography."})]
    choices += [choice_chunk({"content": p}) for p in PARIS]
    choices += [choice_chunk({"tool_calls": [{"index": 0, "id": "call_AL1", "type": "function",
                                              "function": {"name": "get_weather", "arguments": "{\"city\""}}]}),
                choice_chunk({"tool_calls": [{"index": 0, "function": {"arguments": ": \"Paris\"}"}}]}),
                choice_chunk({}, "tool_calls", usage={"prompt_tokens": 30, "completion_tokens": 20,
                                                      "total_tokens": 50}, **metrics(30, 20))]
    jamba = [{"id": "jamba-AL1", "choices": [{"index": 0, "delta": {"content": p}, "finish_reason": None}]}
             for p in PARIS]
    jamba.append({"id": "jamba-AL1", "choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}],
                  "usage": {"prompt_tokens": 12, "completion_tokens": 7, "total_tokens": 19}, **metrics(12, 7)})
    completion = [{"completion": p, "stop_reason": None, "stop": None} for p in PARIS]
    completion.append({"completion": "", "stop_reason": "stop_sequence", "stop": "\n\nHuman:", **metrics(14, 7)})
    unknown = [{"token": {"text": p}} for p in PARIS] + [{"token": {"text": ""}, **metrics(4, 7)}]

    messages = {"anthropic_version": "bedrock-2023-05-31", "max_tokens": 512,
                "messages": [{"role": "user", "content": QUESTION}],
                "tools": [{"name": "get_weather", "description": "Weather for a city", "input_schema": WEATHER_SCHEMA}]}
    return {
        "anthropic": (CLAUDE, messages, claude),
        "nova": (NOVA, {"messages": [{"role": "user", "content": [{"text": QUESTION}]}],
                        "toolConfig": {"tools": [{"toolSpec": {"name": "get_weather",
                                                               "inputSchema": {"json": WEATHER_SCHEMA}}}]}}, nova),
        "titan": ("amazon.titan-text-express-v1", {"inputText": QUESTION}, titan),
        "llama": ("meta.llama3-1-70b-instruct-v1:0", {"prompt": QUESTION, "max_gen_len": 64}, llama),
        "mistral": ("mistral.mistral-7b-instruct-v0:2", {"prompt": f"<s>[INST] {QUESTION} [/INST]"}, mistral),
        "cohere": ("cohere.command-r-v1:0", {"message": QUESTION}, cohere),
        "cohere_command": ("cohere.command-text-v14", {"prompt": QUESTION, "stream": True}, cohere_command),
        "ai21": ("ai21.jamba-1-5-mini-v1:0", {"messages": [{"role": "user", "content": QUESTION}]}, jamba),
        "choices": ("openai.gpt-oss-120b-1:0", {"messages": [{"role": "user", "content": QUESTION}],
                                                 "tools": [{"type": "function", "function": {
                                                     "name": "get_weather", "parameters": WEATHER_SCHEMA}}]},
                    choices),
        "anthropic_completion": ("anthropic.claude-v2", {"prompt": f"\n\nHuman: {QUESTION}\n\nAssistant:",
                                                         "max_tokens_to_sample": 64}, completion),
        "unknown": ("custom.imported-model-v1", {"prompt": QUESTION}, unknown),
    }


def invoke_cassettes() -> dict[str, list[dict]]:
    claude_body = {"anthropic_version": "bedrock-2023-05-31", "max_tokens": 256,
                   "messages": [{"role": "user", "content": QUESTION}]}
    claude_answer = claude_message([{"type": "text", "text": "The capital of France is Paris."}],
                                   {"input_tokens": 12, "output_tokens": 9, "cache_read_input_tokens": 2000,
                                    "cache_creation_input_tokens": 100})
    c = {
        "invoke_anthropic": [interaction(CLAUDE, "invoke", claude_body, 200, claude_answer,
                                         headers=bedrock_headers(12, 9, read=2000, write=100))],
        # no token-count headers (a gateway that strips them): the body's counts
        "invoke_llama": [interaction("meta.llama3-1-70b-instruct-v1:0", "invoke", {"prompt": QUESTION}, 200, {
            "generation": "The capital of France is Paris.", "prompt_token_count": 9,
            "generation_token_count": 8, "stop_reason": "stop"})],
        "invoke_mistral": [interaction("mistral.mistral-7b-instruct-v0:2", "invoke", {"prompt": QUESTION}, 200, {
            "outputs": [{"text": "Paris.", "stop_reason": "stop"}]}, headers=bedrock_headers(11, 3))],
        "invoke_embed": [interaction("amazon.titan-embed-text-v2:0", "invoke", {"inputText": "hello world"}, 200, {
            "embedding": [0.01, -0.02, 0.03, 0.04], "embeddingsByType": {"float": [0.01, -0.02, 0.03, 0.04]},
            "inputTextTokenCount": 3}, headers=bedrock_headers(3, 0))],
        "invoke_rerank": [interaction("cohere.rerank-v3-5:0", "invoke", {
            "query": "capital of France", "documents": ["Paris", "Rome"], "api_version": 2}, 200, {
            "results": [{"index": 0, "relevance_score": 0.98}, {"index": 1, "relevance_score": 0.02}],
            "id": "rr-AL1"})],
        "invoke_error_400": [error(CLAUDE, "invoke", 400, "ValidationException", "messages: field required")],
        "invoke_stream_error": [interaction(CLAUDE, "invoke-with-response-stream", claude_body, 200, b"".join(
            [chunk(c) for c in stream_families()["anthropic"][2][:6]]
            + [exception("throttlingException", "Too many tokens, please wait before trying again.")]))],
    }
    # an error the model reports as a chunk of its own (botocore hands it over as data)
    c["invoke_stream_error_chunk"] = [interaction(CLAUDE, "invoke-with-response-stream", claude_body, 200, b"".join(
        [chunk(c) for c in stream_families()["anthropic"][2][:6]]
        + [chunk({"type": "error", "error": {"type": "overloaded_error", "message": "Overloaded"}})]))]
    for name, (model, request, chunks) in stream_families().items():
        c[f"invoke_stream_{name}"] = [interaction(model, "invoke-with-response-stream", request, 200,
                                                  b"".join(chunk(x) for x in chunks),
                                                  headers={"X-Amzn-Bedrock-Content-Type": "application/json"})]
    return c


def cassettes() -> dict[str, list[dict]]:
    return {**converse_cassettes(), **invoke_cassettes()}


def write(path: Path, interactions: list[dict]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    text = yaml.safe_dump({"interactions": interactions, "version": 1}, sort_keys=False, allow_unicode=True, width=120)
    path.write_text(text)


def main() -> None:
    for name, interactions in cassettes().items():
        write(ROOT / "cassettes" / "bedrock" / f"{name}.yaml", interactions)


if __name__ == "__main__":
    main()
