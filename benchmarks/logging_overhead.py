"""Per-invocation cost of logging, and AWS API calls per 1,000 warm invocations.

Every variant runs the real Lambda handler over the zero-latency Bedrock fake
with the operations role assumed through moto; only the logging differs:
  (a) no callback, (b) our callback + stdout sink, (c) our callback + CloudWatch
  sink (moto server), (d) the naive callback (a log stream per invocation, one
  synchronous PutLogEvents per callback event).
Variants are interleaved round by round so they share the machine's state.
"""

from __future__ import annotations

import os
import time
from collections import Counter
from dataclasses import dataclass
from typing import Any, TextIO

import boto3
from bedrock_tenant import Settings
from bedrock_tenant.__main__ import LocalContext
from bedrock_tenant.handler import InvokeRequest, LambdaHandler, Runtime
from bedrock_tenant.sinks import StdoutSink
from langchain_core.callbacks import BaseCallbackHandler

from benchmarks.naive import NaiveCloudWatchCallback, naive_invocation
from benchmarks.stats import Summary
from tests.fakes.aws import OPERATIONS_ACCOUNT, EmbeddedAws, frozen_credentials
from tests.fakes.tenants import provision_tenant

CUSTOMER_ACCOUNT = "222222222222"
MODEL_ID = "anthropic.claude-3-5-haiku-20241022-v1:0"
ROLE_ARN = f"arn:aws:iam::{OPERATIONS_ACCOUNT}:role/bedrock-tenant-bench"
EXTERNAL_ID = "bench-external-id-0123456789"
LOG_GROUP = "/bedrock-tenant/bench/invocations"
EVENT = {"prompt": "What is the capital of France?"}
VARIANTS = {
    "a": "no callback",
    "b": "our callback, stdout sink (record_delivery lambda_log_pipeline)",
    "c": "our callback, CloudWatch sink (record_delivery put_log_events, the default)",
    "d": "naive callback (stream per call, put per event)",
}


class WithoutCallbacks(LambdaHandler):
    def callbacks(self, runtime: Runtime, request: InvokeRequest, request_id: str) -> list[BaseCallbackHandler]:
        return []


class WithNaiveCallback(LambdaHandler):
    def __init__(self, runtime: Runtime, logs_client: Any) -> None:
        super().__init__(runtime)
        self.logs_client = logs_client

    def callbacks(self, runtime: Runtime, request: InvokeRequest, request_id: str) -> list[BaseCallbackHandler]:
        return [NaiveCloudWatchCallback(self.logs_client, LOG_GROUP)]


def settings(sink: str) -> Settings:
    return Settings.from_env(
        {},
        tenant_id="bench",
        operations_role_arn=ROLE_ARN,
        external_id=EXTERNAL_ID,
        model_id=MODEL_ID,
        bedrock_region="us-east-1",
        log_group_name=LOG_GROUP,
        sink=sink,
        content_policy="hash",
    )


@dataclass
class OverheadResult:
    per_invocation_ms: dict[str, Summary]
    put_log_events_per_invocation: dict[str, float]


def count_calls(session: boto3.Session) -> Counter[str]:
    """Count API calls made by clients created from ``session`` from now on."""
    counts: Counter[str] = Counter()
    for event in ("sts.AssumeRole", "cloudwatch-logs.PutLogEvents", "cloudwatch-logs.CreateLogStream"):
        name = event.split(".")[1]
        session.events.register(f"before-call.{event}", lambda name=name, **_: counts.update([name]))
    return counts


def customer_session(aws: EmbeddedAws) -> boto3.Session:
    """The bench tenant's execution role (the embedded AWS enforces its policies)."""
    tenant = provision_tenant(
        aws,
        tenant_id="bench",
        customer_account=CUSTOMER_ACCOUNT,
        external_id=EXTERNAL_ID,
    )
    assert tenant.operations_role_arn == ROLE_ARN
    return tenant.customer


def measure_overhead(aws: EmbeddedAws, invocations: int, rounds: int) -> OverheadResult:
    with open(os.devnull, "w") as devnull:
        return _measure_overhead(aws, invocations, rounds, devnull)


def _measure_overhead(aws: EmbeddedAws, invocations: int, rounds: int, devnull: TextIO) -> OverheadResult:
    customer = customer_session(aws)
    counts = count_calls(customer)
    quiet = Runtime.from_settings(settings("stdout"), base_session=customer)
    quiet.sink = StdoutSink(devnull)  # a real file write per record, without flooding the terminal
    cloudwatch = Runtime.from_settings(settings("cloudwatch"), base_session=customer)
    handlers = {
        "a": WithoutCallbacks(quiet),
        "b": LambdaHandler(quiet),
        "c": LambdaHandler(cloudwatch),
        "d": WithNaiveCallback(quiet, customer.client("logs")),
    }
    for handler in handlers.values():  # warm: AssumeRole, streams, connection pools
        for _ in range(5):
            handler(EVENT, LocalContext("warm"))
    samples: dict[str, list[float]] = {key: [] for key in handlers}
    puts: Counter[str] = Counter()
    order = list(handlers)
    for round_number in range(rounds):
        for key in order[round_number % len(order) :] + order[: round_number % len(order)]:
            before = counts["PutLogEvents"]
            for n in range(invocations):
                start = time.perf_counter()
                response = handlers[key](EVENT, LocalContext(f"{key}-{round_number}-{n}"))
                samples[key].append((time.perf_counter() - start) * 1000)
                assert response["statusCode"] == 200, response
            puts[key] += counts["PutLogEvents"] - before
    total = invocations * rounds
    return OverheadResult(
        {key: Summary.of(values) for key, values in samples.items()},
        {key: puts[key] / total for key in handlers},
    )


def function_environment(aws: EmbeddedAws) -> dict[str, str]:
    """The bench function's environment for a fresh interpreter: its configuration
    (the CloudWatch sink, the default) and its execution role's credentials."""
    credentials = frozen_credentials(customer_session(aws))
    return {
        "BEDROCK_TENANT_ID": "bench",
        "BEDROCK_TENANT_OPERATIONS_ROLE_ARN": ROLE_ARN,
        "BEDROCK_TENANT_EXTERNAL_ID": EXTERNAL_ID,
        "BEDROCK_TENANT_MODEL_ID": MODEL_ID,
        "BEDROCK_TENANT_BEDROCK_REGION": "us-east-1",
        "BEDROCK_TENANT_LOG_GROUP": LOG_GROUP,
        "BEDROCK_TENANT_SINK": "cloudwatch",
        "AWS_ACCESS_KEY_ID": credentials.access_key,
        "AWS_SECRET_ACCESS_KEY": credentials.secret_key,
        "AWS_SESSION_TOKEN": credentials.token,
    }


def api_calls_per_thousand(aws: EmbeddedAws) -> dict[str, Counter[str]]:
    """AssumeRole, CreateLogStream and PutLogEvents calls for 1,000 invocations of
    a freshly started container (the first is its cold start): ours in each
    delivery mode versus naive."""
    results: dict[str, Counter[str]] = {}
    with open(os.devnull, "w") as devnull:
        for pattern, sink in (("ours, put_log_events", "cloudwatch"), ("ours, lambda_log_pipeline", "stdout")):
            customer = customer_session(aws)
            counts = count_calls(customer)
            runtime = Runtime.from_settings(settings(sink), base_session=customer)
            if sink == "stdout":
                runtime.sink = StdoutSink(devnull)
            ours = LambdaHandler(runtime)
            for n in range(1000):
                assert ours(EVENT, LocalContext(f"ours-{n}"))["statusCode"] == 200
            results[pattern] = Counter(counts)

    customer = customer_session(aws)
    counts = count_calls(customer)
    logs = customer.client("logs")
    for _ in range(1000):
        naive_invocation(
            customer, logs, role_arn=ROLE_ARN, external_id=EXTERNAL_ID, model_id=MODEL_ID, log_group=LOG_GROUP
        )
    results["naive"] = Counter(counts)
    return results
