"""Writes the project's Mistral cassettes (``cassettes/mistral/``).

The wire formats follow what api.mistral.ai sends (chat, FIM and agents completions, their SSE
streams, embeddings, errors); the contents are our own. Run
``python tests/build_mistral_cassettes.py`` after changing a scenario here, and commit the YAML."""
from __future__ import annotations

import json

from build_cassettes import ROOT, interaction, write

API = "https://api.mistral.ai/v1"
MODEL = "mistral-small-latest"
QUESTION = [{"role": "user", "content": "What is the capital of France?"}]
PARIS = ["The", " capital", " of", " France", " is", " Paris", "."]
WEATHER_TOOL = {"type": "function", "function": {"name": "get_weather", "description": "Weather for a city",
                                                   "parameters": {"type": "object", "properties": {"city": {"type": "string"}},
                                                                  "required": ["city"]}}}


def usage(prompt, completion, **extra):
    return {"prompt_tokens": prompt, "completion_tokens": completion, "total_tokens": prompt + completion, **extra}


def completion(content, *, model=MODEL, finish="stop", tool_calls=None, used=None, obj="chat.completion"):
    message = {"role": "assistant", "content": content, "tool_calls": tool_calls, "prefix": False}
    return {"id": "cmpl-mistral-0001", "object": obj, "created": 1764900000, "model": model,
            "choices": [{"index": 0, "message": message, "finish_reason": finish}],
            "usage": used or usage(12, 8, prompt_tokens_details={"cached_tokens": 4})}


def chunk(choices, *, model=MODEL, used=None):
    out = {"id": "cmpl-mistral-0002", "object": "chat.completion.chunk", "created": 1764900001, "model": model,
           "choices": choices}
    if used is not None:
        out["usage"] = used
    return out


def delta(index=0, finish=None, **d):
    return {"index": index, "delta": d, "finish_reason": finish}


def sse(chunks, *, done=True) -> str:
    return "".join(f"data: {json.dumps(c)}\n\n" for c in chunks) + ("data: [DONE]\n\n" if done else "")


def text_stream(pieces, *, model=MODEL, used=None):
    """Role first, then the pieces; the last chunk has the finish reason and the usage."""
    chunks = [chunk([delta(role="assistant", content="")], model=model)]
    chunks += [chunk([delta(content=p)], model=model) for p in pieces[:-1]]
    chunks.append(chunk([delta(finish="stop", content=pieces[-1])], model=model, used=used or usage(12, 7)))
    return chunks


def tool_call(call_id, city, *, index=None, arguments=None):
    call = {"id": call_id, "function": {"name": "get_weather",
                                        "arguments": arguments if arguments is not None else json.dumps({"city": city})}}
    if index is not None:
        call["index"] = index
    return call


def chat_cassettes() -> dict[str, list[dict]]:
    uri = f"{API}/chat/completions"
    q = {"model": MODEL, "messages": QUESTION}
    weather_q = {"model": MODEL, "messages": [{"role": "user", "content": "Weather in Paris and Rome?"}],
                 "tools": [WEATHER_TOOL]}
    streamed = {**q, "stream": True}
    c = {}
    c["chat"] = [interaction(uri, q, 200, completion("The capital of France is Paris."))]
    c["chat_stream"] = [interaction(f"{uri}#stream", streamed, 200,
                                    sse(text_stream(PARIS, used=usage(12, 7, prompt_tokens_details={"cached_tokens": 4}))),
                                    sse=True)]
    c["chat_tools"] = [interaction(uri, weather_q, 200, completion(
        "", finish="tool_calls", used=usage(80, 22),
        tool_calls=[{**tool_call("call01Par", "Paris", index=0), "type": "function"},
                    {**tool_call("call02Rom", "Rome", index=1), "type": "function"}]))]
    c["chat_tools_object_arguments"] = [interaction(uri, weather_q, 200, completion(
        "", finish="tool_calls", used=usage(80, 11),
        tool_calls=[{**tool_call("call02Rom", "Rome", index=0, arguments={"city": "Rome"}), "type": "function"}]))]
    # each call whole in one chunk, with no index (as the API sends them), the second as an object
    whole = [chunk([delta(role="assistant", content="")]),
             chunk([delta(tool_calls=[tool_call("call01Par", "Paris")])]),
             chunk([delta(tool_calls=[tool_call("call02Rom", "Rome", arguments={"city": "Rome"})])]),
             chunk([delta(finish="tool_calls", content="")], used=usage(80, 22))]
    c["chat_tools_stream"] = [interaction(f"{uri}#stream", {**weather_q, "stream": True}, 200, sse(whole), sse=True)]
    # a call whose arguments arrive in pieces, continued by its index
    pieces = [chunk([delta(role="assistant", content="Let me check.")]),
              chunk([delta(tool_calls=[{"id": "call03Lyo", "index": 0,
                                        "function": {"name": "get_weather", "arguments": "{\"ci"}}])]),
              chunk([delta(tool_calls=[{"index": 0, "function": {"name": "", "arguments": "ty\": \"Lyon\"}"}}])]),
              chunk([delta(finish="tool_calls")], used=usage(60, 15))]
    c["chat_tool_pieces_stream"] = [interaction(f"{uri}#stream", {**weather_q, "stream": True}, 200, sse(pieces),
                                                sse=True)]
    # a reasoning model: thinking chunks (text chunks of their own), then the answer
    think = [chunk([delta(role="assistant", content="")], model="magistral-medium-latest")]
    for piece in ["France", "'s capital", " is Paris."]:
        think.append(chunk([delta(content=[{"type": "thinking", "thinking": [{"type": "text", "text": piece}]}])],
                           model="magistral-medium-latest"))
    think += [chunk([delta(content=p)], model="magistral-medium-latest") for p in ["Paris", "."]]
    think.append(chunk([delta(finish="stop", content="")], model="magistral-medium-latest", used=usage(10, 30)))
    c["chat_thinking_stream"] = [interaction(f"{uri}#stream", {**streamed, "model": "magistral-medium-latest"}, 200,
                                             sse(think), sse=True)]
    # n=2: the two choices' chunks interleave
    n2 = [chunk([delta(0, role="assistant", content=""), delta(1, role="assistant", content="")])]
    for a, b in zip(["Paris", " it", " is."], ["It", " is", " Paris."]):
        n2 += [chunk([delta(0, content=a)]), chunk([delta(1, content=b)])]
    n2.append(chunk([delta(0, finish="stop"), delta(1, finish="length")], used=usage(12, 12)))
    c["chat_n2_stream"] = [interaction(f"{uri}#stream", {**streamed, "n": 2}, 200, sse(n2), sse=True)]
    # an error frame after three chunks: the SDK cannot read it as a chunk and raises
    broken = text_stream(PARIS)[:3]
    error = {"object": "error", "message": "Service unavailable, please retry", "type": "internal_server_error",
             "param": None, "code": "3000"}
    c["chat_stream_error"] = [interaction(f"{uri}#stream", streamed, 200,
                                          sse(broken, done=False) + f"data: {json.dumps(error)}\n\n", sse=True)]
    c["chat_stream_error_429"] = [interaction(f"{uri}#stream", streamed, 429, {
        "object": "error", "message": "Requests rate limit exceeded", "type": "rate_limited", "param": None,
        "code": "1300"})]
    c["chat_error_429"] = [interaction(uri, q, 429, {
        "object": "error", "message": "Requests rate limit exceeded", "type": "rate_limited", "param": None,
        "code": "1300"})]
    c["chat_error_401"] = [interaction(uri, q, 401, {"message": "Unauthorized", "request_id": "req-0001"})]
    c["chat_error_500"] = [interaction(uri, q, 500, {
        "object": "error", "message": "Internal server error", "type": "internal_server_error", "param": None,
        "code": "3000"})]
    c["chat_error_422"] = [interaction(uri, q, 422, {"detail": [{
        "type": "missing", "loc": ["body", "messages"], "msg": "Field required", "input": {"model": MODEL}}]})]
    c["chat_parse"] = [interaction(uri, q, 200, completion(json.dumps({"city": "Paris", "country": "France"})))]
    return c


def fim_cassettes() -> dict[str, list[dict]]:
    uri = f"{API}/fim/completions"
    q = {"model": "codestral-latest", "prompt": "def fibonacci(n):", "suffix": "print(fibonacci(10))"}
    body = "\n    return n if n < 2 else fibonacci(n - 1) + fibonacci(n - 2)\n"
    pieces = ["\n    return n if n < 2", " else fibonacci(n - 1)", " + fibonacci(n - 2)\n"]
    return {
        "fim": [interaction(uri, q, 200, completion(body, model="codestral-latest", used=usage(15, 20)))],
        "fim_stream": [interaction(f"{uri}#stream", {**q, "stream": True}, 200,
                                   sse(text_stream(pieces, model="codestral-latest", used=usage(15, 20))), sse=True)],
    }


def agents_cassettes() -> dict[str, list[dict]]:
    uri = f"{API}/agents/completions"
    q = {"agent_id": "ag:3996db2b:20251201:geography:5f2a", "messages": QUESTION}
    # an older response shape: cached prompt tokens as num_cached_tokens
    used = usage(40, 7, num_cached_tokens=32)
    return {
        "agents": [interaction(uri, q, 200, completion("Paris.", model="mistral-medium-2508", used=used))],
        "agents_stream": [interaction(f"{uri}#stream", {**q, "stream": True}, 200,
                                      sse(text_stream(["Par", "is."], model="mistral-medium-2508", used=used)),
                                      sse=True)],
    }


def embeddings_cassettes() -> dict[str, list[dict]]:
    uri = f"{API}/embeddings"
    q = {"model": "mistral-embed", "input": ["hello", "world"]}
    return {
        "embeddings": [interaction(uri, q, 200, {
            "id": "emb-mistral-0001", "object": "list", "model": "mistral-embed",
            "data": [{"object": "embedding", "index": i, "embedding": [0.01 * (i + 1), -0.02, 0.03, 0.04]}
                     for i in range(2)],
            "usage": {"prompt_tokens": 4, "completion_tokens": 0, "total_tokens": 4}})],
        "embeddings_error_400": [interaction(uri, q, 400, {
            "object": "error", "message": "Input is too long", "type": "invalid_request_error", "param": None,
            "code": "3210"})],
    }


def cassettes() -> dict[str, list[dict]]:
    return {**chat_cassettes(), **fim_cassettes(), **agents_cassettes(), **embeddings_cassettes()}


def main() -> None:
    found = cassettes()
    for name, interactions in found.items():
        write(ROOT / "cassettes" / "mistral" / f"{name}.yaml", interactions)
    write(ROOT / "autolog" / "_cli" / "demo" / "cassettes" / "mistral.yaml", found["chat_stream"])  # the demo's


if __name__ == "__main__":
    main()
