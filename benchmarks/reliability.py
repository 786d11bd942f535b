"""Where users really run: first runs, short scripts, several processes, exits with traces queued,
an outage of the tracking server, SIGTERM. Each situation is a real program in a process of its
own, with MLflow's settings as a user has them; the traces are counted afterwards by this process.

    python benchmarks/reliability.py [--catalog unset|empty] [--python PATH]   # writes reliability_results.json

``--catalog empty`` runs the programs with MLFLOW_MODEL_CATALOG_URI="" (MLflow's remote price
catalog switched off); by default it is unset, as users have it. ``--python`` runs the programs
with another interpreter (a virtual environment with LiteLLM installed, say)."""
from __future__ import annotations

import argparse
import json
import os
import signal
import sqlite3
import subprocess
import sys
import tempfile
import textwrap
import threading
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
TESTS = HERE.parent / "tests"
sys.path.insert(0, str(TESTS))

from servers import mlflow_server  # noqa: E402

PRELUDE = """
import os, sys, time
sys.path.insert(0, {tests!r})
from echo import echo_client
if {sut!r} == "project":
    import autolog
    autolog.autolog()
elif {sut!r} == "mlflow":
    import mlflow.openai
    mlflow.openai.autolog()
client = echo_client()
def ask(text):
    client.chat.completions.create(model="gpt-4o-mini", messages=[{{"role": "user", "content": text}}])
"""


class Runner:
    def __init__(self, python: str, catalog: str) -> None:
        self.python = python
        self.catalog = catalog

    def command(self, body: str, folder: Path, sut: str = "project", uri: str | None = None):
        script = folder / f"program-{time.monotonic_ns()}.py"
        script.write_text(PRELUDE.format(tests=str(TESTS), sut=sut) + textwrap.dedent(body))
        env = {k: v for k, v in os.environ.items() if not k.startswith("MLFLOW_")}
        if self.catalog == "empty":
            env["MLFLOW_MODEL_CATALOG_URI"] = ""
        if uri is not None:
            env["MLFLOW_TRACKING_URI"] = uri
        return [self.python, str(script)], env

    def run(self, body: str, folder: Path, sut: str = "project", uri: str | None = None, timeout: float = 600):
        command, env = self.command(body, folder, sut, uri)
        return subprocess.run(command, env=env, cwd=folder, capture_output=True, text=True, timeout=timeout)

    def start(self, body: str, folder: Path, sut: str = "project", uri: str | None = None):
        command, env = self.command(body, folder, sut, uri)
        return subprocess.Popen(command, env=env, cwd=folder, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                text=True)


def store_state(path: Path) -> dict:
    """What another process finds: whether MLflow opens the store, the traces it lists, and rows
    left IN_PROGRESS."""
    from mlflow import MlflowClient

    uri = f"sqlite:///{path}"
    if not path.exists():
        return {"opens": None, "traces": 0, "in_progress": 0}
    try:
        client = MlflowClient(tracking_uri=uri)
        experiments = [e.experiment_id for e in client.search_experiments()]
        traces, token = 0, None
        while True:
            page = client.search_traces(locations=experiments, max_results=500, page_token=token, include_spans=False)
            traces += len(page)
            token = page.token
            if not token:
                break
    except Exception as error:
        return {"opens": False, "error": f"{type(error).__name__}: {str(error)[:160]}", "traces": 0, "in_progress": 0}
    with sqlite3.connect(path) as connection:
        in_progress = connection.execute("SELECT COUNT(*) FROM trace_info WHERE status = 'IN_PROGRESS'").fetchone()[0]
    return {"opens": True, "traces": traces, "in_progress": in_progress}


def first_runs(runner: Runner, scratch: Path, runs: int, processes: int, sut: str) -> dict:
    broken = lost = 0
    for i in range(runs):
        folder = scratch / f"first-{sut}-{processes}-{i}"
        folder.mkdir()
        started = [runner.start('ask("only")\n', folder, sut) for _ in range(processes)]
        for process in started:
            process.communicate(timeout=600)
        state = store_state(folder / "mlflow.db")
        broken += state["opens"] is False
        lost += processes - state["traces"]
    result = {"runs": runs, "processes": processes, "broken_stores": broken, "lost_traces": lost}
    print(f"first runs ({sut}, {processes} process(es) at once): {result}", flush=True)
    return result


def calls_then_exit(runner: Runner, scratch: Path, threads: int, calls: int, sut: str = "project") -> dict:
    folder = scratch / f"exit-{sut}-{threads}x{calls}"
    folder.mkdir()
    runner.run("import mlflow\nmlflow.search_experiments()\n", folder, "raw")  # an existing store
    started = time.monotonic()
    done = runner.run(f"""
        import threading
        def work(t):
            for i in range({calls}):
                ask(f"{{t}}-{{i}}")
        threads = [threading.Thread(target=work, args=(t,)) for t in range({threads})]
        [t.start() for t in threads]
        [t.join() for t in threads]
    """, folder, sut)
    result = {"calls": threads * calls, **store_state(folder / "mlflow.db"), "seconds": time.monotonic() - started,
              "warnings": [line for line in done.stderr.splitlines() if "autolog:" in line][-2:]}
    print(f"{threads} x {calls} then exit ({sut}): {result}", flush=True)
    return result


def processes_on_one_file(runner: Runner, scratch: Path, processes: int, calls: int) -> dict:
    folder = scratch / "shared"
    folder.mkdir()
    runner.run("import mlflow\nmlflow.search_experiments()\n", folder, "raw")
    started = [runner.start(f"""
        for i in range({calls}):
            ask(f"{{os.getpid()}}-{{i}}")
    """, folder) for _ in range(processes)]
    for process in started:
        process.communicate(timeout=900)
    result = {"calls": processes * calls, **store_state(folder / "mlflow.db")}
    print(f"{processes} processes x {calls} on one sqlite file: {result}", flush=True)
    return result


def queued_at_exit(runner: Runner, scratch: Path) -> dict:
    folder = scratch / "queued"
    folder.mkdir()
    runner.run("import mlflow\nmlflow.search_experiments()\n", folder, "raw")
    done = runner.run("""
        import atexit, json
        from autolog._export import sql_sink
        write = sql_sink.SqlSink.write
        def slow(self, experiment_id, records):
            time.sleep(1.0)
            return write(self, experiment_id, records)
        sql_sink.SqlSink.write = slow
        autolog.autolog(exit_timeout=3.0, exit_limit=3.0)
        atexit.register(lambda: print("STATS", json.dumps(autolog.stats())))
        for i in range(300):
            ask(f"q{i}")
    """, folder)
    stats = json.loads(done.stdout.split("STATS", 1)[1])
    result = {"stats": stats, **store_state(folder / "mlflow.db")}
    result["stats_agree"] = stats["exported"] == result["traces"]
    print(f"exit with traces queued: {result}", flush=True)
    return result


def server_outage(runner: Runner, scratch: Path, down_s: float, rate: float, seconds: float) -> dict:
    folder = scratch / "outage"
    folder.mkdir()
    with mlflow_server(f"sqlite:///{folder}/backend.db", folder, handle=True) as server:
        process = runner.start(f"""
            i = 0
            started = time.monotonic()
            while time.monotonic() - started < {seconds}:
                ask(f"q{{i}}")
                i += 1
                time.sleep({1 / rate})
            print("ASKED", i, flush=True)
        """, folder, uri=server.uri)
        time.sleep(5)
        server.stop()
        time.sleep(down_s)
        server.start()
        out, err = process.communicate(timeout=900)
        asked = int(out.split("ASKED", 1)[1].split()[0])
        from mlflow import MlflowClient

        client = MlflowClient(tracking_uri=server.uri)
        experiments = [e.experiment_id for e in client.search_experiments()]
        stored, token = 0, None
        while True:
            page = client.search_traces(locations=experiments, max_results=500, page_token=token, include_spans=False)
            stored += len(page)
            token = page.token
            if not token:
                break
    result = {"asked": asked, "stored": stored, "down_s": down_s, "calls_per_s": rate}
    print(f"tracking server down {down_s:g}s at {rate:g} calls/s: {result}", flush=True)
    return result


def sigterm(runner: Runner, scratch: Path, warm: bool, sut: str = "project") -> dict:
    folder = scratch / f"sigterm-{sut}-{'warm' if warm else 'cold'}"
    folder.mkdir()
    if warm:
        runner.run("import mlflow\nmlflow.search_experiments()\n", folder, "raw")
    process = runner.start("""
        i = 0
        while True:
            ask(f"q{i}")
            print(f"done q{i}", flush=True)
            i += 1
    """, folder, sut)
    lines: list[str] = []
    reader = threading.Thread(target=lambda: lines.extend(process.stdout), daemon=True)
    reader.start()
    while not lines and process.poll() is None:
        time.sleep(0.05)
    time.sleep(2.0)
    process.send_signal(signal.SIGTERM)
    process.wait(300)
    reader.join(10)
    answered = sum(line.startswith("done ") for line in lines)
    result = {"answered": answered, **store_state(folder / "mlflow.db"), "returncode": process.returncode}
    print(f"SIGTERM 2 s into a loop ({sut}, {'warm' if warm else 'cold'} store): {result}", flush=True)
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--catalog", choices=["unset", "empty"], default="unset")
    parser.add_argument("--python", default=sys.executable)
    parser.add_argument("--label", help="names the run in the results, e.g. litellm for a venv with LiteLLM")
    parser.add_argument("--with-mlflow", action="store_true", help="MLflow's own autolog too, where it compares")
    parser.add_argument("--out", default=str(HERE / "reliability_results.json"))
    args = parser.parse_args()
    runner = Runner(args.python, args.catalog)
    scratch = Path(tempfile.mkdtemp(prefix="autolog-reliability-"))
    results: dict = {"catalog": args.catalog, "python": args.python}
    results["first_run"] = first_runs(runner, scratch, 10, 1, "project")
    results["first_run_4_at_once"] = first_runs(runner, scratch, 5, 4, "project")
    results["200_calls_then_exit"] = calls_then_exit(runner, scratch, 1, 200)
    results["8x250_then_exit"] = calls_then_exit(runner, scratch, 8, 250)
    results["4_processes_x_500_one_file"] = processes_on_one_file(runner, scratch, 4, 500)
    results["queued_at_exit"] = queued_at_exit(runner, scratch)
    results["server_down_30s"] = server_outage(runner, scratch, 30, 20, 50)
    results["sigterm_cold"] = sigterm(runner, scratch, warm=False)
    results["sigterm_warm"] = sigterm(runner, scratch, warm=True)
    if args.with_mlflow:
        results["mlflow_first_run"] = first_runs(runner, scratch, 5, 1, "mlflow")
        results["mlflow_200_calls_then_exit"] = calls_then_exit(runner, scratch, 1, 200, "mlflow")
        results["mlflow_sigterm_warm"] = sigterm(runner, scratch, warm=True, sut="mlflow")
    out = Path(args.out)
    previous = json.loads(out.read_text()) if out.exists() else {}
    key = f"catalog-{args.catalog}" + (f"-{args.label}" if args.label else "")
    previous[key] = results
    out.write_text(json.dumps(previous, indent=1) + "\n")
    print(f"wrote {out} [{key}]")


if __name__ == "__main__":
    main()
