"""Caller-side overhead per provider: the raw SDK, this package and MLflow's own autolog for the
same provider (where MLflow has one), each in a process of its own, taking turns within a round.

    python benchmarks/providers.py [--rounds 3 --calls 200 --chunks 200] [PROVIDER ...]

A provider is a module in ``benchmarks/scenarios/``: ``NAME``, ``MLFLOW_AUTOLOG`` (the dotted name
of MLflow's autolog function, or None), ``client()`` (a sync client of the real SDK answered in
memory), ``call(client)`` and optionally ``stream(client, chunks)``. Writes
``benchmarks/providers_results.json``; the overhead is a system's median time per call minus the
raw SDK's in the same round, and the reported figure the median over rounds."""
from __future__ import annotations

import argparse
import importlib
import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))


def scenarios() -> list[str]:
    return sorted(p.stem for p in (HERE / "scenarios").glob("*.py") if not p.name.startswith("_"))


def child(sut: str, provider: str, what: str, calls: int, chunks: int) -> float | None:
    with tempfile.TemporaryDirectory() as store:
        env = {k: v for k, v in os.environ.items() if not k.startswith("MLFLOW_")}
        env.update(MLFLOW_TRACKING_URI=f"sqlite:///{store}/bench.db", LITELLM_LOCAL_MODEL_COST_MAP="True")
        done = subprocess.run([sys.executable, str(HERE / "_provider_child.py"), sut, provider, what, str(calls),
                               str(chunks)], capture_output=True, text=True, env=env, timeout=1800, cwd=store)
    if done.returncode != 0:
        sys.stderr.write(f"[{provider}/{what}/{sut}] failed:\n{done.stderr[-1500:]}\n")
        return None
    return json.loads(done.stdout.strip().splitlines()[-1])["per_call_us"]


def measure(provider: str, what: str, rounds: int, calls: int, chunks: int) -> dict:
    scenario = importlib.import_module(f"scenarios.{provider}")
    systems = ["raw", "project"] + (["mlflow"] if scenario.MLFLOW_AUTOLOG else [])
    times = {s: [] for s in systems}
    over = {s: [] for s in systems if s != "raw"}
    for _ in range(rounds):
        got = {s: child(s, provider, what, calls, chunks) for s in systems}
        for s, value in got.items():
            if value is not None:
                times[s].append(value)
        for s in over:
            if got.get(s) is not None and got.get("raw") is not None:
                over[s].append(got[s] - got["raw"])
    result = {"median_us": {s: statistics.median(v) for s, v in times.items() if v},
              "overhead_us": {s: statistics.median(v) for s, v in over.items() if v}}
    o = result["overhead_us"]
    if o.get("mlflow") and o.get("project") is not None and o["mlflow"] > 0:
        result["ratio"] = o["project"] / o["mlflow"]
    return result


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("providers", nargs="*", help="default: every scenario")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--calls", type=int, default=200)
    parser.add_argument("--chunks", type=int, default=200)
    args = parser.parse_args()
    out = HERE / "providers_results.json"
    results = json.loads(out.read_text()) if out.exists() else {}
    for provider in args.providers or scenarios():
        scenario = importlib.import_module(f"scenarios.{provider}")
        for what in ("call", "stream") if hasattr(scenario, "stream") else ("call",):
            got = measure(provider, what, args.rounds, args.calls if what == "call" else max(args.calls // 4, 20),
                          args.chunks)
            results[f"{provider}/{what}"] = got
            print(provider, what, json.dumps(got), flush=True)
    out.write_text(json.dumps(results, indent=1, sort_keys=True) + "\n")


if __name__ == "__main__":
    main()
