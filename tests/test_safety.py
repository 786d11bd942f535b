"""A fault in the plugin never reaches the caller; the SDK's errors reach it unchanged."""
import mlflow
import openai
import pytest
from mlflow.entities import LiveSpan

import autolog
from autolog._export import exporter as _export
from autolog._mlflow import experiments as _experiments
from autolog._tracing import call as _call, spans as _spans
from autolog.anthropic._accumulator import MessageAccumulator
from autolog.openai import _attributes as openai_attributes
from autolog.openai._accumulators import ChatCompletionAccumulator
from conftest import OPENAI_HTTP, VCR, exception_events, only_span, only_trace, traces

QUESTION = [{"role": "user", "content": "What is the capital of France?"}]


def boom(*args, **kwargs):
    raise RuntimeError("plugin fault")


def chat_stream_text(mode):
    with VCR.use_cassette("openai/chat_stream.yaml"):
        stream = mode.wait(mode.openai().chat.completions.create(model="gpt-4o-mini", messages=QUESTION, stream=True))
        return "".join(c.choices[0].delta.content or "" for c in mode.drain(stream) if c.choices)


def chat_text(mode):
    with VCR.use_cassette("openai/chat.yaml"):
        result = mode.wait(mode.openai().chat.completions.create(model="gpt-4o-mini", messages=QUESTION))
    return result.choices[0].message.content


def test_accumulator_fault(mode, experiment, monkeypatch):
    monkeypatch.setattr(ChatCompletionAccumulator, "add", boom)
    assert chat_stream_text(mode) == "The capital of France is Paris."
    span = only_span(experiment)  # the span keeps status and timing, loses its output
    assert span.status.status_code == "OK"
    assert span.outputs is None
    assert span.attributes["autolog.stream.completed"] is True


def test_assembly_fault(mode, experiment, monkeypatch):
    monkeypatch.setattr(ChatCompletionAccumulator, "result", boom)
    assert chat_stream_text(mode) == "The capital of France is Paris."
    assert only_span(experiment).status.status_code == "OK"


def test_anthropic_accumulator_fault(mode, experiment, monkeypatch):
    monkeypatch.setattr(MessageAccumulator, "add", boom)
    with VCR.use_cassette("anthropic/messages_stream.yaml"):
        events = mode.drain(mode.wait(mode.anthropic().messages.create(
            model="claude-sonnet-4-5", max_tokens=256, messages=QUESTION, stream=True)))
    assert len(events) == 12
    assert only_span(experiment).status.status_code == "OK"


def test_attribute_extraction_fault(mode, experiment, monkeypatch):
    autolog.revert()
    monkeypatch.setattr(openai_attributes, "chat_usage", boom)
    autolog.autolog()
    assert chat_text(mode) == "The capital of France is Paris."
    span = only_span(experiment)
    assert "mlflow.chat.tokenUsage" not in span.attributes
    assert span.outputs is not None


def in_user_span(call):
    """The call made inside the user's own MLflow span, where the package uses MLflow's live spans."""
    with mlflow.start_span("user"):
        return call()


@pytest.mark.parametrize("joins_user_trace", [False, True], ids=["own-trace", "inside-mlflow-trace"])
def test_span_start_fault(mode, experiment, monkeypatch, joins_user_trace):
    monkeypatch.setattr(mlflow, "start_span_no_context", boom)
    monkeypatch.setattr(_spans, "RecordedSpan", boom)
    if joins_user_trace:
        assert in_user_span(lambda: chat_text(mode)) == "The capital of France is Paris."
        assert [s.name for s in only_trace(experiment).data.spans] == ["user"]
    else:
        assert chat_text(mode) == "The capital of France is Paris."
        assert traces(experiment) == []


@pytest.mark.parametrize("joins_user_trace", [False, True], ids=["own-trace", "inside-mlflow-trace"])
def test_span_end_fault(mode, monkeypatch, joins_user_trace):
    monkeypatch.setattr(LiveSpan, "end", boom)
    monkeypatch.setattr(_export.EXPORTER, "submit", boom)
    run = in_user_span if joins_user_trace else (lambda call: call())
    assert run(lambda: chat_stream_text(mode)) == "The capital of France is Paris."
    assert run(lambda: chat_text(mode)) == "The capital of France is Paris."


def test_span_end_fault_on_error_path(mode, monkeypatch):
    monkeypatch.setattr(LiveSpan, "end", boom)
    monkeypatch.setattr(_export.EXPORTER, "submit", boom)
    with VCR.use_cassette("openai/chat_error_429.yaml"):
        with pytest.raises(openai.RateLimitError):
            mode.wait(mode.openai().chat.completions.create(model="gpt-4o-mini", messages=QUESTION))


def test_request_reading_fault(mode, experiment, monkeypatch):
    monkeypatch.setattr(_call, "_span_name", boom)
    assert chat_text(mode) == "The capital of France is Paris."
    assert traces(experiment) == []


def test_experiment_lookup_fault_falls_back_to_mlflow(experiment, monkeypatch):
    monkeypatch.setattr(_experiments, "experiment_for_new_trace", boom)
    with VCR.use_cassette("openai/chat.yaml"):
        openai.OpenAI(api_key="sk-test", max_retries=0).chat.completions.create(model="gpt-4o-mini", messages=QUESTION)
    only_span(experiment)


def failing_client(mode, error):
    def handler(request):
        raise error

    transport = OPENAI_HTTP.MockTransport(handler)
    http = OPENAI_HTTP.AsyncClient(transport=transport) if mode.is_async else OPENAI_HTTP.Client(transport=transport)
    return mode.openai(http_client=http, base_url="http://autolog.invalid/v1")


@pytest.mark.parametrize("error,expected", [
    (OPENAI_HTTP.ConnectError("connection refused"), openai.APIConnectionError),
    (OPENAI_HTTP.ReadTimeout("read timed out"), openai.APITimeoutError),
])
def test_connection_errors(mode, experiment, error, expected):
    with pytest.raises(expected) as raised:
        mode.wait(failing_client(mode, error).chat.completions.create(model="gpt-4o-mini", messages=QUESTION))
    assert raised.value.__cause__ is error  # the SDK's own exception, as the SDK raised it
    span = only_span(experiment)
    assert span.status.status_code == "ERROR"
    assert exception_events(span)[0].attributes["exception.type"] == expected.__name__


def test_same_exception_object_reaches_the_caller(mode):
    sentinel = openai.APIConnectionError(request=OPENAI_HTTP.Request("POST", "http://x"))
    client = mode.openai()
    resource = type(client.chat.completions)

    if mode.is_async:
        async def raising(self, **kwargs):
            raise sentinel
    else:
        def raising(self, **kwargs):
            raise sentinel

    autolog.revert()
    original = resource.__dict__["create"]
    resource.create = raising
    try:
        autolog.autolog()
        with pytest.raises(openai.APIConnectionError) as raised:
            mode.wait(client.chat.completions.create(model="m", messages=QUESTION))
        assert raised.value is sentinel
    finally:
        autolog.revert()
        resource.create = original
        autolog.autolog()


def test_bad_arguments_raise_as_the_sdk_raises(mode):
    with pytest.raises(TypeError):
        mode.wait(mode.openai().chat.completions.create(QUESTION))
