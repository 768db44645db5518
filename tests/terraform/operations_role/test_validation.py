"""modules/operations-role: every guard fails the plan with a message naming the input."""

from __future__ import annotations

from typing import Any

import pytest

from tests.terraform.operations_role.test_plan import BASE, MODULE
from tests.terraform.plan import Workspace, as_set, statements

LONG_PRINCIPALS = [f"arn:aws:iam::{200000000000 + n}:role/tenant-invoker-{n:02d}" for n in range(45)]

BAD_INPUTS: list[tuple[str, dict[str, Any], list[str]]] = [
    ("tenant id empty", {"tenant_id": ""}, ["tenant_id", "1-48 characters"]),
    ("tenant id charset", {"tenant_id": "acme corp!"}, ["tenant_id", "IAM role-name character set"]),
    ("prefix charset", {"role_name_prefix": "bad prefix/"}, ["role_name_prefix", "IAM role-name character set"]),
    ("role path", {"role_path": "tenants"}, ["role_path", "start and end with"]),
    ("no principal", {"trusted_principal_arns": []}, ["trusted_principal_arns", "at least one"]),
    (
        "account root",
        {"trusted_principal_arns": ["arn:aws:iam::222222222222:root"]},
        ["trusted_principal_arns", "roots"],
    ),
    ("wildcard", {"trusted_principal_arns": ["*"]}, ["trusted_principal_arns", "wildcards are not allowed"]),
    (
        "user",
        {"trusted_principal_arns": ["arn:aws:iam::222222222222:user/bob"]},
        ["trusted_principal_arns", "IAM role ARNs"],
    ),
    ("short account", {"trusted_principal_arns": ["arn:aws:iam::2222:role/x"]}, ["trusted_principal_arns", "12-digit"]),
    (
        "duplicate principal",
        {"trusted_principal_arns": ["arn:aws:iam::222222222222:role/a", "arn:aws:iam::222222222222:role/a"]},
        ["trusted_principal_arns", "duplicates"],
    ),
    ("external id short", {"external_id": "abc12345"}, ["external_id", "16-1224 characters"]),
    ("external id charset", {"external_id": "has spaces in the id!"}, ["external_id", "16-1224 characters"]),
    ("external id long", {"external_id": "x" * 1225}, ["external_id", "16-1224 characters"]),
    ("no model", {"allowed_model_ids": []}, ["allowed_model_ids", "at least one"]),
    ("model wildcard", {"allowed_model_ids": ["anthropic.*"]}, ["allowed_model_ids", "without wildcards"]),
    (
        "model arn",
        {"allowed_model_ids": ["arn:aws:bedrock:us-east-1::foundation-model/amazon.nova-lite-v1:0"]},
        ["allowed_model_ids", "<provider>.<model>"],
    ),
    ("no region", {"allowed_regions": []}, ["allowed_regions", "at least one region"]),
    ("region format", {"allowed_regions": ["US-EAST-1"]}, ["allowed_regions", "like us-east-1"]),
    ("geography", {"inference_profile_geographies": ["U.S."]}, ["inference_profile_geographies", "geography prefixes"]),
    ("org id", {"principal_org_id": "org-123"}, ["principal_org_id", "o-abcd123456"]),
    ("session too short", {"max_session_duration": 1800}, ["max_session_duration", "3600 (1 hour) to 43200"]),
    ("session too long", {"max_session_duration": 50000}, ["max_session_duration", "3600 (1 hour) to 43200"]),
    (
        "boundary not a policy",
        {"permissions_boundary_arn": "arn:aws:iam::111111111111:role/boundary"},
        ["permissions_boundary_arn", "managed policy ARN"],
    ),
    ("quota input", {"trust_policy_max_characters": 8000}, ["trust_policy_max_characters", "4096"]),
    # Guards evaluated on the combination of inputs (resource preconditions):
    (
        "role name too long",
        {"role_name_prefix": "p" * 30, "tenant_id": "t" * 40},
        ["role_name_prefix + tenant_id", "70 characters", "at most 64"],
    ),
    (
        "trust policy above quota",
        {"trusted_principal_arns": LONG_PRINCIPALS},
        ["trust_policy_max_characters (2048)", "trusted_principal_arns"],
    ),
    (
        "profile model not allowed",
        {"application_inference_profile": {"model_id": "meta.llama3-8b-instruct-v1:0"}},
        ["application_inference_profile.model_id", "must be one of allowed_model_ids"],
    ),
]


@pytest.mark.parametrize(("case", "override", "phrases"), BAD_INPUTS, ids=[case for case, _, _ in BAD_INPUTS])
def test_bad_input_fails_the_plan_naming_it(
    workspace: Workspace, case: str, override: dict[str, Any], phrases: list[str]
) -> None:
    output = workspace.plan_error(MODULE, {**BASE, **override})
    for phrase in phrases:
        assert phrase in output, f"{case}: {phrase!r} not in: {output[-1500:]}"
    assert BASE["external_id"] not in output  # sensitive input never echoed


def test_raised_quota_admits_the_larger_trust_policy(workspace: Workspace) -> None:
    plan = workspace.plan(
        MODULE, {**BASE, "trusted_principal_arns": LONG_PRINCIPALS, "trust_policy_max_characters": 4096}
    )
    policy = plan.values["aws_iam_role.this"]["assume_role_policy"]
    assert 2048 < len(policy.replace(" ", "").replace("\n", "")) <= 4096
    [statement] = statements(policy).values()
    assert as_set(statement["Principal"]["AWS"]) == set(LONG_PRINCIPALS)


TENANTS = {
    "alpha": {
        "principals": ["arn:aws:iam::222222222222:role/alpha-invoker"],
        "external_id": "alpha-ext-0d5c6b7a8e9f",
        "models": ["amazon.nova-lite-v1:0"],
    },
    "bravo": {
        "principals": ["arn:aws:iam::333333333333:role/bravo-invoker", "arn:aws:iam::333333333334:role/bravo-batch"],
        "external_id": "bravo-ext-1a2b3c4d5e6f",
        "models": ["anthropic.claude-3-5-haiku-20241022-v1:0"],
    },
    "charlie": {
        "principals": ["arn:aws:iam::444444444444:role/charlie-invoker"],
        "external_id": "charlie-ext-9f8e7d6c5b4a",
        "models": ["amazon.nova-lite-v1:0", "anthropic.claude-3-5-haiku-20241022-v1:0"],
    },
}


def test_for_each_tenants_are_isolated(workspace: Workspace) -> None:
    plan = workspace.plan("tests/terraform/fixtures/operations-role-tenants", {"tenants": TENANTS})
    assert plan.counts == {"aws_iam_role": 3, "aws_iam_role_policy": 3}
    for tenant, spec in TENANTS.items():
        role = plan.values[f'module.tenant["{tenant}"].aws_iam_role.this']
        assert role["name"] == f"bedrock-tenant-{tenant}"
        [statement] = statements(role["assume_role_policy"]).values()
        principals = as_set(statement["Principal"]["AWS"])
        assert principals == set(spec["principals"])
        assert statement["Condition"]["StringEquals"]["sts:ExternalId"] == spec["external_id"]
        others = {p for other, s in TENANTS.items() if other != tenant for p in s["principals"]}
        assert not principals & others
        policy = plan.values[f'module.tenant["{tenant}"].aws_iam_role_policy.bedrock']["policy"]
        models = {arn.rsplit("/", 1)[1] for arn in as_set(statements(policy)["InvokeAllowedModels"]["Resource"])}
        assert models == set(spec["models"])
