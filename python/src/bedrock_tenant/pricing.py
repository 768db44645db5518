"""Estimated cost of a model call, from a versioned price table shipped as data.

The table (``data/prices.json``) states its version, effective date and source;
its values are estimates as of that date. A file named by
``BEDROCK_TENANT_PRICE_TABLE`` (same format) overrides it model by model, so a
price change never waits for a release. Prices are keyed by the *base*
foundation model, so calls through a system inference profile (``us.<model>``)
or an application inference profile (whose ARN does not name its model; the
runtime passes the base model explicitly) are priced as their model; and by the
Region the call is made from: cross-Region inference is billed in the source
Region (Bedrock user guide, "Increase throughput with cross-Region inference",
https://docs.aws.amazon.com/bedrock/latest/userguide/cross-region-inference.html).

An unknown model never gives a zero or an exception: the estimate is ``None``
with a reason (:class:`CostEstimate`).
"""

from __future__ import annotations

import json
import math
import os
import re
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from importlib import resources
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from .usage import TokenUsage

__all__ = [
    "CostEstimate",
    "ModelPrice",
    "PriceTable",
    "PriceTableError",
    "PriceTables",
    "base_model_id",
    "builtin_price_table",
    "estimate_cost",
    "load_price_table",
]

# Prefixes of system (cross-Region) inference profile ids: <prefix>.<model id>
# (Bedrock user guide, "Supported Regions and models for inference profiles").
_PROFILE_PREFIXES = ("us", "eu", "apac", "jp", "au", "ca", "us-gov", "global")
_FOUNDATION_MODEL = re.compile(r"^[a-z0-9-]+\.[A-Za-z0-9_.:-]+$")
_REGION_KEY = re.compile(r"^([a-z]{2}(-[a-z]+)+-[0-9]|\*)$")
_TOKENS_PER_PRICE_UNIT = 1_000_000

Rate = Annotated[float, Field(ge=0, allow_inf_nan=False)]


class PriceTableError(ValueError):
    """A price table that cannot be read or is not valid."""


class ModelPrice(BaseModel):
    """USD per million tokens. A ``None`` cache price: the model has no prompt-caching price."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    input: Rate
    output: Rate
    cache_read: Rate | None = None
    cache_write: Rate | None = None


class PriceTable(BaseModel):
    """A versioned price table: base model id -> Region (or ``*``) -> :class:`ModelPrice`."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    format: Literal[1]
    version: Annotated[str, Field(min_length=1, max_length=64)]
    effective_date: date
    currency: Literal["USD"]
    unit: Literal["per_million_tokens"]
    source: Annotated[str, Field(min_length=1)]
    note: str = ""
    models: dict[str, dict[str, ModelPrice]]

    @field_validator("models")
    @classmethod
    def _keys(cls, models: dict[str, dict[str, ModelPrice]]) -> dict[str, dict[str, ModelPrice]]:
        for model_id, regions in models.items():
            if not _FOUNDATION_MODEL.match(model_id) or base_model_id(model_id) != model_id:
                raise ValueError(f"{model_id!r} is not a base foundation model id (no profile prefix, no ARN)")
            if not regions:
                raise ValueError(f"{model_id!r} has no prices")
            for region in regions:
                if not _REGION_KEY.match(region):
                    raise ValueError(f"{model_id!r}: {region!r} is neither a Region code nor '*'")
        return models

    def price(self, model_id: str, region: str) -> ModelPrice | None:
        regions = self.models.get(model_id)
        if regions is None:
            return None
        return regions.get(region) or regions.get("*")


@dataclass(frozen=True, slots=True)
class CostEstimate:
    """``cost_usd`` is ``None`` when no estimate can be made; ``unavailable`` says why:
    ``unknown_model``, ``unresolved_inference_profile``, ``no_usage``,
    ``inconsistent_usage`` or ``no_cache_price``."""

    cost_usd: float | None
    price_table_version: str | None = None
    unavailable: str | None = None

    def record_fields(self) -> dict[str, Any]:
        if self.cost_usd is None:
            return {"cost_unavailable": self.unavailable}
        return {"estimated_cost_usd": self.cost_usd, "price_table_version": self.price_table_version}


def base_model_id(model_id: str) -> str | None:
    """The foundation model behind ``model_id``: a model id, a system profile id
    (``us.<model>``), or either as an ARN. ``None`` for an application inference
    profile, whose ARN does not name its model."""
    if model_id.startswith("arn:"):
        resource = model_id.split(":", 5)[-1]
        kind, _, name = resource.partition("/")
        if kind == "foundation-model":
            return name or None
        if kind != "inference-profile" or not name:
            return None
        model_id = name
    prefix, dot, rest = model_id.partition(".")
    if dot and prefix in _PROFILE_PREFIXES and _FOUNDATION_MODEL.match(rest):
        return rest
    return model_id


class PriceTables:
    """The shipped table, and an override merged over it (override entries win per model)."""

    def __init__(self, builtin: PriceTable, override: PriceTable | None) -> None:
        self.builtin = builtin
        self.override = override

    def price(self, model_id: str, region: str) -> tuple[ModelPrice, str] | None:
        for table in (self.override, self.builtin):
            if table is not None and model_id in table.models:
                found = table.price(model_id, region)
                return None if found is None else (found, table.version)
        return None


def estimate_cost(
    usage: TokenUsage | None,
    *,
    model_id: str,
    region: str,
    tables: PriceTables,
) -> CostEstimate:
    """Estimated USD cost of ``usage`` on ``model_id`` (a base model id or anything
    :func:`base_model_id` resolves) called from ``region``."""
    base = base_model_id(model_id)
    if base is None:
        return CostEstimate(None, unavailable="unresolved_inference_profile")
    found = tables.price(base, region)
    if found is None:
        return CostEstimate(None, unavailable="unknown_model")
    if usage is None:
        return CostEstimate(None, unavailable="no_usage")
    if not usage.consistent:
        return CostEstimate(None, unavailable="inconsistent_usage")
    price, version = found
    parts = [(usage.uncached_input_tokens, price.input), (usage.output_tokens, price.output)]
    for tokens, rate in (
        (usage.cache_read_input_tokens, price.cache_read),
        (usage.cache_creation_input_tokens, price.cache_write),
    ):
        if tokens:
            if rate is None:
                return CostEstimate(None, unavailable="no_cache_price")
            parts.append((tokens, rate))
    cost = math.fsum(tokens * rate for tokens, rate in parts) / _TOKENS_PER_PRICE_UNIT
    return CostEstimate(round(cost, 10), price_table_version=version)


def _parse(text: str, origin: str) -> PriceTable:
    try:
        return PriceTable.model_validate(json.loads(text))
    except json.JSONDecodeError as exc:
        raise PriceTableError(f"{origin} is not valid JSON: {exc.msg} at line {exc.lineno}") from None
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(part) for part in error['loc']) or 'table'}: {error['msg']}" for error in exc.errors()
        )
        raise PriceTableError(f"{origin} is not a valid price table: {problems}") from None


@lru_cache(maxsize=1)
def builtin_price_table() -> PriceTable:
    """The table shipped in the package."""
    text = resources.files(__package__).joinpath("data", "prices.json").read_text(encoding="utf-8")
    return _parse(text, "the built-in price table")


@lru_cache(maxsize=8)
def _override(path: str, mtime_ns: int, size: int) -> PriceTable:
    try:
        with open(path, encoding="utf-8") as source:
            text = source.read()
    except (OSError, UnicodeDecodeError) as exc:
        raise PriceTableError(f"cannot read {path}: {type(exc).__name__}") from None
    return _parse(text, path)


def load_price_table(path: str | None = None) -> PriceTables:
    """The shipped table with the file at ``path`` (if any) merged over it.

    Raises :class:`PriceTableError` naming the file and the problem.
    """
    if not path:
        return PriceTables(builtin_price_table(), None)
    try:
        status = os.stat(path)
    except OSError as exc:
        raise PriceTableError(f"cannot read {path}: {type(exc).__name__}") from None
    return PriceTables(builtin_price_table(), _override(path, status.st_mtime_ns, status.st_size))
