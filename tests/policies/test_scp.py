"""policies/: the SCP that keeps Bedrock invocation logging off in the operations account.

Syntax and size: AWS Organizations user guide, "SCP syntax" (the IAM policy language
without Principal or NotPrincipal) and "Quotas for AWS Organizations" (an SCP is at
most 5,120 characters). Effect: the embedded IAM evaluator, with the SCP applied as
an SCP limits a role in a member account: whatever the role's own policies allow,
an action is allowed only if the SCPs allow it (FullAWSAccess, attached by default)
and none denies it. The evaluator is given FullAWSAccess and the SCP as the SCPs of
the role's account (@cloud-copilot/iam-simulate's serviceControlPolicies).

The break-glass exemption is by role name, so the SCP also protects that role (and
the one role allowed to manage it) from being created, deleted, re-trusted,
re-policied or passed by anyone else: the pattern of the AWS Organizations user
guide's IAM example "Prevent IAM principals from making certain changes" (with an
exception for an admin role) and of Control Tower's control protecting its own roles.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.fakes.policy import Decision, PolicyEvaluator, Request

SCP_PATH = Path(__file__).parents[2] / "policies" / "deny-bedrock-invocation-logging.scp.json"
ACCOUNT = "111111111111"
ALLOW_ALL = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}
# The SCP AWS Organizations attaches to every account by default; the SCP is attached beside it.
FULL_AWS_ACCESS = ALLOW_ALL
PUT_LOGGING = "bedrock:PutModelInvocationLoggingConfiguration"
BREAK_GLASS = "bedrock-logging-break-glass"
# The one principal that may create, delete, re-trust or re-policy the break-glass role
# (and itself): a placeholder name, substituted per policies/README.md.
ROLE_ADMIN = "bedrock-logging-role-admin"
# Every IAM action that creates, deletes, re-trusts, re-policies, re-bounds, re-tags or
# passes a role, each on the role's own ARN (Service Authorization Reference, IAM: resource
# type role). Any of them would let an administrator become, widen or replace the role.
ROLE_CHANGES = [
    "iam:CreateRole",
    "iam:DeleteRole",
    "iam:UpdateAssumeRolePolicy",
    "iam:PutRolePolicy",
    "iam:DeleteRolePolicy",
    "iam:AttachRolePolicy",
    "iam:DetachRolePolicy",
    "iam:PutRolePermissionsBoundary",
    "iam:DeleteRolePermissionsBoundary",
    "iam:UpdateRole",
    "iam:UpdateRoleDescription",
    "iam:TagRole",
    "iam:UntagRole",
    "iam:PassRole",
]


def scp() -> dict[str, Any]:
    document: dict[str, Any] = json.loads(SCP_PATH.read_text())
    return document


def decide(evaluator: PolicyEvaluator, role: str, action: str, partition: str = "aws", resource: str = "*") -> Decision:
    """The decision for a role of the operations account whose own policies allow everything
    (an administrator: AdministratorAccess) asking to do ``action`` under the SCP."""
    role_arn = f"arn:{partition}:iam::{ACCOUNT}:role/{role}"
    return evaluator.evaluate(
        Request(
            f"arn:{partition}:sts::{ACCOUNT}:assumed-role/{role.rsplit('/', 1)[-1]}/session",
            action,
            resource,
            ACCOUNT,
            {"aws:PrincipalArn": role_arn, "aws:PrincipalAccount": ACCOUNT},
        ),
        identity_policies=[ALLOW_ALL],
        service_control_policies=[FULL_AWS_ACCESS, scp()],
    )


def under_scp(evaluator: PolicyEvaluator, role: str, action: str, partition: str = "aws", resource: str = "*") -> bool:
    """May a role of the operations account that its own policies allow everything do ``action``?"""
    return decide(evaluator, role, action, partition, resource).allowed


def role_arn(name: str, partition: str = "aws") -> str:
    return f"arn:{partition}:iam::{ACCOUNT}:role/{name}"


def test_the_scp_is_valid_scp_syntax_within_the_size_limit() -> None:
    document = scp()
    assert document["Version"] == "2012-10-17"
    # Terraform (aws_organizations_policy) and the CLI save the text as given, whitespace
    # included; only the console strips it ("Quotas for AWS Organizations"). So the file
    # itself must fit, not only its minified form.
    assert len(SCP_PATH.read_text()) <= 5120
    assert len(json.dumps(document, separators=(",", ":"))) <= 5120
    for statement in document["Statement"]:
        assert not {"Principal", "NotPrincipal"} & set(statement), "SCPs do not support Principal"
        assert statement["Effect"] == "Deny"  # an SCP only limits; FullAWSAccess stays attached


@pytest.mark.parametrize(
    "role", ["OrganizationAccountAccessRole", "admin", "platform/terraform", "bedrock-tenant-acme", ROLE_ADMIN]
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


@pytest.mark.parametrize("action", ROLE_CHANGES)
@pytest.mark.parametrize("caller", ["admin", "OrganizationAccountAccessRole", BREAK_GLASS])
@pytest.mark.parametrize("target", [BREAK_GLASS, ROLE_ADMIN])
def test_nobody_but_the_role_admin_changes_the_protected_roles(
    evaluator: PolicyEvaluator, target: str, caller: str, action: str
) -> None:
    """An administrator of the operations account (or the break-glass role itself) may not
    create the break-glass role, re-trust it, give it policies, delete it to re-create it,
    or pass it to a service; nor do any of that to the role admin, which would make them
    the role admin. The refusal is the SCP's explicit deny, not a missing allow."""
    decision = decide(evaluator, caller, action, resource=role_arn(target))
    assert not decision.allowed
    assert decision.explicit_deny


@pytest.mark.parametrize("action", ROLE_CHANGES)
@pytest.mark.parametrize("target", [BREAK_GLASS, ROLE_ADMIN])
@pytest.mark.parametrize("partition", ["aws", "aws-us-gov"])
def test_the_role_admin_manages_the_protected_roles(
    evaluator: PolicyEvaluator, partition: str, target: str, action: str
) -> None:
    assert under_scp(evaluator, ROLE_ADMIN, action, partition, role_arn(target, partition))


def test_a_look_alike_role_admin_is_no_role_admin(evaluator: PolicyEvaluator) -> None:
    for impostor in [f"{ROLE_ADMIN}-2", f"ops/{ROLE_ADMIN}", ROLE_ADMIN.upper()]:
        assert not under_scp(evaluator, impostor, "iam:UpdateAssumeRolePolicy", resource=role_arn(BREAK_GLASS))


@pytest.mark.parametrize("action", ROLE_CHANGES)
@pytest.mark.parametrize(
    "target",
    [
        "bedrock-tenants/bedrock-tenant-acme",  # the tenant roles (operations-role)
        "platform/terraform",
        f"{BREAK_GLASS}-2",  # look-alikes are ordinary roles ...
        f"ops/{BREAK_GLASS}",
        BREAK_GLASS.upper(),
    ],
)
def test_administrators_still_manage_every_other_role(evaluator: PolicyEvaluator, target: str, action: str) -> None:
    assert under_scp(evaluator, "admin", action, resource=role_arn(target))


def test_a_look_alike_break_glass_role_still_cannot_turn_on_logging(evaluator: PolicyEvaluator) -> None:
    """... and whoever creates one gains nothing: the exemption matches the exact ARN
    (ArnNotLike compares case-sensitively; IAM role names are unique regardless of case)."""
    for look_alike in [f"{BREAK_GLASS}-2", f"ops/{BREAK_GLASS}", BREAK_GLASS.upper()]:
        assert not under_scp(evaluator, look_alike, PUT_LOGGING)


def test_the_readme_names_what_the_policy_names() -> None:
    """The placeholders to substitute are the ones the policy uses."""
    readme = (SCP_PATH.parent / "README.md").read_text()
    text = SCP_PATH.read_text()
    for name in (BREAK_GLASS, ROLE_ADMIN):
        assert f'role/{name}"' in text
        assert f"`{name}`" in readme
