"""Usage report: calls, errors, throttles, tokens by kind, latency and estimated cost
per tenant, model and UTC day, from a tenant's invocation log group.

    python -m bedrock_tenant report --log-group /bedrock-tenant/acme/invocations \\
        [--since 2026-11-01] [--until 2026-12-01] [--days 7] \\
        [--format table|csv|json|markdown] [--source insights|records]

``insights`` (the default) runs the saved Logs Insights query that customer-invoker
also ships (``data/usage-by-day.logsinsights``) with StartQuery / GetQueryResults;
``records`` reads the records with FilterLogEvents and aggregates them here, the same
way (for accounts or emulators without Logs Insights, and for the demo). Percentiles
differ slightly between the two: Logs Insights' ``pct`` is approximate; here it is
the nearest-rank percentile. Credentials and Region come from the usual AWS chain
(run it in the customer account that owns the log group).
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import math
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import UTC, datetime, timedelta
from importlib import resources
from typing import Any

__all__ = ["COLUMNS", "QUERY_FILE", "aggregate", "render", "run_report", "usage_query"]

QUERY_FILE = "usage-by-day.logsinsights"
SUM_COLUMNS = (
    "errors",
    "throttles",
    "input_tokens",
    "uncached_input_tokens",
    "cache_read_input_tokens",
    "cache_creation_input_tokens",
    "output_tokens",
    "total_tokens",
    "estimated_cost_usd",
)
COLUMNS = (
    "day",
    "tenant_id",
    "model_id",
    "calls",
    *SUM_COLUMNS[:-1],
    "p50_latency_ms",
    "p95_latency_ms",
    "estimated_cost_usd",
    "calls_without_cost",
)
_QUERY_POLL_S = 1.0
_QUERY_TIMEOUT_S = 900.0  # Logs Insights queries time out after 60 minutes; a report waits 15


def usage_query() -> str:
    """The Logs Insights query text (the same file customer-invoker saves)."""
    return resources.files(__package__).joinpath("data", QUERY_FILE).read_text(encoding="utf-8")


def _percentile(values: Sequence[float], percent: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    rank = max(1, math.ceil(percent / 100 * len(ordered)))
    return ordered[rank - 1]


def aggregate(records: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """Rows of the report from records: what the saved query computes."""
    groups: dict[tuple[str, str, str], list[Mapping[str, Any]]] = {}
    for record in records:
        if record.get("invocations") != 1:
            continue
        day = str(record.get("timestamp", ""))[:10]
        key = (day, str(record.get("tenant_id")), str(record.get("model_id")))
        groups.setdefault(key, []).append(record)
    rows = []
    for (day, tenant_id, model_id), members in sorted(groups.items()):
        row: dict[str, Any] = {"day": day, "tenant_id": tenant_id, "model_id": model_id, "calls": len(members)}
        for column in SUM_COLUMNS:
            values = [member[column] for member in members if isinstance(member.get(column), int | float)]
            total = math.fsum(values) if column == "estimated_cost_usd" else sum(values)
            row[column] = round(total, 10) if column == "estimated_cost_usd" else total
        latencies = [float(member["latency_ms"]) for member in members if "latency_ms" in member]
        row["p50_latency_ms"] = _percentile(latencies, 50)
        row["p95_latency_ms"] = _percentile(latencies, 95)
        row["calls_without_cost"] = sum(1 for member in members if "cost_unavailable" in member)
        rows.append({column: row[column] for column in COLUMNS})
    return rows


def _number(text: str) -> int | float:
    value = float(text)
    return int(value) if value.is_integer() and "." not in text and "e" not in text.lower() else value


def _insights_rows(results: list[list[Mapping[str, str]]]) -> list[dict[str, Any]]:
    rows = []
    for result in results:
        fields = {cell["field"]: cell.get("value", "") for cell in result}
        row: dict[str, Any] = {}
        for column in COLUMNS:
            text = fields.get(column)
            if column == "day":
                row[column] = (text or "")[:10]
            elif column in ("tenant_id", "model_id"):
                row[column] = text
            else:
                row[column] = None if text in (None, "") else _number(text)
        rows.append(row)
    return rows


def query_insights(
    logs: Any,
    log_group: str,
    start: datetime,
    end: datetime,
    *,
    sleep: Callable[[float], None] = time.sleep,
) -> list[dict[str, Any]]:
    """Run the saved query with Logs Insights and return its rows."""
    query_id = logs.start_query(
        logGroupName=log_group,
        startTime=int(start.timestamp()),
        endTime=int(end.timestamp()),
        queryString=usage_query(),
    )["queryId"]
    waited = 0.0
    while True:
        answer = logs.get_query_results(queryId=query_id)
        status = answer["status"]
        if status == "Complete":
            return _insights_rows(answer["results"])
        if status in ("Failed", "Cancelled", "Timeout", "Unknown"):
            raise RuntimeError(f"Logs Insights query {query_id} ended {status}")
        if waited >= _QUERY_TIMEOUT_S:
            raise RuntimeError(f"Logs Insights query {query_id} still {status} after {waited:.0f} s")
        sleep(_QUERY_POLL_S)
        waited += _QUERY_POLL_S


def read_records(logs: Any, log_group: str, start: datetime, end: datetime) -> list[dict[str, Any]]:
    """Every record in ``log_group`` between ``start`` and ``end`` (FilterLogEvents)."""
    pages = logs.get_paginator("filter_log_events").paginate(
        logGroupName=log_group,
        startTime=int(start.timestamp() * 1000),
        endTime=int(end.timestamp() * 1000),
    )
    records = []
    for page in pages:
        for event in page["events"]:
            try:
                record = json.loads(event["message"])
            except ValueError:
                continue  # not a record (e.g. a line of the function's own output)
            if isinstance(record, dict):
                records.append(record)
    return records


def run_report(logs: Any, log_group: str, start: datetime, end: datetime, *, source: str) -> list[dict[str, Any]]:
    if source == "insights":
        return query_insights(logs, log_group, start, end)
    return aggregate(read_records(logs, log_group, start, end))


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:.6f}".rstrip("0").rstrip(".") if not value.is_integer() else str(int(value))
    return str(value)


def render(rows: list[dict[str, Any]], output_format: str) -> str:
    """``rows`` as ``table``, ``csv``, ``json`` or ``markdown`` text."""
    if output_format == "json":
        return json.dumps(rows, indent=2)
    if output_format == "csv":
        buffer = io.StringIO()
        writer = csv.DictWriter(buffer, fieldnames=COLUMNS, lineterminator="\n")
        writer.writeheader()
        writer.writerows({column: _cell(row.get(column)) for column in COLUMNS} for row in rows)
        return buffer.getvalue().rstrip("\n")
    cells = [[_cell(row.get(column)) for column in COLUMNS] for row in rows]
    if output_format == "markdown":
        lines = ["| " + " | ".join(COLUMNS) + " |", "|" + "---|" * len(COLUMNS)]
        lines += ["| " + " | ".join(line) + " |" for line in cells]
        return "\n".join(lines)
    widths = [max([len(column), *(len(line[index]) for line in cells)]) for index, column in enumerate(COLUMNS)]
    lines = ["  ".join(column.ljust(width) for column, width in zip(COLUMNS, widths, strict=True))]
    lines += ["  ".join(cell.ljust(width) for cell, width in zip(line, widths, strict=True)) for line in cells]
    return "\n".join(line.rstrip() for line in lines)


def _moment(text: str) -> datetime:
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected an ISO 8601 date or time, got {text!r}") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def add_parser(commands: Any) -> None:
    """Register ``report`` on the CLI's subparsers."""
    parser = commands.add_parser("report", help="usage and estimated cost per tenant, model and day")
    parser.add_argument("--log-group", required=True, help="the tenant's invocation log group")
    parser.add_argument("--since", type=_moment, help="start (ISO 8601, UTC if no offset); default: --days ago")
    parser.add_argument("--until", type=_moment, help="end (ISO 8601); default: now")
    parser.add_argument("--days", type=int, default=7, help="days before --until when --since is not given")
    parser.add_argument("--format", choices=["table", "csv", "json", "markdown"], default="table")
    parser.add_argument("--source", choices=["insights", "records"], default="insights")
    parser.add_argument("--region", help="the log group's Region (default: the AWS configuration's)")
    parser.set_defaults(run=main)


def main(args: argparse.Namespace) -> int:
    import boto3  # noqa: PLC0415 - only this subcommand needs a client

    until = args.until or datetime.now(UTC)
    since = args.since or until - timedelta(days=args.days)
    if since >= until:
        raise SystemExit(f"report: --since ({since.isoformat()}) must be before --until ({until.isoformat()})")
    logs = boto3.client("logs", region_name=args.region)
    rows = run_report(logs, args.log_group, since, until, source=args.source)
    print(render(rows, args.format))
    return 0
