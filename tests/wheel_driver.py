"""Run inside a virtual environment where only a built distribution provides ``bedrock_tenant``
(tests/test_wheel.py): exercises what reads the package's data at run time and prints a JSON
summary on stdout. Offline: the report's CloudWatch Logs client is a stub.

    python -I tests/wheel_driver.py report insights|records
    python -I tests/wheel_driver.py handler      # BEDROCK_TENANT_* from the environment
"""

from __future__ import annotations

import contextlib
import io
import json
import sys
from typing import Any

import bedrock_tenant
import boto3
from bedrock_tenant import __main__ as cli
from bedrock_tenant.pricing import load_price_table

_RECORD = {
    "timestamp": "2026-11-02T10:00:00.000Z",
    "tenant_id": "acme",
    "model_id": "anthropic.claude-3-5-haiku-20241022-v1:0",
    "invocations": 1,
    "errors": 0,
    "throttles": 0,
    "input_tokens": 10,
    "output_tokens": 5,
    "total_tokens": 15,
    "latency_ms": 120,
}


class _Pages:
    def paginate(self, **_: Any) -> list[dict[str, Any]]:
        return [{"events": [{"message": json.dumps(_RECORD)}, {"message": "START RequestId: not a record"}]}]


class _Logs:
    """The CloudWatch Logs calls the report makes, answered with one day of one model."""

    def __init__(self) -> None:
        self.queries: list[str] = []

    def start_query(self, *, queryString: str, **_: Any) -> dict[str, str]:
        self.queries.append(queryString)
        return {"queryId": "q-1"}

    def get_query_results(self, *, queryId: str) -> dict[str, Any]:
        row = {"day": "2026-11-02 00:00:00.000", "tenant_id": "acme", "model_id": _RECORD["model_id"], "calls": "1"}
        return {"status": "Complete", "results": [[{"field": key, "value": value} for key, value in row.items()]]}

    def get_paginator(self, _name: str) -> _Pages:
        return _Pages()


def report(source: str) -> dict[str, Any]:
    logs = _Logs()
    boto3.client = lambda *_, **__: logs  # type: ignore[assignment] # offline: report.main builds its client so
    argv = ["report", "--log-group", "/bedrock-tenant/acme/invocations", "--format", "json", "--source", source]
    argv += ["--since", "2026-11-01", "--until", "2026-11-03"]
    output = io.StringIO()
    with contextlib.redirect_stdout(output):
        status = cli.main(argv)
    return {"status": status, "rows": json.loads(output.getvalue()), "queries": logs.queries}


def handler() -> dict[str, Any]:
    from bedrock_tenant.handler import InvokeRequest, lambda_handler  # noqa: PLC0415 - reads the environment

    bad = lambda_handler({"prompt": ""}, None)
    runtime = lambda_handler.runtime  # the whole runtime: settings, sessions, LangChain model, sink
    request = InvokeRequest.model_validate({"prompt": "hi"})
    callbacks = lambda_handler.callbacks(runtime, request, "req-wheel")  # loads the shipped price table
    return {
        "bad_request": bad,
        "model": type(runtime.model).__name__,
        "callbacks": [type(callback).__name__ for callback in callbacks],
        "price_table_version": load_price_table().builtin.version,
    }


def main(argv: list[str]) -> int:
    summary = report(argv[1]) if argv[0] == "report" else handler()
    summary["package_file"] = bedrock_tenant.__file__
    print(json.dumps(summary, default=str))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
