"""Session tags at AssumeRole on the embedded AWS, with the policies the modules render
(tests/fakes/tenants.py): the runtime passes its cost allocation tags, the execution
role may tag its session (customer-invoker grants sts:TagSession with session_tags),
and the operations role's trust (statement TenantSessionTagsOnly) refuses values that
are not the tenant's."""

from __future__ import annotations

import json
from collections.abc import Callable

import pytest
from bedrock_tenant.errors import ConfigurationError
from bedrock_tenant.settings import Settings

from tests.fakes.aws import EmbeddedAws
from tests.fakes.tenants import CANONICAL
from tests.python.conftest import EXTERNAL_IDS, Tenant, operations_role_arn

OWN_COST_CENTER = CANONICAL["cost_center"]  # the cost_center the rendered operations role admits


@pytest.mark.parametrize(
    ("session_tags", "status"),
    [
        ({"TenantId": "tenant-a", "CostCenter": OWN_COST_CENTER}, 200),
        ({"CostCenter": OWN_COST_CENTER}, 200),
        ({"CostCenter": "cc-b"}, 502),  # another cost centre
        ({"TenantId": "tenant-a", "Project": "x"}, 502),  # a key the role does not admit
    ],
    ids=["own tags", "own cost centre", "other cost centre", "extra key"],
)
def test_the_operations_role_refuses_tags_that_are_not_the_tenants(
    aws: EmbeddedAws, make_tenant: Callable[..., Tenant], session_tags: dict[str, str], status: int
) -> None:
    tenant = make_tenant("tenant-a", session_tags=session_tags)
    response = tenant.invoke({"prompt": "hello"})
    assert response["statusCode"] == status
    # Issue 22: "own tags" was refused before customer-invoker granted sts:TagSession to
    # the execution role (STS requires it in the caller's identity policy too).
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
