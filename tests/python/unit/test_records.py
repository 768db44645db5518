"""Records: schema, EMF metadata, content policies."""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime
from typing import Any

import pytest
from bedrock_tenant.records import SCHEMA_VERSION, ContentPolicy, InvocationRecord, record_content

PROMPT = [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "Ünïcode prompt"}]


def make_record(**fields: Any) -> InvocationRecord:
    values: dict[str, Any] = {
        "tenant_id": "tenant-a",
        "model_id": "anthropic.claude-3-5-haiku-20241022-v1:0",
        "region": "us-east-1",
        "run_id": "run-1",
        "status": "success",
        "latency_ms": 12.3456,
        "timestamp": datetime(2026, 1, 2, 3, 4, 5, 678000, tzinfo=UTC),
        "input_tokens": 10,
        "output_tokens": 5,
        "total_tokens": 15,
    }
    values.update(fields)
    return InvocationRecord(**values)


def test_success_record_fields_and_emf() -> None:
    body = make_record(stop_reason="end_turn").to_dict("BedrockTenant")
    assert body["schema_version"] == SCHEMA_VERSION
    assert body["timestamp"] == "2026-01-02T03:04:05.678+00:00"
    assert body["latency_ms"] == 12.346
    assert (body["invocations"], body["errors"], body["throttles"]) == (1, 0, 0)
    assert "error_type" not in body
    emf = body["_aws"]
    assert emf["Timestamp"] == 1767323045678
    directive = emf["CloudWatchMetrics"][0]
    assert directive["Namespace"] == "BedrockTenant"
    assert directive["Dimensions"] == [["tenant_id", "model_id"]]
    names = {metric["Name"] for metric in directive["Metrics"]}
    assert names == {
        "input_tokens",
        "output_tokens",
        "total_tokens",
        "latency_ms",
        "invocations",
        "errors",
        "throttles",
    }
    # EMF requires each metric and dimension as a top-level member of the event.
    for name in [*names, "tenant_id", "model_id"]:
        assert name in body
    for name in names:
        assert isinstance(body[name], int | float)
    json.dumps(body)


def test_throttled_error_record_counts_a_throttle() -> None:
    body = make_record(
        status="error",
        error_type="ThrottlingException",
        error_message="slow down",
        input_tokens=None,
        output_tokens=None,
        total_tokens=None,
    ).to_dict("NS")
    assert (body["errors"], body["throttles"]) == (1, 1)
    assert body["error_type"] == "ThrottlingException"
    names = {metric["Name"] for metric in body["_aws"]["CloudWatchMetrics"][0]["Metrics"]}
    assert "input_tokens" not in names  # absent values are not declared as metrics


def test_streaming_record_declares_time_to_first_token() -> None:
    body = make_record(streaming=True, time_to_first_token_ms=3.21).to_dict("NS")
    names = {metric["Name"] for metric in body["_aws"]["CloudWatchMetrics"][0]["Metrics"]}
    assert "time_to_first_token_ms" in names
    assert body["streaming"] is True


def test_policy_none_keeps_nothing() -> None:
    assert record_content(ContentPolicy.NONE, PROMPT, "the answer", max_bytes=100) == {}


def test_policy_hash_keeps_only_digests() -> None:
    fields = record_content(ContentPolicy.HASH, PROMPT, "the answer", max_bytes=100)
    assert set(fields) == {"prompt_sha256", "response_sha256"}
    assert fields["response_sha256"] == hashlib.sha256(b"the answer").hexdigest()
    canonical = json.dumps(PROMPT, sort_keys=True, ensure_ascii=False).encode()
    assert fields["prompt_sha256"] == hashlib.sha256(canonical).hexdigest()
    assert "Ünïcode" not in json.dumps(fields)


def test_policy_full_keeps_text() -> None:
    fields = record_content(ContentPolicy.FULL, PROMPT, "the answer", max_bytes=100)
    assert fields == {"prompt": PROMPT, "response": "the answer"}


@pytest.mark.parametrize("max_bytes", [1, 2, 3, 7])
def test_policy_full_clips_on_a_character_boundary(max_bytes: int) -> None:
    fields = record_content(ContentPolicy.FULL, None, "ééééé", max_bytes=max_bytes)
    assert fields["content_truncated"] is True
    assert len(fields["response"].encode()) <= max_bytes
    assert fields["response"] == "é" * (max_bytes // 2)
