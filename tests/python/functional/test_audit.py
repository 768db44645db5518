"""``python -m bedrock_tenant audit`` on the embedded AWS: passes on a clean tenant, and names
the line that fails when someone turns on invocation logging, widens a trust policy, grants
bearer tokens, removes a log group's key or ships its records to another account."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import boto3
import pytest
from bedrock_tenant.__main__ import main
from bedrock_tenant.audit import Check, audit_customer, audit_operations, render

from tests.fakes.aws import OPERATIONS_ACCOUNT, REGION, EmbeddedAws, frozen_credentials
from tests.fakes.tenants import rendered_policies

CUSTOMER = "222222222222"
TENANT = "acme"
EXTERNAL_ID = "acme-ext-5f0c9a7e21d4aa"
ROLE = f"bedrock-tenant-{TENANT}"
GROUPS = (f"/bedrock-tenant/{TENANT}/invocations", f"/aws/lambda/bedrock-tenant-{TENANT}")


@dataclass
class Accounts:
    operations: boto3.Session
    customer: boto3.Session
    key_arn: str


def key_policy(account: str) -> str:
    """Delegation to the account, and the Logs service for the tenant's log groups (as customer-invoker)."""
    groups = [f"arn:aws:logs:{REGION}:{account}:log-group:{name}" for name in GROUPS]
    return json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Effect": "Allow",
                    "Principal": {"AWS": f"arn:aws:iam::{account}:root"},
                    "Action": "kms:*",
                    "Resource": "*",
                },
                {
                    "Effect": "Allow",
                    "Principal": {"Service": f"logs.{REGION}.amazonaws.com"},
                    "Action": [
                        "kms:Encrypt*",
                        "kms:Decrypt*",
                        "kms:ReEncrypt*",
                        "kms:GenerateDataKey*",
                        "kms:Describe*",
                    ],
                    "Resource": "*",
                    "Condition": {"ArnEquals": {"kms:EncryptionContext:aws:logs:arn": groups}},
                },
            ],
        }
    )


@pytest.fixture
def accounts(aws: EmbeddedAws) -> Accounts:
    operations = aws.admin_session(OPERATIONS_ACCOUNT)
    iam = operations.client("iam")
    # The documents the modules render (tests/fakes/tenants.py), the API-key deny included.
    rendered = rendered_policies(TENANT, CUSTOMER, EXTERNAL_ID)
    iam.create_role(
        RoleName=ROLE,
        Path="/bedrock-tenants/",
        AssumeRolePolicyDocument=json.dumps(rendered.trust),
        Tags=[{"Key": "TenantId", "Value": TENANT}],
    )
    for index, permissions in enumerate(rendered.permissions):
        iam.put_role_policy(RoleName=ROLE, PolicyName=f"bedrock-{index}", PolicyDocument=json.dumps(permissions))
    customer = aws.admin_session(CUSTOMER)
    key_arn = customer.client("kms").create_key(Policy=key_policy(CUSTOMER))["KeyMetadata"]["Arn"]
    logs = customer.client("logs")
    for name in GROUPS:
        logs.create_log_group(logGroupName=name, kmsKeyId=key_arn)
        logs.put_retention_policy(logGroupName=name, retentionInDays=365)
    return Accounts(operations, customer, key_arn)


def without_key(logs: Any, name: str) -> None:
    """The log group recreated without its KMS key (moto has no DisassociateKmsKey)."""
    logs.delete_log_group(logGroupName=name)
    logs.create_log_group(logGroupName=name)
    logs.put_retention_policy(logGroupName=name, retentionInDays=365)


def failed(checks: list[Check]) -> list[tuple[str, str]]:
    return [(c.subject, c.check) for c in checks if not c.ok]


def test_a_clean_tenant_passes_both_sides(accounts: Accounts) -> None:
    operations = audit_operations(accounts.operations, [REGION, "us-west-2"])
    assert failed(operations) == []
    assert {c.check for c in operations} >= {
        "Bedrock model invocation logging off",
        "trust requires sts:ExternalId",
        "trust names no * principal",
        "no Bedrock API keys (bearer tokens)",
        "no log group named for a tenant",
        "no bucket named for a tenant",
    }
    customer = audit_customer(accounts.customer, TENANT, kms_key_arn=accounts.key_arn)
    assert failed(customer) == []
    assert len(customer) == 2 * 4


def test_invocation_logging_in_the_operations_account_fails_its_region(accounts: Accounts) -> None:
    bedrock = accounts.operations.client("bedrock", region_name="us-west-2")
    bedrock.put_model_invocation_logging_configuration(
        loggingConfig={
            "cloudWatchConfig": {"logGroupName": "bedrock-invocations", "roleArn": "arn:aws:iam::111111111111:role/x"},
            "textDataDeliveryEnabled": True,
        }
    )
    checks = audit_operations(accounts.operations, [REGION, "us-west-2"])
    assert failed(checks) == [("us-west-2", "Bedrock model invocation logging off")]
    [line] = [line for line in render(checks).splitlines() if line.startswith("FAIL")]
    assert "us-west-2" in line
    assert "on: cloudWatchConfig" in line
    bedrock.delete_model_invocation_logging_configuration()
    assert failed(audit_operations(accounts.operations, ["us-west-2"])) == []


def test_tenant_data_and_loose_roles_in_the_operations_account_fail(accounts: Accounts) -> None:
    iam = accounts.operations.client("iam")
    # A loose trust and grant, as a hand edit in the console would leave them.
    trust = rendered_policies(TENANT, CUSTOMER, EXTERNAL_ID).trust
    trust["Statement"] = trust["Statement"][:1]
    trust["Statement"][0]["Principal"] = {"AWS": "*"}
    del trust["Statement"][0]["Condition"]["StringEquals"]
    iam.update_assume_role_policy(RoleName=ROLE, PolicyDocument=json.dumps(trust))
    grant = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "bedrock:*", "Resource": "*"}]}
    for name in iam.list_role_policies(RoleName=ROLE)["PolicyNames"]:
        iam.delete_role_policy(RoleName=ROLE, PolicyName=name)
    iam.put_role_policy(RoleName=ROLE, PolicyName="bedrock-invoke", PolicyDocument=json.dumps(grant))
    accounts.operations.client("logs").create_log_group(logGroupName=f"/copies/{TENANT}/prompts")
    accounts.operations.client("s3").create_bucket(Bucket=f"prompts-{TENANT}-archive")
    accounts.operations.client("logs").create_log_group(logGroupName="/copies/acmecorp")  # another name: fine
    assert sorted(failed(audit_operations(accounts.operations, [REGION]))) == sorted(
        [
            (ROLE, "trust names no * principal"),
            (ROLE, "trust requires sts:ExternalId"),
            (ROLE, "no Bedrock API keys (bearer tokens)"),
            (REGION, "no log group named for a tenant"),
            ("s3", "no bucket named for a tenant"),
        ]
    )


def test_a_log_group_without_its_key_retention_or_privacy_fails(accounts: Accounts) -> None:
    logs = accounts.customer.client("logs")
    invocations, function = GROUPS
    without_key(logs, invocations)
    logs.delete_retention_policy(logGroupName=function)
    accounts.operations.client("logs").create_log_group(logGroupName="collector")
    logs.put_subscription_filter(
        logGroupName=function,
        filterName="ship-elsewhere",
        filterPattern="",
        destinationArn=f"arn:aws:logs:{REGION}:{OPERATIONS_ACCOUNT}:log-group:collector:*",
    )
    checks = audit_customer(accounts.customer, TENANT, kms_key_arn=accounts.key_arn)
    assert failed(checks) == [
        (invocations, "KMS-encrypted with the expected key"),
        (function, "has a retention"),
        (function, "no subscription to another account"),
    ]
    logs.delete_log_group(logGroupName=invocations)
    assert (invocations, "log group exists") in failed(audit_customer(accounts.customer, TENANT))


def test_the_command_prints_the_table_and_exits_non_zero_on_a_failure(
    accounts: Accounts, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    keys = frozen_credentials(accounts.customer)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", keys.access_key)
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", keys.secret_key)
    monkeypatch.setenv("AWS_SESSION_TOKEN", keys.token)
    arguments = ["audit", "--customer", TENANT, "--region", REGION, "--kms-key-arn", accounts.key_arn]
    assert main(arguments) == 0
    assert "8 passed, 0 failed" in capsys.readouterr().out
    without_key(accounts.customer.client("logs"), GROUPS[0])
    assert main(arguments) == 1
    out = capsys.readouterr().out
    assert [line.split()[0:2] for line in out.splitlines() if line.startswith("FAIL")] == [["FAIL", GROUPS[0]]]
    assert "7 passed, 1 failed" in out
