"""The usage report over real records in the embedded AWS: its numbers equal the records'."""

from __future__ import annotations

import math
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from bedrock_tenant.report import COLUMNS, run_report

from tests.python.conftest import Tenant


def test_the_report_equals_the_records(make_tenant: Callable[..., Tenant]) -> None:
    tenant = make_tenant("tenant-a")
    prompts = ["What is the capital of France?", "Name three primes.", "Say hello in five languages please."]
    for index, prompt in enumerate(prompts):
        assert tenant.invoke({"prompt": prompt}, request_id=f"req-{index}")["statusCode"] == 200
    # A model the operations role does not grant: a refused call, recorded as an error.
    refused = make_tenant("tenant-a", model_id="amazon.nova-lite-v1:0")
    assert refused.invoke({"prompt": "hello"}, request_id="req-refused")["statusCode"] >= 400
    records = tenant.records()
    assert len(records) == 4

    now = datetime.now(UTC)
    rows = run_report(
        tenant.customer.client("logs"),
        tenant.settings.log_group_name or "",
        now - timedelta(days=1),
        now + timedelta(minutes=1),
        source="records",
    )
    by_model = {row["model_id"]: row for row in rows}
    assert set(by_model) == {"anthropic.claude-3-5-haiku-20241022-v1:0", "amazon.nova-lite-v1:0"}
    for model_id, row in by_model.items():
        mine = [record for record in records if record["model_id"] == model_id]
        assert row["tenant_id"] == "tenant-a"
        assert row["day"] == mine[0]["timestamp"][:10]
        assert row["calls"] == len(mine)
        assert row["errors"] == sum(record["errors"] for record in mine)
        assert row["throttles"] == sum(record["throttles"] for record in mine)
        for column in ("input_tokens", "uncached_input_tokens", "output_tokens", "total_tokens"):
            assert row[column] == sum(record.get(column, 0) for record in mine), column
        assert row["estimated_cost_usd"] == pytest.approx(
            math.fsum(record.get("estimated_cost_usd", 0.0) for record in mine), abs=1e-12
        )
        assert row["calls_without_cost"] == sum("cost_unavailable" in record for record in mine)
        latencies = sorted(record["latency_ms"] for record in mine)
        assert row["p95_latency_ms"] == latencies[-1]
    haiku = by_model["anthropic.claude-3-5-haiku-20241022-v1:0"]
    assert (haiku["calls"], haiku["errors"], haiku["calls_without_cost"]) == (3, 0, 0)
    assert haiku["input_tokens"] > 0
    assert haiku["estimated_cost_usd"] > 0
    nova = by_model["amazon.nova-lite-v1:0"]
    assert (nova["calls"], nova["errors"], nova["calls_without_cost"], nova["total_tokens"]) == (1, 1, 1, 0)
    assert list(rows[0]) == list(COLUMNS)


def test_the_report_window_excludes_other_days(make_tenant: Callable[..., Tenant]) -> None:
    tenant = make_tenant("tenant-a")
    assert tenant.invoke({"prompt": "hello"})["statusCode"] == 200
    logs: Any = tenant.customer.client("logs")
    later = datetime.now(UTC) + timedelta(days=2)
    assert (
        run_report(logs, tenant.settings.log_group_name or "", later, later + timedelta(days=1), source="records") == []
    )
