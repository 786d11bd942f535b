"""The benchmark suite: client-side cost of tracing, against the raw SDK and MLflow's own autolog.

    pip install -e ".[bench]"        # full mlflow, for MLflow's autolog (never a runtime dependency)
    python benchmarks/run.py         # --rounds 5 --calls 300 --chunks 200; writes benchmarks/results.json

Every measurement runs in a process of its own (``_child.py``); the systems take turns within
each round (raw, project, mlflow, raw, ...), and a system's overhead is its time minus raw's
in the same round. Medians over the rounds are reported, with the ratios the targets are set in.
"""
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
SYSTEMS = ("raw", "project", "mlflow")
CALL_SCENARIOS = ["openai", "anthropic", "gemini", "openai-noexp", "anthropic-noexp", "gemini-noexp",
                  "openai-stream", "anthropic-stream", "gemini-stream", "openai-stream-noexp", "anthropic-stream-noexp"]


def child(system: str, scenario: str, calls: int, chunks: int) -> dict | None:
    with tempfile.TemporaryDirectory() as store:
        env = dict(os.environ, MLFLOW_TRACKING_URI=f"sqlite:///{store}/bench.db")
        done = subprocess.run([sys.executable, str(HERE / "_child.py"), system, scenario, str(calls), str(chunks)],
                              capture_output=True, text=True, env=env, timeout=1200)
    if done.returncode != 0:
        sys.stderr.write(f"[{scenario}/{system}] failed:\n{done.stderr[-1500:]}\n")
        return None
    return json.loads(done.stdout.strip().splitlines()[-1])


def overheads(scenario: str, systems: tuple[str, ...], rounds: int, calls: int, chunks: int) -> dict:
    times = {s: [] for s in systems}
    over = {s: [] for s in systems if s != "raw"}
    for _ in range(rounds):
        got = {}
        for system in systems:
            result = child(system, scenario, calls, chunks)
            if result is not None:
                got[system] = result["per_call_us"]
                times[system].append(got[system])
        for system in over:
            if system in got and "raw" in got:
                over[system].append(got[system] - got["raw"])
    return {
        "median_us": {s: statistics.median(v) for s, v in times.items() if v},
        "overhead_us": {s: statistics.median(v) for s, v in over.items() if v},
    }


def stream_memory(args) -> dict:
    memory = {}
    for provider in ("openai", "anthropic"):
        memory[provider] = {s: child(s, f"memory-{provider}", 1, args.memory_chunks) for s in SYSTEMS}
        row = memory[provider]
        raw_peak = row["raw"]["peak_bytes"]
        print(f"memory, {provider} stream of {args.memory_chunks} chunks ({row['raw']['text_bytes']} bytes of text): "
              + "  ".join(f"{s} peak={r['peak_bytes'] / 1024:.0f}KiB (+{(r['peak_bytes'] - raw_peak) / 1024:.0f}KiB)"
                          for s, r in row.items() if r))
    return memory


def per_chunk_micro(args) -> dict:
    found = {}
    for provider in ("openai", "anthropic"):
        runs = [child("project", f"chunk-micro-{provider}-stream", 1, args.chunks) for _ in range(args.rounds)]
        found[provider] = statistics.median(r["per_chunk_us"] for r in runs if r)
        print(f"{provider}: the plugin's own work per chunk (proxy + accumulator): {found[provider]:.2f}us")
    return found


def cold_start(args) -> dict:
    cold = [c for c in (child("project", "coldstart", 0, 0) for _ in range(args.rounds)) if c]
    found = {"autolog_added_ms": statistics.median(c["autolog_added_s"] for c in cold) * 1000,
             "import_sdks_and_mlflow_ms": statistics.median(c["import_sdks_and_mlflow_s"] for c in cold) * 1000}
    print(f"cold start: import autolog + autolog() adds {found['autolog_added_ms']:.0f} ms beyond "
          f"importing mlflow and the SDKs ({found['import_sdks_and_mlflow_ms']:.0f} ms)")
    return found


SLOPE_TOOL = HERE.parent.parent / "shared" / "tools" / "chunk_slope.py"


def chunk_slope() -> dict | None:
    """The per-chunk slope with the export running, measured by the team's shared tool (one
    process, tracing toggled call by call), where it sits beside the checkout."""
    if not SLOPE_TOOL.exists():
        return None
    done = subprocess.run([sys.executable, str(SLOPE_TOOL)], capture_output=True, text=True, timeout=3600)
    print(done.stdout.strip())
    return json.loads(done.stdout.strip().splitlines()[-1]) if done.returncode == 0 else None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--calls", type=int, default=300)
    parser.add_argument("--chunks", type=int, default=200)
    parser.add_argument("--memory-chunks", type=int, default=10_000)
    parser.add_argument("--out", default=str(HERE / "results.json"))
    parser.add_argument("--only", choices=["micro", "memory", "chunk-slope", "cold-start"],
                        help="run one part again and update it in the existing results file")
    args = parser.parse_args()
    if args.only:
        results = json.loads(Path(args.out).read_text())
        if args.only == "micro":
            results["per_chunk_micro"] = per_chunk_micro(args)
        elif args.only == "chunk-slope":
            results["chunk_slope"] = chunk_slope()
        elif args.only == "cold-start":
            results["cold_start"] = cold_start(args)
        else:
            results["memory"] = stream_memory(args)
        Path(args.out).write_text(json.dumps(results, indent=1))
        return
    started = time.time()
    results: dict = {"settings": vars(args), "python": sys.version.split()[0], "scenarios": {}}

    for scenario in CALL_SCENARIOS:
        calls = args.calls if "stream" not in scenario else max(args.calls // 10, 20)
        found = overheads(scenario, SYSTEMS, args.rounds, calls, args.chunks)
        over = found["overhead_us"]
        if "project" in over and "mlflow" in over:
            found["ratio_project_to_mlflow"] = over["project"] / over["mlflow"] if over["mlflow"] > 0 else None
        if "stream" in scenario:
            found["per_chunk_us"] = {s: v / args.chunks for s, v in over.items()}
        results["scenarios"][scenario] = found
        print(f"{scenario:<24} " + "  ".join(f"{s}={v:8.1f}us" for s, v in found["median_us"].items())
              + " | overhead " + "  ".join(f"{s}=+{v:.1f}us" for s, v in over.items())
              + (f" | ratio {found['ratio_project_to_mlflow']:.3f}" if found.get("ratio_project_to_mlflow") else ""),
              flush=True)

    for provider in ("openai", "anthropic"):
        stream, call = results["scenarios"][f"{provider}-stream"], results["scenarios"][provider]
        marginal = {s: (stream["overhead_us"][s] - call["overhead_us"][s]) / args.chunks
                    for s in stream["overhead_us"] if s in call["overhead_us"]}
        stream["marginal_per_chunk_us"] = marginal
        print(f"{provider} stream, cost per chunk beyond the call's own: "
              + "  ".join(f"{s}={v:.2f}us" for s, v in marginal.items()))

    # Per chunk: the same stream at 10x the chunks; the call's own cost (one span, one trace)
    # cancels out, what is left is what each chunk adds.
    long_chunks = args.chunks * 10
    for provider in ("openai", "anthropic"):
        long = overheads(f"{provider}-stream", ("raw", "project"), args.rounds, max(args.calls // 50, 6), long_chunks)
        short = results["scenarios"][f"{provider}-stream"]["overhead_us"]["project"]
        per_chunk = (long["overhead_us"]["project"] - short) / (long_chunks - args.chunks)
        results["scenarios"][f"{provider}-stream-x10"] = {**long, "per_chunk_us_from_x10": per_chunk}
        print(f"{provider} stream of {long_chunks} chunks: overhead project=+{long['overhead_us']['project']:.0f}us; "
              f"each chunk adds {per_chunk:.2f}us")

    switched_off = overheads("off", SYSTEMS, args.rounds, args.calls, args.chunks)
    results["scenarios"]["off"] = switched_off
    print("switched off, separate processes (autolog.disable() / mlflow.tracing.disable()): overhead "
          + "  ".join(f"{s}=+{v:.1f}us" for s, v in switched_off["overhead_us"].items()))
    for scenario in ("off-micro", "suspended-micro"):
        found = [child("project", scenario, 100_000, args.chunks) for _ in range(args.rounds)]
        value = statistics.median(f["per_call_overhead_us"] for f in found if f)
        results["scenarios"][scenario] = {"per_call_overhead_us": value}
        what = "autolog.disable()" if scenario == "off-micro" else "with autolog.suspended()"
        print(f"{what}: the wrapper adds {value:.2f}us per call (timed on a method that returns at once)")

    results["memory"] = stream_memory(args)

    results["cold_start"] = cold_start(args)

    results["per_chunk_micro"] = per_chunk_micro(args)
    results["chunk_slope"] = chunk_slope()
    results["elapsed_s"] = time.time() - started
    Path(args.out).write_text(json.dumps(results, indent=1))
    print(f"wrote {args.out} ({results['elapsed_s']:.0f}s)")


if __name__ == "__main__":
    main()
