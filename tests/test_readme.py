"""The README's commands and code examples, run as written."""
import json
import os
import re
import subprocess
import sys

import mlflow
import pytest

import autolog

from autolog.__main__ import main as cli
from autolog._cli.traces_table import output_preview
from conftest import ROOT, VCR, echo_client, traces

README = (ROOT / "README.md").read_text()
PYTHON_BLOCKS = re.findall(r"```python\n(.*?)```", README, re.S)
BASH_BLOCKS = re.findall(r"```bash\n(.*?)```", README, re.S)


def test_readme_opens_with_the_two_commands_and_ci_runs_the_second():
    first_block = BASH_BLOCKS[0].strip().splitlines()
    assert README.index("```bash") < README.index("```python")
    install_and_demo, tests = first_block
    assert install_and_demo.endswith("python -m autolog demo")
    assert "pytest" in tests
    assert tests in (ROOT / ".ci" / "run").read_text().splitlines()


@pytest.mark.parametrize("index", range(len(PYTHON_BLOCKS)))
def test_python_examples_run(index, experiment, monkeypatch, capsys):
    monkeypatch.setenv("OPENAI_API_KEY", "sk-readme")
    monkeypatch.setenv("ANTHROPIC_API_KEY", "sk-ant-readme")
    with VCR.use_cassette("readme.yaml"):
        exec(compile(PYTHON_BLOCKS[index], f"README.md python block {index}", "exec"), {"__name__": "readme"})
    if "openai_client" in PYTHON_BLOCKS[index]:  # the quick start: two calls, two traces
        assert "The capital of France is Paris." in capsys.readouterr().out
        assert [t.data.spans[0].name for t in traces(experiment)] == ["Completions.create", "Messages.stream"]


# every provider the package has or will have: user-facing words either list them all or none
PROVIDER_WORDS = ("openai", "anthropic", "gemini", "google-genai", "bedrock", "mistral", "groq", "cohere", "ollama",
                  "litellm")


def test_user_facing_words_do_not_go_stale():
    """The providers are listed where the code says them (autolog.PROVIDERS: --help) and in the
    README's table; the package's description and docstring name none, so none is left out."""
    import importlib
    import tomllib

    done = subprocess.run([sys.executable, "-m", "autolog", "--help"], capture_output=True, text=True, timeout=60)
    help_text = " ".join(done.stdout.split())
    assert all(name in help_text for name in autolog.PROVIDERS), help_text
    table = README.split("## Supported versions", 1)[1].split("\n## ", 1)[0]
    for name in autolog.PROVIDERS:
        assert f"`{importlib.import_module(f'autolog.{name}')._patches.distribution}`" in table, name
    description = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["description"]
    for text in (description, autolog.__doc__, autolog.autolog.__doc__.split("\n\n")[0]):
        assert not [w for w in PROVIDER_WORDS if w in text.lower()], text


def test_performance_section_has_figures():
    assert "PERFORMANCE_TABLE" not in README


def demo_in(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith("MLFLOW_")}
    return subprocess.run([sys.executable, "-m", "autolog", "demo"], cwd=tmp_path, env=env,
                          capture_output=True, text=True, timeout=300)


def test_demo_writes_to_the_default_local_store(tmp_path):
    done = demo_in(tmp_path)
    assert done.returncode == 0, done.stderr[-3000:]
    assert "openai chat, stream  -> The capital of France is Paris." in done.stdout
    [failed] = [line for line in done.stdout.splitlines() if "  ERROR  " in line]  # the table row
    assert "RateLimitError: Error code: 429 - " in failed and "Rate limit reached" in failed  # what failed, and why
    assert (tmp_path / "mlflow.db").exists()
    client = mlflow.MlflowClient(tracking_uri=f"sqlite:///{tmp_path}/mlflow.db")
    experiment = client.get_experiment_by_name("autolog-demo")
    found = client.search_traces(locations=[experiment.experiment_id])
    assert "groq stream          -> The capital of France is Paris." in done.stdout
    assert len(found) == 12
    states = sorted(str(t.info.state).replace("TraceState.", "") for t in found)
    assert states == ["ERROR"] + ["OK"] * 11
    providers = {t.data.spans[0].attributes["mlflow.llm.provider"] for t in found}
    assert providers == {"openai", "anthropic", "gemini", "ollama", "bedrock", "groq", "mistral"}
    assert "bedrock stream       -> The capital of France is Paris." in done.stdout


def test_traces_command(tmp_path, capsys, experiment, tracking_uri):
    with VCR.use_cassette("openai/chat.yaml"):
        import openai

        openai.OpenAI(api_key="sk-test", max_retries=0).chat.completions.create(
            model="gpt-4o-mini", messages=[{"role": "user", "content": "What is the capital of France?"}])
    autolog.flush()
    name = mlflow.get_experiment(experiment).name
    assert cli(["traces", "--tracking-uri", tracking_uri, "--experiment", name, "--last", "5"]) == 0
    out = capsys.readouterr().out
    header, rule, row, total = out.strip().splitlines()
    assert header.split() == ["time", "provider", "model", "in", "tok", "of", "which", "cached", "out", "tok", "ms",
                              "status", "cost", "output"]
    assert "openai" in row and "gpt-4o-mini-2024-07-18" in row and "14" in row and "OK" in row
    assert "The capital of France is Paris." in row
    cost = mlflow.get_trace(mlflow.get_last_active_trace_id()).info.trace_metadata["mlflow.trace.cost"]
    dollars = f"${json.loads(cost)['total_cost']:.6f}"
    assert dollars in row
    assert total == f"total: 1 trace(s), 14 in tok, 7 out tok, {dollars}"


def test_traces_command_narrows_by_session_user_and_filter(capsys, experiment, tracking_uri):
    client = echo_client()
    with autolog.context(session_id="chat-1", user_id="alice", metadata={"app_version": "1.0"}):
        client.chat.completions.create(model="gpt-4o-mini", messages=[{"role": "user", "content": "first"}])
    with autolog.context(session_id="chat-2", user_id="bob", metadata={"app_version": "2.0"}):
        client.chat.completions.create(model="gpt-4o-mini", messages=[{"role": "user", "content": "second"}])
    autolog.flush()
    name = mlflow.get_experiment(experiment).name
    for args, answer in ((["--session", "chat-1"], "echo first"), (["--user", "bob"], "echo second"),
                         (["--filter", "metadata.app_version = '1.0'"], "echo first")):
        assert cli(["traces", "--tracking-uri", tracking_uri, "--experiment", name, *args]) == 0
        rows = capsys.readouterr().out.strip().splitlines()[2:-1]
        assert len(rows) == 1 and rows[0].endswith(answer), (args, rows)


@pytest.mark.parametrize("args,message", [
    (["--tracking-uri", "sqlite:////no/such/dir/mlflow.db"], "no MLflow store"),
    (["--tracking-uri", "bogus://x"], "unsupported tracking URI"),
    (["--experiment", "no-such-experiment"], "no experiment named"),
    (["--filter", "metadata.x ==== 'y'"], "could not read traces"),
])
def test_traces_command_errors_are_one_line(args, message, capsys, tracking_uri):
    if "--tracking-uri" not in args:
        args = args + ["--tracking-uri", tracking_uri]
    assert cli(["traces", *args]) == 1
    err = capsys.readouterr().err.strip()
    assert message in err and len(err.splitlines()) == 1


def test_output_preview_shapes():
    assert output_preview({"choices": [{"message": {"content": "one two three"}}]}) == "one two three"
    assert output_preview({"choices": [{"message": {"content": [
        {"type": "thinking", "thinking": [{"type": "text", "text": "hmm"}]}, {"type": "text", "text": "Paris."}]}}]}) == "Paris."
    assert output_preview({"content": [{"type": "text", "text": "a b c d e f g h i j"}]}) == "a b c d e f g h ..."
    assert output_preview({"output": [{"content": [{"type": "output_text", "text": "Paris"}]}]}) == "Paris"
    assert output_preview({"data": [1, 2]}) == "[2 embedding(s)]"
