"""Nothing lost and nothing broken where programs really run: a first run in a folder with no store,
short scripts, several processes on one sqlite file, exits with traces queued, SIGTERM, a tracking
server or a database that goes away and comes back, a writer hit by BaseException.

Each program runs as users run it: its own process, MLflow's settings as a user has them (the
price catalog not switched off), and the traces are read back afterwards by this process."""
import os
import signal
import sqlite3
import subprocess
import sys
import textwrap
import threading
import time

import mlflow
import pytest

import autolog
from autolog._export import exporter as _export
from autolog._export import sql_sink
from conftest import ROOT, echo_client
from servers import mlflow_server, postgres_cluster

PRELUDE = """
import os, sys, time
sys.path.insert(0, {tests!r})
import autolog
from echo import echo_client
autolog.autolog({options})
client = echo_client()
def ask(text):
    client.chat.completions.create(model="gpt-4o-mini", messages=[{{"role": "user", "content": text}}])
"""


def program(body: str, folder, options: str = "", uri: str | None = None) -> list[str]:
    script = folder / f"program_{abs(hash(body)) % 10**8}.py"
    script.write_text(PRELUDE.format(tests=str(ROOT / "tests"), options=options) + textwrap.dedent(body))
    env = {k: v for k, v in os.environ.items() if not k.startswith("MLFLOW_")}
    if uri is not None:
        env["MLFLOW_TRACKING_URI"] = uri
    return [sys.executable, str(script)], env


def run(body: str, folder, options: str = "", uri: str | None = None, timeout: float = 240):
    command, env = program(body, folder, options, uri)
    return subprocess.run(command, capture_output=True, text=True, timeout=timeout, env=env, cwd=folder)


def asked(uri: str) -> list[str]:
    """The questions of every trace in the store, read through MLflow (which refuses a store it
    cannot open), across every experiment."""
    client = mlflow.MlflowClient(tracking_uri=uri)
    found, token = [], None
    experiments = [e.experiment_id for e in client.search_experiments()]
    while True:
        page = client.search_traces(locations=experiments, max_results=500, page_token=token)
        found.extend(page)
        token = page.token
        if not token:
            break
    return sorted(t.data.spans[0].inputs["messages"][0]["content"] for t in found)


def in_progress_rows(path) -> int:
    with sqlite3.connect(path) as connection:
        return connection.execute("SELECT COUNT(*) FROM trace_info WHERE status = 'IN_PROGRESS'").fetchone()[0]


def test_a_first_run_in_an_empty_folder_stores_its_trace_and_a_usable_store(tmp_path):
    done = run('ask("only")\n', tmp_path)
    assert done.returncode == 0, done.stderr[-2000:]
    assert asked(f"sqlite:///{tmp_path}/mlflow.db") == ["only"]
    assert not list(tmp_path.glob("mlflow.db.autolog-*"))  # the private file the store was made in is gone


def test_four_first_runs_at_once_make_one_store_and_store_every_trace(tmp_path):
    body = """
        for i in range(25):
            ask(f"{os.getpid()}-{i}")
        print(os.getpid())
    """
    command, env = program(body, tmp_path)
    started = [subprocess.Popen(command, env=env, cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                text=True) for _ in range(4)]
    outputs = [p.communicate(timeout=300) for p in started]
    assert all(p.returncode == 0 for p in started), [o[1][-1500:] for o in outputs]
    pids = [o[0].strip() for o in outputs]
    assert asked(f"sqlite:///{tmp_path}/mlflow.db") == sorted(f"{pid}-{i}" for pid in pids for i in range(25))


def test_a_short_script_of_200_calls_stores_every_trace_at_exit(tmp_path):
    done = run("""
        for i in range(200):
            ask(f"q{i}")
    """, tmp_path)
    assert done.returncode == 0, done.stderr[-2000:]
    assert asked(f"sqlite:///{tmp_path}/mlflow.db") == sorted(f"q{i}" for i in range(200))
    assert "not stored" not in done.stderr


def test_four_processes_on_one_sqlite_file_store_every_trace_whole(tmp_path):
    uri = f"sqlite:///{tmp_path}/shared.db"
    mlflow.MlflowClient(tracking_uri=uri).search_experiments()  # the store exists, as in a deployment
    body = """
        import threading
        def work(t):
            for i in range(100):
                ask(f"{os.getpid()}-{t}-{i}")
        threads = [threading.Thread(target=work, args=(t,)) for t in range(3)]
        [t.start() for t in threads]
        [t.join() for t in threads]
        print(os.getpid())
    """
    command, env = program(body, tmp_path, uri=uri)
    started = [subprocess.Popen(command, env=env, cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                text=True) for _ in range(4)]
    outputs = [p.communicate(timeout=300) for p in started]
    assert all(p.returncode == 0 for p in started), [o[1][-1500:] for o in outputs]
    pids = [o[0].strip() for o in outputs]
    stored = asked(uri)
    assert stored == sorted(f"{pid}-{t}-{i}" for pid in pids for t in range(3) for i in range(100)), (
        len(stored), [o[1][-600:] for o in outputs])
    assert in_progress_rows(tmp_path / "shared.db") == 0


def test_what_the_exit_counts_as_dropped_is_absent_from_the_store(tmp_path):
    """A store that takes a batch of ten traces every second, and an exit bound of three seconds:
    what is left is counted as dropped, and exactly that is missing, with no half-written trace."""
    mlflow.MlflowClient(tracking_uri=f"sqlite:///{tmp_path}/mlflow.db").search_experiments()
    done = run("""
        import atexit, json
        from autolog._export import exporter, sql_sink
        exporter.BATCH_SIZE = 10  # 300 traces then take 30 s to write, however fast the calls come
        write = sql_sink.SqlSink.write
        def slow(self, experiment_id, records):
            time.sleep(1.0)
            return write(self, experiment_id, records)
        sql_sink.SqlSink.write = slow
        atexit.register(lambda: print("STATS", json.dumps(autolog.stats())))  # runs after the exit flush
        for i in range(300):
            ask(f"q{i}")
    """, tmp_path, options="exit_timeout=3.0, exit_limit=3.0")
    assert done.returncode == 0, done.stderr[-2000:]
    import json

    stats = json.loads(done.stdout.split("STATS", 1)[1])
    stored = asked(f"sqlite:///{tmp_path}/mlflow.db")
    assert stats["recorded"] == 300 and stats["dropped"] > 0
    assert len(stored) == stats["exported"]
    assert stats["exported"] + stats["dropped"] + stats["failed"] == 300
    assert in_progress_rows(tmp_path / "mlflow.db") == 0
    assert "dropped" in done.stderr


@pytest.mark.parametrize("store", ["new", "existing"])
def test_sigterm_writes_every_recorded_trace_then_ends_by_sigterm(tmp_path, store):
    if store == "existing":
        mlflow.MlflowClient(tracking_uri=f"sqlite:///{tmp_path}/mlflow.db").search_experiments()
    command, env = program("""
        i = 0
        while True:
            ask(f"q{i}")
            print(f"done q{i}", flush=True)
            i += 1
    """, tmp_path)
    process = subprocess.Popen(command, env=env, cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               text=True)
    lines = []
    reader = threading.Thread(target=lambda: lines.extend(process.stdout), daemon=True)
    reader.start()
    deadline = time.monotonic() + 60
    while not lines and time.monotonic() < deadline:
        time.sleep(0.05)
    time.sleep(2.0)
    process.send_signal(signal.SIGTERM)
    process.wait(120)
    reader.join(10)
    assert process.returncode == -signal.SIGTERM, process.stderr.read()[-2000:]
    answered = [line.split()[1] for line in lines if line.startswith("done ")]
    stored = asked(f"sqlite:///{tmp_path}/mlflow.db")
    assert len(answered) > 20
    # every call that returned is stored; at most the call the signal interrupted is stored beside them
    assert set(answered) <= set(stored) and len(stored) - len(answered) <= 1
    assert in_progress_rows(tmp_path / "mlflow.db") == 0


def test_an_application_handler_for_sigterm_is_kept(tmp_path):
    script = tmp_path / "own_handler.py"
    script.write_text(textwrap.dedent("""
        import signal
        def mine(*args):
            pass
        signal.signal(signal.SIGTERM, mine)
        import autolog
        autolog.autolog()
        print("KEPT" if signal.getsignal(signal.SIGTERM) is mine else "REPLACED")
    """))
    done = subprocess.run([sys.executable, str(script)], cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert done.stdout.strip() == "KEPT", done.stderr[-2000:]


def test_the_writer_carries_on_after_a_base_exception(experiment, monkeypatch, caplog):
    monkeypatch.setenv("MLFLOW_ENABLE_ASYNC_TRACE_LOGGING", "true")
    write = sql_sink.SqlSink.write
    raised = []

    def once(self, experiment_id, records):
        if not raised:
            raised.append(len(records))
            raise SystemExit("a library called sys.exit() on the writer's thread")
        return write(self, experiment_id, records)

    monkeypatch.setattr(sql_sink.SqlSink, "write", once)
    before = autolog.stats()
    client = echo_client()
    client.chat.completions.create(model="gpt-4o-mini", messages=[{"role": "user", "content": "first"}])
    assert autolog.flush(30)
    for i in range(5):
        client.chat.completions.create(model="gpt-4o-mini", messages=[{"role": "user", "content": f"q{i}"}])
    assert autolog.flush(30)
    after = autolog.stats()
    assert raised == [1]
    assert (after["exported"] - before["exported"], after["failed"] - before["failed"]) == (5, 1)
    assert "internal error" in caplog.text


def test_a_writer_that_is_gone_is_replaced_and_the_loss_said(experiment, monkeypatch, caplog):
    monkeypatch.setenv("MLFLOW_ENABLE_ASYNC_TRACE_LOGGING", "true")
    client = echo_client()
    client.chat.completions.create(model="gpt-4o-mini", messages=[{"role": "user", "content": "warm"}])
    assert autolog.flush(30)
    running = _export.EXPORTER._thread
    gone = threading.Thread(target=lambda: None)
    gone.start()
    gone.join()
    _export.EXPORTER._thread = gone  # as if the writer thread had ended (its replacement stays)
    started = time.monotonic()
    client.chat.completions.create(model="gpt-4o-mini", messages=[{"role": "user", "content": "after"}])
    assert time.monotonic() - started < 1.0  # no call waits on a writer that is not running
    assert autolog.flush(30)
    assert "export writer thread had stopped" in caplog.text
    assert _export.EXPORTER._thread is not gone and _export.EXPORTER._thread.is_alive()
    # the writer it replaced (here still running) stops: never two writers taking from one queue
    running.join(10)
    assert not running.is_alive()
    for i in range(3):
        client.chat.completions.create(model="gpt-4o-mini", messages=[{"role": "user", "content": f"more {i}"}])
        assert autolog.flush(30)
    writers = [t for t in threading.enumerate() if t.name == "autolog-export"]
    assert writers == [_export.EXPORTER._thread]


def test_an_application_patching_time_monotonic_does_not_stop_the_writer(experiment, monkeypatch):
    """anthropic's own tests patch time.monotonic with a clock that only works in their event loop."""
    monkeypatch.setenv("MLFLOW_ENABLE_ASYNC_TRACE_LOGGING", "true")

    def broken():
        raise RuntimeError("no running event loop")

    monkeypatch.setattr(time, "monotonic", broken)
    client = echo_client()
    for i in range(5):
        client.chat.completions.create(model="gpt-4o-mini", messages=[{"role": "user", "content": f"q{i}"}])
    monkeypatch.undo()
    assert autolog.flush(30)
    found = mlflow.search_traces(locations=[experiment], return_type="list")
    assert len(found) == 5


def test_a_tracking_server_down_for_a_while_loses_nothing(tmp_path):
    """20 calls a second while the server is down for 8 seconds and restarting: the writer retries,
    the queue holds them, and every trace is stored once the server is back."""
    with mlflow_server(f"sqlite:///{tmp_path}/backend.db", tmp_path, handle=True) as server:
        command, env = program("""
            i = 0
            started = time.monotonic()
            while time.monotonic() - started < 14:
                ask(f"q{i}")
                i += 1
                time.sleep(0.05)
            print("ASKED", i, flush=True)
            assert autolog.flush(120)
            print("STATS", autolog.stats(), flush=True)
        """, tmp_path, uri=server.uri)
        process = subprocess.Popen(command, env=env, cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                   text=True)
        time.sleep(4)
        server.stop()
        time.sleep(8)
        server.start()
        out, err = process.communicate(timeout=240)
        assert process.returncode == 0, err[-2000:]
        count = int(out.split("ASKED", 1)[1].split()[0])
        assert count > 100
        assert asked(server.uri) == sorted(f"q{i}" for i in range(count))


def test_a_postgres_store_restarted_mid_stream_loses_nothing(tmp_path):
    with postgres_cluster(handle=True) as database:
        mlflow.MlflowClient(tracking_uri=database.uri).search_experiments()  # the store exists
        command, env = program("""
            i = 0
            started = time.monotonic()
            while time.monotonic() - started < 12:
                ask(f"q{i}")
                i += 1
                time.sleep(0.05)
            print("ASKED", i, flush=True)
            assert autolog.flush(120)
        """, tmp_path, uri=database.uri)
        process = subprocess.Popen(command, env=env, cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                   text=True)
        time.sleep(4)
        database.stop()
        time.sleep(5)
        database.start()
        out, err = process.communicate(timeout=240)
        assert process.returncode == 0, err[-2000:]
        count = int(out.split("ASKED", 1)[1].split()[0])
        assert asked(database.uri) == sorted(f"q{i}" for i in range(count))
