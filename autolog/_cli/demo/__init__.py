"""``python -m autolog demo``: a short scripted session through the real provider SDKs (each one
that is installed), answered from the recordings bundled with the package (no key, no network),
with tracing on; the traces are read back and printed."""
from __future__ import annotations

from pathlib import Path
from typing import Callable

import yaml

CASSETTE = Path(__file__).parent / "cassettes" / "session.yaml"
MISTRAL_CASSETTE = Path(__file__).parent / "cassettes" / "mistral.yaml"
EXPERIMENT = "autolog-demo"


def http_library(sdk: str):
    """The HTTP library an SDK sends through: httpx2 (openai >= 3, anthropic >= 1, google-genai
    where httpx2 is installed), else httpx."""
    import importlib

    if sdk == "google.genai":
        base = importlib.import_module("google.genai._api_client")
        return getattr(base, "httpx2", None) or base.httpx
    base = importlib.import_module(f"{sdk}._base_client")
    return getattr(base, "httpx2", None) or base.httpx


def gemini_client(path: Path = CASSETTE, *, vertex: bool = False):
    """A google-genai client answered from a recording (sync and async alike)."""
    from google import genai
    from google.genai import types

    http = http_library("google.genai")
    options = types.HttpOptions(httpx_client=http.Client(transport=recorded_transport(http, path)),
                                httpx_async_client=http.AsyncClient(transport=recorded_transport(http, path)))
    return genai.Client(vertexai=vertex, api_key="demo-key", http_options=options)


def _endpoint(path: str) -> str:
    """The path a recording is matched on; for Google's, what follows ``/models/`` (the API
    version and the Vertex AI prefix differ between SDK releases and clients)."""
    return path.rsplit("/models/", 1)[-1] if "/models/" in path else path


def mistral_client(path: Path = MISTRAL_CASSETTE):
    """A mistralai client answered from a recording (mistralai 1.x or 2.x/3.x)."""
    try:
        from mistralai.client import Mistral, httpclient
    except ImportError:
        from mistralai import Mistral, httpclient

    http = httpclient.httpx
    return Mistral(api_key="demo-key", client=http.Client(transport=recorded_transport(http, path)),
                   async_client=http.AsyncClient(transport=recorded_transport(http, path)))


def recorded_transport(http, path: Path = CASSETTE):
    """A transport of ``http`` (httpx or httpx2) that answers each request with the next recording
    made for its method and path, as a vcrpy cassette in playback."""

    queues: dict[tuple[str, str], list] = {}
    for item in yaml.safe_load(path.read_text())["interactions"]:
        request, response = item["request"], item["response"]
        key = (request["method"], _endpoint(http.URL(request["uri"]).path))
        queues.setdefault(key, []).append(response)

    def answer(request):
        pending = queues.get((request.method, _endpoint(request.url.path)))
        if not pending:
            return http.Response(404, json={"error": {"message": f"no recording for {request.url.path}"}})
        response = pending.pop(0)
        headers = {k: v[0] for k, v in response["headers"].items()}
        return http.Response(response["status"]["code"], headers=headers, content=response["body"]["string"].encode())

    return http.MockTransport(answer)


def bedrock_client(path: Path = CASSETTE):
    """A boto3 bedrock-runtime client answered from a recording: botocore's ``before-send`` event
    hands back the recorded bytes, which botocore parses as it would the network's."""
    import io

    import boto3
    from botocore.awsrequest import AWSResponse
    from botocore.config import Config
    from urllib3.response import HTTPResponse

    queues: dict[str, list] = {}
    for item in yaml.safe_load(path.read_text())["interactions"]:
        if ".amazonaws.com/" in item["request"]["uri"]:
            queues.setdefault(item["request"]["uri"].split(".amazonaws.com", 1)[1], []).append(item["response"])

    def answer(request, **_):
        from urllib.parse import urlsplit

        pending = queues.get(urlsplit(request.url).path)
        response = pending.pop(0) if pending else {"status": {"code": 404}, "headers": {},
                                                   "body": {"string": b'{"message": "no recording"}'}}
        headers = {k: v[0] for k, v in response["headers"].items()}
        body = response["body"]["string"]
        raw = HTTPResponse(body=io.BytesIO(body if isinstance(body, bytes) else body.encode()), headers=headers,
                           status=response["status"]["code"], preload_content=False)
        return AWSResponse(request.url, response["status"]["code"], headers, raw)

    client = boto3.client("bedrock-runtime", region_name="us-east-1", aws_access_key_id="demo",
                          aws_secret_access_key="demo", config=Config(retries={"total_max_attempts": 1}))
    client.meta.events.register("before-send.bedrock-runtime", answer)
    return client


def run_session(say: Callable[[str], None] = print) -> None:
    import anthropic
    import openai

    clients = {}
    for sdk in ("openai", "anthropic"):  # one recording, answered through each SDK's own HTTP library
        http = http_library(sdk)
        clients[sdk] = http.Client(transport=recorded_transport(http))
    oai = openai.OpenAI(api_key="demo-key", base_url="https://api.openai.com/v1", http_client=clients["openai"],
                        max_retries=0)
    claude = anthropic.Anthropic(api_key="demo-key", base_url="https://api.anthropic.com",
                                 http_client=clients["anthropic"], max_retries=0)
    question = [{"role": "user", "content": "What is the capital of France?"}]

    answer = oai.chat.completions.create(model="gpt-4o-mini", messages=question)
    say(f"openai chat          -> {answer.choices[0].message.content}")

    stream = oai.chat.completions.create(model="gpt-4o-mini", messages=question, stream=True)
    text = "".join(c.choices[0].delta.content or "" for c in stream if c.choices)
    say(f"openai chat, stream  -> {text}")

    weather = {"type": "function", "function": {"name": "get_weather", "parameters": {
        "type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]}}}
    called = oai.chat.completions.create(model="gpt-4o-mini", tools=[weather],
                                         messages=[{"role": "user", "content": "Weather in Paris and Rome?"}])
    call = called.choices[0].message.tool_calls[0]
    say(f"openai tool call     -> {call.function.name}({call.function.arguments})")

    vectors = oai.embeddings.create(model="text-embedding-3-small", input=["hello", "world"])
    say(f"openai embeddings    -> {len(vectors.data)} vectors")

    message = claude.messages.create(model="claude-sonnet-4-5", max_tokens=256, messages=question)
    say(f"anthropic message    -> {message.content[0].text}")

    with claude.messages.stream(model="claude-sonnet-4-5", max_tokens=256, messages=question) as helper:
        say(f"anthropic stream     -> {''.join(helper.text_stream)}")

    try:
        gemini = gemini_client()
    except ImportError:  # google-genai is an optional extra
        say("gemini stream        -> (google-genai is not installed: pip install 'llm-autolog[gemini]')")
    else:
        chunks = gemini.models.generate_content_stream(model="gemini-2.5-flash", contents=question[0]["content"])
        say(f"gemini stream        -> {''.join(c.text or '' for c in chunks)}")

    try:
        import httpx  # ollama's HTTP library
        import ollama
    except ImportError:  # an optional extra too
        say("ollama stream        -> (ollama is not installed: pip install 'llm-autolog[ollama]')")
    else:
        local = ollama.Client(host="http://localhost:11434",
                              transport=recorded_transport(httpx))
        parts = local.chat(model="llama3.2", messages=question, stream=True)
        say(f"ollama stream        -> {''.join(p.message.content or '' for p in parts)}")

    try:
        bedrock = bedrock_client()
    except ImportError:  # boto3 is an optional extra
        say("bedrock stream       -> (boto3 is not installed: pip install 'llm-autolog[bedrock]')")
    else:
        response = bedrock.converse_stream(modelId="us.anthropic.claude-sonnet-4-5-20250929-v1:0",
                                           messages=[{"role": "user", "content": [{"text": question[0]["content"]}]}])
        text = "".join(e["contentBlockDelta"]["delta"].get("text", "") for e in response["stream"]
                       if "contentBlockDelta" in e)
        say(f"bedrock stream       -> {text}")

    try:
        import groq
    except ImportError:  # an optional extra
        say("groq stream          -> (groq is not installed: pip install 'llm-autolog[groq]')")
    else:
        http = http_library("groq")
        fast = groq.Groq(api_key="demo-key", http_client=http.Client(transport=recorded_transport(http)), max_retries=0)
        chunks = fast.chat.completions.create(model="llama-3.3-70b-versatile", messages=question, stream=True)
        say(f"groq stream          -> {''.join(c.choices[0].delta.content or '' for c in chunks if c.choices)}")

    try:
        le_chat = mistral_client()
    except ImportError:  # mistralai is an optional extra
        say("mistral stream       -> (mistralai is not installed: pip install 'llm-autolog[mistral]')")
    else:
        events = le_chat.chat.stream(model="mistral-small-latest", messages=question)
        say(f"mistral stream       -> {''.join(e.data.choices[0].delta.content or '' for e in events)}")

    try:
        oai.chat.completions.create(model="gpt-4o-mini", messages=question)
    except openai.RateLimitError as error:
        say(f"openai failing call  -> {type(error).__name__} (recorded as an ERROR span)")


def main(tracking_uri: str | None = None) -> int:
    import mlflow

    import autolog
    from autolog._cli.stores import read_traces
    from autolog._cli.traces_table import format_table, trace_row

    if tracking_uri:
        mlflow.set_tracking_uri(tracking_uri)
    uri = mlflow.get_tracking_uri()
    mlflow.set_experiment(EXPERIMENT)
    autolog.autolog()
    print(f"Tracing into {uri} (experiment {EXPERIMENT!r}); the answers come from recordings.\n")
    run_session()
    mlflow.flush_trace_async_logging()
    rows = [trace_row(t) for t in read_traces(uri, EXPERIMENT, 10)]
    print(f"\nRead back from the store, newest first:\n{format_table(rows)}")
    print("\nSee them in the MLflow UI: pip install mlflow && mlflow ui --backend-store-uri " + uri)
    return 0
