"""What a call cost, from its model, provider and token usage, priced offline.

Prices come from ``genai-prices`` (Pydantic's maintained price catalog, a runtime dependency): it
ships its data with the package, so an ``mlflow-skinny`` install on a host without internet
prices every call whose model has a public price, where MLflow's own lookup finds no catalog on
skinny and, offline, waits seconds for a remote one. The cost is put on the span as MLflow's
``mlflow.llm.cost`` before the span is stored, so MLflow's UI and trace totals show it and MLflow
does not price the span again. A model without a known price gets no cost at all (never 0).

Runs on the export writer. A model's rates are looked up once per day and provider; a call is then
priced with a few multiplications (the catalog's own calculation, with Decimals and unit
registries, costs ~0.1 ms; it is used only for prices it cannot be reduced to, such as tiers)."""
from __future__ import annotations

import datetime
import logging
from typing import Any, Mapping, MutableMapping

from mlflow.tracing.constant import SpanAttributeKey

_logger = logging.getLogger("autolog")

# mlflow.llm.provider (as this package and LiteLLM name providers) -> the catalog's provider id
_CATALOG_PROVIDER = {
    "openai": "openai", "azure": "azure", "azure_ai": "azure", "anthropic": "anthropic",
    "gemini": "google", "google": "google", "vertex_ai": "google", "bedrock": "aws", "aws": "aws",
    "mistral": "mistral", "groq": "groq", "cohere": "cohere", "deepseek": "deepseek", "openrouter": "openrouter",
    "together_ai": "together", "together": "together", "fireworks_ai": "fireworks", "xai": "x-ai",
    "perplexity": "perplexity", "cerebras": "cerebras", "databricks": "databricks",
}
# token usage keys (MLflow's) -> the catalog's usage fields
_TOKEN_KEYS = ("input_tokens", "output_tokens", "cache_read_input_tokens", "cache_creation_input_tokens")
_FLAT_KEYS = frozenset({"input_mtok", "output_mtok", "cache_read_mtok", "cache_write_mtok"})

_UNKNOWN = object()


class Prices:
    def __init__(self) -> None:
        self._rates: dict[tuple, Any] = {}
        self._catalog = None

    @property
    def loaded(self) -> bool:
        return self._catalog is not None

    def load(self) -> None:
        """Reads the catalog (about half a second, once per process)."""
        if self._catalog is None:
            from genai_prices import data_snapshot

            self._catalog = data_snapshot.get_snapshot()

    def _snapshot(self):
        self.load()
        return self._catalog

    def price(self, attributes: MutableMapping[str, Any], when_ns: int) -> None:
        """Adds ``mlflow.llm.cost`` to a span's attributes where its model has a known price (a cost
        already there, set by the caller or an SDK, is kept)."""
        if SpanAttributeKey.LLM_COST in attributes:
            return
        usage = attributes.get(SpanAttributeKey.CHAT_USAGE)
        if not usage:
            return
        cost = self.cost(attributes.get(SpanAttributeKey.MODEL), attributes.get(SpanAttributeKey.MODEL_PROVIDER),
                         usage, when_ns)
        if cost is not None:
            attributes[SpanAttributeKey.LLM_COST] = cost

    def _model_price(self, provider_id: str, model: str, day: datetime.date):
        """(flat rates per token, or None) and the catalog's ModelPrice, or _UNKNOWN."""
        key = (provider_id, model, day)
        found = self._rates.get(key)
        if found is not None:
            return found
        try:
            _provider, info = self._snapshot().find_provider_model(model, None, provider_id, None)
            price = info.get_prices(datetime.datetime.combine(day, datetime.time(12), datetime.timezone.utc))
        except LookupError:
            found = _UNKNOWN
        else:
            found = (_flat_rates(price), price)
        if len(self._rates) > 4096:
            self._rates.clear()
        self._rates[key] = found
        return found

    def cost(self, model: Any, provider: Any, usage: Any, when_ns: int) -> dict[str, float] | None:
        """{input_cost, output_cost, total_cost} in USD, or None without a known price."""
        if not isinstance(model, str) or not model or not isinstance(usage, Mapping):
            return None
        provider_id = _CATALOG_PROVIDER.get(str(provider).lower()) if provider else None
        if provider_id is None:
            return None  # a local or unknown server: the same model name elsewhere is not its price
        counts = {k: _count(usage.get(k)) for k in _TOKEN_KEYS}
        if not counts["input_tokens"] and not counts["output_tokens"]:
            return None
        day = datetime.datetime.fromtimestamp(when_ns / 1e9, datetime.timezone.utc).date()
        found = self._model_price(provider_id, _model_name(model), day)
        if found is _UNKNOWN:
            return None
        flat, price = found
        if flat is not None:
            input_rate, output_rate, read_rate, write_rate = flat
            cached = counts["cache_read_input_tokens"]
            written = counts["cache_creation_input_tokens"]
            regular = max(counts["input_tokens"] - cached - written, 0)
            input_cost = (regular * input_rate + cached * read_rate + written * write_rate) / 1e6
            output_cost = counts["output_tokens"] * output_rate / 1e6
        else:
            from genai_prices import Usage

            calculated = price.calc_price(Usage(
                input_tokens=counts["input_tokens"], output_tokens=counts["output_tokens"],
                cache_read_tokens=counts["cache_read_input_tokens"] or None,
                cache_write_tokens=counts["cache_creation_input_tokens"] or None))
            input_cost, output_cost = float(calculated["input_price"]), float(calculated["output_price"])
        return {"input_cost": input_cost, "output_cost": output_cost, "total_cost": input_cost + output_cost}


def _count(value: Any) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) and value > 0 else 0


def _model_name(model: str) -> str:
    """A model as providers report it: 'models/gemini-2.5-flash' (Gemini) names 'gemini-2.5-flash'."""
    return model[len("models/"):] if model.startswith("models/") else model


def _flat_rates(price) -> tuple[float, float, float, float] | None:
    """Per-million-token rates where the price is flat (no tiers, no per-request charge)."""
    from decimal import Decimal

    present = {k: v for k, v in vars(price).items() if not k.startswith("_") and v is not None}
    if not present or not set(present) <= _FLAT_KEYS or not all(isinstance(v, Decimal) for v in present.values()):
        return None
    input_rate = float(present.get("input_mtok", 0))
    return (input_rate, float(present.get("output_mtok", 0)),
            float(present.get("cache_read_mtok", present.get("input_mtok", 0))),
            float(present.get("cache_write_mtok", present.get("input_mtok", 0))))


PRICES = Prices()
