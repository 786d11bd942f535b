"""Amazon Bedrock through boto3's bedrock-runtime client and aiobotocore's: one span per call,
streams watched in the response dict and assembled, invoke_model's body recorded as the caller
reads it, every other AWS client left alone."""
import asyncio
import gc
import io
import json
import subprocess
import sys
import weakref

import boto3
import pytest
import wrapt
import yaml
from aiobotocore.config import AioConfig
from aiobotocore.response import StreamingBody as AioStreamingBody
from aiobotocore.session import get_session
from botocore.config import Config
from botocore.eventstream import EventStream
from botocore.exceptions import ClientError, EventStreamError
from botocore.response import StreamingBody

import autolog
from autolog.bedrock._converse import ConverseStreamAccumulator
from autolog.bedrock._invoke import InvokeStreamAccumulator
from conftest import ROOT, VCR, exception_events, only_span, only_trace, traces, usage_of

CLAUDE = "us.anthropic.claude-sonnet-4-5-20250929-v1:0"
QUESTION = "What is the capital of France?"
ASK = [{"role": "user", "content": [{"text": QUESTION}]}]
CREDENTIALS = dict(region_name="us-east-1", aws_access_key_id="AKIAAUTOLOGTEST", aws_secret_access_key="s3cr3t-key")
WEATHER_TOOL = {"toolSpec": {"name": "get_weather", "description": "Weather for a city", "inputSchema": {"json": {
    "type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]}}}}


@pytest.fixture
def bedrock(mode):
    """make(**config) -> a bedrock-runtime client: boto3's, or aiobotocore's (entered) in async mode."""
    opened = []

    def make(service="bedrock-runtime", **config):
        if mode.is_async:
            manager = get_session().create_client(service, config=AioConfig(**config) if config else None,
                                                  **CREDENTIALS)
            opened.append(manager)
            return mode.wait(manager.__aenter__())
        return boto3.client(service, config=Config(**config) if config else None, **CREDENTIALS)

    yield make
    for manager in opened:
        mode.wait(manager.__aexit__(None, None, None))


def cassette(name):
    return VCR.use_cassette(f"bedrock/{name}.yaml")


def recorded_body(name) -> bytes:
    data = yaml.safe_load((ROOT / "cassettes" / "bedrock" / f"{name}.yaml").read_text())
    return data["interactions"][0]["response"]["body"]["string"]


# ---------------------------------------------------------------------------------------------
# Converse


def test_converse(mode, bedrock, experiment):
    client = bedrock()
    with cassette("converse"):
        response = mode.wait(client.converse(modelId=CLAUDE, messages=ASK, inferenceConfig={"maxTokens": 256}))
    assert response["output"]["message"]["content"] == [{"text": "The capital of France is Paris."}]
    trace = only_trace(experiment)
    [span] = trace.data.spans
    assert (span.name, span.span_type) == ("BedrockRuntime.converse", "CHAT_MODEL")
    assert span.attributes["mlflow.llm.provider"] == "bedrock"
    assert span.attributes["mlflow.llm.model"] == CLAUDE
    assert span.attributes["mlflow.message.format"] == "bedrock"
    assert span.inputs == {"modelId": CLAUDE, "messages": ASK, "inferenceConfig": {"maxTokens": 256}}
    assert span.outputs["output"] == response["output"] and span.outputs["stopReason"] == "end_turn"
    assert span.outputs["ResponseMetadata"]["HTTPStatusCode"] == 200
    # Bedrock counts input without the cache; MLflow's convention adds the reads and writes
    assert usage_of(span) == {"input_tokens": 2112, "output_tokens": 9, "total_tokens": 2121,
                              "cache_read_input_tokens": 2000, "cache_creation_input_tokens": 100}
    assert (trace.info.request_preview, trace.info.response_preview) == (QUESTION, "The capital of France is Paris.")
    assert "s3cr3t" not in json.dumps(span.to_dict()) and "AKIAAUTOLOG" not in json.dumps(span.to_dict())


def test_converse_tools(mode, bedrock, experiment):
    client = bedrock()
    with cassette("converse_tools"):
        mode.wait(client.converse(modelId=CLAUDE, messages=ASK, toolConfig={"tools": [WEATHER_TOOL, {
            "cachePoint": {"type": "default"}}]}))
    trace = only_trace(experiment)
    [span] = trace.data.spans
    assert span.attributes["mlflow.chat.tools"] == [{"type": "function", "function": {
        "name": "get_weather", "description": "Weather for a city",
        "parameters": WEATHER_TOOL["toolSpec"]["inputSchema"]["json"]}}]
    assert span.outputs["output"]["message"]["content"][1]["toolUse"]["input"] == {"city": "Paris"}
    assert trace.info.response_preview == 'Let me check.'


def test_binary_content_is_recorded_as_the_api_sends_it(mode, bedrock, experiment):
    png = b"\x89PNG\r\n\x1a\nnot-really-a-png"
    client = bedrock()
    with cassette("converse"):
        mode.wait(client.converse(modelId=CLAUDE, messages=[{"role": "user", "content": [
            {"text": "What is this?"}, {"document": {"format": "txt", "name": "notes", "source": {"bytes": b"Paris"}}},
            {"image": {"format": "png", "source": {"bytes": png}}}]}]))
    trace = only_trace(experiment)
    content = trace.data.spans[0].inputs["messages"][0]["content"]
    assert content[1]["document"]["source"]["bytes"] == "UGFyaXM="  # base64, as in the JSON request
    assert content[2]["image"]["source"]["bytes"].startswith("mlflow-attachment://")  # MLflow's attachment
    assert trace.info.request_preview == "What is this? [document] [image]"


def converse_stream(mode, client, name="converse_stream"):
    with cassette(name):
        return mode.wait(client.converse_stream(modelId=CLAUDE, messages=ASK))


def test_converse_stream_assembled(mode, bedrock, experiment):
    response = converse_stream(mode, bedrock())
    assert isinstance(response["stream"], EventStream) and set(response) == {"ResponseMetadata", "stream"}
    events = mode.drain(response["stream"])
    assert len(events) == 25 and events[0] == {"messageStart": {"role": "assistant"}}
    span = only_span(experiment)
    assert span.name == "BedrockRuntime.converse_stream"
    assert span.outputs["output"]["message"] == {"role": "assistant", "content": [
        {"reasoningContent": {"reasoningText": {"text": "France's capital is Paris.", "signature": "EqQBCkYIBRgCsig"}}},
        {"text": "The capital of France is Paris."},
        {"toolUse": {"toolUseId": "tooluse_AL2", "name": "get_weather", "input": {"city": "Paris"}}},
        {"toolUse": {"toolUseId": "tooluse_AL3", "name": "get_weather", "input": {"city": "Rome"}}},
    ]}
    assert span.outputs["stopReason"] == "tool_use" and span.outputs["metrics"] == {"latencyMs": 900}
    assert span.outputs["ResponseMetadata"]["HTTPStatusCode"] == 200
    assert usage_of(span) == {"input_tokens": 70, "output_tokens": 80, "total_tokens": 150,
                              "cache_read_input_tokens": 30}
    assert span.attributes["autolog.stream.end"] == "exhausted"
    assert span.attributes["autolog.stream.items"] == 25
    assert span.attributes["mlflow.message.format"] == "bedrock"


def test_converse_stream_events_are_the_sdk_own(mode, bedrock, experiment):
    traced = mode.drain(converse_stream(mode, bedrock())["stream"])
    with autolog.suspended():
        untraced = mode.drain(converse_stream(mode, bedrock())["stream"])
    assert traced == untraced
    assert len(traces(experiment)) == 1


def test_converse_stream_citations_and_redacted_reasoning(mode, bedrock, experiment):
    mode.drain(converse_stream(mode, bedrock(), "converse_stream_citations")["stream"])
    content = only_span(experiment).outputs["output"]["message"]["content"]
    assert content[0] == {"reasoningContent": {"redactedContent": "AG9wYXF1ZS1yZWFzb25pbmc="}}
    assert content[1]["citationsContent"]["content"] == [{"text": "Paris is the capital."}]
    assert content[1]["citationsContent"]["citations"][0]["title"] == "Paris"


def test_converse_stream_closed_early(mode, bedrock, experiment):
    response = converse_stream(mode, bedrock())
    mode.take(response["stream"], 7)
    response["stream"].close()
    span = only_span(experiment)
    assert span.attributes["autolog.stream.end"] == "closed" and span.status.status_code == "OK"
    assert span.outputs["output"]["message"]["content"] == [
        {"reasoningContent": {"reasoningText": {"text": "France's capital is Paris.", "signature": "EqQBCkYIBRgCsig"}}},
        {"text": "The"}]


def dropped(mode):
    """The caller's references are gone: collected (an async iteration left unfinished is closed by
    its event loop first, which needs to run once more)."""
    gc.collect()
    if mode.is_async:
        mode.wait(asyncio.sleep(0))
        gc.collect()


def test_converse_stream_left_and_dropped(bedrock, experiment, mode):
    response = converse_stream(mode, bedrock())
    mode.take(response["stream"], 1)
    del response
    dropped(mode)
    span = only_span(experiment)
    assert span.attributes["autolog.stream.end"] == "abandoned"
    assert span.outputs["output"]["message"]["content"] == []  # messageStart only


def test_a_stream_read_straight_out_of_the_dict_is_not_dropped(experiment):
    client = boto3.client("bedrock-runtime", **CREDENTIALS)
    with cassette("converse_stream"):
        events = []
        for event in client.converse_stream(modelId=CLAUDE, messages=ASK)["stream"]:
            if not events:
                gc.collect()  # the dict and the stream in it are no one's now: only the loop holds them
            events.append(event)
    assert len(events) == 25
    assert only_span(experiment).attributes["autolog.stream.end"] == "exhausted"


def test_a_stream_read_in_two_loops(experiment):
    client = boto3.client("bedrock-runtime", **CREDENTIALS)
    with cassette("converse_stream"):
        stream = client.converse_stream(modelId=CLAUDE, messages=ASK)["stream"]
    first = []
    for event in stream:
        first.append(event)
        if len(first) == 3:
            break
    rest = list(stream)
    assert len(first) + len(rest) == 25
    assert only_span(experiment).attributes["autolog.stream.end"] == "exhausted"


def test_converse_stream_exception_frame(mode, bedrock, experiment):
    response = converse_stream(mode, bedrock(), "converse_stream_error")
    with pytest.raises(EventStreamError) as raised:
        mode.drain(response["stream"])
    assert raised.value.response["Error"]["Code"] == "modelStreamErrorException"
    span = only_span(experiment)
    assert span.status.status_code == "ERROR" and span.attributes["autolog.stream.end"] == "error"
    assert exception_events(span)[0].attributes["exception.type"] == "EventStreamError"
    assert span.outputs["output"]["message"]["content"] == [{"text": "The capital of"}]


@pytest.mark.parametrize("name", ["converse_error_400", "converse_stream_error_400"])
def test_converse_client_error(mode, bedrock, experiment, name):
    client = bedrock()
    method = client.converse_stream if "stream" in name else client.converse
    with cassette(name), pytest.raises(ClientError) as raised:
        mode.wait(method(modelId="does-not-exist", messages=ASK))
    assert raised.value.response["Error"]["Code"] == "ValidationException"
    trace = only_trace(experiment)
    [span] = trace.data.spans
    assert (span.status.status_code, span.span_type) == ("ERROR", "CHAT_MODEL")
    assert span.attributes["mlflow.llm.model"] == "does-not-exist"
    # botocore's modelled exception (a ClientError), as the caller caught it
    assert exception_events(span)[0].attributes["exception.type"] == "ValidationException"
    assert trace.info.response_preview.startswith("ValidationException: An error occurred (ValidationException)")


def test_retries_stay_as_the_caller_configured_them(mode, bedrock, experiment):
    client = bedrock(retries={"total_max_attempts": 2, "mode": "standard"})
    with cassette("converse_throttled_then_ok"):
        response = mode.wait(client.converse(modelId=CLAUDE, messages=ASK))
    assert response["ResponseMetadata"]["RetryAttempts"] == 1
    span = only_span(experiment)  # the retry is inside the one call
    assert span.status.status_code == "OK" and span.outputs["ResponseMetadata"]["RetryAttempts"] == 1


def test_throttled_without_retries(mode, bedrock, experiment):
    client = bedrock(retries={"total_max_attempts": 1})
    with cassette("converse_throttled_then_ok"), pytest.raises(ClientError) as raised:
        mode.wait(client.converse(modelId=CLAUDE, messages=ASK))
    assert raised.value.response["Error"]["Code"] == "ThrottlingException"
    assert only_span(experiment).status.status_code == "ERROR"


# ---------------------------------------------------------------------------------------------
# InvokeModel


def invoke(mode, client, name, model=CLAUDE, body=b'{"messages": []}'):
    with cassette(name):
        return mode.wait(client.invoke_model(modelId=model, body=body))


def read_all(mode, body):
    return mode.wait(body.read())


def test_invoke_model(mode, bedrock, experiment):
    request = {"anthropic_version": "bedrock-2023-05-31", "max_tokens": 256,
               "messages": [{"role": "user", "content": QUESTION}]}
    response = invoke(mode, bedrock(), "invoke_anthropic", body=json.dumps(request))
    assert isinstance(response["body"], AioStreamingBody if mode.is_async else StreamingBody)
    assert read_all(mode, response["body"]) == recorded_body("invoke_anthropic")  # the caller's bytes, unchanged
    trace = only_trace(experiment)
    [span] = trace.data.spans
    assert (span.name, span.span_type) == ("BedrockRuntime.invoke_model", "CHAT_MODEL")
    assert "mlflow.message.format" not in span.attributes  # the family's own JSON, not a chat format
    assert span.attributes["mlflow.llm.model"] == CLAUDE
    assert span.inputs == {"modelId": CLAUDE, "body": request}
    assert span.outputs["body"]["content"] == [{"type": "text", "text": "The capital of France is Paris."}]
    assert span.outputs["contentType"] == "application/json"
    # the counts Bedrock bills, from the response headers
    assert usage_of(span) == {"input_tokens": 2112, "output_tokens": 9, "total_tokens": 2121,
                              "cache_read_input_tokens": 2000, "cache_creation_input_tokens": 100}
    assert (trace.info.request_preview, trace.info.response_preview) == (QUESTION, "The capital of France is Paris.")


SYNC_READS = {
    "read(7) until empty": lambda body: b"".join(iter(lambda: body.read(7), b"")),
    "for chunk in body": lambda body: b"".join(body),
    "iter_chunks(5)": lambda body: b"".join(body.iter_chunks(5)),
    "iter_lines": lambda body: b"\n".join(body.iter_lines()),
    "readlines": lambda body: b"".join(body.readlines()),
    "readinto": lambda body: _readinto(body),
    "json.load": lambda body: json.dumps(json.load(body)).encode(),
}


def _readinto(body):
    out = b""
    buffer = bytearray(16)
    while count := body.readinto(buffer):
        out += bytes(buffer[:count])
    return out


@pytest.mark.parametrize("how", list(SYNC_READS))
def test_every_way_of_reading_the_body(how, experiment):
    client = boto3.client("bedrock-runtime", **CREDENTIALS)
    with cassette("invoke_llama"):
        body = client.invoke_model(modelId="meta.llama3-1-70b-instruct-v1:0", body=b"{}")["body"]
    with autolog.suspended(), cassette("invoke_llama"):
        plain = client.invoke_model(modelId="meta.llama3-1-70b-instruct-v1:0", body=b"{}")["body"]
    assert SYNC_READS[how](body) == SYNC_READS[how](plain)
    span = only_span(experiment)
    assert span.outputs["body"]["generation"] == "The capital of France is Paris."


async def _async_chunks(body):
    return b"".join([chunk async for chunk in body])


async def _async_read_in_pieces(body):
    out = b""
    while piece := await body.read(7):
        out += piece
    return out


async def _async_lines(body):
    return b"\n".join(await body.readlines())


@pytest.mark.parametrize("how", [_async_chunks, _async_read_in_pieces, _async_lines])
def test_every_way_of_reading_the_async_body(how, experiment):
    import asyncio

    async def go():
        async with get_session().create_client("bedrock-runtime", **CREDENTIALS) as client:
            with cassette("invoke_llama"):
                body = (await client.invoke_model(modelId="meta.llama3-1-70b-instruct-v1:0", body=b"{}"))["body"]
                return await how(body)

    got = asyncio.run(go())
    assert b"The capital of France is Paris." in got
    assert only_span(experiment).outputs["body"]["generation"] == "The capital of France is Paris."


def test_body_usage_without_the_headers(mode, bedrock, experiment):
    response = invoke(mode, bedrock(), "invoke_llama", model="meta.llama3-1-70b-instruct-v1:0")
    read_all(mode, response["body"])
    assert usage_of(only_span(experiment)) == {"input_tokens": 9, "output_tokens": 8, "total_tokens": 17}


def test_body_closed_unread(mode, bedrock, experiment):
    response = invoke(mode, bedrock(), "invoke_mistral", model="mistral.mistral-7b-instruct-v0:2")
    mode.wait(response["body"].close())  # aiobotocore's close() returns None or a coroutine
    span = only_span(experiment)
    assert span.status.status_code == "OK" and span.outputs["body"] is None
    assert usage_of(span) == {"input_tokens": 11, "output_tokens": 3, "total_tokens": 14}


def test_body_dropped_unread(bedrock, experiment, mode):
    response = invoke(mode, bedrock(), "invoke_mistral", model="mistral.mistral-7b-instruct-v0:2")
    del response
    dropped(mode)
    span = only_span(experiment)
    assert span.status.status_code == "OK" and span.outputs["ResponseMetadata"]["HTTPStatusCode"] == 200


def test_embedding(mode, bedrock, experiment):
    response = invoke(mode, bedrock(), "invoke_embed", model="amazon.titan-embed-text-v2:0",
                      body=json.dumps({"inputText": "hello world"}))
    read_all(mode, response["body"])
    trace = only_trace(experiment)
    [span] = trace.data.spans
    assert span.span_type == "EMBEDDING"
    assert usage_of(span) == {"input_tokens": 3, "output_tokens": 0, "total_tokens": 3}
    assert (trace.info.request_preview, trace.info.response_preview) == ("hello world", "1 vector of 4 dims")


def test_rerank(mode, bedrock, experiment):
    response = invoke(mode, bedrock(), "invoke_rerank", model="cohere.rerank-v3-5:0")
    read_all(mode, response["body"])
    span = only_span(experiment)
    assert span.span_type == "RERANKER" and span.outputs["body"]["results"][0]["relevance_score"] == 0.98


def test_invoke_client_error(mode, bedrock, experiment):
    with pytest.raises(ClientError):
        invoke(mode, bedrock(), "invoke_error_400")
    span = only_span(experiment)
    assert span.status.status_code == "ERROR"
    assert exception_events(span)[0].attributes["exception.type"] == "ValidationException"


def test_a_file_body_is_described_never_read(bedrock, experiment, mode):
    if mode.is_async:
        pytest.skip("one client is enough")
    request = io.BytesIO(b'{"prompt": "hi"}')
    response = invoke(mode, bedrock(), "invoke_llama", model="meta.llama3-1-70b-instruct-v1:0", body=request)
    response["body"].read()
    assert only_span(experiment).inputs["body"]["size"] == 16


# ---------------------------------------------------------------------------------------------
# InvokeModelWithResponseStream: every family assembled into its non-streaming body

PARIS = "The capital of France is Paris."
FAMILIES = {
    # name: (model, what the assembled body holds, usage)
    "anthropic": (CLAUDE, lambda b: b["content"] == [
        {"type": "thinking", "thinking": "France's capital.", "signature": "EqSig"},
        {"type": "text", "text": PARIS},
        {"type": "tool_use", "id": "toolu_AL1", "name": "get_weather", "input": {"city": "Paris"}}]
        and b["stop_reason"] == "tool_use" and b["role"] == "assistant",
        # the model's own counts (message_start + message_delta), not the invocation metrics' 40
        {"input_tokens": 25, "output_tokens": 44, "total_tokens": 69, "cache_read_input_tokens": 0,
         "cache_creation_input_tokens": 0}),
    "nova": ("us.amazon.nova-lite-v1:0", lambda b: b["output"]["message"]["content"] == [
        {"text": PARIS}, {"toolUse": {"toolUseId": "tooluse_N1", "name": "get_weather", "input": {"city": "Paris"}}}]
        and b["stopReason"] == "tool_use",
        {"input_tokens": 24, "output_tokens": 12, "total_tokens": 36, "cache_read_input_tokens": 6}),
    "titan": ("amazon.titan-text-express-v1", lambda b: b == {
        "inputTextTokenCount": 5, "results": [{"outputText": PARIS, "tokenCount": 7, "completionReason": "FINISH"}],
        "amazon-bedrock-invocationMetrics": b["amazon-bedrock-invocationMetrics"]},
        {"input_tokens": 5, "output_tokens": 7, "total_tokens": 12}),
    "llama": ("meta.llama3-1-70b-instruct-v1:0", lambda b: b["generation"] == PARIS and b["prompt_token_count"] == 9
              and b["generation_token_count"] == 7 and b["stop_reason"] == "stop",
              {"input_tokens": 9, "output_tokens": 7, "total_tokens": 16}),
    "mistral": ("mistral.mistral-7b-instruct-v0:2", lambda b: b["outputs"] == [{"text": PARIS, "stop_reason": "stop"}],
                {"input_tokens": 11, "output_tokens": 7, "total_tokens": 18}),
    "cohere": ("cohere.command-r-v1:0", lambda b: b["text"] == PARIS and b["finish_reason"] == "COMPLETE"
               and b["response_id"] == "resp-AL1",
               {"input_tokens": 13, "output_tokens": 7, "total_tokens": 20}),
    "cohere_command": ("cohere.command-text-v14", lambda b: b["generations"] == [
        {"text": PARIS, "finish_reason": "COMPLETE"}], {"input_tokens": 6, "output_tokens": 7, "total_tokens": 13}),
    "ai21": ("ai21.jamba-1-5-mini-v1:0", lambda b: b["choices"][0]["message"]["content"] == PARIS
             and b["choices"][0]["finish_reason"] == "stop",
             {"input_tokens": 12, "output_tokens": 7, "total_tokens": 19}),
    "choices": ("openai.gpt-oss-120b-1:0", lambda b: b["choices"][0]["message"] == {
        "role": "assistant", "content": PARIS, "reasoning_content": "Simple geography.", "tool_calls": [
            {"id": "call_AL1", "type": "function", "function": {"name": "get_weather", "arguments": "{\"city\": \"Paris\"}"}}]}
        and b["model"] == "openai.gpt-oss-120b-1:0",
        {"input_tokens": 30, "output_tokens": 20, "total_tokens": 50}),
    "anthropic_completion": ("anthropic.claude-v2", lambda b: b["completion"] == PARIS
                             and b["stop_reason"] == "stop_sequence",
                             {"input_tokens": 14, "output_tokens": 7, "total_tokens": 21}),
    # a family not known here: its chunks' JSON, and the invocation metrics' counts
    "unknown": ("custom.imported-model-v1", lambda b: [c["token"]["text"] for c in b] == [
        "The", " capital", " of", " France", " is", " Paris", ".", ""],
        {"input_tokens": 4, "output_tokens": 7, "total_tokens": 11}),
}


def invoke_stream(mode, client, name, model=CLAUDE):
    with cassette(name):
        return mode.wait(client.invoke_model_with_response_stream(modelId=model, body=b"{}"))


@pytest.mark.parametrize("family", list(FAMILIES))
def test_invoke_stream_assembled(family, mode, bedrock, experiment):
    model, holds, usage = FAMILIES[family]
    response = invoke_stream(mode, bedrock(), f"invoke_stream_{family}", model)
    chunks = mode.drain(response["body"])
    assert all(set(c) == {"chunk"} for c in chunks)
    span = only_span(experiment)
    assert span.name == "BedrockRuntime.invoke_model_with_response_stream"
    assert holds(span.outputs["body"]), span.outputs["body"]
    assert usage_of(span) == usage
    assert span.attributes["autolog.stream.end"] == "exhausted" and span.status.status_code == "OK"
    assert span.attributes["mlflow.llm.provider"] == "bedrock"


def test_invoke_stream_tools_and_previews(mode, bedrock, experiment):
    client = bedrock()
    body = {"messages": [{"role": "user", "content": QUESTION}], "tools": [
        {"name": "get_weather", "description": "Weather for a city", "input_schema": {"type": "object"}}]}
    with cassette("invoke_stream_anthropic"):
        response = mode.wait(client.invoke_model_with_response_stream(modelId=CLAUDE, body=json.dumps(body)))
    mode.drain(response["body"])
    trace = only_trace(experiment)
    assert trace.data.spans[0].attributes["mlflow.chat.tools"] == [{"type": "function", "function": {
        "name": "get_weather", "description": "Weather for a city", "parameters": {"type": "object"}}}]
    assert (trace.info.request_preview, trace.info.response_preview) == (QUESTION, PARIS)


def test_invoke_stream_exception_frame(mode, bedrock, experiment):
    response = invoke_stream(mode, bedrock(), "invoke_stream_error")
    with pytest.raises(EventStreamError) as raised:
        mode.drain(response["body"])
    assert raised.value.response["Error"]["Code"] == "throttlingException"
    span = only_span(experiment)
    assert span.status.status_code == "ERROR"
    assert exception_events(span)[0].attributes["exception.type"] == "EventStreamError"
    assert span.outputs["body"]["content"][0]["thinking"] == "France's capital."  # what arrived


def test_invoke_stream_closed_early(mode, bedrock, experiment):
    response = invoke_stream(mode, bedrock(), "invoke_stream_nova", "us.amazon.nova-lite-v1:0")
    mode.take(response["body"], 4)
    response["body"].close()
    span = only_span(experiment)
    assert span.attributes["autolog.stream.end"] == "closed"
    assert span.outputs["body"]["output"]["message"]["content"] == [{"text": "The capital"}]


def test_invoke_stream_dropped(bedrock, experiment, mode):
    response = invoke_stream(mode, bedrock(), "invoke_stream_titan", "amazon.titan-text-express-v1")
    mode.take(response["body"], 1)
    del response
    dropped(mode)
    span = only_span(experiment)
    assert span.attributes["autolog.stream.end"] == "abandoned"
    assert span.outputs["body"]["results"][0]["outputText"] == "The"


def test_an_error_the_model_sends_as_a_chunk(mode, bedrock, experiment):
    response = invoke_stream(mode, bedrock(), "invoke_stream_error_chunk")
    assert len(mode.drain(response["body"])) == 7  # botocore raises nothing: the caller reads it as data
    span = only_span(experiment)
    assert span.status.status_code == "ERROR"
    [error] = exception_events(span)
    assert (error.attributes["exception.type"], error.attributes["exception.message"]) == (
        "ModelStreamError", "Overloaded")
    assert span.outputs["body"]["content"][0]["thinking"] == "France's capital."


# ---------------------------------------------------------------------------------------------
# Faults, other clients, patching


def test_a_fault_in_the_accumulator_never_reaches_the_caller(mode, bedrock, experiment, monkeypatch):
    monkeypatch.setattr(ConverseStreamAccumulator, "add", lambda self, event: 1 / 0)
    monkeypatch.setattr(InvokeStreamAccumulator, "add", lambda self, event: 1 / 0)
    assert len(mode.drain(converse_stream(mode, bedrock())["stream"])) == 25
    assert len(mode.drain(invoke_stream(mode, bedrock(), "invoke_stream_llama", "meta.llama3-1-70b-instruct-v1:0")
                          ["body"])) == 7
    spans = [t.data.spans[0] for t in traces(experiment)]
    assert [(s.status.status_code, s.attributes["autolog.stream.completed"]) for s in spans] == [("OK", True)] * 2


def test_a_fault_watching_the_body_never_reaches_the_caller(mode, bedrock, experiment, monkeypatch):
    from autolog.bedrock import _invoke, _responses

    monkeypatch.setattr(_responses, "parse_body", lambda raw, content_type=None: 1 / 0)
    response = invoke(mode, bedrock(), "invoke_llama", model="meta.llama3-1-70b-instruct-v1:0")
    assert read_all(mode, response["body"]) == recorded_body("invoke_llama")
    span = only_span(experiment)
    assert span.status.status_code == "OK" and "body" not in span.outputs
    assert _invoke.parse_body(b"{}") == {}


def test_other_aws_clients_are_untouched(mode, bedrock, experiment):
    from botocore.awsrequest import AWSResponse

    s3 = bedrock("s3")
    assert not any(isinstance(v, wrapt.FunctionWrapper) for v in type(s3).__dict__.values())
    runtime = bedrock()
    assert isinstance(type(runtime).__dict__["converse"], wrapt.FunctionWrapper)
    assert not isinstance(type(runtime).__dict__["apply_guardrail"], wrapt.FunctionWrapper)
    listing = (b'<ListAllMyBucketsResult><Buckets><Bucket><Name>b</Name></Bucket></Buckets>'
               b'<Owner><ID>o</ID></Owner></ListAllMyBucketsResult>')

    class Raw:  # what botocore and aiobotocore read a body from, in memory
        def __init__(self):
            self.content = self
            self.url = "https://s3.amazonaws.com/"

        async def read(self, *_):
            return listing

        def stream(self, **_):
            yield listing

    def answer(request, **_):
        if mode.is_async:
            from aiobotocore.awsrequest import AioAWSResponse

            return AioAWSResponse(request.url, 200, {}, Raw())
        return AWSResponse(request.url, 200, {}, type("R", (), {"stream": Raw().stream, "data": listing})())

    s3.meta.events.register("before-send.s3", answer)
    assert mode.wait(s3.list_buckets())["Buckets"][0]["Name"] == "b"
    assert traces(experiment) == []


def test_clients_made_before_autolog_and_revert(experiment):
    autolog.revert()
    client = boto3.client("bedrock-runtime", **CREDENTIALS)
    own = type(client).__dict__["converse"]
    autolog.autolog()
    assert type(client).__dict__["converse"] is not own
    with cassette("converse"):
        client.converse(modelId=CLAUDE, messages=ASK)
    only_span(experiment)
    autolog.revert()
    assert type(client).__dict__["converse"] is own  # exactly the SDK's own function again
    from botocore.client import ClientCreator

    assert not isinstance(ClientCreator.__dict__["_create_client_class"], wrapt.FunctionWrapper)
    later = boto3.client("bedrock-runtime", **CREDENTIALS)
    assert not isinstance(type(later).__dict__["converse"], wrapt.FunctionWrapper)
    with cassette("converse"):
        later.converse(modelId=CLAUDE, messages=ASK)
    assert len(traces(experiment)) == 1


def test_patching_keeps_no_client_class_alive():
    client = boto3.client("bedrock-runtime", **CREDENTIALS)  # botocore makes a class per client
    assert isinstance(type(client).__dict__["converse"], wrapt.FunctionWrapper)
    made = weakref.ref(type(client))
    del client
    gc.collect()
    assert made() is None


def test_switches_and_privacy(experiment):
    client = boto3.client("bedrock-runtime", **CREDENTIALS)

    def ask():
        with cassette("converse"):
            client.converse(modelId=CLAUDE, messages=ASK)

    autolog.disable()
    ask()
    autolog.enable()
    with autolog.suspended():
        ask()
    assert traces(experiment) == []
    autolog.bedrock.autolog(capture_content=False)
    with autolog.context(session_id="b-1", user_id="u-1"):
        ask()
    autolog.bedrock.autolog(redact=lambda data, what: {"redacted": what})
    ask()
    first, second = traces(experiment)
    assert first.data.spans[0].inputs is None and first.data.spans[0].outputs is None
    assert usage_of(first.data.spans[0])["input_tokens"] == 2112
    assert first.info.trace_metadata["mlflow.trace.session"] == "b-1"
    assert second.data.spans[0].inputs == {"redacted": "inputs"}
    assert second.data.spans[0].outputs == {"redacted": "outputs"}


def run(script: str) -> str:
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=180, cwd=ROOT)
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout


def test_nothing_is_imported_that_the_program_does_not_import():
    out = run("import sys, autolog; autolog.autolog(); print('botocore' in sys.modules);"
              "import boto3; print('aiobotocore' in sys.modules)")
    assert out.split() == ["False", "False"]


def test_aiobotocore_imported_after_autolog(tmp_path):
    out = run(f"""
import asyncio, mlflow, vcr
mlflow.set_tracking_uri("sqlite:///{tmp_path}/m.db")
mlflow.set_experiment("aio")
import autolog
autolog.bedrock.autolog()
from aiobotocore.session import get_session

async def go():
    async with get_session().create_client("bedrock-runtime", **{CREDENTIALS!r}) as client:
        with vcr.VCR(cassette_library_dir="cassettes", record_mode="none").use_cassette("bedrock/converse.yaml"):
            await client.converse(modelId="{CLAUDE}", messages=[])

asyncio.run(go())
mlflow.flush_trace_async_logging()
print("TRACES", len(mlflow.search_traces(return_type="list")))
""")
    assert "TRACES 1" in out


def test_bedrock_without_the_other_sdks(tmp_path):
    from test_providers_alone import run_without

    call = """
import boto3
with cassettes.use_cassette("bedrock/converse.yaml"):
    boto3.client("bedrock-runtime", region_name="us-east-1", aws_access_key_id="k",
                 aws_secret_access_key="k").converse(modelId="%s", messages=[])
""" % CLAUDE
    done = run_without(("openai", "anthropic", "google.genai"), "bedrock", call, tmp_path)
    assert "TRACES 1 bedrock" in done.stdout, done.stderr[-2000:]
