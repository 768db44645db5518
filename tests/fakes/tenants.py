"""A tenant set up in the embedded AWS without Terraform, with the policies the modules render.

The runtime's functional tests and the benchmarks need a tenant without running
Terraform. Its policies are never written here: ``rendered_policies.json`` holds
what modules/operations-role (trust and permission policies) and
modules/customer-invoker (the execution role's policy) rendered in the plans of
tests/embedded/test_policy_simulation.py, for one canonical tenant with source
identity and session tags allowed, and (``operations_role_with_guardrail``) the
permissions operations-role rendered for the ``existing_guardrail`` case of
tests/terraform/operations_role/test_guardrail.py. Those tests fail when a module
renders anything else (regenerate with ``BEDROCK_TENANT_UPDATE_RENDERED=1``), so an
embedded tenant always runs with what the modules render today. Here only the canonical tenant's
names and ids are replaced by another tenant's.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import boto3

from .aws import OPERATIONS_ACCOUNT, REGION, EmbeddedAws

__all__ = [
    "CANONICAL",
    "GUARDED",
    "RENDERED_POLICIES",
    "ProvisionedTenant",
    "TenantPolicies",
    "check_rendered",
    "invocation_log_group",
    "log_group_arn",
    "provision_tenant",
    "rendered_guarded_permissions",
    "rendered_policies",
]

Policy = dict[str, Any]
RENDERED_POLICIES = Path(__file__).with_name("rendered_policies.json")
# The inputs of the plans the documents come from (test_policy_simulation.py).
CANONICAL = {
    "tenant_id": "acme",
    "operations_account": "111111111111",
    "customer_account": "222222222222",
    "external_id": "0123456789abcdef0123456789abcdef",
    "cost_center": "cc-42",
}


# The existing_guardrail case's inputs (tests/terraform/operations_role/cases.yaml).
GUARDED = {
    "operations_account": "123456789012",
    "guardrail_arn": "arn:aws:bedrock:us-east-1:123456789012:guardrail/abc123def456",
    "guardrail_version": "3",
}


def check_rendered(section: str, documents: dict[str, Any]) -> None:
    """Assert that ``section`` of rendered_policies.json holds ``documents`` (what a
    test's plan rendered); with BEDROCK_TENANT_UPDATE_RENDERED=1, write it there first."""
    snapshot = json.loads(RENDERED_POLICIES.read_text())
    if os.environ.get("BEDROCK_TENANT_UPDATE_RENDERED") == "1":
        snapshot[section] = documents
        RENDERED_POLICIES.write_text(json.dumps(snapshot, indent=2, sort_keys=True) + "\n")
    assert snapshot.get(section) == documents, (
        f"{RENDERED_POLICIES} [{section}] is stale: rerun this test with BEDROCK_TENANT_UPDATE_RENDERED=1"
    )


def _substituted(replacements: dict[str, str]) -> Any:
    """rendered_policies.json with each key replaced by its value, in one pass (so a
    replacement is never replaced again; longest keys first)."""
    pattern = re.compile("|".join(re.escape(old) for old in sorted(replacements, key=len, reverse=True)))
    return json.loads(pattern.sub(lambda match: replacements[match.group(0)], RENDERED_POLICIES.read_text()))


def rendered_guarded_permissions(guardrail_arn: str, version: str, operations_account: str) -> Policy:
    """operations-role's Bedrock policy with a guardrail (allowed models, ApplyGuardrail,
    the Deny of calls without the guardrail's ARN:version), for this guardrail."""
    documents = _substituted(
        {
            f"{GUARDED['guardrail_arn']}:{GUARDED['guardrail_version']}": f"{guardrail_arn}:{version}",
            GUARDED["guardrail_arn"]: guardrail_arn,
            GUARDED["operations_account"]: operations_account,
        }
    )
    permissions: Policy
    [permissions] = documents["operations_role_with_guardrail"]["permissions"]
    return permissions


def log_group_arn(account: str, name: str, region: str = REGION) -> str:
    return f"arn:aws:logs:{region}:{account}:log-group:{name}"


def invocation_log_group(tenant_id: str) -> str:
    """customer-invoker's default invocation_log_group_name."""
    return f"/bedrock-tenant/{tenant_id}/invocations"


@dataclass(frozen=True)
class TenantPolicies:
    trust: Policy  # the operations role's trust policy
    permissions: list[Policy]  # the operations role's inline policies
    execution: list[Policy]  # the Lambda execution role's inline policies


def rendered_policies(
    tenant_id: str,
    customer_account: str,
    external_id: str,
    *,
    cost_center: str = CANONICAL["cost_center"],
) -> TenantPolicies:
    """The modules' documents for this tenant: the canonical tenant's, with its
    tenant id, customer account, external id and cost centre replaced (in one pass,
    so a replacement is never replaced again)."""
    documents = _substituted(
        {
            CANONICAL["customer_account"]: customer_account,
            CANONICAL["external_id"]: external_id,
            CANONICAL["cost_center"]: cost_center,
            CANONICAL["tenant_id"]: tenant_id,
        }
    )
    return TenantPolicies(
        trust=documents["operations_role"]["trust"],
        permissions=documents["operations_role"]["permissions"],
        execution=documents["customer_invoker"]["execution"],
    )


@dataclass(frozen=True)
class ProvisionedTenant:
    customer: boto3.Session  # the execution role's credentials, as Lambda gets them
    operations_role_arn: str
    execution_role_arn: str
    policies: TenantPolicies


def provision_tenant(
    aws: EmbeddedAws,
    *,
    tenant_id: str,
    customer_account: str,
    external_id: str,
    create_log_group: bool = True,
    cost_center: str = CANONICAL["cost_center"],
) -> ProvisionedTenant:
    """Create (or update) the tenant's operations role, execution role and (by
    default) invocation log group, under the names customer-invoker gives them by
    default (the execution policy names those log groups)."""
    policies = rendered_policies(tenant_id, customer_account, external_id, cost_center=cost_center)
    role_name = f"bedrock-tenant-{tenant_id}"
    operations_role_arn = f"arn:aws:iam::{OPERATIONS_ACCOUNT}:role/{role_name}"
    execution_role_name = f"{role_name}-execution"
    execution_role_arn = f"arn:aws:iam::{customer_account}:role/{execution_role_name}"
    iam = aws.admin_session(OPERATIONS_ACCOUNT).client("iam")
    trust = json.dumps(policies.trust)
    try:
        iam.create_role(RoleName=role_name, AssumeRolePolicyDocument=trust)
    except iam.exceptions.EntityAlreadyExistsException:
        iam.update_assume_role_policy(RoleName=role_name, PolicyDocument=trust)
    for index, document in enumerate(policies.permissions):
        iam.put_role_policy(RoleName=role_name, PolicyName=f"bedrock-{index}", PolicyDocument=json.dumps(document))
    if create_log_group:
        logs = aws.admin_session(customer_account).client("logs", region_name=REGION)
        with contextlib.suppress(logs.exceptions.ResourceAlreadyExistsException):
            logs.create_log_group(logGroupName=invocation_log_group(tenant_id))
    [execution] = policies.execution
    customer = aws.account_session(customer_account, role_name=execution_role_name, policy=execution)
    return ProvisionedTenant(customer, operations_role_arn, execution_role_arn, policies)
