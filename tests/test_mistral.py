"""Mistral through mistralai: chat, agents and FIM completions with their streams, and embeddings,
sync and async; one span per call, streams assembled into the response a non-streaming call
returns and ended exactly once; the SDK's results and errors reach the caller unchanged.

Runs against mistralai 2.x/3.x (``mistralai.client``) and 1.x (``mistralai``) alike."""
import gc
import json
import subprocess
import sys

import mlflow
import pytest

import autolog
from autolog.mistral import _attributes as mistral_attributes
from autolog.mistral._accumulator import CompletionAccumulator
from conftest import ROOT, VCR, exception_events, only_span, only_trace, traces, usage_of

try:  # mistralai 2.x and later
    from mistralai.client import Mistral, errors as sdk_errors, httpclient, models
    from mistralai.client.utils import eventstreaming

    SDKError, HTTPValidationError = sdk_errors.SDKError, sdk_errors.HTTPValidationError
    SDK = "mistralai.client"
except ImportError:  # mistralai 1.x
    from mistralai import Mistral, httpclient, models
    from mistralai.utils import eventstreaming

    SDKError, HTTPValidationError = models.SDKError, models.HTTPValidationError
    SDK = "mistralai"

API_KEY = "mistral-test-key-DO-NOT-STORE"
MODEL = "mistral-small-latest"
QUESTION = [{"role": "user", "content": "What is the capital of France?"}]
WEATHER = [{"role": "user", "content": "Weather in Paris and Rome?"}]
TOOL = {"type": "function", "function": {"name": "get_weather", "description": "Weather for a city",
                                         "parameters": {"type": "object", "properties": {"city": {"type": "string"}},
                                                        "required": ["city"]}}}
AGENT = "ag:3996db2b:20251201:geography:5f2a"
# What older releases of the SDK cannot give the caller, and so not the span either:
HAS_THINKING = hasattr(models, "ThinkChunk")  # reasoning (Magistral) content: mistralai >= 1.9.3
# usage fields beyond the three counts (cached prompt tokens): mistralai >= 1.9.3
HAS_USAGE_EXTRAS = models.UsageInfo.model_config.get("extra") == "allow"
HAS_TOOL_INDEX = "index" in models.ToolCall.model_fields  # mistralai >= 1.5
HAS_PARSE = hasattr(Mistral(api_key="k").chat, "parse")  # mistralai >= 1.5
HAS_CLOSE = hasattr(eventstreaming.EventStream, "close")  # mistralai >= 2.10


def with_cache(used, cached):
    """The token usage expected, with the cached prompt tokens where the SDK keeps them."""
    return {**used, "cache_read_input_tokens": cached} if HAS_USAGE_EXTRAS else used


def call(mode, resource, method, cassette, **kwargs):
    """``client.<resource>.<method>`` (its ``_async`` twin on the async side), answered from
    ``cassettes/mistral/<cassette>.yaml``; a stream comes back open, its body already received."""
    client = Mistral(api_key=API_KEY)
    mode.clients.append(client)  # the SDK closes its HTTP clients when the Mistral object goes
    name = method + ("_async" if mode.is_async else "")
    with VCR.use_cassette(f"mistral/{cassette}.yaml"):
        return mode.wait(getattr(getattr(client, resource), name)(**kwargs))


def method_name(mode, cls, method):
    return f"{cls}.{method}{'_async' if mode.is_async else ''}"


def dumped(value):
    return json.loads(json.dumps(value.model_dump(mode="json", by_alias=True)))


# ---------------------------------------------------------------------------------------------
# chat.complete


def test_chat_complete(mode, experiment):
    result = call(mode, "chat", "complete", "chat", model=MODEL, messages=QUESTION, temperature=0.2)
    assert result.choices[0].message.content == "The capital of France is Paris."
    trace = only_trace(experiment)
    [span] = trace.data.spans
    assert span.name == method_name(mode, "Chat", "complete")
    assert span.span_type == "CHAT_MODEL"
    assert span.status.status_code == "OK"
    assert span.attributes["mlflow.llm.provider"] == "mistral"
    assert span.attributes["mlflow.message.format"] == "mistral"
    assert span.attributes["mlflow.llm.model"] == MODEL
    assert span.inputs == {"model": MODEL, "messages": QUESTION, "temperature": 0.2}
    assert span.outputs == dumped(result)
    assert usage_of(span) == with_cache({"input_tokens": 12, "output_tokens": 8, "total_tokens": 20}, 4)
    assert (trace.info.request_preview, trace.info.response_preview) == (
        "What is the capital of France?", "The capital of France is Paris.")


def test_sdk_models_are_recorded_as_the_api_sees_them(experiment):
    """Messages and tools given as the SDK's models are recorded under their wire names."""
    messages = [models.SystemMessage(content="Answer briefly."),
                models.UserMessage(content=[models.TextChunk(text="Weather in Paris and Rome?")])]
    tool = models.Tool(function=models.Function(**TOOL["function"]))
    with VCR.use_cassette("mistral/chat_tools.yaml"):
        result = Mistral(api_key=API_KEY).chat.complete(model=MODEL, messages=messages, tools=[tool])
    assert [c.function.name for c in result.choices[0].message.tool_calls] == ["get_weather", "get_weather"]
    trace = only_trace(experiment)
    [span] = trace.data.spans
    assert span.inputs["messages"] == [{"role": "system", "content": "Answer briefly."},
                                       {"role": "user", "content": [{"type": "text", "text": "Weather in Paris and Rome?"}]}]
    assert span.inputs["tools"][0]["function"]["name"] == "get_weather"
    assert span.attributes["mlflow.chat.tools"] == [TOOL]
    assert trace.info.request_preview == "Weather in Paris and Rome?"
    assert trace.info.response_preview == 'get_weather({"city": "Paris"}), get_weather({"city": "Rome"})'


def test_chat_tools(mode, experiment):
    result = call(mode, "chat", "complete", "chat_tools", model=MODEL, messages=WEATHER, tools=[TOOL],
                  tool_choice="any")
    span = only_span(experiment)
    assert span.attributes["mlflow.chat.tools"] == [TOOL]
    assert span.outputs == dumped(result)
    assert span.outputs["choices"][0]["message"]["tool_calls"][1]["function"]["arguments"] == '{"city": "Rome"}'


def test_tool_call_arguments_given_as_objects_are_recorded_as_text(mode, experiment):
    """The MLflow UI renders a tool call's arguments only as text (an object fails the whole trace)."""
    history = WEATHER + [
        {"role": "assistant", "content": "", "tool_calls": [
            {"id": "call01Par", "type": "function", "function": {"name": "get_weather", "arguments": {"city": "Paris"}}}]},
        {"role": "tool", "tool_call_id": "call01Par", "name": "get_weather", "content": "sunny"}]
    result = call(mode, "chat", "complete", "chat_tools_object_arguments", model=MODEL, messages=history, tools=[TOOL])
    assert result.choices[0].message.tool_calls[0].function.arguments == {"city": "Rome"}  # the caller's, untouched
    assert history[1]["tool_calls"][0]["function"]["arguments"] == {"city": "Paris"}
    span = only_span(experiment)
    assert span.inputs["messages"][1]["tool_calls"][0]["function"]["arguments"] == '{"city": "Paris"}'
    assert span.outputs["choices"][0]["message"]["tool_calls"][0]["function"] == {
        "name": "get_weather", "arguments": '{"city": "Rome"}'}


@pytest.mark.skipif(not HAS_PARSE, reason="this mistralai has no chat.parse")
def test_parse_is_one_chat_span(experiment):
    pydantic = pytest.importorskip("pydantic")

    class City(pydantic.BaseModel):
        city: str
        country: str

    with VCR.use_cassette("mistral/chat_parse.yaml"):
        parsed = Mistral(api_key=API_KEY).chat.parse(response_format=City, model=MODEL, messages=QUESTION)
    assert parsed.choices[0].message.parsed == City(city="Paris", country="France")
    span = only_span(experiment)
    assert span.name == "Chat.complete"
    assert span.inputs["response_format"]["type"] == "json_schema"
    assert json.loads(span.outputs["choices"][0]["message"]["content"]) == {"city": "Paris", "country": "France"}


# ---------------------------------------------------------------------------------------------
# streams


def open_stream(mode, cassette="chat_stream", **kwargs):
    kwargs.setdefault("model", MODEL)
    kwargs.setdefault("messages", QUESTION)
    return call(mode, "chat", "stream", cassette, **kwargs)


def texts(events):
    return "".join(e.data.choices[0].delta.content or "" for e in events if e.data.choices)


def test_stream_assembled_as_complete_returns_it(mode, experiment):
    stream = open_stream(mode)
    assert isinstance(stream, eventstreaming.EventStreamAsync if mode.is_async else eventstreaming.EventStream)
    events = mode.drain(stream)
    assert texts(events) == "The capital of France is Paris."
    assert isinstance(events[0], models.CompletionEvent)
    trace = only_trace(experiment)
    [span] = trace.data.spans
    assert span.name == method_name(mode, "Chat", "stream")
    assert span.span_type == "CHAT_MODEL"
    assert span.attributes["mlflow.message.format"] == "mistral"
    assert span.inputs == {"model": MODEL, "messages": QUESTION}
    # the assembled output reads as the response chat.complete returns
    models.ChatCompletionResponse.model_validate(span.outputs)
    assert span.outputs["object"] == "chat.completion"
    assert span.outputs["choices"] == [{"index": 0, "finish_reason": "stop", "message": {
        "role": "assistant", "content": "The capital of France is Paris."}}]
    assert usage_of(span) == with_cache({"input_tokens": 12, "output_tokens": 7, "total_tokens": 19}, 4)
    assert span.attributes["autolog.stream.end"] == "exhausted"
    assert span.attributes["autolog.stream.completed"] is True
    assert span.attributes["autolog.stream.items"] == 8
    assert span.attributes["autolog.stream.time_to_first_token_ms"] >= 0
    assert trace.info.response_preview == "The capital of France is Paris."


def test_stream_tool_calls_each_whole_in_one_chunk(mode, experiment):
    mode.drain(open_stream(mode, "chat_tools_stream", messages=WEATHER, tools=[TOOL]))
    span = only_span(experiment)
    [choice] = span.outputs["choices"]
    assert choice["finish_reason"] == "tool_calls"
    # no index on the wire: two calls, not one; the second's arguments came as an object, kept as its text
    assert choice["message"]["tool_calls"] == [
        {"id": "call01Par", "type": "function", "function": {"name": "get_weather", "arguments": '{"city": "Paris"}'}},
        {"id": "call02Rom", "type": "function", "function": {"name": "get_weather", "arguments": '{"city": "Rome"}'}},
    ]
    assert span.attributes["mlflow.chat.tools"] == [TOOL]
    assert usage_of(span)["total_tokens"] == 102


@pytest.mark.skipif(not HAS_TOOL_INDEX, reason="this mistralai drops the tool call's index")
def test_stream_tool_call_arguments_in_pieces(mode, experiment):
    mode.drain(open_stream(mode, "chat_tool_pieces_stream", messages=WEATHER, tools=[TOOL]))
    message = only_span(experiment).outputs["choices"][0]["message"]
    assert message["content"] == "Let me check."
    assert message["tool_calls"] == [{"id": "call03Lyo", "type": "function", "index": 0, "function": {
        "name": "get_weather", "arguments": '{"city": "Lyon"}'}}]


@pytest.mark.skipif(not HAS_THINKING, reason="this mistralai cannot read thinking chunks")
def test_stream_reasoning_as_thinking_chunks(mode, experiment):
    events = mode.drain(open_stream(mode, "chat_thinking_stream", model="magistral-medium-latest"))
    assert len(events) == 7
    trace = only_trace(experiment)
    message = trace.data.spans[0].outputs["choices"][0]["message"]
    # as the API answers a non-streaming call: the reasoning as one thinking chunk, then the text
    assert message["content"] == [
        {"type": "thinking", "thinking": [{"type": "text", "text": "France's capital is Paris."}]},
        {"type": "text", "text": "Paris."},
    ]
    assert trace.info.response_preview == "Paris."


def test_stream_choices_interleaved(mode, experiment):
    mode.drain(open_stream(mode, "chat_n2_stream", n=2))
    choices = only_span(experiment).outputs["choices"]
    assert [(c["index"], c["message"]["content"], c["finish_reason"]) for c in choices] == [
        (0, "Paris it is.", "stop"), (1, "It is Paris.", "length")]


def test_stream_closed_early(mode, experiment):
    if not HAS_CLOSE:
        pytest.skip("this mistralai's streams have no close()")
    stream = open_stream(mode)
    mode.take(stream, 3)
    mode.close(stream)
    mode.close(stream)  # a second close changes nothing
    span = only_span(experiment)
    assert span.status.status_code == "OK"
    assert span.attributes["autolog.stream.end"] == "closed"
    assert span.attributes["autolog.stream.completed"] is False
    assert span.outputs["choices"][0]["message"]["content"] == "The capital"
    assert mode.drain(stream) == []  # the SDK's stream is closed indeed


def test_stream_left_in_with_block(mode, experiment):
    stream = open_stream(mode)
    assert mode.enter(stream) is stream
    mode.take(stream, 2)
    mode.exit(stream)
    span = only_span(experiment)
    assert span.attributes["autolog.stream.end"] == "closed"
    assert span.attributes["autolog.stream.items"] == 2
    assert span.outputs["choices"][0]["message"]["content"] == "The"


def test_stream_left_with_break_and_dropped(mode, experiment):
    stream = open_stream(mode)
    assert len(mode.take(stream, 2)) == 2
    del stream
    gc.collect()
    span = only_span(experiment)
    assert span.status.status_code == "OK"
    assert span.attributes["autolog.stream.end"] == "abandoned"
    assert span.outputs["choices"][0]["message"]["content"] == "The"


def test_a_stream_never_read_still_ends(mode, experiment):
    stream = open_stream(mode)
    del stream
    gc.collect()
    span = only_span(experiment)
    assert (span.attributes["autolog.stream.end"], span.attributes["autolog.stream.items"]) == ("abandoned", 0)


def test_a_stream_without_close_has_none_through_the_proxy(mode, experiment, monkeypatch):
    """mistralai before 2.10: the stream has no close() (its with block closes the response);
    the caller's hasattr() must say so."""
    def leave(self, *exc_info):
        self.response.close()

    async def leave_async(self, *exc_info):
        await self.response.aclose()

    for cls, exit_name, exit_method in ((eventstreaming.EventStream, "__exit__", leave),
                                        (eventstreaming.EventStreamAsync, "__aexit__", leave_async)):
        if "close" in cls.__dict__:
            monkeypatch.delattr(cls, "close")
            monkeypatch.setattr(cls, exit_name, exit_method)
    stream = open_stream(mode)
    assert not hasattr(stream, "close")
    with pytest.raises(AttributeError):
        stream.close
    mode.enter(stream)
    mode.take(stream, 1)
    mode.exit(stream)
    assert only_span(experiment).attributes["autolog.stream.end"] == "closed"


# ---------------------------------------------------------------------------------------------
# agents, FIM, embeddings


def test_agents_complete(mode, experiment):
    result = call(mode, "agents", "complete", "agents", agent_id=AGENT, messages=QUESTION)
    assert result.choices[0].message.content == "Paris."
    trace = only_trace(experiment)
    [span] = trace.data.spans
    assert span.name == method_name(mode, "Agents", "complete")
    assert (span.span_type, span.attributes["mlflow.message.format"]) == ("CHAT_MODEL", "mistral")
    assert span.attributes["mlflow.llm.model"] == "mistral-medium-2508"  # the agent's model, as answered
    assert span.inputs == {"agent_id": AGENT, "messages": QUESTION}
    # cached prompt tokens under their older name
    assert usage_of(span) == with_cache({"input_tokens": 40, "output_tokens": 7, "total_tokens": 47}, 32)
    assert trace.info.response_preview == "Paris."


def test_agents_stream(mode, experiment):
    events = mode.drain(call(mode, "agents", "stream", "agents_stream", agent_id=AGENT, messages=QUESTION))
    assert texts(events) == "Paris."
    span = only_span(experiment)
    assert span.name == method_name(mode, "Agents", "stream")
    assert span.outputs["choices"][0]["message"]["content"] == "Paris."
    assert span.attributes["mlflow.llm.model"] == "mistral-medium-2508"
    assert usage_of(span) == with_cache({"input_tokens": 40, "output_tokens": 7, "total_tokens": 47}, 32)


FIM = {"model": "codestral-latest", "prompt": "def fibonacci(n):", "suffix": "print(fibonacci(10))"}
FIM_BODY = "\n    return n if n < 2 else fibonacci(n - 1) + fibonacci(n - 2)\n"


def test_fim_complete(mode, experiment):
    result = call(mode, "fim", "complete", "fim", **FIM)
    assert result.choices[0].message.content == FIM_BODY
    trace = only_trace(experiment)
    [span] = trace.data.spans
    assert span.name == method_name(mode, "Fim", "complete")
    assert span.span_type == "LLM"
    assert "mlflow.message.format" not in span.attributes  # a prompt and a suffix, not a conversation
    assert span.attributes["mlflow.llm.provider"] == "mistral"
    assert span.inputs == FIM
    assert span.outputs == dumped(result)
    assert usage_of(span) == {"input_tokens": 15, "output_tokens": 20, "total_tokens": 35}
    assert (trace.info.request_preview, trace.info.response_preview) == ("def fibonacci(n):", FIM_BODY.strip())


def test_fim_stream(mode, experiment):
    events = mode.drain(call(mode, "fim", "stream", "fim_stream", **FIM))
    assert texts(events) == FIM_BODY
    span = only_span(experiment)
    assert span.name == method_name(mode, "Fim", "stream")
    assert span.outputs["choices"][0]["message"]["content"] == FIM_BODY
    assert usage_of(span)["output_tokens"] == 20


def test_embeddings(mode, experiment):
    result = call(mode, "embeddings", "create", "embeddings", model="mistral-embed", inputs=["hello", "world"])
    assert len(result.data) == 2
    trace = only_trace(experiment)
    [span] = trace.data.spans
    assert span.name == method_name(mode, "Embeddings", "create")
    assert span.span_type == "EMBEDDING"
    assert "mlflow.message.format" not in span.attributes
    assert span.attributes["mlflow.llm.model"] == "mistral-embed"
    assert span.inputs == {"model": "mistral-embed", "inputs": ["hello", "world"]}
    assert span.outputs["data"][1]["embedding"] == [0.02, -0.02, 0.03, 0.04]
    assert usage_of(span) == {"input_tokens": 4, "total_tokens": 4}
    assert (trace.info.request_preview, trace.info.response_preview) == ("hello | world", "2 vectors of 4 dims")


# ---------------------------------------------------------------------------------------------
# errors


def raised_untraced(mode, *args, **kwargs):
    with autolog.suspended():
        with pytest.raises(Exception) as untraced:
            call(mode, *args, **kwargs)
    return untraced.value


@pytest.mark.parametrize("status, cassette, error", [
    (429, "chat_error_429", SDKError), (401, "chat_error_401", SDKError), (500, "chat_error_500", SDKError),
    (422, "chat_error_422", HTTPValidationError)])
def test_http_errors_reach_the_caller_unchanged(mode, experiment, status, cassette, error):
    with pytest.raises(error) as traced:
        call(mode, "chat", "complete", cassette, model=MODEL, messages=QUESTION)
    untraced = raised_untraced(mode, "chat", "complete", cassette, model=MODEL, messages=QUESTION)
    assert type(traced.value) is type(untraced)
    assert [str(traced.value)] + [getattr(traced.value, a, None) for a in ("status_code", "body", "data")] == (
        [str(untraced)] + [getattr(untraced, a, None) for a in ("status_code", "body", "data")])
    if error is SDKError or hasattr(traced.value, "status_code"):  # HTTPValidationError has one since 2.0
        assert traced.value.status_code == status
    trace = only_trace(experiment)
    [span] = trace.data.spans
    assert span.status.status_code == "ERROR"
    [event] = exception_events(span)
    assert event.attributes["exception.type"] == error.__name__
    assert span.outputs is None
    assert trace.info.response_preview.startswith(error.__name__)


def test_an_error_before_the_stream_starts(mode, experiment):
    with pytest.raises(SDKError) as raised:
        open_stream(mode, "chat_stream_error_429")
    assert raised.value.status_code == 429
    span = only_span(experiment)
    assert span.status.status_code == "ERROR"
    assert exception_events(span)[0].attributes["exception.type"] == "SDKError"


def test_an_error_frame_mid_stream(mode, experiment):
    stream = open_stream(mode, "chat_stream_error")
    with pytest.raises(Exception) as raised:
        mode.drain(stream)
    span = only_span(experiment)
    assert span.status.status_code == "ERROR"
    assert span.attributes["autolog.stream.end"] == "error"
    assert exception_events(span)[0].attributes["exception.type"] == type(raised.value).__name__
    assert span.outputs["choices"][0]["message"]["content"] == "The capital"  # what arrived before


def test_an_embeddings_error(mode, experiment):
    with pytest.raises(SDKError) as raised:
        call(mode, "embeddings", "create", "embeddings_error_400", model="mistral-embed", inputs=["hello", "world"])
    assert raised.value.status_code == 400
    span = only_span(experiment)
    assert (span.span_type, span.status.status_code) == ("EMBEDDING", "ERROR")


def dropping_client(mode):
    """A client whose stream's connection drops after the first chunk."""
    http = httpclient.httpx
    first = (b'data: {"id": "c1", "object": "chat.completion.chunk", "model": "mistral-small-latest", '
             b'"choices": [{"index": 0, "delta": {"role": "assistant", "content": "The capital"}, '
             b'"finish_reason": null}]}\n\n')

    class Dropping(http.SyncByteStream, http.AsyncByteStream):
        def __iter__(self):
            yield first
            raise http.ReadError("the connection dropped")

        async def __aiter__(self):
            yield first
            raise http.ReadError("the connection dropped")

    def answer(request):
        return http.Response(200, headers={"content-type": "text/event-stream"}, stream=Dropping())

    client = Mistral(api_key=API_KEY, client=http.Client(transport=http.MockTransport(answer)),
                     async_client=http.AsyncClient(transport=http.MockTransport(answer)))
    mode.clients.append(client)
    return client


def test_the_connection_drops_mid_stream(mode, experiment):
    chat = dropping_client(mode).chat
    stream = mode.wait((chat.stream_async if mode.is_async else chat.stream)(model=MODEL, messages=QUESTION))
    with pytest.raises(httpclient.httpx.ReadError):
        mode.drain(stream)
    span = only_span(experiment)
    assert span.status.status_code == "ERROR"
    assert span.attributes["autolog.stream.end"] == "error"
    assert exception_events(span)[0].attributes["exception.type"] == "ReadError"
    assert span.outputs["choices"][0]["message"]["content"] == "The capital"


# ---------------------------------------------------------------------------------------------
# faults in the package never reach the caller


def boom(*args, **kwargs):
    raise RuntimeError("plugin fault")


def test_an_accumulator_fault(mode, experiment, monkeypatch):
    monkeypatch.setattr(CompletionAccumulator, "add", boom)
    assert texts(mode.drain(open_stream(mode))) == "The capital of France is Paris."
    span = only_span(experiment)  # the span keeps status and timing, loses its output
    assert span.status.status_code == "OK"
    assert span.outputs is None
    assert span.attributes["autolog.stream.completed"] is True


def test_an_assembly_fault(mode, experiment, monkeypatch):
    monkeypatch.setattr(CompletionAccumulator, "result", boom)
    assert texts(mode.drain(open_stream(mode))) == "The capital of France is Paris."
    assert only_span(experiment).status.status_code == "OK"


def test_an_attribute_fault(mode, experiment, monkeypatch):
    autolog.revert()
    monkeypatch.setattr(mistral_attributes, "usage", boom)
    autolog.autolog()
    result = call(mode, "chat", "complete", "chat", model=MODEL, messages=QUESTION)
    assert result.choices[0].message.content == "The capital of France is Paris."
    span = only_span(experiment)
    assert "mlflow.chat.tokenUsage" not in span.attributes
    assert span.outputs == dumped(result)


def test_a_fault_starting_the_span_costs_the_call_its_span_only(mode, experiment, monkeypatch):
    autolog.revert()
    monkeypatch.setattr(mistral_attributes, "plain", boom)
    autolog.autolog()
    result = call(mode, "chat", "complete", "chat", model=MODEL, messages=QUESTION)
    assert result.choices[0].message.content == "The capital of France is Paris."
    events = mode.drain(open_stream(mode))
    assert texts(events) == "The capital of France is Paris."
    assert traces(experiment) == []


# ---------------------------------------------------------------------------------------------
# switches, privacy, patching


def ask():
    with VCR.use_cassette("mistral/chat.yaml"):
        return Mistral(api_key=API_KEY).chat.complete(model=MODEL, messages=QUESTION)


def test_switches(experiment):
    autolog.disable()
    ask()
    autolog.enable()
    with autolog.suspended():
        ask()
    assert traces(experiment) == []
    autolog.mistral.autolog(log_traces=False)
    ask()
    assert traces(experiment) == []
    autolog.mistral.autolog()
    with autolog.context(session_id="m-1", user_id="u-1", metadata={"app": "geo"}):
        ask()
    trace = only_trace(experiment)
    assert trace.info.trace_metadata["mlflow.trace.session"] == "m-1"
    assert trace.info.trace_metadata["mlflow.trace.user"] == "u-1"
    assert trace.info.trace_metadata["app"] == "geo"


def test_capture_content_false_and_redact(experiment):
    autolog.mistral.autolog(capture_content=False)
    ask()
    [trace] = traces(experiment)
    [span] = trace.data.spans
    assert span.inputs is None and span.outputs is None
    assert (trace.info.request_preview, trace.info.response_preview) == (None, None)
    assert usage_of(span)["input_tokens"] == 12 and span.attributes["mlflow.llm.model"] == MODEL

    def redact(data, what):
        return {"redacted": what}

    autolog.mistral.autolog(redact=redact)
    ask()
    span = traces(experiment)[1].data.spans[0]
    assert (span.inputs, span.outputs) == ({"redacted": "inputs"}, {"redacted": "outputs"})


def test_credentials_never_reach_the_store(experiment):
    with VCR.use_cassette("mistral/chat.yaml"):
        Mistral(api_key=API_KEY).chat.complete(model=MODEL, messages=QUESTION,
                                               http_headers={"Authorization": f"Bearer {API_KEY}", "X-App": "geo"})
    trace = only_trace(experiment)
    assert trace.data.spans[0].inputs["http_headers"] == {"X-App": "geo"}
    assert API_KEY not in trace.to_json()


def test_inside_an_mlflow_trace_the_call_is_a_child_span(experiment):
    with mlflow.start_span("user") as parent:
        ask()
    trace = only_trace(experiment)
    [chat] = [s for s in trace.data.spans if s.name == "Chat.complete"]
    assert chat.parent_id == parent.span_id
    assert chat.attributes["mlflow.llm.provider"] == "mistral"


def test_revert_puts_the_sdk_methods_back(experiment):
    import importlib

    chat = importlib.import_module(f"{SDK}.chat").Chat
    assert hasattr(chat.__dict__["stream"], "__wrapped__")
    autolog.revert()
    assert not hasattr(chat.__dict__["stream"], "__wrapped__")
    assert not hasattr(chat.__dict__["complete_async"], "__wrapped__")
    ask()
    assert traces(experiment) == []


IMPORTED_LATER = """
import sys

class Missing:  # the other providers' SDKs are not installed
    def find_spec(self, name, path=None, target=None):
        if any(name == hidden or name.startswith(hidden + ".") for hidden in ("openai", "anthropic", "google.genai")):
            raise ImportError(f"No module named {{name!r}} (hidden for this test)")

sys.meta_path.insert(0, Missing())
import mlflow, vcr
mlflow.set_tracking_uri("sqlite:///{tmp}/m.db")
mlflow.set_experiment("later")
import autolog
autolog.mistral.autolog()
assert not any(m == "mistralai" or m.startswith("mistralai.") for m in sys.modules), "autolog imported mistralai"
from {sdk} import Mistral
cassettes = vcr.VCR(cassette_library_dir="{cassettes}", record_mode="none")
with cassettes.use_cassette("mistral/chat.yaml"):
    Mistral(api_key="k").chat.complete(model="mistral-small-latest", messages=[{{"role": "user", "content": "hi"}}])
autolog.flush()
found = mlflow.search_traces(return_type="list")
print("TRACES", len(found), found[0].data.spans[0].attributes["mlflow.llm.provider"])
"""


def test_an_sdk_imported_after_autolog_alone_is_patched(tmp_path):
    """autolog.mistral.autolog() without the other SDKs, before mistralai is imported: nothing is
    imported then, and the SDK is patched when the program imports it."""
    script = IMPORTED_LATER.format(tmp=tmp_path, sdk=SDK, cassettes=ROOT / "cassettes")
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=180)
    assert "TRACES 1 mistral" in done.stdout, done.stderr[-2000:]
