"""Cost: the writer prices each span from its model and token usage with rates read off the price
catalog's own calculation; the stored cost is what the catalog computes, for every model it has."""
import datetime
import json
import time
from decimal import Decimal

import pytest
from genai_prices import Usage, data_snapshot

from autolog._export import prices
from conftest import OPENAI_HTTP, only_span

USAGES = [  # input (cache included), output, cache read, cache write
    (14, 7, 0, 0), (1, 1, 0, 0), (5_000, 300, 4_000, 0), (2_000, 1, 0, 1_500), (150_000, 9_000, 20_000, 30_000),
    (0, 12, 0, 0),
]


def catalog_cost(price, input_tokens, output_tokens, read, written):
    found = price.calc_price(Usage(input_tokens=input_tokens, output_tokens=output_tokens,
                                   cache_read_tokens=read or None, cache_write_tokens=written or None))
    return float(found["input_price"]), float(found["output_price"])


def test_rates_give_the_catalogs_cost_for_every_model():
    now = datetime.datetime.now(datetime.timezone.utc)
    models = linear = 0
    for provider in data_snapshot.get_snapshot().providers:
        for model in provider.models:
            price = model.get_prices(now)
            models += 1
            rates = prices._linear_rates(price)
            if rates is None:
                continue
            linear += 1
            for usage in USAGES:
                try:
                    expected = catalog_cost(price, *usage)
                except Exception:
                    continue  # a usage the catalog does not price for this model
                got = rates.apply(*usage)
                assert got == pytest.approx(expected, rel=1e-9, abs=1e-12), (provider.id, model.id, usage)
    assert models > 1000
    assert linear > models * 0.75  # most prices are rates; the rest go through the catalog's calculation


def test_tiered_prices_go_through_the_catalogs_calculation():
    now = datetime.datetime.now(datetime.timezone.utc)
    tiered = [(p.id, m) for p in data_snapshot.get_snapshot().providers for m in p.models
              if any(not isinstance(v, (type(None), Decimal))
                     for k, v in vars(m.get_prices(now)).items() if not k.startswith("_"))]
    assert tiered, "the catalog has tiered prices"
    catalog = prices.Prices()
    for provider_id, model in tiered[:20]:
        price = model.get_prices(now)
        assert prices._linear_rates(price) is None
        provider = next((ours for ours, theirs in prices._CATALOG_PROVIDER.items() if theirs == provider_id), None)
        if provider is None:
            continue
        usage = {"input_tokens": 300_000, "output_tokens": 1_000}
        found = catalog.cost(model.id, provider, usage, time.time_ns())
        if found is not None:
            expected = catalog_cost(price, 300_000, 1_000, 0, 0)
            assert (found["input_cost"], found["output_cost"]) == pytest.approx(expected)


def test_the_stored_cost_is_the_catalogs(experiment, mode):
    usage = {"prompt_tokens": 5_000, "completion_tokens": 300, "total_tokens": 5_300,
             "prompt_tokens_details": {"cached_tokens": 4_000}}
    body = {"id": "c1", "object": "chat.completion", "created": 1, "model": "gpt-4o-mini-2024-07-18",
            "choices": [{"index": 0, "message": {"role": "assistant", "content": "Paris."}, "finish_reason": "stop"}],
            "usage": usage}
    transport = OPENAI_HTTP.MockTransport(lambda request: OPENAI_HTTP.Response(
        200, content=json.dumps(body).encode(), headers={"content-type": "application/json"}))
    http = OPENAI_HTTP.AsyncClient(transport=transport) if mode.is_async else OPENAI_HTTP.Client(transport=transport)
    client = mode.openai(base_url="https://api.openai.com/v1", http_client=http)
    mode.wait(client.chat.completions.create(model="gpt-4o-mini", messages=[{"role": "user", "content": "Capital?"}]))

    span = only_span(experiment)
    price = data_snapshot.get_snapshot().find_provider_model("gpt-4o-mini-2024-07-18", None, "openai", None)[1]
    expected = catalog_cost(price.get_prices(datetime.datetime.now(datetime.timezone.utc)), 5_000, 300, 4_000, 0)
    cost = span.attributes["mlflow.llm.cost"]
    assert (cost["input_cost"], cost["output_cost"]) == pytest.approx(expected, rel=1e-9)
    assert cost["total_cost"] == pytest.approx(sum(expected), rel=1e-9)
    assert cost["input_cost"] < 5_000 * 0.15 / 1e6  # the cached part at the cheaper rate
