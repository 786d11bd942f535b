"""The package's own rows are MLflow's to the column: the same recorded traces written through
MLflow's ``log_spans`` and through the package's row writer leave the same rows in every table."""
import json
import logging
import sqlite3

import anthropic
import mlflow
import openai
import pytest
from mlflow import MlflowClient

import autolog
from autolog._export import sql_rows, sql_sink
from autolog._export.exporter import EXPORTER
from autolog._export.sql_sink import SqlSink
from conftest import ANTHROPIC_HTTP, OPENAI_HTTP, VCR

QUESTION = [{"role": "user", "content": "What is the capital of France? Réponds en français."}]


@pytest.fixture
def recorded(monkeypatch):
    """The traces the calls record, taken before the export queue."""
    taken = []
    monkeypatch.setattr(EXPORTER, "submit", taken.append)
    return taken


def make_calls(tools):
    client = openai.OpenAI(api_key="sk-test", max_retries=0)
    claude = anthropic.Anthropic(api_key="sk-ant-test", max_retries=0)
    with VCR.use_cassette("openai/chat.yaml"):
        client.chat.completions.create(model="gpt-4o-mini", messages=QUESTION)
    with autolog.context(session_id="chat-42", user_id="alice", metadata={"feature": "search"}, tags={"team": "web"}):
        with VCR.use_cassette("openai/chat_stream.yaml"):
            list(client.chat.completions.create(model="gpt-4o-mini", messages=QUESTION, stream=True))
    with VCR.use_cassette("openai/chat_tools.yaml"):
        client.chat.completions.create(model="gpt-4o-mini", messages=QUESTION, tools=tools)
    with VCR.use_cassette("openai/chat_error_429.yaml"), pytest.raises(openai.RateLimitError):
        client.chat.completions.create(model="gpt-4o-mini", messages=QUESTION)
    with VCR.use_cassette("anthropic/messages_stream.yaml"):
        with claude.messages.stream(model="claude-sonnet-4-5", max_tokens=256, messages=QUESTION) as stream:
            stream.get_final_message()
    with VCR.use_cassette("openai/embeddings.yaml"):
        client.embeddings.create(model="text-embedding-3-small", input=["a", "b"])
    autolog.autolog(capture_content=False)
    with VCR.use_cassette("openai/chat.yaml"):
        client.chat.completions.create(model="gpt-4o-mini", messages=QUESTION)


TOOLS = [{"type": "function", "function": {"name": "get_weather", "description": "Weather in a city",
                                            "parameters": {"type": "object", "properties": {"city": {"type": "string"}}}}}]


def store_at(path, artifacts):
    uri = f"sqlite:///{path}"
    client = MlflowClient(tracking_uri=uri)
    experiment_id = client.create_experiment("rows", artifact_location=str(artifacts))
    return uri, experiment_id


def table_rows(path):
    """Every row of every table, with span contents parsed."""
    connection = sqlite3.connect(path)
    try:
        tables = [name for (name,) in connection.execute("SELECT name FROM sqlite_master WHERE type='table'")]
        found = {}
        for table in tables:
            cursor = connection.execute(f"SELECT * FROM {table}")
            columns = [d[0] for d in cursor.description]
            rows = []
            for row in cursor.fetchall():
                record = dict(zip(columns, row))
                if table == "spans":
                    record["content"] = json.loads(record["content"])
                if table == "experiments":
                    record.pop("creation_time"), record.pop("last_update_time")
                rows.append(record)
            found[table] = sorted(rows, key=lambda r: json.dumps(r, sort_keys=True, default=str))
        return found
    finally:
        connection.close()


def written_both_ways(recorded, tmp_path):
    """The recorded traces written through ``log_spans`` into one store and through
    ``SqlSink.write`` (the package's own path for the store) into another."""
    for record in recorded:
        EXPORTER._price(record)
    reference_uri, experiment_id = store_at(tmp_path / "reference.db", tmp_path / "artifacts")
    ours_uri, ours_experiment = store_at(tmp_path / "ours.db", tmp_path / "artifacts")
    assert ours_experiment == experiment_id
    SqlSink(reference_uri, EXPORTER)._write_through_log_spans(experiment_id, recorded)
    ours = SqlSink(ours_uri, EXPORTER)
    ours.write(experiment_id, recorded)
    return ours, (reference_uri, table_rows(tmp_path / "reference.db")), (ours_uri, table_rows(tmp_path / "ours.db"))


def assert_same_rows(recorded, reference, ours):
    (reference_uri, expected), (ours_uri, written) = reference, ours
    assert set(written) == set(expected)
    for table in expected:
        assert written[table] == expected[table], table
    assert len(written["spans"]) == 7 and len(written["trace_info"]) == 7
    # and read back through MLflow, the same traces
    for record in recorded:
        a = MlflowClient(tracking_uri=reference_uri).get_trace(record.trace_id)
        b = MlflowClient(tracking_uri=ours_uri).get_trace(record.trace_id)
        assert a.to_dict() == b.to_dict()


def fallback_messages(caplog):
    return [r for r in caplog.records if r.name == "autolog" and "through MLflow's log_spans" in r.getMessage()]


def test_rows_written_by_the_package_are_the_ones_log_spans_writes(recorded, tmp_path, caplog, monkeypatch):
    """At the newest MLflow the package writes the rows itself; at a schema it does not know (the
    floor's), the same call goes through log_spans, said once at debug. Either way every row of
    every table is the one log_spans writes."""
    from mlflow.store.db.utils import _get_latest_schema_revision

    monkeypatch.setattr(sql_sink, "_said_fallback", False)
    make_calls(TOOLS)
    caplog.set_level(logging.DEBUG, logger="autolog")  # after autolog(), which sets the logger's level
    assert len(recorded) == 7
    ours, reference, written = written_both_ways(recorded, tmp_path)
    assert any("mlflow.llm.cost" in r.attributes for r in recorded), "the test needs a priced call"
    known = _get_latest_schema_revision() in sql_rows.SCHEMAS
    assert (ours.builder is not None) == known
    assert len(fallback_messages(caplog)) == (0 if known else 1)
    assert_same_rows(recorded, reference, written)


def test_a_schema_the_package_does_not_know_goes_through_log_spans_said_once(recorded, tmp_path, caplog,
                                                                              monkeypatch):
    monkeypatch.setattr(sql_rows, "SCHEMAS", {})
    monkeypatch.setattr(sql_sink, "_said_fallback", False)
    make_calls(TOOLS)
    caplog.set_level(logging.DEBUG, logger="autolog")  # after autolog(), which sets the logger's level
    ours, reference, written = written_both_ways(recorded, tmp_path)
    assert ours.builder is None
    SqlSink(f"sqlite:///{tmp_path}/third.db", EXPORTER)  # another store: not said again
    messages = fallback_messages(caplog)
    assert len(messages) == 1 and messages[0].levelno == logging.DEBUG
    assert_same_rows(recorded, reference, written)
