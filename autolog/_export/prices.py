"""What a call cost, from its model, provider and token usage, priced offline.

Prices come from ``genai-prices`` (Pydantic's maintained price catalog, a runtime dependency): it
ships its data with the package, so an ``mlflow-skinny`` install on a host without internet
prices every call whose model has a public price, where MLflow's own lookup finds no catalog on
skinny and, offline, waits seconds for a remote one. The cost is put on the span as MLflow's
``mlflow.llm.cost`` before the span is stored, so MLflow's UI and trace totals show it and MLflow
does not price the span again. A model without a known price gets no cost at all (never 0).

Runs on the export writer. A model's price is looked up once per day and provider, and where it
is linear in the token counts (no tiers), its rates are read off the catalog's own calculation
then: a call is priced with a few multiplications (the catalog's calculation, with Decimals and
unit registries, costs ~0.1-0.15 ms; it is used only for prices not reducible to rates)."""
from __future__ import annotations

import datetime
import logging
import threading
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
_DAY_S = 86_400
_DAY_NS = _DAY_S * 1_000_000_000

_UNKNOWN = object()


class Prices:
    def __init__(self) -> None:
        self._rates: dict[tuple, Any] = {}
        self._catalog = None
        self._loading: threading.Thread | None = None
        self._loading_lock = threading.Lock()

    @property
    def loaded(self) -> bool:
        return self._catalog is not None

    def load(self) -> None:
        """Reads the catalog (about half a second, once per process)."""
        if self._catalog is None:
            from genai_prices import data_snapshot

            self._catalog = data_snapshot.get_snapshot()

    def load_in_background(self) -> None:
        """Starts reading the catalog on a thread of its own (once), for spans priced on the
        caller's thread, which must not wait for it."""
        with self._loading_lock:
            if self._loading is not None or self._catalog is not None:
                return
            self._loading = threading.Thread(target=self._load_quietly, name="autolog-prices", daemon=True)
            self._loading.start()

    def _load_quietly(self) -> None:
        from .fork_gate import GATE

        try:
            with GATE.work():  # a fork would leave the child a half-imported catalog
                self.load()
        except Exception:
            _logger.debug("autolog: could not read the price catalog", exc_info=True)

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

    def _model_price(self, provider_id: str, model: str, day: int):
        """(linear rates, or None) and the catalog's ModelPrice, or _UNKNOWN; ``day`` counts UTC
        days since the epoch (prices change on dates)."""
        key = (provider_id, model, day)
        found = self._rates.get(key)
        if found is not None:
            return found
        try:
            _provider, info = self._snapshot().find_provider_model(model, None, provider_id, None)
            noon = datetime.datetime.fromtimestamp(day * _DAY_S + _DAY_S // 2, datetime.timezone.utc)
            price = info.get_prices(noon)
        except LookupError:
            found = _UNKNOWN
        else:
            found = (_linear_rates(price), price)
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
        counts = tuple(_count(usage.get(k)) for k in _TOKEN_KEYS)
        if not counts[0] and not counts[1]:
            return None
        found = self._model_price(provider_id, _model_name(model), when_ns // _DAY_NS)
        if found is _UNKNOWN:
            return None
        rates, price = found
        if rates is not None:
            input_cost, output_cost = rates.apply(*counts)
        else:
            input_cost, output_cost = _catalog_cost(price, *counts)
        return {"input_cost": input_cost, "output_cost": output_cost, "total_cost": input_cost + output_cost}


class _LinearRates:
    """A price that is a fixed part plus a rate per token of each kind (regular input, output,
    cache read, cache write), for the input side and the output side."""

    __slots__ = ("fixed", "rates")

    def __init__(self, fixed: tuple[float, float], rates: tuple[tuple[float, float], ...]) -> None:
        self.fixed = fixed
        self.rates = rates

    def apply(self, input_tokens: int, output_tokens: int, read: int, written: int) -> tuple[float, float]:
        counts = (max(input_tokens - read - written, 0), output_tokens, read, written)
        input_cost, output_cost = self.fixed
        for count, (on_input, on_output) in zip(counts, self.rates):
            if count:
                input_cost += count * on_input
                output_cost += count * on_output
        return input_cost, output_cost


_PROBE = 1_000_000
_CHECK = (123_457, 54_321, 23_456, 3_456)  # a mixed usage the rates must reproduce


def _linear_rates(price) -> _LinearRates | None:
    """The price's rates read off the catalog's own calculation (one token kind at a time), where
    the price has no tiers and the rates reproduce the catalog's result on a mixed usage; None
    otherwise (the call is then priced by the catalog's calculation, ~0.1 ms)."""
    from decimal import Decimal

    values = [v for k, v in vars(price).items() if not k.startswith("_") and v is not None]
    if not values or not all(isinstance(v, Decimal) for v in values):
        return None  # tiered or otherwise conditional prices
    try:
        fixed = _catalog_cost(price, 0, 0, 0, 0)
        probes = ((_PROBE, 0, 0, 0), (0, _PROBE, 0, 0), (_PROBE, 0, _PROBE, 0), (_PROBE, 0, 0, _PROBE))
        rates = tuple(((i - fixed[0]) / _PROBE, (o - fixed[1]) / _PROBE)
                      for i, o in (_catalog_cost(price, *probe) for probe in probes))
        linear = _LinearRates(fixed, rates)
        expected, got = _catalog_cost(price, *_CHECK), linear.apply(*_CHECK)
    except Exception:
        _logger.debug("autolog: could not read rates off a price", exc_info=True)
        return None
    if any(abs(e - g) > 1e-9 * max(abs(e), 1e-6) for e, g in zip(expected, got)):
        return None
    return linear


def _catalog_cost(price, input_tokens: int, output_tokens: int, read: int, written: int) -> tuple[float, float]:
    from genai_prices import Usage

    calculated = price.calc_price(Usage(input_tokens=input_tokens, output_tokens=output_tokens,
                                        cache_read_tokens=read or None, cache_write_tokens=written or None))
    return float(calculated["input_price"]), float(calculated["output_price"])


def _count(value: Any) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) and value > 0 else 0


def _model_name(model: str) -> str:
    """A model as providers report it: 'models/gemini-2.5-flash' (Gemini) names 'gemini-2.5-flash'."""
    return model[len("models/"):] if model.startswith("models/") else model


PRICES = Prices()
