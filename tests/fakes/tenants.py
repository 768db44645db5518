"""A tenant set up in the embedded AWS by hand, with the policies the modules render.

The runtime's functional tests and the benchmarks need a tenant without running
Terraform: an operations role (trust: the customer account, ``ArnEquals
aws:PrincipalArn`` on the execution role, ``StringEquals sts:ExternalId``;
permissions: the allowed models) and a Lambda execution role (may assume that
role and write its own log groups). The policy builders here are also what the
evaluator tests call the "target shapes".
"""

from __future__ import annotations

import contextlib
import json
from dataclasses import dataclass
from typing import Any

import boto3

from .aws import OPERATIONS_ACCOUNT, REGION, EmbeddedAws

__all__ = [
    "ProvisionedTenant",
    "bedrock_permissions",
    "execution_permissions",
    "log_group_arn",
    "operations_trust",
    "provision_tenant",
]

Policy = dict[str, Any]


def log_group_arn(account: str, name: str, region: str = REGION) -> str:
    return f"arn:aws:logs:{region}:{account}:log-group:{name}"


def operations_trust(customer_account: str, execution_role_arns: list[str], external_id: str) -> Policy:
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "TenantWorkloadsWithExternalId",
                "Effect": "Allow",
                "Principal": {"AWS": f"arn:aws:iam::{customer_account}:root"},
                "Action": ["sts:AssumeRole", "sts:SetSourceIdentity", "sts:TagSession"],
                "Condition": {
                    "ArnEquals": {"aws:PrincipalArn": execution_role_arns},
                    "StringEquals": {"sts:ExternalId": external_id},
                },
            }
        ],
    }


def bedrock_permissions(model_ids: list[str], regions: list[str]) -> Policy:
    """Direct (on-demand) invocation of ``model_ids`` in ``regions``."""
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "InvokeAllowedModels",
                "Effect": "Allow",
                "Action": ["bedrock:InvokeModel", "bedrock:InvokeModelWithResponseStream"],
                "Resource": [
                    f"arn:aws:bedrock:{region}::foundation-model/{model}" for region in regions for model in model_ids
                ],
            }
        ],
    }


def execution_permissions(operations_role_arn: str, log_group_arns: list[str]) -> Policy:
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "AssumeTheTenantOperationsRole",
                "Effect": "Allow",
                "Action": ["sts:AssumeRole", "sts:SetSourceIdentity", "sts:TagSession"],
                "Resource": operations_role_arn,
            },
            {
                "Sid": "WriteOwnLogGroups",
                "Effect": "Allow",
                "Action": ["logs:CreateLogStream", "logs:PutLogEvents"],
                "Resource": [f"{arn}:*" for arn in log_group_arns],
            },
        ],
    }


@dataclass(frozen=True)
class ProvisionedTenant:
    customer: boto3.Session  # the execution role's credentials, as Lambda gets them
    operations_role_arn: str
    execution_role_arn: str


def provision_tenant(
    aws: EmbeddedAws,
    *,
    tenant_id: str,
    customer_account: str,
    external_id: str,
    model_ids: list[str],
    log_group: str,
    create_log_group: bool = True,
    region: str = REGION,
) -> ProvisionedTenant:
    """Create (or update) the tenant's operations role, execution role and (by default) log group."""
    role_name = f"bedrock-tenant-{tenant_id}"
    operations_role_arn = f"arn:aws:iam::{OPERATIONS_ACCOUNT}:role/{role_name}"
    execution_role_name = f"{role_name}-execution"
    execution_role_arn = f"arn:aws:iam::{customer_account}:role/{execution_role_name}"
    iam = aws.admin_session(OPERATIONS_ACCOUNT).client("iam")
    trust = json.dumps(operations_trust(customer_account, [execution_role_arn], external_id))
    try:
        iam.create_role(RoleName=role_name, AssumeRolePolicyDocument=trust)
    except iam.exceptions.EntityAlreadyExistsException:
        iam.update_assume_role_policy(RoleName=role_name, PolicyDocument=trust)
    iam.put_role_policy(
        RoleName=role_name,
        PolicyName="bedrock-invoke",
        PolicyDocument=json.dumps(bedrock_permissions(model_ids, [region])),
    )
    if create_log_group:
        logs = aws.admin_session(customer_account).client("logs", region_name=region)
        with contextlib.suppress(logs.exceptions.ResourceAlreadyExistsException):
            logs.create_log_group(logGroupName=log_group)
    customer = aws.account_session(
        customer_account,
        role_name=execution_role_name,
        policy=execution_permissions(operations_role_arn, [log_group_arn(customer_account, log_group, region)]),
    )
    return ProvisionedTenant(customer, operations_role_arn, execution_role_arn)
