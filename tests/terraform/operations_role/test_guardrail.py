"""modules/operations-role: the tenant's guardrail is enforced by IAM, and API keys are denied.

Every Bedrock policy the role gets is asked (the embedded AWS's evaluator) what it
allows with the request context Bedrock builds: ``bedrock:GuardrailIdentifier`` is
the guardrail ARN and ``:VERSION`` (Bedrock user guide, "Enforce the use of specific
guardrails in model inference requests"), absent when the call names no guardrail.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.fakes.tenants import GUARDED, check_rendered
from tests.terraform.operations_role.test_plan import (
    ACCOUNT,
    BASE,
    HAIKU,
    INVOKE,
    MODULE,
    NOVA,
    STREAM,
    fm,
    plans,  # noqa: F401  (the module-scoped plans of cases.yaml)
    policies,
)
from tests.terraform.plan import LazyPlans, Workspace, as_set, statements
from tests.terraform.policy import Iam, Request

GUARDRAIL = f"arn:aws:bedrock:us-east-1:{ACCOUNT}:guardrail/abc123def456"
CREATED = f"arn:aws:bedrock:us-east-1:{ACCOUNT}:guardrail/created0001"
PROFILE = f"arn:aws:bedrock:us-east-1:{ACCOUNT}:application-inference-profile/acmeprofile01"
BEARER = ("bedrock:CallWithBearerToken", "bedrock-mantle:CallWithBearerToken")


def guardrail_key(value: str | None) -> dict[str, str]:
    return {} if value is None else {"bedrock:GuardrailIdentifier": value}


@pytest.mark.parametrize(
    ("case", "guardrail", "versions", "model"),
    [
        ("existing_guardrail", GUARDRAIL, ["3"], HAIKU),
        # a changeover: version 2 current, version 1 (previous_versions) still accepted
        ("created_guardrail", CREATED, ["2", "1"], NOVA),
    ],
)
def test_models_are_invoked_only_with_the_tenants_guardrail_and_version(  # noqa: PLR0917
    plans: LazyPlans,  # noqa: F811
    iam: Iam,
    case: str,
    guardrail: str,
    versions: list[str],
    model: str,
) -> None:
    role = policies(plans[case])
    version = versions[0]
    for action in (INVOKE, STREAM):
        model_arn = fm("us-east-1", model)
        for accepted in versions:
            assert iam.allows(role, Request(action, model_arn, guardrail_key(f"{guardrail}:{accepted}")))
        refused = [
            None,  # the environment dropped the guardrail
            f"{guardrail}:{int(version) + 1}",  # another version
            f"{guardrail}:DRAFT",
            guardrail,  # no version
            f"arn:aws:bedrock:us-east-1:{ACCOUNT}:guardrail/other0000001:{version}",  # another guardrail
        ]
        for value in refused:
            assert not iam.allows(role, Request(action, model_arn, guardrail_key(value))), (action, value)
    assert iam.allows(role, Request("bedrock:ApplyGuardrail", guardrail))
    assert not iam.allows(role, Request("bedrock:ApplyGuardrail", f"arn:aws:bedrock:us-east-1:{ACCOUNT}:guardrail/x1"))


def without_previous_versions(policy: str) -> str:
    """The rendered policy once previous_versions is emptied: the Deny names the current version only."""
    document = json.loads(policy)
    for statement in document["Statement"]:
        if statement.get("Sid") == "DenyInvocationsWithoutTheTenantsGuardrail":
            condition = statement["Condition"]["StringNotEquals"]
            assert sorted(as_set(condition["bedrock:GuardrailIdentifier"])) == [f"{CREATED}:1", f"{CREATED}:2"]
            condition["bedrock:GuardrailIdentifier"] = f"{CREATED}:2"
    return json.dumps(document)


def test_a_guardrail_edit_cuts_off_no_caller_until_the_changeover_is_closed(
    plans: LazyPlans,  # noqa: F811
    iam: Iam,
) -> None:
    """Version 1 was enforced; an edit made version 2. The customer still sends 1 until it
    re-applies: accepted while previous_versions lists it, refused once the list is emptied."""
    model_arn = fm("us-east-1", NOVA)
    window = policies(plans["created_guardrail"])
    closed = [without_previous_versions(policy) for policy in window]
    assert closed != window
    for action in (INVOKE, STREAM):
        assert iam.allows(window, Request(action, model_arn, guardrail_key(f"{CREATED}:1")))
        assert iam.allows(window, Request(action, model_arn, guardrail_key(f"{CREATED}:2")))
        assert not iam.allows(closed, Request(action, model_arn, guardrail_key(f"{CREATED}:1")))
        assert iam.allows(closed, Request(action, model_arn, guardrail_key(f"{CREATED}:2")))
    # The replaced version is kept in Bedrock: the provider deletes it on destroy otherwise.
    assert plans["created_guardrail"].values["aws_bedrock_guardrail_version.this[0]"]["skip_destroy"] is True


def test_a_guardrail_profile_is_applied_in_each_destination_region(plans: LazyPlans, iam: Iam) -> None:  # noqa: F811
    role = policies(plans["created_guardrail"])
    for region in ("us-east-1", "us-east-2", "us-west-2"):
        profile = f"arn:aws:bedrock:{region}:{ACCOUNT}:guardrail-profile/us.guardrail.v1:0"
        assert iam.allows(role, Request("bedrock:ApplyGuardrail", profile)), region
    for other in (
        f"arn:aws:bedrock:eu-west-1:{ACCOUNT}:guardrail-profile/us.guardrail.v1:0",  # not a destination
        f"arn:aws:bedrock:us-east-1:{ACCOUNT}:guardrail-profile/eu.guardrail.v1:0",  # another profile
        "arn:aws:bedrock:us-east-1:999999999999:guardrail-profile/us.guardrail.v1:0",  # another account
    ):
        assert not iam.allows(role, Request("bedrock:ApplyGuardrail", other)), other
    # Without a profile, no profile is granted.
    assert not iam.allows(
        policies(plans["existing_guardrail"]),
        Request("bedrock:ApplyGuardrail", f"arn:aws:bedrock:us-east-1:{ACCOUNT}:guardrail-profile/us.guardrail.v1:0"),
    )


def test_the_guardrail_holds_through_an_exclusive_profile(plans: LazyPlans, iam: Iam) -> None:  # noqa: F811
    role = policies(plans["guardrail_with_an_exclusive_profile"])
    assert len(role) == 1  # the application profile's policy carries the guard statements
    good = guardrail_key(f"{CREATED}:1")
    assert iam.allows(role, Request(INVOKE, PROFILE, good))
    assert iam.allows(role, Request(INVOKE, fm("us-east-1", NOVA), {**good, "bedrock:InferenceProfileArn": PROFILE}))
    assert not iam.allows(role, Request(INVOKE, PROFILE))
    assert not iam.allows(role, Request(INVOKE, fm("us-east-1", NOVA), {"bedrock:InferenceProfileArn": PROFILE}))


def test_the_deny_is_the_documented_shape(plans: LazyPlans) -> None:  # noqa: F811
    [policy] = policies(plans["existing_guardrail"])
    deny = statements(policy)["DenyInvocationsWithoutTheTenantsGuardrail"]
    assert deny["Effect"] == "Deny"
    assert deny["Resource"] == "*"
    assert deny["Condition"] == {"StringNotEquals": {"bedrock:GuardrailIdentifier": f"{GUARDRAIL}:3"}}
    assert plans["existing_guardrail"].outputs["guardrail_arn"] == GUARDRAIL
    assert plans["existing_guardrail"].outputs["guardrail_version"] == "3"


def test_the_embedded_guardrail_tests_run_with_what_the_module_renders(plans: LazyPlans) -> None:  # noqa: F811
    """tests/embedded/test_guardrail.py's caller and tests/python/functional/test_guardrail.py's tenant get this
    case's policy (tests/fakes/tenants.py rendered_guarded_permissions)."""
    assert tuple(GUARDED.values()) == (ACCOUNT, GUARDRAIL, "3")
    check_rendered(
        "operations_role_with_guardrail",
        {"permissions": [json.loads(p) for p in policies(plans["existing_guardrail"])]},
    )


@pytest.mark.parametrize(
    "case",
    ["one_principal", "cross_region_profiles", "application_profile_from_a_foundation_model", "existing_guardrail"],
)
def test_every_role_is_denied_bedrock_api_keys(plans: LazyPlans, iam: Iam, case: str) -> None:  # noqa: F811
    role = policies(plans[case])
    for action in BEARER:
        assert not iam.allows([*role, ALLOW_EVERYTHING], Request(action, "*"))
    for policy in role:  # in each Bedrock policy, whichever the tenant gets
        assert statements(policy)["DenyBedrockApiKeys"]["Effect"] == "Deny"


ALLOW_EVERYTHING: dict[str, Any] = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}],
}

ONE_REGION = {"allowed_regions": ["us-east-1"]}
CREATE = {"denied_words": ["moonshine"]}
BAD_GUARDRAILS: list[tuple[str, dict[str, Any], list[str]]] = [
    ("arn and create", {"arn": GUARDRAIL, "version": "1", "create": CREATE}, ["exactly one of arn"]),
    ("neither", {"version": "1"}, ["exactly one of arn"]),
    ("arn with version suffix", {"arn": f"{GUARDRAIL}:3", "version": "3"}, ["guardrail.arn", "without version"]),
    ("not a guardrail arn", {"arn": PROFILE, "version": "3"}, ["guardrail.arn"]),
    ("upper-case id", {"arn": GUARDRAIL.replace("abc", "ABC"), "version": "3"}, ["guardrail.arn", "lower-case id"]),
    ("draft version", {"arn": GUARDRAIL, "version": "DRAFT"}, ["guardrail.version", "DRAFT is refused"]),
    ("version zero", {"arn": GUARDRAIL, "version": "0"}, ["guardrail.version", "1-99999999"]),
    ("missing version", {"arn": GUARDRAIL}, ["guardrail.version"]),
    ("version with create", {"create": CREATE, "version": "2"}, ["guardrail.version must not be set"]),
    ("empty create", {"create": {}}, ["at least one policy"]),
    ("content category", {"create": {"content_filters": {"GORE": "HIGH"}}}, ["content_filters", "PROMPT_ATTACK"]),
    ("content strength", {"create": {"content_filters": {"HATE": "MAX"}}}, ["content_filters", "NONE, LOW"]),
    ("pii type", {"create": {"pii_entities": {"E_MAIL": "BLOCK"}}}, ["pii_entities", "GuardrailPiiEntityType"]),
    ("pii action", {"create": {"pii_entities": {"EMAIL": "MASK"}}}, ["pii_entities", "BLOCK or ANONYMIZE"]),
    (
        "topic name charset",
        {"create": {"denied_topics": [{"name": "bad/topic", "definition": "x"}]}},
        ["denied_topics", "1-100 letters"],
    ),
    (
        "too many topic examples",
        {"create": {"denied_topics": [{"name": "t", "definition": "x", "examples": ["e"] * 6}]}},
        ["denied_topics", "at most 5 examples"],
    ),
    ("blank word", {"create": {"denied_words": [" "]}}, ["denied_words", "non-blank"]),
    ("long message", {"create": {**CREATE, "blocked_input_message": "m" * 501}}, ["1-500 characters"]),
    # Each plan below breaks several rules of guardrail at once; every rule names itself.
    (
        "previous versions and profile",
        {
            "arn": GUARDRAIL,
            "version": "3",
            "previous_versions": ["3", "DRAFT"],
            "profile": {"id": "us.guardrail", "destination_regions": []},
        },
        ["guardrail.previous_versions must be numbered", "guardrail.profile: id must be", "us.guardrail.v1:0"],
    ),
    (
        "standard tier without profile, long word, long topic",
        {
            "create": {
                "tier": "STANDARD",
                "denied_words": ["w" * 101],
                "denied_topics": [{"name": "t", "definition": "d" * 1001}],
            }
        },
        ["STANDARD needs guardrail.profile", "at most 100 characters each", "1-1,000 with tier STANDARD"],
    ),
]


@pytest.mark.parametrize(("case", "guardrail", "phrases"), BAD_GUARDRAILS, ids=[c for c, _, _ in BAD_GUARDRAILS])
def test_a_bad_guardrail_fails_the_plan_naming_it(
    workspace: Workspace, case: str, guardrail: dict[str, Any], phrases: list[str]
) -> None:
    output = workspace.plan_error(MODULE, {**BASE, **ONE_REGION, "guardrail": guardrail})
    for phrase in phrases:
        assert phrase in output, f"{case}: {phrase!r} not in: {output[-1500:]}"


@pytest.mark.parametrize(
    ("inputs", "phrases"),
    [
        ({"guardrail": {"arn": GUARDRAIL, "version": "3"}}, ["allowed_regions must be exactly", "us-east-1"]),
        (
            {**ONE_REGION, "guardrail": {"arn": GUARDRAIL.replace(ACCOUNT, "999999999999"), "version": "3"}},
            ["operations account (123456789012)"],
        ),
        (
            {"allowed_regions": ["us-west-2"], "guardrail": {"arn": GUARDRAIL, "version": "3"}},
            ["allowed_regions must be exactly the guardrail's Region (us-east-1"],
        ),
        (
            {**ONE_REGION, "role_name_prefix": "bedrock.tenant-", "guardrail": {"create": CREATE}},
            ["guardrail name", "bedrock.tenant-acme", "letters, digits, - and _"],
        ),
    ],
    ids=["two allowed regions", "another account", "another region", "created name charset"],
)
def test_a_guardrail_the_calls_could_not_use_fails_the_plan(
    workspace: Workspace, inputs: dict[str, Any], phrases: list[str]
) -> None:
    output = workspace.plan_error(MODULE, {**BASE, **inputs})
    for phrase in phrases:
        assert phrase in output, f"{phrase!r} not in: {output[-1500:]}"
