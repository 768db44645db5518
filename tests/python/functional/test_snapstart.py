"""SnapStart on the embedded AWS: a runtime primed during init signs nothing, and
the first request after the restore assumes the role, writes to a stream of its
own and answers.

Lambda gives a SnapStart function its execution-role credentials through the
container credentials endpoint (AWS_CONTAINER_CREDENTIALS_FULL_URI) rather than
environment variables
(https://docs.aws.amazon.com/lambda/latest/dg/snapstart-activate.html#snapstart-credentials),
so the test serves the tenant's credentials that way and counts every fetch.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import boto3
import pytest
from bedrock_tenant import snapstart
from bedrock_tenant.__main__ import LocalContext
from bedrock_tenant.handler import LambdaHandler
from bedrock_tenant.sinks import CloudWatchLogsSink

from tests.fakes.aws import REGION, EmbeddedAws, frozen_credentials
from tests.fakes.tenants import provision_tenant
from tests.python.conftest import CUSTOMER_ACCOUNTS, EXTERNAL_IDS, MODEL_ID, operations_role_arn

LOG_GROUP = "/bedrock-tenant/tenant-a/invocations"


class ContainerCredentials:
    """The container credentials endpoint, serving one session's keys; counts fetches."""

    def __init__(self, session: boto3.Session) -> None:
        frozen = frozen_credentials(session)
        self.body = json.dumps(
            {
                "AccessKeyId": frozen.access_key,
                "SecretAccessKey": frozen.secret_key,
                "Token": frozen.token,
                "Expiration": "2099-01-01T00:00:00Z",
            }
        ).encode()
        self.fetches = 0
        endpoint = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                endpoint.fetches += 1
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(endpoint.body)))
                self.end_headers()
                self.wfile.write(endpoint.body)

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/credentials"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def snapstart_environment(aws: EmbeddedAws, monkeypatch: pytest.MonkeyPatch) -> Iterator[ContainerCredentials]:
    """tenant-a's function environment as SnapStart sets it up: configuration in
    BEDROCK_TENANT_*, credentials only from the container endpoint."""
    customer = provision_tenant(
        aws,
        tenant_id="tenant-a",
        customer_account=CUSTOMER_ACCOUNTS["tenant-a"],
        external_id=EXTERNAL_IDS["tenant-a"],
    ).customer
    endpoint = ContainerCredentials(customer)
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent")
    monkeypatch.setenv("AWS_CONFIG_FILE", "/nonexistent")
    monkeypatch.setenv("AWS_CONTAINER_CREDENTIALS_FULL_URI", endpoint.url)
    monkeypatch.setenv("AWS_DEFAULT_REGION", REGION)
    for name, value in {
        "ID": "tenant-a",
        "OPERATIONS_ROLE_ARN": operations_role_arn("tenant-a"),
        "EXTERNAL_ID": EXTERNAL_IDS["tenant-a"],
        "MODEL_ID": MODEL_ID,
        "BEDROCK_REGION": REGION,
        "LOG_GROUP": LOG_GROUP,
    }.items():
        monkeypatch.setenv(f"BEDROCK_TENANT_{name}", value)
    yield endpoint
    endpoint.close()


def test_init_signs_nothing_and_the_first_request_after_restore_logs_to_its_own_stream(
    aws: EmbeddedAws, snapstart_environment: ContainerCredentials
) -> None:
    handler = LambdaHandler()
    handler.prime()  # init, before the snapshot
    snapstart.before_snapshot(handler)
    runtime = handler.runtime
    assert isinstance(runtime.sink, CloudWatchLogsSink)
    snapshot_stream = runtime.sink.stream_name
    assert snapstart_environment.fetches == 0  # no execution-role credentials in the snapshot
    assert runtime.operations.assume_role_calls == 0  # no operations-role credentials either
    assert aws.bedrock.calls == []

    snapstart.after_restore()
    response = handler({"prompt": "after the restore"}, LocalContext("req-restored"))
    assert response["statusCode"] == 200, response
    assert handler.runtime is runtime  # the primed runtime served it
    assert snapstart_environment.fetches >= 1
    assert runtime.operations.assume_role_calls == 1
    streams = aws.account_session(CUSTOMER_ACCOUNTS["tenant-a"], role_name="reader").client("logs")
    described = streams.describe_log_streams(logGroupName=LOG_GROUP)["logStreams"]
    assert [s["logStreamName"] for s in described] == [runtime.sink.stream_name]
    assert runtime.sink.stream_name != snapshot_stream


def test_a_runtime_that_served_before_the_snapshot_is_built_again(
    aws: EmbeddedAws, snapstart_environment: ContainerCredentials
) -> None:
    handler = LambdaHandler()
    handler.prime()
    assert handler({"prompt": "during init"}, LocalContext("req-init"))["statusCode"] == 200
    used = handler.runtime
    assert used.operations.assume_role_calls == 1

    snapstart.before_snapshot(handler)
    assert handler.runtime is not used  # its credentials stay out of the snapshot
    assert handler.runtime.operations.assume_role_calls == 0
