"""Ollama's client (the ``ollama`` package): one span per call, for its clients and for the module's
own functions; streams assembled into the response a non-streaming call returns and ended
exactly once; the conversation shown as a chat."""
import gc
import inspect
import subprocess
import sys

import ollama
import pytest
import vcr

import autolog
from autolog.ollama import _conversation
from autolog.ollama._accumulator import ChatAccumulator
from conftest import ROOT, exception_events, only_span, only_trace, traces, usage_of

QUESTION = "What is the capital of France?"
ANSWER = "The capital of France is Paris."
MODEL = "llama3.2:latest"
MESSAGES = [{"role": "user", "content": QUESTION}]
WEATHER_TOOL = {"type": "function", "function": {
    "name": "get_weather", "description": "Weather for a city",
    "parameters": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]}}}

# The module's functions use the default client, which ollama makes for 127.0.0.1:11434 (a host the
# suite's main VCR leaves alone for its MLflow servers); these cassettes match on the path.
# clients before 0.5 have no thinking field: the server's thinking is not in what they return
THINKS = "thinking" in ollama.Message.model_fields


def thinking(text, key="thinking"):
    return {key: text} if THINKS else {}


OLLAMA_VCR = vcr.VCR(cassette_library_dir=str(ROOT / "cassettes" / "ollama"), record_mode="none",
                     match_on=["method", "scheme", "port", "path"])


def client(mode):
    return (ollama.AsyncClient if mode.is_async else ollama.Client)(host="http://localhost:11434")


def call(mode, cassette, method="chat", **kwargs):
    """One non-streaming call on the recorded answer."""
    with OLLAMA_VCR.use_cassette(f"{cassette}.yaml"):
        return mode.wait(getattr(client(mode), method)(**kwargs))


def stream(mode, cassette, method="chat", **kwargs):
    """Every part of a stream, read inside the cassette (a sync stream sends its request when read)."""
    with OLLAMA_VCR.use_cassette(f"{cassette}.yaml"):
        return mode.drain(mode.wait(getattr(client(mode), method)(stream=True, **kwargs)))


def span_name(mode, method):
    return f"{'AsyncClient' if mode.is_async else 'Client'}.{method}"


def chat_messages(span):
    return span.attributes.get("mlflow.chat.messages")


def test_chat(mode, experiment):
    result = call(mode, "chat", model=MODEL, messages=MESSAGES)
    assert isinstance(result, ollama.ChatResponse) and result.message.content == ANSWER
    trace = only_trace(experiment)
    [span] = trace.data.spans
    assert (span.name, span.span_type) == (span_name(mode, "chat"), "CHAT_MODEL")
    assert span.attributes["mlflow.llm.provider"] == "ollama"
    assert span.attributes["mlflow.message.format"] == "openai"
    assert span.attributes["mlflow.llm.model"] == MODEL
    assert span.inputs == {"model": MODEL, "messages": MESSAGES}
    assert span.outputs["message"] == {"role": "assistant", "content": ANSWER, **thinking("The user asks about France.")}
    assert (span.outputs["done"], span.outputs["done_reason"], span.outputs["eval_duration"]) == (True, "stop", 700000000)
    assert usage_of(span) == {"input_tokens": 26, "output_tokens": 8, "total_tokens": 34}
    assert chat_messages(span) == [{"role": "user", "content": QUESTION}, {
        "role": "assistant", "content": ANSWER, **thinking("The user asks about France.", "reasoning")}]
    assert (trace.info.request_preview, trace.info.response_preview) == (QUESTION, ANSWER)


def test_positional_arguments_are_named(experiment):
    with OLLAMA_VCR.use_cassette("chat.yaml"):
        ollama.Client(host="http://localhost:11434").chat(MODEL, MESSAGES)
    assert only_span(experiment).inputs == {"model": MODEL, "messages": MESSAGES}


def test_stream_assembled_into_the_chat_response(mode, experiment):
    parts = stream(mode, "chat_stream", model=MODEL, messages=MESSAGES)
    assert len(parts) == 10 and all(isinstance(p, ollama.ChatResponse) for p in parts)
    assert "".join(p.message.content for p in parts) == ANSWER
    call(mode, "chat", model=MODEL, messages=MESSAGES)
    streamed, whole = [t.data.spans[0] for t in traces(experiment)]
    assert streamed.name == span_name(mode, "chat")
    assert streamed.inputs == {"model": MODEL, "messages": MESSAGES, "stream": True}
    # the recordings answer alike: the stream's output is the ChatResponse the other call returned
    assert streamed.outputs == whole.outputs
    assert usage_of(streamed) == {"input_tokens": 26, "output_tokens": 8, "total_tokens": 34}
    assert streamed.attributes["autolog.stream.end"] == "exhausted"
    assert streamed.attributes["autolog.stream.items"] == 10
    assert streamed.attributes["autolog.stream.time_to_first_token_ms"] >= 0
    assert chat_messages(streamed) == chat_messages(whole)


def test_prompt_cache_hit_counts_only_the_output(mode, experiment):
    stream(mode, "chat_stream_cached", model=MODEL, messages=MESSAGES)
    assert usage_of(only_span(experiment)) == {"output_tokens": 8}


def test_stream_closed_early(mode, experiment):
    with OLLAMA_VCR.use_cassette("chat_stream.yaml"):
        parts = mode.wait(client(mode).chat(model=MODEL, messages=MESSAGES, stream=True))
        assert len(mode.take(parts, 4)) == 4
        mode.close(parts)
    span = only_span(experiment)
    assert (span.status.status_code, span.attributes["autolog.stream.end"]) == ("OK", "closed")
    assert span.outputs["message"] == {"role": "assistant", "content": "The capital",
                                       **thinking("The user asks about France.")}
    assert span.outputs["done"] is False and usage_of(span) is None


def test_stream_left_with_break_and_dropped(mode, experiment):
    async def read_one(parts):
        async for _ in parts:
            break

    with OLLAMA_VCR.use_cassette("chat_stream.yaml"):
        parts = mode.wait(client(mode).chat(model=MODEL, messages=MESSAGES, stream=True))
        if mode.is_async:
            mode.wait(read_one(parts))
        else:
            for _ in parts:
                break
        del parts
        gc.collect()
    span = only_span(experiment)
    assert (span.status.status_code, span.attributes["autolog.stream.end"]) == ("OK", "abandoned")
    assert span.attributes["autolog.stream.items"] == 1
    assert span.outputs["message"] == {"role": "assistant", "content": "", **thinking("The user asks")}


def test_a_stream_never_read_still_ends(experiment):
    parts = ollama.Client(host="http://localhost:11434").chat(model=MODEL, messages=MESSAGES, stream=True)
    assert inspect.isgenerator(parts)  # what the caller holds is still a generator
    del parts
    gc.collect()
    span = only_span(experiment)
    assert (span.attributes["autolog.stream.end"], span.attributes["autolog.stream.items"]) == ("abandoned", 0)
    assert span.outputs is None


def test_messages_changed_while_streaming_are_recorded_as_sent(experiment):
    messages = list(MESSAGES)
    with OLLAMA_VCR.use_cassette("chat_stream.yaml"):
        for part in ollama.chat(model=MODEL, messages=messages, stream=True):
            if part.done:
                messages.append({"role": "assistant", "content": "(appended by the caller)"})
    span = only_span(experiment)
    assert span.inputs["messages"] == MESSAGES
    assert [m["content"] for m in chat_messages(span)] == [QUESTION, ANSWER]


def get_weather(city: str) -> str:
    """
    Weather for a city.

    Args:
      city: The city's name
    """
    return f"sunny in {city}"


def check_tool_call(span, trace):
    [call_] = span.outputs["message"]["tool_calls"]
    assert call_["function"]["name"] == "get_weather" and call_["function"]["arguments"] == {"city": "Paris"}
    tools = span.attributes["mlflow.chat.tools"]
    assert [t["function"]["name"] for t in tools] == ["get_weather", "get_weather"]
    assert tools[1]["function"]["parameters"]["properties"]["city"]["type"] == "string"  # from the function
    assert chat_messages(span)[-1]["tool_calls"] == [
        {"id": "call_0", "type": "function", "function": {"name": "get_weather", "arguments": '{"city": "Paris"}'}}]  # the client drops the wire's id
    assert trace.info.response_preview == 'get_weather({"city": "Paris"})'


def test_tool_calls(mode, experiment):
    tools = [WEATHER_TOOL, get_weather]
    result = call(mode, "chat_tools", model=MODEL, messages=[{"role": "user", "content": "Weather in Paris?"}],
                  tools=tools)
    assert result.message.tool_calls[0].function.arguments == {"city": "Paris"}
    trace = only_trace(experiment)
    span = trace.data.spans[0]
    check_tool_call(span, trace)
    assert span.inputs["tools"][1]["function"]["name"] == "get_weather"  # the function as the client sends it


def test_tool_calls_streamed(mode, experiment):
    stream(mode, "chat_tools_stream", model=MODEL, messages=[{"role": "user", "content": "Weather in Paris?"}],
           tools=[WEATHER_TOOL, get_weather])
    trace = only_trace(experiment)
    span = trace.data.spans[0]
    check_tool_call(span, trace)
    assert span.outputs["message"].get("thinking") == thinking("Use the tool.").get("thinking")


def test_a_tool_result_in_the_conversation(experiment):
    messages = MESSAGES + [
        ollama.Message(role="assistant", content="", tool_calls=[ollama.Message.ToolCall(
            function=ollama.Message.ToolCall.Function(name="get_weather", arguments={"city": "Paris"}))]),
        {"role": "tool", "content": "sunny", "tool_name": "get_weather"},
    ]
    with OLLAMA_VCR.use_cassette("chat.yaml"):
        ollama.Client(host="http://localhost:11434").chat(model=MODEL, messages=messages)
    span = only_span(experiment)
    assert span.inputs["messages"][1] == {"role": "assistant", "content": "", "tool_calls": [
        {"function": {"name": "get_weather", "arguments": {"city": "Paris"}}}]}
    assert chat_messages(span)[1:3] == [
        {"role": "assistant", "content": "", "tool_calls": [
            {"id": "call_0", "type": "function", "function": {"name": "get_weather", "arguments": '{"city": "Paris"}'}}]},
        {"role": "tool", "content": "sunny", "name": "get_weather"}]


def test_images_recorded_as_sent_and_marked_in_the_chat(experiment, tmp_path):
    picture = tmp_path / "cat.png"
    picture.write_bytes(b"\x89PNG fake")
    with OLLAMA_VCR.use_cassette("chat.yaml"):
        ollama.Client(host="http://localhost:11434").chat(
            model=MODEL, messages=[{"role": "user", "content": "What is this?", "images": [b"\x89PNG", str(picture)]}])
    span = only_span(experiment)
    assert span.inputs["messages"][0]["images"] == ["iVBORw==", str(picture)]  # bytes as the base64 sent
    assert chat_messages(span)[0] == {"role": "user", "content": "What is this?\n\n[image]\n\n[image]"}
    assert only_trace(experiment).info.request_preview == "What is this? [image] [image]"


@pytest.mark.parametrize("streamed", [False, True], ids=["whole", "stream"])
def test_unknown_model(mode, experiment, streamed):
    with OLLAMA_VCR.use_cassette("chat_error_404.yaml"):
        with pytest.raises(ollama.ResponseError) as raised:
            result = mode.wait(client(mode).chat(model="nope:latest", messages=MESSAGES, stream=streamed))
            if streamed:
                mode.drain(result)  # a stream sends its request when first read
    assert (raised.value.status_code, raised.value.error) == (404, "model 'nope:latest' not found")
    trace = only_trace(experiment)
    [span] = trace.data.spans
    assert span.status.status_code == "ERROR"
    [event] = exception_events(span)
    assert event.attributes["exception.type"] == "ResponseError"
    assert "not found" in event.attributes["exception.message"]
    assert trace.info.response_preview.startswith("ResponseError: model 'nope:latest' not found")
    assert chat_messages(span) == [{"role": "user", "content": QUESTION}]  # the question, no answer


def test_error_mid_stream_keeps_what_arrived(mode, experiment):
    seen = []
    with OLLAMA_VCR.use_cassette("chat_stream_error.yaml"):
        parts = mode.wait(client(mode).chat(model=MODEL, messages=MESSAGES, stream=True))
        with pytest.raises(ollama.ResponseError, match="error was encountered"):
            if mode.is_async:
                seen = mode.drain(parts)
            else:
                for part in parts:
                    seen.append(part)
    assert mode.is_async or len(seen) == 3
    span = only_span(experiment)
    assert (span.status.status_code, span.attributes["autolog.stream.end"]) == ("ERROR", "error")
    assert span.outputs["message"]["content"] == "The capital of"
    assert exception_events(span)[0].attributes["exception.type"] == "ResponseError"


def test_generate(mode, experiment):
    result = call(mode, "generate", "generate", model=MODEL, prompt="Why is the sky blue?", system="Be brief.")
    assert isinstance(result, ollama.GenerateResponse)
    trace = only_trace(experiment)
    [span] = trace.data.spans
    assert (span.name, span.span_type) == (span_name(mode, "generate"), "LLM")
    assert span.inputs == {"model": MODEL, "prompt": "Why is the sky blue?", "system": "Be brief."}
    assert (span.outputs["response"], span.outputs["context"]) == ("Rayleigh scattering of sunlight.", [1, 2, 3])
    assert usage_of(span) == {"input_tokens": 31, "output_tokens": 6, "total_tokens": 37}
    assert span.attributes["mlflow.llm.provider"] == "ollama"
    assert chat_messages(span) == [{"role": "system", "content": "Be brief."},
                                   {"role": "user", "content": "Why is the sky blue?"},
                                   {"role": "assistant", "content": "Rayleigh scattering of sunlight."}]
    assert trace.info.response_preview == "Rayleigh scattering of sunlight."


def test_generate_stream(mode, experiment):
    parts = stream(mode, "generate_stream", "generate", model=MODEL, prompt="Why is the sky blue?")
    assert len(parts) == 8 and all(isinstance(p, ollama.GenerateResponse) for p in parts)
    span = only_span(experiment)
    assert span.span_type == "LLM"
    assert span.outputs["response"] == "Rayleigh scattering of sunlight."
    assert span.outputs.get("thinking") == thinking("The user asks about France.").get("thinking")
    assert (span.outputs["done_reason"], span.outputs["context"]) == ("stop", [1, 2, 3])
    assert usage_of(span) == {"input_tokens": 31, "output_tokens": 6, "total_tokens": 37}
    assert chat_messages(span)[-1] == {"role": "assistant", "content": "Rayleigh scattering of sunlight.",
                                       **thinking("The user asks about France.", "reasoning")}


def test_embed(mode, experiment):
    result = call(mode, "embed", "embed", model="all-minilm", input=["hello", "world"])
    assert len(result.embeddings) == 2
    trace = only_trace(experiment)
    [span] = trace.data.spans
    assert (span.name, span.span_type) == (span_name(mode, "embed"), "EMBEDDING")
    assert span.inputs == {"model": "all-minilm", "input": ["hello", "world"]}
    assert span.outputs["embeddings"] == [[0.1, -0.2, 0.3], [0.4, 0.5, -0.6]]
    assert usage_of(span) == {"input_tokens": 2, "total_tokens": 2}
    assert "mlflow.message.format" not in span.attributes and chat_messages(span) is None
    assert (trace.info.request_preview, trace.info.response_preview) == ("hello | world", "2 vectors of 3 dims")


def test_legacy_embeddings(mode, experiment):
    result = call(mode, "embeddings", "embeddings", model="all-minilm", prompt="hello")
    assert list(result.embedding) == [0.1, -0.2, 0.3, 0.4]
    trace = only_trace(experiment)
    [span] = trace.data.spans
    assert (span.name, span.span_type) == (span_name(mode, "embeddings"), "EMBEDDING")
    assert span.attributes["mlflow.llm.model"] == "all-minilm"  # the request's: the answer names none
    assert span.outputs == {"embedding": [0.1, -0.2, 0.3, 0.4]}
    assert usage_of(span) is None
    assert trace.info.response_preview == "1 vector of 4 dims"


def test_module_functions(experiment):
    """ollama.chat and the others are methods of a default client bound at import: each call is one span."""
    with OLLAMA_VCR.use_cassette("chat.yaml"):
        assert ollama.chat(model=MODEL, messages=MESSAGES).message.content == ANSWER
    with OLLAMA_VCR.use_cassette("chat_stream.yaml"):
        assert len(list(ollama.chat(MODEL, MESSAGES, stream=True))) == 10
    with OLLAMA_VCR.use_cassette("generate.yaml"):
        ollama.generate(MODEL, "Why is the sky blue?")
    with OLLAMA_VCR.use_cassette("embed.yaml"):
        ollama.embed(model="all-minilm", input=["hello", "world"])
    with OLLAMA_VCR.use_cassette("embeddings.yaml"):
        ollama.embeddings(model="all-minilm", prompt="hello")
    spans = [t.data.spans for t in traces(experiment)]
    assert [len(s) for s in spans] == [1] * 5
    assert [(s[0].name, s[0].span_type) for s in spans] == [
        ("Client.chat", "CHAT_MODEL"), ("Client.chat", "CHAT_MODEL"), ("Client.generate", "LLM"),
        ("Client.embed", "EMBEDDING"), ("Client.embeddings", "EMBEDDING")]
    assert spans[1][0].inputs == {"model": MODEL, "messages": MESSAGES, "stream": True}
    assert spans[1][0].outputs["message"]["content"] == ANSWER


def test_revert_puts_back_the_very_same_objects():
    autolog.revert()
    functions = {name: ollama.Client.__dict__[name] for name in ("chat", "generate", "embed", "embeddings")}
    bound = {name: getattr(ollama, name) for name in functions}
    assert all(inspect.ismethod(m) and m.__func__ is functions[name] for name, m in bound.items())
    autolog.autolog()
    autolog.autolog()  # twice: patched once
    assert all(getattr(ollama, name) is not m for name, m in bound.items())
    assert ollama.chat.__wrapped__ is bound["chat"]
    autolog.revert()
    assert all(getattr(ollama, name) is m for name, m in bound.items())
    assert all(ollama.Client.__dict__[name] is f for name, f in functions.items())


def test_revert_stops_tracing(experiment):
    autolog.revert()
    with OLLAMA_VCR.use_cassette("chat.yaml"):
        ollama.chat(model=MODEL, messages=MESSAGES)
    assert traces(experiment) == []


def test_suspended_and_disabled(experiment):
    with autolog.suspended(), OLLAMA_VCR.use_cassette("chat.yaml"):
        ollama.chat(model=MODEL, messages=MESSAGES)
    autolog.disable()
    with OLLAMA_VCR.use_cassette("chat.yaml"):
        ollama.chat(model=MODEL, messages=MESSAGES)
    autolog.enable()
    assert traces(experiment) == []


def test_capture_content_off(mode, experiment):
    autolog.autolog(capture_content=False)
    stream(mode, "chat_stream", model=MODEL, messages=MESSAGES)
    trace = only_trace(experiment)
    [span] = trace.data.spans
    assert span.inputs is None and span.outputs is None and chat_messages(span) is None
    assert usage_of(span) == {"input_tokens": 26, "output_tokens": 8, "total_tokens": 34}
    assert trace.info.request_preview in (None, "") and trace.info.response_preview in (None, "")


def test_redact_applies_to_the_chat_too(experiment):
    def redact(data, what):
        if what == "inputs":
            return {**data, "messages": [{**m, "content": "[redacted]"} for m in data["messages"]]}
        return data

    autolog.autolog(redact=redact)
    with OLLAMA_VCR.use_cassette("chat.yaml"):
        ollama.chat(model=MODEL, messages=MESSAGES)
    span = only_span(experiment)
    assert span.inputs["messages"] == [{"role": "user", "content": "[redacted]"}]
    assert chat_messages(span)[0] == {"role": "user", "content": "[redacted]"}


AFTER_IMPORT = """
import mlflow, vcr
mlflow.set_tracking_uri("sqlite:///{tmp}/m.db")
mlflow.set_experiment("before-import")
import autolog
autolog.{entry}()
import sys
assert "ollama" not in sys.modules
from ollama import chat  # a name taken from the module once it is imported: traced too
import ollama
cassettes = vcr.VCR(cassette_library_dir="{cassettes}", record_mode="none", match_on=["method", "scheme", "port", "path"])
with cassettes.use_cassette("chat.yaml"):
    chat(model="m", messages=[{{"role": "user", "content": "hi"}}])
with cassettes.use_cassette("generate.yaml"):
    ollama.Client(host="http://localhost:11434").generate(model="m", prompt="hi")
autolog.flush()
found = mlflow.search_traces(return_type="list", order_by=["timestamp_ms ASC"])
print("SPANS", [(t.data.spans[0].name, t.data.spans[0].attributes["mlflow.llm.provider"]) for t in found])
"""


@pytest.mark.parametrize("entry", ["autolog", "ollama.autolog"])
def test_autolog_before_import(tmp_path, entry):
    script = AFTER_IMPORT.format(tmp=tmp_path, entry=entry, cassettes=ROOT / "cassettes" / "ollama")
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=180)
    assert "SPANS [('Client.chat', 'ollama'), ('Client.generate', 'ollama')]" in done.stdout, done.stderr[-2000:]


def test_ollama_alone_without_the_other_sdks(tmp_path):
    from test_providers_alone import run_without

    ollama_call = """
import ollama
cassettes = vcr.VCR(cassette_library_dir="{cassettes}/ollama", record_mode="none", match_on=["method", "port", "path"])
with cassettes.use_cassette("chat.yaml"):
    ollama.chat(model="m", messages=[{{"role": "user", "content": "hi"}}])
""".format(cassettes=ROOT / "cassettes")
    done = run_without(("openai", "anthropic", "google.genai"), "ollama", ollama_call, tmp_path)
    assert "TRACES 1 ollama" in done.stdout, done.stderr[-2000:]


# ---------------------------------------------------------------------------------------------
# A fault in the plugin never reaches the caller


def boom(*args, **kwargs):
    raise RuntimeError("plugin fault")


def test_accumulator_fault(mode, experiment, monkeypatch):
    monkeypatch.setattr(ChatAccumulator, "add", boom)
    parts = stream(mode, "chat_stream", model=MODEL, messages=MESSAGES)
    assert "".join(p.message.content for p in parts) == ANSWER
    span = only_span(experiment)  # status and timing kept, the output lost
    assert (span.status.status_code, span.outputs, span.attributes["autolog.stream.completed"]) == ("OK", None, True)


def test_assembly_fault(mode, experiment, monkeypatch):
    monkeypatch.setattr(ChatAccumulator, "result", boom)
    assert len(stream(mode, "chat_stream", model=MODEL, messages=MESSAGES)) == 10
    assert only_span(experiment).status.status_code == "OK"


def test_conversation_fault_costs_only_the_chat(mode, experiment, monkeypatch):
    autolog.revert()
    monkeypatch.setattr(_conversation, "chat_response", boom)
    autolog.autolog()
    assert call(mode, "chat", model=MODEL, messages=MESSAGES).message.content == ANSWER
    span = only_span(experiment)
    assert chat_messages(span) == [{"role": "user", "content": QUESTION}]
    assert span.outputs["message"]["content"] == ANSWER


def test_request_reading_fault_costs_the_span(mode, experiment, monkeypatch):
    from autolog.ollama import _attributes

    autolog.revert()
    monkeypatch.setattr(_attributes, "plain", boom)
    autolog.autolog()
    assert call(mode, "chat", model=MODEL, messages=MESSAGES).message.content == ANSWER
    assert traces(experiment) == []


def test_bad_arguments_raise_as_the_sdk_raises(mode, experiment):
    with pytest.raises(TypeError):
        mode.wait(client(mode).chat(MODEL, MESSAGES, "extra", "positional", "arguments"))
