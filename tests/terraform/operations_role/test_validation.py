"""modules/operations-role: every guard fails the plan with a message naming the input.

Each case is a class of input a platform engineer might mistype that AWS would
refuse later (at apply or at the first call) or that would silently grant
nothing; the plan must refuse it and say which input and which rule.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.terraform.operations_role.test_plan import BASE, HAIKU, MODULE, NOVA
from tests.terraform.plan import BadInputs, Workspace, as_set, statements
from tests.terraform.policy import Iam


def principals(count: int, *, accounts: int | None = None) -> list[str]:
    """Role ARNs of 66 characters, each in its own account (or spread over ``accounts``)."""
    return [
        f"arn:aws:iam::{200000000000 + (n if accounts is None else n % accounts)}:role/"
        f"tenant-{n:02d}-bedrock-invoker-execution"
        for n in range(count)
    ]


# The documented capacity of a 2,048-character trust policy (README, variable description).
FITS_IN_DISTINCT_ACCOUNTS = 17
FITS_IN_ONE_ACCOUNT = 25
PROFILE = {"model_id": NOVA}
EXCLUSIVE = {"allowed_model_ids": [NOVA], "allowed_regions": ["us-east-1"]}

BAD_INPUTS: list[tuple[str, dict[str, Any], list[str]]] = [
    # --- names -------------------------------------------------------------------
    ("tenant id empty", {"tenant_id": ""}, ["tenant_id", "1-39 lower-case"]),
    ("tenant id upper case", {"tenant_id": "Acme"}, ["tenant_id", "case-insensitive"]),
    ("tenant id charset", {"tenant_id": "acme corp!"}, ["tenant_id", "1-39 lower-case"]),
    ("tenant id iam-only characters", {"tenant_id": "acme.corp"}, ["tenant_id", ". + = , @"]),
    ("tenant id at sign", {"tenant_id": "acme@eu"}, ["tenant_id", ". + = , @"]),
    ("tenant id doubled separator", {"tenant_id": "acme--eu"}, ["tenant_id", "doubled separators"]),
    ("tenant id too long", {"tenant_id": "t" * 40}, ["tenant_id", "1-39"]),
    ("prefix charset", {"role_name_prefix": "bad prefix/"}, ["role_name_prefix", "IAM role-name character set"]),
    ("role path", {"role_path": "tenants"}, ["role_path", "start and end with"]),
    (
        "role name too long",
        {"role_name_prefix": "p" * 30, "tenant_id": "t" * 39},
        ["role_name_prefix + tenant_id", "69 characters", "at most 64"],
    ),
    (
        "derived profile name refused by bedrock",
        {**EXCLUSIVE, "role_name_prefix": "ops.", "application_inference_profile": PROFILE},
        ["ops.acme-profile", "role_name_prefix + tenant_id", "application_inference_profile.name", ". + = , @"],
    ),
    (
        "derived profile name too long",
        {**EXCLUSIVE, "role_name_prefix": "p" * 24, "tenant_id": "t" * 33, "application_inference_profile": PROFILE},
        ["application inference profile name", "1-64 characters"],
    ),
    (
        "profile name charset",
        {**EXCLUSIVE, "application_inference_profile": {**PROFILE, "name": "acme.profile"}},
        ["application_inference_profile.name", "1-64 characters"],
    ),
    (
        "profile description charset",
        {**EXCLUSIVE, "application_inference_profile": {**PROFILE, "description": "Acme's profile, prod"}},
        ["application_inference_profile.description", "Bedrock's pattern"],
    ),
    ("reserved tag key", {"tags": {"aws:owner": "platform"}}, ["tags", "aws: (reserved"]),
    ("reserved tag key upper case", {"tags": {"AWS:Owner": "platform"}}, ["tags", "aws: (reserved"]),
    # --- principals --------------------------------------------------------------
    ("no principal", {"trusted_principal_arns": []}, ["trusted_principal_arns", "at least one"]),
    (
        "account root",
        {"trusted_principal_arns": ["arn:aws:iam::222222222222:root"]},
        ["trusted_principal_arns", "roots"],
    ),
    ("wildcard", {"trusted_principal_arns": ["*"]}, ["trusted_principal_arns", "wildcards"]),
    (
        "wildcard in the path",
        {"trusted_principal_arns": ["arn:aws:iam::222222222222:role/*/invoker"]},
        ["trusted_principal_arns", "wildcards (* or ?)", "path included"],
    ),
    (
        "wildcard in the name",
        {"trusted_principal_arns": ["arn:aws:iam::222222222222:role/acme-*"]},
        ["trusted_principal_arns", "wildcards (* or ?)"],
    ),
    (
        "single-character wildcard",
        {"trusted_principal_arns": ["arn:aws:iam::222222222222:role/acme-invoker?"]},
        ["trusted_principal_arns", "wildcards (* or ?)"],
    ),
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
    (
        "principal of another partition",
        {"trusted_principal_arns": ["arn:aws-cn:iam::222222222222:role/acme-invoker"]},
        ["trusted_principal_arns", "provider's partition (aws)", "aws-cn"],
    ),
    (
        "principals of mixed partitions",
        {
            "trusted_principal_arns": [
                "arn:aws:iam::222222222222:role/acme-invoker",
                "arn:aws-us-gov:iam::333333333333:role/acme-invoker",
            ]
        },
        ["trusted_principal_arns", "provider's partition (aws)", "aws-us-gov"],
    ),
    (
        "boundary of another partition",
        {"permissions_boundary_arn": "arn:aws-cn:iam::111111111111:policy/tenant-boundary"},
        ["permissions_boundary_arn", "provider's partition (aws)"],
    ),
    ("external id short", {"external_id": "abc12345"}, ["external_id", "16-1224 characters"]),
    ("external id charset", {"external_id": "has spaces in the id!"}, ["external_id", "16-1224 characters"]),
    ("external id long", {"external_id": "x" * 1225}, ["external_id", "16-1224 characters"]),
    ("org id", {"principal_org_id": "org-123"}, ["principal_org_id", "o-abcd123456"]),
    ("session too short", {"max_session_duration": 1800}, ["max_session_duration", "3600 (1 hour) to 43200"]),
    ("session too long", {"max_session_duration": 50000}, ["max_session_duration", "3600 (1 hour) to 43200"]),
    (
        "boundary not a policy",
        {"permissions_boundary_arn": "arn:aws:iam::111111111111:role/boundary"},
        ["permissions_boundary_arn", "managed policy ARN"],
    ),
    ("quota input", {"trust_policy_max_characters": 8000}, ["trust_policy_max_characters", "4096"]),
    (
        "trust policy above quota",
        {"trusted_principal_arns": principals(FITS_IN_DISTINCT_ACCOUNTS + 1)},
        ["trust_policy_max_characters (2048)", "trusted_principal_arns"],
    ),
    (
        "operations account Region of another partition",
        {"operations_account": {"account_id": "123456789012", "partition": "aws", "region": "cn-north-1"}},
        ["operations_account", "a Region of that partition"],
    ),
    # --- models and Regions --------------------------------------------------------
    ("no model", {"allowed_model_ids": []}, ["allowed_model_ids", "at least one"]),
    ("model wildcard", {"allowed_model_ids": ["anthropic.*"]}, ["allowed_model_ids", "without wildcards"]),
    ("model upper case", {"allowed_model_ids": ["Amazon.Nova-Lite-v1:0"]}, ["allowed_model_ids", "upper case"]),
    (
        "model arn",
        {"allowed_model_ids": [f"arn:aws:bedrock:us-east-1::foundation-model/{NOVA}"]},
        ["allowed_model_ids", "<provider>.<model>"],
    ),
    ("geo-prefixed model", {"allowed_model_ids": [f"us.{HAIKU}"]}, ["allowed_model_ids", "not inference profile ids"]),
    (
        "global-prefixed model",
        {"allowed_model_ids": [f"global.{HAIKU}"]},
        ["allowed_model_ids", "not inference profile ids"],
    ),
    ("duplicate model", {"allowed_model_ids": [NOVA, NOVA]}, ["allowed_model_ids", "duplicates"]),
    ("no region", {"allowed_regions": []}, ["allowed_regions", "at least one region"]),
    ("region format", {"allowed_regions": ["US-EAST-1"]}, ["allowed_regions", "like us-east-1"]),
    ("region that does not exist", {"allowed_regions": ["us-east-1", "us-east-9"]}, ["allowed_regions", "us-east-9"]),
    (
        "region of another partition",
        {"allowed_regions": ["us-east-1", "cn-north-1"]},
        ["allowed_regions: cn-north-1", "provider's partition (aws)"],
    ),
    ("duplicate region", {"allowed_regions": ["us-east-1", "us-east-1"]}, ["allowed_regions", "duplicates"]),
    ("geography typo", {"inference_profile_geographies": ["usa"]}, ["inference_profile_geographies", "us, eu, apac"]),
    (
        "geography punctuation",
        {"inference_profile_geographies": ["U.S."]},
        ["inference_profile_geographies", "us, eu, apac"],
    ),
    (
        "geography of another partition",
        {"inference_profile_geographies": ["us-gov"]},
        [
            "inference_profile_geographies",
            "aws partition has system inference profiles for [us, eu, apac, jp, au, global]",
        ],
    ),
    # --- the application profile ----------------------------------------------------
    (
        "profile model not allowed",
        {**EXCLUSIVE, "application_inference_profile": {"model_id": "meta.llama3-8b-instruct-v1:0"}},
        ["application_inference_profile.model_id", "must be one of allowed_model_ids"],
    ),
    (
        "profile model geo-prefixed",
        {**EXCLUSIVE, "application_inference_profile": {"model_id": f"us.{NOVA}"}},
        ["application_inference_profile.model_id", 'geography = "us"'],
    ),
    (
        "profile geography typo",
        {**EXCLUSIVE, "application_inference_profile": {**PROFILE, "geography": "usa"}},
        ["application_inference_profile.geography", "us, eu, apac"],
    ),
    (
        "profile outside the allowed regions",
        {"allowed_model_ids": [NOVA], "allowed_regions": ["us-west-2"], "application_inference_profile": PROFILE},
        ["provider's Region us-east-1", "allowed_regions"],
    ),
    (
        "exclusive profile with other models",
        {"application_inference_profile": PROFILE},
        ["application_inference_profile.exclusive", "allowed_model_ids must hold only its model_id"],
    ),
    (
        "exclusive profile with geographies",
        {**EXCLUSIVE, "inference_profile_geographies": ["us"], "application_inference_profile": PROFILE},
        ["application_inference_profile.exclusive", "inference_profile_geographies nothing"],
    ),
]


@pytest.fixture(scope="module")
def bad_inputs(workspace: Workspace) -> BadInputs:
    cases = {case: override for case, override, _ in BAD_INPUTS}
    secrets = (BASE["external_id"], *(o["external_id"] for o in cases.values() if "external_id" in o))
    return BadInputs(workspace, MODULE, BASE, cases, secrets)


@pytest.mark.parametrize(("case", "phrases"), [(c, p) for c, _, p in BAD_INPUTS], ids=[c for c, _, _ in BAD_INPUTS])
def test_bad_input_fails_the_plan_naming_it(bad_inputs: BadInputs, case: str, phrases: list[str]) -> None:
    # Sensitive inputs (the external ids, valid or not) never appear: BadInputs checks every output.
    output = bad_inputs.output(case, phrases)
    for phrase in phrases:
        assert phrase in output, f"{case}: {phrase!r} not in: {output[-1500:]}"


@pytest.mark.parametrize(
    ("override", "phrases"),
    [
        (
            {"offline_region": "us-gov-west-1", "trusted_principal_arns": ["arn:aws-us-gov:iam::222222222222:role/a"]},
            ["us-gov-west-1", "aws-us-gov"],
        ),
    ],
    ids=["geography us with the aws-us-gov partition"],
)
def test_geography_must_exist_in_the_partition(
    workspace: Workspace, override: dict[str, Any], phrases: list[str]
) -> None:
    variables = {**BASE, **override, "allowed_regions": ["us-gov-west-1"], "inference_profile_geographies": ["us"]}
    output = workspace.plan_error(MODULE, variables)
    assert "inference_profile_geographies" in output
    assert "aws-us-gov partition has system inference profiles for [us-gov]" in output


def test_trust_policy_capacity_is_what_the_readme_says(workspace: Workspace) -> None:
    """At IAM's default 2,048 characters, FITS_IN_DISTINCT_ACCOUNTS roles of ~60
    characters in as many accounts fit and one more does not (the failing side is a
    BAD_INPUTS case); in one account, FITS_IN_ONE_ACCOUNT fit and one more does not."""
    plan = workspace.plan(MODULE, {**BASE, "trusted_principal_arns": principals(FITS_IN_DISTINCT_ACCOUNTS)})
    [statement] = statements(plan.values["aws_iam_role.this"]["assume_role_policy"]).values()
    assert len(as_set(statement["Principal"]["AWS"])) == FITS_IN_DISTINCT_ACCOUNTS
    one_account = principals(FITS_IN_ONE_ACCOUNT, accounts=1)
    plan = workspace.plan(MODULE, {**BASE, "trusted_principal_arns": one_account})
    [statement] = statements(plan.values["aws_iam_role.this"]["assume_role_policy"]).values()
    assert as_set(statement["Principal"]["AWS"]) == {"arn:aws:iam::200000000000:root"}
    output = workspace.plan_error(
        MODULE, {**BASE, "trusted_principal_arns": principals(FITS_IN_ONE_ACCOUNT + 1, accounts=1)}
    )
    assert "trust_policy_max_characters (2048)" in output


def test_raised_quota_admits_the_larger_trust_policy(workspace: Workspace) -> None:
    many = principals(FITS_IN_DISTINCT_ACCOUNTS + 10)
    plan = workspace.plan(MODULE, {**BASE, "trusted_principal_arns": many, "trust_policy_max_characters": 4096})
    policy = plan.values["aws_iam_role.this"]["assume_role_policy"]
    assert 2048 < len(policy.replace(" ", "").replace("\n", "")) <= 4096
    [statement] = statements(policy).values()
    assert as_set(statement["Condition"]["ArnEquals"]["aws:PrincipalArn"]) == set(many)


TENANTS: dict[str, dict[str, Any]] = {
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
        # Same customer account as alpha: the account is a shared principal, the
        # roles in aws:PrincipalArn keep the tenants apart.
        "principals": ["arn:aws:iam::222222222222:role/charlie-invoker"],
        "external_id": "charlie-ext-9f8e7d6c5b4a",
        "models": ["amazon.nova-lite-v1:0", "anthropic.claude-3-5-haiku-20241022-v1:0"],
    },
}


def test_for_each_tenants_are_isolated(workspace: Workspace, iam: Iam) -> None:
    plan = workspace.plan("tests/terraform/fixtures/operations-role-tenants", {"tenants": TENANTS})
    assert plan.counts == {"aws_iam_role": 3, "aws_iam_role_policy": 3}
    for tenant, spec in TENANTS.items():
        role = plan.values[f'module.tenant["{tenant}"].aws_iam_role.this']
        assert role["name"] == f"bedrock-tenant-{tenant}"
        [statement] = statements(role["assume_role_policy"]).values()
        assert as_set(statement["Condition"]["ArnEquals"]["aws:PrincipalArn"]) == set(spec["principals"])
        assert statement["Condition"]["StringEquals"]["sts:ExternalId"] == spec["external_id"]
        for other, other_spec in TENANTS.items():
            for principal in other_spec["principals"]:
                admitted = iam.trust_allows(
                    role["assume_role_policy"],
                    plan.outputs["role_arns"][tenant],
                    principal,
                    {"sts:ExternalId": str(spec["external_id"])},
                )
                assert admitted == (other == tenant), (tenant, principal)
        policy = plan.values[f'module.tenant["{tenant}"].aws_iam_role_policy.bedrock[0]']["policy"]
        models = {
            arn.rsplit("/", 1)[1]
            for arn in as_set(statements(policy)["InvokeFoundationModelsInAllowedRegions"]["Resource"])
        }
        assert models == set(spec["models"])
