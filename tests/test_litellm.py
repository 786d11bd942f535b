"""LiteLLM: one span per call, whatever LiteLLM calls underneath, read back through MLflow."""
import gc
import os
import subprocess
import sys

os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")  # LiteLLM's bundled prices: no fetch at import

import pytest

litellm = pytest.importorskip("litellm")
# bound here, at collection, before any test's autolog(): what a program importing at the top does
from litellm import acompletion, completion  # noqa: E402

import autolog  # noqa: E402
from autolog.litellm import _accumulators  # noqa: E402
from conftest import ROOT, VCR, exception_events, only_span, traces, usage_of  # noqa: E402

litellm.suppress_debug_info = True
QUESTION = [{"role": "user", "content": "What is the capital of France?"}]
LLM_TYPES = {"CHAT_MODEL", "LLM", "EMBEDDING"}
AZURE = dict(api_base="https://autolog-test.openai.azure.com", api_version="2024-10-21", api_key="azure-secret")
WEATHER_TOOL = {"type": "function", "function": {"name": "get_weather", "description": "Weather for a city",
                                                   "parameters": {"type": "object", "properties": {"city": {"type": "string"}},
                                                                  "required": ["city"]}}}


def call(mode, name, **kwargs):
    """litellm.<name> on the sync side, litellm.a<name> on the async side."""
    kwargs.setdefault("api_key", "sk-secret")
    return mode.wait(getattr(litellm, ("a" if mode.is_async else "") + name)(**kwargs))


def llm_spans(experiment):
    """Every LLM-typed span of every trace in the experiment: a second one would count the tokens twice."""
    return [s for t in traces(experiment) for s in t.data.spans if s.span_type in LLM_TYPES]


def one_llm_span(experiment):
    spans = llm_spans(experiment)
    assert len(spans) == 1, [(s.name, s.span_type) for s in spans]
    assert len(traces(experiment)) == 1
    return spans[0]


def close(mode, stream):
    if mode.is_async:
        mode.wait(stream.aclose())
    else:
        stream.close()


def text_of(chunks):
    return "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)


# ---------------------------------------------------------------------------------------------
# completion


def test_chat_openai(mode, experiment):
    with VCR.use_cassette("litellm/openai_chat.yaml"):
        result = call(mode, "completion", model="openai/gpt-4o-mini", messages=QUESTION, temperature=0.2)
    assert isinstance(result, litellm.ModelResponse)
    span = one_llm_span(experiment)
    assert span.span_type == "CHAT_MODEL"
    assert span.name == ("litellm.acompletion" if mode.is_async else "litellm.completion")
    assert span.inputs == {"model": "openai/gpt-4o-mini", "messages": QUESTION, "temperature": 0.2,
                           "api_key": "<redacted>"}
    assert span.outputs["choices"][0]["message"]["content"] == "The capital of France is Paris."
    assert span.outputs["object"] == "chat.completion"
    assert usage_of(span) == {"input_tokens": 14, "output_tokens": 7, "total_tokens": 21, "cache_read_input_tokens": 4}
    assert span.attributes["mlflow.llm.provider"] == "openai"
    assert span.attributes["mlflow.llm.model"] == "gpt-4o-mini-2024-07-18"
    assert span.attributes["mlflow.message.format"] == "openai"
    info = traces(experiment)[0].info
    assert info.request_preview == "What is the capital of France?"
    assert info.response_preview == "The capital of France is Paris."


def test_names_imported_before_autolog_are_traced(mode, experiment):
    with VCR.use_cassette("litellm/openai_chat.yaml"):
        fn = acompletion if mode.is_async else completion
        mode.wait(fn("openai/gpt-4o-mini", QUESTION, api_key="sk-secret"))  # positional, as the signature allows
    span = one_llm_span(experiment)
    assert span.inputs == {"model": "openai/gpt-4o-mini", "messages": QUESTION, "api_key": "<redacted>"}


def test_acompletion_through_the_completion_flag(experiment):
    import asyncio

    with VCR.use_cassette("litellm/openai_chat.yaml"):
        asyncio.run(litellm.completion(model="openai/gpt-4o-mini", messages=QUESTION, api_key="k", acompletion=True))
    assert one_llm_span(experiment).name == "litellm.acompletion"


def test_tools(mode, experiment):
    with VCR.use_cassette("litellm/openai_tools.yaml"):
        call(mode, "completion", model="gpt-4o-mini", messages=[{"role": "user", "content": "Weather in Paris?"}],
             tools=[WEATHER_TOOL])
    span = one_llm_span(experiment)
    assert span.attributes["mlflow.llm.provider"] == "openai"  # from LiteLLM's model map: no prefix given
    assert span.attributes["mlflow.chat.tools"] == [WEATHER_TOOL]
    tool_call = span.outputs["choices"][0]["message"]["tool_calls"][0]
    assert tool_call["function"] == {"name": "get_weather", "arguments": "{\"city\": \"Paris\"}"}
    assert traces(experiment)[0].info.response_preview == 'get_weather({"city": "Paris"})'


def test_stream_assembled(mode, experiment):
    with VCR.use_cassette("litellm/openai_chat_stream.yaml"):
        autolog.disable()
        untraced = mode.drain(call(mode, "completion", model="openai/gpt-4o-mini", messages=QUESTION, stream=True))
        autolog.enable()
    with VCR.use_cassette("litellm/openai_chat_stream.yaml"):
        stream = call(mode, "completion", model="openai/gpt-4o-mini", messages=QUESTION, stream=True)
        assert isinstance(stream, litellm.CustomStreamWrapper)
        chunks = mode.drain(stream)
    assert [c.choices[0].delta.content for c in chunks] == [c.choices[0].delta.content for c in untraced]
    span = one_llm_span(experiment)
    assert span.outputs["choices"][0]["message"]["content"] == "The capital of France is Paris." == text_of(chunks)
    assert span.outputs["choices"][0]["finish_reason"] == "stop"
    assert span.outputs["model"] == chunks[0].model  # LiteLLM's chunks name the model as the caller asked
    assert "_hidden_params" not in span.outputs
    assert usage_of(span) == {"input_tokens": 14, "output_tokens": 7, "total_tokens": 21, "cache_read_input_tokens": 4}
    assert span.attributes["autolog.stream.completed"] is True
    assert span.attributes["mlflow.llm.provider"] == "openai"


def test_stream_usage_the_caller_asked_for(mode, experiment):
    with VCR.use_cassette("litellm/openai_chat_stream.yaml"):
        chunks = mode.drain(call(mode, "completion", model="openai/gpt-4o-mini", messages=QUESTION, stream=True,
                                 stream_options={"include_usage": True}))
    assert chunks[-1].usage.prompt_tokens == 14  # the caller sees it, as without tracing
    assert usage_of(one_llm_span(experiment))["input_tokens"] == 14


def test_stream_tool_calls(mode, experiment):
    with VCR.use_cassette("litellm/openai_tools_stream.yaml"):
        mode.drain(call(mode, "completion", model="openai/gpt-4o-mini", stream=True, tools=[WEATHER_TOOL],
                        messages=[{"role": "user", "content": "Weather in Paris?"}]))
    message = one_llm_span(experiment).outputs["choices"][0]["message"]
    assert message["tool_calls"] == [{"id": "call_paris", "type": "function",
                                      "function": {"name": "get_weather", "arguments": "{\"city\": \"Paris\"}"}}]


def test_stream_closed_early(mode, experiment):
    with VCR.use_cassette("litellm/openai_chat_stream.yaml"):
        stream = call(mode, "completion", model="openai/gpt-4o-mini", messages=QUESTION, stream=True)
        first = mode.take(stream, 3)
        close(mode, stream)
    span = one_llm_span(experiment)
    assert span.status.status_code == "OK"
    assert span.attributes["autolog.stream.end"] == "closed"
    assert span.attributes["autolog.stream.completed"] is False
    assert span.outputs["choices"][0]["message"]["content"] == text_of(first) == "The capital"


def test_stream_with_block(experiment):
    with VCR.use_cassette("litellm/openai_chat_stream.yaml"):
        with litellm.completion(model="openai/gpt-4o-mini", messages=QUESTION, stream=True, api_key="k") as stream:
            next(stream)
    assert one_llm_span(experiment).attributes["autolog.stream.end"] == "closed"


def test_stream_abandoned(mode, experiment):
    with VCR.use_cassette("litellm/openai_chat_stream.yaml"):
        stream = call(mode, "completion", model="openai/gpt-4o-mini", messages=QUESTION, stream=True)
        mode.take(stream, 2)
        del stream
        gc.collect()
    span = one_llm_span(experiment)
    assert span.attributes["autolog.stream.end"] == "abandoned"
    assert span.outputs["choices"][0]["message"]["content"] == "The"


# ---------------------------------------------------------------------------------------------
# Anthropic and Azure through LiteLLM: one LLM span, with the SDKs underneath patched too


def test_anthropic(mode, experiment):
    with VCR.use_cassette("litellm/anthropic_chat.yaml"):
        call(mode, "completion", model="anthropic/claude-sonnet-4-5", max_tokens=256, messages=QUESTION)
    span = one_llm_span(experiment)
    assert span.attributes["mlflow.llm.provider"] == "anthropic"
    assert span.attributes["mlflow.llm.model"] == "claude-sonnet-4-5-20250929"
    assert span.outputs["choices"][0]["message"]["content"] == "The capital of France is Paris."
    # LiteLLM's prompt count holds Anthropic's cache reads and writes, as MLflow's convention has it
    assert usage_of(span) == {"input_tokens": 2112, "output_tokens": 9, "total_tokens": 2121,
                              "cache_read_input_tokens": 2000, "cache_creation_input_tokens": 100}


def test_anthropic_stream_thinking(mode, experiment):
    with VCR.use_cassette("litellm/anthropic_stream.yaml"):
        chunks = mode.drain(call(mode, "completion", model="anthropic/claude-sonnet-4-5", max_tokens=256,
                                 messages=QUESTION, thinking={"type": "enabled", "budget_tokens": 1024}, stream=True))
    assert all(getattr(c, "usage", None) is None for c in chunks)  # the caller did not ask for usage
    span = one_llm_span(experiment)
    message = span.outputs["choices"][0]["message"]
    assert message["content"] == "The capital of France is Paris."
    assert message["reasoning_content"] == "France's capital is Paris."
    assert message["thinking_blocks"] == [{"type": "thinking", "thinking": "France's capital is Paris.",
                                           "signature": "EqQBCkYIBRgCIkB0sig"}]
    # what LiteLLM reports for the stream: message_start's input and cache reads, message_delta's output
    assert usage_of(span)["input_tokens"] == 44
    assert usage_of(span)["output_tokens"] == 12
    assert span.attributes["mlflow.llm.provider"] == "anthropic"


def test_anthropic_stream_tool_use(mode, experiment):
    with VCR.use_cassette("litellm/anthropic_tool_stream.yaml"):
        mode.drain(call(mode, "completion", model="anthropic/claude-sonnet-4-5", max_tokens=256, stream=True,
                        messages=[{"role": "user", "content": "Weather in Paris?"}], tools=[WEATHER_TOOL]))
    message = one_llm_span(experiment).outputs["choices"][0]["message"]
    assert message["content"] == "Let me check."
    assert message["tool_calls"][0]["function"] == {"name": "get_weather", "arguments": "{\"city\": \"Paris\"}"}


def test_azure(mode, experiment):
    with VCR.use_cassette("litellm/azure_chat.yaml"):
        call(mode, "completion", model="azure/gpt-4o-mini", messages=QUESTION, **AZURE)
    span = one_llm_span(experiment)  # not a second one from the openai SDK LiteLLM drives
    assert span.name.startswith("litellm.")
    assert span.attributes["mlflow.llm.provider"] == "azure"
    assert span.inputs["api_key"] == "<redacted>"
    assert span.inputs["api_base"] == AZURE["api_base"]
    assert usage_of(span)["total_tokens"] == 16


def test_azure_stream(mode, experiment):
    with VCR.use_cassette("litellm/azure_chat_stream.yaml"):
        stream = call(mode, "completion", model="azure/gpt-4o-mini", messages=QUESTION, stream=True, **AZURE)
        chunks = mode.drain(stream)  # the openai SDK's stream underneath is read only now
    span = one_llm_span(experiment)
    assert span.outputs["choices"][0]["message"]["content"] == text_of(chunks) == "The capital of France is Paris."
    assert span.attributes["mlflow.llm.provider"] == "azure"


def test_azure_embeddings(mode, experiment):
    with VCR.use_cassette("litellm/azure_embeddings.yaml"):
        call(mode, "embedding", model="azure/gpt-4o-mini", input=["Paris"], **AZURE)
    span = one_llm_span(experiment)
    assert span.span_type == "EMBEDDING"
    assert span.attributes["mlflow.llm.provider"] == "azure"


def test_credentials_never_recorded(experiment):
    with VCR.use_cassette("litellm/azure_chat.yaml"):
        litellm.completion(model="azure/gpt-4o-mini", messages=QUESTION, api_base=AZURE["api_base"],
                           api_version=AZURE["api_version"], azure_ad_token="ad-secret",
                           extra_headers={"Authorization": "Bearer header-secret", "X-Trace": "visible"})
    span = one_llm_span(experiment)
    assert span.inputs["azure_ad_token"] == "<redacted>"
    assert span.inputs["extra_headers"] == {"Authorization": "<redacted>", "X-Trace": "visible"}
    stored = repr(traces(experiment)[0].to_dict())
    assert "secret" not in stored


# ---------------------------------------------------------------------------------------------
# embedding, responses, text_completion


def test_embedding(mode, experiment):
    with VCR.use_cassette("litellm/openai_embeddings.yaml"):
        result = call(mode, "embedding", model="text-embedding-3-small", input=["Paris", "Rome"])
    assert len(result.data) == 2
    span = one_llm_span(experiment)
    assert span.span_type == "EMBEDDING"
    assert span.name == ("litellm.aembedding" if mode.is_async else "litellm.embedding")
    assert span.inputs["input"] == ["Paris", "Rome"]
    assert usage_of(span) == {"input_tokens": 4, "total_tokens": 4}
    assert span.attributes["mlflow.llm.provider"] == "openai"
    assert "mlflow.message.format" not in span.attributes
    assert traces(experiment)[0].info.response_preview == "2 vectors of 3 dims"


def test_responses(mode, experiment):
    with VCR.use_cassette("litellm/responses.yaml"):
        call(mode, "responses", model="openai/gpt-4.1-mini", input="What is the capital of France?")
    span = one_llm_span(experiment)
    assert span.span_type == "CHAT_MODEL"
    assert span.name == ("litellm.aresponses" if mode.is_async else "litellm.responses")
    assert span.outputs["output"][0]["content"][0]["text"] == "Paris is the capital of France."
    assert usage_of(span)["input_tokens"] == 20
    assert span.attributes["mlflow.llm.provider"] == "openai"


def test_responses_stream(mode, experiment):
    with VCR.use_cassette("litellm/responses_stream.yaml"):
        events = mode.drain(call(mode, "responses", model="openai/gpt-4.1-mini", input="What is the capital of France?",
                                 stream=True))
    assert events[-1].type == "response.completed"
    span = one_llm_span(experiment)
    assert span.outputs["output"][0]["content"][0]["text"] == "Paris is the capital."
    assert usage_of(span) == {"input_tokens": 12, "output_tokens": 6, "total_tokens": 18, "cache_read_input_tokens": 0}


def test_responses_stream_closed(mode, experiment):
    with VCR.use_cassette("litellm/responses_stream.yaml"):
        stream = call(mode, "responses", model="openai/gpt-4.1-mini", input="What is the capital of France?", stream=True)
        mode.take(stream, 6)
        close(mode, stream)
    span = one_llm_span(experiment)
    assert span.attributes["autolog.stream.end"] == "closed"
    assert span.outputs["output"][0]["content"][0]["text"] == "Paris is"


def test_text_completion(mode, experiment):
    with VCR.use_cassette("litellm/openai_text_completion.yaml"):
        result = call(mode, "text_completion", model="gpt-3.5-turbo-instruct", prompt="Say hi")
    assert result.choices[0].text == "Hi there!"
    span = one_llm_span(experiment)
    assert span.span_type == "LLM"
    assert span.name == ("litellm.atext_completion" if mode.is_async else "litellm.text_completion")
    assert span.inputs["prompt"] == "Say hi"
    assert usage_of(span) == {"input_tokens": 3, "output_tokens": 4, "total_tokens": 7}
    assert traces(experiment)[0].info.response_preview == "Hi there!"


def test_text_completion_stream(mode, experiment):
    with VCR.use_cassette("litellm/openai_text_completion_stream.yaml"):
        chunks = mode.drain(call(mode, "text_completion", model="gpt-3.5-turbo-instruct", prompt="Say hi", stream=True))
    assert "".join(c.choices[0].text or "" for c in chunks) == "Hi there!"
    span = one_llm_span(experiment)
    assert span.outputs["choices"][0]["text"] == "Hi there!"
    assert span.outputs["choices"][0]["finish_reason"] == "stop"


# ---------------------------------------------------------------------------------------------
# errors


@pytest.mark.parametrize("cassette,model", [("openai_error_400", "openai/gpt-4o-mini"),
                                            ("openai_error_429", "openai/gpt-4o-mini"),
                                            ("anthropic_error_529", "anthropic/claude-sonnet-4-5")])
def test_errors_reraised_unchanged(mode, experiment, cassette, model):
    def attempt():
        with VCR.use_cassette(f"litellm/{cassette}.yaml"):
            with pytest.raises(Exception) as raised:
                call(mode, "completion", model=model, messages=QUESTION, max_tokens=256, max_retries=0)
        return raised.value

    autolog.disable()
    untraced = attempt()
    autolog.enable()
    error = attempt()
    assert (type(error), str(error)) == (type(untraced), str(untraced))
    assert type(error).__module__.startswith("litellm")
    span = one_llm_span(experiment)
    assert span.status.status_code == "ERROR"
    assert exception_events(span)[0].attributes["exception.type"] == type(error).__name__
    assert span.attributes["mlflow.llm.provider"] == model.split("/")[0]


def test_error_mid_stream(mode, experiment):
    with VCR.use_cassette("litellm/anthropic_error_stream.yaml"):
        stream = call(mode, "completion", model="anthropic/claude-sonnet-4-5", max_tokens=256, messages=QUESTION,
                      stream=True)
        with pytest.raises(Exception) as raised:
            mode.drain(stream)
    assert type(raised.value).__module__.startswith("litellm")
    span = one_llm_span(experiment)
    assert span.status.status_code == "ERROR"
    assert span.attributes["autolog.stream.end"] == "error"
    assert span.outputs["choices"][0]["message"]["content"] == "The capital of"


# ---------------------------------------------------------------------------------------------
# Router


def router(*deployments, **settings):
    model_list = [{"model_name": "chat", "litellm_params": params} for params in deployments]
    return litellm.Router(model_list=model_list, **settings)


OPENAI_DEPLOYMENT = {"model": "openai/gpt-4o-mini", "api_key": "sk-deployment-secret"}
ANTHROPIC_DEPLOYMENT = {"model": "anthropic/claude-sonnet-4-5", "api_key": "sk-ant-deployment-secret", "max_tokens": 256}


def test_router_completion(mode, experiment):
    r = router(OPENAI_DEPLOYMENT)
    with VCR.use_cassette("litellm/openai_chat.yaml"):
        fn = r.acompletion if mode.is_async else r.completion
        mode.wait(fn(model="chat", messages=QUESTION))
    span = one_llm_span(experiment)
    assert span.name == ("Router.acompletion" if mode.is_async else "Router.completion")
    assert span.inputs == {"model": "chat", "messages": QUESTION}
    assert span.attributes["mlflow.llm.provider"] == "openai"  # the deployment the Router picked
    assert span.attributes["mlflow.llm.model"] == "gpt-4o-mini-2024-07-18"
    assert usage_of(span)["total_tokens"] == 21


def test_router_stream(mode, experiment):
    r = router(OPENAI_DEPLOYMENT)
    with VCR.use_cassette("litellm/openai_chat_stream.yaml"):
        fn = r.acompletion if mode.is_async else r.completion
        chunks = mode.drain(mode.wait(fn(model="chat", messages=QUESTION, stream=True)))
    span = one_llm_span(experiment)
    assert span.outputs["choices"][0]["message"]["content"] == text_of(chunks)
    assert span.attributes["mlflow.llm.provider"] == "openai"  # from the chunks: the group name says nothing


def test_router_retry_is_one_span(mode, experiment):
    r = router(OPENAI_DEPLOYMENT, num_retries=1, retry_after=0)
    with VCR.use_cassette("litellm/openai_retry.yaml"):
        fn = r.acompletion if mode.is_async else r.completion
        result = mode.wait(fn(model="chat", messages=QUESTION))
    assert result.choices[0].message.content == "Paris."
    span = one_llm_span(experiment)
    assert span.status.status_code == "OK"
    assert span.outputs["choices"][0]["message"]["content"] == "Paris."


def test_router_fallback_is_one_span(mode, experiment):
    model_list = [{"model_name": "chat", "litellm_params": OPENAI_DEPLOYMENT},
                  {"model_name": "backup", "litellm_params": ANTHROPIC_DEPLOYMENT}]
    r = litellm.Router(model_list=model_list, fallbacks=[{"chat": ["backup"]}], num_retries=0)
    with VCR.use_cassette("litellm/router_fallback.yaml"):
        fn = r.acompletion if mode.is_async else r.completion
        result = mode.wait(fn(model="chat", messages=QUESTION))
    assert result.choices[0].message.content == "Paris."
    span = one_llm_span(experiment)
    assert span.attributes["mlflow.llm.provider"] == "anthropic"  # the deployment that answered
    assert span.attributes["mlflow.llm.model"] == "claude-sonnet-4-5-20250929"


def test_router_embedding(mode, experiment):
    r = litellm.Router(model_list=[{"model_name": "embed", "litellm_params": {"model": "openai/text-embedding-3-small",
                                                                              "api_key": "k"}}])
    with VCR.use_cassette("litellm/openai_embeddings.yaml"):
        mode.wait((r.aembedding if mode.is_async else r.embedding)(model="embed", input=["Paris", "Rome"]))
    span = one_llm_span(experiment)
    assert span.span_type == "EMBEDDING"
    assert span.name == ("Router.aembedding" if mode.is_async else "Router.embedding")
    assert span.attributes["mlflow.llm.provider"] == "openai"


def test_router_responses(mode, experiment):
    r = litellm.Router(model_list=[{"model_name": "resp", "litellm_params": {"model": "openai/gpt-4.1-mini",
                                                                             "api_key": "k"}}])
    with VCR.use_cassette("litellm/responses.yaml"):
        mode.wait((r.aresponses if mode.is_async else r.responses)(model="resp", input="What is the capital of France?"))
    span = one_llm_span(experiment)
    assert span.span_type == "CHAT_MODEL"
    assert span.name == ("Router.aresponses" if mode.is_async else "Router.responses")
    assert span.inputs["input"] == "What is the capital of France?"
    assert span.attributes["mlflow.llm.provider"] == "openai"


def test_router_text_completion(mode, experiment):
    # LiteLLM's sync Router.text_completion sends the group name as the model: the group is named for it
    name = "gpt-3.5-turbo-instruct"
    r = litellm.Router(model_list=[{"model_name": name, "litellm_params": {"model": f"openai/{name}", "api_key": "k"}}])
    with VCR.use_cassette("litellm/openai_text_completion.yaml"):
        mode.wait((r.atext_completion if mode.is_async else r.text_completion)(model=name, prompt="Say hi"))
    span = one_llm_span(experiment)
    assert span.span_type == "LLM"
    assert span.name == ("Router.atext_completion" if mode.is_async else "Router.text_completion")


# ---------------------------------------------------------------------------------------------
# What stays as the caller set it; faults; options


def test_litellm_callbacks_left_as_set(experiment):
    seen = []

    def on_success(kwargs, response, start, end):
        seen.append(response.choices[0].message.content)

    before = (list(litellm.callbacks), list(litellm.success_callback))
    litellm.success_callback = [on_success]
    try:
        with VCR.use_cassette("litellm/openai_chat.yaml"):
            litellm.completion(model="openai/gpt-4o-mini", messages=QUESTION, api_key="k")
        import time

        for _ in range(100):
            if seen:
                break
            time.sleep(0.05)
        assert litellm.success_callback == [on_success]
        assert list(litellm.callbacks) == before[0]
    finally:
        litellm.success_callback = before[1]
    assert seen == ["The capital of France is Paris."]
    one_llm_span(experiment)


def test_fault_in_the_accumulator_costs_only_the_output(mode, experiment, monkeypatch):
    def broken(self, chunk):
        raise RuntimeError("accumulator fault")

    monkeypatch.setattr(_accumulators.ChatStreamAccumulator, "add", broken)
    with VCR.use_cassette("litellm/openai_chat_stream.yaml"):
        chunks = mode.drain(call(mode, "completion", model="openai/gpt-4o-mini", messages=QUESTION, stream=True))
    assert text_of(chunks) == "The capital of France is Paris."
    span = one_llm_span(experiment)
    assert span.status.status_code == "OK"
    assert span.outputs is None


def test_fault_when_the_span_starts_leaves_the_call_untraced(mode, experiment, monkeypatch):
    from autolog.litellm import _attributes

    def broken(*args, **kwargs):
        raise RuntimeError("reader fault")

    monkeypatch.setattr(_attributes, "provider_of", broken)
    with VCR.use_cassette("litellm/openai_chat.yaml"):
        result = call(mode, "completion", model="openai/gpt-4o-mini", messages=QUESTION)
    assert result.choices[0].message.content == "The capital of France is Paris."
    assert traces(experiment) == []


def test_capture_content_false(experiment):
    autolog.autolog(capture_content=False)
    with VCR.use_cassette("litellm/openai_chat.yaml"):
        litellm.completion(model="openai/gpt-4o-mini", messages=QUESTION, api_key="k")
    span = one_llm_span(experiment)
    assert span.inputs is None and span.outputs is None
    assert usage_of(span)["total_tokens"] == 21
    assert span.attributes["mlflow.llm.provider"] == "openai"


def test_revert_and_suspended(experiment):
    with autolog.suspended():
        with VCR.use_cassette("litellm/openai_chat.yaml"):
            litellm.completion(model="openai/gpt-4o-mini", messages=QUESTION, api_key="k")
    autolog.litellm.revert()
    with VCR.use_cassette("litellm/openai_chat.yaml"):
        completion(model="openai/gpt-4o-mini", messages=QUESTION, api_key="k")
    assert traces(experiment) == []
    autolog.litellm.autolog()
    with VCR.use_cassette("litellm/openai_chat.yaml"):
        completion(model="openai/gpt-4o-mini", messages=QUESTION, api_key="k")
    one_llm_span(experiment)


def test_proxy_behind_api_base(experiment):
    with VCR.use_cassette("litellm/proxy_chat.yaml"):
        litellm.completion(model="litellm_proxy/my-model", messages=QUESTION, api_base="http://localhost:4000",
                           api_key="sk-proxy")
    span = one_llm_span(experiment)
    assert span.attributes["mlflow.llm.provider"] == "litellm_proxy"
    assert span.inputs["model"] == "litellm_proxy/my-model"


IMPORT_CHECK = """
import sys
import autolog
autolog.autolog()
assert "litellm" not in sys.modules, "autolog() imported litellm"
import mlflow, vcr
mlflow.set_tracking_uri("sqlite:///{tmp}/m.db")
mlflow.set_experiment("alone")
import litellm  # imported after autolog(): patched now
litellm.suppress_debug_info = True
with vcr.VCR(cassette_library_dir="{cassettes}", record_mode="none").use_cassette("litellm/openai_chat.yaml"):
    litellm.completion(model="openai/gpt-4o-mini", messages=[{{"role": "user", "content": "hi"}}], api_key="k")
autolog.flush()
found = mlflow.search_traces(return_type="list")
print("TRACES", len(found), found[0].data.spans[0].attributes["mlflow.llm.provider"])
"""


def test_autolog_never_imports_litellm_and_patches_it_on_import(tmp_path):
    script = IMPORT_CHECK.format(tmp=tmp_path, cassettes=ROOT / "cassettes")
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=300,
                          env={**os.environ, "LITELLM_LOCAL_MODEL_COST_MAP": "True"})
    assert "TRACES 1 openai" in done.stdout, done.stderr[-3000:]


def test_objects_given_as_arguments_recorded_by_type(experiment):
    import openai

    client = openai.OpenAI(api_key="sk-client-secret", max_retries=0)
    with VCR.use_cassette("litellm/openai_chat.yaml"):
        litellm.completion(model="openai/gpt-4o-mini", messages=QUESTION, client=client)
    span = one_llm_span(experiment)
    assert span.inputs["client"] == "<OpenAI>"
    assert "sk-client-secret" not in repr(traces(experiment)[0].to_dict())
