"""Spans land in the right trace: nested under the caller's span, and one trace per call under load."""
import asyncio

import mlflow
import openai

from conftest import OPENAI_HTTP, VCR, echo, echo_burst, traces

QUESTION = [{"role": "user", "content": "What is the capital of France?"}]


def check_one_trace_per_call(experiment, n):
    found = traces(experiment)
    assert len(found) == n
    for trace in found:
        [span] = trace.data.spans
        asked = span.inputs["messages"][0]["content"]
        assert span.outputs["choices"][0]["message"]["content"] == f"echo {asked}"
    assert len({t.data.spans[0].inputs["messages"][0]["content"] for t in found}) == n


def test_child_of_mlflow_trace(experiment):
    client = openai.OpenAI(api_key="sk-test", max_retries=0)

    @mlflow.trace
    def agent(question):
        with VCR.use_cassette("openai/chat.yaml", allow_playback_repeats=True):
            first = client.chat.completions.create(model="gpt-4o-mini", messages=question)
            with mlflow.start_span("step"):
                client.chat.completions.create(model="gpt-4o-mini", messages=question)
        return first.choices[0].message.content

    assert agent(QUESTION) == "The capital of France is Paris."
    [trace] = traces(experiment)
    spans = {s.name: s for s in trace.data.spans}
    root, step = spans["agent"], spans["step"]
    llm = [s for s in trace.data.spans if s.span_type == "CHAT_MODEL"]
    assert len(llm) == 2
    assert sorted(s.parent_id for s in llm) == sorted([root.span_id, step.span_id])


def test_child_of_async_parent(experiment):
    client = openai.AsyncOpenAI(api_key="sk-test", max_retries=0)

    async def main():
        with mlflow.start_span("outer") as outer:
            with VCR.use_cassette("openai/chat.yaml"):
                await client.chat.completions.create(model="gpt-4o-mini", messages=QUESTION)
        return outer.span_id

    outer_id = asyncio.run(main())
    [trace] = traces(experiment)
    llm = [s for s in trace.data.spans if s.span_type == "CHAT_MODEL"]
    assert [s.parent_id for s in llm] == [outer_id]


def test_threads(experiment):
    echo_burst(8, 25)
    check_one_trace_per_call(experiment, 200)


def test_asyncio_tasks(experiment):
    async def echo_async(request):
        await asyncio.sleep(0.001)
        return echo(request)

    client = openai.AsyncOpenAI(api_key="sk-test", max_retries=0, base_url="http://echo.invalid/v1",
                                http_client=OPENAI_HTTP.AsyncClient(transport=OPENAI_HTTP.MockTransport(echo_async)))

    async def main():
        await asyncio.gather(*(
            client.chat.completions.create(model="gpt-4o-mini", messages=[{"role": "user", "content": f"task-{i}"}])
            for i in range(200)))

    asyncio.run(main())
    check_one_trace_per_call(experiment, 200)
