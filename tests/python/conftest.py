"""Fixtures for the runtime package's tests: an embedded AWS and tenants in it."""

from __future__ import annotations

import json
import socket
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import boto3
import pytest
from bedrock_tenant.__main__ import LocalContext
from bedrock_tenant.handler import LambdaHandler, Runtime
from bedrock_tenant.settings import Settings
from bedrock_tenant.sinks import CloudWatchLogsSink

from tests.fakes.aws import OPERATIONS_ACCOUNT, REGION, EmbeddedAws, embedded_aws, environment_for
from tests.fakes.tenants import provision_tenant

MODEL_ID = "anthropic.claude-3-5-haiku-20241022-v1:0"
CUSTOMER_ACCOUNTS = {"tenant-a": "222222222222", "tenant-b": "333333333333"}
EXTERNAL_IDS = {"tenant-a": "ext-tenant-a-5f0c9a7e21d4", "tenant-b": "ext-tenant-b-93b1e07c4a8f"}


@dataclass
class Tenant:
    """A tenant wired into the embedded AWS: its customer session, runtime and handler."""

    tenant_id: str
    customer: boto3.Session
    settings: Settings
    runtime: Runtime
    handler: LambdaHandler

    def invoke(self, event: Any, request_id: str = "req-1") -> dict[str, Any]:
        return self.handler(event, LocalContext(request_id))

    @property
    def cloudwatch_sink(self) -> CloudWatchLogsSink:
        sink = self.runtime.sink
        assert isinstance(sink, CloudWatchLogsSink), f"{self.tenant_id} logs to {type(sink).__name__}"
        return sink

    def records(self) -> list[dict[str, Any]]:
        """Every record in this tenant's invocation log group, oldest first."""
        assert self.settings.log_group_name is not None
        return read_records(self.customer, self.settings.log_group_name)


def read_records(session: boto3.Session, log_group: str) -> list[dict[str, Any]]:
    logs = session.client("logs")
    pages = logs.get_paginator("filter_log_events").paginate(logGroupName=log_group)
    return [json.loads(event["message"]) for page in pages for event in page["events"]]


def operations_role_arn(tenant_id: str) -> str:
    return f"arn:aws:iam::{OPERATIONS_ACCOUNT}:role/bedrock-tenant-{tenant_id}"


@pytest.fixture(scope="session")
def embedded() -> Iterator[EmbeddedAws]:
    with embedded_aws() as aws:
        yield aws


@pytest.fixture
def aws(embedded: EmbeddedAws) -> Iterator[EmbeddedAws]:
    """The embedded AWS, emptied, with this process's environment pointed at it."""
    embedded.reset()
    with environment_for(embedded):
        yield embedded


@pytest.fixture
def make_tenant(aws: EmbeddedAws) -> Callable[..., Tenant]:
    """Build a tenant: customer account, invocation log group, runtime, handler."""

    def make(tenant_id: str = "tenant-a", *, create_log_group: bool = True, **overrides: Any) -> Tenant:
        # Real roles with the modules' policy shapes: the embedded AWS enforces them.
        log_group = f"/bedrock-tenant/{tenant_id}/invocations"
        customer = provision_tenant(
            aws,
            tenant_id=tenant_id,
            customer_account=CUSTOMER_ACCOUNTS[tenant_id],
            external_id=EXTERNAL_IDS[tenant_id],
            create_log_group=create_log_group,
        ).customer
        values: dict[str, Any] = {
            "tenant_id": tenant_id,
            "operations_role_arn": operations_role_arn(tenant_id),
            "external_id": EXTERNAL_IDS[tenant_id],
            "model_id": MODEL_ID,
            "bedrock_region": REGION,
            "log_group_name": log_group,
            "content_policy": "full",
            "max_attempts": 2,
        }
        values.update(overrides)
        settings = Settings.from_env({}, **values)
        runtime = Runtime.from_settings(settings, base_session=customer)
        return Tenant(tenant_id, customer, settings, runtime, LambdaHandler(runtime))

    return make


# -- for the sink and handler tests (H-runtime) ---------------------------------------

INVOCATION_LOG_GROUP = "/bedrock-tenant/tenant-a/invocations"


@pytest.fixture
def customer(aws: EmbeddedAws) -> boto3.Session:
    """tenant-a's customer account with its invocation log group, and no runtime."""
    session = aws.account_session(CUSTOMER_ACCOUNTS["tenant-a"])
    session.client("logs").create_log_group(logGroupName=INVOCATION_LOG_GROUP)
    return session


@pytest.fixture
def blackhole() -> Iterator[str]:
    """An endpoint that accepts connections and never answers (a hung service)."""
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen(64)
        yield f"http://127.0.0.1:{server.getsockname()[1]}"


def printed_records(capsys: pytest.CaptureFixture[str]) -> list[dict[str, Any]]:
    """The JSON records written to stdout (the sinks' fallback) since the last read."""
    return [json.loads(line) for line in capsys.readouterr().out.splitlines() if line.startswith("{")]
