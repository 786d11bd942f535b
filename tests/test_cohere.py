"""Cohere through the ``cohere`` SDK's v2 clients: one span per call, streams assembled into the
chat response a non-streaming call returns and ended exactly once, read back through MLflow."""
import gc
import inspect
import subprocess
import sys

import cohere
import pytest
from cohere.core.api_error import ApiError

import autolog
from autolog.cohere._accumulator import ChatAccumulator
from conftest import ROOT, VCR, exception_events, only_span, only_trace, traces, usage_of
from test_providers_alone import run_without

MODEL = "command-a-03-2025"
QUESTION = "What is the capital of France?"
ASK = {"model": MODEL, "messages": [{"role": "user", "content": QUESTION}]}
ANSWER = "The capital of France is Paris."
WEATHER_TOOL = {"type": "function", "function": {"name": "get_weather", "description": "Weather for a city",
                                                   "parameters": {"type": "object", "properties": {"city": {"type": "string"}},
                                                                  "required": ["city"]}}}
WEATHER = {"model": MODEL, "messages": [{"role": "user", "content": "Weather in Paris and Rome?"}], "tools": [WEATHER_TOOL]}
CLIENTS = []  # a client's HTTP connections live as long as the test


def client(mode=None, **kwargs):
    cls = cohere.AsyncClientV2 if mode is not None and mode.is_async else cohere.ClientV2
    if "max_retries" in inspect.signature(cls).parameters:  # not before cohere 5.17; 5.16 never retries
        kwargs.setdefault("max_retries", 0)
    CLIENTS.append(cls(api_key="co-test-key", **kwargs))
    return CLIENTS[-1]


def cassette(name):
    return VCR.use_cassette(f"cohere/{name}.yaml")


def call(mode, name, method="chat", **kwargs):
    with cassette(name):
        return mode.wait(getattr(client(mode), method)(**kwargs))


def stream(mode, name, **kwargs):
    """The whole stream, read inside the cassette (the request goes out on the first read)."""
    with cassette(name):
        return mode.drain(client(mode).chat_stream(**kwargs))


def test_chat(mode, experiment):
    result = call(mode, "chat", **ASK)
    assert isinstance(result, cohere.V2ChatResponse) and result.message.content[0].text == ANSWER
    trace = only_trace(experiment)
    [span] = trace.data.spans
    assert span.span_type == "CHAT_MODEL"
    assert span.name == ("AsyncClientV2.chat" if mode.is_async else "ClientV2.chat")
    assert span.attributes["mlflow.llm.provider"] == "cohere"
    assert span.attributes["mlflow.llm.model"] == MODEL
    assert span.attributes["mlflow.message.format"] == "cohere"
    assert span.inputs == ASK
    assert span.outputs["message"] == {"role": "assistant", "content": [{"type": "text", "text": ANSWER}]}
    assert span.outputs["finish_reason"] == "COMPLETE"
    # what the model processed (tokens), not what is billed (billed_units); cached prompt tokens as cache reads
    assert usage_of(span) == {"input_tokens": 503, "output_tokens": 9, "total_tokens": 512, "cache_read_input_tokens": 448}
    assert span.attributes["mlflow.chat.messages"] == [{"role": "user", "content": QUESTION},
                                                       {"role": "assistant", "content": ANSWER}]
    assert (trace.info.request_preview, trace.info.response_preview) == (QUESTION, ANSWER)
    assert span.status.status_code == "OK"


def test_usage_under_meta_in_older_responses(mode, experiment):
    call(mode, "chat_meta_usage", **ASK)
    assert usage_of(only_span(experiment)) == {"input_tokens": 70, "output_tokens": 3, "total_tokens": 73}


def test_tool_calls(mode, experiment):
    result = call(mode, "chat_tools", **WEATHER)
    assert [c.function.arguments for c in result.message.tool_calls] == ['{"city":"Paris"}', '{"city":"Rome"}']
    trace = only_trace(experiment)
    [span] = trace.data.spans
    assert span.attributes["mlflow.chat.tools"] == [WEATHER_TOOL]
    assert span.outputs["message"]["tool_plan"] == "I will look up the weather in Paris and in Rome."
    assert [c["id"] for c in span.outputs["message"]["tool_calls"]] == ["get_weather_p4r1s", "get_weather_r0m3"]
    assert trace.info.response_preview == 'get_weather({"city":"Paris"}), get_weather({"city":"Rome"})'
    reply = span.attributes["mlflow.chat.messages"][-1]
    assert reply["content"] == "I will look up the weather in Paris and in Rome."
    assert [c["function"] for c in reply["tool_calls"]] == [
        {"name": "get_weather", "arguments": '{"city":"Paris"}'}, {"name": "get_weather", "arguments": '{"city":"Rome"}'}]


DOCUMENTS = [{"id": "doc-0", "data": {"text": "Paris is the capital."}}]


def test_stream_assembled_into_the_chat_response(mode, experiment):
    events = stream(mode, "chat_stream", **ASK, documents=DOCUMENTS)
    assert "".join(e.delta.message.content.text for e in events if e.type == "content-delta") == ANSWER
    trace = only_trace(experiment)
    [span] = trace.data.spans
    assert span.name == ("AsyncClientV2.chat_stream" if mode.is_async else "ClientV2.chat_stream")
    assert span.outputs["id"] == "c0a1e2f3-0002" and span.outputs["finish_reason"] == "COMPLETE"
    message = span.outputs["message"]
    assert message["content"] == [{"type": "text", "text": ANSWER}]
    assert message["citations"] == [{"start": 26, "end": 31, "text": "Paris", "type": "TEXT_CONTENT", "sources": [
        {"type": "document", "id": "doc-0", "document": {"id": "doc-0", "snippet": "Paris is the capital."}}]}]
    assert usage_of(span) == {"input_tokens": 503, "output_tokens": 9, "total_tokens": 512, "cache_read_input_tokens": 448}
    assert span.attributes["autolog.stream.end"] == "exhausted"
    assert span.attributes["autolog.stream.items"] == len(events)
    assert span.attributes["mlflow.chat.messages"][-1] == {"role": "assistant", "content": ANSWER}
    assert (trace.info.request_preview, trace.info.response_preview) == (QUESTION, ANSWER)


def test_stream_is_the_sdks_generator(mode):
    with cassette("chat_stream"):
        events = client(mode).chat_stream(**ASK)
        assert (inspect.isasyncgen if mode.is_async else inspect.isgenerator)(events)
        mode.drain(events)


def test_tool_call_stream(mode, experiment):
    stream(mode, "chat_tools_stream", **WEATHER)
    span = only_span(experiment)
    message = span.outputs["message"]
    assert message["tool_plan"] == "I will look up the weather in Paris and in Rome."
    assert message["tool_calls"] == [
        {"id": "get_weather_p4r1s", "type": "function", "function": {"name": "get_weather", "arguments": '{"city":"Paris"}'}},
        {"id": "get_weather_r0m3", "type": "function", "function": {"name": "get_weather", "arguments": '{"city":"Rome"}'}}]
    assert span.outputs["finish_reason"] == "TOOL_CALL"
    assert usage_of(span) == {"input_tokens": 1400, "output_tokens": 60, "total_tokens": 1460}
    assert span.attributes["mlflow.chat.tools"] == [WEATHER_TOOL]


def test_thinking_stream(mode, experiment):
    stream(mode, "chat_thinking_stream", **ASK)
    span = only_span(experiment)
    assert span.outputs["message"]["content"] == [
        {"type": "thinking", "thinking": "The user asks about France's capital."}, {"type": "text", "text": ANSWER}]
    assert span.attributes["mlflow.chat.messages"][-1] == {
        "role": "assistant", "content": ANSWER, "reasoning": "The user asks about France's capital."}
    assert only_trace(experiment).info.response_preview == ANSWER


def test_stream_closed_early(mode, experiment):
    with cassette("chat_stream"):
        events = client(mode).chat_stream(**ASK)
        assert [e.type for e in mode.take(events, 4)][-1] == "content-delta"
        mode.wait(events.aclose()) if mode.is_async else events.close()
    span = only_span(experiment)
    assert span.attributes["autolog.stream.end"] == "closed"
    assert span.attributes["autolog.stream.completed"] is False
    assert span.outputs["message"]["content"] == [{"type": "text", "text": "The capital"}]
    assert span.status.status_code == "OK"


def test_stream_left_with_break_and_dropped(experiment):
    with cassette("chat_stream"):
        events = client().chat_stream(**ASK)
        for _ in events:
            break
        del events
        gc.collect()
    span = only_span(experiment)
    # the SDK's generator, collected, leaves its block around the raw stream: the span ends there
    assert span.attributes["autolog.stream.end"] == "closed"
    assert span.attributes["autolog.stream.items"] == 1
    assert span.status.status_code == "OK" and span.outputs["message"]["role"] == "assistant"


def test_async_stream_left_with_break_ends_when_collected(experiment):
    import asyncio

    async def read_one():
        events = client(type("M", (), {"is_async": True})).chat_stream(**ASK)
        async for _ in events:
            break
        del events
        gc.collect()

    with cassette("chat_stream"):
        asyncio.run(read_one())
    span = only_span(experiment)
    assert span.attributes["autolog.stream.end"] in ("abandoned", "closed")
    assert span.outputs["message"]["role"] == "assistant"


def test_a_stream_never_read_sends_nothing_and_records_nothing(experiment):
    events = client().chat_stream(**ASK)
    del events
    gc.collect()
    assert traces(experiment) == []


def test_an_error_event_in_the_stream(mode, experiment):
    """The SDK hands an error event to the caller as an item and raises nothing; the span says it failed."""
    events = stream(mode, "chat_stream_error_event", **ASK)
    assert events[-1].model_extra["error"] == "internal server error, please try again"
    span = only_span(experiment)
    assert span.status.status_code == "ERROR"
    [event] = exception_events(span)
    assert event.attributes["exception.type"] == "StreamError"
    assert event.attributes["exception.message"] == "internal server error, please try again"
    assert span.attributes["autolog.stream.end"] == "error"
    assert span.outputs["message"]["content"] == [{"type": "text", "text": "The capital of"}]


@pytest.mark.parametrize("name, status, error", [("chat_error_400", 400, cohere.BadRequestError),
                                                 ("chat_error_429", 429, cohere.TooManyRequestsError)])
def test_an_api_error(mode, experiment, name, status, error):
    with pytest.raises(error) as raised:
        call(mode, name, **ASK)
    assert raised.value.status_code == status
    trace = only_trace(experiment)
    [span] = trace.data.spans
    assert span.status.status_code == "ERROR"
    assert exception_events(span)[0].attributes["exception.type"] == error.__name__
    assert trace.info.response_preview.startswith(error.__name__)
    assert span.attributes["mlflow.chat.messages"] == [{"role": "user", "content": QUESTION}]


def test_an_api_error_on_a_stream(mode, experiment):
    with pytest.raises(cohere.TooManyRequestsError):
        stream(mode, "chat_error_429", **ASK)
    span = only_span(experiment)
    assert span.status.status_code == "ERROR"
    assert exception_events(span)[0].attributes["exception.type"] == "TooManyRequestsError"


def dropping_client(mode):
    """A client whose stream's connection drops after the first text delta."""
    import httpx

    first = (b'event: message-start\ndata: {"id": "c1", "type": "message-start", "delta": {"message": {"role": "assistant"}}}\n\n'
             b'event: content-start\ndata: {"type": "content-start", "index": 0, "delta": {"message": {"content": '
             b'{"type": "text", "text": ""}}}}\n\n'
             b'event: content-delta\ndata: {"type": "content-delta", "index": 0, "delta": {"message": {"content": '
             b'{"text": "The capital"}}}}\n\n')

    class Broken(httpx.SyncByteStream, httpx.AsyncByteStream):
        def __iter__(self):
            yield first
            raise httpx.ReadError("the connection dropped")

        async def __aiter__(self):
            yield first
            raise httpx.ReadError("the connection dropped")

    transport = httpx.MockTransport(lambda request: httpx.Response(
        200, headers={"content-type": "text/event-stream"}, stream=Broken()))
    http = httpx.AsyncClient(transport=transport) if mode.is_async else httpx.Client(transport=transport)
    return client(mode, httpx_client=http)


def test_the_connection_drops_mid_stream(mode, experiment):
    with pytest.raises(httpx_error()) as raised:
        mode.drain(dropping_client(mode).chat_stream(**ASK))
    span = only_span(experiment)
    assert span.status.status_code == "ERROR"
    assert span.attributes["autolog.stream.end"] == "error"
    assert exception_events(span)[0].attributes["exception.type"] == type(raised.value).__name__
    assert span.outputs["message"]["content"] == [{"type": "text", "text": "The capital"}]


def httpx_error():
    import httpx

    return httpx.ReadError


def test_embed(mode, experiment):
    result = call(mode, "embed", "embed", model="embed-v4.0", texts=["hello", "world"], input_type="search_document",
                  embedding_types=["float", "int8"])
    assert len(result.embeddings.float_) == 2
    trace = only_trace(experiment)
    [span] = trace.data.spans
    assert span.span_type == "EMBEDDING"
    assert span.name == ("AsyncClientV2.embed" if mode.is_async else "ClientV2.embed")
    assert "mlflow.message.format" not in span.attributes
    assert span.attributes["mlflow.llm.model"] == "embed-v4.0"
    assert span.outputs["embeddings"]["int8"] == [[3, -12, 20], [8, 17, -25]]
    assert usage_of(span) == {"input_tokens": 2, "total_tokens": 2}
    assert (trace.info.request_preview, trace.info.response_preview) == ("hello | world", "2 vectors of 3 dims (float)")


def test_rerank(mode, experiment):
    documents = ["Berlin is in Germany.", "Paris is the capital of France.", "Rome is in Italy."]
    result = call(mode, "rerank", "rerank", model="rerank-v3.5", query=QUESTION, documents=documents, top_n=2)
    assert result.results[0].index == 1
    trace = only_trace(experiment)
    [span] = trace.data.spans
    assert span.span_type == "RERANKER"
    assert span.attributes["mlflow.llm.provider"] == "cohere"
    assert span.attributes["mlflow.llm.model"] == "rerank-v3.5"
    assert span.inputs == {"model": "rerank-v3.5", "query": QUESTION, "documents": documents, "top_n": 2}
    assert span.outputs["results"] == [{"index": 1, "relevance_score": 0.9871}, {"index": 2, "relevance_score": 0.0412}]
    assert usage_of(span) is None  # billed in search units, not tokens
    assert trace.info.request_preview == f"{QUESTION} [3 documents]"
    assert trace.info.response_preview == "2 results: #1 (0.987), #2 (0.041)"


def test_a_v1_clients_v2_resource(experiment):
    with cassette("chat"):
        cohere.Client(api_key="co-test-key").v2.chat(**ASK)
    span = only_span(experiment)
    assert (span.name, span.attributes["mlflow.llm.provider"], span.inputs) == ("ClientV2.chat", "cohere", ASK)


def test_with_raw_response(mode, experiment):
    raw = client(mode).with_raw_response
    with cassette("chat"):
        response = mode.wait(raw.chat(**ASK))
    assert response.data.message.content[0].text == ANSWER
    with cassette("chat_stream"):
        manager = raw.chat_stream(**ASK)
        entered = mode.enter(manager)
        events = mode.drain(entered.data)
        mode.exit(manager)
    assert events[-1].type == "message-end"
    chat, streamed = [t.data.spans[0] for t in traces(experiment)]
    assert chat.outputs["message"]["content"][0]["text"] == ANSWER and usage_of(chat)["input_tokens"] == 503
    assert streamed.outputs["message"]["content"][0]["text"] == ANSWER
    assert streamed.attributes["autolog.stream.end"] == "exhausted"


def test_request_options_headers_are_not_recorded(experiment):
    with cassette("chat"):
        client().chat(**ASK, request_options={"additional_headers": {"Authorization": "Bearer co-secret"},
                                               "timeout_in_seconds": 30})
    span = only_span(experiment)
    assert span.inputs["request_options"] == {"timeout_in_seconds": 30}
    assert "co-secret" not in str(span.to_dict()) and "co-test-key" not in str(span.to_dict())


def test_a_fault_in_the_accumulator_never_reaches_the_caller(mode, experiment, monkeypatch):
    monkeypatch.setattr(ChatAccumulator, "add", lambda self, event: 1 / 0)
    events = stream(mode, "chat_stream", **ASK)
    assert "".join(e.delta.message.content.text for e in events if e.type == "content-delta") == ANSWER
    span = only_span(experiment)
    assert span.status.status_code == "OK" and span.attributes["autolog.stream.completed"] is True
    assert span.outputs is None


def test_a_fault_reading_the_chat_costs_only_the_chat_messages(mode, experiment, monkeypatch):
    monkeypatch.setattr("autolog.cohere._messages._message", lambda message: 1 / 0)
    assert call(mode, "chat", **ASK).message.content[0].text == ANSWER
    span = only_span(experiment)
    assert "mlflow.chat.messages" not in span.attributes
    assert span.outputs["message"]["content"][0]["text"] == ANSWER


def test_a_fault_starting_the_span_costs_the_span_not_the_call(mode, experiment, monkeypatch):
    monkeypatch.setattr("autolog.cohere._attributes.plain", lambda value, depth=0: 1 / 0)
    assert call(mode, "chat", **ASK).message.content[0].text == ANSWER
    assert traces(experiment) == []


def test_switches_and_privacy(experiment):
    def ask():
        with cassette("chat"):
            client().chat(**ASK)

    autolog.disable()
    ask()
    autolog.enable()
    with autolog.suspended():
        ask()
    assert traces(experiment) == []
    autolog.cohere.autolog(capture_content=False)
    with autolog.context(session_id="co-1", user_id="u-1"):
        ask()
    trace = only_trace(experiment)
    [span] = trace.data.spans
    assert span.inputs is None and span.outputs is None and "mlflow.chat.messages" not in span.attributes
    assert trace.info.request_preview is None and trace.info.response_preview is None
    assert usage_of(span)["input_tokens"] == 503
    assert trace.info.trace_metadata["mlflow.trace.session"] == "co-1"


def test_redact(experiment):
    def scrub(data, what):
        return {**data, "messages": [{"role": "user", "content": "[redacted]"}]} if what == "inputs" else "[redacted]"

    autolog.cohere.autolog(redact=scrub)
    with cassette("chat"):
        client().chat(**ASK)
    trace = only_trace(experiment)
    [span] = trace.data.spans
    assert span.inputs["messages"] == [{"role": "user", "content": "[redacted]"}] and span.outputs == "[redacted]"
    assert span.attributes["mlflow.chat.messages"] == [{"role": "user", "content": "[redacted]"}]
    assert QUESTION not in str(span.to_dict()) and ANSWER not in str(span.to_dict())


def test_revert_also_silences_methods_bound_while_patched(experiment):
    from cohere.v2.client import V2Client
    from cohere.v2.raw_client import RawV2Client

    made_while_patched = client()
    rerank = made_while_patched.rerank  # bound while patched: holds the package's wrapper
    autolog.revert()
    assert not hasattr(RawV2Client.__dict__["chat"], "__wrapped__")
    assert not hasattr(V2Client.__dict__["rerank"], "__wrapped__")
    with cassette("chat"):
        made_while_patched.chat(**ASK)
    with cassette("rerank"):
        rerank(model="rerank-v3.5", query=QUESTION, documents=["a", "b", "c"], top_n=2)
    assert traces(experiment) == []
    autolog.autolog()
    with cassette("rerank"):
        rerank(model="rerank-v3.5", query=QUESTION, documents=["a", "b", "c"], top_n=2)
    assert len(traces(experiment)) == 1


def test_clients_made_before_autolog(mode, experiment):
    """A client binds its chat (and chat_stream) when it is made: tracing one layer down reaches it."""
    autolog.revert()
    made_before = client(mode)
    autolog.autolog()
    with cassette("chat"):
        mode.wait(made_before.chat(**ASK))
    with cassette("chat_stream"):
        mode.drain(made_before.chat_stream(**ASK))
    with cassette("rerank"):
        mode.wait(made_before.rerank(model="rerank-v3.5", query=QUESTION, documents=["a", "b", "c"], top_n=2))
    prefix = "AsyncClientV2" if mode.is_async else "ClientV2"
    assert [t.data.spans[0].name for t in traces(experiment)] == [
        f"{prefix}.chat", f"{prefix}.chat_stream", f"{prefix}.rerank"]


IMPORTED_LATER = """
import sys
import autolog
autolog.autolog()
print("IMPORTED_BEFORE", "cohere" in sys.modules)
import cohere
from cohere.v2.raw_client import RawV2Client
print("PATCHED", hasattr(RawV2Client.__dict__["chat"], "__wrapped__"))
"""


def test_patched_when_imported_after_autolog_and_not_imported_by_it():
    done = subprocess.run([sys.executable, "-c", IMPORTED_LATER], capture_output=True, text=True, timeout=180)
    assert "IMPORTED_BEFORE False" in done.stdout and "PATCHED True" in done.stdout, done.stderr[-2000:]


COHERE_CALL = """
import cohere
with cassettes.use_cassette("cohere/chat.yaml"):
    cohere.ClientV2(api_key="k").chat(model="command-a-03-2025", messages=[{"role": "user", "content": "hi"}])
"""


def test_cohere_without_the_other_sdks(tmp_path):
    done = run_without(("openai", "anthropic", "google.genai"), "cohere", COHERE_CALL, tmp_path)
    assert "TRACES 1 cohere" in done.stdout, done.stderr[-2000:]


def test_api_error_class_is_the_sdks(mode):
    with cassette("chat_error_400"), pytest.raises(ApiError) as raised:
        mode.wait(client(mode).chat(**ASK))
    assert type(raised.value) is cohere.BadRequestError


# API v1: the legacy cohere.Client

V1_ASK = {"model": "command-r-08-2024", "message": QUESTION, "preamble": "Answer in one sentence.",
          "chat_history": [{"role": "USER", "message": "Hi"}, {"role": "CHATBOT", "message": "Hello! How can I help?"}]}
V1_CONVERSATION = [{"role": "system", "content": "Answer in one sentence."}, {"role": "user", "content": "Hi"},
                   {"role": "assistant", "content": "Hello! How can I help?"}, {"role": "user", "content": QUESTION},
                   {"role": "assistant", "content": ANSWER}]


def v1_client(mode):
    cls = cohere.AsyncClient if mode.is_async else cohere.Client
    CLIENTS.append(cls(api_key="co-test-key"))
    return CLIENTS[-1]


def test_v1_chat(mode, experiment):
    with cassette("v1_chat"):
        assert mode.wait(v1_client(mode).chat(**V1_ASK)).text == ANSWER
    trace = only_trace(experiment)
    [span] = trace.data.spans
    assert (span.span_type, span.name) == ("CHAT_MODEL", "AsyncClient.chat" if mode.is_async else "Client.chat")
    assert span.inputs == V1_ASK and span.outputs["text"] == ANSWER
    assert usage_of(span) == {"input_tokens": 70, "output_tokens": 9, "total_tokens": 79}
    assert span.attributes["mlflow.chat.messages"] == V1_CONVERSATION
    assert (trace.info.request_preview, trace.info.response_preview) == (QUESTION, ANSWER)


def test_v1_chat_stream(mode, experiment):
    with cassette("v1_chat_stream"):
        events = mode.drain(v1_client(mode).chat_stream(**V1_ASK))
    assert "".join(e.text for e in events if e.event_type == "text-generation") == ANSWER
    span = only_span(experiment)
    assert span.outputs["text"] == ANSWER and span.outputs["generation_id"] == "v1g-0002"
    assert usage_of(span) == {"input_tokens": 70, "output_tokens": 9, "total_tokens": 79}
    assert span.attributes["autolog.stream.end"] == "exhausted"
    assert span.attributes["mlflow.chat.messages"] == V1_CONVERSATION


def test_v1_chat_stream_closed_early(experiment):
    with cassette("v1_chat_stream"):
        events = cohere.Client(api_key="co-test-key").chat_stream(**V1_ASK)
        for event in events:
            if event.event_type == "text-generation" and event.text == " capital":
                break
        events.close()
    span = only_span(experiment)
    assert span.attributes["autolog.stream.end"] == "closed"
    assert span.outputs["text"] == "The capital"


PROMPT = {"model": "command", "prompt": "Write a tagline for a bakery.", "max_tokens": 20}


def test_v1_generate(mode, experiment):
    with cassette("v1_generate"):
        result = mode.wait(v1_client(mode).generate(**PROMPT))
    assert result.generations[0].text == "Fresh from our oven to your table."
    trace = only_trace(experiment)
    [span] = trace.data.spans
    assert span.span_type == "LLM" and "mlflow.message.format" not in span.attributes
    assert usage_of(span) == {"input_tokens": 7, "output_tokens": 6, "total_tokens": 13}
    assert (trace.info.request_preview, trace.info.response_preview) == (
        "Write a tagline for a bakery.", "Fresh from our oven to your table.")


def test_v1_generate_stream(mode, experiment):
    with cassette("v1_generate_stream"):
        mode.drain(v1_client(mode).generate_stream(**PROMPT))
    span = only_span(experiment)
    assert span.outputs["generations"][0]["text"] == "Fresh from our oven to your table."
    assert span.outputs["id"] == "v1gen-0002"


def test_v1_generate_stream_error_event(mode, experiment):
    with cassette("v1_generate_stream_error"):
        events = mode.drain(v1_client(mode).generate_stream(**PROMPT))
    assert events[-1].event_type == "stream-error"  # yielded to the caller, not raised
    span = only_span(experiment)
    assert span.status.status_code == "ERROR"
    assert exception_events(span)[0].attributes["exception.message"] == "the model stopped"
    assert span.outputs["generations"] == [{"index": 0, "text": "Fresh from"}]


def test_v1_rerank(mode, experiment):
    with cassette("v1_rerank"):
        mode.wait(v1_client(mode).rerank(model="rerank-english-v3.0", query=QUESTION,
                                         documents=["Berlin is in Germany.", "Paris is the capital of France."]))
    span = only_span(experiment)
    assert (span.span_type, span.attributes["mlflow.llm.model"]) == ("RERANKER", "rerank-english-v3.0")
    assert span.outputs["results"][0] == {"index": 1, "relevance_score": 0.97}
