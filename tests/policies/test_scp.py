"""policies/: the SCP that keeps Bedrock invocation logging off in the operations account.

Syntax and size: AWS Organizations user guide, "SCP syntax" (the IAM policy language
without Principal or NotPrincipal) and "Quotas for AWS Organizations" (an SCP is at
most 5,120 characters). Effect: the embedded IAM evaluator, with the SCP applied as
an SCP limits a role in a member account: whatever the role's own policies allow,
an action is allowed only if the SCPs allow it (FullAWSAccess, attached by default)
and none denies it. A permissions boundary made of FullAWSAccess plus the SCP's
statements has exactly that effect on a role, so the evaluator is asked that way.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.fakes.policy import PolicyEvaluator, Request

SCP_PATH = Path(__file__).parents[2] / "policies" / "deny-bedrock-invocation-logging.scp.json"
ACCOUNT = "111111111111"
ALLOW_ALL = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}
PUT_LOGGING = "bedrock:PutModelInvocationLoggingConfiguration"


def scp() -> dict[str, Any]:
    document: dict[str, Any] = json.loads(SCP_PATH.read_text())
    return document


def under_scp(evaluator: PolicyEvaluator, role: str, action: str, partition: str = "aws", resource: str = "*") -> bool:
    """May a role of the operations account that its own policies allow everything do ``action``?"""
    full_aws_access = {"Effect": "Allow", "Action": "*", "Resource": "*"}
    boundary = {"Version": "2012-10-17", "Statement": [full_aws_access, *scp()["Statement"]]}
    role_arn = f"arn:{partition}:iam::{ACCOUNT}:role/{role}"
    decision = evaluator.evaluate(
        Request(
            f"arn:{partition}:sts::{ACCOUNT}:assumed-role/{role.rsplit('/', 1)[-1]}/session",
            action,
            resource,
            ACCOUNT,
            {"aws:PrincipalArn": role_arn, "aws:PrincipalAccount": ACCOUNT},
        ),
        identity_policies=[ALLOW_ALL],
        permission_boundaries=[boundary],
    )
    return decision.allowed


def test_the_scp_is_valid_scp_syntax_within_the_size_limit() -> None:
    document = scp()
    assert document["Version"] == "2012-10-17"
    assert len(json.dumps(document, separators=(",", ":"))) <= 5120
    for statement in document["Statement"]:
        assert not {"Principal", "NotPrincipal"} & set(statement), "SCPs do not support Principal"
        assert statement["Effect"] == "Deny"  # an SCP only limits; FullAWSAccess stays attached


@pytest.mark.parametrize(
    "role", ["OrganizationAccountAccessRole", "admin", "platform/terraform", "bedrock-tenant-acme"]
)
def test_nobody_but_break_glass_turns_on_invocation_logging(evaluator: PolicyEvaluator, role: str) -> None:
    assert not under_scp(evaluator, role, PUT_LOGGING)


@pytest.mark.parametrize("partition", ["aws", "aws-us-gov"])
def test_the_break_glass_role_may(evaluator: PolicyEvaluator, partition: str) -> None:
    assert under_scp(evaluator, "bedrock-logging-break-glass", PUT_LOGGING, partition)
    # The exemption is the exact role: a look-alike name or another path is denied.
    assert not under_scp(evaluator, "bedrock-logging-break-glass-2", PUT_LOGGING, partition)
    assert not under_scp(evaluator, "ops/bedrock-logging-break-glass", PUT_LOGGING, partition)


@pytest.mark.parametrize(
    ("action", "resource"),
    [
        ("bedrock:DeleteModelInvocationLoggingConfiguration", "*"),  # turning it off stays possible
        ("bedrock:GetModelInvocationLoggingConfiguration", "*"),  # and checking it (audit)
        ("bedrock:InvokeModel", "arn:aws:bedrock:us-east-1::foundation-model/amazon.nova-lite-v1:0"),
        ("bedrock:CreateInferenceProfile", f"arn:aws:bedrock:us-east-1:{ACCOUNT}:application-inference-profile/p1"),
    ],
)
def test_everything_else_is_left_to_iam(evaluator: PolicyEvaluator, action: str, resource: str) -> None:
    assert under_scp(evaluator, "admin", action, resource=resource)
