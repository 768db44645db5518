"""Ask planned IAM policies what they allow, for plan-level assertions.

The decisions come from the embedded AWS's independent IAM evaluator
(tests/fakes/policy.py, the session fixture ``evaluator``); this module only
phrases the questions the plan tests ask: may the role this policy is attached
to do ``action`` on ``resource`` with this request context, and would a session
of a given role be let in by this trust policy.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from tests.fakes.policy import PolicyEvaluator
from tests.fakes.policy import Request as EvaluatorRequest

__all__ = ["Iam", "Request"]

# The account the plan tests' local STS answers for every provider.
PLAN_ACCOUNT = "123456789012"
ALLOW_ALL = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}


@dataclass(frozen=True)
class Request:
    """One call the role makes: ``action`` on ``resource`` with the context AWS supplies."""

    action: str
    resource: str
    context: Mapping[str, str] = field(default_factory=dict)


def _document(policy: str | Mapping[str, Any]) -> dict[str, Any]:
    return dict(json.loads(policy) if isinstance(policy, str) else policy)


def _partition(arn: str) -> str:
    parts = arn.split(":")
    return parts[1] if len(parts) > 1 and parts[1] else "aws"


class Iam:
    """The evaluator, asked about policies as the plan renders them."""

    def __init__(self, evaluator: PolicyEvaluator, account: str = PLAN_ACCOUNT) -> None:
        self.evaluator = evaluator
        self.account = account

    def allows(
        self,
        policies: Iterable[str | Mapping[str, Any]],
        request: Request,
        *,
        resource_policy: str | Mapping[str, Any] | None = None,
    ) -> bool:
        """Do these identity policies let a session of their role make ``request``?

        The resource is taken to be in the role's account (a foundation model has
        no account). A KMS key also needs its key policy (``resource_policy``):
        KMS honours IAM policies only when the key policy delegates to the account."""
        partition = _partition(request.resource)
        principal = f"arn:{partition}:sts::{self.account}:assumed-role/tenant-role/session"
        decision = self.evaluator.evaluate(
            EvaluatorRequest(principal, request.action, request.resource, self.account, dict(request.context)),
            identity_policies=[_document(p) for p in policies],
            resource_policy=None if resource_policy is None else _document(resource_policy),
            # The Region-less foundation-model ARN of global profiles is outside the
            # Service Authorization Reference's ARN formats, though AWS uses it.
            validate_resource=":::" not in request.resource,
        )
        return decision.allowed

    def trust_allows(
        self,
        trust_policy: str | Mapping[str, Any],
        role_arn: str,
        caller_role_arn: str,
        context: Mapping[str, str],
        *,
        action: str = "sts:AssumeRole",
    ) -> bool:
        """Would a session of ``caller_role_arn`` (allowed everything by its own
        account) be let into ``role_arn`` by its trust policy? A role session's
        aws:PrincipalArn is its role's ARN, path included."""
        partition, caller_account = _partition(caller_role_arn), caller_role_arn.split(":")[4]
        role_name = caller_role_arn.rsplit("/", 1)[1]
        session = f"arn:{partition}:sts::{caller_account}:assumed-role/{role_name}/session"
        full_context = {"aws:PrincipalArn": caller_role_arn, "aws:PrincipalAccount": caller_account, **context}
        decision = self.evaluator.evaluate(
            EvaluatorRequest(session, action, role_arn, role_arn.split(":")[4], full_context),
            identity_policies=[ALLOW_ALL],
            resource_policy=_document(trust_policy),
            shared_context=action != "sts:AssumeRole",
        )
        return decision.allowed
