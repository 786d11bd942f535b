"""Google Gemini through google-genai: one span per call, streams assembled and ended exactly
once, automatic function calling shown as the loop it is."""
import gc

import mlflow
import pytest
from google.genai import errors, types

import autolog
from autolog.gemini._accumulator import ResponseAccumulator
from conftest import ROOT, echo_client, exception_events, only_span, only_trace, traces, usage_of

QUESTION = "What is the capital of France?"
MODEL = "gemini-2.5-flash"


def test_generate_content(mode, experiment):
    result = mode.wait(mode.gemini("generate").generate_content(model=MODEL, contents=QUESTION))
    assert result.text == "The capital of France is Paris."
    trace = only_trace(experiment)
    [span] = trace.data.spans
    assert span.span_type == "CHAT_MODEL"
    assert span.name == ("AsyncModels.generate_content" if mode.is_async else "Models.generate_content")
    assert span.attributes["mlflow.message.format"] == "gemini"
    assert span.attributes["mlflow.llm.provider"] == "gemini"
    assert span.attributes["mlflow.llm.model"] == MODEL
    assert span.inputs == {"model": MODEL, "contents": QUESTION}
    assert span.outputs["candidates"][0]["content"]["parts"] == [{"text": "The capital of France is Paris."}]
    # input = prompt, output = candidates, total as the API counts it (thoughts included)
    assert usage_of(span) == {"input_tokens": 9, "output_tokens": 7, "total_tokens": 36,
                              "cache_read_input_tokens": 4, "reasoning_tokens": 20}
    assert (trace.info.request_preview, trace.info.response_preview) == (QUESTION, "The capital of France is Paris.")


def test_vertex_ai(mode, experiment):
    mode.wait(mode.gemini("vertex_generate", vertex=True).generate_content(model=MODEL, contents=QUESTION))
    assert only_span(experiment).attributes["mlflow.llm.provider"] == "vertex_ai"


def stream(mode, cassette="generate_stream", **config):
    return mode.wait(mode.gemini(cassette).generate_content_stream(model=MODEL, contents=QUESTION, **config))


def test_stream_assembled(mode, experiment):
    chunks = mode.drain(stream(mode))
    assert len(chunks) == 4 and "".join(c.text or "" for c in chunks) == "The capital of France is Paris."
    span = only_span(experiment)
    assert span.name == ("AsyncModels.generate_content_stream" if mode.is_async else "Models.generate_content_stream")
    [candidate] = span.outputs["candidates"]
    assert candidate["content"]["parts"] == [
        {"text": "Let me think about France.", "thought": True, "thought_signature": "c2lnMA=="},
        {"text": "The capital of France is Paris."},
    ]
    assert candidate["finish_reason"] == "STOP"
    assert candidate["citation_metadata"]["citations"][0]["uri"] == "https://fr.example"
    assert span.outputs["model_version"] == MODEL
    assert usage_of(span) == {"input_tokens": 9, "output_tokens": 7, "total_tokens": 27,
                              "cache_read_input_tokens": 4, "reasoning_tokens": 11}
    assert span.attributes["autolog.stream.end"] == "exhausted"
    assert span.attributes["autolog.stream.items"] == 4
    assert only_trace(experiment).info.response_preview == "The capital of France is Paris."


def test_stream_closed_early(mode, experiment):
    chunks = stream(mode)
    mode.take(chunks, 3)
    mode.close(chunks)
    span = only_span(experiment)
    assert span.attributes["autolog.stream.end"] == "closed"
    assert span.outputs["candidates"][0]["content"]["parts"][-1] == {"text": "The capital"}


def test_stream_left_with_break_and_dropped(experiment):
    chunks = autolog_models().generate_content_stream(model=MODEL, contents=QUESTION)
    for _ in chunks:
        break
    del chunks
    gc.collect()
    span = only_span(experiment)
    assert span.attributes["autolog.stream.end"] == "abandoned"
    assert span.status.status_code == "OK"


def test_a_stream_never_read_still_ends(experiment):
    chunks = autolog_models().generate_content_stream(model=MODEL, contents=QUESTION)
    del chunks
    gc.collect()
    span = only_span(experiment)
    assert (span.attributes["autolog.stream.end"], span.attributes["autolog.stream.items"]) == ("abandoned", 0)


CLIENTS = []  # some google-genai releases close the HTTP client when the Client goes away


def autolog_models(cassette="generate_stream"):
    from autolog._cli.demo import gemini_client

    CLIENTS.append(gemini_client(ROOT / "cassettes" / "gemini" / f"{cassette}.yaml"))
    return CLIENTS[-1].models


def test_function_calls_and_tools(mode, experiment):
    tool = types.Tool(function_declarations=[types.FunctionDeclaration(
        name="get_weather", description="Weather for a city",
        parameters=types.Schema(type="OBJECT", properties={"city": types.Schema(type="STRING")}))])
    result = mode.wait(mode.gemini("generate_tools").generate_content(
        model=MODEL, contents="Weather in Paris?", config=types.GenerateContentConfig(tools=[tool])))
    assert result.function_calls[0].args == {"city": "Paris"}
    trace = only_trace(experiment)
    [span] = trace.data.spans
    part = span.outputs["candidates"][0]["content"]["parts"][0]
    assert part["function_call"] == {"name": "get_weather", "args": {"city": "Paris"}}
    assert span.attributes["mlflow.chat.tools"][0]["function"]["name"] == "get_weather"
    assert trace.info.response_preview == 'get_weather({"city": "Paris"})'


def get_weather(city: str) -> str:
    """Weather for a city."""
    answer = echo_client().chat.completions.create(model="gpt-4o-mini", messages=[{"role": "user", "content": city}])
    return f"sunny in {city} ({answer.choices[0].message.content})"


class Forecasts:
    def tomorrow(self, city: str, days: int = 1) -> str:
        """Tomorrow's forecast for a city."""
        return "rain"


def sent_models(mode, sent):
    """google-genai's models resource answered from the generate_tools recording; ``sent`` gets
    each request body the SDK sent."""
    import json

    from google import genai
    from google.genai import types as genai_types

    from autolog._cli.demo import http_library, recorded_transport

    http = http_library("google.genai")
    recorded = recorded_transport(http, ROOT / "cassettes" / "gemini" / "generate_tools.yaml")

    def answer(request):
        sent.append(json.loads(request.content))
        return recorded.handle_request(request)

    transport = http.MockTransport(answer)
    client = genai.Client(api_key="k", http_options=genai_types.HttpOptions(
        httpx_client=http.Client(transport=transport), httpx_async_client=http.AsyncClient(transport=transport)))
    CLIENTS.append(client)
    return client.aio.models if mode.is_async else client.models


def test_python_functions_as_tools_keep_their_parameters(mode, experiment):
    """The schema recorded for a function is the one google-genai derives from its signature and
    sends; the MLflow UI's Tools panel shows its arguments."""
    sent = []
    mode.wait(sent_models(mode, sent).generate_content(
        model=MODEL, contents="Weather in Paris?", config=types.GenerateContentConfig(
            tools=[get_weather, Forecasts().tomorrow],
            automatic_function_calling=types.AutomaticFunctionCallingConfig(disable=True))))
    recorded = [t["function"] for t in only_span(experiment).attributes["mlflow.chat.tools"]]
    declared = sent[0]["tools"][0]["functionDeclarations"]
    assert [(f["name"], f["description"]) for f in recorded] == [
        ("get_weather", "Weather for a city."), ("tomorrow", "Tomorrow's forecast for a city.")]
    schemas = [next(d[k] for k in ("parameters_json_schema", "parametersJsonSchema", "parameters") if k in d)
               for d in declared]
    assert [f["parameters"] for f in recorded] == schemas
    city, days = recorded[1]["parameters"]["properties"], recorded[1]["parameters"]["required"]
    assert set(city) == {"city", "days"} and days == ["city"]  # self is not a parameter


def test_automatic_function_calling_shows_the_loop(mode, experiment):
    before = autolog.stats()
    result = mode.wait(mode.gemini("afc").generate_content(
        model=MODEL, contents="Weather in Paris?", config=types.GenerateContentConfig(tools=[get_weather])))
    assert result.text == "It is sunny in Paris."
    mlflow.flush_trace_async_logging()
    trace = only_trace(experiment)
    spans = {s.span_id: s for s in trace.data.spans}
    by_name = {}
    for span in trace.data.spans:
        by_name.setdefault(span.name, []).append(span)
    prefix = "AsyncModels" if mode.is_async else "Models"
    [root] = by_name[f"{prefix}.generate_content"]
    assert root.parent_id is None and root.outputs["candidates"][0]["content"]["parts"][0]["text"] == (
        "It is sunny in Paris.")
    requests = by_name[f"{prefix}._generate_content"]
    assert len(requests) == 2 and all(r.parent_id == root.span_id for r in requests)
    assert requests[0].outputs["candidates"][0]["content"]["parts"][0]["function_call"]["name"] == "get_weather"
    [function] = by_name["get_weather"]
    assert (function.span_type, function.parent_id, function.inputs) == ("TOOL", root.span_id, {"city": "Paris"})
    assert function.outputs == "sunny in Paris (echo Paris)"
    # the call the user's function made is traced too, inside the function's span
    [inner] = [s for s in trace.data.spans if s.name == "Completions.create"]
    assert spans[inner.parent_id].name == "get_weather"
    # the call's span carries the loop's total (MLflow counts a span's usage in place of its children's)
    parts = [usage_of(r) for r in requests] + [usage_of(inner)]
    total = {key: sum(u.get(key, 0) for u in parts) for key in ("input_tokens", "output_tokens", "total_tokens")}
    assert {k: usage_of(root)[k] for k in total} == total
    assert {k: trace.info.token_usage[k] for k in total} == total
    # and the whole trace went through the package's own export, as one trace
    after = autolog.stats()
    assert (after["recorded"] - before["recorded"], after["exported"] - before["exported"]) == (1, 1)


def test_without_automatic_function_calling_one_span(mode, experiment):
    mode.wait(mode.gemini("generate_tools").generate_content(
        model=MODEL, contents="Weather in Paris?", config=types.GenerateContentConfig(
            tools=[get_weather], automatic_function_calling=types.AutomaticFunctionCallingConfig(disable=True))))
    assert [s.name for s in only_trace(experiment).data.spans] == [
        "AsyncModels.generate_content" if mode.is_async else "Models.generate_content"]


def test_chat_session_one_span_per_message(experiment):
    from autolog._cli.demo import gemini_client

    CLIENTS.append(gemini_client(ROOT / "cassettes" / "gemini" / "generate.yaml"))
    chat = CLIENTS[-1].chats.create(model=MODEL)
    assert chat.send_message(QUESTION).text == "The capital of France is Paris."
    CLIENTS.append(gemini_client(ROOT / "cassettes" / "gemini" / "generate_stream.yaml"))
    chat = CLIENTS[-1].chats.create(model=MODEL)
    assert "".join(c.text or "" for c in chat.send_message_stream(QUESTION)) == "The capital of France is Paris."
    assert [[s.name for s in t.data.spans] for t in traces(experiment)] == [
        ["Models.generate_content"], ["Models.generate_content_stream"]]


def test_embed_content(mode, experiment):
    result = mode.wait(mode.gemini("embed").embed_content(model="gemini-embedding-001", contents=["hello", "world"]))
    assert len(result.embeddings) == 2
    trace = only_trace(experiment)
    [span] = trace.data.spans
    assert span.span_type == "EMBEDDING"
    assert "mlflow.message.format" not in span.attributes
    assert (trace.info.request_preview, trace.info.response_preview) == ("hello | world", "2 vectors of 3 dims")


def test_an_api_error(mode, experiment):
    with pytest.raises(errors.ClientError) as raised:
        mode.wait(mode.gemini("error_429").generate_content(model=MODEL, contents=QUESTION))
    assert raised.value.code == 429
    trace = only_trace(experiment)
    [span] = trace.data.spans
    assert span.status.status_code == "ERROR"
    assert exception_events(span)[0].attributes["exception.type"] == "ClientError"
    assert trace.info.response_preview.startswith("ClientError: 429")


def broken_stream_client(mode):
    """A stream whose connection drops after its first chunk."""
    from google import genai

    from autolog._cli.demo import http_library

    http = http_library("google.genai")
    first = b'data: {"candidates": [{"content": {"role": "model", "parts": [{"text": "The capital"}]}}]}\r\n\r\n'

    class Broken(http.SyncByteStream, http.AsyncByteStream):
        def __iter__(self):
            yield first
            raise http.ReadError("the connection dropped")

        async def __aiter__(self):
            yield first
            raise http.ReadError("the connection dropped")

    def answer(request):
        return http.Response(200, headers={"content-type": "text/event-stream"}, stream=Broken())

    options = types.HttpOptions(httpx_client=http.Client(transport=http.MockTransport(answer)),
                                httpx_async_client=http.AsyncClient(transport=http.MockTransport(answer)))
    client = genai.Client(api_key="k", http_options=options)
    CLIENTS.append(client)
    return client.aio.models if mode.is_async else client.models


def test_an_error_mid_stream(mode, experiment):
    chunks = mode.wait(broken_stream_client(mode).generate_content_stream(model=MODEL, contents=QUESTION))
    with pytest.raises(Exception) as raised:
        mode.drain(chunks)
    span = only_span(experiment)
    assert span.status.status_code == "ERROR"
    assert span.attributes["autolog.stream.end"] == "error"
    assert exception_events(span)[0].attributes["exception.type"] == type(raised.value).__name__
    assert span.outputs["candidates"][0]["content"]["parts"] == [{"text": "The capital"}]


def test_a_fault_in_the_accumulator_never_reaches_the_caller(mode, experiment, monkeypatch):
    monkeypatch.setattr(ResponseAccumulator, "add", lambda self, chunk: 1 / 0)
    assert "".join(c.text or "" for c in mode.drain(stream(mode))) == "The capital of France is Paris."
    span = only_span(experiment)
    assert span.status.status_code == "OK" and span.attributes["autolog.stream.completed"] is True


def test_switches_and_privacy(experiment):
    def ask():
        autolog_models("generate").generate_content(model=MODEL, contents=QUESTION)

    autolog.disable()
    ask()
    autolog.enable()
    with autolog.suspended():
        ask()
    assert traces(experiment) == []
    autolog.gemini.autolog(capture_content=False)
    with autolog.context(session_id="g-1"):
        ask()
    trace = only_trace(experiment)
    assert trace.data.spans[0].inputs is None and trace.data.spans[0].outputs is None
    assert usage_of(trace.data.spans[0])["input_tokens"] == 9
    assert trace.info.trace_metadata["mlflow.trace.session"] == "g-1"
    autolog.revert()
    from google.genai import models as genai_models

    assert not hasattr(genai_models.Models.__dict__["generate_content"], "__wrapped__")
