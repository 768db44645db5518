"""Session tags at AssumeRole on the embedded AWS: the runtime passes its cost
allocation tags, and a trust policy of the operations-role module's shape
(statement TenantSessionTagsOnly) refuses values that are not the tenant's."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from bedrock_tenant.errors import ConfigurationError
from bedrock_tenant.settings import Settings

from tests.fakes.aws import OPERATIONS_ACCOUNT, EmbeddedAws
from tests.python.conftest import CUSTOMER_ACCOUNTS, EXTERNAL_IDS, Tenant, operations_role_arn


def restrict_session_tags(aws: EmbeddedAws, tenant_id: str, execution_role_arn: str, tags: dict[str, str]) -> None:
    """The operations role's trust policy as modules/operations-role renders it with
    allow_session_tags = true (tests/terraform/operations_role/test_cost.py asserts that shape)."""
    common = {
        "Principal": {"AWS": f"arn:aws:iam::{CUSTOMER_ACCOUNTS[tenant_id]}:root"},
        "Effect": "Allow",
    }
    policy = {
        "Version": "2012-10-17",
        "Statement": [
            {
                **common,
                "Sid": "TenantWorkloadsWithExternalId",
                "Action": ["sts:AssumeRole", "sts:SetSourceIdentity"],
                "Condition": {
                    "ArnEquals": {"aws:PrincipalArn": execution_role_arn},
                    "StringEquals": {"sts:ExternalId": EXTERNAL_IDS[tenant_id]},
                },
            },
            {
                **common,
                "Sid": "TenantSessionTagsOnly",
                "Action": "sts:TagSession",
                "Condition": {
                    "ArnEquals": {"aws:PrincipalArn": execution_role_arn},
                    "StringEquals": {"sts:ExternalId": EXTERNAL_IDS[tenant_id]},
                    "StringEqualsIfExists": {f"aws:RequestTag/{key}": value for key, value in tags.items()},
                    "ForAllValues:StringEquals": {"aws:TagKeys": sorted(tags)},
                },
            },
        ],
    }
    iam = aws.admin_session(OPERATIONS_ACCOUNT).client("iam")
    iam.update_assume_role_policy(
        RoleName=operations_role_arn(tenant_id).rsplit("/", 1)[1], PolicyDocument=json.dumps(policy)
    )


def execution_role_of(tenant: Tenant) -> str:
    identity: Any = tenant.customer.client("sts").get_caller_identity()
    # arn:aws:sts::<account>:assumed-role/<role>/<session> -> the role's ARN
    role = identity["Arn"].split("/")[1]
    return f"arn:aws:iam::{identity['Account']}:role/{role}"


@pytest.mark.parametrize(
    ("session_tags", "status"),
    [
        ({"TenantId": "tenant-a", "CostCenter": "cc-a"}, 200),
        ({"CostCenter": "cc-a"}, 200),
        ({"CostCenter": "cc-b"}, 502),  # another cost centre
        ({"TenantId": "tenant-a", "Project": "x"}, 502),  # a key the role does not admit
    ],
    ids=["own tags", "own cost centre", "other cost centre", "extra key"],
)
def test_the_operations_role_refuses_tags_that_are_not_the_tenants(
    aws: EmbeddedAws, make_tenant: Callable[..., Tenant], session_tags: dict[str, str], status: int
) -> None:
    tenant = make_tenant("tenant-a", session_tags=session_tags)
    restrict_session_tags(aws, "tenant-a", execution_role_of(tenant), {"TenantId": "tenant-a", "CostCenter": "cc-a"})
    response = tenant.invoke({"prompt": "hello"})
    assert response["statusCode"] == status
    refused = [refusal.action for refusal in aws.authorizer.refusals]
    assert ("sts:TagSession" in refused) is (status != 200)
    if status == 200:
        assert aws.bedrock.calls, "the call reached Bedrock"


def test_a_session_tenant_id_of_another_tenant_is_refused_at_start() -> None:
    with pytest.raises(ConfigurationError) as error:
        Settings.from_env(
            {},
            tenant_id="tenant-a",
            operations_role_arn=operations_role_arn("tenant-a"),
            external_id=EXTERNAL_IDS["tenant-a"],
            model_id="amazon.nova-lite-v1:0",
            bedrock_region="us-east-1",
            sink="stdout",
            session_tags='{"TenantId": "tenant-b"}',
        )
    assert "BEDROCK_TENANT_SESSION_TAGS" in str(error.value)


@pytest.mark.parametrize(
    "value",
    ['["TenantId"]', "TenantId=acme", '{"": "x"}', '{"Key#": "x"}', json.dumps({f"k{i}": "v" for i in range(51)})],
)
def test_malformed_session_tags_name_the_variable(value: str) -> None:
    with pytest.raises(ConfigurationError) as error:
        Settings.from_env(
            {},
            tenant_id="tenant-a",
            operations_role_arn=operations_role_arn("tenant-a"),
            external_id=EXTERNAL_IDS["tenant-a"],
            model_id="amazon.nova-lite-v1:0",
            bedrock_region="us-east-1",
            sink="stdout",
            session_tags=value,
        )
    assert "BEDROCK_TENANT_SESSION_TAGS" in str(error.value)
