"""modules/operations-role: planned values, policies and counts for each case."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.terraform.plan import Plan, Workspace, as_set, assert_subset, statements

MODULE = "modules/operations-role"
CASES = yaml.safe_load((Path(__file__).parent / "cases.yaml").read_text())
BASE: dict[str, Any] = CASES["base"]
HAIKU, NOVA = BASE["allowed_model_ids"]
ACCOUNT = "123456789012"  # what the local STS answers for aws_caller_identity


def inputs(case: str) -> dict[str, Any]:
    return {**BASE, **CASES["cases"][case]["inputs"]}


@pytest.fixture(scope="module")
def plans(workspace: Workspace) -> dict[str, Plan]:
    return {case: workspace.plan(MODULE, inputs(case)) for case in CASES["cases"]}


@pytest.mark.parametrize("case", list(CASES["cases"]))
def test_inventory(plans: dict[str, Plan], case: str) -> None:
    expected = CASES["cases"][case]
    plan = plans[case]
    assert plan.counts == expected["counts"]
    for address, values in expected.get("values", {}).items():
        assert address in plan.values, f"{address} not planned: {sorted(plan.values)}"
        assert_subset(plan.values[address], values, address)


def trust(plan: Plan) -> dict[str, Any]:
    [statement] = statements(plan.values["aws_iam_role.this"]["assume_role_policy"]).values()
    return statement


def permissions(plan: Plan) -> dict[str, dict[str, Any]]:
    return statements(plan.values["aws_iam_role_policy.bedrock"]["policy"])


def foundation_arns(regions: list[str], models: list[str]) -> set[str]:
    return {f"arn:aws:bedrock:{region}::foundation-model/{model}" for region in regions for model in models}


def test_trust_policy_admits_exactly_the_principal_with_the_external_id(plans: dict[str, Plan]) -> None:
    statement = trust(plans["one_principal"])
    assert statement["Effect"] == "Allow"
    assert as_set(statement["Principal"]["AWS"]) == {"arn:aws:iam::222222222222:role/acme-invoker"}
    assert as_set(statement["Action"]) == {"sts:AssumeRole"}
    assert statement["Condition"] == {"StringEquals": {"sts:ExternalId": BASE["external_id"]}}


def test_trust_policy_lists_every_account_of_an_enterprise_tenant(plans: dict[str, Plan]) -> None:
    statement = trust(plans["three_principals_in_three_accounts"])
    assert as_set(statement["Principal"]["AWS"]) == set(
        inputs("three_principals_in_three_accounts")["trusted_principal_arns"]
    )
    assert statement["Condition"]["StringEquals"]["sts:ExternalId"] == BASE["external_id"]


def test_optional_trust_actions_and_organization_condition(plans: dict[str, Plan]) -> None:
    statement = trust(plans["permissions_boundary_and_hardening"])
    assert as_set(statement["Action"]) == {"sts:AssumeRole", "sts:SetSourceIdentity", "sts:TagSession"}
    assert statement["Condition"]["StringEquals"] == {
        "sts:ExternalId": BASE["external_id"],
        "aws:PrincipalOrgID": "o-abcd123456",
    }


def test_permissions_allow_exactly_invocation_of_two_models_in_two_regions(plans: dict[str, Plan]) -> None:
    policy = permissions(plans["one_principal"])
    assert set(policy) == {"InvokeAllowedModels"}
    statement = policy["InvokeAllowedModels"]
    assert statement["Effect"] == "Allow"
    assert as_set(statement["Action"]) == {"bedrock:InvokeModel", "bedrock:InvokeModelWithResponseStream"}
    expected = foundation_arns(["us-east-1", "us-west-2"], [HAIKU, NOVA])
    assert len(expected) == 4
    assert as_set(statement["Resource"]) == expected
    assert sorted(plans["one_principal"].outputs["invocable_resource_arns"]) == sorted(expected)


def test_cross_region_profiles_add_profile_arns_and_get_inference_profile(plans: dict[str, Plan]) -> None:
    policy = permissions(plans["cross_region_profiles"])
    profiles = {
        f"arn:aws:bedrock:{region}:{ACCOUNT}:inference-profile/{geo}.{model}"
        for region in ("us-east-1", "us-west-2")
        for geo in ("us", "global")
        for model in (HAIKU, NOVA)
    }
    region_less = {f"arn:aws:bedrock:::foundation-model/{model}" for model in (HAIKU, NOVA)}
    invoke = policy["InvokeAllowedModels"]
    assert (
        as_set(invoke["Resource"])
        == foundation_arns(["us-east-1", "us-west-2"], [HAIKU, NOVA]) | profiles | region_less
    )
    assert as_set(policy["ReadAllowedInferenceProfiles"]["Action"]) == {"bedrock:GetInferenceProfile"}
    assert as_set(policy["ReadAllowedInferenceProfiles"]["Resource"]) == profiles


def test_application_profile_is_invocable_and_reported(plans: dict[str, Plan]) -> None:
    plan = plans["application_inference_profile"]
    changes = plan.raw["output_changes"]
    invocable = changes["invocable_resource_arns"]
    # The static ARNs are known at plan; the profile's own ARN is known after apply.
    assert invocable["after"][:-1] == sorted(foundation_arns(["us-east-1", "us-west-2"], [HAIKU, NOVA]))
    assert invocable["after_unknown"][-1] is True
    assert changes["inference_profile_arn"]["after_unknown"] is True
    assert plans["one_principal"].raw["output_changes"]["inference_profile_arn"]["after"] is None


def test_external_id_is_sensitive_in_outputs(plans: dict[str, Plan]) -> None:
    output = plans["one_principal"].raw["planned_values"]["outputs"]["trust_policy_json"]
    assert output["sensitive"] is True
