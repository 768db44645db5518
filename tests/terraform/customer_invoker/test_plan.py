"""modules/customer-invoker: planned values, policies, counts and the code zip."""

from __future__ import annotations

import base64
import hashlib
import json
import zipfile
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.terraform.plan import Plan, Workspace, as_set, assert_subset, statements

MODULE = "modules/customer-invoker"
CASES = yaml.safe_load((Path(__file__).parent / "cases.yaml").read_text())
BASE: dict[str, Any] = CASES["base"]
ACCOUNT = "123456789012"  # the local STS's answer for aws_caller_identity
SUPPLIED_KEY = CASES["cases"]["supplied_key_vpc_and_layers"]["inputs"]["kms_key_arn"]
ENVIRONMENT = {
    "BEDROCK_TENANT_ID",
    "BEDROCK_TENANT_OPERATIONS_ROLE_ARN",
    "BEDROCK_TENANT_EXTERNAL_ID",
    "BEDROCK_TENANT_MODEL_ID",
    "BEDROCK_TENANT_BEDROCK_REGION",
    "BEDROCK_TENANT_LOG_GROUP",
    "BEDROCK_TENANT_CONTENT_POLICY",
    "BEDROCK_TENANT_METRIC_NAMESPACE",
    "BEDROCK_TENANT_MAX_TOKENS",
}


def inputs(case: str, placeholder_layer_zip: str) -> dict[str, Any]:
    values = {**BASE, **CASES["cases"][case]["inputs"]}
    if case == "defaults":
        values["dependencies_zip_path"] = placeholder_layer_zip
    return values


@pytest.fixture(scope="module")
def plans(workspace: Workspace, placeholder_layer_zip: str) -> dict[str, Plan]:
    return {case: workspace.plan(MODULE, inputs(case, placeholder_layer_zip)) for case in CASES["cases"]}


@pytest.mark.parametrize("case", list(CASES["cases"]))
def test_inventory(plans: dict[str, Plan], case: str) -> None:
    expected = CASES["cases"][case]
    plan = plans[case]
    assert plan.counts == expected["counts"]
    for address, values in expected["values"].items():
        assert address in plan.values, f"{address} not planned: {sorted(plan.values)}"
        assert_subset(plan.values[address], values, address)


def test_key_policy_limits_logs_to_the_two_log_groups(plans: dict[str, Plan]) -> None:
    policy = statements(plans["defaults"].values["aws_kms_key.this[0]"]["policy"])
    assert set(policy) == {
        "AccountAdministration",
        "CloudWatchLogsForTheseLogGroupsOnly",
        "FunctionEnvironment",
        "DeadLetterQueue",
    }
    assert policy["AccountAdministration"]["Principal"] == {"AWS": f"arn:aws:iam::{ACCOUNT}:root"}
    logs = policy["CloudWatchLogsForTheseLogGroupsOnly"]
    assert logs["Principal"] == {"Service": "logs.us-east-1.amazonaws.com"}
    assert as_set(logs["Condition"]["ArnEquals"]["kms:EncryptionContext:aws:logs:arn"]) == {
        f"arn:aws:logs:us-east-1:{ACCOUNT}:log-group:/bedrock-tenant/acme/invocations",
        f"arn:aws:logs:us-east-1:{ACCOUNT}:log-group:/aws/lambda/bedrock-tenant-acme",
    }
    assert "kms:CreateGrant" not in as_set(logs["Action"])
    role = f"arn:aws:iam::{ACCOUNT}:role/bedrock-tenant-acme-execution"
    environment = policy["FunctionEnvironment"]
    assert (environment["Principal"], as_set(environment["Action"])) == ({"AWS": role}, {"kms:Decrypt"})
    assert environment["Condition"] == {
        "StringEquals": {"kms:EncryptionContext:LambdaFunctionName": "bedrock-tenant-acme"}
    }
    dead_letters = policy["DeadLetterQueue"]
    assert as_set(dead_letters["Action"]) == {"kms:GenerateDataKey", "kms:Decrypt"}
    assert dead_letters["Condition"] == {"StringEquals": {"kms:ViaService": "sqs.us-east-1.amazonaws.com"}}


def test_execution_role_may_do_exactly_what_it_needs(plans: dict[str, Plan]) -> None:
    plan = plans["supplied_key_vpc_and_layers"]
    policy = statements(plan.values["aws_iam_role_policy.this"]["policy"])
    granted = {
        (action, resource)
        for s in policy.values()
        for action in as_set(s["Action"])
        for resource in as_set(s["Resource"])
    }
    groups = [
        f"arn:aws:logs:us-east-1:{ACCOUNT}:log-group:/bedrock-tenant/acme/invocations:*",
        f"arn:aws:logs:us-east-1:{ACCOUNT}:log-group:/aws/lambda/acme-assistant:*",
    ]
    assert granted == {
        ("sts:AssumeRole", BASE["operations_role_arn"]),
        ("sts:SetSourceIdentity", BASE["operations_role_arn"]),
        *{(action, group) for action in ("logs:CreateLogStream", "logs:PutLogEvents") for group in groups},
        ("kms:Decrypt", SUPPLIED_KEY),
        ("kms:GenerateDataKey", SUPPLIED_KEY),
        ("sqs:SendMessage", f"arn:aws:sqs:us-east-1:{ACCOUNT}:acme-assistant-dlq"),
        ("xray:PutTraceSegments", "*"),
        ("xray:PutTelemetryRecords", "*"),
    }
    assert all(s["Effect"] == "Allow" for s in policy.values())
    trust = json.loads(plan.values["aws_iam_role.this"]["assume_role_policy"])
    assert trust["Statement"][0]["Principal"] == {"Service": "lambda.amazonaws.com"}


def test_assume_role_is_granted_only_on_the_operations_role(plans: dict[str, Plan]) -> None:
    # With a created key the policy's key ARN is known only after apply, but the
    # statements that name roles are planned in the supplied-key case above.
    raw = plans["defaults"].raw["resource_changes"]
    [change] = [c for c in raw if c["address"] == "aws_iam_role_policy.this"]
    assert change["change"]["after_unknown"]["policy"] is True


def test_environment_of_the_function(plans: dict[str, Plan]) -> None:
    defaults = plans["defaults"].values["aws_lambda_function.this"]
    variables = defaults["environment"][0]["variables"]
    assert set(variables) == ENVIRONMENT
    assert variables["BEDROCK_TENANT_EXTERNAL_ID"] == BASE["external_id"]
    assert variables["BEDROCK_TENANT_LOG_GROUP"] == "/bedrock-tenant/acme/invocations"
    assert variables["BEDROCK_TENANT_CONTENT_POLICY"] == "hash"
    assert plans["defaults"].outputs["environment_variable_names"] == sorted(ENVIRONMENT)
    supplied = plans["supplied_key_vpc_and_layers"].values["aws_lambda_function.this"]["environment"][0]["variables"]
    assert set(supplied) == ENVIRONMENT | {"BEDROCK_TENANT_INFERENCE_PROFILE_ARN", "BEDROCK_TENANT_SOURCE_IDENTITY"}
    assert supplied["BEDROCK_TENANT_CONTENT_POLICY"] == "full"


def test_external_id_stays_out_of_plan_output(plans: dict[str, Plan]) -> None:
    after = plans["defaults"].raw["resource_changes"]
    [function] = [c for c in after if c["address"] == "aws_lambda_function.this"]
    # Only the external id is redacted; the other variables stay reviewable.
    assert function["change"]["after_sensitive"]["environment"][0]["variables"] == {"BEDROCK_TENANT_EXTERNAL_ID": True}


def test_dashboard_and_alarms_use_the_record_metrics(plans: dict[str, Plan]) -> None:
    body = json.loads(plans["defaults"].values["aws_cloudwatch_dashboard.this[0]"]["dashboard_body"])
    titles = [w["properties"]["title"] for w in body["widgets"]]
    assert titles == [
        "Tokens",
        "Latency (ms)",
        "Model calls, errors and throttles",
        "Function invocations, errors and throttles",
    ]
    metrics = {(m[0], m[1], m[-1]["stat"]) for w in body["widgets"] for m in w["properties"]["metrics"]}
    assert {
        ("BedrockTenant", "input_tokens", "Sum"),
        ("BedrockTenant", "output_tokens", "Sum"),
        ("BedrockTenant", "latency_ms", "p50"),
        ("BedrockTenant", "latency_ms", "p95"),
        ("BedrockTenant", "errors", "Sum"),
        ("BedrockTenant", "throttles", "Sum"),
        ("BedrockTenant", "invocations", "Sum"),
        ("AWS/Lambda", "Invocations", "Sum"),
        ("AWS/Lambda", "Errors", "Sum"),
        ("AWS/Lambda", "Throttles", "Sum"),
    } == metrics
    record_metrics = [m for w in body["widgets"] for m in w["properties"]["metrics"] if m[0] == "BedrockTenant"]
    assert all(m[2:6] == ["tenant_id", "acme", "model_id", BASE["model_id"]] for m in record_metrics)


def test_code_zip_is_reproducible_and_holds_only_the_package(workspace: Workspace, placeholder_layer_zip: str) -> None:
    variables = inputs("defaults", placeholder_layer_zip)
    first, second = workspace.root(MODULE, variables), workspace.root(MODULE, variables)
    hashes = []
    for test in (first, second):  # two clean copies, each planned twice
        for _ in range(2):
            test.execute_command("plan", "-input=false", "-no-color", "-out=p.tfplan")  # raises on failure
            shown = json.loads(test.execute_command("show", "-json", "-no-color", "p.tfplan").out)
            hashes.append(shown["planned_values"]["outputs"]["code_sha256"]["value"])
    assert len(set(hashes)) == 1
    data = (Path(first.tfdir) / "builds" / "bedrock-tenant-acme-code.zip").read_bytes()
    assert base64.b64encode(hashlib.sha256(data).digest()).decode() == hashes[0]
    assert data == (Path(second.tfdir) / "builds" / "bedrock-tenant-acme-code.zip").read_bytes()
    with zipfile.ZipFile(Path(first.tfdir) / "builds" / "bedrock-tenant-acme-code.zip") as archive:
        names = archive.namelist()
    package = Path(workspace.directory) / "python" / "src"
    expected = sorted(p.relative_to(package).as_posix() for p in package.rglob("*") if p.suffix in {".py", ".typed"})
    assert names == expected
    assert "bedrock_tenant/handler.py" in names
    assert not any("__pycache__" in name for name in names)


def test_code_change_changes_the_hash(workspace: Workspace, placeholder_layer_zip: str, tmp_path: Path) -> None:
    source = tmp_path / "src"
    source.mkdir()
    package = Path(workspace.directory) / "python" / "src" / "bedrock_tenant"
    (source / "bedrock_tenant").mkdir()
    for path in package.glob("*.py"):
        (source / "bedrock_tenant" / path.name).write_bytes(path.read_bytes())
    original = workspace.plan(MODULE, {**inputs("defaults", placeholder_layer_zip), "source_dir": str(source)})
    (source / "bedrock_tenant" / "handler.py").write_text((package / "handler.py").read_text() + "\n# changed\n")
    changed = workspace.plan(MODULE, {**inputs("defaults", placeholder_layer_zip), "source_dir": str(source)})
    assert original.outputs["code_sha256"] != changed.outputs["code_sha256"]
    assert original.values["aws_lambda_function.this"]["source_code_hash"] == original.outputs["code_sha256"]
