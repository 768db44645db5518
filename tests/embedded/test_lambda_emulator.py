"""A function in the embedded Lambda runs as Lambda runs it: its own code and
layers only, the handler string and environment it was deployed with, under the
Runtime Interface Emulator and the official Runtime Interface Client."""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path
from typing import Any

import pytest

from tests.fakes.aws import CUSTOMER_ACCOUNTS, REGION, EmbeddedAws, frozen_credentials
from tests.fakes.lambda_emulator import LambdaEmulator, deployed_function

ACCOUNT = CUSTOMER_ACCOUNTS[0]
HANDLER = """
import json, os, sys
import shared

def handler(event, context):
    if event.get("fail"):
        raise ValueError("asked to fail")
    try:
        import boto3  # in this repository's virtual environment, not in the function
        leaked = True
    except ImportError:
        leaked = False
    return {
        "event": event,
        "shared": shared.WHERE,
        "leaked": leaked,
        "request_id": context.aws_request_id,
        "function": context.function_name,
        "memory": context.memory_limit_in_mb,
        "environment": {
            k: os.environ.get(k) for k in ("GREETING", "AWS_REGION", "AWS_ACCESS_KEY_ID", "LAMBDA_TASK_ROOT")
        },
    }
"""


def archive(files: dict[str, str]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as zipped:
        for name, text in files.items():
            zipped.writestr(name, text)
    return buffer.getvalue()


@pytest.fixture
def function(aws: EmbeddedAws) -> str:
    admin = aws.admin_session(ACCOUNT)
    lambda_client = admin.client("lambda")
    # Two layers: the later one wins, as Lambda extracts them in order into /opt.
    layers = [
        lambda_client.publish_layer_version(
            LayerName=f"layer-{n}", Content={"ZipFile": archive({"python/shared.py": f"WHERE = 'layer {n}'"})}
        )["LayerVersionArn"]
        for n in (1, 2)
    ]
    aws.account_session(ACCOUNT, role_name="function-role")  # a role Lambda may assume
    lambda_client.create_function(
        FunctionName="probe",
        Runtime="python3.12",
        Role=f"arn:aws:iam::{ACCOUNT}:role/function-role",
        Handler="app.handler",
        Code={"ZipFile": archive({"app.py": HANDLER})},
        Layers=layers,
        Environment={"Variables": {"GREETING": "hello", "AWS_REGION": "eu-west-1"}},
        MemorySize=256,
        Timeout=10,
    )
    return "probe"


def test_the_deployed_code_and_layers_run_under_the_emulator(aws: EmbeddedAws, function: str, tmp_path: Path) -> None:
    deployed = deployed_function(ACCOUNT, REGION, function)
    keys = frozen_credentials(aws.service_session(deployed.role))
    credentials = {"AccessKeyId": keys.access_key, "SecretAccessKey": keys.secret_key, "SessionToken": keys.token}
    with LambdaEmulator(deployed, tmp_path, credentials=credentials, region=REGION) as emulator:
        first = emulator.invoke({"n": 1})
        second = emulator.invoke({"n": 2})
        failed = emulator.invoke({"fail": True})
        log = emulator.output()
    payload: dict[str, Any] = first.payload
    assert (first.status, first.function_error) == (200, False)
    assert payload["event"] == {"n": 1}
    assert payload["shared"] == "layer 2"
    assert payload["leaked"] is False  # only the code and its layers are importable
    assert (payload["function"], payload["memory"]) == ("probe", "256")
    assert payload["environment"] == {
        "GREETING": "hello",
        "AWS_REGION": REGION,  # reserved: the function's own value does not win
        "AWS_ACCESS_KEY_ID": keys.access_key,
        "LAMBDA_TASK_ROOT": str(tmp_path / "task"),
    }
    assert second.payload["request_id"] != payload["request_id"]
    assert failed.function_error
    assert failed.payload["errorType"] == "ValueError"
    assert failed.payload["errorMessage"] == "asked to fail"
    assert f"START RequestId: {payload['request_id']}" in log
    assert json.dumps(second.payload["event"]) == '{"n": 2}'
