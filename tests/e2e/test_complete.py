"""End to end: examples/complete applied to the embedded AWS, then each tenant's
handler invoked with the environment Terraform produced.

The tests share one apply and run in file order on one worker; the last one
destroys.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from botocore.exceptions import ClientError

from tests.e2e.stack import CUSTOMER_ACCOUNTS, TENANTS, CompleteStack, Invocation
from tests.fakes.aws import OPERATIONS_ACCOUNT, embedded_aws, environment_for

pytestmark = pytest.mark.e2e
# Per tenant: role, policy and inference profile in the operations account; key, alias,
# 2 log groups, role, policy, queue, layer, function, dashboard and 2 alarms in its own.
RESOURCES_PER_TENANT = 15


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory, layer_zip: Path) -> Iterator[CompleteStack]:
    with embedded_aws() as aws, environment_for(aws):
        stack = CompleteStack(aws, tmp_path_factory.mktemp("e2e"), layer_zip)
        stack.apply()
        yield stack


@pytest.fixture(scope="module")
def invocations(stack: CompleteStack) -> dict[str, list[Invocation]]:
    return {
        tenant: [stack.invoke(tenant, f"Question {n} from {tenant}", f"{tenant}-e2e-{n}") for n in range(2)]
        for tenant in TENANTS
    }


def test_apply_creates_every_tenants_resources(stack: CompleteStack) -> None:
    assert stack.resource_count() == RESOURCES_PER_TENANT * len(TENANTS)
    assert set(stack.outputs["tenants"]) == set(TENANTS)
    for tenant_id in TENANTS:
        tenant = stack.tenant(tenant_id)
        assert tenant["operations_role_arn"].startswith(f"arn:aws:iam::{OPERATIONS_ACCOUNT}:role/")
        assert tenant["execution_role_arn"].startswith(f"arn:aws:iam::{stack.customer_account(tenant_id)}:role/")
        assert f":{OPERATIONS_ACCOUNT}:application-inference-profile/" in tenant["inference_profile_arn"]


def test_every_invocation_succeeds(invocations: dict[str, list[Invocation]]) -> None:
    for tenant_id, runs in invocations.items():
        for run in runs:
            assert run.exit_code == 0, run.stderr[-2000:]
            assert run.response["statusCode"] == 200
            assert run.response["tenant_id"] == tenant_id
            assert run.response["answer"].startswith("You said: Question")


def test_each_tenants_records_are_in_its_own_account_only(
    stack: CompleteStack, invocations: dict[str, list[Invocation]]
) -> None:
    every_account = {OPERATIONS_ACCOUNT, *CUSTOMER_ACCOUNTS.values()}
    for tenant_id, runs in invocations.items():
        group = stack.tenant(tenant_id)["invocation_log_group_name"]
        home = stack.customer_account(tenant_id)
        records = stack.records(home, group)
        assert sorted(r["request_id"] for r in records) == sorted(run.response["request_id"] for run in runs)
        assert {r["tenant_id"] for r in records} == {tenant_id}
        assert all(r["status"] == "success" and r["input_tokens"] > 0 for r in records)
        for other in every_account - {home}:
            assert group not in stack.log_groups(other)
            assert stack.records(other, group) == []


def test_content_policy_from_terraform_reaches_the_records(
    stack: CompleteStack, invocations: dict[str, list[Invocation]]
) -> None:
    full = stack.records(stack.customer_account("tenant-a"), stack.tenant("tenant-a")["invocation_log_group_name"])
    hashed = stack.records(stack.customer_account("tenant-b"), stack.tenant("tenant-b")["invocation_log_group_name"])
    assert all(r["prompt"][-1]["content"].startswith("Question") for r in full)
    assert all("prompt" not in r and len(r["prompt_sha256"]) == 64 for r in hashed)
    assert not any("Question" in json.dumps(r) for r in hashed)


def test_operations_account_has_no_log_groups(stack: CompleteStack, invocations: dict[str, list[Invocation]]) -> None:
    assert stack.log_groups(OPERATIONS_ACCOUNT) == []


def test_bedrock_saw_only_operations_role_credentials(
    stack: CompleteStack, invocations: dict[str, list[Invocation]]
) -> None:
    calls = stack.aws.bedrock.calls
    assert len(calls) == sum(len(runs) for runs in invocations.values())
    for call in calls:
        assert call.access_key_id is not None
        identity = stack.identity_of(call.access_key_id)
        tenant_id = next(t for t in TENANTS if stack.tenant(t)["inference_profile_arn"] == call.model_id)
        role_name = stack.tenant(tenant_id)["operations_role_arn"].rsplit("/", 1)[1]
        assert identity.startswith(f"arn:aws:sts::{OPERATIONS_ACCOUNT}:assumed-role/{role_name}/")


def test_applied_trust_policies_name_only_their_tenant(stack: CompleteStack) -> None:
    iam = stack.admin(OPERATIONS_ACCOUNT).client("iam")
    for tenant_id in TENANTS:
        tenant = stack.tenant(tenant_id)
        role = iam.get_role(RoleName=tenant["operations_role_arn"].rsplit("/", 1)[1])["Role"]
        document = role["AssumeRolePolicyDocument"]
        document = json.loads(document) if isinstance(document, str) else document
        [statement] = document["Statement"]
        assert statement["Principal"]["AWS"] in (tenant["execution_role_arn"], [tenant["execution_role_arn"]])
        assert statement["Condition"]["StringEquals"]["sts:ExternalId"] == stack.external_ids[tenant_id]
        for other in set(TENANTS) - {tenant_id}:
            assert stack.tenant(other)["execution_role_arn"] not in json.dumps(document)
            assert stack.external_ids[other] not in json.dumps(document)


def test_a_tenant_pointed_at_another_tenants_role_is_refused(stack: CompleteStack) -> None:
    intruder, victim = "tenant-a", "tenant-b"
    victim_role = stack.tenant(victim)["operations_role_arn"]
    own_role = stack.tenant(intruder)["operations_role_arn"]
    # Everything the intruder's process needs is fetched before enforcement starts.
    execution = stack.execution_role(intruder)
    tampered = {
        **stack.lambda_environment(intruder),
        "BEDROCK_TENANT_OPERATIONS_ROLE_ARN": victim_role,
        "BEDROCK_TENANT_EXTERNAL_ID": stack.external_ids[victim],
    }
    calls_before = len(stack.aws.bedrock.calls)
    stack.aws.enforce_iam(True)
    try:
        sts = execution.client("sts")
        with pytest.raises(ClientError) as denied:
            sts.assume_role(RoleArn=victim_role, RoleSessionName="probe", ExternalId=stack.external_ids[victim])
        assert denied.value.response["Error"]["Code"] == "AccessDenied"
        # Control: the same identity may assume its own tenant's role.
        sts.assume_role(RoleArn=own_role, RoleSessionName="probe", ExternalId=stack.external_ids[intruder])

        run = stack.invoke(intruder, "Let me use someone else's quota", "intrusion-1", tampered)
    finally:
        stack.aws.enforce_iam(False)
    assert run.exit_code == 1
    assert run.response["statusCode"] == 502
    assert run.response["error"]["code"] == "AccessDenied"
    assert f"could not assume operations role {victim_role}" in run.response["error"]["message"]
    assert stack.external_ids[victim] not in run.response["error"]["message"]
    assert len(stack.aws.bedrock.calls) == calls_before  # nothing reached Bedrock


def test_second_plan_shows_no_changes(stack: CompleteStack) -> None:
    assert stack.plan_has_changes() is False


def test_destroy_removes_everything(stack: CompleteStack) -> None:
    stack.destroy()
    assert stack.resource_count() == 0
    for account in (OPERATIONS_ACCOUNT, *CUSTOMER_ACCOUNTS.values()):
        assert stack.log_groups(account) == []
    assert stack.aws.bedrock.profiles == {}
