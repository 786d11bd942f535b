"""What MLflow's trace list shows: the request and response previews the package writes for every
kind of call, as MLflow stores them in the trace info."""
import json

import mlflow
import openai
import pytest

import autolog
from conftest import ANTHROPIC_HTTP, OPENAI_HTTP, VCR, only_trace, traces

QUESTION = [{"role": "user", "content": "What is the capital of France?"}]
WEATHER = [{"role": "user", "content": "Weather in Paris and Rome?"}]
WEATHER_TOOL = {"type": "function", "function": {"name": "get_weather", "parameters": {"type": "object"}}}
ANTHROPIC_TOOL = {"name": "get_weather", "description": "Weather for a city",
                  "input_schema": {"type": "object", "properties": {"city": {"type": "string"}}}}


def previews(experiment):
    info = only_trace(experiment).info
    return info.request_preview, info.response_preview


def test_openai_chat(mode, experiment):
    with VCR.use_cassette("openai/chat.yaml"):
        mode.wait(mode.openai().chat.completions.create(model="gpt-4o-mini", messages=[
            {"role": "system", "content": "Answer briefly."}, *QUESTION]))
    assert previews(experiment) == ("What is the capital of France?", "The capital of France is Paris.")


def test_openai_chat_stream(mode, experiment):
    with VCR.use_cassette("openai/chat_stream.yaml"):
        mode.drain(mode.wait(mode.openai().chat.completions.create(model="gpt-4o-mini", messages=QUESTION, stream=True)))
    assert previews(experiment) == ("What is the capital of France?", "The capital of France is Paris.")


def test_openai_tool_calls(mode, experiment):
    with VCR.use_cassette("openai/chat_tools_stream.yaml"):
        mode.drain(mode.wait(mode.openai().chat.completions.create(
            model="gpt-4o-mini", messages=WEATHER, tools=[WEATHER_TOOL], stream=True)))
    assert previews(experiment) == (
        "Weather in Paris and Rome?", 'get_weather({"city": "Paris"}), get_weather({"city": "Rome"})')


def test_openai_embeddings(mode, experiment):
    with VCR.use_cassette("openai/embeddings.yaml"):
        mode.wait(mode.openai().embeddings.create(model="text-embedding-3-small", input=["hello", "world"]))
    assert previews(experiment) == ("hello | world", "2 vectors of 3 dims")


def test_openai_legacy_completions(mode, experiment):
    with VCR.use_cassette("openai/completions.yaml"):
        result = mode.wait(mode.openai().completions.create(model="gpt-3.5-turbo-instruct", prompt="Say hi"))
    assert previews(experiment) == ("Say hi", result.choices[0].text.strip())


def test_openai_responses(mode, experiment):
    with VCR.use_cassette("openai/responses.yaml"):
        mode.wait(mode.openai().responses.create(model="gpt-4.1-mini", input="What is the capital of France?"))
    assert previews(experiment) == ("What is the capital of France?", "Paris is the capital of France.")


def test_openai_responses_stream_with_text_and_a_function_call(mode, experiment):
    with VCR.use_cassette("openai/responses_stream.yaml"):
        mode.drain(mode.wait(mode.openai().responses.create(model="gpt-4.1-mini", stream=True, input=[
            {"role": "user", "content": [{"type": "input_text", "text": "Weather in Paris?"}]}])))
    assert previews(experiment) == ("Weather in Paris?", "Paris is the capital.")  # the text comes first


def test_openai_responses_function_call_only(experiment):
    answer = {"id": "resp_1", "object": "response", "created_at": 1, "model": "gpt-4.1-mini", "status": "completed",
              "output": [{"type": "function_call", "id": "fc_1", "call_id": "call_1", "name": "get_weather",
                          "arguments": '{"city": "Paris"}', "status": "completed"}]}
    client = openai.OpenAI(api_key="sk-test", max_retries=0, base_url="http://x.invalid/v1", http_client=OPENAI_HTTP.Client(
        transport=OPENAI_HTTP.MockTransport(lambda r: OPENAI_HTTP.Response(200, json=answer))))
    client.responses.create(model="gpt-4.1-mini", input="Weather in Paris?", tools=[
        {"type": "function", "name": "get_weather", "parameters": {"type": "object"}}])
    assert previews(experiment) == ("Weather in Paris?", 'get_weather({"city": "Paris"})')


def test_anthropic_message_and_stream(mode, experiment):
    with VCR.use_cassette("anthropic/messages.yaml"):
        mode.wait(mode.anthropic().messages.create(model="claude-sonnet-4-5", max_tokens=256, messages=QUESTION))
    with VCR.use_cassette("anthropic/messages_stream.yaml"):
        mode.drain(mode.wait(mode.anthropic().messages.create(
            model="claude-sonnet-4-5", max_tokens=256, messages=QUESTION, stream=True)))
    assert [(t.info.request_preview, t.info.response_preview) for t in traces(experiment)] == [
        ("What is the capital of France?", "The capital of France is Paris.")] * 2


def test_anthropic_tool_use_without_text(experiment):
    from anthropic import Anthropic

    answer = {"id": "msg_1", "type": "message", "role": "assistant", "model": "claude-sonnet-4-5",
              "content": [{"type": "tool_use", "id": "toolu_1", "name": "get_weather", "input": {"city": "Paris"}}],
              "stop_reason": "tool_use", "stop_sequence": None, "usage": {"input_tokens": 10, "output_tokens": 5}}
    client = Anthropic(api_key="sk-ant-test", max_retries=0, base_url="http://anthropic.invalid", http_client=ANTHROPIC_HTTP.Client(
        transport=ANTHROPIC_HTTP.MockTransport(lambda r: ANTHROPIC_HTTP.Response(200, json=answer))))
    client.messages.create(model="claude-sonnet-4-5", max_tokens=256, tools=[ANTHROPIC_TOOL], messages=[
        {"role": "user", "content": "Weather in Paris?"},
        {"role": "assistant", "content": [{"type": "tool_use", "id": "toolu_0", "name": "get_weather", "input": {}}]},
        {"role": "user", "content": [{"type": "tool_result", "tool_use_id": "toolu_0", "content": "Sunny"},
                                     {"type": "text", "text": "And now?"}]},
    ])
    assert previews(experiment) == ("[tool result] Sunny And now?", 'get_weather({"city": "Paris"})')


def test_anthropic_thinking_shows_the_answer(mode, experiment):
    with VCR.use_cassette("anthropic/messages_thinking_stream.yaml"):
        mode.drain(mode.wait(mode.anthropic().messages.create(
            model="claude-sonnet-4-5", max_tokens=256, messages=QUESTION,
            thinking={"type": "enabled", "budget_tokens": 1024}, stream=True)))
    assert previews(experiment) == ("What is the capital of France?", "Paris.")


def test_images_and_files_are_marked(experiment):
    def answer(request):
        return OPENAI_HTTP.Response(200, json={
            "id": "c1", "object": "chat.completion", "created": 1, "model": "gpt-4o-mini",
            "choices": [{"index": 0, "finish_reason": "stop", "message": {"role": "assistant", "content": "A cat."}}]})

    client = openai.OpenAI(api_key="sk-test", max_retries=0, base_url="http://x.invalid/v1",
                           http_client=OPENAI_HTTP.Client(transport=OPENAI_HTTP.MockTransport(answer)))
    client.chat.completions.create(model="gpt-4o-mini", messages=[{"role": "user", "content": [
        {"type": "text", "text": "What is in this picture?"},
        {"type": "image_url", "image_url": {"url": "data:image/png;base64,iVBORw0KGgo="}},
        {"type": "input_audio", "input_audio": {"data": "UklGRg==", "format": "wav"}},
    ]}])
    assert previews(experiment) == ("What is in this picture? [image] [audio]", "A cat.")


def test_a_failed_call(mode, experiment):
    with VCR.use_cassette("openai/chat_error_429.yaml"):
        with pytest.raises(openai.RateLimitError) as raised:
            mode.wait(mode.openai().chat.completions.create(model="gpt-4o-mini", messages=QUESTION))
    request, response = previews(experiment)
    assert request == "What is the capital of France?"
    assert response == f"RateLimitError: {raised.value}"[:1000]


def test_no_content_in_previews_without_capture(mode, experiment):
    autolog.autolog(capture_content=False)
    with VCR.use_cassette("openai/chat.yaml"):
        mode.wait(mode.openai().chat.completions.create(model="gpt-4o-mini", messages=QUESTION))
    with VCR.use_cassette("openai/chat_error_429.yaml"):
        with pytest.raises(openai.RateLimitError):
            mode.wait(mode.openai().chat.completions.create(model="gpt-4o-mini", messages=QUESTION))
    ok, failed = traces(experiment)
    assert (ok.info.request_preview or None, ok.info.response_preview or None) == (None, None)
    assert (failed.info.request_preview or None, failed.info.response_preview) == (None, "RateLimitError")


def test_redact_applies_to_previews(mode, experiment):
    def redact(data, what):
        return json.loads(json.dumps(data).replace("France", "<country>").replace("Paris", "<city>"))

    autolog.autolog(redact=redact)
    with VCR.use_cassette("openai/chat.yaml"):
        mode.wait(mode.openai().chat.completions.create(model="gpt-4o-mini", messages=QUESTION))
    assert previews(experiment) == ("What is the capital of <country>?", "The capital of <country> is <city>.")


def test_a_call_inside_the_users_trace_leaves_its_previews_alone(experiment):
    @mlflow.trace
    def agent(question):
        with VCR.use_cassette("openai/chat.yaml"):
            openai.OpenAI(api_key="sk-test", max_retries=0).chat.completions.create(
                model="gpt-4o-mini", messages=[{"role": "user", "content": question}])
        return "my own answer"

    agent("my own question")
    request, response = previews(experiment)
    assert "my own question" in request and "my own answer" in response
