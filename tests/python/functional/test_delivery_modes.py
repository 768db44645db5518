"""record_delivery = "lambda_log_pipeline" (BEDROCK_TENANT_SINK=stdout) on the
embedded AWS: the records leave the function as stdout lines, with no logging API
call, and in the log group they share with Lambda's platform lines and the
package's own warnings (Lambda's JSON log format) they are exactly the lines that
carry ``schema_version``."""

from __future__ import annotations

import json
import logging
import sys
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from awslambdaric.lambda_runtime_log_utils import JsonFormatter  # type: ignore[import-untyped]

from tests.fakes.aws import EmbeddedAws
from tests.python.conftest import Tenant, read_records

# Lambda's platform lines in the JSON log format (Lambda developer guide,
# "Configuring JSON and plain text log formats": system logs).
PLATFORM_LINES = [
    {"time": "2026-11-28T13:00:00.000Z", "type": "platform.start", "record": {"requestId": "r", "version": "$LATEST"}},
    {
        "time": "2026-11-28T13:00:00.100Z",
        "type": "platform.report",
        "record": {"requestId": "r", "metrics": {"durationMs": 12.3}, "status": "success"},
    },
]


class _CurrentStdout:
    """Whatever sys.stdout is when a line is written (capsys swaps it per test phase)."""

    def write(self, text: str) -> int:
        return sys.stdout.write(text)

    def flush(self) -> None:
        sys.stdout.flush()


@pytest.fixture
def lambda_json_logging() -> Iterator[None]:
    """The root logger as Lambda's Python runtime sets it up for log_format JSON."""
    root = logging.getLogger()
    handler = logging.StreamHandler(_CurrentStdout())
    handler.setFormatter(JsonFormatter())
    root.addHandler(handler)
    try:
        yield
    finally:
        root.removeHandler(handler)


def function_output(capsys: pytest.CaptureFixture[str]) -> list[dict[str, Any]]:
    # JsonFormatter ends each message with a newline and StreamHandler adds one; Lambda
    # frames each log event instead, so the blank lines are this harness's.
    lines = [line for line in capsys.readouterr().out.splitlines() if line]
    return [json.loads(line) for line in lines] + PLATFORM_LINES


def test_records_reach_stdout_only_and_are_told_apart(
    aws: EmbeddedAws,
    make_tenant: Callable[..., Tenant],
    capsys: pytest.CaptureFixture[str],
    lambda_json_logging: None,
) -> None:
    tenant = make_tenant("tenant-a", sink="stdout")
    # A model the operations role may not call: the failed call makes a record and a warning.
    failing = make_tenant("tenant-a", sink="stdout", model_id="anthropic.claude-v2")
    capsys.readouterr()
    ok = tenant.invoke({"prompt": "through the pipeline"}, "req-ok")
    refused = tenant.invoke({"prompt": "a bad request", "max_tokens": 0}, "req-bad")
    failed = failing.invoke({"prompt": "not allowed"}, "req-denied")
    assert ok["statusCode"] == 200, ok
    assert refused["statusCode"] == 400
    assert failed["statusCode"] >= 400

    lines = function_output(capsys)
    records = [line for line in lines if "schema_version" in line]
    warnings = [line for line in lines if "level" in line]
    platform = [line for line in lines if str(line.get("type", "")).startswith("platform.")]
    assert {r["request_id"] for r in records} == {"req-ok", "req-denied"}
    assert all("level" not in r and "type" not in r for r in records)  # Lambda reads them as INFO
    assert any(w["level"] == "WARNING" and "req-denied" in w["message"] for w in warnings)
    assert all("schema_version" not in w for w in warnings)
    assert len(platform) == 2
    assert len(records) + len(warnings) + len(platform) == len(lines)  # every line is one of the three
    assert read_records(tenant.customer, "/bedrock-tenant/tenant-a/invocations") == []  # no PutLogEvents
