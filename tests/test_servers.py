"""Traces reach the stores users run: a real ``mlflow server`` (sqlite and PostgreSQL backends) and a
PostgreSQL database used directly as the tracking URI, each started here on 127.0.0.1."""
import uuid

import anthropic
import mlflow
import openai
import pytest

import autolog
from conftest import VCR, echo_burst, usage_of
from servers import mlflow_server, postgres_cluster

QUESTION = [{"role": "user", "content": "What is the capital of France?"}]


@pytest.fixture(scope="module")
def postgres():
    with postgres_cluster() as uri:
        yield uri


@pytest.fixture(scope="module", params=["server-sqlite", "server-postgres", "postgres"])
def store_uri(request, tmp_path_factory):
    workdir = tmp_path_factory.mktemp(request.param)
    if request.param == "server-sqlite":
        with mlflow_server(f"sqlite:///{workdir}/backend.db", workdir) as uri:
            yield uri
    elif request.param == "server-postgres":
        with mlflow_server(request.getfixturevalue("postgres"), workdir) as uri:
            yield uri
    else:
        yield request.getfixturevalue("postgres")


@pytest.fixture
def destination(store_uri):
    """The store as MLflow's tracking URI, with a fresh experiment there."""
    previous = mlflow.get_tracking_uri()
    mlflow.set_tracking_uri(store_uri)
    experiment_id = mlflow.set_experiment(f"servers-{uuid.uuid4().hex[:8]}").experiment_id
    yield experiment_id
    autolog.flush(30)
    mlflow.set_tracking_uri(previous)


def stored(experiment_id, **search):
    autolog.flush(30)
    return mlflow.search_traces(locations=[experiment_id], return_type="list", order_by=["timestamp_ms ASC"], **search)


def test_every_kind_of_call_reaches_the_store(destination):
    with autolog.context(session_id="chat-42", user_id="alice", metadata={"feature": "search"}, tags={"team": "web"}):
        with VCR.use_cassette("openai/chat.yaml"):
            openai.OpenAI(api_key="sk-test", max_retries=0).chat.completions.create(
                model="gpt-4o-mini", messages=QUESTION)
        with VCR.use_cassette("openai/chat_stream.yaml"):
            stream = openai.OpenAI(api_key="sk-test", max_retries=0).chat.completions.create(
                model="gpt-4o-mini", messages=QUESTION, stream=True, stream_options={"include_usage": True})
            text = "".join(c.choices[0].delta.content or "" for c in stream if c.choices)
        with VCR.use_cassette("anthropic/messages.yaml"):
            anthropic.Anthropic(api_key="sk-ant-test", max_retries=0).messages.create(
                model="claude-sonnet-4-5", max_tokens=256, messages=QUESTION)
        with VCR.use_cassette("anthropic/messages_stream.yaml"):
            with anthropic.Anthropic(api_key="sk-ant-test", max_retries=0).messages.stream(
                    model="claude-sonnet-4-5", max_tokens=256, messages=QUESTION) as events:
                streamed = "".join(events.text_stream)
    assert text == streamed == "The capital of France is Paris."

    found = stored(destination)
    assert [t.data.spans[0].name for t in found] == [
        "Completions.create", "Completions.create", "Messages.create", "Messages.stream"]
    for trace in found:
        [span] = trace.data.spans
        assert trace.info.state == "OK"
        assert usage_of(span)["input_tokens"] > 0
        assert trace.info.trace_metadata["mlflow.trace.session"] == "chat-42"
        assert trace.info.trace_metadata["mlflow.trace.user"] == "alice"
        assert trace.info.trace_metadata["feature"] == "search"
        assert trace.info.tags["team"] == "web"
        assert trace.info.request_preview == "What is the capital of France?"
    assert found[1].data.spans[0].outputs["choices"][0]["message"]["content"] == "The capital of France is Paris."
    assert found[3].data.spans[0].outputs["content"][0]["text"] == "The capital of France is Paris."
    assert len(stored(destination, filter_string="metadata.feature = 'search'")) == 4


def test_a_failed_call_is_stored_with_its_error(destination):
    with VCR.use_cassette("openai/chat_error_429.yaml"):
        with pytest.raises(openai.RateLimitError):
            openai.OpenAI(api_key="sk-test", max_retries=0).chat.completions.create(
                model="gpt-4o-mini", messages=QUESTION)
    [trace] = stored(destination)
    [span] = trace.data.spans
    assert trace.info.state == "ERROR"
    assert span.status.status_code == "ERROR"
    assert [e.attributes["exception.type"] for e in span.events if e.name == "exception"] == ["RateLimitError"]


def test_a_burst_from_threads_is_stored_whole(destination, monkeypatch):
    monkeypatch.setenv("MLFLOW_ENABLE_ASYNC_TRACE_LOGGING", "true")  # batched, as by default
    before = autolog.stats()
    asked = echo_burst(8, 25)
    assert autolog.flush(120)
    after = autolog.stats()
    assert (after["exported"] - before["exported"], after["dropped"] - before["dropped"],
            after["failed"] - before["failed"]) == (200, 0, 0)
    found = stored(destination, max_results=500)
    assert sorted(t.data.spans[0].inputs["messages"][0]["content"] for t in found) == sorted(asked)
