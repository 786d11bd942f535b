"""One measurement, in a process of its own: ``_child.py SUT SCENARIO CALLS CHUNKS``.

SUT: raw (no tracing), project (autolog.autolog()), mlflow (MLflow's own autolog).
Prints one JSON line. The SDKs talk to an in-memory transport; traces go to a fresh local sqlite
store with MLflow's default asynchronous export."""
from __future__ import annotations

import gc
import json
import os
import sys
import tempfile
import time

SUT, SCENARIO, CALLS, CHUNKS = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])


def cold_start() -> dict:
    started = time.perf_counter()
    import anthropic  # noqa: F401
    import mlflow  # noqa: F401
    import openai  # noqa: F401

    base = time.perf_counter()
    import autolog

    autolog.autolog()
    done = time.perf_counter()
    return {"import_sdks_and_mlflow_s": base - started, "autolog_added_s": done - base}


if SCENARIO == "coldstart":
    print(json.dumps(cold_start()))
    sys.exit(0)

os.environ.setdefault("MLFLOW_TRACKING_URI", f"sqlite:///{tempfile.mkdtemp()}/bench.db")
import logging  # noqa: E402

import httpx2  # noqa: E402
import mlflow  # noqa: E402

logging.getLogger("mlflow").setLevel(logging.ERROR)
if not SCENARIO.endswith("-noexp"):
    mlflow.set_experiment("bench")
SCENARIO = SCENARIO.removesuffix("-noexp")
provider = "anthropic" if "anthropic" in SCENARIO else "gemini" if "gemini" in SCENARIO else "openai"
stream = "stream" in SCENARIO or SCENARIO.startswith("memory")


def openai_sse(n: int) -> bytes:
    def chunk(choices, **extra):
        return {"id": "c1", "object": "chat.completion.chunk", "created": 1, "model": "gpt-4o-mini",
                "choices": choices, **extra}

    events = [chunk([{"index": 0, "delta": {"content": f"tok{i} "}, "finish_reason": None}]) for i in range(n)]
    events.append(chunk([{"index": 0, "delta": {}, "finish_reason": "stop"}]))
    events.append(chunk([], usage={"prompt_tokens": 5, "completion_tokens": n, "total_tokens": 5 + n}))
    return ("".join(f"data: {json.dumps(e)}\n\n" for e in events) + "data: [DONE]\n\n").encode()


def anthropic_sse(n: int) -> bytes:
    events = [{"type": "message_start", "message": {
        "id": "msg_1", "type": "message", "role": "assistant", "model": "claude-sonnet-4-5", "content": [],
        "stop_reason": None, "stop_sequence": None, "usage": {"input_tokens": 12, "output_tokens": 1}}},
        {"type": "content_block_start", "index": 0, "content_block": {"type": "text", "text": ""}}]
    events += [{"type": "content_block_delta", "index": 0, "delta": {"type": "text_delta", "text": f"tok{i} "}}
               for i in range(n)]
    events += [{"type": "content_block_stop", "index": 0},
               {"type": "message_delta", "delta": {"stop_reason": "end_turn", "stop_sequence": None},
                "usage": {"output_tokens": n}},
               {"type": "message_stop"}]
    return "".join(f"event: {e['type']}\ndata: {json.dumps(e)}\n\n" for e in events).encode()


OPENAI_JSON = json.dumps({
    "id": "chatcmpl-1", "object": "chat.completion", "created": 1, "model": "gpt-4o-mini",
    "choices": [{"index": 0, "message": {"role": "assistant", "content": "Hello there!"}, "finish_reason": "stop",
                 "logprobs": None}],
    "usage": {"prompt_tokens": 10, "completion_tokens": 3, "total_tokens": 13}}).encode()
ANTHROPIC_JSON = json.dumps({
    "id": "msg_1", "type": "message", "role": "assistant", "model": "claude-sonnet-4-5",
    "content": [{"type": "text", "text": "Hello there!"}], "stop_reason": "end_turn", "stop_sequence": None,
    "usage": {"input_tokens": 10, "output_tokens": 3}}).encode()

def gemini_sse(n: int) -> bytes:
    def chunk(text, **extra):
        return {"candidates": [{"content": {"role": "model", "parts": [{"text": text}]}, "index": 0, **extra}],
                "modelVersion": "gemini-2.5-flash", "responseId": "r1"}

    events = [chunk(f"tok{i} ") for i in range(n)]
    events.append({**chunk("", finishReason="STOP"),
                   "usageMetadata": {"promptTokenCount": 5, "candidatesTokenCount": n, "totalTokenCount": 5 + n}})
    return "".join(f"data: {json.dumps(e)}\r\n\r\n" for e in events).encode()


GEMINI_JSON = json.dumps({
    "candidates": [{"content": {"role": "model", "parts": [{"text": "Hello there!"}]}, "finishReason": "STOP",
                    "index": 0}],
    "usageMetadata": {"promptTokenCount": 10, "candidatesTokenCount": 3, "totalTokenCount": 13},
    "modelVersion": "gemini-2.5-flash", "responseId": "r1"}).encode()

chunks = CHUNKS
SSE = {"openai": openai_sse, "anthropic": anthropic_sse, "gemini": gemini_sse}
JSON = {"openai": OPENAI_JSON, "anthropic": ANTHROPIC_JSON, "gemini": GEMINI_JSON}
body = SSE[provider](chunks) if stream else JSON[provider]
content_type = "text/event-stream" if stream else "application/json"
http = httpx2.Client(transport=httpx2.MockTransport(
    lambda request: httpx2.Response(200, content=body, headers={"content-type": content_type})))
messages = [{"role": "user", "content": "hi"}]

if provider == "openai":
    import openai

    client = openai.OpenAI(api_key="x", base_url="http://bench.invalid/v1", http_client=http, max_retries=0)

    def one():
        if stream:
            for _ in client.chat.completions.create(model="gpt-4o-mini", messages=messages, stream=True,
                                                    stream_options={"include_usage": True}):
                pass
        else:
            client.chat.completions.create(model="gpt-4o-mini", messages=messages)
elif provider == "gemini":
    from google import genai
    from google.genai import types

    gemini = genai.Client(api_key="x", http_options=types.HttpOptions(base_url="http://bench.invalid/", httpx_client=http))

    def one():
        if stream:
            for _ in gemini.models.generate_content_stream(model="gemini-2.5-flash", contents="hi"):
                pass
        else:
            gemini.models.generate_content(model="gemini-2.5-flash", contents="hi")
else:
    import anthropic

    client = anthropic.Anthropic(api_key="x", base_url="http://bench.invalid", http_client=http, max_retries=0)

    def one():
        if stream:
            for _ in client.messages.create(model="claude-sonnet-4-5", max_tokens=64, messages=messages, stream=True):
                pass
        else:
            client.messages.create(model="claude-sonnet-4-5", max_tokens=64, messages=messages)

if SUT == "project":
    import autolog

    autolog.autolog()
    if SCENARIO == "off":
        autolog.disable()
elif SUT == "mlflow":
    import mlflow.anthropic
    import mlflow.openai

    mlflow.openai.autolog()
    mlflow.anthropic.autolog()
    if provider == "gemini":
        import mlflow.gemini

        mlflow.gemini.autolog()
    if SCENARIO == "off":
        mlflow.tracing.disable()

if SCENARIO == "suspended" and SUT == "project":
    import autolog

    suspended = autolog.suspended()
    suspended.__enter__()

if SCENARIO in ("off-micro", "suspended-micro"):
    # A switched-off call costs the SDK's own call plus the wrapper's few checks. The SDK's call
    # varies by more than that from run to run, so the wrapper is timed on a method that returns
    # at once: patched and switched off, against the same method unpatched (best of 7 x N calls).
    import timeit

    import autolog
    from autolog.openai import _kinds

    class Resource:
        def create(self, **kwargs):
            return kwargs

    unpatched = Resource()
    plain = timeit.repeat(lambda: unpatched.create(model="m"), number=CALLS, repeat=7)
    kind = _kinds()["chat"]
    from autolog._tracing.call import make_wrapper
    import wrapt

    wrapt.wrap_function_wrapper(Resource, "create", make_wrapper(kind, "create", is_async=False, deferred=False))
    patched = Resource()
    autolog.autolog()
    if SCENARIO == "off-micro":
        autolog.disable()
        off = timeit.repeat(lambda: patched.create(model="m"), number=CALLS, repeat=7)
    else:
        with autolog.suspended():
            off = timeit.repeat(lambda: patched.create(model="m"), number=CALLS, repeat=7)
    print(json.dumps({"per_call_overhead_us": (min(off) - min(plain)) / CALLS * 1e6}))
    sys.exit(0)

if SCENARIO.startswith("chunk-micro"):
    # What the plugin itself does per chunk (proxy + accumulator), apart from the span and the
    # export of its trace: the SDK's own chunk objects, read once, are replayed through the
    # stream proxy with a real accumulator, against the same objects read bare (best of 7).
    import timeit

    from autolog._tracing.streams import StreamProxy
    from autolog.anthropic import _kinds as anthropic_kinds
    from autolog.openai import _kinds as openai_kinds

    autolog_kinds = openai_kinds() if provider == "openai" else anthropic_kinds()
    kind = autolog_kinds["chat" if provider == "openai" else "messages"]
    if provider == "openai":
        items = list(client.chat.completions.create(model="gpt-4o-mini", messages=messages, stream=True))
    else:
        items = list(client.messages.create(model="claude-sonnet-4-5", max_tokens=64, messages=messages, stream=True))

    class Call:  # the span's side is measured elsewhere
        ended = False
        started_ns = 0
        hide = None

        def __init__(self):
            self.kind = kind

        def finish(self, response, extra=None, end_ns=None):
            self.result = response

    class Items:
        def __init__(self):
            self._it = iter(items)

        def __next__(self):
            return next(self._it)

    def bare():
        stream = Items()
        try:
            while True:
                stream.__next__()
        except StopIteration:
            pass

    def proxied():
        for _ in StreamProxy(Items(), Call()):
            pass

    plain = min(timeit.repeat(bare, number=20, repeat=7))
    traced = min(timeit.repeat(proxied, number=20, repeat=7))
    print(json.dumps({"per_chunk_us": (traced - plain) / 20 / len(items) * 1e6, "chunks": len(items)}))
    sys.exit(0)

if SCENARIO.startswith("memory"):
    import tracemalloc

    one()  # warm: imports and first-call caches are not the stream's memory
    try:  # nor the export of the warm-up's trace (tracemalloc sees every thread)
        mlflow.flush_trace_async_logging()
    except Exception:
        pass
    gc.collect()
    tracemalloc.start()
    one()
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    print(json.dumps({"peak_bytes": peak, "text_bytes": sum(len(f"tok{i} ") for i in range(chunks))}))
    sys.exit(0)

for _ in range(20):
    one()
try:  # the warm-up's traces are exported now, not while the timed calls run
    mlflow.flush_trace_async_logging()
except Exception:
    pass
gc.collect()
started = time.perf_counter()
for _ in range(CALLS):
    one()
per_call = (time.perf_counter() - started) / CALLS
started = time.perf_counter()
try:
    mlflow.flush_trace_async_logging()
except Exception:
    pass
print(json.dumps({"per_call_us": per_call * 1e6, "flush_s": time.perf_counter() - started}))
