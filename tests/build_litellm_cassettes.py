"""Writes the LiteLLM cassettes (``cassettes/litellm/``): the wire of the providers LiteLLM calls
(OpenAI, Azure OpenAI, Anthropic, an OpenAI-compatible server), in vcrpy's format; the contents are
our own. Run ``python tests/build_litellm_cassettes.py`` after changing a scenario, and commit the YAML."""
from __future__ import annotations

import json

from build_cassettes import (ANTHROPIC, OPENAI, PARIS, ROOT, WEATHER_TOOL, chat_completion, chunk, delta,
                             interaction, message_events, message_item, message_object, named_sse, openai_sse,
                             response_object, text_chunks, text_deltas, usage_chunk, write)

AZURE = "https://autolog-test.openai.azure.com/openai/deployments/gpt-4o-mini"
AZURE_QUERY = "?api-version=2024-10-21"
QUESTION = [{"role": "user", "content": "What is the capital of France?"}]


def openai_cassettes() -> dict[str, list[dict]]:
    uri = f"{OPENAI}/chat/completions"
    q = {"model": "gpt-4o-mini", "messages": QUESTION}
    c = {"openai_chat": [interaction(uri, q, 200, chat_completion("The capital of France is Paris.", cached=4))]}
    c["openai_chat_stream"] = [interaction(uri, {**q, "stream": True}, 200,
                                           openai_sse(text_chunks(PARIS) + [usage_chunk(14, 7)]), sse=True)]
    tool_chunks = [
        chunk([delta(0, role="assistant", content=None, tool_calls=[
            {"index": 0, "id": "call_paris", "type": "function", "function": {"name": "get_weather", "arguments": ""}}])]),
        chunk([delta(0, tool_calls=[{"index": 0, "function": {"arguments": "{\"city\": "}}])]),
        chunk([delta(0, tool_calls=[{"index": 0, "function": {"arguments": "\"Paris\"}"}}])]),
        chunk([delta(0, finish="tool_calls")]),
    ]
    weather = {"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "Weather in Paris?"}], "tools": [WEATHER_TOOL]}
    c["openai_tools_stream"] = [interaction(uri, {**weather, "stream": True}, 200,
                                            openai_sse(tool_chunks + [usage_chunk(60, 20)]), sse=True)]
    c["openai_tools"] = [interaction(uri, weather, 200, chat_completion(None, finish="tool_calls", tool_calls=[
        {"id": "call_paris", "type": "function", "function": {"name": "get_weather", "arguments": "{\"city\": \"Paris\"}"}}]))]
    c["openai_error_400"] = [interaction(uri, q, 400, {"error": {
        "message": "Invalid value for 'temperature'", "type": "invalid_request_error", "param": "temperature", "code": None}})]
    rate_limited = interaction(uri, q, 429, {"error": {"message": "Rate limit reached for gpt-4o-mini", "type": "requests",
                                                       "param": None, "code": "rate_limit_exceeded"}})
    c["openai_error_429"] = [rate_limited]
    # a Router that retries: the first attempt is rate limited, the second answers
    c["openai_retry"] = [rate_limited, interaction(uri, q, 200, chat_completion("Paris."))]
    c["openai_embeddings"] = [interaction(f"{OPENAI}/embeddings", {"model": "text-embedding-3-small", "input": ["Paris", "Rome"]},
                                          200, {"object": "list", "model": "text-embedding-3-small", "data": [
                                              {"object": "embedding", "index": 0, "embedding": [0.1, -0.2, 0.3]},
                                              {"object": "embedding", "index": 1, "embedding": [0.4, 0.5, -0.6]}],
                                              "usage": {"prompt_tokens": 4, "total_tokens": 4}})]
    c["openai_text_completion"] = [interaction(f"{OPENAI}/completions", {"model": "gpt-3.5-turbo-instruct", "prompt": "Say hi"},
                                               200, {"id": "cmpl-AL1", "object": "text_completion", "created": 1763900002,
                                                     "model": "gpt-3.5-turbo-instruct", "choices": [
                                                         {"text": "Hi there!", "index": 0, "logprobs": None,
                                                          "finish_reason": "stop"}],
                                                     "usage": {"prompt_tokens": 3, "completion_tokens": 4, "total_tokens": 7}})]
    text_stream = [{"id": "cmpl-AL2", "object": "text_completion", "created": 1763900003, "model": "gpt-3.5-turbo-instruct",
                    "choices": [{"text": piece, "index": 0, "logprobs": None, "finish_reason": finish}]}
                   for piece, finish in (("Hi", None), (" there", None), ("!", "stop"))]
    c["openai_text_completion_stream"] = [interaction(f"{OPENAI}/completions", {"model": "gpt-3.5-turbo-instruct",
                                                                                "prompt": "Say hi", "stream": True},
                                                      200, openai_sse(text_stream), sse=True)]
    return c


def responses_cassettes() -> dict[str, list[dict]]:
    uri = f"{OPENAI}/responses"
    q = {"model": "gpt-4.1-mini", "input": "What is the capital of France?"}
    c = {"responses": [interaction(uri, q, 200, response_object([message_item("Paris is the capital of France.")]))]}
    seq = iter(range(1000))

    def ev(kind, **fields):
        return {"type": kind, "sequence_number": next(seq), **fields}

    created = response_object([], status="in_progress", usage=None)
    events = [ev("response.created", response=created), ev("response.in_progress", response=created),
              ev("response.output_item.added", output_index=0, item={**message_item("", "in_progress"), "content": []}),
              ev("response.content_part.added", item_id="msg_AL1", output_index=0, content_index=0,
                 part={"type": "output_text", "text": "", "annotations": []})]
    for piece in ["Paris", " is", " the", " capital", "."]:
        events.append(ev("response.output_text.delta", item_id="msg_AL1", output_index=0, content_index=0,
                         delta=piece, logprobs=[]))
    events += [ev("response.output_text.done", item_id="msg_AL1", output_index=0, content_index=0,
                  text="Paris is the capital.", logprobs=[]),
               ev("response.content_part.done", item_id="msg_AL1", output_index=0, content_index=0,
                  part={"type": "output_text", "text": "Paris is the capital.", "annotations": []}),
               ev("response.output_item.done", output_index=0, item=message_item("Paris is the capital.")),
               ev("response.completed", response=response_object([message_item("Paris is the capital.")], usage=(12, 6)))]
    c["responses_stream"] = [interaction(uri, {**q, "stream": True}, 200, named_sse(events), sse=True)]
    return c


def azure_cassettes() -> dict[str, list[dict]]:
    q = {"model": "gpt-4o-mini", "messages": QUESTION}
    chat = f"{AZURE}/chat/completions{AZURE_QUERY}"
    c = {"azure_chat": [interaction(chat, q, 200, chat_completion("Paris.", model="gpt-4o-mini-2024-07-18", usage=(14, 2)))]}
    c["azure_chat_stream"] = [interaction(chat, {**q, "stream": True}, 200,
                                          openai_sse(text_chunks(PARIS) + [usage_chunk(14, 7)]), sse=True)]
    c["azure_embeddings"] = [interaction(f"{AZURE}/embeddings{AZURE_QUERY}", {"model": "gpt-4o-mini", "input": ["Paris"]}, 200,
                                         {"object": "list", "model": "text-embedding-3-small", "data": [
                                             {"object": "embedding", "index": 0, "embedding": [0.1, -0.2, 0.3]}],
                                          "usage": {"prompt_tokens": 2, "total_tokens": 2}})]
    return c


def anthropic_cassettes() -> dict[str, list[dict]]:
    uri = f"{ANTHROPIC}/messages"
    q = {"model": "claude-sonnet-4-5", "max_tokens": 256, "messages": QUESTION}
    cache_usage = {"input_tokens": 12, "output_tokens": 9, "cache_creation_input_tokens": 100,
                   "cache_read_input_tokens": 2000, "service_tier": "standard"}
    c = {"anthropic_chat": [interaction(uri, q, 200, message_object(
        [{"type": "text", "text": "The capital of France is Paris."}], usage=cache_usage))]}
    thinking_stream = message_events([
        ({"type": "thinking", "thinking": "", "signature": ""},
         [{"type": "thinking_delta", "thinking": p} for p in ["France's", " capital", " is Paris."]]
         + [{"type": "signature_delta", "signature": "EqQBCkYIBRgCIkB0sig"}]),
        ({"type": "text", "text": ""}, text_deltas(PARIS)),
    ], start_usage={"input_tokens": 14, "output_tokens": 1, "cache_read_input_tokens": 30,
                    "cache_creation_input_tokens": 0}, end_usage={"output_tokens": 12})
    c["anthropic_stream"] = [interaction(uri, {**q, "thinking": {"type": "enabled", "budget_tokens": 1024}, "stream": True},
                                         200, named_sse(thinking_stream), sse=True)]
    tool_stream = message_events([
        ({"type": "text", "text": ""}, text_deltas(["Let me", " check."])),
        ({"type": "tool_use", "id": "toolu_AL1", "name": "get_weather", "input": {}},
         [{"type": "input_json_delta", "partial_json": p} for p in ["", "{\"city\"", ": \"Par", "is\"}"]]),
    ], start_usage={"input_tokens": 300, "output_tokens": 2}, end_usage={"output_tokens": 40}, stop="tool_use")
    c["anthropic_tool_stream"] = [interaction(uri, {**q, "stream": True}, 200, named_sse(tool_stream), sse=True)]
    broken = message_events([({"type": "text", "text": ""}, text_deltas(PARIS[:3]))],
                            start_usage={"input_tokens": 14, "output_tokens": 1}, end_usage={"output_tokens": 3})[:-3]
    err = {"type": "error", "error": {"type": "overloaded_error", "message": "Overloaded"}}
    c["anthropic_error_stream"] = [interaction(uri, {**q, "stream": True}, 200, named_sse(broken + [err]), sse=True)]
    c["anthropic_error_529"] = [interaction(uri, q, 529, {"type": "error", "error": {"type": "overloaded_error",
                                                                                       "message": "Overloaded"}})]
    return c


def fallback_cassette() -> list[dict]:
    """A Router whose first deployment (OpenAI) fails and whose fallback (Anthropic) answers."""
    failed = interaction(f"{OPENAI}/chat/completions", {"model": "gpt-4o-mini", "messages": QUESTION}, 500,
                         {"error": {"message": "The server had an error", "type": "server_error", "param": None,
                                    "code": None}})
    answered = interaction(f"{ANTHROPIC}/messages", {"model": "claude-sonnet-4-5", "messages": QUESTION}, 200,
                           message_object([{"type": "text", "text": "Paris."}]))
    return [failed, answered]


def compatible_cassettes() -> dict[str, list[dict]]:
    """An OpenAI-compatible server behind api_base (a LiteLLM proxy on its usual port)."""
    q = {"model": "my-model", "messages": QUESTION}
    return {"proxy_chat": [interaction("http://localhost:4000/chat/completions", q, 200,
                                       chat_completion("Paris.", model="my-model", usage=(9, 2)))]}


def main() -> None:
    out = ROOT / "cassettes" / "litellm"
    for group in (openai_cassettes(), responses_cassettes(), azure_cassettes(), anthropic_cassettes(),
                  compatible_cassettes(), {"router_fallback": fallback_cassette()}):
        for name, interactions in group.items():
            write(out / f"{name}.yaml", interactions)


if __name__ == "__main__":
    main()
