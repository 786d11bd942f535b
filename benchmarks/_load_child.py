"""One load run, in a process of its own: ``_load_child.py SUT THREADS CALLS OUT_JSON``.

SUT: raw, project (autolog.autolog()) or mlflow (MLflow's own autolog). THREADS threads make CALLS
OpenAI chat calls each through the real SDK over an in-memory transport, to the tracking URI in
MLFLOW_TRACKING_URI, and the process exits normally (no explicit flush: the exit is part of what
is measured). At the very end of the exit, after every other exit handler, the process's CPU
time since the burst started and each call's duration are written to OUT_JSON."""
from __future__ import annotations

import atexit
import json
import logging
import os
import resource
import statistics
import sys
import threading
import time

SUT, THREADS, CALLS, OUT = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
measured: dict = {}


def cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def write_result() -> None:  # registered first, so it runs after every other exit handler
    measured["cpu_s"] = cpu_seconds() - measured.get("cpu_start", 0.0)
    measured["exit_done"] = time.time()
    if SUT == "project":
        import autolog

        measured["stats"] = autolog.stats()
    with open(OUT, "w") as f:
        json.dump(measured, f)


atexit.register(write_result)

import httpx2  # noqa: E402
import mlflow  # noqa: E402
import openai  # noqa: E402

logging.getLogger("mlflow").setLevel(logging.ERROR)
if "MLFLOW_EXPERIMENT_ID" not in os.environ:  # a store that is down is not asked for an experiment
    mlflow.set_experiment(os.environ.get("LOAD_EXPERIMENT", "load"))
BODY = json.dumps({
    "id": "chatcmpl-1", "object": "chat.completion", "created": 1, "model": "gpt-4o-mini-2024-07-18",
    "choices": [{"index": 0, "message": {"role": "assistant", "content": "The capital of France is Paris."},
                 "finish_reason": "stop", "logprobs": None}],
    "usage": {"prompt_tokens": 14, "completion_tokens": 7, "total_tokens": 21}}).encode()


def client():
    http = httpx2.Client(transport=httpx2.MockTransport(
        lambda r: httpx2.Response(200, content=BODY, headers={"content-type": "application/json"})))
    return openai.OpenAI(api_key="x", base_url="http://load.invalid/v1", http_client=http, max_retries=0)


if SUT == "project":
    import autolog

    autolog.autolog()
elif SUT == "mlflow":
    import mlflow.openai

    mlflow.openai.autolog()

warm = client()
warm.chat.completions.create(model="gpt-4o-mini", messages=[{"role": "user", "content": "warm-up"}])
mlflow.flush_trace_async_logging()  # the warm-up's trace is written before the burst

durations: list[float] = []
lock = threading.Lock()


def work(t: int) -> None:
    c = client()
    mine = []
    for i in range(CALLS):
        started = time.perf_counter()
        c.chat.completions.create(model="gpt-4o-mini", messages=[{"role": "user", "content": f"t{t}-{i}"}])
        mine.append(time.perf_counter() - started)
    with lock:
        durations.extend(mine)


measured["cpu_start"] = cpu_seconds()
burst_started = time.time()
threads = [threading.Thread(target=work, args=(t,)) for t in range(THREADS)]
for thread in threads:
    thread.start()
for thread in threads:
    thread.join()
measured["burst_s"] = time.time() - burst_started
measured["calls_done"] = time.time()
ordered = sorted(durations)
measured["call_us"] = {
    "p50": statistics.median(ordered) * 1e6,
    "p99": ordered[int(len(ordered) * 0.99) - 1] * 1e6,
    "max": ordered[-1] * 1e6,
}
