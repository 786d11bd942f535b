"""One measurement of a provider scenario, in a process of its own:
``_provider_child.py SUT PROVIDER WHAT CALLS CHUNKS``.

SUT: raw (no tracing), project (autolog.autolog()), mlflow (the scenario's MLFLOW_AUTOLOG).
WHAT: call or stream. Prints one JSON line: the median time per call, in microseconds, over
CALLS calls after a warm-up whose traces are flushed first."""
from __future__ import annotations

import gc
import importlib
import json
import logging
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

SUT, PROVIDER, WHAT, CALLS, CHUNKS = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]), int(sys.argv[5])
sys.path.insert(0, str(Path(__file__).resolve().parent))
os.environ.setdefault("MLFLOW_TRACKING_URI", f"sqlite:///{tempfile.mkdtemp()}/bench.db")

import mlflow  # noqa: E402

logging.getLogger("mlflow").setLevel(logging.ERROR)
scenario = importlib.import_module(f"scenarios.{PROVIDER}")
mlflow.set_experiment("bench")

if SUT == "project":
    import autolog

    autolog.autolog()
elif SUT == "mlflow":
    module, _, function = scenario.MLFLOW_AUTOLOG.rpartition(".")
    getattr(importlib.import_module(module), function)()

client = scenario.client()
run = (lambda: scenario.call(client)) if WHAT == "call" else (lambda: scenario.stream(client, CHUNKS))
for _ in range(5):
    run()
mlflow.flush_trace_async_logging()  # the warm-up's traces are written before the timed calls
gc.collect()

times = []
for _ in range(CALLS):
    started = time.perf_counter()
    run()
    times.append(time.perf_counter() - started)
print(json.dumps({"per_call_us": statistics.median(times) * 1e6}))
