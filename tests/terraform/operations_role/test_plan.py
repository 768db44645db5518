"""modules/operations-role: planned values, policies and counts for each case.

Policies are asked what they allow (tests/terraform/policy.py) with the request
context AWS builds: a call through a cross-Region profile is authorised on the
profile in the source Region and on the foundation model in whichever Region
the profile routes it to, with bedrock:InferenceProfileArn set (Bedrock user
guide, "Geographic cross-Region inference" and "Global cross-Region inference").
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.terraform.plan import LazyPlans, Plan, Workspace, as_set, assert_subset, locals_override, statements
from tests.terraform.policy import Iam, Request

MODULE = "modules/operations-role"
CASES = yaml.safe_load((Path(__file__).parent / "cases.yaml").read_text())
BASE: dict[str, Any] = CASES["base"]
HAIKU, NOVA = BASE["allowed_model_ids"]
ACCOUNT = "123456789012"  # what the local STS answers for aws_caller_identity
INVOKE = "bedrock:InvokeModel"
STREAM = "bedrock:InvokeModelWithResponseStream"
# Regions a us. profile may route to, including ones the tenant never listed.
US_DESTINATIONS = ("us-east-1", "us-east-2", "us-west-1", "us-west-2")


def inputs(case: str) -> dict[str, Any]:
    return {**BASE, **CASES["cases"][case]["inputs"]}


def overrides(case: str) -> str | None:
    values = CASES["cases"][case].get("locals")
    return locals_override(values) if values else None


@pytest.fixture(scope="module")
def plans(workspace: Workspace) -> LazyPlans:
    return LazyPlans(workspace, MODULE, {case: (inputs(case), overrides(case)) for case in CASES["cases"]})


@pytest.mark.parametrize("case", list(CASES["cases"]))
def test_inventory(plans: LazyPlans, case: str) -> None:
    expected = CASES["cases"][case]
    plan = plans[case]
    assert plan.counts == expected["counts"]
    for address, values in expected.get("values", {}).items():
        assert address in plan.values, f"{address} not planned: {sorted(plan.values)}"
        assert_subset(plan.values[address], values, address)


def trust(plan: Plan) -> dict[str, Any]:
    [statement] = statements(plan.values["aws_iam_role.this"]["assume_role_policy"]).values()
    return statement


def policies(plan: Plan) -> list[str]:
    """Every Bedrock policy of the role (static and application-profile)."""
    return [values["policy"] for values in plan.of_type("aws_iam_role_policy").values()]


def fm(region: str, model: str, partition: str = "aws") -> str:
    return f"arn:{partition}:bedrock:{region}::foundation-model/{model}"


def system_profile(region: str, geography: str, model: str, partition: str = "aws", account: str = ACCOUNT) -> str:
    return f"arn:{partition}:bedrock:{region}:{account}:inference-profile/{geography}.{model}"


def through(profile_arn: str, **extra: str) -> dict[str, str]:
    return {"bedrock:InferenceProfileArn": profile_arn, **extra}


# --- trust ------------------------------------------------------------------------


def test_trust_names_the_customer_account_and_the_exact_role(plans: LazyPlans) -> None:
    statement = trust(plans["one_principal"])
    assert statement["Effect"] == "Allow"
    assert statement["Principal"] == {"AWS": "arn:aws:iam::222222222222:root"}
    assert as_set(statement["Action"]) == {"sts:AssumeRole"}
    assert statement["Condition"] == {
        "ArnEquals": {"aws:PrincipalArn": "arn:aws:iam::222222222222:role/acme-invoker"},
        "StringEquals": {"sts:ExternalId": BASE["external_id"]},
    }


def test_trust_admits_exactly_the_listed_roles_with_the_external_id(plans: LazyPlans, iam: Iam) -> None:
    plan = plans["three_principals_in_three_accounts"]
    policy = plan.values["aws_iam_role.this"]["assume_role_policy"]
    role_arn = plan.outputs["role_arn"]
    listed = inputs("three_principals_in_three_accounts")["trusted_principal_arns"]
    assert as_set(trust(plan)["Principal"]["AWS"]) == {
        f"arn:aws:iam::{account}:root" for account in ("222222222222", "333333333333", "444444444444")
    }
    right = {"sts:ExternalId": BASE["external_id"]}
    for role in listed:  # the path is part of a session's aws:PrincipalArn
        assert iam.trust_allows(policy, role_arn, role, right), role
        assert not iam.trust_allows(policy, role_arn, role, {"sts:ExternalId": "acme-wrong-external-id"})
        assert not iam.trust_allows(policy, role_arn, role, {})
    for stranger in (
        "arn:aws:iam::222222222222:role/other-workload",  # same account, other role
        "arn:aws:iam::444444444444:role/acme-batch",  # same name, other path
        "arn:aws:iam::444444444444:role/other/acme-batch",
        "arn:aws:iam::555555555555:role/acme-invoker",  # same name, other account
    ):
        assert not iam.trust_allows(policy, role_arn, stranger, right), stranger


def test_optional_trust_actions_and_organization_condition(plans: LazyPlans) -> None:
    trust_statements = statements(
        plans["permissions_boundary_and_hardening"].values["aws_iam_role.this"]["assume_role_policy"]
    )
    statement = trust_statements["TenantWorkloadsWithExternalId"]
    # sts:SetSourceIdentity and sts:TagSession have statements of their own, restricted to
    # the tenant's label and tags (test_cost.py), with every caller condition repeated.
    assert statement["Action"] == "sts:AssumeRole"
    assert trust_statements["TenantSourceIdentityOnly"]["Action"] == "sts:SetSourceIdentity"
    assert trust_statements["TenantSessionTagsOnly"]["Action"] == "sts:TagSession"
    for sid in ("TenantWorkloadsWithExternalId", "TenantSourceIdentityOnly", "TenantSessionTagsOnly"):
        assert trust_statements[sid]["Condition"]["StringEquals"] == {
            "sts:ExternalId": BASE["external_id"],
            "aws:PrincipalOrgID": "o-abcd123456",
        }, sid
        assert trust_statements[sid]["Condition"]["ArnEquals"] == {
            "aws:PrincipalArn": BASE["trusted_principal_arns"][0]
        }


def test_the_source_identity_names_only_this_tenant(plans: LazyPlans, iam: Iam) -> None:
    """Issue 22: the CloudTrail label of a session cannot name another tenant: tenant_id
    itself or <tenant_id>.<workload>; tenant ids hold no ".", so acme cannot be acme-eu."""
    plan = plans["permissions_boundary_and_hardening"]
    policy = plan.values["aws_iam_role.this"]["assume_role_policy"]
    assert statements(policy)["TenantSourceIdentityOnly"]["Condition"]["StringLike"] == {
        "sts:SourceIdentity": ["acme", "acme.*"]
    }
    caller = BASE["trusted_principal_arns"][0]
    for label, allowed in (
        ("acme", True),
        ("acme.batch", True),
        ("acme-eu", False),
        ("globex", False),
        ("acmex", False),
    ):
        context = {
            "sts:ExternalId": BASE["external_id"],
            "sts:SourceIdentity": label,
            "aws:PrincipalOrgID": "o-abcd123456",
        }
        decision = iam.trust_allows(policy, plan.outputs["role_arn"], caller, context, action="sts:SetSourceIdentity")
        assert decision is allowed, label


def test_trust_policy_is_known_at_plan_and_sensitive(plans: LazyPlans) -> None:
    plan = plans["one_principal"]
    assert plan.raw["planned_values"]["outputs"]["trust_policy_json"]["sensitive"] is True
    [change] = [c for c in plan.raw["resource_changes"] if c["address"] == "aws_iam_role.this"]
    assert change["change"]["after_sensitive"]["assume_role_policy"] is True


# --- permissions: direct and through system profiles ------------------------------


def test_direct_access_only_in_the_allowed_regions(plans: LazyPlans, iam: Iam) -> None:
    plan = plans["one_principal"]
    [policy] = policies(plan)
    # DenyBedrockApiKeys: in every Bedrock policy of the role (guardrail.tf, issue 14).
    assert set(statements(policy)) == {"InvokeFoundationModelsInAllowedRegions", "DenyBedrockApiKeys"}
    statement = statements(policy)["InvokeFoundationModelsInAllowedRegions"]
    assert as_set(statement["Action"]) == {INVOKE, STREAM}
    assert as_set(statement["Resource"]) == {fm(r, m) for r in ("us-east-1", "us-west-2") for m in (HAIKU, NOVA)}
    for action in (INVOKE, STREAM):
        assert iam.allows([policy], Request(action, fm("us-west-2", NOVA)))
    assert not iam.allows([policy], Request(INVOKE, fm("us-east-2", NOVA)))
    assert not iam.allows([policy], Request(INVOKE, fm("us-east-1", "meta.llama3-8b-instruct-v1:0")))
    assert not iam.allows([policy], Request("bedrock:CreateModelCustomizationJob", fm("us-east-1", NOVA)))


def test_a_us_profile_works_in_every_region_it_routes_to(plans: LazyPlans, iam: Iam) -> None:
    [policy] = policies(plans["cross_region_profiles"])
    for source in ("us-east-1", "us-west-2"):
        for model in (HAIKU, NOVA):
            profile = system_profile(source, "us", model)
            assert iam.allows([policy], Request(INVOKE, profile))
            assert iam.allows([policy], Request("bedrock:GetInferenceProfile", profile))
            for destination in US_DESTINATIONS:
                for action in (INVOKE, STREAM):
                    assert iam.allows([policy], Request(action, fm(destination, model), through(profile))), (
                        source,
                        destination,
                        model,
                    )


def test_routed_grants_need_an_allowed_profile(plans: LazyPlans, iam: Iam) -> None:
    [policy] = policies(plans["cross_region_profiles"])
    # Direct calls stay limited to the allowed Regions.
    assert not iam.allows([policy], Request(INVOKE, fm("us-east-2", HAIKU)))
    # Another account's profile, a geography not allowed, a model not allowed.
    assert not iam.allows(
        [policy],
        Request(
            INVOKE,
            fm("us-east-2", HAIKU),
            through(f"arn:aws:bedrock:us-east-1:999999999999:inference-profile/us.{HAIKU}"),
        ),
    )
    assert not iam.allows([policy], Request(INVOKE, system_profile("us-east-1", "eu", HAIKU)))
    assert not iam.allows(
        [policy], Request(INVOKE, fm("eu-west-1", HAIKU), through(system_profile("us-east-1", "eu", HAIKU)))
    )
    llama = "meta.llama3-8b-instruct-v1:0"
    assert not iam.allows([policy], Request(INVOKE, system_profile("us-east-1", "us", llama)))
    assert not iam.allows(
        [policy], Request(INVOKE, fm("us-east-2", llama), through(system_profile("us-east-1", "us", llama)))
    )


def test_global_profiles_reach_the_region_less_model(plans: LazyPlans, iam: Iam) -> None:
    [policy] = policies(plans["cross_region_profiles"])
    profile = system_profile("us-east-1", "global", NOVA)
    region_less = f"arn:aws:bedrock:::foundation-model/{NOVA}"
    context = through(profile, **{"aws:RequestedRegion": "unspecified"})
    assert iam.allows([policy], Request(INVOKE, region_less, context))
    statement = statements(policy)["InvokeModelsThroughGlobalProfiles"]
    assert as_set(statement["Resource"]) == {f"arn:aws:bedrock:::foundation-model/{m}" for m in (HAIKU, NOVA)}
    assert statement["Condition"]["StringEquals"]["aws:RequestedRegion"] == "unspecified"
    assert not iam.allows([policy], Request(INVOKE, region_less))
    # The routed statement's Region `*` matches the Region-less ARN too (IAM's `*`
    # matches nothing); the global statement is the form AWS documents, kept so the
    # grant does not hang on that reading.


def test_system_profile_outputs(plans: LazyPlans) -> None:
    outputs = plans["cross_region_profiles"].outputs
    assert outputs["system_inference_profile_arns"] == {
        f"{geo}.{model}": system_profile("us-east-1", geo, model) for geo in ("us", "global") for model in (HAIKU, NOVA)
    }
    assert set(outputs["invocable_resource_arns"]) == {
        *(fm(r, m) for r in ("us-east-1", "us-west-2") for m in (HAIKU, NOVA)),
        *(system_profile(r, g, m) for r in ("us-east-1", "us-west-2") for g in ("us", "global") for m in (HAIKU, NOVA)),
    }
    assert (
        plans["one_principal"].outputs["role_arn"] == f"arn:aws:iam::{ACCOUNT}:role/bedrock-tenants/bedrock-tenant-acme"
    )


# --- permissions: the application profile ---------------------------------------


def app_profile(case: str) -> str:
    return str(CASES["cases"][case]["locals"]["application_profile_arn"])


def test_an_exclusive_profile_is_the_only_way_in(plans: LazyPlans, iam: Iam) -> None:
    case = "application_profile_from_a_foundation_model"
    plan = plans[case]
    profile = app_profile(case)
    assert list(plan.of_type("aws_iam_role_policy")) == ["aws_iam_role_policy.application_profile[0]"]
    granted = policies(plan)
    assert iam.allows(granted, Request(INVOKE, profile))
    assert iam.allows(granted, Request(STREAM, profile))
    assert iam.allows(granted, Request(INVOKE, fm("us-east-1", NOVA), through(profile)))
    # No bypass: the model directly, another profile, or another Region.
    assert not iam.allows(granted, Request(INVOKE, fm("us-east-1", NOVA)))
    assert not iam.allows(granted, Request(INVOKE, system_profile("us-east-1", "us", NOVA)))
    assert not iam.allows(
        granted, Request(INVOKE, fm("us-east-1", NOVA), through(system_profile("us-east-1", "us", NOVA)))
    )
    other_tenant = "arn:aws:bedrock:us-east-1:123456789012:application-inference-profile/othertenant1"
    assert not iam.allows(granted, Request(INVOKE, other_tenant))
    assert not iam.allows(granted, Request(INVOKE, fm("us-east-1", NOVA), through(other_tenant)))
    # Copied from a foundation model, the profile serves only the provider's Region.
    assert not iam.allows(granted, Request(INVOKE, fm("us-west-2", NOVA), through(profile)))
    assert plan.outputs["invocable_resource_arns"] == [profile]
    assert plan.outputs["permissions_policy_json"] is None


def test_a_profile_copied_from_a_us_profile_reaches_every_destination(plans: LazyPlans, iam: Iam) -> None:
    case = "application_profile_from_a_us_profile"
    granted = policies(plans[case])
    profile = app_profile(case)
    for destination in US_DESTINATIONS:
        assert iam.allows(granted, Request(INVOKE, fm(destination, HAIKU), through(profile))), destination
        assert not iam.allows(granted, Request(INVOKE, fm(destination, HAIKU))), destination
    # Exclusive: the system profile it was copied from is not callable directly. (This case
    # passes operations_account, so its ARNs carry that account.)
    account = inputs(case)["operations_account"]["account_id"]
    assert not iam.allows(granted, Request(INVOKE, system_profile("us-east-1", "us", HAIKU, account=account)))


def test_a_profile_copied_from_a_global_profile_reaches_the_region_less_model(plans: LazyPlans, iam: Iam) -> None:
    case = "application_profile_from_a_global_profile"
    granted = policies(plans[case])
    profile = app_profile(case)
    model = inputs(case)["allowed_model_ids"][0]
    region_less = f"arn:aws:bedrock:::foundation-model/{model}"
    assert iam.allows(granted, Request(INVOKE, region_less, through(profile, **{"aws:RequestedRegion": "unspecified"})))
    assert iam.allows(granted, Request(INVOKE, fm("ap-southeast-2", model), through(profile)))
    assert not iam.allows(granted, Request(INVOKE, region_less, {"aws:RequestedRegion": "unspecified"}))


def test_a_non_exclusive_profile_keeps_the_other_access(plans: LazyPlans, iam: Iam) -> None:
    case = "application_profile_alongside_direct_access"
    granted = policies(plans[case])
    profile = app_profile(case)
    assert iam.allows(granted, Request(INVOKE, fm("us-east-1", HAIKU)))
    assert iam.allows(
        granted, Request(INVOKE, fm("us-east-2", HAIKU), through(system_profile("us-west-2", "us", HAIKU)))
    )
    assert iam.allows(granted, Request(INVOKE, fm("us-east-1", NOVA), through(profile)))


# --- partitions ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("case", "partition", "region"), [("aws_cn", "aws-cn", "cn-north-1"), ("aws_us_gov", "aws-us-gov", "us-gov-west-1")]
)
def test_other_partitions_use_their_own_arns(
    plans: LazyPlans, case: str, partition: str, region: str, iam: Iam
) -> None:
    plan = plans[case]
    statement = trust(plan)
    assert statement["Principal"] == {"AWS": f"arn:{partition}:iam::222222222222:root"}
    assert (
        statement["Condition"]["ArnEquals"]["aws:PrincipalArn"]
        == f"arn:{partition}:iam::222222222222:role/acme-invoker"
    )
    [policy] = policies(plan)
    model = inputs(case)["allowed_model_ids"][0]
    assert iam.allows([policy], Request(INVOKE, fm(region, model, partition)))
    assert not iam.allows([policy], Request(INVOKE, fm(region, model)))  # the aws partition's ARN
    assert plan.outputs["role_arn"] == f"arn:{partition}:iam::{ACCOUNT}:role/bedrock-tenants/bedrock-tenant-acme"
    if case == "aws_us_gov":
        profile = system_profile(region, "us-gov", model, partition)
        assert iam.allows([policy], Request(INVOKE, profile))
        assert iam.allows([policy], Request(INVOKE, fm("us-gov-east-1", model, partition), through(profile)))


def test_every_policy_is_valid_json_without_wildcard_actions(plans: LazyPlans) -> None:
    for case, plan in plans.items():
        for policy in policies(plan):
            for statement in json.loads(policy)["Statement"]:
                assert all("*" not in action for action in as_set(statement["Action"])), case
                # The only denies are the guards of guardrail.tf (issue 14).
                guards = {"DenyBedrockApiKeys", "DenyInvocationsWithoutTheTenantsGuardrail"}
                assert statement["Effect"] == "Allow" or statement["Sid"] in guards, case
