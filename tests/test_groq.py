"""Groq through the groq SDK: one span per call, OpenAI-shaped outputs, stream usage read from
x_groq, streams ended exactly once, the caller's request sent as given."""
import gc
import io
import json

import groq
import httpx
import pytest

import autolog
from autolog.groq._accumulator import ChatAccumulator
from autolog.openai import _attributes as openai_attributes
from conftest import VCR, exception_events, only_span, only_trace, traces, usage_of
from test_providers_alone import run_without

MODEL = "llama-3.3-70b-versatile"
QUESTION = [{"role": "user", "content": "What is the capital of France?"}]
WEATHER = [{"role": "user", "content": "Weather in Paris and Rome?"}]
TOOL = {"type": "function", "function": {
    "name": "get_weather", "description": "Weather for a city",
    "parameters": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]}}}
ANSWER = "The capital of France is Paris."


def client(mode, **kwargs):
    kwargs.setdefault("api_key", "gsk_test")
    kwargs.setdefault("max_retries", 0)
    return (groq.AsyncGroq if mode.is_async else groq.Groq)(**kwargs)


def create(mode, cassette, **kwargs):
    """chat.completions.create from a cassette; returns the result (a stream is returned unread)."""
    with VCR.use_cassette(f"groq/{cassette}.yaml") as tape:
        kwargs.setdefault("model", MODEL)
        kwargs.setdefault("messages", QUESTION)
        result = mode.wait(client(mode).chat.completions.create(**kwargs))
    create.sent = json.loads(tape.requests[0].body)  # what went over the wire
    return result


def text_of(chunks):
    return "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)


def test_chat(mode, experiment):
    result = create(mode, "chat")
    assert result.choices[0].message.content == ANSWER
    trace = only_trace(experiment)
    [span] = trace.data.spans
    assert span.span_type == "CHAT_MODEL"
    assert span.name == ("AsyncCompletions.create" if mode.is_async else "Completions.create")
    assert span.inputs == {"model": MODEL, "messages": QUESTION}
    assert span.outputs["choices"][0]["message"]["content"] == ANSWER
    assert span.outputs["x_groq"]["id"] == "req_01autologgroq0000000000000"
    assert usage_of(span) == {"input_tokens": 18, "output_tokens": 8, "total_tokens": 26, "cache_read_input_tokens": 6}
    assert span.attributes["mlflow.llm.provider"] == "groq"
    assert span.attributes["mlflow.message.format"] == "groq"
    assert span.attributes["mlflow.llm.model"] == MODEL
    assert (trace.info.request_preview, trace.info.response_preview) == (QUESTION[0]["content"], ANSWER)


def test_stream_usage_from_x_groq(mode, experiment):
    stream = create(mode, "chat_stream", stream=True)
    assert isinstance(stream, groq.AsyncStream if mode.is_async else groq.Stream)
    chunks = mode.drain(stream)
    assert text_of(chunks) == ANSWER
    assert chunks[-1].x_groq.usage.total_tokens == 26  # the caller sees the chunks as sent
    assert create.sent == {"model": MODEL, "messages": QUESTION, "stream": True}  # no stream_options added
    span = only_span(experiment)
    assert span.inputs == {"model": MODEL, "messages": QUESTION, "stream": True}
    out = span.outputs
    assert out["object"] == "chat.completion"
    assert out["choices"] == [{"index": 0, "finish_reason": "stop", "logprobs": None, "message": {
        "role": "assistant", "content": ANSWER, "refusal": None}}]
    assert out["usage"]["prompt_tokens"] == 18 and out["usage"]["queue_time"] == 0.0171
    assert out["x_groq"] == {"id": "req_01autologgroq0000000000000", "seed": 1234}
    assert usage_of(span) == {"input_tokens": 18, "output_tokens": 8, "total_tokens": 26}
    assert span.attributes["autolog.stream.end"] == "exhausted"
    assert span.attributes["autolog.stream.items"] == len(chunks) == 9
    assert "autolog.stream.usage_requested" not in span.attributes
    assert only_trace(experiment).info.response_preview == ANSWER


def test_stream_usage_top_level(mode, experiment):
    mode.drain(create(mode, "chat_stream_usage", stream=True))
    assert usage_of(only_span(experiment)) == {"input_tokens": 18, "output_tokens": 8, "total_tokens": 26,
                                               "cache_read_input_tokens": 12}


def test_request_never_changed_even_with_stream_usage(mode, experiment):
    autolog.autolog(stream_usage=True)  # an OpenAI option: Groq reports usage unasked
    mode.drain(create(mode, "chat_stream", stream=True))
    assert "stream_options" not in create.sent
    assert usage_of(only_span(experiment))["total_tokens"] == 26


def test_tools(mode, experiment):
    result = create(mode, "chat_tools", messages=WEATHER, tools=[TOOL])
    assert result.choices[0].message.tool_calls[1].function.arguments == '{"city":"Rome"}'
    trace = only_trace(experiment)
    [span] = trace.data.spans
    assert span.attributes["mlflow.chat.tools"] == [TOOL]
    assert trace.info.response_preview == 'get_weather({"city":"Paris"}), get_weather({"city":"Rome"})'


def test_tools_stream(mode, experiment):
    mode.drain(create(mode, "chat_tools_stream", messages=WEATHER, tools=[TOOL], stream=True))
    span = only_span(experiment)
    [choice] = span.outputs["choices"]
    assert choice["finish_reason"] == "tool_calls"
    assert choice["message"]["tool_calls"] == [
        {"id": "call_paris", "type": "function", "function": {"name": "get_weather", "arguments": '{"city":"Paris"}'}},
        {"id": "call_rome", "type": "function", "function": {"name": "get_weather", "arguments": '{"city":"Rome"}'}},
    ]
    assert span.attributes["mlflow.chat.tools"] == [TOOL]
    assert usage_of(span)["input_tokens"] == 220


def test_reasoning_stream(mode, experiment):
    mode.drain(create(mode, "chat_reasoning_stream", model="openai/gpt-oss-20b", reasoning_format="parsed", stream=True))
    span = only_span(experiment)
    message = span.outputs["choices"][0]["message"]
    assert (message["reasoning"], message["content"]) == ("The user asks for France's capital.", "Paris.")
    assert span.outputs["usage"]["completion_tokens_details"] == {"reasoning_tokens": 22}
    assert span.attributes["mlflow.llm.model"] == "openai/gpt-oss-20b"


def test_compound_stream_executed_tools(mode, experiment):
    mode.drain(create(mode, "compound_stream", model="groq/compound", stream=True))
    span = only_span(experiment)
    message = span.outputs["choices"][0]["message"]
    # sent twice by its index (started, then with its output): one tool, as a non-streaming call gives it
    [tool] = message["executed_tools"]
    assert tool["arguments"] == '{"query": "capital of France"}'
    assert tool["output"] == "Paris is the capital of France."
    assert tool["search_results"]["results"][0]["url"] == "https://fr.example/paris"
    assert (message["reasoning"], message["content"]) == ("Searching.", "Paris.")
    assert span.outputs["usage_breakdown"]["models"][0]["model"] == MODEL
    assert usage_of(span) == {"input_tokens": 900, "output_tokens": 40, "total_tokens": 940}


def test_stream_closed_early(mode, experiment):
    stream = create(mode, "chat_stream", stream=True)
    mode.take(stream, 4)
    mode.close(stream)
    span = only_span(experiment)
    assert span.status.status_code == "OK"
    assert span.attributes["autolog.stream.end"] == "closed"
    assert span.attributes["autolog.stream.completed"] is False
    assert span.outputs["choices"][0]["message"]["content"] == "The capital of"
    assert "mlflow.chat.tokenUsage" not in span.attributes  # the usage comes last


def test_stream_left_in_with_block(mode, experiment):
    stream = create(mode, "chat_stream", stream=True)
    if mode.is_async:
        async def read_two():
            async with stream as s:
                await s.__anext__(), await s.__anext__()
        mode.wait(read_two())
    else:
        with stream as s:
            next(s), next(s)
    assert only_span(experiment).attributes["autolog.stream.end"] == "closed"


def sync_stream():
    with VCR.use_cassette("groq/chat_stream.yaml"):
        return groq.Groq(api_key="gsk_test", max_retries=0).chat.completions.create(
            model=MODEL, messages=QUESTION, stream=True)


def test_stream_left_with_break_and_dropped(experiment):
    stream = sync_stream()
    for _ in stream:
        break
    del stream
    gc.collect()
    span = only_span(experiment)
    assert (span.attributes["autolog.stream.end"], span.status.status_code) == ("abandoned", "OK")
    assert span.outputs["choices"][0]["message"] == {"role": "assistant", "content": None, "refusal": None}


def test_stream_read_to_its_last_chunk_and_dropped_has_the_usage(experiment):
    stream = sync_stream()
    chunks = [next(stream) for _ in range(9)]  # every chunk, but never told the stream is over
    assert chunks[-1].x_groq.usage is not None
    del stream
    gc.collect()
    span = only_span(experiment)
    assert span.attributes["autolog.stream.end"] == "abandoned"
    assert usage_of(span) == {"input_tokens": 18, "output_tokens": 8, "total_tokens": 26}
    assert span.outputs["choices"][0]["message"]["content"] == ANSWER


def test_stream_never_read_still_ends(experiment):
    stream = sync_stream()
    del stream
    gc.collect()
    span = only_span(experiment)
    assert (span.attributes["autolog.stream.end"], span.attributes["autolog.stream.items"]) == ("abandoned", 0)


def test_error_event_mid_stream(mode, experiment):
    stream = create(mode, "chat_stream_error", messages=WEATHER, tools=[TOOL], stream=True)
    with pytest.raises(groq.APIError) as raised:
        mode.drain(stream)
    assert "Tool call validation failed" in str(raised.value)
    span = only_span(experiment)
    assert span.status.status_code == "ERROR"
    assert exception_events(span)[0].attributes["exception.type"] == "APIError"
    assert span.attributes["autolog.stream.end"] == "error"
    assert span.outputs["choices"][0]["message"]["content"] == "The capital of"


@pytest.mark.parametrize("cassette,error", [("chat_error_400", groq.BadRequestError),
                                            ("chat_error_429", groq.RateLimitError)])
def test_status_errors(mode, experiment, cassette, error):
    def call():
        with pytest.raises(error) as raised:
            create(mode, cassette)
        return raised.value

    autolog.disable()
    untraced = call()
    autolog.enable()
    traced = call()
    assert (type(traced), str(traced), traced.body) == (type(untraced), str(untraced), untraced.body)
    span = only_span(experiment)
    assert span.status.status_code == "ERROR"
    event = exception_events(span)[0]
    assert event.attributes["exception.type"] == error.__name__
    assert str(traced) in event.attributes["exception.message"]
    assert only_trace(experiment).info.response_preview.startswith(error.__name__)


def test_with_raw_response(mode, experiment):
    with VCR.use_cassette("groq/chat.yaml"):
        raw = mode.wait(client(mode).chat.completions.with_raw_response.create(model=MODEL, messages=QUESTION))
        result = mode.wait(raw.parse())
    assert raw.headers["x-request-id"] == "req_autolog_test"
    assert result.choices[0].message.content == ANSWER
    assert only_span(experiment).outputs["choices"][0]["message"]["content"] == ANSWER


def test_with_streaming_response_stream(mode, experiment):
    c = client(mode)
    with VCR.use_cassette("groq/chat_stream.yaml"):
        manager = c.chat.completions.with_streaming_response.create(model=MODEL, messages=QUESTION, stream=True)
        response = mode.enter(manager)
        chunks = mode.drain(mode.wait(response.parse()))
        mode.exit(manager)
    assert text_of(chunks) == ANSWER
    span = only_span(experiment)
    assert span.outputs["choices"][0]["message"]["content"] == ANSWER
    assert usage_of(span)["total_tokens"] == 26


def test_embeddings(mode, experiment):
    with VCR.use_cassette("groq/embeddings.yaml"):
        result = mode.wait(client(mode).embeddings.create(model="nomic-embed-text-v1_5", input=["hello", "world"]))
    assert len(result.data) == 2
    trace = only_trace(experiment)
    [span] = trace.data.spans
    assert span.span_type == "EMBEDDING"
    assert span.inputs == {"model": "nomic-embed-text-v1_5", "input": ["hello", "world"]}
    assert span.outputs["data"][1]["embedding"] == [0.2, -0.2, 0.3]
    assert usage_of(span) == {"input_tokens": 4, "total_tokens": 4}
    assert span.attributes["mlflow.llm.provider"] == "groq"
    assert "mlflow.message.format" not in span.attributes
    assert (trace.info.request_preview, trace.info.response_preview) == ("hello | world", "2 vectors of 3 dims")


AUDIO = ("question.wav", b"RIFF-not-really-audio", "audio/wav")


@pytest.mark.parametrize("resource,cassette,extra", [
    ("transcriptions", "transcription", {}),
    ("transcriptions", "transcription_verbose", {"response_format": "verbose_json"}),
    ("transcriptions", "transcription_text", {"response_format": "text"}),
    ("translations", "translation", {}),
])
def test_audio_to_text(mode, experiment, resource, cassette, extra):
    with VCR.use_cassette(f"groq/{cassette}.yaml"):
        result = mode.wait(getattr(client(mode).audio, resource).create(
            model="whisper-large-v3", file=AUDIO, prompt="A capital.", **extra))
    text = result if isinstance(result, str) else result.text
    assert text == " The capital of France is Paris."
    trace = only_trace(experiment)
    [span] = trace.data.spans
    assert span.span_type == "LLM"
    assert span.name == ("Async" if mode.is_async else "") + resource.capitalize() + ".create"
    recorded_file = span.inputs["file"]
    assert {k: recorded_file[k] for k in ("file", "media_type", "size")} == {
        "file": "question.wav", "media_type": "audio/wav", "size": 21}
    assert span.outputs["text"] == text
    if cassette == "transcription_verbose":
        assert span.outputs["segments"][0]["end"] == 2.5
    assert span.attributes["mlflow.llm.model"] == "whisper-large-v3"
    assert (trace.info.request_preview, trace.info.response_preview) == ("[audio] question.wav A capital.", text.strip())


def test_speech(mode, experiment, tmp_path):
    with VCR.use_cassette("groq/speech.yaml"):
        response = mode.wait(client(mode).audio.speech.create(model="playai-tts", voice="Fritz-PlayAI",
                                                                input="Paris.", response_format="wav"))
    audio = mode.wait(response.read())
    assert audio.startswith(b"RIFF") and len(audio) == 60
    assert isinstance(response, groq._response.AsyncBinaryAPIResponse if mode.is_async else groq._response.BinaryAPIResponse)
    mode.wait(response.write_to_file(tmp_path / "out.wav"))
    assert (tmp_path / "out.wav").read_bytes() == audio
    trace = only_trace(experiment)
    [span] = trace.data.spans
    assert span.outputs["media_type"] == "audio/wav" and span.outputs["size"] == 60
    assert span.inputs["input"] == "Paris."
    assert (trace.info.request_preview, trace.info.response_preview) == ("Paris.", "[audio/wav, 60 bytes]")


def test_speech_streamed_to_the_caller(mode, experiment):
    c = client(mode)
    with VCR.use_cassette("groq/speech.yaml"):
        manager = c.audio.speech.with_streaming_response.create(model="playai-tts", voice="Fritz-PlayAI", input="Paris.")
        response = mode.enter(manager)
        audio = mode.wait(response.read())
        mode.exit(manager)
    assert len(audio) == 60
    span = only_span(experiment)  # the body is the caller's to read: its media type only
    assert span.status.status_code == "OK"
    assert span.outputs == {"media_type": "audio/wav"}


def test_capture_content_false(mode, experiment):
    autolog.groq.autolog(capture_content=False)
    mode.drain(create(mode, "chat_stream", stream=True))
    span = only_span(experiment)
    assert (span.inputs, span.outputs) == (None, None)
    assert usage_of(span)["total_tokens"] == 26
    assert span.attributes["mlflow.llm.model"] == MODEL


def test_redact(mode, experiment):
    autolog.groq.autolog(redact=lambda data, what: "[redacted]" if what == "inputs" else data)
    create(mode, "chat")
    span = only_span(experiment)
    assert span.inputs == "[redacted]"
    assert span.outputs["choices"][0]["message"]["content"] == ANSWER


def test_disable_and_suspended(mode, experiment):
    autolog.disable()
    create(mode, "chat")
    autolog.enable()
    with autolog.suspended():
        create(mode, "chat")
    assert traces(experiment) == []
    create(mode, "chat")
    only_span(experiment)


def test_revert_puts_the_sdk_methods_back(experiment):
    from groq.resources.chat.completions import Completions

    assert hasattr(Completions.__dict__["create"], "__wrapped__")
    autolog.groq.revert()
    assert not hasattr(Completions.__dict__["create"], "__wrapped__")
    with VCR.use_cassette("groq/chat.yaml"):
        groq.Groq(api_key="gsk_test", max_retries=0).chat.completions.create(model=MODEL, messages=QUESTION)
    assert traces(experiment) == []


def boom(*args, **kwargs):
    raise RuntimeError("plugin fault")


def test_accumulator_fault(mode, experiment, monkeypatch):
    monkeypatch.setattr(ChatAccumulator, "add", boom)
    assert text_of(mode.drain(create(mode, "chat_stream", stream=True))) == ANSWER
    span = only_span(experiment)  # status and timing kept, the output lost
    assert (span.status.status_code, span.outputs) == ("OK", None)


def test_assembly_fault(mode, experiment, monkeypatch):
    monkeypatch.setattr(ChatAccumulator, "result", boom)
    assert text_of(mode.drain(create(mode, "chat_stream", stream=True))) == ANSWER
    assert only_span(experiment).status.status_code == "OK"


def test_attribute_reader_fault(mode, experiment, monkeypatch):
    autolog.revert()
    monkeypatch.setattr(openai_attributes, "chat_usage", boom)
    monkeypatch.setattr(openai_attributes, "speech", boom)
    autolog.autolog()
    assert create(mode, "chat").choices[0].message.content == ANSWER
    span = only_span(experiment)
    assert "mlflow.chat.tokenUsage" not in span.attributes and span.outputs is not None


def test_connection_error_reaches_the_caller_unchanged(mode, experiment):
    error = httpx.ConnectError("connection refused")

    def handler(request):
        raise error

    transport = httpx.MockTransport(handler)
    http = httpx.AsyncClient(transport=transport) if mode.is_async else httpx.Client(transport=transport)
    with pytest.raises(groq.APIConnectionError) as raised:
        mode.wait(client(mode, http_client=http, base_url="http://autolog.invalid").chat.completions.create(
            model=MODEL, messages=QUESTION))
    assert raised.value.__cause__ is error
    span = only_span(experiment)
    assert exception_events(span)[0].attributes["exception.type"] == "APIConnectionError"


def test_bad_arguments_raise_as_the_sdk_raises(mode, experiment):
    with pytest.raises(TypeError) as traced:
        mode.wait(client(mode).chat.completions.create(model=MODEL))  # messages missing
    autolog.revert()
    with pytest.raises(TypeError) as untraced:
        mode.wait(client(mode).chat.completions.create(model=MODEL))
    assert str(traced.value) == str(untraced.value)


def test_groq_alone_without_the_other_sdks(tmp_path):
    call = """
import groq
with cassettes.use_cassette("groq/chat.yaml"):
    groq.Groq(api_key="k", max_retries=0).chat.completions.create(
        model="llama-3.3-70b-versatile", messages=[{"role": "user", "content": "hi"}])
"""
    done = run_without(("openai", "anthropic", "google.genai"), "groq", call, tmp_path)
    assert "TRACES 1 groq" in done.stdout, done.stderr[-2000:]


def test_groq_imported_after_autolog_and_not_before(tmp_path):
    import subprocess
    import sys

    script = """
import sys
import autolog
autolog.autolog()
assert "groq" not in sys.modules, "imported by autolog"
import groq
from groq.resources.chat.completions import Completions
print("PATCHED", hasattr(Completions.__dict__["create"], "__wrapped__"))
"""
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120, cwd=tmp_path)
    assert "PATCHED True" in done.stdout, done.stderr[-2000:]
