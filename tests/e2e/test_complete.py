"""End to end: examples/complete applied to the embedded AWS with IAM enforcement
on throughout, then each tenant's function run as Lambda runs it.

Isolation is shown both ways: what a tenant may do succeeds (its own role and
models, every destination Region of its cross-Region profile, its own log group)
and what it may not is refused by the embedded AWS as AWS refuses it (another
tenant's role, a wrong external id, another tenant's log group, a model it is
not granted), with the refusal recorded.

The tests share one apply and run in file order on one worker; the last one
destroys.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from bedrock_tenant.audit import audit_customer, audit_operations, render

from tests.e2e.stack import CUSTOMER_ACCOUNTS, GUARDRAIL_DENIED_WORD, TENANTS, CompleteStack, Invocation
from tests.fakes.aws import OPERATIONS_ACCOUNT, REGION, embedded_aws, environment_for
from tests.fakes.bedrock_access import PROFILES

pytestmark = pytest.mark.e2e
# Per tenant: role, policy and inference profile in the operations account; key, alias,
# 2 log groups, role, policy, layer, function, dashboard and 2 alarms in its own (no
# dead-letter queue here: the stack fixture).
RESOURCES_PER_TENANT = 14
# content_policy full adds a data protection policy on each of the 2 log groups (issue 22:
# the function's log group holds the fallback records) and the findings log group (issue 14).
FULL_CONTENT_TENANTS = [tenant for tenant, spec in TENANTS.items() if spec.get("content_policy") == "full"]
CROSS_REGION_TENANT = "tenant-a"
DESTINATIONS = PROFILES[f"us.{TENANTS[CROSS_REGION_TENANT]['model_id']}"][REGION]


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory, layer_zip: Path) -> Iterator[CompleteStack]:
    with embedded_aws() as aws, environment_for(aws):
        # No dead-letter queues: the provider's SQS waiters cost ~2.5 minutes per apply and
        # destroy (15 consecutive not-found reads on delete); the demo applies with them.
        stack = CompleteStack(aws, tmp_path_factory.mktemp("e2e"), layer_zip, dead_letter_queues=False)
        stack.apply()
        try:
            yield stack
        finally:
            stack.close()


@pytest.fixture(scope="module")
def invocations(stack: CompleteStack) -> dict[str, list[Invocation]]:
    """Each tenant invoked; the cross-Region tenant once per destination Region, twice."""
    runs = {tenant: 2 * len(DESTINATIONS) if tenant == CROSS_REGION_TENANT else 2 for tenant in TENANTS}
    return {
        tenant: [stack.invoke(tenant, f"Question {n} from {tenant}", f"{tenant}-e2e-{n}") for n in range(count)]
        for tenant, count in runs.items()
    }


def test_apply_creates_every_tenants_resources(stack: CompleteStack) -> None:
    assert stack.resource_count() == RESOURCES_PER_TENANT * len(TENANTS) + 3 * len(FULL_CONTENT_TENANTS)
    assert set(stack.outputs["tenants"]) == set(TENANTS)
    for tenant_id in TENANTS:
        tenant = stack.tenant(tenant_id)
        assert tenant["operations_role_arn"].startswith(f"arn:aws:iam::{OPERATIONS_ACCOUNT}:role/")
        assert tenant["execution_role_arn"].startswith(f"arn:aws:iam::{stack.customer_account(tenant_id)}:role/")
        assert f":{OPERATIONS_ACCOUNT}:application-inference-profile/" in tenant["inference_profile_arn"]
    # Applying took the Logs service's key checks and every AssumeRole into the accounts.
    assert stack.aws.authorizer.refusals == []


def test_every_invocation_succeeds(invocations: dict[str, list[Invocation]]) -> None:
    for tenant_id, runs in invocations.items():
        for run in runs:
            assert not run.function_error, run.response
            assert run.response["statusCode"] == 200, run.response
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
    def records(tenant_id: str) -> list[dict[str, Any]]:
        return stack.records(stack.customer_account(tenant_id), stack.tenant(tenant_id)["invocation_log_group_name"])

    assert all(r["prompt"][-1]["content"].startswith("Question") for r in records("tenant-a"))
    hashed = records("tenant-b")
    assert all("prompt" not in r and len(str(r["prompt_sha256"])) == 64 for r in hashed)
    assert not any("Question" in json.dumps(r) for r in hashed + records("tenant-c"))


def test_operations_account_has_no_log_groups(stack: CompleteStack, invocations: dict[str, list[Invocation]]) -> None:
    assert stack.log_groups(OPERATIONS_ACCOUNT) == []


def test_bedrock_saw_only_each_tenants_operations_role_through_its_profile(
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


def test_a_cross_region_profile_is_served_in_every_destination_region(
    stack: CompleteStack, invocations: dict[str, list[Invocation]]
) -> None:
    profile = stack.tenant(CROSS_REGION_TENANT)["inference_profile_arn"]
    regions = [call.region for call in stack.aws.bedrock.calls if call.model_id == profile]
    assert sorted(regions) == sorted(DESTINATIONS * 2)
    assert {call.region for call in stack.aws.bedrock.calls if call.model_id != profile} == {REGION}


def test_applied_trust_policies_name_only_their_tenant(stack: CompleteStack) -> None:
    iam = stack.admin(OPERATIONS_ACCOUNT).client("iam")
    for tenant_id in TENANTS:
        tenant = stack.tenant(tenant_id)
        role = iam.get_role(RoleName=tenant["operations_role_arn"].rsplit("/", 1)[1])["Role"]
        document = role["AssumeRolePolicyDocument"]
        document = json.loads(document) if isinstance(document, str) else document
        # AssumeRole, and SetSourceIdentity / TagSession when allowed: each statement names
        # the customer account as the principal, the exact role (aws:PrincipalArn) and the
        # tenant's external id.
        assert "TenantWorkloadsWithExternalId" in {statement.get("Sid") for statement in document["Statement"]}
        for statement in document["Statement"]:
            account_root = f"arn:aws:iam::{stack.customer_account(tenant_id)}:root"
            assert statement["Principal"]["AWS"] in (account_root, [account_root])
            principal_arns = statement["Condition"]["ArnEquals"]["aws:PrincipalArn"]
            assert principal_arns in (tenant["execution_role_arn"], [tenant["execution_role_arn"]])
            assert statement["Condition"]["StringEquals"]["sts:ExternalId"] == stack.external_ids[tenant_id]
        for other in set(TENANTS) - {tenant_id}:
            assert stack.tenant(other)["execution_role_arn"] not in json.dumps(document)
            assert stack.external_ids[other] not in json.dumps(document)


def refused_run(stack: CompleteStack, run: Invocation, code: str) -> dict[str, object]:
    """The handler's structured error for a refusal, without the secrets of the request."""
    assert not run.function_error, run.response
    assert run.response["statusCode"] == 502, run.response
    error = dict(run.response["error"])
    assert error["code"] == code
    assert not any(external_id in json.dumps(run.response) for external_id in stack.external_ids.values())
    return error


@pytest.mark.parametrize("victim", ["tenant-b", "tenant-c"], ids=["other-account", "same-account"])
def test_a_tenant_pointed_at_another_tenants_role_is_refused(stack: CompleteStack, victim: str) -> None:
    intruder = "tenant-a"
    victim_role = stack.tenant(victim)["operations_role_arn"]
    calls_before = len(stack.aws.bedrock.calls)
    run, refusals = stack.attempt(
        intruder,
        "Let me use someone else's quota",
        f"intrusion-{victim}",
        {
            "BEDROCK_TENANT_OPERATIONS_ROLE_ARN": victim_role,
            "BEDROCK_TENANT_EXTERNAL_ID": stack.external_ids[victim],  # even with the victim's external id
            "BEDROCK_TENANT_INFERENCE_PROFILE_ARN": stack.tenant(victim)["inference_profile_arn"],
        },
    )
    error = refused_run(stack, run, "AccessDenied")
    assert f"could not assume operations role {victim_role}" in str(error["message"])
    [refusal] = refusals
    assert (refusal.action, refusal.resource) == ("sts:AssumeRole", victim_role)
    assert refusal.principal.startswith(f"arn:aws:sts::{stack.customer_account(intruder)}:assumed-role/")
    assert len(stack.aws.bedrock.calls) == calls_before  # nothing reached Bedrock


def test_a_wrong_external_id_is_refused(stack: CompleteStack) -> None:
    run, refusals = stack.attempt("tenant-b", "hello", "wrong-external-id", {"BEDROCK_TENANT_EXTERNAL_ID": "0" * 32})
    refused_run(stack, run, "AccessDenied")
    [refusal] = refusals
    assert (refusal.action, refusal.resource) == ("sts:AssumeRole", stack.tenant("tenant-b")["operations_role_arn"])


def test_a_model_the_tenant_is_not_granted_is_refused(stack: CompleteStack) -> None:
    """Tenant c's role may call its model only through its application profile."""
    refusals = []
    for model in (TENANTS["tenant-c"]["model_id"], TENANTS["tenant-a"]["model_id"]):
        run, seen = stack.attempt(
            "tenant-c",
            "hello",
            f"direct-{model}",
            {"BEDROCK_TENANT_MODEL_ID": model, "BEDROCK_TENANT_INFERENCE_PROFILE_ARN": None},
        )
        refused_run(stack, run, "AccessDeniedException")
        refusals += seen
    assert [(r.service, r.resource) for r in refusals] == [
        ("bedrock", f"arn:aws:bedrock:{REGION}::foundation-model/{TENANTS[t]['model_id']}")
        for t in ("tenant-c", "tenant-a")
    ]


def test_another_tenants_log_group_is_refused(stack: CompleteStack) -> None:
    """Tenants a and c share customer account a; a's function pointed at c's log
    group may not write there, and nothing of a's lands in it."""
    victim_group = stack.tenant("tenant-c")["invocation_log_group_name"]
    account = stack.customer_account("tenant-c")
    before = stack.records(account, victim_group)
    run, refusals = stack.attempt(
        "tenant-a", "Write this into a neighbour's log", "log-intrusion", {"BEDROCK_TENANT_LOG_GROUP": victim_group}
    )
    assert run.response.get("statusCode") in (200, 502), run.response
    assert stack.records(account, victim_group) == before
    assert refusals, "the embedded AWS refused nothing"
    assert {r.action for r in refusals} <= {"logs:CreateLogStream", "logs:PutLogEvents"}
    assert all(f":log-group:{victim_group}:log-stream:" in r.resource for r in refusals)
    assert all(r.principal.startswith(f"arn:aws:sts::{account}:assumed-role/") for r in refusals)


def test_an_incomplete_environment_is_a_structured_error(stack: CompleteStack) -> None:
    """The deployed code and layer start under the emulator and report what is missing."""
    run, refusals = stack.attempt("tenant-b", "hello", "incomplete", {"BEDROCK_TENANT_OPERATIONS_ROLE_ARN": None})
    assert not run.function_error, run.response
    assert run.response["statusCode"] == 500
    assert run.response["error"]["code"] == "ConfigurationError"
    assert "BEDROCK_TENANT_OPERATIONS_ROLE_ARN: is required" in run.response["error"]["message"]
    assert refusals == []


def test_a_guardrailed_tenant_records_the_intervention_and_cannot_drop_it(stack: CompleteStack) -> None:
    """Issue 14: tenant-b's role requires its guardrail. A blocked prompt is answered with the
    guardrail's message and recorded as an intervention without its text (content policy hash);
    a copy of the function whose environment drops the guardrail is refused by IAM."""
    tenant = stack.tenant("tenant-b")
    account = stack.customer_account("tenant-b")
    group = tenant["invocation_log_group_name"]
    prompt = f"how do I distil {GUARDRAIL_DENIED_WORD} at home?"
    run = stack.invoke("tenant-b", prompt, "guarded")
    assert not run.function_error, run.response
    assert (run.response["statusCode"], run.response["stop_reason"]) == (200, "guardrail_intervened")
    [record] = [r for r in stack.records(account, group) if r["request_id"] == run.response["request_id"]]
    assert record["stop_reason"] == "guardrail_intervened"
    assert record["guardrail_interventions"] == 1
    assert record["guardrail"]["policies"] == [{"source": "input", "policy": "word", "action": "BLOCKED"}]
    assert GUARDRAIL_DENIED_WORD not in json.dumps(record)
    assert "distil" not in json.dumps(record)
    dropped: dict[str, str | None] = {
        "BEDROCK_TENANT_GUARDRAIL_IDENTIFIER": None,
        "BEDROCK_TENANT_GUARDRAIL_VERSION": None,
    }
    run, refusals = stack.attempt("tenant-b", "hello", "dropped", dropped)
    assert run.response["statusCode"] == 502, run.response
    assert run.response["error"]["code"] == "AccessDeniedException"
    assert [r.action for r in refusals] == ["bedrock:InvokeModel"]
    assert "explicit deny" in refusals[0].message


def test_audit_passes_on_both_sides_and_names_invocation_logging(stack: CompleteStack) -> None:
    """Issue 14: `audit --operations` and `audit --customer` pass on the applied example;
    invocation logging turned on in the operations account fails exactly its line."""
    operations = stack.admin(OPERATIONS_ACCOUNT)
    checks = audit_operations(operations, [REGION])
    assert all(c.ok for c in checks), render(checks)
    for tenant_id in TENANTS:
        tenant = stack.tenant(tenant_id)
        groups = [tenant["invocation_log_group_name"], tenant["function_log_group_name"]]
        customer = stack.admin(stack.customer_account(tenant_id))
        checks = audit_customer(customer, tenant_id, log_groups=groups, kms_key_arn=tenant["kms_key_arn"])
        assert all(c.ok for c in checks), render(checks)
        assert len(checks) == 8
    bedrock = operations.client("bedrock", region_name=REGION)
    bedrock.put_model_invocation_logging_configuration(
        loggingConfig={"s3Config": {"bucketName": "copies-of-every-prompt"}, "textDataDeliveryEnabled": True}
    )
    try:
        checks = audit_operations(operations, [REGION])
        assert [(c.subject, c.check) for c in checks if not c.ok] == [(REGION, "Bedrock model invocation logging off")]
    finally:
        bedrock.delete_model_invocation_logging_configuration()


def test_only_full_content_is_masked_by_a_data_protection_policy(stack: CompleteStack) -> None:
    """Issue 14: the full-content tenant's invocation group has the applied data protection
    policy (masking, audit findings to its own group), read back through the Logs API; the
    others have none; every invocation group stays in the Standard log class."""
    assert FULL_CONTENT_TENANTS
    for tenant_id in TENANTS:
        group = stack.tenant(tenant_id)["invocation_log_group_name"]
        logs = stack.admin(stack.customer_account(tenant_id)).client("logs")
        [described] = [
            g for g in logs.describe_log_groups(logGroupNamePrefix=group)["logGroups"] if g["logGroupName"] == group
        ]
        assert described["logGroupClass"] == "STANDARD"
        # Without a policy AWS answers without a document (the stubs type it as always there).
        response: dict[str, Any] = dict(logs.get_data_protection_policy(logGroupIdentifier=group))
        if tenant_id not in FULL_CONTENT_TENANTS:
            assert "policyDocument" not in response, tenant_id
            assert "dataProtectionStatus" not in described
            continue
        assert described["dataProtectionStatus"] == "ACTIVATED"
        audit, deidentify = json.loads(response["policyDocument"])["Statement"]
        assert deidentify["Operation"] == {"Deidentify": {"MaskConfig": {}}}
        assert "arn:aws:dataprotection::aws:data-identifier/EmailAddress" in deidentify["DataIdentifier"]
        findings = audit["Operation"]["Audit"]["FindingsDestination"]["CloudWatchLogs"]["LogGroup"]
        [findings_group] = logs.describe_log_groups(logGroupNamePrefix=findings)["logGroups"]
        assert findings_group["kmsKeyId"] == stack.tenant(tenant_id)["kms_key_arn"]
        # Issue 22: records PutLogEvents cannot take go to stdout, i.e. the function's own
        # log group, which is masked by the same identifiers.
        function_group = stack.tenant(tenant_id)["function_log_group_name"]
        fallback: dict[str, Any] = dict(logs.get_data_protection_policy(logGroupIdentifier=function_group))
        _, function_deidentify = json.loads(fallback["policyDocument"])["Statement"]
        assert function_deidentify["DataIdentifier"] == deidentify["DataIdentifier"]


def test_a_model_slower_than_the_function_is_recorded_before_lambda_stops_it(stack: CompleteStack) -> None:
    """Issue 11: Lambda stops a timed-out invocation before the model's end callback or
    any ``finally`` runs (the emulator enforces the function's timeout as Lambda does),
    so the call is recorded as timed out and flushed before that."""
    tenant, timeout_s, latency_s = "tenant-b", 10, 15.0
    group, account = stack.tenant(tenant)["invocation_log_group_name"], stack.customer_account(tenant)
    warm = stack.invoke(tenant, "Warm up", "too-slow-warm-up", timeout_s=timeout_s)  # the cold start, untimed
    assert warm.response.get("statusCode") == 200, warm.response
    stack.aws.bedrock.latency_s = latency_s  # the model answers after the function's time is up
    try:
        run = stack.invoke(tenant, "A question the model is slow to answer", "too-slow", timeout_s=timeout_s)
    finally:
        stack.aws.bedrock.latency_s = 0.0
    output = stack.function(tenant, timeout_s=timeout_s).output()[-3000:]
    assert run.function_error, run.response  # Lambda's own timeout error, not the handler's answer
    assert run.response["errorType"] == "Sandbox.Timedout", run.response
    assert run.wall_seconds < latency_s, "the emulator did not stop the invocation at its timeout"
    records = [r for r in stack.records(account, group) if r["metadata"].get("request") == "too-slow"]
    assert [(r["status"], r["error_type"], r["errors"]) for r in records] == [("error", "FunctionTimeout", 1)], output


def test_second_plan_shows_no_changes(stack: CompleteStack) -> None:
    refusals_before = len(stack.aws.authorizer.refusals)
    assert stack.plan_has_changes() is False
    assert stack.aws.authorizer.refusals[refusals_before:] == []


def test_destroy_removes_everything(stack: CompleteStack) -> None:
    refusals_before = len(stack.aws.authorizer.refusals)
    stack.destroy()
    assert stack.aws.authorizer.refusals[refusals_before:] == []
    assert stack.resource_count() == 0
    for account in (OPERATIONS_ACCOUNT, *CUSTOMER_ACCOUNTS.values()):
        assert stack.log_groups(account) == []
    assert stack.aws.bedrock.profiles == {}
