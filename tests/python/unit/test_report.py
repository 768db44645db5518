"""The report's aggregation, Logs Insights path, output formats and CLI (no AWS)."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, datetime
from typing import Any

import boto3
import pytest
from bedrock_tenant import report
from bedrock_tenant.__main__ import main as cli
from bedrock_tenant.report import COLUMNS, aggregate, query_insights, render, usage_query

HAIKU = "anthropic.claude-3-5-haiku-20241022-v1:0"


def record(day: str, latency: float, **fields: Any) -> dict[str, Any]:
    base = {
        "timestamp": f"{day}T10:00:00.000+00:00",
        "tenant_id": "acme",
        "model_id": HAIKU,
        "invocations": 1,
        "errors": 0,
        "throttles": 0,
        "latency_ms": latency,
    }
    base.update(fields)
    return base


RECORDS = [
    record("2026-11-27", 100.0, input_tokens=10, uncached_input_tokens=4, cache_read_input_tokens=6,
           cache_creation_input_tokens=0, output_tokens=5, total_tokens=15, estimated_cost_usd=0.1),
    record("2026-11-27", 300.0, input_tokens=20, uncached_input_tokens=20, cache_read_input_tokens=0,
           cache_creation_input_tokens=0, output_tokens=7, total_tokens=27, estimated_cost_usd=0.2),
    record("2026-11-27", 200.0, errors=1, throttles=1, cost_unavailable="no_usage"),
    record("2026-11-28", 50.0, input_tokens=1, uncached_input_tokens=1, cache_read_input_tokens=0,
           cache_creation_input_tokens=0, output_tokens=1, total_tokens=2, estimated_cost_usd=0.3),
    {"message": "not a record"},
]  # fmt: skip


def test_rows_per_day_with_exact_sums_and_percentiles() -> None:
    first, second = aggregate(RECORDS)
    assert first == {
        "day": "2026-11-27",
        "tenant_id": "acme",
        "model_id": HAIKU,
        "calls": 3,
        "errors": 1,
        "throttles": 1,
        "input_tokens": 30,
        "uncached_input_tokens": 24,
        "cache_read_input_tokens": 6,
        "cache_creation_input_tokens": 0,
        "output_tokens": 12,
        "total_tokens": 42,
        "p50_latency_ms": 200.0,
        "p95_latency_ms": 300.0,
        "estimated_cost_usd": pytest.approx(0.3),
        "calls_without_cost": 1,
    }
    assert (second["day"], second["calls"], second["total_tokens"]) == ("2026-11-28", 1, 2)


class StubLogs:
    def __init__(self, statuses: list[str], results: list[list[dict[str, str]]]) -> None:
        self.statuses = statuses
        self.results = results
        self.started: dict[str, Any] = {}

    def start_query(self, **kwargs: Any) -> dict[str, str]:
        self.started = kwargs
        return {"queryId": "q-1"}

    def get_query_results(self, queryId: str) -> dict[str, Any]:
        return {"status": self.statuses.pop(0), "results": self.results}


def test_the_insights_path_runs_the_saved_query_and_reads_its_rows() -> None:
    result = [
        {"field": "day", "value": "2026-11-27 00:00:00.000"},
        {"field": "tenant_id", "value": "acme"},
        {"field": "model_id", "value": HAIKU},
        {"field": "calls", "value": "3"},
        {"field": "total_tokens", "value": "42"},
        {"field": "estimated_cost_usd", "value": "0.3"},
        {"field": "p95_latency_ms", "value": "300"},
    ]
    logs = StubLogs(["Scheduled", "Running", "Complete"], [result])
    start, end = datetime(2026, 11, 27, tzinfo=UTC), datetime(2026, 11, 28, tzinfo=UTC)
    [row] = query_insights(logs, "/g", start, end, sleep=lambda _: None)
    assert logs.started == {
        "logGroupName": "/g",
        "startTime": int(start.timestamp()),
        "endTime": int(end.timestamp()),
        "queryString": usage_query(),
    }
    assert (row["day"], row["calls"], row["total_tokens"], row["estimated_cost_usd"]) == ("2026-11-27", 3, 42, 0.3)
    assert row["errors"] is None  # a column the query did not return stays empty, not zero
    failed = StubLogs(["Running", "Failed"], [])
    with pytest.raises(RuntimeError, match="Failed"):
        query_insights(failed, "/g", start, end, sleep=lambda _: None)


def test_the_saved_query_computes_every_column() -> None:
    query = usage_query()
    for column in COLUMNS:
        if column in ("tenant_id", "model_id"):
            assert "by tenant_id, model_id, day" in query
        else:
            assert f" as {column}" in query, column


def test_every_format_carries_the_same_numbers() -> None:
    rows = aggregate(RECORDS)
    parsed_json = json.loads(render(rows, "json"))
    assert parsed_json[0]["total_tokens"] == 42
    parsed_csv = list(csv.DictReader(io.StringIO(render(rows, "csv"))))
    assert [line["total_tokens"] for line in parsed_csv] == ["42", "2"]
    assert parsed_csv[0]["estimated_cost_usd"] == "0.3"
    markdown = render(rows, "markdown").splitlines()
    assert markdown[0] == "| " + " | ".join(COLUMNS) + " |"
    assert len(markdown) == 4
    table = render(rows, "table").splitlines()
    assert table[0].split() == list(COLUMNS)
    assert table[1].split()[COLUMNS.index("total_tokens")] == "42"


def test_the_cli_prints_the_report(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    seen: dict[str, Any] = {}

    def fake_run_report(logs: Any, log_group: str, start: Any, end: Any, *, source: str) -> list[dict[str, Any]]:
        seen.update(log_group=log_group, source=source, days=(end - start).days)
        return aggregate(RECORDS)

    monkeypatch.setattr(report, "run_report", fake_run_report)
    monkeypatch.setattr(boto3, "client", lambda *args, **kwargs: object())
    code = cli(["report", "--log-group", "/g", "--source", "records", "--format", "csv", "--days", "3"])
    assert code == 0
    assert seen == {"log_group": "/g", "source": "records", "days": 3}
    assert capsys.readouterr().out.splitlines()[0] == ",".join(COLUMNS)


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["report", "--log-group", "/g", "--since", "yesterday"], "ISO 8601"),
        (["report", "--log-group", "/g", "--format", "xml"], "invalid choice"),
        (["report"], "--log-group"),
    ],
)
def test_bad_arguments_name_the_option(argv: list[str], message: str, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        cli(argv)
    assert message in capsys.readouterr().err


def test_since_after_until_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(boto3, "client", lambda *args, **kwargs: object())
    with pytest.raises(SystemExit, match="--since"):
        cli(["report", "--log-group", "/g", "--since", "2026-11-28", "--until", "2026-11-27"])
