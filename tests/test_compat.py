"""An MLflow the package does not fully support: said once, loudly, and traces still recorded
through MLflow's own span API."""
import logging

import mlflow
import pytest

import autolog
from autolog._mlflow import compat as _compat
from conftest import VCR, only_span

QUESTION = [{"role": "user", "content": "What is the capital of France?"}]


@pytest.fixture
def recheck(monkeypatch):
    """Forget what check() decided, so the next autolog() decides again; restored afterwards."""
    saved = dict(vars(_compat.SUPPORT))
    autolog.revert()
    monkeypatch.setattr(_compat.SUPPORT, "checked", False)
    yield
    for key, value in saved.items():
        setattr(_compat.SUPPORT, key, value)


def chat(mode):
    with VCR.use_cassette("openai/chat.yaml"):
        return mode.wait(mode.openai().chat.completions.create(model="gpt-4o-mini", messages=QUESTION))


def warnings_about_mlflow(caplog):
    return [r for r in caplog.records if r.levelno == logging.WARNING and "MLflow" in r.getMessage()
            and "batched export" in r.getMessage()]


@pytest.mark.parametrize("change", ["too-old", "internal-moved"])
def test_an_unsupported_mlflow_is_said_once_and_traces_still_recorded(mode, experiment, recheck, monkeypatch,
                                                                      caplog, change):
    if change == "too-old":
        monkeypatch.setattr(mlflow, "__version__", "3.5.0")
    else:
        # an internal only the package's own path uses (deleting a real one breaks MLflow's span API too)
        moved = ("mlflow.tracing.provider.moved_away", _compat._has("mlflow.tracing.provider", "moved_away"))
        monkeypatch.setattr(_compat, "_EXPERIMENT_LOOKUP", [*_compat._EXPERIMENT_LOOKUP, moved])
    before = autolog.stats()["recorded"]
    autolog.autolog()
    autolog.autolog()  # said once, not per call of autolog()
    [warning] = warnings_about_mlflow(caplog)
    message = warning.getMessage()
    assert mlflow.__version__ in message and "mlflow-skinny>=3.12" in message
    assert ("MLflow >= 3.12" if change == "too-old" else "mlflow.tracing.provider.moved_away") in message

    assert chat(mode).choices[0].message.content == "The capital of France is Paris."
    mlflow.flush_trace_async_logging()
    span = only_span(experiment)  # recorded by MLflow's own span API and exporter
    assert span.outputs["choices"][0]["message"]["content"] == "The capital of France is Paris."
    assert span.attributes["mlflow.llm.model"] == "gpt-4o-mini-2024-07-18"
    assert autolog.stats()["recorded"] == before  # the package's own export was not used


def test_a_supported_mlflow_says_nothing(mode, experiment, recheck, caplog):
    autolog.autolog()
    assert warnings_about_mlflow(caplog) == []
    before = autolog.stats()["recorded"]
    chat(mode)
    assert autolog.stats()["recorded"] == before + 1
    only_span(experiment)
