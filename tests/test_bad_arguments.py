"""A call that raises before anything is sent (a bad argument) leaves one ERROR span, whichever
method it went through, and the caller gets the SDK's own exception."""
import pytest

import autolog
from conftest import exception_events, only_trace

QUESTION = [{"role": "user", "content": "What is the capital of France?"}]

CALLS = {
    # the SDKs check these before making a request (the async create() at call time, not when awaited)
    "openai create without messages": (
        "openai", lambda c: c.chat.completions.create(model="gpt-4o-mini"), "Completions.create"),
    "openai chat stream(), a response_format it cannot use": (
        "openai", lambda c: c.chat.completions.stream(model="gpt-4o-mini", messages=QUESTION, response_format="json"),
        "Completions.stream"),
    "openai responses stream() without a model": (
        "openai", lambda c: c.responses.stream(input="What is the capital of France?"), "Responses.stream"),
    "anthropic create without max_tokens": (
        "anthropic", lambda c: c.messages.create(model="claude-sonnet-4-5", messages=QUESTION), "Messages.create"),
    "anthropic stream(), an output_format that is not a type": (
        "anthropic", lambda c: c.messages.stream(model="claude-sonnet-4-5", max_tokens=256, messages=QUESTION,
                                                 output_format="json"), "Messages.stream"),
    "anthropic beta stream(), an output_format that is not a type": (
        "anthropic", lambda c: c.beta.messages.stream(model="claude-sonnet-4-5", max_tokens=256, messages=QUESTION,
                                                      output_format="json"), "Messages.stream"),
}


def raised_by(mode, make):
    try:
        mode.wait(make())
    except Exception as error:
        return error
    raise AssertionError("the call did not raise")


@pytest.mark.parametrize("case", sorted(CALLS))
def test_a_call_that_raises_before_sending_leaves_one_error_span(mode, experiment, case):
    sdk, call, name = CALLS[case]
    client = getattr(mode, sdk)(base_url="http://nothing-is-sent.invalid")
    with autolog.suspended():
        untraced = raised_by(mode, lambda: call(client))
    traced = raised_by(mode, lambda: call(client))
    assert (type(traced), str(traced)) == (type(untraced), str(untraced))
    [span] = only_trace(experiment).data.spans
    assert span.name == ("Async" if mode.is_async else "") + name
    assert span.status.status_code == "ERROR"
    [event] = exception_events(span)
    assert (event.attributes["exception.type"], event.attributes["exception.message"]) == (
        type(traced).__name__, str(traced))
