"""Writes the project's Cohere cassettes (``cassettes/cohere/``).

The wire format follows what Cohere's API v2 sends (POST /v2/chat, /v2/embed, /v2/rerank; a chat
stream as named server-sent events ending with ``data: [DONE]``); the contents are our own.
Run ``python tests/build_cohere_cassettes.py`` after changing a scenario here, and commit the YAML."""
from __future__ import annotations

import json

from build_cassettes import ROOT, interaction, write

COHERE = "https://api.cohere.com/v2"
MODEL = "command-a-03-2025"
QUESTION = "What is the capital of France?"
WEATHER_TOOL = {"type": "function", "function": {"name": "get_weather", "description": "Weather for a city",
                                                   "parameters": {"type": "object", "properties": {"city": {"type": "string"}},
                                                                  "required": ["city"]}}}


def usage(billed=(8, 7), tokens=(503, 9), cached=None):
    out = {"billed_units": {"input_tokens": billed[0], "output_tokens": billed[1]},
           "tokens": {"input_tokens": tokens[0], "output_tokens": tokens[1]}}
    if cached is not None:
        out["cached_tokens"] = cached
    return out


def chat_response(message, *, finish="COMPLETE", usage_=None, rid="c0a1e2f3-0001"):
    return {"id": rid, "message": {"role": "assistant", **message}, "finish_reason": finish,
            "usage": usage_ if usage_ is not None else usage()}


def sse(events: list[dict], done: str = "[DONE]") -> str:
    """Named events as Cohere sends them: each event's name is its type (an error has no type)."""
    out = "".join(f"event: {e.get('type', 'error')}\ndata: {json.dumps(e)}\n\n" for e in events)
    return out + f"data: {done}\n\n" if done is not None else out


def message_start(rid="c0a1e2f3-0002"):
    return {"id": rid, "type": "message-start", "delta": {"message": {
        "role": "assistant", "content": [], "tool_plan": "", "tool_calls": [], "citations": []}}}


def content(index, pieces, kind="text"):
    events = [{"type": "content-start", "index": index, "delta": {"message": {"content": {"type": kind, kind: ""}}}}]
    events += [{"type": "content-delta", "index": index, "delta": {"message": {"content": {kind: p}}}} for p in pieces]
    return events + [{"type": "content-end", "index": index}]


def message_end(finish="COMPLETE", usage_=None, **extra):
    return {"type": "message-end", "delta": {"finish_reason": finish, "usage": usage_ or usage(), **extra}}


PARIS = ["The", " capital", " of", " France", " is", " Paris", "."]
CITATION = {"start": 26, "end": 31, "text": "Paris", "type": "TEXT_CONTENT",
            "sources": [{"type": "document", "id": "doc-0", "document": {"id": "doc-0", "snippet": "Paris is the capital."}}]}


def tool_call_events(index, call_id, city_pieces):
    start = {"type": "tool-call-start", "index": index, "delta": {"message": {"tool_calls": {
        "id": call_id, "type": "function", "function": {"name": "get_weather", "arguments": ""}}}}}
    deltas = [{"type": "tool-call-delta", "index": index, "delta": {"message": {"tool_calls": {"function": {"arguments": p}}}}}
              for p in city_pieces]
    return [start, *deltas, {"type": "tool-call-end", "index": index}]


def cohere_cassettes() -> dict[str, list[dict]]:
    chat_uri, question = f"{COHERE}/chat", {"model": MODEL, "messages": [{"role": "user", "content": QUESTION}]}
    streamed = {**question, "stream": True}
    c = {}
    c["chat"] = [interaction(chat_uri, {**question, "stream": False}, 200, chat_response(
        {"content": [{"type": "text", "text": "The capital of France is Paris."}]}, usage_=usage(cached=448)))]
    # the 2024 experimental v2 API: counts under meta
    c["chat_meta_usage"] = [interaction(chat_uri, question, 200, {
        "id": "c0a1e2f3-0003", "message": {"role": "assistant", "content": [{"type": "text", "text": "Paris."}]},
        "finish_reason": "COMPLETE", "meta": {"api_version": {"version": "2", "is_experimental": True},
                                              "billed_units": {"input_tokens": 8, "output_tokens": 2},
                                              "tokens": {"input_tokens": 70, "output_tokens": 3}}})]
    weather = {"model": MODEL, "messages": [{"role": "user", "content": "Weather in Paris and Rome?"}], "tools": [WEATHER_TOOL]}
    calls = [{"id": "get_weather_p4r1s", "type": "function", "function": {"name": "get_weather", "arguments": "{\"city\":\"Paris\"}"}},
             {"id": "get_weather_r0m3", "type": "function", "function": {"name": "get_weather", "arguments": "{\"city\":\"Rome\"}"}}]
    plan = "I will look up the weather in Paris and in Rome."
    c["chat_tools"] = [interaction(chat_uri, weather, 200, chat_response(
        {"tool_plan": plan, "tool_calls": calls}, finish="TOOL_CALL", usage_=usage((30, 25), (1400, 60))))]
    c["chat_tools_stream"] = [interaction(chat_uri, {**weather, "stream": True}, 200, sse(
        [message_start()]
        + [{"type": "tool-plan-delta", "delta": {"message": {"tool_plan": p}}}
           for p in ["I will look up", " the weather in Paris", " and in Rome."]]
        + tool_call_events(0, "get_weather_p4r1s", ["{\"city\"", ":\"Paris\"}"])
        + tool_call_events(1, "get_weather_r0m3", ["{\"city\":", "\"Rome\"}"])
        + [message_end("TOOL_CALL", usage((30, 25), (1400, 60)))]), sse=True)]
    documents = [{"id": "doc-0", "data": {"text": "Paris is the capital."}}]
    c["chat_stream"] = [interaction(chat_uri, {**streamed, "documents": documents}, 200, sse(
        [message_start()] + content(0, PARIS)[:-1]
        + [{"type": "citation-start", "index": 0, "delta": {"message": {"citations": CITATION}}},
           {"type": "citation-end", "index": 0}, {"type": "content-end", "index": 0},
           message_end(usage_=usage(cached=448))]), sse=True)]
    thinking = ["The user asks", " about France's capital."]
    c["chat_thinking_stream"] = [interaction(chat_uri, streamed, 200, sse(
        [message_start()] + content(0, thinking, "thinking") + content(1, PARIS)
        + [message_end(usage_=usage((8, 20), (503, 22)))]), sse=True)]
    # an error the API reports inside a stream whose HTTP status was 200; the SDK yields it, not raises it
    c["chat_stream_error_event"] = [interaction(chat_uri, streamed, 200, sse(
        [message_start()] + content(0, PARIS[:3])[:-1] + [{"error": "internal server error, please try again"}],
        done=None), sse=True)]
    c["chat_error_400"] = [interaction(chat_uri, question, 400, {"id": "e400", "message": "invalid request: model 'nope' not found"})]
    c["chat_error_429"] = [interaction(chat_uri, question, 429, {"id": "e429", "message": "You are using a Trial key, which is limited to 10 API calls / minute."})]
    c["embed"] = [interaction(f"{COHERE}/embed", {"model": "embed-v4.0", "texts": ["hello", "world"],
                                                   "input_type": "search_document", "embedding_types": ["float", "int8"]}, 200, {
        "id": "e0a1-0001", "response_type": "embeddings_by_type", "texts": ["hello", "world"],
        "embeddings": {"float": [[0.0123, -0.0456, 0.0789], [0.0321, 0.0654, -0.0987]], "int8": [[3, -12, 20], [8, 17, -25]]},
        "meta": {"api_version": {"version": "2"}, "billed_units": {"input_tokens": 2}}})]
    c["rerank"] = [interaction(f"{COHERE}/rerank", {"model": "rerank-v3.5", "query": QUESTION,
                                                     "documents": ["Berlin is in Germany.", "Paris is the capital of France.",
                                                                   "Rome is in Italy."], "top_n": 2}, 200, {
        "id": "r0a1-0001", "results": [{"index": 1, "relevance_score": 0.9871}, {"index": 2, "relevance_score": 0.0412}],
        "meta": {"api_version": {"version": "2"}, "billed_units": {"search_units": 1}}})]
    return c


V1 = "https://api.cohere.com/v1"


def ndjson(events: list[dict]) -> str:
    """API v1 streams: one JSON object a line."""
    return "".join(json.dumps(e) + "\n" for e in events)


def v1_meta(billed=(8, 7), tokens=(70, 9)):
    return {"api_version": {"version": "1"}, "billed_units": {"input_tokens": billed[0], "output_tokens": billed[1]},
            "tokens": {"input_tokens": tokens[0], "output_tokens": tokens[1]}}


def v1_cassettes() -> dict[str, list[dict]]:
    """The legacy cohere.Client (API v1): chat, generate, their streams, rerank."""
    ask = {"model": "command-r-08-2024", "message": QUESTION, "preamble": "Answer in one sentence.",
           "chat_history": [{"role": "USER", "message": "Hi"}, {"role": "CHATBOT", "message": "Hello! How can I help?"}]}
    response = {"response_id": "v1r-0001", "text": "The capital of France is Paris.", "generation_id": "v1g-0001",
                "finish_reason": "COMPLETE", "chat_history": [], "meta": v1_meta()}
    c = {}
    c["v1_chat"] = [interaction(f"{V1}/chat", ask, 200, response)]
    c["v1_chat_stream"] = [interaction(f"{V1}/chat", {**ask, "stream": True}, 200, ndjson(
        [{"is_finished": False, "event_type": "stream-start", "generation_id": "v1g-0002"}]
        + [{"is_finished": False, "event_type": "text-generation", "text": p} for p in PARIS]
        + [{"is_finished": True, "event_type": "stream-end", "finish_reason": "COMPLETE",
            "response": {**response, "generation_id": "v1g-0002"}}]))]
    prompt = {"model": "command", "prompt": "Write a tagline for a bakery.", "max_tokens": 20}
    c["v1_generate"] = [interaction(f"{V1}/generate", prompt, 200, {
        "id": "v1gen-0001", "prompt": prompt["prompt"], "meta": v1_meta((7, 6), (7, 6)),
        "generations": [{"id": "v1gen-0001-0", "text": "Fresh from our oven to your table.", "finish_reason": "COMPLETE"}]})]
    pieces = ["Fresh", " from", " our oven", " to your table."]
    c["v1_generate_stream"] = [interaction(f"{V1}/generate", {**prompt, "stream": True}, 200, ndjson(
        [{"is_finished": False, "event_type": "text-generation", "text": p} for p in pieces]
        + [{"is_finished": True, "event_type": "stream-end", "finish_reason": "COMPLETE", "response": {
            "id": "v1gen-0002", "prompt": prompt["prompt"],
            "generations": [{"id": "v1gen-0002-0", "index": 0, "text": "".join(pieces), "finish_reason": "COMPLETE"}]}}]))]
    c["v1_generate_stream_error"] = [interaction(f"{V1}/generate", {**prompt, "stream": True}, 200, ndjson(
        [{"is_finished": False, "event_type": "text-generation", "text": p} for p in pieces[:2]]
        + [{"is_finished": True, "event_type": "stream-error", "finish_reason": "ERROR", "err": "the model stopped"}]))]
    c["v1_rerank"] = [interaction(f"{V1}/rerank", {"model": "rerank-english-v3.0", "query": QUESTION,
                                                    "documents": ["Berlin is in Germany.", "Paris is the capital of France."]}, 200, {
        "id": "v1rr-0001", "results": [{"index": 1, "relevance_score": 0.97}, {"index": 0, "relevance_score": 0.02}],
        "meta": {"api_version": {"version": "1"}, "billed_units": {"search_units": 1}}})]
    return c


def main() -> None:
    for name, interactions in {**cohere_cassettes(), **v1_cassettes()}.items():
        write(ROOT / "cassettes" / "cohere" / f"{name}.yaml", interactions)


if __name__ == "__main__":
    main()
