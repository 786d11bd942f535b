"""Each provider works without the other SDK installed, and clients made before autolog() are traced."""
import contextvars
import subprocess
import sys
import threading

import openai

import autolog
from conftest import ROOT, VCR, only_span, traces

QUESTION = [{"role": "user", "content": "What is the capital of France?"}]

WITHOUT = """
import sys

class Missing:
    def find_spec(self, name, path=None, target=None):
        if any(name == hidden or name.startswith(hidden + ".") for hidden in {missing!r}):
            raise ImportError(f"No module named {{name!r}} (hidden for this test)")

sys.meta_path.insert(0, Missing())
import mlflow, vcr
mlflow.set_tracking_uri("sqlite:///{tmp}/m.db")
mlflow.set_experiment("alone")
import autolog
autolog.{provider}.autolog()
autolog.autolog()  # every provider: the missing one is simply not patched
cassettes = vcr.VCR(cassette_library_dir="{cassettes}", record_mode="none")
{call}
mlflow.flush_trace_async_logging()
found = mlflow.search_traces(return_type="list")
print("TRACES", len(found), found[0].data.spans[0].attributes["mlflow.llm.provider"])
"""

ANTHROPIC_CALL = """
import anthropic
with cassettes.use_cassette("anthropic/messages.yaml"):
    anthropic.Anthropic(api_key="k", max_retries=0).messages.create(
        model="claude-sonnet-4-5", max_tokens=256, messages=[{"role": "user", "content": "hi"}])
"""

OPENAI_CALL = """
import openai
with cassettes.use_cassette("openai/chat.yaml"):
    openai.OpenAI(api_key="k", max_retries=0).chat.completions.create(
        model="gpt-4o-mini", messages=[{"role": "user", "content": "hi"}])
"""


GEMINI_CALL = """
from autolog._cli.demo import gemini_client
client = gemini_client()
list(client.models.generate_content_stream(model="gemini-2.5-flash", contents="hi"))
"""


def run_without(missing, provider, call, tmp_path):
    missing = (missing,) if isinstance(missing, str) else tuple(missing)
    script = WITHOUT.format(missing=missing, tmp=tmp_path, provider=provider, cassettes=ROOT / "cassettes", call=call)
    return subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=180)


def test_anthropic_without_openai(tmp_path):
    done = run_without("openai", "anthropic", ANTHROPIC_CALL, tmp_path)
    assert "TRACES 1 anthropic" in done.stdout, done.stderr[-2000:]


def test_openai_without_anthropic(tmp_path):
    done = run_without("anthropic", "openai", OPENAI_CALL, tmp_path)
    assert "TRACES 1 openai" in done.stdout, done.stderr[-2000:]


def test_gemini_without_openai_and_anthropic(tmp_path):
    done = run_without(("openai", "anthropic"), "gemini", GEMINI_CALL, tmp_path)
    assert "TRACES 1 gemini" in done.stdout, done.stderr[-2000:]


def test_client_made_before_autolog(experiment):
    autolog.revert()
    client = openai.OpenAI(api_key="sk-test", max_retries=0)
    raw = client.chat.completions.with_raw_response  # noqa: F841  (resources made before the patch)
    autolog.autolog()
    with VCR.use_cassette("openai/chat.yaml"):
        client.chat.completions.create(model="gpt-4o-mini", messages=QUESTION)
    only_span(experiment)


def test_context_follows_copied_context_into_threads(experiment):
    client = openai.OpenAI(api_key="sk-test", max_retries=0)

    def call():
        with VCR.use_cassette("openai/chat.yaml"):
            client.chat.completions.create(model="gpt-4o-mini", messages=QUESTION)

    with autolog.context(session_id="thread-session"):
        copied = contextvars.copy_context()
    thread = threading.Thread(target=copied.run, args=(call,))
    thread.start()
    thread.join()
    [trace] = traces(experiment)
    assert trace.info.trace_metadata["mlflow.trace.session"] == "thread-session"


BELOW_FLOOR = """
from importlib import metadata

installed = metadata.version
metadata.version = lambda name: "0.9.0" if name == "anthropic" else installed(name)  # older than the floor, 1.0

import mlflow, vcr
mlflow.set_tracking_uri("sqlite:///{tmp}/m.db")
mlflow.set_experiment("below-floor")
import autolog
autolog.autolog()
import anthropic, openai  # patched at import, but for the SDK below its floor
autolog.autolog()
autolog.anthropic.autolog()
cassettes = vcr.VCR(cassette_library_dir="{cassettes}", record_mode="none")
with cassettes.use_cassette("anthropic/messages_stream.yaml"):
    stream = anthropic.Anthropic(api_key="k", max_retries=0).messages.create(
        model="claude-sonnet-4-5", max_tokens=256, messages=[{{"role": "user", "content": "hi"}}], stream=True)
    print("SDK STREAM", type(stream) is anthropic.Stream, isinstance(stream, anthropic.Stream), len(list(stream)))
with cassettes.use_cassette("openai/chat.yaml"):
    openai.OpenAI(api_key="k", max_retries=0).chat.completions.create(
        model="gpt-4o-mini", messages=[{{"role": "user", "content": "hi"}}])
autolog.flush()
print("TRACES", [t.data.spans[0].attributes["mlflow.llm.provider"] for t in mlflow.search_traces(return_type="list")])
"""


def test_an_sdk_older_than_its_floor_is_left_alone_and_said_once(tmp_path):
    script = BELOW_FLOOR.format(tmp=tmp_path, cassettes=ROOT / "cassettes")
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=180)
    assert "SDK STREAM True True" in done.stdout, done.stderr[-2000:]
    assert "TRACES ['openai']" in done.stdout  # the other SDK is traced as ever
    said = [line for line in done.stderr.splitlines() if "older than the oldest release" in line]
    assert said == ["autolog: anthropic 0.9.0 is older than the oldest release this package supports (1.0); its calls "
                    "are not traced. Upgrade it: pip install 'anthropic>=1.0'."]
