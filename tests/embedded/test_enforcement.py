"""The embedded AWS refuses what AWS refuses, through the real APIs and error shapes.

Each test provisions roles and resources as an account administrator would
(the OrganizationAccountAccessRole, allow-all), then calls as a workload.
"""

from __future__ import annotations

import copy
import json
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError

from tests.fakes.authorization import MANAGEMENT_ACCOUNT
from tests.fakes.aws import CUSTOMER_ACCOUNTS, OPERATIONS_ACCOUNT, REGION, EmbeddedAws
from tests.fakes.tenants import ProvisionedTenant, log_group_arn, provision_tenant

CUSTOMER, OTHER = CUSTOMER_ACCOUNTS
EXTERNAL_ID = "ext-tenant-a-5f0c9a7e21d4"
MODEL = "anthropic.claude-3-5-haiku-20241022-v1:0"
GROUP = "/bedrock-tenant/tenant-a/invocations"


def refused(call: Any, code: str, status: int) -> str:
    """Run ``call``; assert AWS's refusal; return its message."""
    with pytest.raises(ClientError) as error:
        call()
    response = error.value.response
    assert (response["Error"]["Code"], response["ResponseMetadata"]["HTTPStatusCode"]) == (code, status)
    return str(response["Error"]["Message"])


def tenant(aws: EmbeddedAws, tenant_id: str = "tenant-a", account: str = CUSTOMER) -> ProvisionedTenant:
    return provision_tenant(
        aws,
        tenant_id=tenant_id,
        customer_account=account,
        external_id=f"ext-{tenant_id}-5f0c9a7e21d4",
    )


def assume(session: boto3.Session, role_arn: str, **arguments: Any) -> dict[str, Any]:
    return dict(session.client("sts").assume_role(RoleArn=role_arn, RoleSessionName="probe", **arguments))


# -- STS AssumeRole ---------------------------------------------------------------------------
def test_assume_role_is_refused_without_the_right_external_id(aws: EmbeddedAws) -> None:
    a = tenant(aws)
    assert assume(a.customer, a.operations_role_arn, ExternalId=EXTERNAL_ID, SourceIdentity="tenant-a")
    for arguments in ({"ExternalId": "ext-wrong-00000000000"}, {}):
        message = refused(
            lambda arguments=arguments: assume(a.customer, a.operations_role_arn, **arguments), "AccessDenied", 403
        )
        session = "bedrock-tenant-tenant-a-execution/bedrock-tenant-tenant-a-execution"
        assert message == (
            f"User: arn:aws:sts::{CUSTOMER}:assumed-role/{session}"
            f" is not authorized to perform: sts:AssumeRole on resource: {a.operations_role_arn}"
        )
        assert EXTERNAL_ID not in message
    assert len(aws.authorizer.refusals_of("sts:AssumeRole")) == 2


def test_another_tenants_workload_is_refused_even_with_the_external_id(aws: EmbeddedAws) -> None:
    a, b = tenant(aws), tenant(aws, "tenant-b", OTHER)
    refused(lambda: assume(b.customer, a.operations_role_arn, ExternalId=EXTERNAL_ID), "AccessDenied", 403)
    # ...and a role in tenant a's own account that is not its execution role, with an allow-all policy.
    intruder = aws.account_session(CUSTOMER, role_name="intruder")
    refused(lambda: assume(intruder, a.operations_role_arn, ExternalId=EXTERNAL_ID), "AccessDenied", 403)


def test_cross_account_assume_role_needs_the_callers_identity_policy(aws: EmbeddedAws) -> None:
    a = tenant(aws)
    no_grant = aws.account_session(
        CUSTOMER,
        role_name="bedrock-tenant-tenant-a-execution",
        policy={
            "Version": "2012-10-17",
            "Statement": [{"Effect": "Allow", "Action": "logs:*", "Resource": "*"}],
        },
    )
    refused(lambda: assume(no_grant, a.operations_role_arn, ExternalId=EXTERNAL_ID), "AccessDenied", 403)


def test_source_identity_and_session_tags_need_their_own_trust_actions(aws: EmbeddedAws) -> None:
    a = tenant(aws)
    iam = aws.admin_session(OPERATIONS_ACCOUNT).client("iam")
    # A refusal case: the rendered trust without its SetSourceIdentity and TagSession statements.
    trust = copy.deepcopy(a.policies.trust)
    trust["Statement"] = [s for s in trust["Statement"] if s["Sid"] == "TenantWorkloadsWithExternalId"]
    iam.update_assume_role_policy(RoleName="bedrock-tenant-tenant-a", PolicyDocument=json.dumps(trust))
    assert assume(a.customer, a.operations_role_arn, ExternalId=EXTERNAL_ID)
    refused(
        lambda: assume(a.customer, a.operations_role_arn, ExternalId=EXTERNAL_ID, SourceIdentity="tenant-a"),
        "AccessDenied",
        403,
    )
    refused(
        lambda: assume(
            a.customer, a.operations_role_arn, ExternalId=EXTERNAL_ID, Tags=[{"Key": "TenantId", "Value": "tenant-a"}]
        ),
        "AccessDenied",
        403,
    )
    assert [r.action for r in aws.authorizer.refusals] == ["sts:SetSourceIdentity", "sts:TagSession"]


def test_session_tags_are_matched_by_key_and_value(aws: EmbeddedAws) -> None:
    a = tenant(aws)  # the rendered trust: TenantSessionTagsOnly admits TenantId = tenant-a
    ok = [{"Key": "TenantId", "Value": "tenant-a"}]
    assert assume(a.customer, a.operations_role_arn, ExternalId=EXTERNAL_ID, Tags=ok)
    for tags in ([{"Key": "TenantId", "Value": "tenant-b"}], [*ok, {"Key": "Extra", "Value": "x"}]):
        refused(
            lambda tags=tags: assume(a.customer, a.operations_role_arn, ExternalId=EXTERNAL_ID, Tags=tags),
            "AccessDenied",
            403,
        )


def test_principal_org_id_is_the_embedded_organisations(aws: EmbeddedAws) -> None:
    a = tenant(aws)
    organization = aws.admin_session(OPERATIONS_ACCOUNT).client("organizations").describe_organization()
    org_id = organization["Organization"]["Id"]
    assert organization["Organization"]["MasterAccountId"] == MANAGEMENT_ACCOUNT
    iam = aws.admin_session(OPERATIONS_ACCOUNT).client("iam")
    for required, allowed in ((org_id, True), ("o-otherorg000", False)):
        trust = copy.deepcopy(a.policies.trust)  # as operations-role renders principal_org_id
        for statement in trust["Statement"]:
            statement["Condition"]["StringEquals"]["aws:PrincipalOrgID"] = required
        iam.update_assume_role_policy(RoleName="bedrock-tenant-tenant-a", PolicyDocument=json.dumps(trust))
        if allowed:
            assert assume(a.customer, a.operations_role_arn, ExternalId=EXTERNAL_ID)
        else:
            refused(lambda: assume(a.customer, a.operations_role_arn, ExternalId=EXTERNAL_ID), "AccessDenied", 403)


def test_missing_roles_and_long_sessions_are_refused(aws: EmbeddedAws) -> None:
    a = tenant(aws)
    missing = f"arn:aws:iam::{OPERATIONS_ACCOUNT}:role/no-such-role"
    refused(lambda: assume(aws.admin_session(CUSTOMER), missing), "AccessDenied", 403)
    refused(
        lambda: assume(a.customer, a.operations_role_arn, ExternalId=EXTERNAL_ID, DurationSeconds=7200),
        "ValidationError",
        400,
    )


def test_lambda_service_gets_an_execution_role_only_through_its_trust_policy(aws: EmbeddedAws) -> None:
    iam = aws.admin_session(CUSTOMER).client("iam")
    iam.create_role(
        RoleName="not-for-lambda",
        AssumeRolePolicyDocument=json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [
                    {"Effect": "Allow", "Principal": {"Service": "ecs-tasks.amazonaws.com"}, "Action": "sts:AssumeRole"}
                ],
            }
        ),
    )
    with pytest.raises(PermissionError, match=r"lambda\.amazonaws\.com"):
        aws.service_session(f"arn:aws:iam::{CUSTOMER}:role/not-for-lambda")


# -- CloudWatch Logs ----------------------------------------------------------------------------
def test_workload_writes_only_its_own_log_group(aws: EmbeddedAws) -> None:
    a = tenant(aws)
    admin_logs = aws.admin_session(CUSTOMER).client("logs")
    admin_logs.create_log_group(logGroupName="/bedrock-tenant/tenant-b/invocations")
    logs = a.customer.client("logs")
    logs.create_log_stream(logGroupName=GROUP, logStreamName="s")
    logs.put_log_events(logGroupName=GROUP, logStreamName="s", logEvents=[{"timestamp": 1, "message": "ok"}])
    admin_logs.create_log_stream(logGroupName="/bedrock-tenant/tenant-b/invocations", logStreamName="s")
    for call in (
        lambda: logs.create_log_stream(logGroupName="/bedrock-tenant/tenant-b/invocations", logStreamName="t"),
        lambda: logs.put_log_events(
            logGroupName="/bedrock-tenant/tenant-b/invocations",
            logStreamName="s",
            logEvents=[{"timestamp": 1, "message": "leak"}],
        ),
    ):
        message = refused(call, "AccessDeniedException", 400)
        assert "log-group:/bedrock-tenant/tenant-b/invocations:log-stream:" in message
    events = admin_logs.get_log_events(logGroupName="/bedrock-tenant/tenant-b/invocations", logStreamName="s")
    assert events["events"] == []


def test_a_grant_on_the_group_arn_alone_does_not_cover_its_streams(aws: EmbeddedAws) -> None:
    aws.admin_session(CUSTOMER).client("logs").create_log_group(logGroupName=GROUP)
    session = aws.account_session(
        CUSTOMER,
        policy={
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Effect": "Allow",
                    "Action": ["logs:CreateLogStream", "logs:PutLogEvents"],
                    "Resource": log_group_arn(CUSTOMER, GROUP),
                }
            ],
        },
    )
    refused(
        lambda: session.client("logs").create_log_stream(logGroupName=GROUP, logStreamName="s"),
        "AccessDeniedException",
        400,
    )


# -- KMS keys for log groups ----------------------------------------------------------------------
def key_policy(*, conditioned_on: str | None, service: str = f"logs.{REGION}.amazonaws.com") -> dict[str, Any]:
    logs: dict[str, Any] = {
        "Effect": "Allow",
        "Principal": {"Service": service},
        "Action": ["kms:Encrypt*", "kms:Decrypt*", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:Describe*"],
        "Resource": "*",
    }
    if conditioned_on is not None:
        logs["Condition"] = {
            "ArnEquals": {"kms:EncryptionContext:aws:logs:arn": log_group_arn(CUSTOMER, conditioned_on)}
        }
    root = {
        "Effect": "Allow",
        "Principal": {"AWS": f"arn:aws:iam::{CUSTOMER}:root"},
        "Action": "kms:*",
        "Resource": "*",
    }
    return {"Version": "2012-10-17", "Statement": [root, logs]}


@pytest.mark.parametrize(
    ("policy", "group", "allowed"),
    [
        (key_policy(conditioned_on=GROUP), GROUP, True),
        (key_policy(conditioned_on=GROUP), "/bedrock-tenant/tenant-b/invocations", False),
        (key_policy(conditioned_on=None), "/bedrock-tenant/tenant-b/invocations", True),
        (key_policy(conditioned_on=GROUP, service="logs.eu-west-1.amazonaws.com"), GROUP, False),
        (
            {
                "Version": "2012-10-17",
                "Statement": [
                    {
                        "Effect": "Allow",
                        "Principal": {"AWS": f"arn:aws:iam::{CUSTOMER}:root"},
                        "Action": "kms:*",
                        "Resource": "*",
                    }
                ],
            },
            GROUP,
            False,
        ),
    ],
    ids=["own-group", "other-group", "unconditioned", "other-region-service", "root-only"],
)
def test_log_group_keys_need_the_logs_service_with_the_groups_context(
    aws: EmbeddedAws, policy: dict[str, Any], group: str, allowed: bool
) -> None:
    admin = aws.admin_session(CUSTOMER)
    key_arn = admin.client("kms").create_key(Policy=json.dumps(policy))["KeyMetadata"]["Arn"]
    logs = admin.client("logs")

    def create() -> None:
        logs.create_log_group(logGroupName=group, kmsKeyId=key_arn)

    associate_group = f"{group}-associated"
    if allowed:
        create()
        assert logs.describe_log_groups(logGroupNamePrefix=group)["logGroups"][0]["kmsKeyId"] == key_arn
        return
    message = refused(create, "AccessDeniedException", 400)
    assert message == (
        f"The specified KMS key does not exist or is not allowed to be used with Arn '{log_group_arn(CUSTOMER, group)}'"
    )
    assert logs.describe_log_groups(logGroupNamePrefix=group)["logGroups"] == []
    logs.create_log_group(logGroupName=associate_group)
    refused(
        lambda: logs.associate_kms_key(logGroupName=associate_group, kmsKeyId=key_arn), "AccessDeniedException", 400
    )


def test_a_key_that_does_not_exist_or_is_in_another_region_is_refused(aws: EmbeddedAws) -> None:
    admin = aws.admin_session(CUSTOMER)
    other_region = admin.client("kms", region_name="us-west-2").create_key(
        Policy=json.dumps(key_policy(conditioned_on=None))
    )["KeyMetadata"]["Arn"]
    logs = admin.client("logs")
    for key in (other_region, f"arn:aws:kms:{REGION}:{CUSTOMER}:key/00000000-0000-0000-0000-000000000000"):
        refused(lambda key=key: logs.create_log_group(logGroupName=GROUP, kmsKeyId=key), "AccessDeniedException", 400)


# -- Lambda reserved concurrency -------------------------------------------------------------------
def create_function(lambda_client: Any, name: str, role_arn: str) -> None:
    lambda_client.create_function(
        FunctionName=name,
        Runtime="python3.12",
        Role=role_arn,
        Handler="index.handler",
        Code={"ZipFile": b"PK\x05\x06" + b"\x00" * 18},
    )


@pytest.mark.parametrize(("limit", "first", "second", "minimum"), [(1000, 890, 11, 100), (10, 1, None, 10)])
def test_reserved_concurrency_keeps_the_unreserved_minimum(
    aws: EmbeddedAws, limit: int, first: int, second: int | None, minimum: int
) -> None:
    aws.authorizer.lambda_concurrency_limit = limit
    try:
        admin = aws.admin_session(CUSTOMER)
        role = admin.client("iam").create_role(
            RoleName="fn",
            AssumeRolePolicyDocument=json.dumps(
                {
                    "Version": "2012-10-17",
                    "Statement": [
                        {
                            "Effect": "Allow",
                            "Principal": {"Service": "lambda.amazonaws.com"},
                            "Action": "sts:AssumeRole",
                        }
                    ],
                }
            ),
        )["Role"]["Arn"]
        client = admin.client("lambda")
        for name in ("first", "second"):
            create_function(client, name, role)
        if second is None:
            message = refused(
                lambda: client.put_function_concurrency(FunctionName="first", ReservedConcurrentExecutions=first),
                "InvalidParameterValueException",
                400,
            )
        else:
            client.put_function_concurrency(FunctionName="first", ReservedConcurrentExecutions=first)
            client.put_function_concurrency(FunctionName="second", ReservedConcurrentExecutions=second - 1)
            message = refused(
                lambda: client.put_function_concurrency(FunctionName="second", ReservedConcurrentExecutions=second),
                "InvalidParameterValueException",
                400,
            )
        assert message == (
            "Specified ReservedConcurrentExecutions for function decreases account's UnreservedConcurrentExecution "
            f"below its minimum value of [{minimum}]."
        )
    finally:
        aws.authorizer.lambda_concurrency_limit = 1000
