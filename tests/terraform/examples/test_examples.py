"""Every example plans, with the resources and values its README promises."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

from tests.terraform.plan import Plan, Workspace

HAIKU = "anthropic.claude-3-5-haiku-20241022-v1:0"
NOVA = "amazon.nova-lite-v1:0"
# What customer-invoker plans per instance (with a dependency zip) and operations-role per tenant.
INVOKER = Counter(
    {
        "aws_kms_key": 1,
        "aws_kms_alias": 1,
        "aws_cloudwatch_log_group": 2,
        "aws_iam_role": 1,
        "aws_iam_role_policy": 1,
        "aws_sqs_queue": 1,
        "aws_lambda_layer_version": 1,
        "aws_lambda_function": 1,
        "aws_cloudwatch_dashboard": 1,
        "aws_cloudwatch_metric_alarm": 2,
    }
)
ROLE = Counter({"aws_iam_role": 1, "aws_iam_role_policy": 1})
PROFILE = Counter({"aws_bedrock_inference_profile": 1})


def times(counts: Counter[str], n: int) -> Counter[str]:
    return Counter({key: value * n for key, value in counts.items()})


def environment_is_known_after_apply(plan: Plan, address: str) -> bool:
    # The functions' environment names the operations role and inference profile
    # that the same apply creates, so examples plan it as unknown (the module tests
    # assert its contents).
    change = next(c for c in plan.raw["resource_changes"] if c["address"] == address)
    return bool(change["change"]["after_unknown"]["environment"][0]["variables"])


def test_complete(workspace: Workspace, placeholder_layer_zip: str) -> None:
    plan = workspace.plan(
        "examples/complete",
        {
            "tenants": {
                "acme": {"customer_account": "a", "model_id": HAIKU, "content_policy": "full"},
                "globex": {"customer_account": "b", "model_id": NOVA, "concurrency": 3},
                "initech": {"customer_account": "b", "model_id": NOVA},
            },
            "external_ids": {"acme": "a" * 32, "globex": "b" * 32, "initech": "c" * 32},
            "dependencies_zip_path": placeholder_layer_zip,
        },
    )
    assert Counter(plan.counts) == times(INVOKER + ROLE + PROFILE, 3)
    prefix = {"acme": 'module.tenants_in_account_a["acme"]', "globex": 'module.tenants_in_account_b["globex"]'}
    acme = f"{prefix['acme']}.module.invoker.aws_lambda_function.this"
    globex = f"{prefix['globex']}.module.invoker.aws_lambda_function.this"
    assert plan.values[acme]["function_name"] == "bedrock-tenant-acme"
    assert environment_is_known_after_apply(plan, acme)
    assert plan.values[globex]["reserved_concurrent_executions"] == 3
    assert plan.values[acme]["reserved_concurrent_executions"] == 10
    role = plan.values[f"{prefix['globex']}.module.operations_role.aws_iam_role.this"]
    assert (role["name"], role["path"]) == ("bedrock-tenant-globex", "/bedrock-tenants/")
    profile = plan.values[f"{prefix['acme']}.module.operations_role.aws_bedrock_inference_profile.this[0]"]
    assert profile["model_source"][0]["copy_from"].endswith(f"::foundation-model/{HAIKU}")
    assert set(plan.outputs) <= {"tenants"}  # known after apply; the output is declared
    assert "tenants" in plan.raw["output_changes"]


def test_single_tenant(workspace: Workspace, placeholder_layer_zip: str) -> None:
    plan = workspace.plan(
        "examples/single-tenant", {"external_id": "d" * 32, "dependencies_zip_path": placeholder_layer_zip}
    )
    assert Counter(plan.counts) == INVOKER + ROLE
    assert plan.values["module.operations_role.aws_iam_role.this"]["name"] == "bedrock-tenant-acme"
    function = plan.values["module.invoker.aws_lambda_function.this"]
    assert function["function_name"] == "bedrock-tenant-acme"
    assert (function["runtime"], function["reserved_concurrent_executions"]) == ("python3.12", 10)
    assert plan.outputs["invocation_log_group_name"] == "/bedrock-tenant/acme/invocations"


def test_enterprise_customer(workspace: Workspace, placeholder_layer_zip: str) -> None:
    plan = workspace.plan(
        "examples/enterprise-customer", {"external_id": "e" * 32, "dependencies_zip_path": placeholder_layer_zip}
    )
    assert Counter(plan.counts) == times(INVOKER, 3) + ROLE + PROFILE
    functions = {
        account: plan.values[f"module.invoker_{account}.aws_lambda_function.this"]
        for account in ("production", "analytics", "staging")
    }
    assert {a: f["function_name"] for a, f in functions.items()} == {
        "production": "globex-bedrock-production",
        "analytics": "globex-bedrock-analytics",
        "staging": "globex-bedrock-staging",
    }
    assert [functions[a]["reserved_concurrent_executions"] for a in ("production", "analytics", "staging")] == [
        50,
        10,
        2,
    ]
    # One role for the tenant, trusted from the three accounts' execution roles.
    assert plan.counts["aws_iam_role"] == 4
    trust = next(c for c in plan.raw["resource_changes"] if c["address"] == "module.operations_role.aws_iam_role.this")
    assert trust["change"]["after_unknown"]["assume_role_policy"] is True  # names roles created by the same apply
    assert plan.values["module.invoker_staging.aws_cloudwatch_log_group.invocations"]["retention_in_days"] == 30
    assert Path(plan.directory / "plan.json").exists()
