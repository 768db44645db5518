"""Every example plans, with the resources and values its README promises."""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

from tests.terraform.plan import Plan, Workspace, as_set, statements
from tests.terraform.policy import Iam, Request

HAIKU = "anthropic.claude-3-5-haiku-20241022-v1:0"
NOVA = "amazon.nova-lite-v1:0"
ACCOUNT = "123456789012"  # every provider alias reaches the same local STS at plan
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
# content_policy full adds customer-invoker's data protection policies (the invocation log
# group and the function's, where a record can land as the last resort) and its findings log group.
DATA_PROTECTION = Counter({"aws_cloudwatch_log_group": 1, "aws_cloudwatch_log_data_protection_policy": 2})


def times(counts: Counter[str], n: int) -> Counter[str]:
    return Counter({key: value * n for key, value in counts.items()})


def environment_is_known_after_apply(plan: Plan, address: str) -> bool:
    # The functions' environment names the inference profile that the same apply
    # creates, so examples plan it as unknown (the module tests assert its contents).
    change = next(c for c in plan.raw["resource_changes"] if c["address"] == address)
    return bool(change["change"]["after_unknown"]["environment"][0]["variables"])


def trust_of(plan: Plan, address: str) -> dict[str, Any]:
    """The AssumeRole statement; every other statement (SetSourceIdentity, TagSession)
    carries the same principal and caller conditions."""
    trust = statements(plan.values[address]["assume_role_policy"])
    assume = trust["TenantWorkloadsWithExternalId"]
    for statement in trust.values():
        assert statement["Principal"] == assume["Principal"]
        assert statement["Condition"]["ArnEquals"] == assume["Condition"]["ArnEquals"]
        assert (
            statement["Condition"]["StringEquals"]["sts:ExternalId"]
            == assume["Condition"]["StringEquals"]["sts:ExternalId"]
        )
    return assume


def test_complete(workspace: Workspace, placeholder_layer_zip: str) -> None:
    plan = workspace.plan(
        "examples/complete",
        {
            "tenants": {
                "acme": {
                    "customer_account": "a",
                    "model_id": HAIKU,
                    "inference_profile_geography": "us",
                    "content_policy": "full",
                },
                "globex": {"customer_account": "b", "model_id": NOVA, "concurrency": 3},
                "initech": {"customer_account": "b", "model_id": NOVA},
            },
            "external_ids": {"acme": "a" * 32, "globex": "b" * 32, "initech": "c" * 32},
            "dependencies_zip_path": placeholder_layer_zip,
        },
    )
    assert Counter(plan.counts) == times(INVOKER + ROLE + PROFILE, 3) + DATA_PROTECTION  # acme is full
    prefix = {
        "acme": 'module.tenants_in_account_a["acme"]',
        "globex": 'module.tenants_in_account_b["globex"]',
        "initech": 'module.tenants_in_account_b["initech"]',
    }
    acme = f"{prefix['acme']}.module.invoker.aws_lambda_function.this"
    globex = f"{prefix['globex']}.module.invoker.aws_lambda_function.this"
    assert plan.values[acme]["function_name"] == "bedrock-tenant-acme"
    assert environment_is_known_after_apply(plan, acme)  # the profile's ARN
    assert plan.values[globex]["reserved_concurrent_executions"] == 3
    assert plan.values[acme]["reserved_concurrent_executions"] == -1  # unreserved by default
    role = plan.values[f"{prefix['globex']}.module.operations_role.aws_iam_role.this"]
    assert (role["name"], role["path"]) == ("bedrock-tenant-globex", "/bedrock-tenants/")
    # Trust is known at plan: the execution role's ARN is built from names.
    for tenant, address in prefix.items():
        statement = trust_of(plan, f"{address}.module.operations_role.aws_iam_role.this")
        assert statement["Principal"] == {"AWS": f"arn:aws:iam::{ACCOUNT}:root"}
        assert statement["Condition"]["ArnEquals"] == {
            "aws:PrincipalArn": f"arn:aws:iam::{ACCOUNT}:role/bedrock-tenant-{tenant}-execution"
        }
        # Every tenant's profile is exclusive: its only Bedrock policy is the profile's.
        assert [
            a.rsplit(".", 1)[-1]
            for a in plan.of_type("aws_iam_role_policy")
            if a.startswith(f"{address}.module.operations_role")
        ] == ["application_profile[0]"]
    profile = plan.values[f"{prefix['acme']}.module.operations_role.aws_bedrock_inference_profile.this[0]"]
    assert (
        profile["model_source"][0]["copy_from"] == f"arn:aws:bedrock:us-east-1:{ACCOUNT}:inference-profile/us.{HAIKU}"
    )
    profile = plan.values[f"{prefix['globex']}.module.operations_role.aws_bedrock_inference_profile.this[0]"]
    assert profile["model_source"][0]["copy_from"] == f"arn:aws:bedrock:us-east-1::foundation-model/{NOVA}"
    assert set(plan.outputs) <= {"tenants"}  # known after apply; the output is declared
    assert "tenants" in plan.raw["output_changes"]


def test_complete_without_profiles_routes_through_the_system_profile(
    workspace: Workspace, placeholder_layer_zip: str, iam: Iam
) -> None:
    plan = workspace.plan(
        "examples/complete",
        {
            "tenants": {"acme": {"customer_account": "a", "model_id": HAIKU, "inference_profile_geography": "us"}},
            "external_ids": {"acme": "a" * 32},
            "create_inference_profiles": False,
            "dependencies_zip_path": placeholder_layer_zip,
        },
    )
    assert Counter(plan.counts) == INVOKER + ROLE
    tenant = 'module.tenants_in_account_a["acme"]'
    us_profile = f"arn:aws:bedrock:us-east-1:{ACCOUNT}:inference-profile/us.{HAIKU}"
    variables = plan.values[f"{tenant}.module.invoker.aws_lambda_function.this"]["environment"][0]["variables"]
    assert variables["BEDROCK_TENANT_INFERENCE_PROFILE_ARN"] == us_profile
    assert variables["BEDROCK_TENANT_MODEL_ID"] == HAIKU
    policy = plan.values[f"{tenant}.module.operations_role.aws_iam_role_policy.bedrock[0]"]["policy"]
    for destination in ("us-east-1", "us-east-2", "us-west-1", "us-west-2"):
        model = f"arn:aws:bedrock:{destination}::foundation-model/{HAIKU}"
        assert iam.allows([policy], Request("bedrock:InvokeModel", model, {"bedrock:InferenceProfileArn": us_profile}))


def test_single_tenant(workspace: Workspace, placeholder_layer_zip: str, iam: Iam) -> None:
    plan = workspace.plan(
        "examples/single-tenant", {"external_id": "d" * 32, "dependencies_zip_path": placeholder_layer_zip}
    )
    assert Counter(plan.counts) == INVOKER + ROLE
    assert plan.values["module.operations_role.aws_iam_role.this"]["name"] == "bedrock-tenant-acme"
    function = plan.values["module.invoker.aws_lambda_function.this"]
    assert function["function_name"] == "bedrock-tenant-acme"
    assert (function["runtime"], function["reserved_concurrent_executions"]) == ("python3.12", -1)
    assert function["environment"][0]["variables"]["BEDROCK_TENANT_MODEL_ID"] == NOVA
    assert plan.outputs["invocation_log_group_name"] == "/bedrock-tenant/acme/invocations"
    policy = plan.values["module.operations_role.aws_iam_role_policy.bedrock[0]"]["policy"]
    assert iam.allows([policy], Request("bedrock:InvokeModel", f"arn:aws:bedrock:us-east-1::foundation-model/{NOVA}"))


def test_enterprise_customer(workspace: Workspace, placeholder_layer_zip: str) -> None:
    plan = workspace.plan(
        "examples/enterprise-customer", {"external_id": "e" * 32, "dependencies_zip_path": placeholder_layer_zip}
    )
    # Staging keeps no dead-letter queue.
    assert Counter(plan.counts) == times(INVOKER, 3) - Counter({"aws_sqs_queue": 1}) + ROLE + PROFILE
    functions = {
        account: plan.values[f"module.invoker_{account}.aws_lambda_function.this"]
        for account in ("production", "analytics", "staging")
    }
    assert {a: f["function_name"] for a, f in functions.items()} == {
        "production": "globex-bedrock-production",
        "analytics": "globex-bedrock-analytics",
        "staging": "globex-bedrock-staging",
    }
    assert [f["reserved_concurrent_executions"] for f in functions.values()] == [-1, -1, -1]
    assert functions["staging"]["dead_letter_config"] == []
    # One role for the tenant, trusted from the three accounts' execution roles,
    # known at plan, so the operations side can apply first.
    assert plan.counts["aws_iam_role"] == 4
    statement = trust_of(plan, "module.operations_role.aws_iam_role.this")
    assert as_set(statement["Condition"]["ArnEquals"]["aws:PrincipalArn"]) == {
        f"arn:aws:iam::{ACCOUNT}:role/globex-bedrock-{account}-execution" for account in functions
    }
    profile = plan.values["module.operations_role.aws_bedrock_inference_profile.this[0]"]
    assert profile["model_source"][0]["copy_from"] == f"arn:aws:bedrock:us-east-1::foundation-model/{NOVA}"
    assert plan.values["module.invoker_staging.aws_cloudwatch_log_group.invocations"]["retention_in_days"] == 30
    assert Path(plan.directory / "plan.json").exists()
