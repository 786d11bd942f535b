import anthropic
import pydantic
import pytest

import autolog

from conftest import ANTHROPIC_HTTP, VCR, exception_events, only_span, traces, usage_of

QUESTION = [{"role": "user", "content": "What is the capital of France?"}]
TOOL = {"name": "get_weather", "description": "Weather for a city",
        "input_schema": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]}}


def messages_of(client, beta):
    return client.beta.messages if beta else client.messages


@pytest.fixture(params=[False, True], ids=["messages", "beta"])
def beta(request):
    return request.param


def test_message(mode, experiment, beta):
    with VCR.use_cassette("anthropic/messages.yaml"):
        result = mode.wait(messages_of(mode.anthropic(), beta).create(model="claude-sonnet-4-5", max_tokens=256, messages=QUESTION))
    assert result.content[0].text == "The capital of France is Paris."
    span = only_span(experiment)
    assert span.span_type == "CHAT_MODEL"
    assert span.name == ("AsyncMessages.create" if mode.is_async else "Messages.create")
    assert span.outputs["content"][0]["text"] == "The capital of France is Paris."
    assert span.inputs == {"model": "claude-sonnet-4-5", "max_tokens": 256, "messages": QUESTION}
    # MLflow's convention: input includes the cache reads and writes, also reported on their own
    assert usage_of(span) == {"input_tokens": 2112, "output_tokens": 9, "total_tokens": 2121,
                              "cache_read_input_tokens": 2000, "cache_creation_input_tokens": 100}
    assert span.attributes["mlflow.llm.provider"] == "anthropic"
    assert span.attributes["mlflow.message.format"] == "anthropic"
    assert span.attributes["mlflow.llm.model"] == "claude-sonnet-4-5-20250929"


def test_stream_assembled(mode, experiment, beta):
    with VCR.use_cassette("anthropic/messages_stream.yaml"):
        events = mode.drain(mode.wait(messages_of(mode.anthropic(), beta).create(
            model="claude-sonnet-4-5", max_tokens=256, messages=QUESTION, stream=True)))
    assert events[-1].type == "message_stop"
    span = only_span(experiment)
    out = span.outputs
    assert out["role"] == "assistant"
    assert out["content"] == [{"type": "text", "text": "The capital of France is Paris.", "citations": None}]
    assert out["stop_reason"] == "end_turn"
    # message_start's input and cache fields, message_delta's output count (the later value wins)
    assert usage_of(span) == {"input_tokens": 44, "output_tokens": 12, "total_tokens": 56,
                              "cache_read_input_tokens": 30, "cache_creation_input_tokens": 0}
    assert span.attributes["autolog.stream.completed"] is True
    assert span.attributes["autolog.stream.time_to_first_token_ms"] >= 0


def test_stream_tool_use(mode, experiment):
    with VCR.use_cassette("anthropic/messages_tool_stream.yaml"):
        mode.drain(mode.wait(mode.anthropic().messages.create(
            model="claude-sonnet-4-5", max_tokens=256, messages=[{"role": "user", "content": "Weather in Paris?"}],
            tools=[TOOL], stream=True)))
    span = only_span(experiment)
    text, tool = span.outputs["content"]
    assert text["text"] == "Let me check."
    assert {k: tool[k] for k in ("type", "id", "name", "input")} == {
        "type": "tool_use", "id": "toolu_AL1", "name": "get_weather", "input": {"city": "Paris"}}
    assert span.outputs["stop_reason"] == "tool_use"
    assert span.attributes["mlflow.chat.tools"] == [{"type": "function", "function": {
        "name": "get_weather", "description": "Weather for a city", "parameters": TOOL["input_schema"]}}]


def test_stream_thinking(mode, experiment):
    with VCR.use_cassette("anthropic/messages_thinking_stream.yaml"):
        mode.drain(mode.wait(mode.anthropic().messages.create(
            model="claude-sonnet-4-5", max_tokens=256, messages=QUESTION,
            thinking={"type": "enabled", "budget_tokens": 1024}, stream=True)))
    thinking, redacted, text = only_span(experiment).outputs["content"]
    assert (thinking["type"], thinking["thinking"], thinking["signature"]) == (
        "thinking", "France's capital is Paris.", "EqQBCkYIBRgCIkB0sig")
    assert (redacted["type"], redacted["data"]) == ("redacted_thinking", "EmwKAhgBEgy3redacted")
    assert text["text"] == "Paris."


def test_stream_server_tool_and_citations(mode, experiment):
    with VCR.use_cassette("anthropic/messages_server_tool_stream.yaml"):
        mode.drain(mode.wait(mode.anthropic().messages.create(
            model="claude-sonnet-4-5", max_tokens=256, messages=QUESTION,
            tools=[{"type": "web_search_20250305", "name": "web_search"}], stream=True)))
    span = only_span(experiment)
    use, result, text = span.outputs["content"]
    assert use["type"] == "server_tool_use" and use["input"] == {"query": "capital of France"}
    assert result["type"] == "web_search_tool_result"
    assert result["content"][0]["url"] == "https://en.wikipedia.org/wiki/Paris"
    assert text["text"] == "Paris is the capital."
    assert text["citations"][0]["cited_text"] == "Paris is the capital"
    assert usage_of(span)["input_tokens"] == 2100  # message_delta's input count replaces message_start's
    assert span.outputs["usage"]["server_tool_use"]["web_search_requests"] == 1


def test_error_event_mid_stream(mode, experiment):
    with VCR.use_cassette("anthropic/messages_error_stream.yaml"):
        stream = mode.wait(mode.anthropic().messages.create(
            model="claude-sonnet-4-5", max_tokens=256, messages=QUESTION, stream=True))
        with pytest.raises(anthropic.APIStatusError) as raised:
            mode.drain(stream)
    assert "overloaded_error" in str(raised.value)
    span = only_span(experiment)
    assert span.status.status_code == "ERROR"
    assert exception_events(span)[0].attributes["exception.type"] == type(raised.value).__name__
    assert span.outputs["content"][0]["text"] == "The capital of"
    assert span.attributes["autolog.stream.end"] == "error"


@pytest.mark.parametrize("name,error", [("messages_error_529", anthropic.APIStatusError),
                                        ("messages_error_400", anthropic.BadRequestError)])
def test_status_errors(mode, experiment, name, error):
    def call():
        with VCR.use_cassette(f"anthropic/{name}.yaml"):
            with pytest.raises(error) as raised:
                mode.wait(mode.anthropic().messages.create(model="claude-sonnet-4-5", max_tokens=256, messages=QUESTION))
        return raised

    autolog.disable()
    untraced = call()
    autolog.enable()
    raised = call()
    # the class the SDK raises for the status (529 is OverloadedError in some releases)
    assert (type(raised.value), str(raised.value)) == (type(untraced.value), str(untraced.value))
    span = only_span(experiment)
    assert span.status.status_code == "ERROR"
    assert exception_events(span)[0].attributes["exception.type"] == type(raised.value).__name__


def test_stream_helper(mode, experiment, beta):
    client = mode.anthropic()
    with VCR.use_cassette("anthropic/messages_stream.yaml"):
        manager = messages_of(client, beta).stream(model="claude-sonnet-4-5", max_tokens=256, messages=QUESTION)
        stream = mode.enter(manager)
        if mode.is_async:
            text = mode.wait(_join(stream.text_stream))
        else:
            text = "".join(stream.text_stream)
        final = mode.wait(stream.get_final_message())
        final_text = mode.wait(stream.get_final_text())
        mode.exit(manager)
    assert text == final_text == "The capital of France is Paris."
    assert final.content[0].text == text
    assert type(stream.response) is ANTHROPIC_HTTP.Response
    span = only_span(experiment)  # one span for the helper, none for anything inside it
    assert span.name.endswith("Messages.stream")
    assert span.outputs["content"][0]["text"] == text
    assert span.attributes["autolog.stream.completed"] is True


async def _join(pieces):
    return "".join([p async for p in pieces])


def test_stream_helper_until_done_and_events(mode, experiment):
    client = mode.anthropic()
    with VCR.use_cassette("anthropic/messages_stream.yaml"):
        manager = client.messages.stream(model="claude-sonnet-4-5", max_tokens=256, messages=QUESTION)
        stream = mode.enter(manager)
        first = mode.take(stream, 1)
        mode.wait(stream.until_done())
        mode.exit(manager)
    assert first[0].type == "message_start"
    assert only_span(experiment).attributes["autolog.stream.completed"] is True


def test_stream_helper_left_early(mode, experiment):
    client = mode.anthropic()
    with VCR.use_cassette("anthropic/messages_stream.yaml"):
        manager = client.messages.stream(model="claude-sonnet-4-5", max_tokens=256, messages=QUESTION)
        stream = mode.enter(manager)
        mode.take(stream, 4)
        mode.exit(manager)
    span = only_span(experiment)
    assert span.status.status_code == "OK"
    assert span.attributes["autolog.stream.end"] == "closed"
    assert span.attributes["autolog.stream.completed"] is False
    assert span.outputs["role"] == "assistant"


def test_stream_helper_request_error(mode, experiment):
    client = mode.anthropic()
    with VCR.use_cassette("anthropic/messages_error_529.yaml"):
        manager = client.messages.stream(model="claude-sonnet-4-5", max_tokens=256, messages=QUESTION)
        with pytest.raises(anthropic.APIStatusError):
            mode.enter(manager)
    assert only_span(experiment).status.status_code == "ERROR"


def test_stream_helper_never_entered_makes_no_span(experiment):
    anthropic.Anthropic(api_key="x").messages.stream(model="claude-sonnet-4-5", max_tokens=256, messages=QUESTION)
    assert traces(experiment) == []


class City(pydantic.BaseModel):
    city: str
    country: str


def test_parse(mode, experiment, beta):
    with VCR.use_cassette("anthropic/messages_parse.yaml"):
        result = mode.wait(messages_of(mode.anthropic(), beta).parse(
            model="claude-sonnet-4-5", max_tokens=256, messages=QUESTION, output_format=City))
    assert result.parsed_output == City(city="Paris", country="France")
    span = only_span(experiment)
    assert span.name.endswith("Messages.parse")
    assert '"Paris"' in span.outputs["content"][0]["text"]


def test_with_raw_response(mode, experiment):
    with VCR.use_cassette("anthropic/messages.yaml"):
        raw = mode.wait(mode.anthropic().messages.with_raw_response.create(
            model="claude-sonnet-4-5", max_tokens=256, messages=QUESTION))
        message = mode.wait(raw.parse())
    assert message.content[0].text == "The capital of France is Paris."
    span = only_span(experiment)
    assert span.outputs["content"][0]["text"] == "The capital of France is Paris."


def test_with_streaming_response_stream(mode, experiment):
    client = mode.anthropic()
    with VCR.use_cassette("anthropic/messages_stream.yaml"):
        manager = client.messages.with_streaming_response.create(
            model="claude-sonnet-4-5", max_tokens=256, messages=QUESTION, stream=True)
        response = mode.enter(manager)
        events = mode.drain(mode.wait(response.parse()))
        mode.exit(manager)
    assert events[-1].type == "message_stop"
    span = only_span(experiment)
    assert span.outputs["content"][0]["text"] == "The capital of France is Paris."


def test_count_tokens_is_not_traced(mode, experiment):
    with VCR.use_cassette("anthropic/count_tokens.yaml"):
        result = mode.wait(mode.anthropic().messages.count_tokens(model="claude-sonnet-4-5", messages=QUESTION))
    assert result.input_tokens == 14
    assert traces(experiment) == []


def test_cloud_clients_share_the_patches():
    from anthropic.lib.bedrock import _beta_messages as bedrock_beta
    from anthropic.lib.vertex import _beta_messages as vertex_beta
    import wrapt

    for module in (bedrock_beta, vertex_beta):
        for cls in (module.Messages, module.AsyncMessages):
            for method in ("create", "parse", "stream"):
                if method in cls.__dict__:  # parse() came to the cloud clients in later releases
                    assert isinstance(cls.__dict__[method], wrapt.FunctionWrapper), (module.__name__, cls, method)
            assert isinstance(cls.__dict__["create"], wrapt.FunctionWrapper)
    # AnthropicVertex / AnthropicBedrock's messages are the first-party resource classes
    assert isinstance(anthropic.resources.messages.Messages.__dict__["create"], wrapt.FunctionWrapper)


def vertex_reply(request):

    return ANTHROPIC_HTTP.Response(200, json={
        "id": "msg_v", "type": "message", "role": "assistant", "model": "claude-sonnet-4-5",
        "content": [{"type": "text", "text": "Paris."}], "stop_reason": "end_turn", "stop_sequence": None,
        "usage": {"input_tokens": 3, "output_tokens": 2}})


def test_vertex_client(mode, experiment, beta):

    transport = ANTHROPIC_HTTP.MockTransport(vertex_reply)
    if mode.is_async:
        client = anthropic.AsyncAnthropicVertex(region="us-east5", project_id="p", access_token="token",
                                                http_client=ANTHROPIC_HTTP.AsyncClient(transport=transport))
    else:
        client = anthropic.AnthropicVertex(region="us-east5", project_id="p", access_token="token",
                                           http_client=ANTHROPIC_HTTP.Client(transport=transport))
    mode.wait(messages_of(client, beta).create(model="claude-sonnet-4-5", max_tokens=16, messages=QUESTION))
    span = only_span(experiment)
    assert span.attributes["mlflow.llm.provider"] == "vertex_ai"
    assert span.outputs["content"][0]["text"] == "Paris."


def test_bedrock_client(experiment):
    pytest.importorskip("botocore")

    client = anthropic.AnthropicBedrock(aws_region="us-east-1", aws_access_key="a", aws_secret_key="b",
                                        http_client=ANTHROPIC_HTTP.Client(transport=ANTHROPIC_HTTP.MockTransport(vertex_reply)))
    client.messages.create(model="anthropic.claude-sonnet-4-5", max_tokens=16, messages=QUESTION)
    assert only_span(experiment).attributes["mlflow.llm.provider"] == "bedrock"
