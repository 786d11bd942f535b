"""``python -m autolog traces``: a SQLite store read straight from its file (MLflow is not even
imported) row for row as MLflow's client reads it; a store it cannot open said in one line."""
import sqlite3
import subprocess
import sys

import anthropic
import mlflow
import pytest
from google.genai import types

import autolog
from autolog._cli import sqlite_store, stores
from autolog._cli.traces_table import trace_row
from conftest import OPENAI_HTTP, ROOT, VCR, echo_client

QUESTION = [{"role": "user", "content": "What is the capital of France?"}]


def rate_limited(request):
    return OPENAI_HTTP.Response(429, json={"error": {"message": "Rate limit reached for gpt-4o-mini",
                                                     "type": "requests", "code": "rate_limit_exceeded"}})


def some_traces():
    """Chat, session and user, an error, an Anthropic stream, Gemini's function-calling loop."""
    with autolog.context(session_id="s-1", user_id="alice"):
        echo_client().chat.completions.create(model="gpt-4o-mini", messages=[{"role": "user", "content": "first"}])
    failing = echo_client().with_options(http_client=OPENAI_HTTP.Client(transport=OPENAI_HTTP.MockTransport(rate_limited)))
    with pytest.raises(Exception):
        failing.chat.completions.create(model="gpt-4o-mini", messages=QUESTION)
    with VCR.use_cassette("anthropic/messages_stream.yaml"):
        with anthropic.Anthropic(api_key="k", max_retries=0).messages.stream(
                model="claude-sonnet-4-5", max_tokens=256, messages=QUESTION) as stream:
            stream.get_final_message()
    from autolog._cli.demo import gemini_client

    def get_weather(city: str) -> str:
        """Weather for a city."""
        return f"sunny in {city}"

    client = gemini_client(ROOT / "cassettes" / "gemini" / "afc.yaml")  # kept: some releases close its HTTP client
    client.models.generate_content(
        model="gemini-2.5-flash", contents="Weather in Paris?", config=types.GenerateContentConfig(tools=[get_weather]))
    autolog.flush()
    mlflow.flush_trace_async_logging()


def test_a_sqlite_store_reads_as_mlflow_reads_it(experiment, tracking_uri):
    some_traces()
    path = stores.sqlite_path(tracking_uri)
    name = mlflow.get_experiment(experiment).name
    for session, user, expected in ((None, None, 4), ("s-1", None, 1), (None, "alice", 1)):
        direct = [trace_row(t) for t in sqlite_store.read(path, tracking_uri, name, 10, session, user)]
        through_mlflow = [trace_row(t) for t in stores._read_through_mlflow(
            tracking_uri, name, 10, stores.filter_for(session, user))]
        assert direct == through_mlflow and len(direct) == expected
    rows = [trace_row(t) for t in sqlite_store.read(path, tracking_uri, name, 10)]
    assert [r["provider"] for r in rows] == ["gemini", "anthropic", "openai", "openai"]
    failed = rows[2]
    assert failed["status"] == "ERROR"
    assert failed["output"].startswith("RateLimitError: Error code: 429 - ")  # the message, not just the type
    assert "Rate limit reached" in failed["output"]


def test_cache_tokens_are_shown_apart(experiment, tracking_uri, capsys):
    """Anthropic's input tokens include the prompt cache's reads and writes: the table says how many."""
    from autolog.__main__ import main

    with VCR.use_cassette("anthropic/messages.yaml"):
        anthropic.Anthropic(api_key="k", max_retries=0).messages.create(
            model="claude-sonnet-4-5", max_tokens=256, messages=QUESTION)
    autolog.flush()
    assert main(["traces", "--tracking-uri", tracking_uri, "--experiment", mlflow.get_experiment(experiment).name]) == 0
    header, _, row, total = capsys.readouterr().out.strip().splitlines()
    column = header.index("of which cached")
    assert row[column:].startswith("2000 read, 100 written")
    assert row[header.index("in tok"):].startswith("2112 ")  # 12 new, 2000 read from the cache, 100 written to it
    assert "2112 in tok (of which cached: 2000 read, 100 written)" in total


def cli(*args):
    return subprocess.run([sys.executable, "-m", "autolog", "traces", *args], capture_output=True, text=True,
                          timeout=120, cwd=ROOT)


def test_listing_a_sqlite_store_does_not_import_mlflow(experiment, tracking_uri):
    echo_client().chat.completions.create(model="gpt-4o-mini", messages=[{"role": "user", "content": "hi"}])
    autolog.flush()
    name = mlflow.get_experiment(experiment).name
    done = subprocess.run([sys.executable, "-c", (
        "import sys\nfrom autolog.__main__ import main\n"
        f"code = main(['traces', '--tracking-uri', {tracking_uri!r}, '--experiment', {name!r}])\n"
        "print('EXIT', code, 'mlflow imported:', 'mlflow' in sys.modules)")], capture_output=True, text=True,
        timeout=120)
    assert "echo hi" in done.stdout, done.stderr[-2000:]
    assert "EXIT 0 mlflow imported: False" in done.stdout


def copy_of(tracking_uri, tmp_path):
    """A copy of the test store, taken the way SQLite copies a database in use."""
    path = tmp_path / "copy.db"
    with sqlite3.connect(stores.sqlite_path(tracking_uri)) as source, sqlite3.connect(path) as target:
        source.backup(target)
    return path


def with_schema(version):
    def change(path):
        with sqlite3.connect(path) as db:
            db.execute("UPDATE alembic_version SET version_num = ?", (version,))
    return change


def damaged(path):
    size = path.stat().st_size
    with open(path, "r+b") as file:
        file.seek(4096)
        file.write(b"\xff" * (size - 4096))


def not_a_database(path):
    path.write_text("a text file\n")


def another_database(path):
    path.unlink()
    with sqlite3.connect(path) as db:
        db.execute("CREATE TABLE notes (text TEXT)")


OLD_REVISION = sorted(sqlite_store.migrations()[0] - {sqlite_store.migrations()[1]})[0]


@pytest.mark.parametrize("spoil,args,said", [
    (with_schema(OLD_REVISION), [], "has an out-of-date schema"),
    (with_schema(OLD_REVISION), ["--filter", "attributes.status = 'OK'"], "has an out-of-date schema"),  # via MLflow
    (with_schema("ffffffffffff"), [], "was written by a newer MLflow"),
    (damaged, [], "is damaged"),
    (not_a_database, [], "is not an MLflow store (not a SQLite database)"),
    (another_database, [], "is a SQLite database but not an MLflow store"),
], ids=["out-of-date", "out-of-date-through-mlflow", "newer", "damaged", "not-a-database", "another-database"])
def test_a_store_it_cannot_open_is_said_in_one_line(tracking_uri, tmp_path, spoil, args, said):
    path = copy_of(tracking_uri, tmp_path)
    spoil(path)
    done = cli("--tracking-uri", f"sqlite:///{path}", *args)
    assert done.returncode == 1 and done.stdout == ""
    [line] = done.stderr.splitlines()
    assert line.startswith("autolog traces: ") and said in line, done.stderr


def test_a_locked_store_is_said_in_one_line(tracking_uri, tmp_path):
    path = copy_of(tracking_uri, tmp_path)
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("BEGIN EXCLUSIVE")  # another process writing
    try:
        done = cli("--tracking-uri", f"sqlite:///{path}")
    finally:
        holder.close()
    assert done.returncode == 1
    assert done.stderr.splitlines() == [f"autolog traces: the MLflow store at {path} is locked by another process; "
                                        f"try again once it is done"]
    assert cli("--tracking-uri", f"sqlite:///{path}").returncode == 0  # and once it is done


def test_a_cost_too_small_for_six_decimals_is_not_shown_as_zero():
    from autolog._cli.traces_table import _dollars

    assert _dollars(4e-8) == "<$0.000001"  # two embedding tokens of text-embedding-3-small
    assert _dollars(0.0) == "$0.000000"
    assert _dollars(0.0012345) == "$0.001234" or _dollars(0.0012345) == "$0.001235"
    assert _dollars(None) == ""
