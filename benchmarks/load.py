"""Traces under load: how many of a burst reach the store, what the export costs the process, how
long the exit waits, and what a store that is down does to the calls.

    python benchmarks/load.py            # writes benchmarks/load_results.json (about 15 minutes)

Each run is a process of its own (``_load_child.py``) that makes its calls and exits normally;
the traces are then counted in the store. Stores: the local sqlite default, and a real
``mlflow server`` started here on 127.0.0.1 with a sqlite backend and with a PostgreSQL backend (a
throwaway cluster made with the machine's PostgreSQL ``initdb`` / ``pg_ctl``)."""
from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "tests"))

from servers import free_port, mlflow_server, postgres_cluster  # noqa: E402


OPTIONS = argparse.Namespace(catalog="unset", python=sys.executable)


def run_child(sut: str, threads: int, calls: int, uri: str, **env) -> dict:
    with tempfile.TemporaryDirectory() as scratch:
        out = Path(scratch) / "result.json"
        child_env = {k: v for k, v in os.environ.items() if not k.startswith("MLFLOW_")}
        child_env.update(MLFLOW_TRACKING_URI=uri, **env)
        if OPTIONS.catalog == "empty":  # MLflow's remote price catalog switched off
            child_env["MLFLOW_MODEL_CATALOG_URI"] = ""
        started = time.time()
        done = subprocess.run([OPTIONS.python, str(HERE / "_load_child.py"), sut, str(threads), str(calls), str(out)],
                              capture_output=True, text=True, env=child_env, timeout=3600, cwd=scratch)
        ended = time.time()
        if done.returncode != 0 or not out.exists():
            raise RuntimeError(f"{sut} run failed:\n{done.stderr[-3000:]}")
        result = json.loads(out.read_text())
    result["process_s"] = ended - started
    result["exit_wait_s"] = result["exit_done"] - result["calls_done"]
    result["warnings"] = [line for line in done.stderr.splitlines() if "autolog:" in line][-3:]
    return result


def count_traces(uri: str, experiment_name: str = "load") -> int:
    from mlflow import MlflowClient

    client = MlflowClient(tracking_uri=uri)
    experiment = client.get_experiment_by_name(experiment_name)
    total, token = 0, None
    while True:
        page = client.search_traces(locations=[experiment.experiment_id], max_results=500, page_token=token,
                                     include_spans=False)
        total += len(page)
        token = page.token
        if not token:
            return total - 1  # the warm-up call's trace


def burst(sut: str, threads: int, calls: int, uri: str, experiment: str = "load") -> dict:
    result = run_child(sut, threads, calls, uri, LOAD_EXPERIMENT=experiment)
    if sut != "raw":
        result["stored"] = count_traces(uri, experiment)
    result["calls"] = threads * calls
    return result


def fresh_sqlite(scratch: Path, name: str) -> str:
    return f"sqlite:///{scratch / name}.db"


def summarize(label: str, runs: dict) -> dict:
    raw_cpu = runs["raw"]["cpu_s"] / runs["raw"]["calls"]
    row = {"label": label}
    for sut, result in runs.items():
        entry = {"cpu_ms_per_call": result["cpu_s"] / result["calls"] * 1000,
                 "exit_wait_s": result["exit_wait_s"], "burst_s": result["burst_s"]}
        if sut != "raw":
            entry["extra_cpu_ms_per_call"] = (result["cpu_s"] / result["calls"] - raw_cpu) * 1000
            entry["stored"] = result["stored"]
            entry["lost"] = result["calls"] - result["stored"]
        if "stats" in result:
            entry["stats"] = result["stats"]
        row[sut] = entry
    print(f"{label}: " + "  ".join(
        f"{sut}: {e.get('stored', '-')}/{runs[sut]['calls']} stored, +{e.get('extra_cpu_ms_per_call', 0):.2f} ms CPU/call, "
        f"exit wait {e['exit_wait_s']:.1f}s" for sut, e in row.items() if sut != "label"), flush=True)
    return row


def store_down(scratch: Path) -> dict:
    """The same traced calls with the store up (local sqlite) and down (a port where nothing
    listens), interleaved: what a store that is down adds to a call, and to the exit."""
    runs: dict[str, list] = {"up": [], "down": []}
    for i in range(3):
        runs["up"].append(run_child("project", 1, 500, fresh_sqlite(scratch, f"up-{i}")))
        runs["down"].append(run_child("project", 1, 500, f"http://127.0.0.1:{free_port()}", MLFLOW_EXPERIMENT_ID="0"))
    found = {state: {q: statistics.median(r["call_us"][q] for r in rs) for q in ("p50", "p99", "max")}
             for state, rs in runs.items()}
    found["down_exit_wait_s"] = statistics.median(r["exit_wait_s"] for r in runs["down"])
    found["down_warning"] = runs["down"][-1]["warnings"]
    found["down_stats"] = runs["down"][-1].get("stats")
    print(f"store down against up: call p50 {found['down']['p50'] - found['up']['p50']:+.1f} us, p99 "
          f"{found['down']['p99'] - found['up']['p99']:+.1f} us; exit wait {found['down_exit_wait_s']:.1f}s; "
          f"{found['down_warning']}", flush=True)
    return found


def rounds_of_bursts(args, label: str, suts: tuple[str, ...], uri_for) -> dict:
    """``args.rounds`` rounds, the systems in turn within each: on a shared machine one run's CPU
    figure moves by a third, so each figure is the median of the rounds, and the extra CPU the
    median of each round's difference to the untraced run of the same round."""
    found: dict[str, list] = {sut: [] for sut in suts}
    for i in range(args.rounds):
        for sut in suts:
            found[sut].append(burst(sut, args.threads, args.calls, uri_for(sut, i), f"load-{sut}-{i}"))
    per_call = {sut: [r["cpu_s"] / r["calls"] * 1000 for r in runs] for sut, runs in found.items()}
    row: dict = {"label": label, "rounds": args.rounds}
    for sut, runs in found.items():
        entry = {"cpu_ms_per_call": statistics.median(per_call[sut]), "cpu_ms_per_call_rounds": per_call[sut],
                 "exit_wait_s": statistics.median(r["exit_wait_s"] for r in runs),
                 "burst_s": statistics.median(r["burst_s"] for r in runs)}
        if sut != "raw":
            entry["extra_cpu_ms_per_call"] = statistics.median(
                ours - raw for ours, raw in zip(per_call[sut], per_call["raw"]))
            entry["stored"] = min(r["stored"] for r in runs)
            entry["lost"] = max(r["calls"] - r["stored"] for r in runs)
        if runs[-1].get("stats"):
            entry["stats"] = runs[-1]["stats"]
        row[sut] = entry
    print(f"{label}: " + "  ".join(
        f"{sut}: {e.get('stored', '-')}/{args.threads * args.calls} stored (worst round), "
        f"+{e.get('extra_cpu_ms_per_call', 0):.2f} ms CPU/call (rounds: "
        f"{', '.join(f'{v:.2f}' for v in e['cpu_ms_per_call_rounds'])} ms/call)"
        for sut, e in row.items() if sut not in ("label", "rounds")), flush=True)
    return row


def cpu_bursts(args, scratch: Path) -> dict:
    """Extra process CPU per traced call, export included: local sqlite (this package and MLflow's
    autolog) and PostgreSQL as the tracking URI (this package), from the same run."""
    found = {"catalog": args.catalog, "python": args.python}
    found["sqlite"] = rounds_of_bursts(
        args, f"{args.threads} x {args.calls}, local sqlite, catalog {args.catalog}", ("raw", "project", "mlflow"),
        lambda sut, i: fresh_sqlite(scratch, f"cpu-{sut}-{i}"))
    with postgres_cluster() as database:
        from mlflow import MlflowClient

        MlflowClient(tracking_uri=database).search_experiments()  # the store exists
        found["postgres"] = rounds_of_bursts(
            args, f"{args.threads} x {args.calls}, PostgreSQL, catalog {args.catalog}", ("raw", "project"),
            lambda sut, i: database)
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--threads", type=int, default=8)
    parser.add_argument("--calls", type=int, default=250)
    parser.add_argument("--big-calls", type=int, default=1000)
    parser.add_argument("--out", default=str(HERE / "load_results.json"))
    parser.add_argument("--only", choices=["store-down", "cpu"],
                        help="run one part again (cpu: the local sqlite and PostgreSQL bursts), into the results")
    parser.add_argument("--catalog", choices=["unset", "empty"], default="unset",
                        help="MLFLOW_MODEL_CATALOG_URI unset (as users have it) or empty (MLflow's remote catalog off)")
    parser.add_argument("--python", default=sys.executable, help="the programs' interpreter (a venv with LiteLLM, say)")
    parser.add_argument("--label", default="", help="names this run's CPU figures in the results")
    parser.add_argument("--rounds", type=int, default=5, help="rounds of the CPU bursts (--only cpu)")
    args = parser.parse_args()
    OPTIONS.catalog, OPTIONS.python = args.catalog, args.python
    scratch = Path(tempfile.mkdtemp(prefix="autolog-load-"))
    if args.only:
        results = json.loads(Path(args.out).read_text()) if Path(args.out).exists() else {}
        if args.only == "store-down":
            results["store_down"] = store_down(scratch)
        else:
            key = f"cpu-catalog-{args.catalog}" + (f"-{args.label}" if args.label else "")
            results[key] = cpu_bursts(args, scratch)
        Path(args.out).write_text(json.dumps(results, indent=1))
        return
    results: dict = {"settings": vars(args)}

    results["sqlite_burst"] = summarize(f"{args.threads} x {args.calls}, local sqlite", {
        sut: burst(sut, args.threads, args.calls, fresh_sqlite(scratch, f"burst-{sut}"))
        for sut in ("raw", "project", "mlflow")})
    results["sqlite_big_burst"] = summarize(f"{args.threads} x {args.big_calls}, local sqlite", {
        sut: burst(sut, args.threads, args.big_calls, fresh_sqlite(scratch, f"big-{sut}")) for sut in ("raw", "project")})

    with mlflow_server(fresh_sqlite(scratch, "server-backend"), scratch) as uri:
        results["server_sqlite_burst"] = summarize(f"{args.threads} x {args.calls}, mlflow server (sqlite)", {
            "raw": burst("raw", args.threads, args.calls, uri),
            "project": burst("project", args.threads, args.calls, uri)})
    with postgres_cluster() as database, mlflow_server(database, scratch) as uri:
        results["server_postgres_burst"] = summarize(f"{args.threads} x {args.calls}, mlflow server (PostgreSQL)", {
            "raw": burst("raw", args.threads, args.calls, uri),
            "project": burst("project", args.threads, args.calls, uri)})

    exits = {sut: [run_child(sut, 1, 200, fresh_sqlite(scratch, f"exit-{sut}-{i}")) for i in range(3)]
             for sut in ("raw", "project")}
    results["exit_after_200_calls"] = {
        sut: {"process_s": statistics.median(r["process_s"] for r in runs),
              "exit_wait_s": statistics.median(r["exit_wait_s"] for r in runs)} for sut, runs in exits.items()}
    results["exit_after_200_calls"]["stored"] = count_traces(fresh_sqlite(scratch, "exit-project-0"))
    added = results["exit_after_200_calls"]["project"]["process_s"] - results["exit_after_200_calls"]["raw"]["process_s"]
    results["exit_after_200_calls"]["project_exit_added_s"] = (
        results["exit_after_200_calls"]["project"]["exit_wait_s"] - results["exit_after_200_calls"]["raw"]["exit_wait_s"])
    print(f"200 calls then exit: {results['exit_after_200_calls']['stored']}/200 stored; the process took "
          f"{added:+.2f}s against raw, the exit itself {results['exit_after_200_calls']['project_exit_added_s']:+.2f}s",
          flush=True)

    results["store_down"] = store_down(scratch)
    Path(args.out).write_text(json.dumps(results, indent=1))
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
