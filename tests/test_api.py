import asyncio
import subprocess
import sys
import threading

import anthropic
import mlflow
import openai
import pytest
import wrapt

import autolog
from conftest import ROOT, VCR, only_span, traces

QUESTION = [{"role": "user", "content": "What is the capital of France?"}]
CHAT = openai.resources.chat.completions.completions.Completions


def chat(client=None):
    client = client or openai.OpenAI(api_key="sk-test", max_retries=0)
    with VCR.use_cassette("openai/chat.yaml"):
        return client.chat.completions.create(model="gpt-4o-mini", messages=QUESTION)


@pytest.mark.parametrize("options,message", [
    ({"capture_contents": False}, "unknown option"),
    ({"silent": "yes"}, "must be a bool"),
    ({"redact": 3}, "must be callable"),
    ({"metadata": {"version": 1}}, "str to str"),
])
def test_bad_options_fail_at_autolog_time(options, message):
    with pytest.raises(TypeError, match=message):
        autolog.openai.autolog(**options)
    with pytest.raises(TypeError):
        autolog.autolog(**options)


def test_autolog_twice_gives_one_span(experiment):
    autolog.autolog()
    autolog.openai.autolog()
    chat()
    only_span(experiment)


def test_revert_restores_the_original_functions(experiment):
    original = CHAT.__dict__["create"].__wrapped__
    autolog.revert()
    assert CHAT.__dict__["create"] is original
    assert CHAT.create is original
    assert anthropic.resources.messages.Messages.__dict__["create"].__name__ == "create"
    assert not autolog.is_enabled()
    chat()
    assert traces(experiment) == []
    autolog.autolog()
    chat()
    assert len(traces(experiment)) == 1


def test_disable_option_reverts(experiment):
    autolog.openai.autolog(disable=True)
    assert not isinstance(CHAT.__dict__["create"], wrapt.FunctionWrapper)
    chat()
    assert traces(experiment) == []


def test_disable_and_enable_at_run_time(experiment):
    patched = CHAT.__dict__["create"]
    autolog.disable()
    assert not autolog.is_enabled()
    chat()
    assert traces(experiment) == []
    autolog.enable()
    assert autolog.is_enabled()
    assert CHAT.__dict__["create"] is patched  # no re-patching
    chat()
    assert len(traces(experiment)) == 1


def test_log_traces_false_records_nothing(experiment):
    autolog.autolog(log_traces=False)
    chat()
    assert traces(experiment) == []


def test_suspended_is_per_thread(experiment):
    client = openai.OpenAI(api_key="sk-test", max_retries=0)
    other = []

    def in_thread():
        other.append(chat(client))

    with autolog.suspended():
        assert not autolog.is_enabled()
        chat(client)
        thread = threading.Thread(target=in_thread)
        thread.start()
        thread.join()
    assert autolog.is_enabled()
    assert len(traces(experiment)) == 1  # the other thread's call only


def test_suspended_is_per_task(experiment):
    client = openai.AsyncOpenAI(api_key="sk-test", max_retries=0)

    async def call():
        return await client.chat.completions.create(model="gpt-4o-mini", messages=QUESTION)

    async def quiet():
        with autolog.suspended():
            await asyncio.sleep(0)
            return await call()

    async def main():
        with VCR.use_cassette("openai/chat.yaml", allow_playback_repeats=True):
            await asyncio.gather(quiet(), call())

    asyncio.run(main())
    assert len(traces(experiment)) == 1


def test_mlflow_tracing_disable_is_respected(experiment):
    mlflow.tracing.disable()
    result = chat()
    assert result.choices[0].message.content == "The capital of France is Paris."
    mlflow.tracing.enable()
    assert traces(experiment) == []


def test_capture_content_false(experiment):
    autolog.autolog(capture_content=False)
    chat()
    span = only_span(experiment)
    assert span.inputs is None and span.outputs is None
    assert span.attributes["mlflow.llm.model"] == "gpt-4o-mini-2024-07-18"
    assert span.attributes["mlflow.chat.tokenUsage"]["total_tokens"] == 21
    assert span.status.status_code == "OK"


def test_redact_scrubs_what_is_recorded(experiment):
    def redact(data, what):
        if what == "inputs":
            return {**data, "messages": "[redacted]"}
        data["choices"][0]["message"]["content"] = "[redacted]"
        return data

    autolog.autolog(redact=redact)
    result = chat()
    assert result.choices[0].message.content == "The capital of France is Paris."  # the caller's object is untouched
    span = only_span(experiment)
    assert span.inputs["messages"] == "[redacted]"
    assert span.outputs["choices"][0]["message"]["content"] == "[redacted]"


def test_redact_that_raises_drops_the_content_not_the_call(experiment):
    def redact(data, what):
        raise RuntimeError("boom")

    autolog.autolog(redact=redact)
    assert chat().choices[0].message.content == "The capital of France is Paris."
    span = only_span(experiment)
    assert span.inputs is None and span.outputs is None
    assert span.attributes["mlflow.chat.tokenUsage"]["total_tokens"] == 21


def test_per_provider_options(experiment):
    autolog.anthropic.autolog(capture_content=False)
    chat()
    assert only_span(experiment).outputs is not None  # openai keeps its own (default) options


def test_autolog_before_the_sdk_is_imported(tmp_path):
    script = f"""
import sys
import autolog
autolog.autolog()
assert "openai" not in sys.modules
import mlflow, vcr
mlflow.set_tracking_uri("sqlite:///{tmp_path}/m.db")
mlflow.set_experiment("late-import")
import openai
client = openai.OpenAI(api_key="sk-test", max_retries=0)
with vcr.VCR(cassette_library_dir="{ROOT / 'cassettes'}", record_mode="none").use_cassette("openai/chat.yaml"):
    client.chat.completions.create(model="gpt-4o-mini", messages=[{{"role": "user", "content": "hi"}}])
mlflow.flush_trace_async_logging()
found = mlflow.search_traces(return_type="list")
print("TRACES", len(found), found[0].data.spans[0].outputs["choices"][0]["message"]["content"])
"""
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120)
    assert "TRACES 1 The capital of France is Paris." in out.stdout, out.stderr[-2000:]


def test_context_session_user_metadata_tags(experiment):
    autolog.autolog(metadata={"app_version": "1.0", "env": "test"})
    with autolog.context(session_id="s-1", user_id="u-1", metadata={"feature": "chat"}, tags={"team": "a"}):
        with autolog.context(metadata={"step": "2"}, tags={"team": "b"}):
            chat()
    trace = traces(experiment)[0]
    meta = trace.info.trace_metadata
    assert meta["mlflow.trace.session"] == "s-1"
    assert meta["mlflow.trace.user"] == "u-1"
    assert (meta["app_version"], meta["env"], meta["feature"], meta["step"]) == ("1.0", "test", "chat", "2")
    assert trace.info.tags["team"] == "b"
    found = mlflow.search_traces(locations=[experiment], filter_string="metadata.app_version = '1.0'", return_type="list")
    assert len(found) == 1


def test_context_follows_asyncio_tasks(experiment):
    client = openai.AsyncOpenAI(api_key="sk-test", max_retries=0)

    async def call(session):
        with autolog.context(session_id=session):
            await asyncio.sleep(0)
            await client.chat.completions.create(model="gpt-4o-mini", messages=QUESTION)

    async def main():
        with VCR.use_cassette("openai/chat.yaml", allow_playback_repeats=True):
            await asyncio.gather(*(call(f"s{i}") for i in range(5)))

    asyncio.run(main())
    sessions = sorted(t.info.trace_metadata["mlflow.trace.session"] for t in traces(experiment))
    assert sessions == [f"s{i}" for i in range(5)]


def test_context_rejects_bad_values():
    with pytest.raises(TypeError):
        with autolog.context(session_id=3):
            pass


def test_silent_mutes_and_unmutes_the_logger():
    import logging

    autolog.autolog(silent=True)
    assert logging.getLogger("autolog").getEffectiveLevel() > logging.CRITICAL
    autolog.autolog(silent=False)
    assert logging.getLogger("autolog").getEffectiveLevel() <= logging.WARNING
