"""Token accounting and estimated cost, through langchain-aws's own Converse parsing.

The chat model is the pinned langchain-aws ``ChatBedrockConverse`` with a client that
answers with Bedrock's Converse / ConverseStream shapes (``usage`` with cache buckets;
the streamed ``metadata`` event), so the numbers asserted are what the callback makes of
what langchain-aws makes of what Bedrock returns.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import pytest
from bedrock_tenant import InvocationLogger
from bedrock_tenant.errors import ConfigurationError
from bedrock_tenant.pricing import (
    PriceTableError,
    base_model_id,
    builtin_price_table,
    estimate_cost,
    load_price_table,
)
from bedrock_tenant.records import SCHEMA_VERSION
from bedrock_tenant.settings import Settings
from bedrock_tenant.usage import OTEL_ATTRIBUTES, TokenUsage
from langchain_aws import ChatBedrockConverse

HAIKU = "anthropic.claude-3-5-haiku-20241022-v1:0"
# The shipped table's us-east-1 prices for HAIKU, USD per million tokens.
HAIKU_PRICE = {"input": 0.8, "output": 4.0, "cache_read": 0.08, "cache_write": 1.0}


class ListSink:
    def __init__(self) -> None:
        self.records: list[dict[str, Any]] = []

    def emit(self, record: Mapping[str, Any], timestamp_ms: int) -> None:
        self.records.append(dict(record))

    def flush(self, timeout_s: float | None = None) -> None:
        pass


class ConverseClient:
    """Answers ``converse``/``converse_stream`` with Bedrock's response shapes."""

    def __init__(
        self,
        usage: dict[str, Any],
        *,
        fail_after_text: bool = False,
        send_metadata: bool = True,
        fail_after_metadata: bool = False,
    ) -> None:
        self.usage = usage
        self.fail_after_text = fail_after_text
        self.send_metadata = send_metadata
        self.fail_after_metadata = fail_after_metadata

    def converse(self, **kwargs: Any) -> dict[str, Any]:
        return {
            "output": {"message": {"role": "assistant", "content": [{"text": "Paris."}]}},
            "stopReason": "end_turn",
            "usage": dict(self.usage),
            "metrics": {"latencyMs": 12},
        }

    def converse_stream(self, **kwargs: Any) -> dict[str, Any]:
        return {"stream": self._events()}

    def _events(self) -> Iterator[dict[str, Any]]:
        yield {"messageStart": {"role": "assistant"}}
        yield {"contentBlockDelta": {"contentBlockIndex": 0, "delta": {"text": "Par"}}}
        if self.fail_after_text:
            # ConverseStream's in-stream exception event after partial output
            yield {"modelStreamErrorException": {"message": "stream broke", "originalStatusCode": 500}}
        yield {"contentBlockDelta": {"contentBlockIndex": 0, "delta": {"text": "is."}}}
        yield {"contentBlockStop": {"contentBlockIndex": 0}}
        yield {"messageStop": {"stopReason": "end_turn"}}
        if self.send_metadata:
            yield {"metadata": {"usage": dict(self.usage), "metrics": {"latencyMs": 12}}}
        if self.fail_after_metadata:
            yield {"internalServerException": {"message": "connection reset"}}


def run(
    usage: dict[str, Any],
    *,
    stream: bool,
    model_id: str = HAIKU,
    logger_options: dict[str, Any] | None = None,
    **client_options: Any,
) -> dict[str, Any]:
    sink = ListSink()
    options: dict[str, Any] = {"tenant_id": "tenant-a", "model_id": model_id, "region": "us-east-1"}
    options.update(logger_options or {})
    logger = InvocationLogger(sink, **options)
    model = ChatBedrockConverse(  # type: ignore[call-arg]  # base_model_id: a field alias of base_model
        client=ConverseClient(usage, **client_options),
        model=model_id,
        base_model_id=HAIKU,
        provider="anthropic",
        region_name="us-east-1",
    )
    try:
        if stream:
            for _ in model.stream("What is the capital of France?", config={"callbacks": [logger]}):
                pass
        else:
            model.invoke("What is the capital of France?", config={"callbacks": [logger]})
    except ValueError:
        pass  # langchain-aws raises the in-stream exception event as a ValueError
    [record] = sink.records
    return record


def expected_cost(uncached: int, read: int, write: int, output: int) -> float:
    return (
        uncached * HAIKU_PRICE["input"]
        + read * HAIKU_PRICE["cache_read"]
        + write * HAIKU_PRICE["cache_write"]
        + output * HAIKU_PRICE["output"]
    ) / 1_000_000


# Converse usage: inputTokens excludes the cache buckets; totalTokens is left out on
# purpose in some cases so that the record's total cannot come from it.
USAGES: dict[str, tuple[dict[str, Any], tuple[int, int, int, int]]] = {
    "uncached": ({"inputTokens": 120, "outputTokens": 30, "totalTokens": 150}, (120, 0, 0, 30)),
    "cache write": (
        {"inputTokens": 20, "outputTokens": 30, "cacheReadInputTokens": 0, "cacheWriteInputTokens": 2048},
        (20, 0, 2048, 30),
    ),
    "cache read": (
        {"inputTokens": 20, "outputTokens": 30, "cacheReadInputTokens": 2048, "cacheWriteInputTokens": 0},
        (20, 2048, 0, 30),
    ),
    "read and write": (
        {"inputTokens": 7, "outputTokens": 11, "cacheReadInputTokens": 1500, "cacheWriteInputTokens": 300},
        (7, 1500, 300, 11),
    ),
    "per-ttl cache writes": (
        {
            "inputTokens": 5,
            "outputTokens": 9,
            "cacheReadInputTokens": 100,
            "cacheWriteInputTokens": 3000,
            "cacheDetails": [{"ttl": "5m", "inputTokens": 1000}, {"ttl": "1h", "inputTokens": 2000}],
        },
        (5, 100, 3000, 9),
    ),
}


@pytest.mark.parametrize("stream", [False, True], ids=["converse", "converse-stream"])
@pytest.mark.parametrize("case", list(USAGES))
def test_token_arithmetic_and_cost_match_bedrocks_usage(case: str, stream: bool) -> None:
    usage, (uncached, read, write, output) = USAGES[case]
    record = run(usage, stream=stream)
    assert record["schema_version"] == SCHEMA_VERSION == "3"
    assert record["uncached_input_tokens"] == uncached
    assert record["cache_read_input_tokens"] == read
    assert record["cache_creation_input_tokens"] == write
    assert record["input_tokens"] == uncached + read + write  # inclusive, as OpenTelemetry defines it
    assert record["output_tokens"] == output
    assert record["total_tokens"] == uncached + read + write + output
    assert record["estimated_cost_usd"] == pytest.approx(expected_cost(uncached, read, write, output), abs=1e-12)
    assert record["price_table_version"] == builtin_price_table().version
    assert "cost_unavailable" not in record
    metrics = {metric["Name"] for metric in record["_aws"]["CloudWatchMetrics"][0]["Metrics"]}
    assert {
        "input_tokens",
        "uncached_input_tokens",
        "cache_read_input_tokens",
        "cache_creation_input_tokens",
        "output_tokens",
        "total_tokens",
        "estimated_cost_usd",
    } <= metrics


def test_a_stream_that_fails_after_partial_output_has_no_tokens_and_no_cost() -> None:
    record = run(USAGES["read and write"][0], stream=True, fail_after_text=True)
    assert record["status"] == "error"
    assert record["streaming"] is True
    for name in ("input_tokens", "output_tokens", "total_tokens", "estimated_cost_usd"):
        assert name not in record
    assert record["cost_unavailable"] == "no_usage"


def test_a_stream_that_fails_after_its_metadata_event_keeps_the_usage() -> None:
    usage, (uncached, read, write, output) = USAGES["read and write"]
    record = run(usage, stream=True, fail_after_metadata=True)
    assert record["status"] == "error"
    assert (record["input_tokens"], record["output_tokens"]) == (uncached + read + write, output)
    assert record["estimated_cost_usd"] == pytest.approx(expected_cost(uncached, read, write, output), abs=1e-12)


def test_a_stream_without_a_metadata_event_is_flagged_not_zero() -> None:
    record = run(USAGES["uncached"][0], stream=True, send_metadata=False)
    assert record["status"] == "success"
    assert "input_tokens" not in record
    assert "estimated_cost_usd" not in record
    assert record["cost_unavailable"] == "no_usage"


PROFILE_IDS = [
    f"us.{HAIKU}",
    f"arn:aws:bedrock:us-east-1:111111111111:inference-profile/us.{HAIKU}",
    f"arn:aws:bedrock:us-east-1::foundation-model/{HAIKU}",
    f"global.{HAIKU}",
]


@pytest.mark.parametrize("model_id", PROFILE_IDS)
def test_profiles_resolve_to_their_base_model(model_id: str) -> None:
    assert base_model_id(model_id) == HAIKU


def test_an_application_profile_is_priced_as_the_base_model_it_is_given() -> None:
    arn = "arn:aws:bedrock:us-east-1:111111111111:application-inference-profile/a1b2c3d4e5f6"
    usage, (uncached, read, write, output) = USAGES["read and write"]
    record = run(usage, stream=False, model_id=arn, logger_options={"base_model_id": HAIKU})
    assert record["model_id"] == arn
    assert record["base_model_id"] == HAIKU
    assert record["estimated_cost_usd"] == pytest.approx(expected_cost(uncached, read, write, output), abs=1e-12)
    # Without the base model, the ARN cannot be priced: flagged, never zero.
    unresolved = run(usage, stream=False, model_id=arn)
    assert "estimated_cost_usd" not in unresolved
    assert unresolved["cost_unavailable"] == "unresolved_inference_profile"
    assert unresolved["input_tokens"] == uncached + read + write


def test_an_unknown_model_is_flagged_with_its_tokens_kept() -> None:
    usage, (uncached, _, _, _) = USAGES["uncached"]
    record = run(usage, stream=False, logger_options={"base_model_id": "acme.unreleased-model-v9:0"})
    assert record["status"] == "success"
    assert "estimated_cost_usd" not in record
    assert record["cost_unavailable"] == "unknown_model"
    assert record["input_tokens"] == uncached
    metrics = {metric["Name"] for metric in record["_aws"]["CloudWatchMetrics"][0]["Metrics"]}
    assert "estimated_cost_usd" not in metrics  # no metric rather than a zero


def write_table(path: Path, models: dict[str, Any], version: str = "customer-2027-01") -> str:
    table = {
        "format": 1,
        "version": version,
        "effective_date": "2027-01-01",
        "currency": "USD",
        "unit": "per_million_tokens",
        "source": "test",
        "models": models,
    }
    path.write_text(json.dumps(table), encoding="utf-8")
    return str(path)


def test_the_override_file_wins_per_model_and_region(tmp_path: Path) -> None:
    path = write_table(
        tmp_path / "prices.json",
        {
            HAIKU: {
                "us-east-1": {"input": 2.0, "output": 10.0, "cache_read": 0.2, "cache_write": 2.5},
                "*": {"input": 99.0, "output": 99.0},
            },
            "acme.new-model-v1:0": {"*": {"input": 1.0, "output": 1.0}},
        },
    )
    tables = load_price_table(path)
    usage = TokenUsage(input_tokens=1_000_000, output_tokens=1_000_000)
    east = estimate_cost(usage, model_id=HAIKU, region="us-east-1", tables=tables)
    assert (east.cost_usd, east.price_table_version) == (12.0, "customer-2027-01")
    west = estimate_cost(usage, model_id=HAIKU, region="us-west-2", tables=tables)
    assert west.cost_usd == 198.0  # the override's '*' entry, not the shipped price
    new = estimate_cost(usage, model_id="acme.new-model-v1:0", region="eu-west-1", tables=tables)
    assert new.cost_usd == 2.0
    shipped = estimate_cost(usage, model_id="amazon.nova-lite-v1:0", region="us-east-1", tables=tables)
    assert (
        shipped.price_table_version == builtin_price_table().version
    )  # models it does not name keep the shipped price

    record = run(USAGES["uncached"][0], stream=False, logger_options={"prices": tables})
    assert record["estimated_cost_usd"] == pytest.approx((120 * 2.0 + 30 * 10.0) / 1_000_000, abs=1e-12)
    assert record["price_table_version"] == "customer-2027-01"


def test_cache_tokens_without_a_cache_price_give_no_estimate() -> None:
    tables = load_price_table()
    usage = TokenUsage(input_tokens=2000, output_tokens=10, cache_read_input_tokens=1500)
    estimate = estimate_cost(
        usage, model_id="anthropic.claude-3-haiku-20240307-v1:0", region="us-east-1", tables=tables
    )
    assert (estimate.cost_usd, estimate.unavailable) == (None, "no_cache_price")
    plain = TokenUsage(input_tokens=2000, output_tokens=10)
    assert estimate_cost(
        plain, model_id="anthropic.claude-3-haiku-20240307-v1:0", region="us-east-1", tables=tables
    ).cost_usd == pytest.approx((2000 * 0.25 + 10 * 1.25) / 1_000_000)


BAD_TABLES: dict[str, tuple[Any, str]] = {
    "not json": ("{", "not valid JSON"),
    "negative price": ({HAIKU: {"*": {"input": -1, "output": 1}}}, "greater than or equal to 0"),
    "profile id as model": ({f"us.{HAIKU}": {"*": {"input": 1, "output": 1}}}, "not a base foundation model id"),
    "bad region": ({HAIKU: {"us-east": {"input": 1, "output": 1}}}, "neither a Region code nor '*'"),
    "unknown price kind": ({HAIKU: {"*": {"input": 1, "output": 1, "cache": 1}}}, "cache"),
    "infinite price": ({HAIKU: {"*": {"input": "Infinity", "output": 1}}}, "finite"),
}


@pytest.mark.parametrize("case", list(BAD_TABLES))
def test_a_bad_override_is_refused_naming_the_file_and_the_rule(tmp_path: Path, case: str) -> None:
    content, rule = BAD_TABLES[case]
    path = tmp_path / "prices.json"
    if isinstance(content, str):
        path.write_text(content, encoding="utf-8")
    else:
        write_table(path, content)
    with pytest.raises(PriceTableError) as error:
        load_price_table(str(path))
    assert str(path) in str(error.value)
    assert rule in str(error.value)


def test_a_missing_override_is_refused_through_the_setting(tmp_path: Path) -> None:
    missing = str(tmp_path / "nope.json")
    environ = {
        "BEDROCK_TENANT_ID": "tenant-a",
        "BEDROCK_TENANT_OPERATIONS_ROLE_ARN": "arn:aws:iam::111111111111:role/ops",
        "BEDROCK_TENANT_EXTERNAL_ID": "x" * 32,
        "BEDROCK_TENANT_MODEL_ID": HAIKU,
        "BEDROCK_TENANT_BEDROCK_REGION": "us-east-1",
        "BEDROCK_TENANT_SINK": "stdout",
        "BEDROCK_TENANT_PRICE_TABLE": missing,
    }
    with pytest.raises(ConfigurationError) as error:
        Settings.from_env(environ)
    assert "BEDROCK_TENANT_PRICE_TABLE" in str(error.value)
    assert missing in str(error.value)


USAGE_METADATA_CASES: dict[str, tuple[dict[str, Any], tuple[int, int, int, int]]] = {
    "inclusive input": (
        {"input_tokens": 100, "output_tokens": 5, "input_token_details": {"cache_read": 60, "cache_creation": 30}},
        (10, 60, 30, 5),
    ),
    "per-ttl writes replace cache_creation": (
        {
            "input_tokens": 100,
            "output_tokens": 5,
            "input_token_details": {
                "cache_read": 10,
                "cache_creation": 0,
                "ephemeral_5m_input_tokens": 50,
                "ephemeral_1h_input_tokens": 30,
            },
        },
        (10, 10, 80, 5),
    ),
    "no details": ({"input_tokens": 7, "output_tokens": 3}, (7, 0, 0, 3)),
}


@pytest.mark.parametrize("case", list(USAGE_METADATA_CASES))
def test_langchain_usage_metadata_is_read_as_inclusive(case: str) -> None:
    metadata, (uncached, read, write, output) = USAGE_METADATA_CASES[case]
    usage = TokenUsage.from_langchain(metadata)
    assert usage is not None
    assert (usage.uncached_input_tokens, usage.cache_read_input_tokens, usage.cache_creation_input_tokens) == (
        uncached,
        read,
        write,
    )
    assert usage.total_tokens == uncached + read + write + output


@pytest.mark.parametrize(
    "metadata",
    [
        {"input_tokens": -1, "output_tokens": 3},
        {"input_tokens": True, "output_tokens": 3},
        {"input_tokens": "7", "output_tokens": 3},
        {"input_tokens": 7},
        {"input_tokens": 7, "output_tokens": 3, "input_token_details": {"cache_read": 1.5}},
        {"input_tokens": 7, "output_tokens": 3, "input_token_details": ["cache_read"]},
    ],
)
def test_malformed_usage_is_no_usage_not_a_crash(metadata: dict[str, Any]) -> None:
    assert TokenUsage.from_langchain(metadata) is None


def test_cache_buckets_larger_than_the_input_are_flagged_inconsistent() -> None:
    usage = TokenUsage.from_langchain(
        {"input_tokens": 10, "output_tokens": 1, "input_token_details": {"cache_read": 20}}
    )
    assert usage is not None
    assert not usage.consistent
    assert "uncached_input_tokens" not in usage.record_fields()
    estimate = estimate_cost(usage, model_id=HAIKU, region="us-east-1", tables=load_price_table())
    assert (estimate.cost_usd, estimate.unavailable) == (None, "inconsistent_usage")


def test_the_otel_mapping_is_the_documented_one() -> None:
    doc = (Path(__file__).parents[3] / "docs" / "record-schema.md").read_text(encoding="utf-8")
    for field, attribute in OTEL_ATTRIBUTES.items():
        assert f"| `{field}` | `{attribute}` |" in doc
    assert f'"{SCHEMA_VERSION}"' in doc


@pytest.mark.parametrize("case", list(USAGES))
def test_converse_usage_is_read_as_disjoint_buckets(case: str) -> None:
    usage, (uncached, read, write, output) = USAGES[case]
    parsed = TokenUsage.from_converse(usage)
    assert parsed is not None
    assert parsed.record_fields() == {
        "input_tokens": uncached + read + write,
        "uncached_input_tokens": uncached,
        "cache_read_input_tokens": read,
        "cache_creation_input_tokens": write,
        "output_tokens": output,
        "total_tokens": uncached + read + write + output,
    }
