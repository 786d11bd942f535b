"""Per-chunk cost of tracing a stream, for every provider, with the export running.

    python benchmarks/stream_slope.py [PROVIDER ...]   # writes benchmarks/stream_slope_results.json

For each provider in ``benchmarks/scenarios/`` that streams, one process of its own: the real SDK
answered in memory, ``autolog.autolog()`` with the default local sqlite store and its export
running, streams of 200 and of 2,000 chunks read to the end, tracing switched on and off call by
call (``autolog.disable()`` / ``autolog.enable()``), as ``../shared/tools/chunk_slope.py`` does for
OpenAI and Anthropic. A length's overhead is the median of (on - off) over its pairs; the slope
(overhead at 2,000 - overhead at 200) / 1,800 is what one chunk costs, with the call's own span
and trace taken out. Each provider is measured twice: on a quiet machine, and with as many
processes spinning on the CPU as it has cores (``busy``), where the caches and the cores are
shared as on a loaded host. Every slope is given twice: in wall-clock time, what the caller waits
(on a busy host that includes the time the scheduler gives the spinners), and in the process's CPU
time, every thread's (the writer's too), what tracing costs whoever runs it. The SDK's own time per
chunk (untraced) is printed beside it: where it is hundreds of µs, the wall-clock slope carries
noise of several µs either way; the accumulator's own work per chunk, timed alone on the items
the SDK gave, is printed too."""
from __future__ import annotations

import argparse
import contextlib
import importlib
import json
import multiprocessing
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
SHORT, LONG = 200, 2000


def _child(provider: str, pairs_short: int, pairs_long: int) -> dict:
    import gc
    import logging

    sys.path.insert(0, str(HERE))
    os.environ["MLFLOW_TRACKING_URI"] = f"sqlite:///{tempfile.mkdtemp()}/slope.db"
    os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")
    import mlflow

    logging.getLogger("mlflow").setLevel(logging.ERROR)
    mlflow.set_experiment("slope")
    scenario = importlib.import_module(f"scenarios.{provider}")
    import autolog

    autolog.autolog()
    client = scenario.client()
    for n in (SHORT, LONG):  # the first traces (store, price data) are written before anything is timed
        scenario.stream(client, n)
    autolog.flush()

    def timed(chunks: int) -> tuple[float, float]:
        wall, cpu = time.perf_counter(), time.process_time()
        scenario.stream(client, chunks)
        return time.perf_counter() - wall, time.process_time() - cpu

    def overhead(chunks: int, pairs: int) -> dict[str, float]:
        """Medians over the pairs, in µs: wall-clock overhead, process-CPU overhead (every thread,
        the writer's too), and the untraced call's wall time."""
        walls, cpus, offs = [], [], []
        for _ in range(pairs):
            gc.collect()
            autolog.disable()
            off_wall, off_cpu = timed(chunks)
            autolog.enable()
            on_wall, on_cpu = timed(chunks)
            walls.append(on_wall - off_wall)
            cpus.append(on_cpu - off_cpu)
            offs.append(off_wall)
        return {name: statistics.median(values) * 1e6 for name, values in
                (("wall", walls), ("cpu", cpus), ("off", offs))}

    short, long_ = overhead(SHORT, pairs_short), overhead(LONG, pairs_long)
    stats = autolog.stats()
    captured = traced_stream_items(scenario, client)
    accumulate = accumulate_cost(captured)
    alone = tracing_alone(scenario, client, captured)
    slope = {name: (long_[name] - short[name]) / (LONG - SHORT) for name in short}
    return {"us_per_chunk": slope["wall"], "cpu_us_per_chunk": slope["cpu"], "sdk_us_per_chunk": slope["off"],
            "overhead_us": {str(SHORT): short["wall"], str(LONG): long_["wall"]},
            "cpu_overhead_us": {str(SHORT): short["cpu"], str(LONG): long_["cpu"]},
            "accumulate_us_per_chunk": accumulate, "tracing_alone_us_per_chunk": alone, "traces": stats}


def traced_stream_items(scenario, client) -> dict | None:
    """What one traced stream of LONG chunks gave, for timing again without the SDK: its items,
    its accumulator's type, the reader class its proxy used and its (ended) call."""
    from autolog._tracing import streams

    items: list = []
    accumulators: set = set()
    readers: list = []
    original_add, original_init = streams.StreamState.add, streams._Reader.__init__

    def spy_add(state, item):
        items.append(item)
        accumulators.add(type(state.accumulator))
        return original_add(state, item)

    def spy_init(reader, state, source, keep=None):
        readers.append((type(reader), state.call))
        original_init(reader, state, source, keep)

    streams.StreamState.add, streams._Reader.__init__ = spy_add, spy_init
    try:
        scenario.stream(client, LONG)
    finally:
        streams.StreamState.add, streams._Reader.__init__ = original_add, original_init
    if not items:
        return None
    (make,) = accumulators if len(accumulators) == 1 and type(None) not in accumulators else (None,)
    return {"items": items, "accumulator": make, "reader": readers[0] if readers else None}


def accumulate_cost(captured: dict | None) -> float | None:
    """The provider's accumulator alone, in µs per chunk: the items one traced stream of LONG
    chunks gave, added again to a new accumulator, hot, and assembled. It does not move with the
    SDK's own time, as the slopes do where that is hundreds of µs a chunk."""
    import timeit

    if captured is None or captured["accumulator"] is None:
        return None
    items, make = captured["items"], captured["accumulator"]

    def once() -> None:
        accumulator = make()
        for item in items:
            accumulator.add(item)
        accumulator.result()

    once()
    return min(timeit.repeat(once, number=5, repeat=5)) / 5 / len(items) * 1e6


def tracing_alone(scenario, client, captured: dict | None) -> float | None:
    """Everything tracing does per chunk, alone, in µs of the reading thread's CPU: the items one
    traced stream of LONG chunks gave, read again through the reader class that stream's proxy
    used (its hiding, counting, in-call guard and a new accumulator), less the same items read
    untraced; the best of several repeats, while another thread keeps making traced calls, so
    that the export is writing meanwhile. Unlike the slopes, it does not carry the SDK's own
    time, which where that is hundreds of µs a chunk is noise of several µs either way."""
    import threading

    from autolog._tracing import streams

    if captured is None or captured["reader"] is None:
        return None
    items = captured["items"]
    reader_class, call = captured["reader"]  # a call that has ended: reading again ends nothing

    def read(traced: bool) -> float:
        started = time.thread_time()
        source = iter(items)
        for _ in (reader_class(streams.StreamState(call), source) if traced else source):
            pass
        return time.thread_time() - started

    stop = threading.Event()

    def keep_writing() -> None:
        while not stop.is_set():
            scenario.call(client)
            time.sleep(0.002)

    writer_feed = threading.Thread(target=keep_writing, daemon=True)
    writer_feed.start()
    try:
        best = {True: float("inf"), False: float("inf")}
        for _ in range(100):
            for traced in (False, True):
                best[traced] = min(best[traced], read(traced))
    finally:
        stop.set()
        writer_feed.join(10)
    return (best[True] - best[False]) / len(items) * 1e6


def _spin(stop) -> None:
    while not stop.is_set():
        sum(i * i for i in range(10_000))


@contextlib.contextmanager
def busy(processes: int):
    """``processes`` processes spinning on the CPU for as long as the block runs."""
    stop = multiprocessing.Event()
    spinners = [multiprocessing.Process(target=_spin, args=(stop,), daemon=True) for _ in range(processes)]
    for spinner in spinners:
        spinner.start()
    try:
        yield
    finally:
        stop.set()
        for spinner in spinners:
            spinner.join(5)


def measure(provider: str, args) -> dict | None:
    done = subprocess.run([args.python, str(Path(__file__).resolve()), "--child", provider,
                           "--pairs-short", str(args.pairs_short), "--pairs-long", str(args.pairs_long)],
                          capture_output=True, text=True, timeout=3600,
                          env={k: v for k, v in os.environ.items() if not k.startswith("MLFLOW_")})
    if done.returncode != 0:
        sys.stderr.write(f"[{provider}] failed:\n{done.stderr[-2000:]}\n")
        return None
    return json.loads(done.stdout.strip().splitlines()[-1])


def streaming_scenarios() -> list[str]:
    sys.path.insert(0, str(HERE))
    found = []
    for path in sorted((HERE / "scenarios").glob("*.py")):
        if path.name.startswith("_"):
            continue
        if "def stream(" in path.read_text():
            found.append(path.stem)
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("providers", nargs="*")
    parser.add_argument("--pairs-short", type=int, default=100)
    parser.add_argument("--pairs-long", type=int, default=40)
    parser.add_argument("--python", default=sys.executable)
    parser.add_argument("--busy", type=int, default=os.cpu_count() or 2, help="spinning processes for the busy run")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--out", default=str(HERE / "stream_slope_results.json"))
    args = parser.parse_args()
    if args.child:
        print(json.dumps(_child(args.child, args.pairs_short, args.pairs_long)))
        return
    providers = args.providers or streaming_scenarios()
    results = json.loads(Path(args.out).read_text()) if Path(args.out).exists() else {}
    results["settings"] = {"pairs": [args.pairs_short, args.pairs_long], "busy_processes": args.busy,
                           "cores": os.cpu_count()}
    for provider in providers:
        row = {"quiet": measure(provider, args)}
        with busy(args.busy):
            row["busy"] = measure(provider, args)
        results.setdefault("providers", {})[provider] = row
        quiet, loaded = (row[k] or {} for k in ("quiet", "busy"))
        nan = float("nan")
        print(f"{provider}: per chunk, wall / process CPU: quiet {quiet.get('us_per_chunk', nan):.2f} / "
              f"{quiet.get('cpu_us_per_chunk', nan):.2f} us, busy {loaded.get('us_per_chunk', nan):.2f} / "
              f"{loaded.get('cpu_us_per_chunk', nan):.2f} us; the accumulator alone "
              f"{quiet.get('accumulate_us_per_chunk') or nan:.2f} us, the tracing alone quiet / busy "
              f"{quiet.get('tracing_alone_us_per_chunk') or nan:.2f} / {loaded.get('tracing_alone_us_per_chunk') or nan:.2f}"
              f" us (the SDK itself: "
              f"{quiet.get('sdk_us_per_chunk', nan):.1f} us per chunk)", flush=True)
        Path(args.out).write_text(json.dumps(results, indent=1))


if __name__ == "__main__":
    main()
