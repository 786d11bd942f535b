"""A stream's span ends exactly once: exhausted, failed, closed, left in a with block, or dropped."""
import gc

import pytest

from conftest import ANTHROPIC_HTTP, OPENAI_HTTP, VCR, only_span, traces

QUESTION = [{"role": "user", "content": "What is the capital of France?"}]


def open_openai_stream(mode):
    return mode.wait(mode.openai().chat.completions.create(model="gpt-4o-mini", messages=QUESTION, stream=True))


def open_anthropic_stream(mode):
    return mode.wait(mode.anthropic().messages.create(model="claude-sonnet-4-5", max_tokens=256, messages=QUESTION,
                                                       stream=True))


OPENERS = {"openai": ("openai/chat_stream.yaml", open_openai_stream),
           "anthropic": ("anthropic/messages_stream.yaml", open_anthropic_stream)}


def partial_text(provider, outputs):
    if provider == "openai":
        return outputs["choices"][0]["message"]["content"]
    return "".join(block.get("text", "") for block in outputs["content"])


@pytest.fixture(params=sorted(OPENERS))
def provider(request):
    return request.param


def test_closed_early(mode, experiment, provider):
    cassette, opener = OPENERS[provider]
    with VCR.use_cassette(cassette):
        stream = opener(mode)
        mode.take(stream, 4)
        mode.close(stream)
        mode.close(stream)  # a second close changes nothing
    span = only_span(experiment)
    assert span.status.status_code == "OK"
    assert span.attributes["autolog.stream.end"] == "closed"
    assert span.attributes["autolog.stream.completed"] is False
    assert span.attributes["autolog.stream.items"] == 4
    assert partial_text(provider, span.outputs) == ("The capital of" if provider == "openai" else "The capital")


def test_left_in_with_block(mode, experiment, provider):
    cassette, opener = OPENERS[provider]
    with VCR.use_cassette(cassette):
        stream = opener(mode)
        entered = mode.enter(stream)
        assert entered is stream  # the proxy, not the SDK's stream behind it
        mode.take(stream, 2)
        mode.exit(stream)
    span = only_span(experiment)
    assert span.attributes["autolog.stream.end"] == "closed"
    assert span.outputs is not None


def test_abandoned_stream_ends_at_garbage_collection(mode, experiment, provider):
    cassette, opener = OPENERS[provider]
    with VCR.use_cassette(cassette):
        stream = opener(mode)
        mode.take(stream, 3)
        assert traces(experiment) == []  # still open
        del stream
        gc.collect()
    span = only_span(experiment)
    assert span.status.status_code == "OK"
    assert span.attributes["autolog.stream.end"] == "abandoned"
    assert span.attributes["autolog.stream.completed"] is False
    assert span.outputs is not None


def test_never_read_stream_still_ends(mode, experiment, provider):
    cassette, opener = OPENERS[provider]
    with VCR.use_cassette(cassette):
        stream = opener(mode)
        del stream
        gc.collect()
    span = only_span(experiment)
    assert span.attributes["autolog.stream.items"] == 0
    assert "autolog.stream.time_to_first_token_ms" not in span.attributes


def test_exhausted_then_closed_is_one_span(mode, experiment, provider):
    cassette, opener = OPENERS[provider]
    with VCR.use_cassette(cassette):
        stream = opener(mode)
        mode.drain(stream)
        mode.close(stream)
        del stream
        gc.collect()
    span = only_span(experiment)
    assert span.attributes["autolog.stream.end"] == "exhausted"


def test_proxy_keeps_the_sdk_stream_surface(mode, provider):
    import anthropic
    import openai

    cassette, opener = OPENERS[provider]
    sdk = openai if provider == "openai" else anthropic
    with VCR.use_cassette(cassette):
        stream = opener(mode)
        assert isinstance(stream, sdk.AsyncStream if mode.is_async else sdk.Stream)
        assert stream.response.status_code == 200
        assert stream.response.headers["x-request-id"] == "req_autolog_test"
        http = OPENAI_HTTP if provider == "openai" else ANTHROPIC_HTTP
        assert type(stream.response) is http.Response  # the SDK's own object, no proxy
        mode.drain(stream)


def test_aclose_where_the_sdk_stream_has_it(experiment):
    import asyncio

    import anthropic
    import openai

    async def main():
        with VCR.use_cassette("openai/chat_stream.yaml"):
            stream = await openai.AsyncOpenAI(api_key="sk-test", max_retries=0).chat.completions.create(
                model="gpt-4o-mini", messages=[{"role": "user", "content": "hi"}], stream=True)
            assert hasattr(stream, "aclose") is hasattr(stream.__wrapped__, "aclose")
            await (stream.aclose() if hasattr(stream, "aclose") else stream.close())  # aclose() came in openai 3
        with VCR.use_cassette("anthropic/messages_stream.yaml"):
            events = await anthropic.AsyncAnthropic(api_key="sk-ant-test", max_retries=0).messages.create(
                model="claude-sonnet-4-5", max_tokens=10, messages=[{"role": "user", "content": "hi"}], stream=True)
            assert hasattr(events, "aclose") is hasattr(events.__wrapped__, "aclose")
            await events.close()

    asyncio.run(main())
    assert [t.data.spans[0].attributes["autolog.stream.end"] for t in traces(experiment)] == ["closed", "closed"]
