"""The evaluator decides as IAM does, on the policy shapes this project renders
and on the wrong shapes the mutation check seeds (AWS's IAM policy evaluation
logic: https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic.html).

Each case is a policy set and a request; the expected decision is AWS's. The
shapes come from tests/fakes/tenants.py, the same builders the runtime's
functional tests provision, so a change of shape there is tested here.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.fakes.policy import EvaluatorError, PolicyEvaluator, Request
from tests.fakes.tenants import log_group_arn, rendered_policies

OPS, CUSTOMER, OTHER = "111111111111", "222222222222", "333333333333"
EXTERNAL_ID = "ext-0123456789abcdef"
EXECUTION_ROLE = f"arn:aws:iam::{CUSTOMER}:role/bedrock-tenant-a-execution"
OPERATIONS_ROLE = f"arn:aws:iam::{OPS}:role/bedrock-tenant-a"
SESSION = f"arn:aws:sts::{CUSTOMER}:assumed-role/bedrock-tenant-a-execution/bedrock-tenant-a"
MODEL = "anthropic.claude-3-5-haiku-20241022-v1:0"
PROFILE = f"arn:aws:bedrock:us-east-1:{OPS}:inference-profile/us.{MODEL}"
OPS_SESSION = f"arn:aws:sts::{OPS}:assumed-role/bedrock-tenant-a/bedrock-tenant-a"
GROUP = log_group_arn(CUSTOMER, "/bedrock-tenant/a/invocations")
KEY = f"arn:aws:kms:us-east-1:{CUSTOMER}:key/1234abcd-12ab-34cd-56ef-1234567890ab"


def policy(*statements: dict[str, Any]) -> dict[str, Any]:
    return {"Version": "2012-10-17", "Statement": list(statements)}


def allow(action: str | list[str], resource: str | list[str], **extra: Any) -> dict[str, Any]:
    return {"Effect": "Allow", "Action": action, "Resource": resource, **extra}


def caller_context(principal_role: str = EXECUTION_ROLE, account: str = CUSTOMER, **keys: str) -> dict[str, Any]:
    return {"aws:PrincipalArn": principal_role, "aws:PrincipalAccount": account, **keys}


# -- trust: customer account + ArnEquals aws:PrincipalArn + StringEquals sts:ExternalId ----------
RENDERED = rendered_policies("a", CUSTOMER, EXTERNAL_ID)  # tenant "a": roles bedrock-tenant-a(-execution)
TRUST = RENDERED.trust
[IDENTITY] = RENDERED.execution
# The wrong shapes the mutation check seeds.
TRUST_WITHOUT_EXTERNAL_ID = policy(
    {
        "Effect": "Allow",
        "Principal": {"AWS": f"arn:aws:iam::{CUSTOMER}:root"},
        "Action": "sts:AssumeRole",
        "Condition": {"ArnEquals": {"aws:PrincipalArn": EXECUTION_ROLE}},
    }
)
TRUST_ANYONE_WITH_EXTERNAL_ID = policy(
    {
        "Effect": "Allow",
        "Principal": {"AWS": "*"},
        "Action": "sts:AssumeRole",
        "Condition": {"StringEquals": {"sts:ExternalId": EXTERNAL_ID}},
    }
)
ALLOW_ALL = policy(allow("*", "*"))


@pytest.mark.parametrize(
    ("trust", "principal", "context", "identity", "expected"),
    [
        pytest.param(
            TRUST, SESSION, caller_context(**{"sts:ExternalId": EXTERNAL_ID}), IDENTITY, "Allowed", id="own-role"
        ),
        pytest.param(
            TRUST,
            SESSION,
            caller_context(**{"sts:ExternalId": "ext-wrong-000000000"}),
            IDENTITY,
            "ImplicitlyDenied",
            id="wrong-external-id",
        ),
        pytest.param(TRUST, SESSION, caller_context(), IDENTITY, "ImplicitlyDenied", id="missing-external-id"),
        pytest.param(
            TRUST,
            f"arn:aws:sts::{CUSTOMER}:assumed-role/other/s",
            caller_context(f"arn:aws:iam::{CUSTOMER}:role/other", **{"sts:ExternalId": EXTERNAL_ID}),
            ALLOW_ALL,
            "ImplicitlyDenied",
            id="other-role-same-account",
        ),
        pytest.param(
            TRUST,
            f"arn:aws:sts::{OTHER}:assumed-role/bedrock-tenant-a-execution/s",
            caller_context(
                f"arn:aws:iam::{OTHER}:role/bedrock-tenant-a-execution", OTHER, **{"sts:ExternalId": EXTERNAL_ID}
            ),
            ALLOW_ALL,
            "ImplicitlyDenied",
            id="same-role-name-other-account",
        ),
        pytest.param(
            TRUST,
            SESSION,
            caller_context(**{"sts:ExternalId": EXTERNAL_ID}),
            policy(),
            "ImplicitlyDenied",
            id="cross-account-needs-the-identity-policy-too",
        ),
        pytest.param(
            TRUST,
            SESSION,
            caller_context(**{"sts:ExternalId": EXTERNAL_ID}),
            policy(allow("sts:AssumeRole", f"arn:aws:iam::{OPS}:role/bedrock-tenant-b")),
            "ImplicitlyDenied",
            id="identity-policy-names-another-role",
        ),
        pytest.param(
            TRUST,
            SESSION,
            caller_context(**{"sts:ExternalId": EXTERNAL_ID}),
            policy(allow("sts:AssumeRole", "*"), {"Effect": "Deny", "Action": "sts:*", "Resource": "*"}),
            "ExplicitlyDenied",
            id="explicit-deny-wins",
        ),
        # Wrong shapes: visible as allowing what must be refused.
        pytest.param(
            TRUST_WITHOUT_EXTERNAL_ID,
            SESSION,
            caller_context(),
            IDENTITY,
            "Allowed",
            id="defect-no-external-id-condition",
        ),
        pytest.param(
            TRUST_ANYONE_WITH_EXTERNAL_ID,
            f"arn:aws:sts::{OTHER}:assumed-role/intruder/s",
            caller_context(f"arn:aws:iam::{OTHER}:role/intruder", OTHER, **{"sts:ExternalId": EXTERNAL_ID}),
            ALLOW_ALL,
            "Allowed",
            id="defect-any-principal-with-external-id",
        ),
    ],
)
def test_assume_role_trust_and_identity(
    evaluator: PolicyEvaluator,
    *,
    trust: dict[str, Any],
    principal: str,
    context: dict[str, Any],
    identity: dict[str, Any],
    expected: str,
) -> None:
    request = Request(principal, "sts:AssumeRole", OPERATIONS_ROLE, OPS, context)
    decision = evaluator.evaluate(request, identity_policies=[identity], resource_policy=trust)
    assert decision.result == expected


def test_trust_by_exact_role_arn_matches_the_roles_sessions(evaluator: PolicyEvaluator) -> None:
    """A role ARN as principal matches the role's sessions (IAM JSON policy elements:
    Principal, "IAM role principals")."""
    trust = policy({"Effect": "Allow", "Principal": {"AWS": EXECUTION_ROLE}, "Action": "sts:AssumeRole"})
    allowed = evaluator.evaluate(
        Request(SESSION, "sts:AssumeRole", OPERATIONS_ROLE, OPS, caller_context()),
        identity_policies=[IDENTITY],
        resource_policy=trust,
    )
    other = evaluator.evaluate(
        Request(
            f"arn:aws:sts::{CUSTOMER}:assumed-role/other/s",
            "sts:AssumeRole",
            OPERATIONS_ROLE,
            OPS,
            caller_context(f"arn:aws:iam::{CUSTOMER}:role/other"),
        ),
        identity_policies=[ALLOW_ALL],
        resource_policy=trust,
    )
    assert (allowed.result, other.result) == ("Allowed", "ImplicitlyDenied")


def test_one_assume_role_context_serves_every_action_it_authorises(evaluator: PolicyEvaluator) -> None:
    """sts:SetSourceIdentity and sts:TagSession are decided with the AssumeRole
    request's context, external id included."""
    context = caller_context(**{"sts:ExternalId": EXTERNAL_ID, "sts:SourceIdentity": "a.invoker"})
    for action, expected in (("sts:SetSourceIdentity", "Allowed"), ("sts:TagSession", "Allowed")):
        decision = evaluator.evaluate(
            Request(SESSION, action, OPERATIONS_ROLE, OPS, context),
            identity_policies=[IDENTITY],
            resource_policy=TRUST,
            shared_context=True,
        )
        assert decision.result == expected, action
    with pytest.raises(EvaluatorError, match="does not take context keys"):
        evaluator.evaluate(
            Request(SESSION, "sts:SetSourceIdentity", OPERATIONS_ROLE, OPS, context),
            identity_policies=[IDENTITY],
            resource_policy=TRUST,
        )


# -- condition operators and missing keys ---------------------------------------------------
ANY_MODEL = "arn:aws:bedrock:us-east-1::foundation-model/amazon.nova-lite-v1:0"


@pytest.mark.parametrize(
    ("condition", "context", "expected"),
    [
        ({"StringEquals": {"bedrock:GuardrailIdentifier": "g1"}}, {}, False),  # missing key: no match
        ({"StringEquals": {"bedrock:GuardrailIdentifier": "g1"}}, {"bedrock:GuardrailIdentifier": "g1"}, True),
        ({"StringNotEquals": {"bedrock:GuardrailIdentifier": "g1"}}, {}, True),  # negated, missing: match
        ({"StringEqualsIfExists": {"bedrock:GuardrailIdentifier": "g1"}}, {}, True),
        ({"StringEqualsIfExists": {"bedrock:GuardrailIdentifier": "g1"}}, {"bedrock:GuardrailIdentifier": "g2"}, False),
        ({"Null": {"bedrock:GuardrailIdentifier": "true"}}, {}, True),
        ({"Null": {"bedrock:GuardrailIdentifier": "false"}}, {}, False),
        (
            {"StringLike": {"bedrock:InferenceProfileArn": "arn:aws:bedrock:*:*:inference-profile/us.*"}},
            {"bedrock:InferenceProfileArn": PROFILE},
            True,
        ),
        (
            {"StringLike": {"bedrock:InferenceProfileArn": "arn:aws:bedrock:*:*:inference-profile/eu.*"}},
            {"bedrock:InferenceProfileArn": PROFILE},
            False,
        ),
        (
            {"ArnLike": {"bedrock:InferenceProfileArn": "arn:aws:bedrock:*:111111111111:*"}},
            {"bedrock:InferenceProfileArn": PROFILE},
            True,
        ),
        ({"ArnEquals": {"bedrock:InferenceProfileArn": PROFILE}}, {}, False),
        ({"Bool": {"aws:SecureTransport": "true"}}, {"aws:SecureTransport": "false"}, False),
        ({"ForAllValues:StringEquals": {"aws:TagKeys": ["TenantId"]}}, {"aws:TagKeys": ["TenantId", "X"]}, False),
        ({"ForAllValues:StringEquals": {"aws:TagKeys": ["TenantId"]}}, {}, True),  # vacuously true when absent
        ({"ForAnyValue:StringEquals": {"aws:TagKeys": ["TenantId"]}}, {}, False),
        ({"ForAnyValue:StringEquals": {"aws:TagKeys": ["TenantId"]}}, {"aws:TagKeys": ["X", "TenantId"]}, True),
        (
            {"StringEquals": {"aws:RequestedRegion": ["us-east-1", "us-west-2"]}},
            {"aws:RequestedRegion": "us-west-2"},
            True,
        ),  # values are ORed
    ],
)
def test_condition_operators(
    evaluator: PolicyEvaluator, condition: dict[str, Any], context: dict[str, Any], expected: bool
) -> None:
    identity = policy(allow("bedrock:InvokeModel", "*", Condition=condition))
    decision = evaluator.evaluate(
        Request(OPS_SESSION, "bedrock:InvokeModel", ANY_MODEL, OPS, context), identity_policies=[identity]
    )
    assert decision.allowed is expected


def test_not_action_and_not_resource(evaluator: PolicyEvaluator) -> None:
    identity = policy(
        {"Effect": "Allow", "NotAction": "bedrock:InvokeModelWithResponseStream", "Resource": "*"},
        {
            "Effect": "Deny",
            "Action": "bedrock:*",
            "NotResource": f"arn:aws:bedrock:us-east-1::foundation-model/{MODEL}",
        },
    )
    fm = f"arn:aws:bedrock:us-east-1::foundation-model/{MODEL}"
    results = [
        evaluator.evaluate(Request(OPS_SESSION, action, resource, OPS, {}), identity_policies=[identity]).result
        for action, resource in (
            ("bedrock:InvokeModel", fm),
            ("bedrock:InvokeModelWithResponseStream", fm),
            ("bedrock:InvokeModel", ANY_MODEL),
        )
    ]
    assert results == ["Allowed", "ImplicitlyDenied", "ExplicitlyDenied"]


def test_permissions_boundary_limits_identity_policies(evaluator: PolicyEvaluator) -> None:
    boundary = policy(allow("bedrock:InvokeModel", ANY_MODEL))
    request = Request(
        OPS_SESSION, "bedrock:InvokeModel", f"arn:aws:bedrock:us-east-1::foundation-model/{MODEL}", OPS, {}
    )
    assert not evaluator.evaluate(request, identity_policies=[ALLOW_ALL], permission_boundaries=[boundary]).allowed
    assert evaluator.evaluate(request, identity_policies=[ALLOW_ALL]).allowed


# -- Bedrock: profile in the source Region, foundation model in every destination -------------
def fm(region: str) -> str:
    return f"arn:aws:bedrock:{region}::foundation-model/{MODEL}"


THROUGH_PROFILE = policy(
    allow(["bedrock:InvokeModel", "bedrock:InvokeModelWithResponseStream"], PROFILE),
    allow(
        ["bedrock:InvokeModel", "bedrock:InvokeModelWithResponseStream"],
        f"arn:aws:bedrock:*::foundation-model/{MODEL}",
        Condition={"StringEquals": {"bedrock:InferenceProfileArn": PROFILE}},
    ),
)
ONE_REGION = policy(allow("bedrock:InvokeModel", [PROFILE, fm("us-east-1")]))  # the seeded defect


@pytest.mark.parametrize("destination", ["us-east-1", "us-east-2", "us-west-2"])
def test_profile_grant_covers_every_destination_and_no_direct_call(
    evaluator: PolicyEvaluator, destination: str
) -> None:
    routed = Request(
        OPS_SESSION,
        "bedrock:InvokeModel",
        fm(destination),
        OPS,
        {"bedrock:InferenceProfileArn": PROFILE, "aws:RequestedRegion": destination},
    )
    direct = Request(OPS_SESSION, "bedrock:InvokeModel", fm(destination), OPS, {"aws:RequestedRegion": destination})
    assert evaluator.evaluate(routed, identity_policies=[THROUGH_PROFILE]).allowed
    assert not evaluator.evaluate(direct, identity_policies=[THROUGH_PROFILE]).allowed  # no bypass
    assert evaluator.evaluate(routed, identity_policies=[ONE_REGION]).allowed is (destination == "us-east-1")


# -- CloudWatch Logs: log-group:NAME:* covers the group's streams, nothing else --------------
@pytest.mark.parametrize(
    ("resource", "grant", "expected"),
    [
        (f"{GROUP}:log-stream:2026/11/28/abc", f"{GROUP}:*", True),
        (f"{log_group_arn(CUSTOMER, '/bedrock-tenant/tenant-b/invocations')}:log-stream:x", f"{GROUP}:*", False),
        (f"{log_group_arn(CUSTOMER, '/bedrock-tenant/a/invocations-2')}:log-stream:x", f"{GROUP}:*", False),
        (f"{GROUP}:log-stream:x", GROUP, False),  # the group ARN alone does not cover its streams
        (f"{log_group_arn(CUSTOMER, '/bedrock-tenant/tenant-b/invocations')}:log-stream:x", "*", True),  # defect
    ],
)
def test_log_stream_grants(evaluator: PolicyEvaluator, resource: str, grant: str, expected: bool) -> None:
    identity = policy(allow(["logs:CreateLogStream", "logs:PutLogEvents"], grant))
    for action in ("logs:CreateLogStream", "logs:PutLogEvents"):
        decision = evaluator.evaluate(Request(SESSION, action, resource, CUSTOMER, {}), identity_policies=[identity])
        assert decision.allowed is expected, action


# -- KMS key policy: the Logs service principal, only with the log group's encryption context --
ROOT = {
    "Sid": "Root",
    "Effect": "Allow",
    "Principal": {"AWS": f"arn:aws:iam::{CUSTOMER}:root"},
    "Action": "kms:*",
    "Resource": "*",
}
LOGS_ACTIONS = ["kms:Encrypt*", "kms:Decrypt*", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:Describe*"]
KEY_POLICY = policy(
    ROOT,
    {
        "Effect": "Allow",
        "Principal": {"Service": "logs.us-east-1.amazonaws.com"},
        "Action": LOGS_ACTIONS,
        "Resource": "*",
        "Condition": {"ArnEquals": {"kms:EncryptionContext:aws:logs:arn": GROUP}},
    },
)
KEY_POLICY_UNCONDITIONED = policy(
    ROOT,
    {
        "Effect": "Allow",
        "Principal": {"Service": "logs.us-east-1.amazonaws.com"},
        "Action": LOGS_ACTIONS,
        "Resource": "*",
    },
)


@pytest.mark.parametrize(
    ("key_policy", "principal", "group", "expected"),
    [
        (KEY_POLICY, "logs.us-east-1.amazonaws.com", GROUP, True),
        (KEY_POLICY, "logs.us-east-1.amazonaws.com", log_group_arn(CUSTOMER, "/other"), False),
        (KEY_POLICY, "logs.eu-west-1.amazonaws.com", GROUP, False),
        (policy(ROOT), "logs.us-east-1.amazonaws.com", GROUP, False),  # root delegation does not admit services
        (KEY_POLICY_UNCONDITIONED, "logs.us-east-1.amazonaws.com", log_group_arn(CUSTOMER, "/other"), True),  # defect
    ],
)
def test_key_policy_for_logs(
    evaluator: PolicyEvaluator, key_policy: dict[str, Any], principal: str, group: str, expected: bool
) -> None:
    request = Request(principal, "kms:GenerateDataKey", KEY, CUSTOMER, {"kms:EncryptionContext:aws:logs:arn": group})
    assert evaluator.evaluate(request, resource_policy=key_policy).allowed is expected


# -- the evaluator refuses to guess ---------------------------------------------------------
def test_malformed_input_is_an_error_not_a_decision(evaluator: PolicyEvaluator) -> None:
    with pytest.raises(EvaluatorError, match="Action"):
        evaluator.evaluate(
            Request(SESSION, "sts:AssumeRole", OPERATIONS_ROLE, OPS, {}),
            resource_policy=policy({"Effect": "Allow", "Principal": "*"}),
        )
    with pytest.raises(EvaluatorError, match="does not take context keys"):
        evaluator.evaluate(
            Request(
                SESSION,
                "logs:PutLogEvents",
                f"{GROUP}:log-stream:x",
                CUSTOMER,
                {"bedrock:InferenceProfileArn": PROFILE},
            ),
            identity_policies=[ALLOW_ALL],
        )
    with pytest.raises(EvaluatorError):
        evaluator.evaluate(Request(SESSION, "logs:PutLogEvents", GROUP, CUSTOMER, {}), identity_policies=[ALLOW_ALL])
