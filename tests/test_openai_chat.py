import json

import openai
import pydantic
import pytest

from conftest import OPENAI_HTTP, VCR, exception_events, only_span, traces, usage_of

QUESTION = [{"role": "user", "content": "What is the capital of France?"}]
WEATHER = [{"role": "user", "content": "Weather in Paris and Rome?"}]
WEATHER_TOOL = {"type": "function", "function": {"name": "get_weather", "description": "Weather for a city",
                                                   "parameters": {"type": "object", "properties": {"city": {"type": "string"}},
                                                                  "required": ["city"]}}}


def test_chat_completion(mode, experiment):
    with VCR.use_cassette("openai/chat.yaml"):
        result = mode.wait(mode.openai().chat.completions.create(model="gpt-4o-mini", messages=QUESTION))
    assert isinstance(result, openai.types.chat.ChatCompletion)
    span = only_span(experiment)
    assert span.span_type == "CHAT_MODEL"
    assert span.name == ("AsyncCompletions.create" if mode.is_async else "Completions.create")
    assert span.status.status_code == "OK"
    assert span.inputs == {"model": "gpt-4o-mini", "messages": QUESTION}
    assert span.outputs["choices"][0]["message"]["content"] == "The capital of France is Paris."
    assert usage_of(span) == {"input_tokens": 14, "output_tokens": 7, "total_tokens": 21, "cache_read_input_tokens": 0}
    assert span.attributes["mlflow.llm.model"] == "gpt-4o-mini-2024-07-18"  # the model the server reports
    assert span.attributes["mlflow.llm.provider"] == "openai"
    assert span.attributes["mlflow.message.format"] == "openai"
    trace = traces(experiment)[0]
    assert trace.info.state == "OK"
    assert trace.info.execution_duration is not None


def test_chat_stream_assembled(mode, experiment):
    with VCR.use_cassette("openai/chat_stream.yaml"):
        stream = mode.wait(mode.openai().chat.completions.create(
            model="gpt-4o-mini", messages=QUESTION, stream=True, stream_options={"include_usage": True}))
        assert isinstance(stream, openai.AsyncStream if mode.is_async else openai.Stream)
        chunks = mode.drain(stream)
    assert "".join(c.choices[0].delta.content or "" for c in chunks if c.choices) == "The capital of France is Paris."
    span = only_span(experiment)
    out = span.outputs
    assert out["object"] == "chat.completion"
    assert out["choices"] == [{"index": 0, "finish_reason": "stop", "logprobs": None, "message": {
        "role": "assistant", "content": "The capital of France is Paris.", "refusal": None}}]
    assert usage_of(span) == {"input_tokens": 14, "output_tokens": 7, "total_tokens": 21, "cache_read_input_tokens": 4}
    assert span.attributes["autolog.stream.completed"] is True
    assert span.attributes["autolog.stream.end"] == "exhausted"
    assert span.attributes["autolog.stream.time_to_first_token_ms"] >= 0
    assert span.attributes["autolog.stream.items"] == len(chunks)


def test_chat_stream_every_choice(mode, experiment):
    with VCR.use_cassette("openai/chat_stream_n2.yaml"):
        mode.drain(mode.wait(mode.openai().chat.completions.create(
            model="gpt-4o-mini", messages=QUESTION, n=2, stream=True)))
    choices = only_span(experiment).outputs["choices"]
    assert [(c["index"], c["message"]["content"], c["finish_reason"]) for c in choices] == [
        (0, "Paris it is.", "stop"), (1, "It is Paris.", "length")]


def test_chat_stream_tool_calls(mode, experiment):
    with VCR.use_cassette("openai/chat_tools_stream.yaml"):
        mode.drain(mode.wait(mode.openai().chat.completions.create(
            model="gpt-4o-mini", messages=WEATHER, tools=[WEATHER_TOOL], stream=True)))
    span = only_span(experiment)
    message = span.outputs["choices"][0]["message"]
    assert message["tool_calls"] == [
        {"id": "call_paris", "type": "function", "function": {"name": "get_weather", "arguments": '{"city": "Paris"}'}},
        {"id": "call_rome", "type": "function", "function": {"name": "get_weather", "arguments": '{"city": "Rome"}'}},
    ]
    assert span.outputs["choices"][0]["finish_reason"] == "tool_calls"
    assert span.attributes["mlflow.chat.tools"] == [WEATHER_TOOL]


def test_chat_tool_calls_not_streamed(mode, experiment):
    with VCR.use_cassette("openai/chat_tools.yaml"):
        mode.wait(mode.openai().chat.completions.create(model="gpt-4o-mini", messages=WEATHER, tools=[WEATHER_TOOL]))
    span = only_span(experiment)
    call = span.outputs["choices"][0]["message"]["tool_calls"][0]
    assert json.loads(call["function"]["arguments"]) == {"city": "Paris"}
    assert span.attributes["mlflow.chat.tools"] == [WEATHER_TOOL]


def test_chat_stream_refusal(mode, experiment):
    with VCR.use_cassette("openai/chat_refusal_stream.yaml"):
        mode.drain(mode.wait(mode.openai().chat.completions.create(model="gpt-4o-mini", messages=QUESTION, stream=True)))
    message = only_span(experiment).outputs["choices"][0]["message"]
    assert message["refusal"] == "I'm sorry, I can't help with that."
    assert message["content"] is None


class City(pydantic.BaseModel):
    city: str
    country: str


def test_chat_parse(mode, experiment):
    with VCR.use_cassette("openai/chat_parse.yaml"):
        parsed = mode.wait(mode.openai().chat.completions.parse(model="gpt-4o-mini", messages=QUESTION, response_format=City))
    assert parsed.choices[0].message.parsed == City(city="Paris", country="France")
    span = only_span(experiment)
    assert span.name.endswith("Completions.parse")
    assert span.outputs["choices"][0]["message"]["parsed"] == {"city": "Paris", "country": "France"}
    assert usage_of(span)["total_tokens"] == 21


def test_chat_stream_helper_is_one_span(mode, experiment):
    client = mode.openai()
    with VCR.use_cassette("openai/chat_stream.yaml"):
        manager = client.chat.completions.stream(model="gpt-4o-mini", messages=QUESTION,
                                                 stream_options={"include_usage": True})
        stream = mode.enter(manager)
        events = mode.drain(stream)
        final = mode.wait(stream.get_final_completion())
        mode.exit(manager)
    assert any(e.type == "content.done" for e in events)
    assert final.choices[0].message.content == "The capital of France is Paris."
    span = only_span(experiment)
    assert span.name.endswith("Completions.stream")
    assert span.outputs["choices"][0]["message"]["content"] == "The capital of France is Paris."
    assert span.attributes["autolog.stream.completed"] is True
    assert "extra_headers" not in span.inputs  # the SDK's own helper header is not the caller's input


def test_chat_stream_helper_left_early(mode, experiment):
    client = mode.openai()
    with VCR.use_cassette("openai/chat_stream.yaml"):
        manager = client.chat.completions.stream(model="gpt-4o-mini", messages=QUESTION)
        stream = mode.enter(manager)
        mode.take(stream, 2)
        mode.exit(manager)  # leaves the with block before the end
    span = only_span(experiment)
    assert span.status.status_code == "OK"
    assert span.attributes["autolog.stream.completed"] is False
    assert span.attributes["autolog.stream.end"] == "closed"
    assert span.outputs["object"] == "chat.completion"


@pytest.mark.parametrize("name,status,error", [("chat_error_429", 429, openai.RateLimitError),
                                               ("chat_error_400", 400, openai.BadRequestError)])
def test_status_errors(mode, experiment, name, status, error):
    with VCR.use_cassette(f"openai/{name}.yaml"):
        with pytest.raises(error) as raised:
            mode.wait(mode.openai().chat.completions.create(model="gpt-4o-mini", messages=QUESTION))
    assert raised.value.status_code == status
    span = only_span(experiment)
    assert span.status.status_code == "ERROR"
    [event] = exception_events(span)
    assert event.attributes["exception.type"] == error.__name__
    assert "exception.stacktrace" in event.attributes
    assert str(raised.value) in event.attributes["exception.message"]
    assert traces(experiment)[0].info.state == "ERROR"


def test_error_mid_stream(mode, experiment):
    with VCR.use_cassette("openai/chat_stream_error.yaml"):
        stream = mode.wait(mode.openai().chat.completions.create(model="gpt-4o-mini", messages=QUESTION, stream=True))
        with pytest.raises(openai.APIError, match="server had an error"):
            mode.drain(stream)
    span = only_span(experiment)
    assert span.status.status_code == "ERROR"
    assert exception_events(span)[0].attributes["exception.type"] == "APIError"
    assert span.outputs["choices"][0]["message"]["content"] == "The capital of"  # what arrived before the error
    assert span.attributes["autolog.stream.end"] == "error"


def test_compatible_server_quirks(experiment):
    """Chunks without choices, without a choice index, and tool calls without an index."""

    chunks = [
        {"id": "q1", "object": "chat.completion.chunk", "created": 1, "model": "", "choices": None},
        {"id": "q1", "object": "chat.completion.chunk", "created": 1, "model": "local-model", "choices": [
            {"delta": {"role": "assistant", "tool_calls": [
                {"id": "call_a", "type": "function", "function": {"name": "f", "arguments": "{\"x\""}}]}}]},
        {"id": "q1", "object": "chat.completion.chunk", "created": 1, "model": "local-model", "choices": [
            {"delta": {"tool_calls": [{"function": {"arguments": ": 1}"}}]}}]},
        {"id": "q1", "object": "chat.completion.chunk", "created": 1, "model": "local-model", "choices": [
            {"delta": {"tool_calls": [{"id": "call_b", "type": "function",
                                       "function": {"name": "g", "arguments": "{}"}}]}, "finish_reason": "tool_calls"}]},
    ]
    body = "".join(f"data: {json.dumps(c)}\n\n" for c in chunks) + "data: [DONE]\n\n"
    http = OPENAI_HTTP.Client(transport=OPENAI_HTTP.MockTransport(
        lambda r: OPENAI_HTTP.Response(200, content=body.encode(), headers={"content-type": "text/event-stream"})))
    client = openai.OpenAI(api_key="x", base_url="http://localhost:8000/v1", http_client=http, max_retries=0)
    list(client.chat.completions.create(model="local-model", messages=QUESTION, stream=True))
    message = only_span(experiment).outputs["choices"][0]["message"]
    assert [(c["id"], c["function"]["name"], c["function"]["arguments"]) for c in message["tool_calls"]] == [
        ("call_a", "f", '{"x": 1}'), ("call_b", "g", "{}")]
