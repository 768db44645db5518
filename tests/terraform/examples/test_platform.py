"""examples/platform: tenant files become operations roles, one shard per plan.

Tenant files are written to a temporary directory per test (``tenants_dir``);
the shards file names the local STS's account, so the provider's
``allowed_account_ids`` check passes. The 1,000 and 5,000 tenant plans are in
``benchmarks/terraform_scale.py``, not here.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
import tftest
import yaml

from tests.terraform.plan import Plan, Workspace, error_text, statements, summarize
from tests.terraform.policy import PLAN_ACCOUNT, Iam
from tests.toolchain import REPO

EXAMPLE = "examples/platform"
HAIKU = "anthropic.claude-3-5-haiku-20241022-v1:0"
NOVA = "amazon.nova-lite-v1:0"
MICRO = "amazon.nova-micro-v1:0"
CASES = yaml.safe_load((Path(__file__).parent / "platform_cases.yaml").read_text())
SUPPLIED = "supplied-external-id-0123456789abcdef"  # must never reach plan output or the handover


def tenant(tenant_id: str, shard: str, customer: str = "111122223333", **fields: Any) -> dict[str, Any]:
    return {
        "tenant_id": tenant_id,
        "shard": shard,
        "customer_account_id": customer,
        "trusted_role_arns": [f"arn:aws:iam::{customer}:role/bedrock-tenant-{tenant_id}-execution"],
        "models": [NOVA],
        "regions": ["us-east-1"],
        **fields,
    }


def write_platform(directory: Path, tenants: list[dict[str, Any]], account: str = PLAN_ACCOUNT) -> dict[str, str]:
    """Tenant files and a shards file under ``directory``; the variables that point at them."""
    tenants_dir = directory / "tenants"
    tenants_dir.mkdir(parents=True)
    for document in tenants:
        (tenants_dir / f"{document['tenant_id']}.yaml").write_text(yaml.safe_dump(document))
    shards = directory / "shards.yaml"
    shards.write_text(
        yaml.safe_dump(
            {
                "ops-1": {"account_id": account, "region": "us-east-1"},
                "ops-2": {"account_id": account, "region": "us-east-1", "cloudtrail_log_group_name": "ops-2-trail"},
            }
        )
    )
    return {"tenants_dir": str(tenants_dir), "shards_file": str(shards)}


def plan_with_output(workspace: Workspace, variables: dict[str, Any]) -> tuple[Plan, str]:
    """The plan, and what `terraform plan` printed (to look for secrets in it)."""
    test = workspace.root(EXAMPLE, variables)
    plan_file = Path(test.tfdir) / "test.tfplan"
    printed = test.execute_command("plan", "-input=false", "-no-color", f"-out={plan_file}").out
    raw = json.loads(test.execute_command("show", "-no-color", "-json", str(plan_file)).out)
    return summarize(raw, Path(test.tfdir)), printed


def role_names(plan: Plan) -> set[str]:
    return {values["name"] for values in plan.of_type("aws_iam_role").values()}


def handover(plan: Plan) -> dict[str, Any]:
    """The handover output's known values (an application profile's ARN is known only after apply)."""
    return dict(plan.raw["output_changes"]["handover"]["after"])


def after_unknown(plan: Plan, address: str) -> dict[str, Any]:
    change = next(c for c in plan.raw["resource_changes"] if c["address"] == address)
    return dict(change["change"]["after_unknown"])


PLATFORM = [
    tenant("acme", "ops-1", models=[HAIKU], inference_scope="us", content_policy="full"),
    tenant("globex", "ops-1", customer="444455556666"),
    tenant(
        "hooli",
        "ops-1",
        customer="444455556666",
        trusted_role_arns=[
            "arn:aws:iam::444455556666:role/bedrock-tenant-hooli-execution",
            "arn:aws:iam::444455556666:role/batch/hooli-batch",
        ],
        models=[NOVA, MICRO],
        regions=["us-east-1", "us-west-2"],
        application_profile=False,
        content_policy="none",
    ),
    # initech's first Region is not its shard's; "u" is a one-character tenant id.
    tenant(
        "initech",
        "ops-2",
        models=[HAIKU],
        regions=["us-west-2", "us-east-1"],
        inference_scope="us",
        application_profile=False,
    ),
    tenant("u", "ops-2", external_id_version=3),
]


@pytest.fixture(scope="module")
def platform(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    return write_platform(tmp_path_factory.mktemp("platform"), PLATFORM)


@pytest.fixture(scope="module")
def shard_one(workspace: Workspace, platform: dict[str, str]) -> tuple[Plan, str]:
    # Exactly at the quota (3 roles, max 3): allowed.
    variables = {**platform, "shard": "ops-1", "max_roles_per_account": 3, "external_ids": {"hooli": SUPPLIED}}
    return plan_with_output(workspace, variables)


def test_a_shard_plans_exactly_its_own_tenants(shard_one: tuple[Plan, str]) -> None:
    plan, _ = shard_one
    assert role_names(plan) == {"bedrock-tenant-acme", "bedrock-tenant-globex", "bedrock-tenant-hooli"}
    # hooli's id is supplied, the two others are generated; acme and globex have profiles.
    assert Counter(plan.counts) == Counter(
        {
            "aws_iam_role": 3,
            "aws_iam_role_policy": 3,
            "aws_bedrock_inference_profile": 2,
            "random_password": 2,
            "terraform_data": 1,
        }
    )
    assert set(plan.of_type("random_password")) == {
        'random_password.external_id["acme"]',
        'random_password.external_id["globex"]',
    }
    assert plan.outputs["shard"] == {
        "name": "ops-1",
        "account_id": PLAN_ACCOUNT,
        "region": "us-east-1",
        "tenant_roles": 3,
        "max_roles_per_account": 3,
    }
    for values in plan.of_type("aws_iam_role").values():
        assert values["tags"]["Shard"] == "ops-1"


def test_the_other_shard_plans_only_its_tenants(workspace: Workspace, platform: dict[str, str]) -> None:
    plan = workspace.plan(EXAMPLE, {**platform, "shard": "ops-2"})
    assert role_names(plan) == {"bedrock-tenant-initech", "bedrock-tenant-u"}
    assert Counter(plan.counts) == Counter(
        {
            "aws_iam_role": 2,
            "aws_iam_role_policy": 2,
            "aws_bedrock_inference_profile": 1,
            "random_password": 2,
            "terraform_data": 1,
            # Only ops-2 names a CloudTrail log group: refused AssumeRole calls are counted there.
            "aws_cloudwatch_log_metric_filter": 1,
            "aws_cloudwatch_metric_alarm": 1,
        }
    )
    assert plan.one("aws_cloudwatch_log_metric_filter")["log_group_name"] == "ops-2-trail"
    assert (
        f"arn:aws:iam::{PLAN_ACCOUNT}:role/bedrock-tenants/bedrock-tenant-*"
        in (plan.one("aws_cloudwatch_log_metric_filter")["pattern"])
    )
    # Rotation: the file's external_id_version is the password's keeper.
    assert plan.values['random_password.external_id["u"]']["keepers"] == {"version": "3"}
    assert plan.values['random_password.external_id["initech"]']["keepers"] == {"version": "1"}
    # initech routes through the US system profile without an application profile, in its
    # first Region, which is not the shard's (issue 22: the bundle named no profile then).
    bundles = handover(plan)
    assert (bundles["initech"]["bedrock_region"], bundles["initech"]["inference_profile_arn"]) == (
        "us-west-2",
        f"arn:aws:bedrock:us-west-2:{PLAN_ACCOUNT}:inference-profile/us.{HAIKU}",
    )
    # A one-character tenant id gets a source identity STS and customer-invoker accept (2-64).
    assert bundles["u"]["source_identity"] == "u.invoker"
    policy = plan.values['module.operations_role["initech"].aws_iam_role_policy.bedrock[0]']["policy"]
    assert "InvokeAllowedSystemInferenceProfiles" in statements(policy)


def test_external_ids_are_generated_secret_and_never_printed(shard_one: tuple[Plan, str], iam: Iam) -> None:
    plan, printed = shard_one
    for address, values in plan.of_type("random_password").items():
        assert (values["length"], values["special"]) == (32, False), address
        change = next(c for c in plan.raw["resource_changes"] if c["address"] == address)
        assert change["change"]["after_sensitive"]["result"] is True
        # The role's trust policy waits for the generated id.
        tenant_id = address.split('"')[1]
        role = f'module.operations_role["{tenant_id}"].aws_iam_role.this'
        assert after_unknown(plan, role)["assume_role_policy"] is True
    assert SUPPLIED not in printed
    assert SUPPLIED not in json.dumps(handover(plan))
    # The supplied id is the one the role demands.
    role_arn = f"arn:aws:iam::{PLAN_ACCOUNT}:role/bedrock-tenants/bedrock-tenant-hooli"
    trust = plan.values['module.operations_role["hooli"].aws_iam_role.this']["assume_role_policy"]
    for caller in ("role/bedrock-tenant-hooli-execution", "role/batch/hooli-batch"):
        caller_arn = f"arn:aws:iam::444455556666:{caller}"
        assert iam.trust_allows(trust, role_arn, caller_arn, {"sts:ExternalId": SUPPLIED}), caller
        assert not iam.trust_allows(trust, role_arn, caller_arn, {"sts:ExternalId": "another-external-id-0000"})
    # globex shares hooli's customer account; its role is not hooli's to assume.
    assert not iam.trust_allows(
        trust, role_arn, "arn:aws:iam::444455556666:role/bedrock-tenant-globex-execution", {"sts:ExternalId": SUPPLIED}
    )


def test_the_handover_names_what_the_customer_configures(shard_one: tuple[Plan, str]) -> None:
    plan, _ = shard_one
    bundles = handover(plan)
    assert bundles["hooli"] == {
        "tenant_id": "hooli",
        "shard": "ops-1",
        "operations_account_id": PLAN_ACCOUNT,
        "operations_role_arn": f"arn:aws:iam::{PLAN_ACCOUNT}:role/bedrock-tenants/bedrock-tenant-hooli",
        "inference_profile_arn": None,
        "bedrock_region": "us-east-1",
        "model_id": NOVA,
        "allowed_model_ids": [NOVA, MICRO],
        "allowed_regions": ["us-east-1", "us-west-2"],
        "content_policy": "none",
        "source_identity": "hooli",
        "external_id": {
            "delivery": "separately, over the channel agreed with the customer",
            "source": "terraform output -json external_ids (shard ops-1), key hooli",
            "version": 1,
        },
    }
    # The application profile's ARN is known after apply; the role's at plan.
    assert bundles["acme"]["operations_role_arn"].endswith(":role/bedrock-tenants/bedrock-tenant-acme")
    profile = plan.values['module.operations_role["acme"].aws_bedrock_inference_profile.this[0]']
    assert (
        profile["model_source"][0]["copy_from"]
        == f"arn:aws:bedrock:us-east-1:{PLAN_ACCOUNT}:inference-profile/us.{HAIKU}"
    )


def test_malformed_tenant_files_are_refused_naming_file_and_field(workspace: Workspace, tmp_path: Path) -> None:
    variables = write_platform(tmp_path, [tenant("good", "ops-1")])
    tenants_dir = Path(variables["tenants_dir"])
    for name, case in CASES["files"].items():
        tenant_id = name.rsplit(".", 1)[0]
        if "text" in case:
            text = case["text"]
        else:
            document = {k: v for k, v in tenant(tenant_id, "ops-1").items() if k not in case.get("drop", [])}
            text = yaml.safe_dump({**document, **case.get("fields", {})}) + case.get("append", "")
        (tenants_dir / name).write_text(text)
    error = workspace.plan_error(EXAMPLE, {**variables, "shard": "ops-1", "external_ids": {"ghost": SUPPLIED}})
    for name, case in CASES["files"].items():
        assert f"{tenants_dir}/{case['message']}" in error, name
    assert "good.yaml" not in error  # a valid file beside them is not blamed
    assert "external_ids: ghost has no tenant file" in error
    assert SUPPLIED not in error


@pytest.mark.parametrize(
    ("variables", "message"),
    [
        pytest.param(
            {"shard": "ops-1", "max_roles_per_account": 2},
            "shard ops-1 would hold 3 tenant roles, more than max_roles_per_account (2)",
            id="over quota",
        ),
        pytest.param({"shard": "ops-9"}, "shard ops-9 is not in", id="unknown shard"),
    ],
)
def test_a_shard_the_checks_refuse(
    workspace: Workspace, platform: dict[str, str], variables: dict[str, Any], message: str
) -> None:
    assert message in workspace.plan_error(EXAMPLE, {**platform, **variables})


def test_credentials_of_another_account_are_refused(workspace: Workspace, tmp_path: Path) -> None:
    variables = write_platform(tmp_path, [tenant("acme", "ops-1")], account="999999999999")
    error = workspace.plan_error(EXAMPLE, {**variables, "shard": "ops-1"})
    assert "not allowed" in error
    assert PLAN_ACCOUNT in error


def test_a_workspace_holds_only_its_own_shard(workspace: Workspace, platform: dict[str, str]) -> None:
    test = workspace.root(EXAMPLE, {**platform, "shard": "ops-1"})
    test.execute_command("workspace", "new", "ops-2")
    with pytest.raises(tftest.TerraformTestError) as refused:
        test.plan(output=False)
    assert "Workspace ops-2 holds another shard's state" in error_text(" ".join(map(str, refused.value.args)))


def test_the_shipped_tenant_files_plan(workspace: Workspace) -> None:
    plan = workspace.plan(EXAMPLE, {"shard": "ops-1"})
    assert role_names(plan) == {"bedrock-tenant-acme", "bedrock-tenant-globex"}
    assert plan.counts["random_password"] == 2


def test_the_readme_documents_every_tenant_field() -> None:
    main = (REPO / EXAMPLE / "main.tf").read_text()
    declared = json.loads(main.split("tenant_fields   = ", 1)[1].split("\n", 1)[0])
    readme = (REPO / EXAMPLE / "README.md").read_text()
    documented = re.findall(r"^\| `([a-z_]+)` \|", readme, flags=re.MULTILINE)
    assert documented == declared
