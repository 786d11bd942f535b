"""Credentials a call carries in its headers or query parameters never reach the store."""
import json

from conftest import VCR, only_span

QUESTION = [{"role": "user", "content": "What is the capital of France?"}]
SECRET = "sk-live-do-not-store-1234"


def stored(span) -> str:
    return json.dumps(span.inputs)


def test_openai_headers_and_query(mode, experiment):
    client = mode.openai()
    with VCR.use_cassette("openai/chat.yaml"):
        mode.wait(client.chat.completions.create(
            model="gpt-4o-mini", messages=QUESTION,
            extra_headers={"Authorization": f"Bearer {SECRET}", "api-key": SECRET, "X-Request-Tag": "kept"},
            extra_query={"api-key": SECRET, "api-version": "2024-10-21"}))
    span = only_span(experiment)
    assert SECRET not in stored(span)
    assert span.inputs["extra_headers"] == {"Authorization": "<redacted>", "api-key": "<redacted>",
                                            "X-Request-Tag": "kept"}
    assert span.inputs["extra_query"] == {"api-key": "<redacted>", "api-version": "2024-10-21"}
    assert span.inputs["messages"] == QUESTION


def test_anthropic_headers(mode, experiment):
    client = mode.anthropic()
    with VCR.use_cassette("anthropic/messages.yaml"):
        mode.wait(client.messages.create(model="claude-sonnet-4-5", max_tokens=256, messages=QUESTION,
                                         extra_headers={"x-api-key": SECRET, "Cookie": f"session={SECRET}"}))
    span = only_span(experiment)
    assert SECRET not in stored(span)
    assert span.inputs["extra_headers"] == {"x-api-key": "<redacted>", "Cookie": "<redacted>"}
    assert span.inputs["max_tokens"] == 256  # a name with "token" in it that is no credential


def test_gemini_http_options_headers(mode, experiment):
    models = mode.gemini("generate")
    mode.wait(models.generate_content(model="gemini-2.5-flash", contents="What is the capital of France?",
                                      config={"http_options": {"headers": {"x-goog-api-key": SECRET}}}))
    span = only_span(experiment)
    assert SECRET not in stored(span)
    assert span.inputs["config"]["http_options"]["headers"] == {"x-goog-api-key": "<redacted>"}


def test_redact_receives_inputs_already_without_credentials(experiment):
    import autolog
    import openai

    seen = []
    autolog.autolog(redact=lambda data, what: seen.append(json.dumps(data)) or data)
    with VCR.use_cassette("openai/chat.yaml"):
        openai.OpenAI(api_key="sk-test", max_retries=0).chat.completions.create(
            model="gpt-4o-mini", messages=QUESTION, extra_headers={"Authorization": f"Bearer {SECRET}"})
    assert seen and all(SECRET not in s for s in seen)
