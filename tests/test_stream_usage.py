"""Token usage for OpenAI streams the caller did not ask usage for: the package asks on its behalf,
and what the caller iterates is item for item what an untraced call gives."""
import json

import pytest

import autolog
from conftest import OPENAI_HTTP, only_span, usage_of

QUESTION = [{"role": "user", "content": "What is the capital of France?"}]
WORDS = ["The", " capital", " of", " France", " is", " Paris", "."]


class Server:
    """Answers a chat or completions stream as OpenAI does: the usage chunk only when asked for
    (or, as some OpenAI-compatible servers do, always: ``unasked_usage``)."""

    def __init__(self, unasked_usage=False):
        self.bodies = []
        self.unasked_usage = unasked_usage

    def __call__(self, request):
        body = json.loads(request.content)
        self.bodies.append(body)
        chat = request.url.path.endswith("/chat/completions")
        head = {"id": "c1", "object": "chat.completion.chunk" if chat else "text_completion",
                "created": 1, "model": "gpt-4o-mini-2024-07-18"}
        wants_usage = (body.get("stream_options") or {}).get("include_usage") or self.unasked_usage
        events = []
        for i, word in enumerate(WORDS):
            choice = {"index": 0, "finish_reason": "stop" if i == len(WORDS) - 1 else None}
            choice.update({"delta": {"content": word}} if chat else {"text": word, "logprobs": None})
            events.append({**head, "choices": [choice], **({"usage": None} if wants_usage else {})})
        if wants_usage:
            events.append({**head, "choices": [], "usage": {"prompt_tokens": 14, "completion_tokens": 7,
                                                           "total_tokens": 21}})
        sse = "".join(f"data: {json.dumps(e)}\n\n" for e in events) + "data: [DONE]\n\n"
        return OPENAI_HTTP.Response(200, content=sse.encode(), headers={"content-type": "text/event-stream"})


@pytest.fixture
def server():
    return Server()


def client_for(mode, server, base_url="https://api.openai.com/v1"):
    transport = OPENAI_HTTP.MockTransport(server)
    http = OPENAI_HTTP.AsyncClient(transport=transport) if mode.is_async else OPENAI_HTTP.Client(transport=transport)
    return mode.openai(base_url=base_url, http_client=http)


def untraced_run(run):
    autolog.disable()
    try:
        return run()
    finally:
        autolog.enable()


def chat_chunks(mode, client, **kwargs):
    stream = mode.wait(client.chat.completions.create(model="gpt-4o-mini", messages=QUESTION, stream=True, **kwargs))
    return [c.model_dump(mode="json") for c in mode.drain(stream)]


def test_usage_is_asked_for_and_the_extra_chunk_is_not_seen(mode, experiment, server):
    client = client_for(mode, server)
    untraced = untraced_run(lambda: chat_chunks(mode, client))
    traced = chat_chunks(mode, client)
    assert traced == untraced  # item for item, no usage-only chunk
    assert "stream_options" not in server.bodies[0]
    assert server.bodies[1]["stream_options"] == {"include_usage": True}
    span = only_span(experiment)
    assert usage_of(span) == {"input_tokens": 14, "output_tokens": 7, "total_tokens": 21}
    assert span.attributes["autolog.stream.usage_requested"] is True
    assert span.attributes["autolog.stream.items"] == len(untraced)
    assert "stream_options" not in span.inputs  # the span records what the caller passed
    assert span.outputs["choices"][0]["message"]["content"] == "".join(WORDS)


def test_legacy_completions_streams_too(mode, experiment, server):
    client = client_for(mode, server)
    untraced = untraced_run(lambda: mode.drain(mode.wait(client.completions.create(
        model="gpt-3.5-turbo-instruct", prompt="Hi", stream=True))))
    traced = mode.drain(mode.wait(client.completions.create(model="gpt-3.5-turbo-instruct", prompt="Hi", stream=True)))
    assert [c.model_dump() for c in traced] == [c.model_dump() for c in untraced]
    assert usage_of(only_span(experiment))["total_tokens"] == 21


def test_the_chat_stream_helper_gives_what_it_gives_untraced(experiment, server):
    import openai

    client = openai.OpenAI(api_key="sk-test", max_retries=0, http_client=OPENAI_HTTP.Client(transport=OPENAI_HTTP.MockTransport(server)))
    with autolog.suspended():
        with client.chat.completions.stream(model="gpt-4o-mini", messages=QUESTION) as stream:
            untraced = stream.get_final_completion()
    with client.chat.completions.stream(model="gpt-4o-mini", messages=QUESTION) as stream:
        traced = stream.get_final_completion()
    assert traced.model_dump() == untraced.model_dump()
    assert usage_of(only_span(experiment))["total_tokens"] == 21


def test_switched_off_the_request_is_sent_unchanged(mode, experiment, server):
    autolog.autolog(stream_usage=False)
    chat_chunks(mode, client_for(mode, server))
    assert "stream_options" not in server.bodies[0]
    span = only_span(experiment)
    assert usage_of(span) is None
    assert "autolog.stream.usage_requested" not in span.attributes


def test_compatible_servers_are_asked_only_when_switched_on(mode, experiment, server):
    client = client_for(mode, server, base_url="https://api.deepseek.com/v1")
    chat_chunks(mode, client)
    assert "stream_options" not in server.bodies[-1]
    autolog.autolog(stream_usage=True)
    chat_chunks(mode, client)
    assert server.bodies[-1]["stream_options"] == {"include_usage": True}


@pytest.mark.parametrize("base_url", ["http://localhost:8000/v1", "https://llm-gateway.example.com/v1"])
def test_a_server_the_package_cannot_identify_gets_the_request_as_is(mode, experiment, base_url):
    """vLLM, LM Studio, a company gateway: this one sends usage unasked, in a last usage-only chunk,
    and the caller gets it, as untraced."""
    server = Server(unasked_usage=True)
    client = client_for(mode, server, base_url=base_url)
    untraced = untraced_run(lambda: chat_chunks(mode, client))
    traced = chat_chunks(mode, client)
    assert traced == untraced
    assert traced[-1]["choices"] == [] and traced[-1]["usage"]["total_tokens"] == 21
    assert [b.get("stream_options") for b in server.bodies] == [None, None]
    span = only_span(experiment)
    assert usage_of(span) == {"input_tokens": 14, "output_tokens": 7, "total_tokens": 21}
    assert span.attributes["mlflow.llm.provider"] == "openai"  # the API it speaks
    assert "autolog.stream.usage_requested" not in span.attributes
    assert span.attributes["autolog.stream.items"] == len(untraced)


def test_an_unknown_server_is_asked_when_switched_on(mode, experiment, server):
    autolog.autolog(stream_usage=True)
    chunks = chat_chunks(mode, client_for(mode, server, base_url="http://localhost:8000/v1"))
    assert server.bodies[-1]["stream_options"] == {"include_usage": True}
    assert chunks[-1]["choices"] != []  # the chunk the package asked for is not the caller's
    assert usage_of(only_span(experiment))["total_tokens"] == 21


@pytest.mark.parametrize("given", [{"include_usage": False}, {"include_usage": True}])
def test_the_callers_own_choice_is_kept(mode, experiment, server, given):
    chunks = chat_chunks(mode, client_for(mode, server), stream_options=given)
    assert server.bodies[-1]["stream_options"] == given
    assert (chunks[-1]["choices"] == []) is given["include_usage"]  # the caller's usage chunk is theirs


def test_other_stream_options_are_kept(mode, experiment, server):
    chat_chunks(mode, client_for(mode, server), stream_options={"include_obfuscation": False})
    assert server.bodies[-1]["stream_options"] == {"include_obfuscation": False, "include_usage": True}


def test_raw_streams_are_sent_unchanged(experiment, server):
    import openai

    client = openai.OpenAI(api_key="sk-test", max_retries=0, http_client=OPENAI_HTTP.Client(transport=OPENAI_HTTP.MockTransport(server)))
    with client.chat.completions.with_streaming_response.create(model="gpt-4o-mini", messages=QUESTION,
                                                               stream=True) as response:
        list(response.iter_lines())
    assert "stream_options" not in server.bodies[-1]
