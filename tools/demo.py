"""The demo: examples/complete applied to an embedded AWS, each tenant invoked,
and a report of where every log record landed. Run with `make demo`
(`python -m tools.demo` from the repository root).

Starts a moto server (operations account 111111111111, customer accounts
222222222222 and 333333333333), the Bedrock fake and the CloudWatch protocol
bridge on 127.0.0.1; applies the example; runs each tenant's Lambda handler in a
local process with the environment Terraform produced and the function's
execution-role credentials; prints the report; destroys; stops everything.
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

from tests.e2e.stack import CUSTOMER_ACCOUNTS, TENANTS, CompleteStack
from tests.fakes.aws import OPERATIONS_ACCOUNT, embedded_aws, environment_for
from tests.toolchain import REPO

LAYER = REPO / "build" / "layer" / "dependencies.zip"
PROMPTS = {
    "tenant-a": ["Summarise ticket 4411 for the support lead.", "Draft a polite reply about the refund."],
    "tenant-b": ["List three risks in the Q3 supplier contract.", "Translate the summary into German."],
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
            + ", ".join(stack.customer_account(t) for t in TENANTS)
        )
        applied = stack.apply()
        print(f"terraform apply examples/complete: {stack.resource_count()} resources in {applied:.1f} s\n")

        failures = 0
        for tenant_id in TENANTS:
            failures += report_tenant(stack, tenant_id)

        groups = stack.log_groups(OPERATIONS_ACCOUNT)
        records = sum(len(stack.records(OPERATIONS_ACCOUNT, group)) for group in groups)
        print(f"operations account {OPERATIONS_ACCOUNT}: {len(groups)} log groups, {records} records")
        failures += len(groups) + records

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
    for run in runs:
        response = run.response
        if run.exit_code:
            print(f"  FAILED {response.get('statusCode')}: {response.get('error')}")
            continue
        usage = response["usage"]
        record = next((r for r in records if r.get("request_id") == response["request_id"]), {})
        print(f"  answer   {response['answer']}")
        print(
            f"           tokens in {usage['input_tokens']} / out {usage['output_tokens']}, model call "
            f"{record.get('latency_ms', float('nan')):.1f} ms, process {run.wall_seconds:.1f} s (cold start)"
        )
    print(f"  logs     {group} in {account}: {len(records)} records; in every other account: {elsewhere}")
    print(f"  bedrock  {len(calls)} calls to {sorted({c.model_id for c in calls})[0] if calls else '-'}")
    print(f"           signed by {', '.join(signers) or '-'}\n")
    failed = sum(run.exit_code != 0 for run in runs)
    return failed + (len(records) != len(runs)) + elsewhere + any(OPERATIONS_ACCOUNT not in s for s in signers)


if __name__ == "__main__":
    sys.exit(main())
