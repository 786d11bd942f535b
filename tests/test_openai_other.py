import openai
import pytest
import pydantic

from conftest import OPENAI_HTTP, VCR, only_span, usage_of

QUESTION = [{"role": "user", "content": "What is the capital of France?"}]
SUM = [{"role": "user", "content": "What is 2 + 2?"}]


def test_legacy_completion(mode, experiment):
    with VCR.use_cassette("openai/completions.yaml"):
        mode.wait(mode.openai().completions.create(model="gpt-3.5-turbo-instruct", prompt="Say this is a test"))
    span = only_span(experiment)
    assert span.span_type == "LLM"
    assert span.outputs["choices"][0]["text"] == "\n\nThis is a test."
    assert usage_of(span) == {"input_tokens": 5, "output_tokens": 6, "total_tokens": 11}


def test_legacy_completion_stream(mode, experiment):
    with VCR.use_cassette("openai/completions_stream.yaml"):
        mode.drain(mode.wait(mode.openai().completions.create(
            model="gpt-3.5-turbo-instruct", prompt="Say this is a test", n=2, stream=True)))
    span = only_span(experiment)
    assert span.span_type == "LLM"
    assert span.outputs["object"] == "text_completion"
    assert [c["text"] for c in span.outputs["choices"]] == ["This is a test.", "Indeed a test."]
    assert usage_of(span) == {"input_tokens": 5, "output_tokens": 9, "total_tokens": 14}


def test_embeddings(mode, experiment):
    with VCR.use_cassette("openai/embeddings.yaml"):
        result = mode.wait(mode.openai().embeddings.create(model="text-embedding-3-small", input=["hello", "world"]))
    assert len(result.data) == 2
    span = only_span(experiment)
    assert span.span_type == "EMBEDDING"
    assert "mlflow.message.format" not in span.attributes
    assert len(span.outputs["data"]) == 2
    assert usage_of(span) == {"input_tokens": 2, "total_tokens": 2}


def test_responses(mode, experiment):
    with VCR.use_cassette("openai/responses.yaml"):
        result = mode.wait(mode.openai().responses.create(model="gpt-4.1-mini", input="What is the capital of France?"))
    assert result.output_text == "Paris is the capital of France."
    span = only_span(experiment)
    assert span.span_type == "CHAT_MODEL"
    assert span.outputs["output"][0]["content"][0]["text"] == "Paris is the capital of France."
    assert usage_of(span) == {"input_tokens": 20, "output_tokens": 10, "total_tokens": 30, "cache_read_input_tokens": 0}


def test_responses_stream(mode, experiment):
    with VCR.use_cassette("openai/responses_stream.yaml"):
        events = mode.drain(mode.wait(mode.openai().responses.create(
            model="gpt-4.1-mini", input="What is the capital of France?", stream=True)))
    assert events[-1].type == "response.completed"
    span = only_span(experiment)
    assert span.outputs["status"] == "completed"
    assert [item["type"] for item in span.outputs["output"]] == ["message", "function_call"]
    assert span.outputs["output"][1]["arguments"] == '{"city": "Paris"}'
    assert usage_of(span)["total_tokens"] == 30


def test_responses_stream_closed_early_keeps_partial_text(mode, experiment):
    with VCR.use_cassette("openai/responses_stream.yaml"):
        stream = mode.wait(mode.openai().responses.create(model="gpt-4.1-mini", input="x", stream=True))
        mode.take(stream, 6)  # created, in_progress, item added, part added, two text deltas
        mode.close(stream)
    span = only_span(experiment)
    assert span.attributes["autolog.stream.end"] == "closed"
    assert span.outputs["output"][0]["content"][0]["text"] == "Paris is"


def test_responses_stream_helper(mode, experiment):
    client = mode.openai()
    with VCR.use_cassette("openai/responses_stream.yaml"):
        manager = client.responses.stream(model="gpt-4.1-mini", input="What is the capital of France?")
        stream = mode.enter(manager)
        mode.drain(stream)
        final = mode.wait(stream.get_final_response())
        mode.exit(manager)
    assert final.output_text == "Paris is the capital."
    span = only_span(experiment)
    assert span.name.endswith("Responses.create")  # this helper does not say it is one, unlike chat's
    assert span.outputs["status"] == "completed"


def test_responses_stream_helper_left_early(mode, experiment):
    client = mode.openai()
    with VCR.use_cassette("openai/responses_stream.yaml"):
        manager = client.responses.stream(model="gpt-4.1-mini", input="What is the capital of France?")
        stream = mode.enter(manager)
        assert type(stream._response) is OPENAI_HTTP.Response  # what the helper closes is the SDK's own
        mode.take(stream, 3)
        mode.exit(manager)  # the helper closes the HTTP response, not the stream it reads
    span = only_span(experiment)
    assert (span.attributes["autolog.stream.end"], span.attributes["autolog.stream.completed"]) == ("closed", False)


class City(pydantic.BaseModel):
    city: str
    country: str


def test_responses_parse(mode, experiment):
    with VCR.use_cassette("openai/responses_parse.yaml"):
        result = mode.wait(mode.openai().responses.parse(model="gpt-4.1-mini", input="What is the capital of France?",
                                                         text_format=City))
    assert result.output_parsed == City(city="Paris", country="France")
    span = only_span(experiment)
    assert span.name.endswith("Responses.parse")
    assert span.outputs["output"][0]["content"][0]["parsed"] == {"city": "Paris", "country": "France"}


def test_with_raw_response(mode, experiment):
    with VCR.use_cassette("openai/chat.yaml"):
        raw = mode.wait(mode.openai().chat.completions.with_raw_response.create(model="gpt-4o-mini", messages=QUESTION))
    assert raw.headers["x-request-id"] == "req_autolog_test"
    completion = raw.parse()
    assert completion.choices[0].message.content == "The capital of France is Paris."
    span = only_span(experiment)
    assert span.outputs["choices"][0]["message"]["content"] == "The capital of France is Paris."
    assert usage_of(span)["total_tokens"] == 21


def test_with_raw_response_stream(mode, experiment):
    with VCR.use_cassette("openai/chat_stream.yaml"):
        raw = mode.wait(mode.openai().chat.completions.with_raw_response.create(
            model="gpt-4o-mini", messages=QUESTION, stream=True))
        chunks = mode.drain(raw.parse())
    assert len(chunks) == 10
    span = only_span(experiment)
    assert span.outputs["choices"][0]["message"]["content"] == "The capital of France is Paris."
    assert span.attributes["autolog.stream.completed"] is True


def test_with_streaming_response(mode, experiment):
    client = mode.openai()
    with VCR.use_cassette("openai/chat.yaml"):
        manager = client.chat.completions.with_streaming_response.create(model="gpt-4o-mini", messages=QUESTION)
        response = mode.enter(manager)
        completion = mode.wait(response.parse())
        mode.exit(manager)
    assert completion.choices[0].message.content == "The capital of France is Paris."
    span = only_span(experiment)
    assert span.outputs["choices"][0]["message"]["content"] == "The capital of France is Paris."


def test_with_streaming_response_read_as_text(mode, experiment):
    client = mode.openai()
    with VCR.use_cassette("openai/chat.yaml"):
        manager = client.chat.completions.with_streaming_response.create(model="gpt-4o-mini", messages=QUESTION)
        response = mode.enter(manager)
        body = mode.wait(response.text())
        mode.exit(manager)
    assert "Paris" in body
    span = only_span(experiment)
    assert span.status.status_code == "OK"
    assert span.outputs["choices"][0]["message"]["content"] == "The capital of France is Paris."


@pytest.mark.parametrize("base_url,cassette,model,key,reasoning,content,provider", [
    ("https://api.deepseek.com", "deepseek_reasoning_stream", "deepseek-reasoner", "reasoning_content",
     "Adding two and two gives four.", "2 + 2 = 4", "deepseek"),
    ("https://openrouter.ai/api/v1", "openrouter_reasoning_stream", "openai/gpt-oss-20b", "reasoning",
     "Simple arithmetic.", "The answer is 4.", "openrouter"),
])
def test_compatible_server_reasoning(mode, experiment, base_url, cassette, model, key, reasoning, content, provider):
    client = mode.openai(base_url=base_url)
    with VCR.use_cassette(f"openai/{cassette}.yaml"):
        mode.drain(mode.wait(client.chat.completions.create(model=model, messages=SUM, stream=True)))
    span = only_span(experiment)
    message = span.outputs["choices"][0]["message"]
    assert message[key] == reasoning
    assert message["content"] == content
    assert span.attributes["mlflow.llm.provider"] == provider


def test_ollama(mode, experiment):
    client = mode.openai(base_url="http://localhost:11434/v1", api_key="ollama")
    with VCR.use_cassette("openai/ollama_chat.yaml"):
        mode.wait(client.chat.completions.create(model="llama3.2", messages=SUM))
    span = only_span(experiment)
    assert span.attributes["mlflow.llm.provider"] == "ollama"
    assert span.attributes["mlflow.llm.model"] == "llama3.2"
    assert span.outputs["choices"][0]["message"]["content"] == "2 + 2 = 4"


def test_azure_client(mode, experiment):
    cls = openai.AsyncAzureOpenAI if mode.is_async else openai.AzureOpenAI
    client = cls(api_key="azure-key", api_version="2024-10-21", azure_endpoint="https://autolog-test.openai.azure.com",
                 max_retries=0)
    with VCR.use_cassette("openai/azure_chat.yaml"):
        mode.wait(client.chat.completions.create(model="gpt-4o-mini", messages=SUM))
    span = only_span(experiment)
    assert span.attributes["mlflow.llm.provider"] == "azure"
    assert span.outputs["choices"][0]["message"]["content"] == "4"
