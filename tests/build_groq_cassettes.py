"""Writes the project's Groq vcrpy cassettes (``cassettes/groq/``).

The wire format follows what api.groq.com sends (OpenAI's shapes, plus Groq's ``x_groq``); the
contents are our own. Run ``python tests/build_groq_cassettes.py`` after changing a scenario here,
and commit the YAML."""
from __future__ import annotations

import json

from build_cassettes import ROOT, interaction, openai_sse, write

GROQ = "https://api.groq.com/openai/v1"
MODEL = "llama-3.3-70b-versatile"
REQUEST_ID = "req_01autologgroq0000000000000"
WEATHER_TOOL = {"type": "function", "function": {
    "name": "get_weather", "description": "Weather for a city",
    "parameters": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]}}}


def usage(prompt, completion, *, reasoning=None, cached=None):
    out = {"queue_time": 0.0171, "prompt_tokens": prompt, "prompt_time": 0.0042, "completion_tokens": completion,
           "completion_time": 0.0213, "total_tokens": prompt + completion, "total_time": 0.0255}
    if reasoning is not None:
        out["completion_tokens_details"] = {"reasoning_tokens": reasoning}
    if cached is not None:
        out["prompt_tokens_details"] = {"cached_tokens": cached}
    return out


def completion(message, *, model=MODEL, finish="stop", tokens=(18, 8), **extra):
    return {"id": "chatcmpl-groq-AL1", "object": "chat.completion", "created": 1764000000, "model": model,
            "choices": [{"index": 0, "message": {"role": "assistant", **message}, "logprobs": None,
                         "finish_reason": finish}],
            "usage": usage(*tokens, cached=6), "usage_breakdown": None, "system_fingerprint": "fp_autolog",
            "x_groq": {"id": REQUEST_ID, "seed": 1234, "usage": {"dram_cached_tokens": 6}},
            "service_tier": "on_demand", **extra}


def chunk(delta=None, *, finish=None, model=MODEL, choices=None, **extra):
    if choices is None:
        choices = [{"index": 0, "delta": delta or {}, "logprobs": None, "finish_reason": finish}]
    return {"id": "chatcmpl-groq-AL2", "object": "chat.completion.chunk", "created": 1764000001, "model": model,
            "system_fingerprint": "fp_autolog", "choices": choices, **extra}


def groq_stream(deltas, *, final_usage, finish="stop", model=MODEL, top_level_usage=False, breakdown=None):
    """Groq's stream: x_groq with the request id on the first chunk, its usage on the last (and,
    in newer responses, the same usage top-level)."""
    first = chunk({"role": "assistant", "content": ""}, model=model, x_groq={"id": REQUEST_ID, "seed": 1234})
    last_x = {"id": REQUEST_ID, "usage": final_usage}
    if breakdown is not None:
        last_x["usage_breakdown"] = breakdown
    last = chunk(finish=finish, model=model, x_groq=last_x)
    if top_level_usage:
        last["usage"] = final_usage
    return [first] + [chunk(d, model=model) for d in deltas] + [last]


PARIS = ["The", " capital", " of", " France", " is", " Paris", "."]
QUESTION = {"model": MODEL, "messages": [{"role": "user", "content": "What is the capital of France?"}]}


def chat_cassettes() -> dict[str, list[dict]]:
    uri = f"{GROQ}/chat/completions"
    streamed = {**QUESTION, "stream": True}
    c = {
        "chat": [interaction(uri, QUESTION, 200, completion({"content": "The capital of France is Paris."}))],
        # x_groq.usage only: every recording until 2025
        "chat_stream": [interaction(uri, streamed, 200, openai_sse(
            groq_stream([{"content": p} for p in PARIS], final_usage=usage(18, 8))), sse=True)],
        # newer responses repeat the usage top-level
        "chat_stream_usage": [interaction(uri, streamed, 200, openai_sse(
            groq_stream([{"content": p} for p in PARIS], final_usage=usage(18, 8, cached=12),
                        top_level_usage=True)), sse=True)],
    }
    weather = {**QUESTION, "messages": [{"role": "user", "content": "Weather in Paris and Rome?"}],
               "tools": [WEATHER_TOOL]}
    calls = [{"id": "call_paris", "type": "function", "function": {"name": "get_weather", "arguments": "{\"city\":\"Paris\"}"}},
             {"id": "call_rome", "type": "function", "function": {"name": "get_weather", "arguments": "{\"city\":\"Rome\"}"}}]
    c["chat_tools"] = [interaction(uri, weather, 200, completion({"content": None, "tool_calls": calls},
                                                                   finish="tool_calls", tokens=(220, 40)))]
    # Groq sends each tool call whole, in one delta
    tool_deltas = [{"tool_calls": [{**call, "index": i}]} for i, call in enumerate(calls)]
    c["chat_tools_stream"] = [interaction(uri, {**weather, "stream": True}, 200, openai_sse(
        groq_stream(tool_deltas, final_usage=usage(220, 40), finish="tool_calls")), sse=True)]
    reasoning_model = "openai/gpt-oss-20b"
    thoughts = ["The user", " asks for", " France's capital."]
    c["chat_reasoning_stream"] = [interaction(uri, {**streamed, "model": reasoning_model, "reasoning_format": "parsed"},
                                              200, openai_sse(groq_stream(
        [{"reasoning": t, "channel": "analysis"} for t in thoughts] + [{"content": "Paris."}],
        final_usage=usage(80, 30, reasoning=22), model=reasoning_model, top_level_usage=True)), sse=True)]
    # a compound model runs tools on Groq's side: each is sent when it starts and again, by its
    # index, with its output
    search = {"index": 0, "type": "search", "arguments": "{\"query\": \"capital of France\"}"}
    compound_usage = usage(900, 40)
    c["compound_stream"] = [interaction(uri, {**streamed, "model": "groq/compound"}, 200, openai_sse(groq_stream([
        {"reasoning": "Searching."},
        {"executed_tools": [{**search, "search_results": {"results": []}}]},
        {"executed_tools": [{**search, "output": "Paris is the capital of France.", "search_results": {"results": [
            {"title": "Paris", "url": "https://fr.example/paris", "content": "Paris is the capital", "score": 0.9}]}}]},
        {"content": "Paris."},
    ], final_usage=compound_usage, model="groq/compound",
        breakdown={"models": [{"model": MODEL, "usage": compound_usage}]})), sse=True)]
    failed = {"error": {"message": "Tool call validation failed: parameters for tool get_weather did not match schema",
                        "type": "invalid_request_error", "code": "tool_use_failed",
                        "failed_generation": "{\"name\": \"get_weather\", \"arguments\": {}}"}}
    c["chat_error_400"] = [interaction(uri, weather, 400, failed)]
    c["chat_error_429"] = [interaction(uri, QUESTION, 429, {"error": {
        "message": f"Rate limit reached for model `{MODEL}` on tokens per minute (TPM)", "type": "tokens",
        "code": "rate_limit_exceeded"}})]
    # a tool call that fails Groq's validation mid-stream arrives as an error event
    partial = groq_stream([{"content": p} for p in PARIS[:3]], final_usage=usage(1, 1))[:-1]
    c["chat_stream_error"] = [interaction(uri, {**weather, "stream": True}, 200, openai_sse(partial)[:-len(
        "data: [DONE]\n\n")] + f"event: error\ndata: {json.dumps({'error': {**failed['error'], 'status_code': 400}})}\n\n",
        sse=True)]
    return c


def other_cassettes() -> dict[str, list[dict]]:
    transcription = {"text": " The capital of France is Paris.", "x_groq": {"id": REQUEST_ID}}
    verbose = {"task": "transcribe", "language": "English", "duration": 2.5, "text": " The capital of France is Paris.",
               "segments": [{"id": 0, "seek": 0, "start": 0.0, "end": 2.5, "text": " The capital of France is Paris.",
                             "tokens": [50365, 440], "temperature": 0.0, "avg_logprob": -0.2,
                             "compression_ratio": 0.8, "no_speech_prob": 0.01}],
               "x_groq": {"id": REQUEST_ID}}
    c = {
        "embeddings": [interaction(f"{GROQ}/embeddings", {"model": "nomic-embed-text-v1_5", "input": ["hello", "world"]},
                                   200, {"object": "list", "model": "nomic-embed-text-v1_5",
                                         "data": [{"object": "embedding", "index": i, "embedding": [0.1 * (i + 1), -0.2, 0.3]}
                                                  for i in range(2)],
                                         "usage": {"prompt_tokens": 4, "total_tokens": 4}})],
        "transcription": [interaction(f"{GROQ}/audio/transcriptions", {}, 200, transcription)],
        "transcription_verbose": [interaction(f"{GROQ}/audio/transcriptions", {}, 200, verbose)],
        "transcription_text": [interaction(f"{GROQ}/audio/transcriptions", {}, 200, " The capital of France is Paris.")],
        "translation": [interaction(f"{GROQ}/audio/translations", {}, 200,
                                    {"text": " The capital of France is Paris.", "x_groq": {"id": REQUEST_ID}})],
        "speech": [interaction(f"{GROQ}/audio/speech", {}, 200, WAV)],
    }
    c["transcription_text"][0]["response"]["headers"]["content-type"] = ["text/plain; charset=utf-8"]
    c["speech"][0]["response"]["headers"]["content-type"] = ["audio/wav"]
    return c


# a short WAV header and silence, as text so that the YAML stays readable
WAV = "RIFF$\u0000\u0000\u0000WAVEfmt \u0010\u0000\u0000\u0000" + "\u0000" * 40


def cassettes() -> dict[str, list[dict]]:
    return {**chat_cassettes(), **other_cassettes()}


def main() -> None:
    for name, interactions in cassettes().items():
        write(ROOT / "cassettes" / "groq" / f"{name}.yaml", interactions)


if __name__ == "__main__":
    main()
