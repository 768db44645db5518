"""modules/customer-invoker: the guardrail the operations role requires reaches the runtime."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.terraform.customer_invoker.test_plan import BASE, ENVIRONMENT, MODULE
from tests.terraform.plan import Plan, Workspace

OPERATIONS_ACCOUNT = BASE["operations_role_arn"].split(":")[4]
GUARDRAIL = f"arn:aws:bedrock:us-east-1:{OPERATIONS_ACCOUNT}:guardrail/abc123def456"


@pytest.fixture(scope="module")
def guarded(workspace: Workspace, placeholder_layer_zip: str) -> Plan:
    inputs = {
        **BASE,
        "dependencies_zip_path": placeholder_layer_zip,
        "guardrail_arn": GUARDRAIL,
        "guardrail_version": "3",
        "guardrail_trace": False,
    }
    return workspace.plan(MODULE, inputs)


def test_the_function_names_the_guardrail_and_the_dashboard_counts_interventions(guarded: Plan) -> None:
    variables = guarded.values["aws_lambda_function.this"]["environment"][0]["variables"]
    assert set(variables) - ENVIRONMENT == {
        "BEDROCK_TENANT_GUARDRAIL_IDENTIFIER",
        "BEDROCK_TENANT_GUARDRAIL_VERSION",
        "BEDROCK_TENANT_GUARDRAIL_TRACE",
    }
    assert variables["BEDROCK_TENANT_GUARDRAIL_IDENTIFIER"] == GUARDRAIL
    assert variables["BEDROCK_TENANT_GUARDRAIL_VERSION"] == "3"
    assert variables["BEDROCK_TENANT_GUARDRAIL_TRACE"] == "disabled"
    body = json.loads(guarded.values["aws_cloudwatch_dashboard.this[0]"]["dashboard_body"])
    [widget] = [w for w in body["widgets"] if w["properties"]["title"] == "Guardrail interventions"]
    [metric] = widget["properties"]["metrics"]
    assert metric[:2] == [BASE.get("metric_namespace", "BedrockTenant"), "guardrail_interventions"]


@pytest.mark.parametrize(
    ("inputs", "phrases"),
    [
        ({"guardrail_arn": GUARDRAIL}, ["guardrail_arn and guardrail_version must be set together"]),
        ({"guardrail_version": "3"}, ["guardrail_arn and guardrail_version must be set together"]),
        ({"guardrail_arn": GUARDRAIL, "guardrail_version": "DRAFT"}, ["guardrail_version", "numbered version"]),
        ({"guardrail_arn": f"{GUARDRAIL}:3", "guardrail_version": "3"}, ["guardrail_arn", "without version"]),
        (
            {"guardrail_arn": GUARDRAIL.replace("us-east-1", "us-west-2"), "guardrail_version": "3"},
            ["must be in bedrock_region (us-east-1)"],
        ),
    ],
    ids=["arn without version", "version without arn", "draft", "versioned arn", "other region"],
)
def test_a_guardrail_the_function_could_not_use_fails_the_plan(
    workspace: Workspace, placeholder_layer_zip: str, inputs: dict[str, Any], phrases: list[str]
) -> None:
    output = workspace.plan_error(MODULE, {**BASE, "dependencies_zip_path": placeholder_layer_zip, **inputs})
    for phrase in phrases:
        assert phrase in output, f"{phrase!r} not in: {output[-1500:]}"
