"""Amazon Bedrock through boto3's bedrock-runtime client, answered in memory: botocore's
``before-send`` event hands back fixed bytes in Bedrock's wire format (JSON for Converse, the
binary event-stream framing for ConverseStream), which botocore parses as it would the network's."""
from __future__ import annotations

import io
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "tests"))
from build_bedrock_cassettes import event  # noqa: E402  (the event-stream encoder of the test cassettes)

NAME = "bedrock"
MLFLOW_AUTOLOG = "mlflow.bedrock.autolog"
MODEL = "us.anthropic.claude-sonnet-4-5-20250929-v1:0"
MESSAGES = [{"role": "user", "content": [{"text": "What is the capital of France?"}]}]

_ANSWER = json.dumps({
    "output": {"message": {"role": "assistant", "content": [{"text": "The capital of France is Paris."}]}},
    "stopReason": "end_turn", "usage": {"inputTokens": 14, "outputTokens": 9, "totalTokens": 23},
    "metrics": {"latencyMs": 400}}).encode()
_STREAMS: dict[int, bytes] = {}
_CHUNKS = [200]  # the length of the next stream


def _stream_bytes(chunks: int) -> bytes:
    if chunks not in _STREAMS:
        frames = [event("messageStart", {"role": "assistant"})]
        frames += [event("contentBlockDelta", {"contentBlockIndex": 0, "delta": {"text": f" word{i}"}})
                   for i in range(max(chunks - 4, 1))]
        frames += [event("contentBlockStop", {"contentBlockIndex": 0}), event("messageStop", {"stopReason": "end_turn"}),
                   event("metadata", {"usage": {"inputTokens": 14, "outputTokens": chunks, "totalTokens": 14 + chunks},
                                      "metrics": {"latencyMs": 900}})]
        _STREAMS[chunks] = b"".join(frames)
    return _STREAMS[chunks]


def client():
    import boto3
    from botocore.awsrequest import AWSResponse
    from botocore.config import Config
    from urllib3.response import HTTPResponse

    def answer(request, **_):
        if request.url.endswith("/converse-stream"):
            body = _stream_bytes(_CHUNKS[0])
            headers = {"Content-Type": "application/vnd.amazon.eventstream"}
        else:
            body, headers = _ANSWER, {"Content-Type": "application/json", "Content-Length": str(len(_ANSWER))}
        raw = HTTPResponse(body=io.BytesIO(body), headers=headers, status=200, preload_content=False)
        return AWSResponse(request.url, 200, headers, raw)

    bedrock = boto3.client("bedrock-runtime", region_name="us-east-1", aws_access_key_id="bench",
                           aws_secret_access_key="bench", config=Config(retries={"total_max_attempts": 1}))
    bedrock.meta.events.register("before-send.bedrock-runtime", answer)
    return bedrock


def call(bedrock):
    return bedrock.converse(modelId=MODEL, messages=MESSAGES)


def stream(bedrock, chunks):
    _CHUNKS[0] = chunks
    response = bedrock.converse_stream(modelId=MODEL, messages=MESSAGES)
    return sum(1 for _ in response["stream"])
