"""``python -m bedrock_tenant invoke``: the same handler, run as a local process."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.fakes.aws import EmbeddedAws, frozen_credentials
from tests.python.conftest import Tenant
from tests.python.events import NON_HTTP_EVENTS, sqs_event, sqs_record


def cli_environment(aws: EmbeddedAws, tenant: Tenant) -> dict[str, str]:
    """The environment a Lambda would have: its own credentials and BEDROCK_TENANT_*."""
    keys = frozen_credentials(tenant.customer)
    settings = tenant.settings
    assert settings.log_group_name is not None
    return {
        **aws.environment,
        "AWS_ACCESS_KEY_ID": keys.access_key,
        "AWS_SECRET_ACCESS_KEY": keys.secret_key,
        "AWS_SESSION_TOKEN": keys.token,
        "BEDROCK_TENANT_ID": settings.tenant_id,
        "BEDROCK_TENANT_OPERATIONS_ROLE_ARN": settings.operations_role_arn,
        "BEDROCK_TENANT_EXTERNAL_ID": settings.external_id.get_secret_value(),
        "BEDROCK_TENANT_MODEL_ID": settings.model_id,
        "BEDROCK_TENANT_BEDROCK_REGION": settings.bedrock_region,
        "BEDROCK_TENANT_LOG_GROUP": settings.log_group_name,
        "BEDROCK_TENANT_CONTENT_POLICY": "none",
    }


def run_cli(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bedrock_tenant", "invoke", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_cli_invokes_and_logs_in_the_customer_account(aws: EmbeddedAws, make_tenant: Callable[..., Tenant]) -> None:
    tenant = make_tenant("tenant-a")
    result = run_cli(
        cli_environment(aws, tenant),
        "--prompt",
        "hello from the cli",
        "--metadata",
        "user=u-7",
        "--request-id",
        "cli-1",
    )
    assert result.returncode == 0, result.stderr
    response = json.loads(result.stdout)
    assert response["statusCode"] == 200
    assert response["answer"] == "You said: hello from the cli"
    assert response["request_id"] == "cli-1"
    [record] = tenant.records()
    assert (record["request_id"], record["metadata"]) == ("cli-1", {"user": "u-7"})
    assert "prompt" not in record


def test_cli_exits_non_zero_on_a_bad_request(aws: EmbeddedAws, make_tenant: Callable[..., Tenant]) -> None:
    tenant = make_tenant("tenant-a")
    result = run_cli(cli_environment(aws, tenant), "--prompt", "hi", "--temperature", "3")
    assert result.returncode == 1
    response = json.loads(result.stdout)
    assert (response["statusCode"], response["error"]["fields"][0]["field"]) == (400, "temperature")
    assert aws.bedrock.calls == []


@pytest.mark.parametrize(
    "broken",
    [
        {"AWS_ENDPOINT_URL_BEDROCK_RUNTIME": "not a url::"},
        {"AWS_ENDPOINT_URL_BEDROCK_RUNTIME": "http://[::1"},
        {"BEDROCK_TENANT_SESSION_DURATION_SECONDS": "900"},
    ],
    ids=["bedrock endpoint", "bedrock IPv6 endpoint", "session duration"],
)
def test_a_runtime_that_cannot_start_answers_a_structured_error(
    aws: EmbeddedAws, make_tenant: Callable[..., Tenant], broken: dict[str, str]
) -> None:
    tenant = make_tenant("tenant-a")
    result = run_cli({**cli_environment(aws, tenant), **broken}, "--prompt", "hi")
    assert result.returncode == 1
    response = json.loads(result.stdout)
    assert (response["statusCode"], response["error"]["code"]) == (500, "ConfigurationError")
    assert "Traceback" not in result.stdout + result.stderr
    assert aws.bedrock.calls == []


def test_cli_serves_an_sqs_batch_from_an_event_file(
    aws: EmbeddedAws, make_tenant: Callable[..., Tenant], tmp_path: Path
) -> None:
    tenant = make_tenant("tenant-a")
    batch = tmp_path / "batch.json"
    good, bad = sqs_record(json.dumps({"prompt": "hi"}), "m-good"), sqs_record("{not json", "m-bad")
    batch.write_text(json.dumps(sqs_event(good, bad)))
    result = run_cli(cli_environment(aws, tenant), "--event", str(batch))
    assert result.returncode == 1, result.stderr
    assert json.loads(result.stdout) == {"batchItemFailures": [{"itemIdentifier": "m-bad"}]}
    assert [record["request_id"] for record in tenant.records()] == ["m-good"]
    batch.write_text(json.dumps(sqs_event(good)))
    result = run_cli(cli_environment(aws, tenant), "--event", str(batch))
    assert (result.returncode, json.loads(result.stdout)) == (0, {"batchItemFailures": []})


def test_cli_reports_an_event_it_does_not_serve(aws: EmbeddedAws, make_tenant: Callable[..., Tenant]) -> None:
    tenant = make_tenant("tenant-a")
    s3 = json.dumps(NON_HTTP_EVENTS["s3"][1])
    result = subprocess.run(
        [sys.executable, "-m", "bedrock_tenant", "invoke", "--event", "-"],
        env=cli_environment(aws, tenant),
        input=s3,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 1
    error = json.loads(result.stdout)["error"]
    assert error["code"] == "UnsupportedEvent"
    assert "'prompt' or 'messages'" in error["message"]
    assert "Traceback" not in result.stdout + result.stderr
    assert aws.bedrock.calls == []
