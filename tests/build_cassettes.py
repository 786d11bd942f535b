"""Writes the project's vcrpy cassettes (``cassettes/``) and the demo's (``autolog/_cli/demo/cassettes/``).

The wire formats follow what the OpenAI and Anthropic APIs send; the contents are our own.
Run ``python tests/build_cassettes.py`` after changing a scenario here, and commit the YAML."""
from __future__ import annotations

import json
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
OPENAI = "https://api.openai.com/v1"
ANTHROPIC = "https://api.anthropic.com/v1"


def interaction(uri: str, request: dict, status: int, body: bytes | str | dict, *, sse: bool = False) -> dict:
    if isinstance(body, dict):
        body = json.dumps(body)
    if isinstance(body, bytes):
        body = body.decode()
    ctype = "text/event-stream; charset=utf-8" if sse else "application/json"
    return {
        "request": {
            "body": json.dumps(request),
            "headers": {"content-type": ["application/json"]},
            "method": "POST",
            "uri": uri,
        },
        "response": {
            "status": {"code": status, "message": {200: "OK", 400: "Bad Request", 429: "Too Many Requests",
                                                   500: "Internal Server Error", 529: "Overloaded"}.get(status, "")},
            "headers": {"content-type": [ctype], "x-request-id": ["req_autolog_test"]},
            "body": {"string": body},
        },
    }


def openai_sse(chunks: list[dict]) -> str:
    return "".join(f"data: {json.dumps(c)}\n\n" for c in chunks) + "data: [DONE]\n\n"


def named_sse(events: list[dict]) -> str:
    return "".join(f"event: {e['type']}\ndata: {json.dumps(e)}\n\n" for e in events)


# ---------------------------------------------------------------------------------------------
# OpenAI chat completions


def chat_completion(content=None, *, tool_calls=None, model="gpt-4o-mini-2024-07-18", usage=(14, 7), finish="stop",
                    cached=0, **message_extra):
    message = {"role": "assistant", "content": content, "refusal": None, "annotations": [], **message_extra}
    if tool_calls:
        message["tool_calls"] = tool_calls
    return {
        "id": "chatcmpl-AL001", "object": "chat.completion", "created": 1763900000, "model": model,
        "choices": [{"index": 0, "message": message, "logprobs": None, "finish_reason": finish}],
        "usage": {"prompt_tokens": usage[0], "completion_tokens": usage[1], "total_tokens": sum(usage),
                  "prompt_tokens_details": {"cached_tokens": cached, "audio_tokens": 0},
                  "completion_tokens_details": {"reasoning_tokens": 0, "audio_tokens": 0}},
        "service_tier": "default", "system_fingerprint": "fp_autolog",
    }


def chunk(choices, *, model="gpt-4o-mini-2024-07-18", usage=None):
    out = {"id": "chatcmpl-AL002", "object": "chat.completion.chunk", "created": 1763900001, "model": model,
           "service_tier": "default", "system_fingerprint": "fp_autolog", "choices": choices}
    if usage is not None:
        out["usage"] = usage
    return out


def delta(index=0, finish=None, **d):
    return {"index": index, "delta": d, "logprobs": None, "finish_reason": finish}


def text_chunks(pieces, *, index=0, role=True, model="gpt-4o-mini-2024-07-18", extra_key=None, extra_pieces=()):
    out = []
    if role:
        out.append(chunk([delta(index, role="assistant", content="")], model=model))
    for piece in extra_pieces:
        out.append(chunk([delta(index, content=None, **{extra_key: piece})], model=model))
    for piece in pieces:
        out.append(chunk([delta(index, content=piece)], model=model))
    out.append(chunk([delta(index, finish="stop")], model=model))
    return out


def usage_chunk(prompt, completion, model="gpt-4o-mini-2024-07-18"):
    return chunk([], model=model, usage={"prompt_tokens": prompt, "completion_tokens": completion,
                                          "total_tokens": prompt + completion,
                                          "prompt_tokens_details": {"cached_tokens": 4}})


PARIS = ["The", " capital", " of", " France", " is", " Paris", "."]
WEATHER_TOOL = {"type": "function", "function": {"name": "get_weather", "description": "Weather for a city",
                                                   "parameters": {"type": "object", "properties": {"city": {"type": "string"}},
                                                                  "required": ["city"]}}}


def openai_cassettes() -> dict[str, list[dict]]:
    chat_uri = f"{OPENAI}/chat/completions"
    question = {"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "What is the capital of France?"}]}
    c = {}
    c["chat"] = [interaction(chat_uri, question, 200, chat_completion("The capital of France is Paris."))]
    c["chat_stream"] = [interaction(chat_uri, {**question, "stream": True}, 200,
                                    openai_sse(text_chunks(PARIS) + [usage_chunk(14, 7)]), sse=True)]
    # n=2: the two choices' chunks interleave
    n2 = [chunk([delta(0, role="assistant", content=""), delta(1, role="assistant", content="")])]
    for a, b in zip(["Paris", " it", " is."], ["It", " is", " Paris."]):
        n2.append(chunk([delta(0, content=a)]))
        n2.append(chunk([delta(1, content=b)]))
    n2.append(chunk([delta(0, finish="stop"), delta(1, finish="length")]))
    c["chat_stream_n2"] = [interaction(chat_uri, {**question, "n": 2, "stream": True}, 200,
                                       openai_sse(n2 + [usage_chunk(14, 12)]), sse=True)]
    tool_calls = [
        chunk([delta(0, role="assistant", content=None, tool_calls=[
            {"index": 0, "id": "call_paris", "type": "function", "function": {"name": "get_weather", "arguments": ""}}])]),
        chunk([delta(0, tool_calls=[{"index": 0, "function": {"arguments": "{\"ci"}}])]),
        chunk([delta(0, tool_calls=[{"index": 0, "function": {"arguments": "ty\": \"Paris\"}"}}])]),
        chunk([delta(0, tool_calls=[{"index": 1, "id": "call_rome", "type": "function",
                                     "function": {"name": "get_weather", "arguments": "{\"city\""}}])]),
        chunk([delta(0, tool_calls=[{"index": 1, "function": {"arguments": ": \"Rome\"}"}}])]),
        chunk([delta(0, finish="tool_calls")]),
    ]
    weather_q = {"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "Weather in Paris and Rome?"}],
                 "tools": [WEATHER_TOOL]}
    c["chat_tools_stream"] = [interaction(chat_uri, {**weather_q, "stream": True}, 200,
                                          openai_sse(tool_calls + [usage_chunk(60, 40)]), sse=True)]
    c["chat_tools"] = [interaction(chat_uri, weather_q, 200, chat_completion(None, finish="tool_calls", tool_calls=[
        {"id": "call_paris", "type": "function", "function": {"name": "get_weather", "arguments": "{\"city\": \"Paris\"}"}}]))]
    refusal = [chunk([delta(0, role="assistant", content=None, refusal="")])] + [
        chunk([delta(0, refusal=p)]) for p in ["I'm sorry,", " I can't", " help with that."]] + [chunk([delta(0, finish="stop")])]
    c["chat_refusal_stream"] = [interaction(chat_uri, {**question, "stream": True}, 200, openai_sse(refusal), sse=True)]
    c["chat_parse"] = [interaction(chat_uri, question, 200, chat_completion(json.dumps({"city": "Paris", "country": "France"})))]
    c["chat_error_429"] = [interaction(chat_uri, question, 429, {"error": {
        "message": "Rate limit reached for gpt-4o-mini", "type": "requests", "param": None, "code": "rate_limit_exceeded"}})]
    c["chat_error_400"] = [interaction(chat_uri, question, 400, {"error": {
        "message": "Invalid value for 'model'", "type": "invalid_request_error", "param": "model", "code": None}})]
    broken = text_chunks(PARIS[:3])[:-1]
    c["chat_stream_error"] = [interaction(chat_uri, {**question, "stream": True}, 200, "".join(
        f"data: {json.dumps(x)}\n\n" for x in broken) + 'data: {"error": {"message": "The server had an error while '
        'processing your request.", "type": "server_error"}}\n\n', sse=True)]
    # legacy completions
    comp_uri = f"{OPENAI}/completions"
    comp_q = {"model": "gpt-3.5-turbo-instruct", "prompt": "Say this is a test"}
    c["completions"] = [interaction(comp_uri, comp_q, 200, {
        "id": "cmpl-AL1", "object": "text_completion", "created": 1763900002, "model": "gpt-3.5-turbo-instruct",
        "choices": [{"index": 0, "text": "\n\nThis is a test.", "finish_reason": "stop", "logprobs": None}],
        "usage": {"prompt_tokens": 5, "completion_tokens": 6, "total_tokens": 11}})]
    comp_chunks = []
    for a, b in zip(["This", " is", " a test."], ["Indeed", " a", " test."]):
        for i, t in ((0, a), (1, b)):
            comp_chunks.append({"id": "cmpl-AL2", "object": "text_completion", "created": 1763900003,
                                "model": "gpt-3.5-turbo-instruct",
                                "choices": [{"index": i, "text": t, "finish_reason": None, "logprobs": None}]})
    comp_chunks.append({"id": "cmpl-AL2", "object": "text_completion", "created": 1763900003,
                        "model": "gpt-3.5-turbo-instruct", "choices": [],
                        "usage": {"prompt_tokens": 5, "completion_tokens": 9, "total_tokens": 14}})
    c["completions_stream"] = [interaction(comp_uri, {**comp_q, "n": 2, "stream": True}, 200, openai_sse(comp_chunks), sse=True)]
    c["embeddings"] = [interaction(f"{OPENAI}/embeddings", {"model": "text-embedding-3-small", "input": ["hello", "world"]}, 200, {
        "object": "list", "model": "text-embedding-3-small",
        "data": [{"object": "embedding", "index": i, "embedding": [0.01 * (i + 1), -0.02, 0.03]} for i in range(2)],
        "usage": {"prompt_tokens": 2, "total_tokens": 2}})]
    c.update(responses_cassettes())
    c.update(compatible_server_cassettes())
    return c


def response_object(output, *, status="completed", usage=(20, 10)):
    return {"id": "resp_AL1", "object": "response", "created_at": 1763900004, "status": status,
            "model": "gpt-4.1-mini-2025-04-14", "output": output, "parallel_tool_calls": True, "tool_choice": "auto",
            "tools": [], "temperature": 1.0, "top_p": 1.0, "error": None, "incomplete_details": None,
            "instructions": None, "metadata": {}, "text": {"format": {"type": "text"}},
            "usage": None if usage is None else {
                "input_tokens": usage[0], "output_tokens": usage[1], "total_tokens": sum(usage),
                "input_tokens_details": {"cached_tokens": 0}, "output_tokens_details": {"reasoning_tokens": 0}}}


def message_item(text, status="completed"):
    return {"id": "msg_AL1", "type": "message", "role": "assistant", "status": status,
            "content": [{"type": "output_text", "text": text, "annotations": []}]}


def responses_cassettes() -> dict[str, list[dict]]:
    uri = f"{OPENAI}/responses"
    q = {"model": "gpt-4.1-mini", "input": "What is the capital of France?"}
    c = {"responses": [interaction(uri, q, 200, response_object([message_item("Paris is the capital of France.")]))]}
    seq = iter(range(1000))

    def ev(kind, **fields):
        return {"type": kind, "sequence_number": next(seq), **fields}

    created = response_object([], status="in_progress", usage=None)
    fn_item = {"id": "fc_AL1", "type": "function_call", "status": "completed", "call_id": "call_AL1",
               "name": "get_weather", "arguments": "{\"city\": \"Paris\"}"}
    events = [ev("response.created", response=created), ev("response.in_progress", response=created),
              ev("response.output_item.added", output_index=0, item={**message_item("", "in_progress"), "content": []}),
              ev("response.content_part.added", item_id="msg_AL1", output_index=0, content_index=0,
                 part={"type": "output_text", "text": "", "annotations": []})]
    for piece in ["Paris", " is", " the", " capital", "."]:
        events.append(ev("response.output_text.delta", item_id="msg_AL1", output_index=0, content_index=0,
                         delta=piece, logprobs=[]))
    events += [ev("response.output_text.done", item_id="msg_AL1", output_index=0, content_index=0,
                  text="Paris is the capital.", logprobs=[]),
               ev("response.output_item.done", output_index=0, item=message_item("Paris is the capital.")),
               ev("response.output_item.added", output_index=1, item={**fn_item, "arguments": "", "status": "in_progress"}),
               ev("response.function_call_arguments.delta", item_id="fc_AL1", output_index=1, delta="{\"city\": "),
               ev("response.function_call_arguments.delta", item_id="fc_AL1", output_index=1, delta="\"Paris\"}"),
               ev("response.function_call_arguments.done", item_id="fc_AL1", output_index=1, arguments=fn_item["arguments"]),
               ev("response.output_item.done", output_index=1, item=fn_item),
               ev("response.completed", response=response_object([message_item("Paris is the capital."), fn_item]))]
    c["responses_stream"] = [interaction(uri, {**q, "stream": True}, 200, named_sse(events), sse=True)]
    c["responses_parse"] = [interaction(uri, q, 200, response_object([message_item(json.dumps({"city": "Paris", "country": "France"}))]))]
    return c


def compatible_server_cassettes() -> dict[str, list[dict]]:
    q = {"messages": [{"role": "user", "content": "What is 2 + 2?"}], "stream": True}
    c = {}
    c["deepseek_reasoning_stream"] = [interaction(
        "https://api.deepseek.com/chat/completions", {**q, "model": "deepseek-reasoner"}, 200,
        openai_sse(text_chunks(["2 + 2", " = 4"], model="deepseek-reasoner", extra_key="reasoning_content",
                               extra_pieces=["Adding two", " and two", " gives four."])
                   + [usage_chunk(10, 20, "deepseek-reasoner")]), sse=True)]
    c["openrouter_reasoning_stream"] = [interaction(
        "https://openrouter.ai/api/v1/chat/completions", {**q, "model": "openai/gpt-oss-20b"}, 200,
        openai_sse(text_chunks(["The answer", " is 4."], model="openai/gpt-oss-20b", extra_key="reasoning",
                               extra_pieces=["Simple", " arithmetic."])
                   + [usage_chunk(10, 15, "openai/gpt-oss-20b")]), sse=True)]
    c["ollama_chat"] = [interaction(
        "http://localhost:11434/v1/chat/completions", {"messages": q["messages"], "model": "llama3.2"}, 200,
        chat_completion("2 + 2 = 4", model="llama3.2", usage=(12, 6)))]
    c["azure_chat"] = [interaction(
        "https://autolog-test.openai.azure.com/openai/deployments/gpt-4o-mini/chat/completions?api-version=2024-10-21",
        {"messages": q["messages"], "model": "gpt-4o-mini"}, 200, chat_completion("4", model="gpt-4o-mini"))]
    return c


# ---------------------------------------------------------------------------------------------
# Anthropic messages


def message_object(content, *, usage=None, stop="end_turn", model="claude-sonnet-4-5-20250929"):
    return {"id": "msg_01AL", "type": "message", "role": "assistant", "model": model, "content": content,
            "stop_reason": stop, "stop_sequence": None,
            "usage": usage or {"input_tokens": 20, "output_tokens": 10, "cache_creation_input_tokens": 0,
                               "cache_read_input_tokens": 0, "service_tier": "standard"}}


def message_events(blocks, *, start_usage, end_usage, stop="end_turn", model="claude-sonnet-4-5-20250929", ping=True):
    """blocks: list of (content_block_start, [deltas])"""
    events = [{"type": "message_start", "message": {**message_object([], usage=start_usage, stop=None, model=model)}}]
    if ping:
        events.append({"type": "ping"})
    for i, (start, deltas) in enumerate(blocks):
        events.append({"type": "content_block_start", "index": i, "content_block": start})
        for d in deltas:
            events.append({"type": "content_block_delta", "index": i, "delta": d})
        events.append({"type": "content_block_stop", "index": i})
    events.append({"type": "message_delta", "delta": {"stop_reason": stop, "stop_sequence": None}, "usage": end_usage})
    events.append({"type": "message_stop"})
    return events


def text_deltas(pieces):
    return [{"type": "text_delta", "text": p} for p in pieces]


def anthropic_cassettes() -> dict[str, list[dict]]:
    uri = f"{ANTHROPIC}/messages"
    q = {"model": "claude-sonnet-4-5", "max_tokens": 256, "messages": [{"role": "user", "content": "What is the capital of France?"}]}
    cache_usage = {"input_tokens": 12, "output_tokens": 9, "cache_creation_input_tokens": 100,
                   "cache_read_input_tokens": 2000, "service_tier": "standard"}
    c = {"messages": [interaction(uri, q, 200, message_object([{"type": "text", "text": "The capital of France is Paris."}],
                                                                usage=cache_usage))]}
    text_stream = message_events([({"type": "text", "text": ""}, text_deltas(PARIS))],
                                 start_usage={"input_tokens": 14, "output_tokens": 1, "cache_read_input_tokens": 30,
                                              "cache_creation_input_tokens": 0},
                                 end_usage={"output_tokens": 12})
    c["messages_stream"] = [interaction(uri, {**q, "stream": True}, 200, named_sse(text_stream), sse=True)]
    tool = {"name": "get_weather", "description": "Weather for a city",
            "input_schema": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]}}
    tool_stream = message_events([
        ({"type": "text", "text": ""}, text_deltas(["Let me", " check."])),
        ({"type": "tool_use", "id": "toolu_AL1", "name": "get_weather", "input": {}},
         [{"type": "input_json_delta", "partial_json": p} for p in ["", "{\"city\"", ": \"Par", "is\"}"]]),
    ], start_usage={"input_tokens": 300, "output_tokens": 2}, end_usage={"output_tokens": 40}, stop="tool_use")
    tq = {**q, "messages": [{"role": "user", "content": "Weather in Paris?"}], "tools": [tool], "stream": True}
    c["messages_tool_stream"] = [interaction(uri, tq, 200, named_sse(tool_stream), sse=True)]
    thinking_stream = message_events([
        ({"type": "thinking", "thinking": "", "signature": ""},
         [{"type": "thinking_delta", "thinking": p} for p in ["France's", " capital", " is Paris."]]
         + [{"type": "signature_delta", "signature": "EqQBCkYIBRgCIkB0sig"}]),
        ({"type": "redacted_thinking", "data": "EmwKAhgBEgy3redacted"}, []),
        ({"type": "text", "text": ""}, text_deltas(["Paris."])),
    ], start_usage={"input_tokens": 40, "output_tokens": 3}, end_usage={"output_tokens": 80})
    c["messages_thinking_stream"] = [interaction(uri, {**q, "thinking": {"type": "enabled", "budget_tokens": 1024},
                                                       "stream": True}, 200, named_sse(thinking_stream), sse=True)]
    server_stream = message_events([
        ({"type": "server_tool_use", "id": "srvtoolu_AL1", "name": "web_search", "input": {}},
         [{"type": "input_json_delta", "partial_json": "{\"query\": \"capital of France\"}"}]),
        ({"type": "web_search_tool_result", "tool_use_id": "srvtoolu_AL1", "content": [
            {"type": "web_search_result", "title": "Paris - Wikipedia", "url": "https://en.wikipedia.org/wiki/Paris",
             "encrypted_content": "Eo8BCioIAhgB", "page_age": None}]}, []),
        ({"type": "text", "text": "", "citations": []},
         [{"type": "citations_delta", "citation": {"type": "web_search_result_location", "cited_text": "Paris is the capital",
                                                   "url": "https://en.wikipedia.org/wiki/Paris", "title": "Paris - Wikipedia",
                                                   "encrypted_index": "Eo8B"}}] + text_deltas(["Paris is the capital."])),
    ], start_usage={"input_tokens": 2000, "output_tokens": 5},
        end_usage={"input_tokens": 2100, "output_tokens": 60, "server_tool_use": {"web_search_requests": 1}})
    c["messages_server_tool_stream"] = [interaction(uri, {**q, "tools": [{"type": "web_search_20250305", "name": "web_search"}],
                                                          "stream": True}, 200, named_sse(server_stream), sse=True)]
    broken = message_events([({"type": "text", "text": ""}, text_deltas(PARIS[:3]))],
                            start_usage={"input_tokens": 14, "output_tokens": 1}, end_usage={"output_tokens": 3})[:-3]
    err = {"type": "error", "error": {"type": "overloaded_error", "message": "Overloaded"}}
    c["messages_error_stream"] = [interaction(uri, {**q, "stream": True}, 200, named_sse(broken + [err]), sse=True)]
    c["messages_error_529"] = [interaction(uri, q, 529, {"type": "error", "error": {"type": "overloaded_error",
                                                                                     "message": "Overloaded"}})]
    c["messages_error_400"] = [interaction(uri, q, 400, {"type": "error", "error": {
        "type": "invalid_request_error", "message": "max_tokens: Field required"}})]
    c["messages_parse"] = [interaction(uri, q, 200, message_object([{"type": "text", "text": json.dumps({"city": "Paris", "country": "France"})}]))]
    c["count_tokens"] = [interaction(f"{ANTHROPIC}/messages/count_tokens", {"model": q["model"], "messages": q["messages"]},
                                     200, {"input_tokens": 14})]
    return c


# ---------------------------------------------------------------------------------------------
# OpenAI images, audio and moderations

# a 1x1 transparent PNG
PNG_B64 = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg=="
SPEECH_BYTES = "ID3\u0003\u0000fake-mp3-frames-for-the-tests" * 8
IMAGE_USAGE = {"input_tokens": 12, "output_tokens": 272, "total_tokens": 284,
               "input_tokens_details": {"image_tokens": 0, "text_tokens": 12}}


def image_event(kind, index=None):
    event = {"type": kind, "b64_json": PNG_B64, "background": "opaque", "created_at": 1763900000,
             "output_format": "png", "quality": "low", "size": "1024x1024"}
    if index is not None:
        event["partial_image_index"] = index
    else:
        event["usage"] = IMAGE_USAGE
    return event


def media_cassettes() -> dict[str, list[dict]]:
    images = {"created": 1763900000, "data": [{"b64_json": PNG_B64}], "background": "opaque", "output_format": "png",
              "quality": "low", "size": "1024x1024", "usage": IMAGE_USAGE}
    token_usage = {"type": "tokens", "input_tokens": 40, "output_tokens": 6, "total_tokens": 46,
                   "input_token_details": {"audio_tokens": 40, "text_tokens": 0}}
    moderation = {"id": "modr-AL1", "model": "omni-moderation-latest", "results": [{
        "flagged": True, "categories": {"harassment": True, "violence": False},
        "category_scores": {"harassment": 0.91, "violence": 0.02},
        "category_applied_input_types": {"harassment": ["text"], "violence": ["text"]}}]}
    c = {
        "images_generate": [interaction(f"{OPENAI}/images/generations", {"model": "gpt-image-1"}, 200, images)],
        "images_generate_stream": [interaction(f"{OPENAI}/images/generations", {"stream": True}, 200, named_sse([
            image_event("image_generation.partial_image", 0), image_event("image_generation.partial_image", 1),
            image_event("image_generation.completed")]), sse=True)],
        "images_edit": [interaction(f"{OPENAI}/images/edits", {}, 200, images)],
        "images_edit_stream": [interaction(f"{OPENAI}/images/edits", {}, 200, named_sse([
            image_event("image_edit.partial_image", 0), image_event("image_edit.completed")]), sse=True)],
        "images_error_400": [interaction(f"{OPENAI}/images/generations", {}, 400, {"error": {
            "message": "Your request was rejected by the safety system.", "type": "invalid_request_error",
            "param": None, "code": "moderation_blocked"}})],
        "transcription": [interaction(f"{OPENAI}/audio/transcriptions", {}, 200,
                                      {"text": "The capital of France is Paris.", "usage": token_usage})],
        "transcription_stream": [interaction(f"{OPENAI}/audio/transcriptions", {}, 200, named_sse([
            {"type": "transcript.text.delta", "delta": "The capital of France"},
            {"type": "transcript.text.delta", "delta": " is Paris."},
            {"type": "transcript.text.done", "text": "The capital of France is Paris.", "usage": token_usage}]),
            sse=True)],
        "translation": [interaction(f"{OPENAI}/audio/translations", {}, 200, {
            "text": "The capital of France is Paris.", "usage": {"type": "duration", "seconds": 3}})],
        "speech": [dict(interaction(f"{OPENAI}/audio/speech", {}, 200, SPEECH_BYTES))],
        "moderations": [interaction(f"{OPENAI}/moderations", {}, 200, moderation)],
    }
    c["speech"][0]["response"]["headers"]["content-type"] = ["audio/mpeg"]
    return c


# ---------------------------------------------------------------------------------------------
# Google Gemini (google-genai): the Gemini API and Vertex AI answer in the same shape

GEMINI = "https://generativelanguage.googleapis.com/v1beta/models"
VERTEX = "https://aiplatform.googleapis.com/v1beta1/publishers/google/models"
GEMINI_MODEL = "gemini-2.5-flash"


def gemini_usage(prompt, candidates, thoughts=None, cached=None):
    usage = {"promptTokenCount": prompt, "candidatesTokenCount": candidates,
             "totalTokenCount": prompt + candidates + (thoughts or 0),
             "promptTokensDetails": [{"modality": "TEXT", "tokenCount": prompt}]}
    if thoughts is not None:
        usage["thoughtsTokenCount"] = thoughts
    if cached is not None:
        usage["cachedContentTokenCount"] = cached
    return usage


def gemini_response(parts, *, usage=None, finish="STOP", **extra):
    candidate = {"content": {"role": "model", "parts": parts}, "index": 0, **extra}
    if finish:
        candidate["finishReason"] = finish
    out = {"candidates": [candidate], "modelVersion": GEMINI_MODEL, "responseId": "gem-AL1"}
    if usage is not None:
        out["usageMetadata"] = usage
    return out


def gemini_sse(chunks: list[dict]) -> str:
    return "".join(f"data: {json.dumps(c)}\r\n\r\n" for c in chunks)


def gemini_cassettes() -> dict[str, list[dict]]:
    answer = "The capital of France is Paris."
    weather_call = {"functionCall": {"name": "get_weather", "args": {"city": "Paris"}}, "thoughtSignature": "c2lnMQ=="}
    stream = [
        gemini_response([{"text": "Let me think about France.", "thought": True}], finish=None),
        gemini_response([{"text": "", "thought": True, "thoughtSignature": "c2lnMA=="}], finish=None),
        gemini_response([{"text": "The capital"}], finish=None),
        gemini_response([{"text": " of France is Paris."}], usage=gemini_usage(9, 7, thoughts=11, cached=4),
                        citationMetadata={"citationSources": [{"startIndex": 0, "endIndex": 10, "uri": "https://fr.example"}]}),
    ]
    c = {
        "generate": [interaction(f"{GEMINI}/{GEMINI_MODEL}:generateContent", {}, 200,
                                 gemini_response([{"text": answer}], usage=gemini_usage(9, 7, thoughts=20, cached=4)))],
        "generate_stream": [interaction(f"{GEMINI}/{GEMINI_MODEL}:streamGenerateContent?alt=sse", {}, 200,
                                        gemini_sse(stream), sse=True)],
        "generate_tools": [interaction(f"{GEMINI}/{GEMINI_MODEL}:generateContent", {}, 200,
                                       gemini_response([weather_call], usage=gemini_usage(20, 5)))],
        "afc": [
            interaction(f"{GEMINI}/{GEMINI_MODEL}:generateContent", {}, 200,
                        gemini_response([weather_call], usage=gemini_usage(20, 5))),
            interaction(f"{GEMINI}/{GEMINI_MODEL}:generateContent", {}, 200,
                        gemini_response([{"text": "It is sunny in Paris."}], usage=gemini_usage(40, 6))),
        ],
        "embed": [interaction(f"{GEMINI}/gemini-embedding-001:batchEmbedContents", {}, 200,
                              {"embeddings": [{"values": [0.1, 0.2, 0.3]}, {"values": [0.4, 0.5, 0.6]}]})],
        "error_429": [interaction(f"{GEMINI}/{GEMINI_MODEL}:generateContent", {}, 429, {"error": {
            "code": 429, "message": "Resource has been exhausted (e.g. check quota).", "status": "RESOURCE_EXHAUSTED"}})],
        "vertex_generate": [interaction(f"{VERTEX}/{GEMINI_MODEL}:generateContent", {}, 200,
                                        gemini_response([{"text": answer}], usage=gemini_usage(9, 7)))],
    }
    for interactions in c.values():
        for item in interactions:
            if "alt=sse" in item["request"]["uri"]:
                item["response"]["headers"]["content-type"] = ["text/event-stream"]
    return c


# ---------------------------------------------------------------------------------------------


def demo_cassette() -> list[dict]:
    """The demo's session, in the order ``python -m autolog demo`` makes its calls."""
    from build_bedrock_cassettes import converse_cassettes
    from build_groq_cassettes import chat_cassettes as groq_cassettes
    from build_ollama_cassettes import cassettes as ollama_cassettes

    o, a, g = openai_cassettes(), anthropic_cassettes(), gemini_cassettes()
    return (o["chat"] + o["chat_stream"] + o["chat_tools"] + o["embeddings"] + a["messages"]
            + a["messages_stream"] + g["generate_stream"] + ollama_cassettes()["chat_stream"]
            + converse_cassettes()["converse_stream"]
            + groq_cassettes()["chat_stream"] + o["chat_error_429"])


def readme_cassette() -> list[dict]:
    """What the README's quick start asks for."""
    return openai_cassettes()["chat"] + anthropic_cassettes()["messages_stream"]


def write(path: Path, interactions: list[dict]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    text = yaml.safe_dump({"interactions": interactions, "version": 1}, sort_keys=False, allow_unicode=True, width=120)
    path.write_text(text)


def main() -> None:
    for name, interactions in openai_cassettes().items():
        write(ROOT / "cassettes" / "openai" / f"{name}.yaml", interactions)
    for name, interactions in media_cassettes().items():
        write(ROOT / "cassettes" / "openai" / f"{name}.yaml", interactions)
    for name, interactions in gemini_cassettes().items():
        write(ROOT / "cassettes" / "gemini" / f"{name}.yaml", interactions)
    for name, interactions in anthropic_cassettes().items():
        write(ROOT / "cassettes" / "anthropic" / f"{name}.yaml", interactions)
    write(ROOT / "autolog" / "_cli" / "demo" / "cassettes" / "session.yaml", demo_cassette())
    write(ROOT / "cassettes" / "readme.yaml", readme_cassette())


if __name__ == "__main__":
    main()
