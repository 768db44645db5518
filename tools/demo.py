"""The demo: examples/complete applied to an embedded AWS that enforces IAM, each
tenant's Lambda run as Lambda runs it, a report of where every log record
landed, and the isolation probes the embedded AWS refuses. Run with `make demo`
(`python -m tools.demo` from the repository root).

Starts a moto server and the Bedrock fake behind one IAM authorizer (an
organisation: operations account 111111111111, customer accounts 222222222222
and 333333333333) and the CloudWatch protocol bridge on 127.0.0.1; applies the
example; runs each tenant's function (its deployed code and layer) under the
Lambda Runtime Interface Emulator with its execution role's credentials; prints
the report; tries what a tenant must not do; destroys; stops everything.
"""

from __future__ import annotations

import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from bedrock_tenant.audit import audit_customer, audit_operations
from bedrock_tenant.audit import render as render_checks
from bedrock_tenant.report import render, run_report

from tests.e2e.stack import CUSTOMER_ACCOUNTS, TENANTS, CompleteStack
from tests.fakes.aws import OPERATIONS_ACCOUNT, embedded_aws, environment_for
from tests.toolchain import REPO

LAYER = REPO / "build" / "layer" / "dependencies.zip"
PROMPTS = {
    "tenant-a": [
        "Summarise ticket 4411 for the support lead.",
        "Draft a polite reply about the refund.",
        "List the open questions from the call.",
    ],
    "tenant-b": ["List three risks in the Q3 supplier contract.", "Translate the summary into German."],
    "tenant-c": ["Classify this invoice by cost centre."],
}


def main() -> int:
    started = time.monotonic()
    if not LAYER.exists():
        print(f"missing {LAYER.relative_to(REPO)}: run `make layer` (or `make demo`, which builds it)", file=sys.stderr)
        return 2
    with (
        embedded_aws() as aws,
        environment_for(aws),
        tempfile.TemporaryDirectory(prefix="bedrock-tenant-demo-") as workdir,
    ):
        stack = CompleteStack(aws, Path(workdir), LAYER)
        print(
            f"embedded AWS on {aws.moto_url}: operations account {OPERATIONS_ACCOUNT}, customer accounts "
            + ", ".join(sorted(CUSTOMER_ACCOUNTS.values()))
            + "; IAM enforced"
        )
        applied = stack.apply()
        print(f"terraform apply examples/complete: {stack.resource_count()} resources in {applied:.1f} s\n")

        failures = 0
        for tenant_id in TENANTS:
            failures += report_tenant(stack, tenant_id)

        groups = stack.log_groups(OPERATIONS_ACCOUNT)
        records = sum(len(stack.records(OPERATIONS_ACCOUNT, group)) for group in groups)
        print(f"operations account {OPERATIONS_ACCOUNT}: {len(groups)} log groups, {records} records\n")
        failures += len(groups) + records
        failures += report_audit(stack)

        failures += report_isolation(stack)

        changes = stack.plan_has_changes()
        print(f"second terraform plan: {'CHANGES' if changes else 'no changes'}")
        failures += changes
        destroyed = stack.destroy()
        print(f"terraform destroy: done in {destroyed:.1f} s")
    print(f"\ndemo {'passed' if not failures else 'FAILED'} in {time.monotonic() - started:.0f} s")
    return 1 if failures else 0


def report_tenant(stack: CompleteStack, tenant_id: str) -> int:
    tenant = stack.tenant(tenant_id)
    account = stack.customer_account(tenant_id)
    calls_before = len(stack.aws.bedrock.calls)
    runs = [stack.invoke(tenant_id, prompt, f"{tenant_id}-demo-{n}") for n, prompt in enumerate(PROMPTS[tenant_id])]
    calls = stack.aws.bedrock.calls[calls_before:]
    group = tenant["invocation_log_group_name"]
    records = stack.records(account, group)
    elsewhere = sum(
        len(stack.records(other, group)) for other in {*CUSTOMER_ACCOUNTS.values(), OPERATIONS_ACCOUNT} - {account}
    )
    signers = sorted({stack.identity_of(call.access_key_id) for call in calls if call.access_key_id})
    print(f"{tenant_id}  customer account {account}, content policy {TENANTS[tenant_id]['content_policy']}")
    for n, run in enumerate(runs):
        response = run.response
        if run.function_error or response.get("statusCode") != 200:
            print(f"  FAILED {response.get('statusCode')}: {response.get('error') or response}")
            continue
        usage = response["usage"]
        record = next((r for r in records if r.get("request_id") == response["request_id"]), {})
        served = next(
            (c.region for c in calls if c.body["messages"][-1]["content"][0]["text"] == PROMPTS[tenant_id][n]), "-"
        )
        print(f"  answer   {response['answer']}")
        print(
            f"           tokens in {usage['input_tokens']} / out {usage['output_tokens']}, served in {served},"
            f" model call {record.get('latency_ms', float('nan')):.1f} ms, invocation {run.wall_seconds:.2f} s"
            + (" (cold start)" if n == 0 else "")
        )
    print(f"  logs     {group} in {account}: {len(records)} records; in every other account: {elsewhere}")
    print(f"  bedrock  {len(calls)} calls to {sorted({c.model_id for c in calls})[0] if calls else '-'}")
    print(f"           signed by {', '.join(signers) or '-'}")
    failed = sum(1 for run in runs if run.function_error or run.response.get("statusCode") != 200)
    mismatches = report_usage(stack, account, group, records)
    return (
        failed
        + (len(records) != len(runs))
        + elsewhere
        + any(OPERATIONS_ACCOUNT not in s for s in signers)
        + mismatches
    )


def report_usage(stack: CompleteStack, account: str, group: str, records: list[dict[str, Any]]) -> int:
    """`python -m bedrock_tenant report` for the tenant's log group, read in its own
    account; returns how many of its totals differ from the records'."""
    now = datetime.now(UTC)
    logs = stack.admin(account).client("logs")
    rows = run_report(logs, group, now - timedelta(days=1), now + timedelta(minutes=5), source="records")
    print("  usage report (python -m bedrock_tenant report --source records):")
    print("\n".join(f"    {line}" for line in render(rows, "table").splitlines()) + "\n")
    mismatches = sum(row["calls"] for row in rows) != len(records)
    for column in ("input_tokens", "output_tokens", "total_tokens"):
        mismatches += sum(row[column] for row in rows) != sum(record.get(column, 0) for record in records)
    return int(mismatches)


def report_isolation(stack: CompleteStack) -> int:
    """What a tenant must not do, tried with a tampered copy of its function."""
    probes = [
        (
            "tenant-a assumes tenant-b's role (other account, with b's external id)",
            "tenant-a",
            {
                "BEDROCK_TENANT_OPERATIONS_ROLE_ARN": stack.tenant("tenant-b")["operations_role_arn"],
                "BEDROCK_TENANT_EXTERNAL_ID": stack.external_ids["tenant-b"],
            },
        ),
        (
            "tenant-a assumes tenant-c's role (same account, with c's external id)",
            "tenant-a",
            {
                "BEDROCK_TENANT_OPERATIONS_ROLE_ARN": stack.tenant("tenant-c")["operations_role_arn"],
                "BEDROCK_TENANT_EXTERNAL_ID": stack.external_ids["tenant-c"],
            },
        ),
        (
            "tenant-b assumes its own role with a wrong external id",
            "tenant-b",
            {"BEDROCK_TENANT_EXTERNAL_ID": "0" * 32},
        ),
        (
            "tenant-c calls its model around its inference profile",
            "tenant-c",
            {
                "BEDROCK_TENANT_INFERENCE_PROFILE_ARN": None,
            },
        ),
        (
            "tenant-a writes into tenant-c's log group",
            "tenant-a",
            {
                "BEDROCK_TENANT_LOG_GROUP": stack.tenant("tenant-c")["invocation_log_group_name"],
            },
        ),
    ]
    print("isolation (each tried by a tampered copy of the tenant's function):")
    unrefused = 0
    for n, (description, tenant_id, overrides) in enumerate(probes):
        _, refusals = stack.attempt(tenant_id, "probe", f"probe-{n}", overrides)
        if refusals:
            refusal = refusals[0]
            print(f"  refused  {description}\n           {refusal.code} on {refusal.action} {refusal.resource}")
        else:
            print(f"  ALLOWED  {description}")
        unrefused += not refusals
    print()
    return unrefused


def report_audit(stack: CompleteStack) -> int:
    """`python -m bedrock_tenant audit` on both sides, as each side's administrator would run it."""
    region = stack.admin(OPERATIONS_ACCOUNT).region_name or "us-east-1"
    checks = audit_operations(stack.admin(OPERATIONS_ACCOUNT), [region])
    print(f"audit --operations ({OPERATIONS_ACCOUNT}):")
    print("\n".join(f"  {line}" for line in render_checks(checks).splitlines()) + "\n")
    failed = sum(not c.ok for c in checks)
    for tenant_id in TENANTS:
        tenant = stack.tenant(tenant_id)
        groups = [g for g in (tenant["invocation_log_group_name"], tenant["function_log_group_name"]) if g]
        customer = stack.admin(stack.customer_account(tenant_id))
        checks = audit_customer(customer, tenant_id, log_groups=groups, kms_key_arn=tenant["kms_key_arn"])
        print(f"audit --customer {tenant_id} ({stack.customer_account(tenant_id)}):")
        print("\n".join(f"  {line}" for line in render_checks(checks).splitlines()) + "\n")
        failed += sum(not c.ok for c in checks)
    return failed


if __name__ == "__main__":
    sys.exit(main())
