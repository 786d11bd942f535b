"""What the walk for binary payloads costs, once per call (``autolog._tracing.attachments.extract`` on a
call's inputs or outputs): a plain chat request, a chat response, a request carrying a 300 KB PDF,
and an image result. Prints microseconds per walk (best of 7); ``--json`` writes them.

    python benchmarks/attachments.py
"""
from __future__ import annotations

import argparse
import base64
import json
import os
import timeit

from autolog._tracing import attachments as _attachments

CHAT_REQUEST = {"model": "gpt-4o-mini", "messages": [
    {"role": "system", "content": "Answer briefly."},
    {"role": "user", "content": "What is the capital of France?"},
    {"role": "assistant", "content": "Paris."},
    {"role": "user", "content": "And of Italy?"}]}
CHAT_RESPONSE = {"id": "chatcmpl-1", "object": "chat.completion", "created": 1, "model": "gpt-4o-mini",
                 "choices": [{"index": 0, "finish_reason": "stop", "logprobs": None,
                              "message": {"role": "assistant", "content": "Rome.", "refusal": None}}],
                 "usage": {"prompt_tokens": 30, "completion_tokens": 2, "total_tokens": 32}}
PDF = base64.b64encode(os.urandom(300_000)).decode()
DOCUMENT_REQUEST = {"model": "claude-sonnet-4-5", "max_tokens": 256, "messages": [{"role": "user", "content": [
    {"type": "text", "text": "Summarize this."},
    {"type": "document", "source": {"type": "base64", "media_type": "application/pdf", "data": PDF}}]}]}
IMAGE_RESULT = {"created": 1, "data": [{"b64_json": base64.b64encode(os.urandom(200_000)).decode()}],
                "usage": {"input_tokens": 12, "output_tokens": 272, "total_tokens": 284}}


def cost_us(value) -> float:
    def walk():
        _attachments.extract(value, "tr-0123456789abcdef0123456789abcdef", {})

    return min(timeit.repeat(walk, number=20, repeat=7)) / 20 * 1e6


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--json")
    args = parser.parse_args()
    found = {name: cost_us(value) for name, value in (
        ("chat request", CHAT_REQUEST), ("chat response", CHAT_RESPONSE),
        ("request with a 300 KB PDF", DOCUMENT_REQUEST), ("image result (200 KB)", IMAGE_RESULT))}
    for name, micros in found.items():
        print(f"{name:<28} {micros:9.1f} us per walk")
    if args.json:
        with open(args.json, "w") as f:
            json.dump(found, f, indent=1)


if __name__ == "__main__":
    main()
