"""modules/operations-role: cost allocation tags, session tags restricted to the
tenant's own values, and the optional AWS Budgets budget."""

from __future__ import annotations

from typing import Any

import pytest

from tests.terraform.operations_role.test_plan import ACCOUNT, BASE, MODULE
from tests.terraform.plan import BadInputs, LazyPlans, Plan, Workspace, statements
from tests.terraform.policy import Iam

CALLER = BASE["trusted_principal_arns"][0]
NOVA = BASE["allowed_model_ids"][1]
# A budget needs the exclusive application profile: one model, one Region, no geographies.
EXCLUSIVE = {
    "allowed_model_ids": [NOVA],
    "allowed_regions": BASE["allowed_regions"][:1],
    "application_inference_profile": {"model_id": NOVA},
}
TAGGED = {
    **BASE,
    **EXCLUSIVE,
    "role_name_prefix": "finance-",
    "allow_session_tags": True,
    "cost_center": "cc-4711",
    "monthly_budget_usd": 500,
    "budget_notification_fractions": [0.5, 0.8, 1],
    "budget_notification_emails": ["finops@example.com"],
}


@pytest.fixture(scope="module")
def plans(workspace: Workspace) -> LazyPlans:
    return LazyPlans(workspace, MODULE, {"tagged": (TAGGED, None), "plain": (BASE, None)})


def trust_policy(plan: Plan) -> str:
    return str(plan.values["aws_iam_role.this"]["assume_role_policy"])


def role_arn(plan: Plan) -> str:
    return f"arn:aws:iam::{ACCOUNT}:role/{plan.values['aws_iam_role.this']['name']}"


def tag_request(**tags: str) -> dict[str, Any]:
    context: dict[str, Any] = {"sts:ExternalId": BASE["external_id"], "aws:TagKeys": list(tags)}
    context.update({f"aws:RequestTag/{key}": value for key, value in tags.items()})
    return context


def test_the_role_carries_its_cost_allocation_tags(plans: LazyPlans) -> None:
    plan = plans["tagged"]
    assert plan.values["aws_iam_role.this"]["tags"] == {"TenantId": "acme", "CostCenter": "cc-4711"}
    assert plan.raw["planned_values"]["outputs"]["cost_allocation_tags"]["value"] == {
        "TenantId": "acme",
        "CostCenter": "cc-4711",
    }


def test_session_tags_are_limited_to_the_tenants_own_values_in_the_plan(plans: LazyPlans) -> None:
    trust = statements(trust_policy(plans["tagged"]))
    assert "sts:TagSession" not in trust["TenantWorkloadsWithExternalId"]["Action"]
    tags = trust["TenantSessionTagsOnly"]
    assert tags["Action"] == "sts:TagSession"
    assert tags["Condition"]["StringEquals"] == {"sts:ExternalId": BASE["external_id"]}
    assert tags["Condition"]["StringEqualsIfExists"] == {
        "aws:RequestTag/TenantId": "acme",
        "aws:RequestTag/CostCenter": "cc-4711",
    }
    assert sorted(tags["Condition"]["ForAllValues:StringEquals"]["aws:TagKeys"]) == ["CostCenter", "TenantId"]
    assert tags["Condition"]["ArnEquals"] == {"aws:PrincipalArn": CALLER}


@pytest.mark.parametrize(
    ("tags", "allowed"),
    [
        ({"TenantId": "acme"}, True),
        ({"TenantId": "acme", "CostCenter": "cc-4711"}, True),
        ({"TenantId": "globex"}, False),  # another tenant's id
        ({"TenantId": "acme", "CostCenter": "cc-0001"}, False),  # another cost centre
        ({"TenantId": "acme", "Project": "x"}, False),  # a key it may not set
        ({"CostCenter": "cc-4711"}, True),  # the role's TenantId tag still applies
        ({"CostCenter": "cc-0001"}, False),
        ({"TenantId": "globex", "CostCenter": "cc-4711"}, False),
    ],
    ids=[
        "own id",
        "own id and cost centre",
        "other tenant",
        "other cost centre",
        "extra key",
        "own cost centre alone",
        "other cost centre alone",
        "other tenant with own cost centre",
    ],
)
def test_the_trust_policy_refuses_another_tenants_tags(
    plans: LazyPlans, iam: Iam, tags: dict[str, str], allowed: bool
) -> None:
    plan = plans["tagged"]
    decision = iam.trust_allows(
        trust_policy(plan), role_arn(plan), CALLER, tag_request(**tags), action="sts:TagSession"
    )
    assert decision is allowed
    # The AssumeRole itself is still allowed: it is the tagging that is refused.
    assert iam.trust_allows(trust_policy(plan), role_arn(plan), CALLER, tag_request(**tags))


def test_session_tags_need_the_external_id_and_the_listed_role(plans: LazyPlans, iam: Iam) -> None:
    plan = plans["tagged"]
    context = tag_request(TenantId="acme")
    without_id = {key: value for key, value in context.items() if key != "sts:ExternalId"}
    assert not iam.trust_allows(trust_policy(plan), role_arn(plan), CALLER, without_id, action="sts:TagSession")
    stranger = "arn:aws:iam::222222222222:role/other-workload"
    assert not iam.trust_allows(trust_policy(plan), role_arn(plan), stranger, context, action="sts:TagSession")


def test_without_session_tags_no_tag_is_accepted(plans: LazyPlans, iam: Iam) -> None:
    plan = plans["plain"]
    assert set(statements(trust_policy(plan))) == {"TenantWorkloadsWithExternalId"}
    decision = iam.trust_allows(
        trust_policy(plan), role_arn(plan), CALLER, tag_request(TenantId="acme"), action="sts:TagSession"
    )
    assert not decision
    assert plan.counts.get("aws_budgets_budget", 0) == 0
    assert plan.values["aws_iam_role.this"]["tags"] == {"TenantId": "acme"}


def test_the_budget_filters_on_the_tenants_tag_and_notifies_at_each_fraction(plans: LazyPlans) -> None:
    budget = plans["tagged"].one("aws_budgets_budget")
    # Named like the role, prefix included: another prefix's role of the same tenant id gets its own.
    assert (budget["name"], budget["budget_type"], budget["time_unit"]) == ("finance-acme", "COST", "MONTHLY")
    assert (budget["limit_amount"], budget["limit_unit"]) == ("500.00", "USD")
    assert budget["cost_filter"] == [{"name": "TagKeyValue", "values": ["user:TenantId$acme"]}]
    thresholds = sorted(notification["threshold"] for notification in budget["notification"])
    assert thresholds == [50, 80, 100]
    for notification in budget["notification"]:
        assert notification["threshold_type"] == "PERCENTAGE"
        assert notification["notification_type"] == "ACTUAL"
        assert notification["subscriber_email_addresses"] == ["finops@example.com"]


BAD_INPUTS: dict[str, tuple[dict[str, Any], list[str]]] = {
    "cost center charset": ({"cost_center": "cc#1"}, ["cost_center", "tag value rule"]),
    "budget zero": ({"monthly_budget_usd": 0}, ["monthly_budget_usd", "greater than 0"]),
    "budget fractions too many": (
        {"budget_notification_fractions": [0.1, 0.2, 0.3, 0.4, 0.5, 0.6]},
        ["budget_notification_fractions", "5 notifications"],
    ),
    "budget email": ({"budget_notification_emails": ["finops"]}, ["budget_notification_emails", "email"]),
    "budget two topics": (
        {
            "budget_notification_sns_topic_arns": [
                "arn:aws:sns:us-east-1:111111111111:a",
                "arn:aws:sns:us-east-1:111111111111:b",
            ]
        },
        ["budget_notification_sns_topic_arns", "one SNS"],
    ),
    "budget without subscriber": (
        {**EXCLUSIVE, "monthly_budget_usd": 100},
        ["monthly_budget_usd", "nobody is notified"],
    ),
    "budget without the exclusive profile": (
        {"monthly_budget_usd": 100, "budget_notification_emails": ["finops@example.com"]},
        ["monthly_budget_usd needs an exclusive application_inference_profile", "iamPrincipal/TenantId"],
    ),
}


@pytest.fixture(scope="module")
def bad_inputs(workspace: Workspace) -> BadInputs:
    cases = {case: override for case, (override, _) in BAD_INPUTS.items()}
    return BadInputs(workspace, MODULE, BASE, cases, (BASE["external_id"],))


@pytest.mark.parametrize("case", list(BAD_INPUTS))
def test_bad_cost_input_fails_the_plan_naming_it(bad_inputs: BadInputs, case: str) -> None:
    phrases = BAD_INPUTS[case][1]
    output = bad_inputs.output(case, phrases)
    for phrase in phrases:
        assert phrase in output, f"{case}: {phrase!r} not in: {output[-1500:]}"
