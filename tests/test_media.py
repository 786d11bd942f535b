"""OpenAI's image, audio and moderation endpoints, and binary payloads moved out of the span into
MLflow's attachments."""
import base64
import io
import json
from pathlib import Path

import mlflow
import openai
import pytest

import autolog
from conftest import ANTHROPIC_HTTP, OPENAI_HTTP, VCR, exception_events, only_span, only_trace, usage_of

PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==")
IMAGE_USAGE = {"input_tokens": 12, "output_tokens": 272, "total_tokens": 284}


def attachment_refs(value):
    """Every mlflow-attachment:// reference in a span's inputs or outputs."""
    return [ref for ref in _strings(value) if ref.startswith("mlflow-attachment://")]


def _strings(value):
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for v in value.values():
            yield from _strings(v)
    elif isinstance(value, list):
        for v in value:
            yield from _strings(v)


def stored_bytes(trace, ref):
    """The bytes MLflow stored for an attachment reference, read back from the trace's artifacts."""
    from mlflow.tracing.attachments import Attachment

    parsed = Attachment.parse_ref(ref)
    location = trace.info.tags["mlflow.artifactLocation"]
    local = mlflow.artifacts.download_artifacts(artifact_uri=f"{location}/attachments/{parsed['attachment_id']}")
    return Path(local).read_bytes()


def span_bytes(span):
    return len(json.dumps(span.to_dict()))


# -- the endpoints ----------------------------------------------------------------------------


def test_images_generate(mode, experiment):
    with VCR.use_cassette("openai/images_generate.yaml"):
        result = mode.wait(mode.openai().images.generate(model="gpt-image-1", prompt="A red square", size="1024x1024"))
    assert base64.b64decode(result.data[0].b64_json) == PNG  # what the caller gets is untouched
    trace = only_trace(experiment)
    [span] = trace.data.spans
    assert span.span_type == "LLM"
    assert span.name == ("AsyncImages.generate" if mode.is_async else "Images.generate")
    assert span.attributes["mlflow.llm.model"] == "gpt-image-1"
    assert usage_of(span) == IMAGE_USAGE
    [ref] = attachment_refs(span.outputs)  # the image is an attachment, not base64 in the span
    assert stored_bytes(trace, ref) == PNG
    assert (trace.info.request_preview, trace.info.response_preview) == ("A red square", "1 image (1024x1024, png)")


def test_images_generate_stream(mode, experiment):
    with VCR.use_cassette("openai/images_generate_stream.yaml"):
        events = mode.drain(mode.wait(mode.openai().images.generate(
            model="gpt-image-1", prompt="A red square", stream=True, partial_images=2)))
    assert [e.type for e in events] == ["image_generation.partial_image"] * 2 + ["image_generation.completed"]
    span = only_span(experiment)
    assert span.attributes["autolog.stream.end"] == "exhausted"
    assert span.outputs["output_format"] == "png" and len(span.outputs["data"]) == 1
    assert usage_of(span) == IMAGE_USAGE
    assert len(attachment_refs(span.outputs)) == 1


def test_images_stream_closed_early_keeps_the_last_partial_image(mode, experiment):
    with VCR.use_cassette("openai/images_generate_stream.yaml"):
        stream = mode.wait(mode.openai().images.generate(model="gpt-image-1", prompt="A red square", stream=True))
        mode.take(stream, 1)
        mode.close(stream)
    span = only_span(experiment)
    assert span.attributes["autolog.stream.end"] == "closed"
    assert span.outputs["partial_image_index"] == 0 and len(attachment_refs(span.outputs)) == 1


def test_images_edit_with_files(mode, experiment, tmp_path):
    picture = tmp_path / "square.png"
    picture.write_bytes(PNG)
    with VCR.use_cassette("openai/images_edit.yaml"), open(picture, "rb") as image:
        mode.wait(mode.openai().images.edit(model="gpt-image-1", image=[image, ("mask.png", PNG, "image/png")],
                                            prompt="Make it blue"))
    span = only_span(experiment)
    assert span.inputs["image"] == [
        {"file": "square.png", "media_type": "image/png", "size": len(PNG)},
        {"file": "mask.png", "media_type": "image/png", "size": len(PNG), "sha256": span.inputs["image"][1]["sha256"]},
    ]
    assert span.inputs["prompt"] == "Make it blue"


def test_images_edit_stream(mode, experiment):
    with VCR.use_cassette("openai/images_edit_stream.yaml"):
        mode.drain(mode.wait(mode.openai().images.edit(model="gpt-image-1", image=("a.png", PNG), prompt="Blue",
                                                       stream=True)))
    span = only_span(experiment)
    assert usage_of(span) == IMAGE_USAGE and len(attachment_refs(span.outputs)) == 1


def test_an_image_request_that_fails(mode, experiment):
    with VCR.use_cassette("openai/images_error_400.yaml"):
        with pytest.raises(openai.BadRequestError):
            mode.wait(mode.openai().images.generate(model="gpt-image-1", prompt="Something forbidden"))
    span = only_span(experiment)
    assert span.status.status_code == "ERROR"
    assert exception_events(span)[0].attributes["exception.type"] == "BadRequestError"


def test_transcription(mode, experiment):
    audio = io.BytesIO(b"RIFF....WAVEfmt fake audio")
    audio.name = "question.wav"
    with VCR.use_cassette("openai/transcription.yaml"):
        result = mode.wait(mode.openai().audio.transcriptions.create(model="gpt-4o-transcribe", file=audio))
    assert result.text == "The capital of France is Paris."
    assert audio.tell() == 0 or audio.read() == b""  # read by the SDK, not by the plugin beforehand
    trace = only_trace(experiment)
    [span] = trace.data.spans
    assert span.inputs["file"] == {"file": "question.wav", "media_type": "audio/x-wav", "size": 26}
    assert span.outputs["text"] == "The capital of France is Paris."
    assert usage_of(span) == {"input_tokens": 40, "output_tokens": 6, "total_tokens": 46}
    assert (trace.info.request_preview, trace.info.response_preview) == (
        "[audio] question.wav", "The capital of France is Paris.")


def test_transcription_as_plain_text(mode, experiment):
    with VCR.use_cassette("openai/transcription.yaml"):
        mode.wait(mode.openai().audio.transcriptions.create(model="whisper-1", file=("q.mp3", b"ID3 audio"),
                                                            response_format="json"))
    assert only_span(experiment).inputs["file"]["media_type"] == "audio/mpeg"


def test_transcription_stream(mode, experiment):
    with VCR.use_cassette("openai/transcription_stream.yaml"):
        events = mode.drain(mode.wait(mode.openai().audio.transcriptions.create(
            model="gpt-4o-transcribe", file=("q.wav", b"RIFF audio"), stream=True)))
    assert [e.type for e in events] == ["transcript.text.delta"] * 2 + ["transcript.text.done"]
    span = only_span(experiment)
    assert span.outputs["text"] == "The capital of France is Paris."
    assert usage_of(span)["total_tokens"] == 46
    assert span.attributes["autolog.stream.end"] == "exhausted"


def test_translation_billed_by_duration(mode, experiment):
    with VCR.use_cassette("openai/translation.yaml"):
        mode.wait(mode.openai().audio.translations.create(model="whisper-1", file=("q.mp3", b"ID3 audio")))
    span = only_span(experiment)
    assert span.outputs["text"] == "The capital of France is Paris."
    assert span.attributes["autolog.audio.seconds"] == 3
    assert usage_of(span) is None


def test_speech(mode, experiment):
    with VCR.use_cassette("openai/speech.yaml"):
        response = mode.wait(mode.openai().audio.speech.create(model="gpt-4o-mini-tts", voice="alloy",
                                                               input="The capital of France is Paris."))
    audio = response.content
    assert audio.startswith(b"ID3")
    trace = only_trace(experiment)
    [span] = trace.data.spans
    assert (span.outputs["media_type"], span.outputs["size"]) == ("audio/mpeg", len(audio))
    [ref] = attachment_refs(span.outputs)
    assert stored_bytes(trace, ref) == audio
    assert trace.info.response_preview == f"[audio/mpeg, {len(audio)} bytes]"


def test_speech_with_raw_response(experiment):
    with VCR.use_cassette("openai/speech.yaml"):
        raw = openai.OpenAI(api_key="sk-test", max_retries=0).audio.speech.with_raw_response.create(
            model="gpt-4o-mini-tts", voice="alloy", input="Paris.")
        assert raw.parse().content.startswith(b"ID3")
    assert only_span(experiment).outputs["media_type"] == "audio/mpeg"


def test_speech_with_streaming_response(experiment, tmp_path):
    with VCR.use_cassette("openai/speech.yaml"):
        with openai.OpenAI(api_key="sk-test", max_retries=0).audio.speech.with_streaming_response.create(
                model="gpt-4o-mini-tts", voice="alloy", input="Paris.") as response:
            response.stream_to_file(tmp_path / "out.mp3")
    assert (tmp_path / "out.mp3").read_bytes().startswith(b"ID3")
    span = only_span(experiment)
    assert span.status.status_code == "OK" and span.inputs["input"] == "Paris."


def test_moderation(mode, experiment):
    with VCR.use_cassette("openai/moderations.yaml"):
        result = mode.wait(mode.openai().moderations.create(model="omni-moderation-latest", input="You are awful"))
    assert result.results[0].flagged
    trace = only_trace(experiment)
    [span] = trace.data.spans
    assert span.span_type == "GUARDRAIL"
    assert span.attributes["mlflow.llm.model"] == "omni-moderation-latest"
    assert (trace.info.request_preview, trace.info.response_preview) == ("You are awful", "flagged: harassment")


# -- binary payloads in chat and messages -----------------------------------------------------

BIG = base64.b64encode(PNG * 20_000).decode()  # about 1.8 MB of base64


class Capture:
    """A server that records each request body and answers with a fixed reply."""

    def __init__(self, http, reply):
        self.http, self.reply, self.bodies = http, reply, []

    def __call__(self, request):
        self.bodies.append(request.content)
        return self.http.Response(200, json=self.reply)


CHAT_REPLY = {"id": "c1", "object": "chat.completion", "created": 1, "model": "gpt-4o-mini",
              "choices": [{"index": 0, "finish_reason": "stop", "message": {"role": "assistant", "content": "A cat."}}]}
MESSAGE_REPLY = {"id": "m1", "type": "message", "role": "assistant", "model": "claude-sonnet-4-5",
                 "content": [{"type": "text", "text": "A cat."}], "stop_reason": "end_turn", "stop_sequence": None,
                 "usage": {"input_tokens": 10, "output_tokens": 3}}


def send_twice(make_client, call):
    """The same request untraced and traced: the bodies the SDK sent must be the same."""
    untraced_server, traced_server = Capture(*make_client[1:]), Capture(*make_client[1:])
    autolog.disable()
    call(make_client[0](untraced_server))
    autolog.enable()
    call(make_client[0](traced_server))
    assert traced_server.bodies == untraced_server.bodies
    return traced_server.bodies[0]


def openai_client(server):
    return openai.OpenAI(api_key="sk-test", max_retries=0, base_url="http://x.invalid/v1",
                         http_client=OPENAI_HTTP.Client(transport=OPENAI_HTTP.MockTransport(server)))


def anthropic_client(server):
    import anthropic

    return anthropic.Anthropic(api_key="sk-ant-test", max_retries=0, base_url="http://x.invalid",
                               http_client=ANTHROPIC_HTTP.Client(transport=ANTHROPIC_HTTP.MockTransport(server)))


PAYLOADS = {
    "openai-image": ("openai", {"type": "image_url", "image_url": {"url": f"data:image/png;base64,{BIG}"}}),
    "openai-audio": ("openai", {"type": "input_audio", "input_audio": {"data": BIG, "format": "wav"}}),
    "openai-pdf": ("openai", {"type": "file", "file": {"filename": "a.pdf",
                                                       "file_data": f"data:application/pdf;base64,{BIG}"}}),
    "anthropic-image": ("anthropic", {"type": "image", "source": {"type": "base64", "media_type": "image/png",
                                                                   "data": BIG}}),
    "anthropic-document": ("anthropic", {"type": "document", "source": {
        "type": "base64", "media_type": "application/pdf", "data": BIG}}),
}


@pytest.mark.parametrize("payload", list(PAYLOADS))
def test_a_binary_payload_is_an_attachment_and_the_request_is_unchanged(experiment, payload):
    provider, part = PAYLOADS[payload]
    content = [{"type": "text", "text": "What is this?"}, part]
    if provider == "openai":
        sent = send_twice((openai_client, OPENAI_HTTP, CHAT_REPLY), lambda c: c.chat.completions.create(
            model="gpt-4o-mini", messages=[{"role": "user", "content": content}]))
    else:
        sent = send_twice((anthropic_client, ANTHROPIC_HTTP, MESSAGE_REPLY), lambda c: c.messages.create(
            model="claude-sonnet-4-5", max_tokens=64, messages=[{"role": "user", "content": content}]))
    assert BIG.encode() in sent  # the payload itself went to the API
    trace = only_trace(experiment)
    [span] = trace.data.spans
    assert span_bytes(span) < 20_000, span_bytes(span)
    [ref] = attachment_refs(span.inputs)
    assert stored_bytes(trace, ref) == PNG * 20_000
    assert trace.info.request_preview.startswith("What is this?")


def test_inside_the_users_trace_mlflow_stores_the_attachment(experiment):
    content = [{"type": "text", "text": "What is this?"}, PAYLOADS["anthropic-document"][1]]
    with mlflow.start_span("user"):
        anthropic_client(Capture(ANTHROPIC_HTTP, MESSAGE_REPLY)).messages.create(
            model="claude-sonnet-4-5", max_tokens=64, messages=[{"role": "user", "content": content}])
    mlflow.flush_trace_async_logging()
    trace = only_trace(experiment)
    llm = [s for s in trace.data.spans if s.span_type == "CHAT_MODEL"][0]
    assert span_bytes(llm) < 20_000
    [ref] = attachment_refs(llm.inputs)
    assert stored_bytes(trace, ref) == PNG * 20_000


def test_without_attachment_extraction_payloads_stay_inline(experiment, monkeypatch):
    monkeypatch.setenv("MLFLOW_TRACE_EXTRACT_ATTACHMENTS", "false")
    content = [{"type": "text", "text": "What?"}, PAYLOADS["anthropic-document"][1]]
    anthropic_client(Capture(ANTHROPIC_HTTP, MESSAGE_REPLY)).messages.create(
        model="claude-sonnet-4-5", max_tokens=64, messages=[{"role": "user", "content": content}])
    span = only_span(experiment)
    assert attachment_refs(span.inputs) == [] and BIG in json.dumps(span.inputs)
