from __future__ import annotations

import asyncio
import inspect
import json
import logging
import os
import threading
import uuid
from pathlib import Path

os.environ.setdefault("MLFLOW_ENABLE_ASYNC_TRACE_LOGGING", "false")  # MLflow's own exporter writes at once
os.environ.setdefault("MLFLOW_MODEL_CATALOG_URI", "")  # MLflow prices models from its bundled catalog, offline
# with litellm installed MLflow prices through it, and LiteLLM fetches its price map at import (offline:
# retries, then no cost): its bundled map instead
os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")

import anthropic
import mlflow
import openai
import pytest
import vcr

import autolog
from echo import echo, echo_burst, echo_client  # noqa: F401 - the tests import them from here
from autolog._export import exporter as _export
from autolog._config import STATE
from autolog._cli.demo import http_library

ROOT = Path(__file__).resolve().parent.parent


OPENAI_HTTP = http_library("openai")  # MockTransport, Client, Response of the library each SDK uses
ANTHROPIC_HTTP = http_library("anthropic")
VCR = vcr.VCR(
    cassette_library_dir=str(ROOT / "cassettes"),
    record_mode="none",
    match_on=["method", "scheme", "host", "port", "path"],
    ignore_hosts=["127.0.0.1"],  # the MLflow servers the tests start (Ollama recordings use "localhost")
)


@pytest.fixture(scope="session", autouse=True)
def working_folder(tmp_path_factory):
    """The suite runs in a temporary folder: what MLflow writes relative to the working directory
    (./mlruns, the artifacts of experiments in a local store) stays out of the checkout."""
    folder = tmp_path_factory.mktemp("cwd")
    previous = os.getcwd()
    os.chdir(folder)
    yield folder
    os.chdir(previous)


@pytest.fixture(scope="session")
def tracking_uri(tmp_path_factory, working_folder):
    uri = f"sqlite:///{tmp_path_factory.mktemp('store')}/mlflow.db"
    mlflow.set_tracking_uri(uri)
    logging.getLogger("mlflow").setLevel(logging.ERROR)
    return uri


@pytest.fixture(autouse=True)
def experiment(tracking_uri):
    """A fresh experiment per test, so that each test reads back only its own traces."""
    experiment_id = mlflow.set_experiment(f"test-{uuid.uuid4().hex[:12]}").experiment_id
    yield experiment_id


@pytest.fixture(autouse=True)
def traced():
    autolog.autolog()
    yield
    autolog.revert()
    autolog.flush(10)
    # losses a test caused on purpose (and checked) are not the exit warning of the whole run
    _export.EXPORTER._unreported = _export._Unreported()
    _export.EXPORTER.settings = _export.ExportSettings()
    _export.EXPORTER._healthy = True
    STATE.enabled = True
    STATE.by_provider.clear()
    logging.getLogger("autolog").setLevel(logging.NOTSET)
    mlflow.tracing.enable()


def traces(experiment_id):
    """The experiment's traces as MLflow stores them, oldest first."""
    assert autolog.flush(60), autolog.stats()
    found = mlflow.search_traces(locations=[experiment_id], return_type="list", order_by=["timestamp_ms ASC"])
    return list(found)


def only_trace(experiment_id):
    found = traces(experiment_id)
    assert len(found) == 1, f"expected one trace, found {len(found)}"
    return found[0]


def only_span(experiment_id):
    """The single LLM span of the single trace in the experiment."""
    found = traces(experiment_id)
    assert len(found) == 1, f"expected one trace, found {len(found)}"
    spans = found[0].data.spans
    assert len(spans) == 1, [s.name for s in spans]
    return spans[0]


def usage_of(span):
    usage = span.attributes.get("mlflow.chat.tokenUsage")
    return json.loads(usage) if isinstance(usage, str) else usage


def exception_events(span):
    return [e for e in span.events if e.name == "exception"]


class Mode:
    """Runs one test body against the sync or the async client: the async side drives the same
    calls through one event loop that lives as long as the test."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.is_async = name == "async"
        self.runner = asyncio.Runner() if self.is_async else None
        self.clients = []

    def openai(self, **kwargs):
        kwargs.setdefault("api_key", "sk-test")
        kwargs.setdefault("max_retries", 0)
        return (openai.AsyncOpenAI if self.is_async else openai.OpenAI)(**kwargs)

    def anthropic(self, **kwargs):
        kwargs.setdefault("api_key", "sk-ant-test")
        kwargs.setdefault("max_retries", 0)
        return (anthropic.AsyncAnthropic if self.is_async else anthropic.Anthropic)(**kwargs)

    def gemini(self, cassette: str, *, vertex: bool = False):
        """google-genai's models resource, answered from one of the project's Gemini cassettes."""
        from autolog._cli.demo import gemini_client

        client = gemini_client(ROOT / "cassettes" / "gemini" / f"{cassette}.yaml", vertex=vertex)
        self.clients.append(client)  # some google-genai releases close the HTTP client with the Client
        return client.aio.models if self.is_async else client.models

    def wait(self, value):
        """The value of a call: awaited on the async side."""
        if inspect.isawaitable(value):
            return self.runner.run(_awaited(value))
        return value

    def drain(self, stream) -> list:
        if self.is_async:
            return self.runner.run(_collect(stream))
        return list(stream)

    def take(self, stream, n: int) -> list:
        if self.is_async:
            return self.runner.run(_take(stream, n))
        it = iter(stream)
        return [next(it) for _ in range(n)]

    def close(self, stream) -> None:
        if inspect.isasyncgen(stream):  # google-genai streams are async generators
            self.wait(stream.aclose())
        else:
            self.wait(stream.close())

    def enter(self, manager):
        return self.wait(manager.__aenter__()) if self.is_async else manager.__enter__()

    def exit(self, manager) -> None:
        self.wait(manager.__aexit__(None, None, None)) if self.is_async else manager.__exit__(None, None, None)

    def shutdown(self) -> None:
        if self.runner is not None:
            self.runner.close()


async def _awaited(value):
    return await value


async def _collect(stream):
    return [item async for item in stream]


async def _take(stream, n):
    out = []
    async for item in stream:
        out.append(item)
        if len(out) == n:
            break
    return out


@pytest.fixture(params=["sync", "async"])
def mode(request):
    m = Mode(request.param)
    yield m
    m.shutdown()
