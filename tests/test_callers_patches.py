"""What a caller patches in the modules the package also uses (a test's fake clock, OpenTelemetry's
functions replaced by spies) does not reach the package: the caller's code and checks see what
they would see untraced, and the trace is still stored. Found running the SDKs' own test suites."""
import threading
import time

import autolog
from conftest import echo_client, only_span


def ask(question):
    return echo_client().chat.completions.create(model="gpt-4o-mini", messages=[{"role": "user", "content": question}])


def test_a_fake_clock_does_not_reach_the_export_writer(experiment, monkeypatch):
    failures = []
    monkeypatch.setattr(threading, "excepthook", failures.append)

    def no_event_loop():
        raise RuntimeError("not running on any asynchronous event loop")

    monkeypatch.setattr(time, "monotonic", no_event_loop)  # as anyio's fake clock does outside a loop
    assert ask("what time is it?").choices[0].message.content == "echo what time is it?"
    assert autolog.flush(timeout=30)
    monkeypatch.undo()
    assert failures == []
    assert only_span(experiment).outputs["choices"][0]["message"]["content"] == "echo what time is it?"


def test_opentelemetry_spies_see_no_call_from_the_package(experiment, monkeypatch):
    from opentelemetry import trace

    called = []

    def spy(name):
        def refuse(*args, **kwargs):
            called.append(name)
            raise AssertionError(f"opentelemetry.trace.{name} was called")
        return refuse

    for name in ("get_tracer_provider", "get_tracer", "get_current_span", "use_span", "set_span_in_context"):
        monkeypatch.setattr(trace, name, spy(name))
    ask("anyone there?")
    assert autolog.flush(timeout=30)
    monkeypatch.undo()
    assert called == []
    only_span(experiment)
