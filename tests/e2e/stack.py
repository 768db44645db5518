"""The complete example applied to an embedded AWS, and each tenant's Lambda run
locally with the environment Terraform gave it.

The process environment must point at the embedded AWS (``environment_for``).
The embedded AWS (moto server, Bedrock fake, CloudWatch protocol bridge) holds
an operations account and two customer accounts; Terraform reaches each account
by assuming its OrganizationAccountAccessRole, as it would in an AWS
Organization. The Lambda handler cannot run inside moto, so a tenant's
invocation is ``python -m bedrock_tenant invoke`` in a subprocess with the
function's own environment (read back from the embedded Lambda service) and
its execution role's credentials: the same code, configuration and identity.
"""

from __future__ import annotations

import json
import os
import secrets
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import boto3
import tftest

from tests.fakes.aws import OPERATIONS_ACCOUNT, REGION, EmbeddedAws, frozen_credentials, session_from
from tests.terraform.plan import Workspace

__all__ = ["CUSTOMER_ACCOUNTS", "TENANTS", "CompleteStack", "Invocation"]

EXAMPLE = "examples/complete"
ADMIN_ROLE = "OrganizationAccountAccessRole"
CUSTOMER_ACCOUNTS = {"a": "222222222222", "b": "333333333333"}
TENANTS: dict[str, dict[str, Any]] = {
    "tenant-a": {
        "customer_account": "a",
        "model_id": "anthropic.claude-3-5-haiku-20241022-v1:0",
        "content_policy": "full",
    },
    "tenant-b": {"customer_account": "b", "model_id": "amazon.nova-lite-v1:0", "content_policy": "hash"},
}


def admin_role_arn(account_id: str) -> str:
    return f"arn:aws:iam::{account_id}:role/{ADMIN_ROLE}"


@dataclass(frozen=True)
class Invocation:
    tenant_id: str
    response: dict[str, Any]
    exit_code: int
    wall_seconds: float
    stderr: str


class CompleteStack:
    """``examples/complete`` on the embedded AWS: apply, invoke as each tenant, destroy."""

    def __init__(self, aws: EmbeddedAws, workdir: Path, layer_zip: Path) -> None:
        self.aws = aws
        self.external_ids = {tenant: secrets.token_hex(16) for tenant in TENANTS}
        self.variables = {
            "region": REGION,
            "operations_account_role_arn": admin_role_arn(OPERATIONS_ACCOUNT),
            "customer_account_role_arns": {key: admin_role_arn(acct) for key, acct in CUSTOMER_ACCOUNTS.items()},
            "tenants": TENANTS,
            "external_ids": self.external_ids,
            "dependencies_zip_path": str(layer_zip),
        }
        self.workspace = Workspace(workdir, aws.environment)
        self._root: tftest.TerraformTest | None = None
        self._outputs: dict[str, Any] | None = None

    # -- Terraform ---------------------------------------------------------
    @property
    def root(self) -> tftest.TerraformTest:
        if self._root is None:
            self._root = self.workspace.root(EXAMPLE, self.variables)
        return self._root

    def apply(self) -> float:
        """``terraform apply``; returns the seconds it took."""
        start = time.monotonic()
        self.root.execute_command("apply", "-auto-approve", "-input=false", "-no-color")
        self._outputs = None
        return time.monotonic() - start

    def resource_count(self) -> int:
        """Managed resources in the state (data sources excluded)."""
        addresses = self.root.execute_command("state", "list").out.split()
        return sum(".data." not in f".{address}" for address in addresses)

    def plan_has_changes(self) -> bool:
        """A second plan: False when the infrastructure matches the configuration."""
        result = self.root.execute_command("plan", "-detailed-exitcode", "-input=false", "-no-color")
        return bool(result.retcode == 2)

    def destroy(self) -> float:
        start = time.monotonic()
        self.root.execute_command("destroy", "-auto-approve", "-input=false", "-no-color")
        return time.monotonic() - start

    @property
    def outputs(self) -> dict[str, Any]:
        if self._outputs is None:
            shown = json.loads(self.root.execute_command("output", "-json").out)
            self._outputs = {name: value["value"] for name, value in shown.items()}
        return self._outputs

    def tenant(self, tenant_id: str) -> dict[str, Any]:
        return dict(self.outputs["tenants"][tenant_id])

    def customer_account(self, tenant_id: str) -> str:
        return CUSTOMER_ACCOUNTS[TENANTS[tenant_id]["customer_account"]]

    # -- identities --------------------------------------------------------
    def assume(self, role_arn: str, caller: boto3.Session | None = None) -> boto3.Session:
        sts = (caller or boto3.Session()).client("sts", region_name=REGION)
        credentials = sts.assume_role(RoleArn=role_arn, RoleSessionName="embedded-aws")["Credentials"]
        return session_from(credentials)

    def admin(self, account_id: str) -> boto3.Session:
        """What Terraform acts as in ``account_id``."""
        return self.assume(admin_role_arn(account_id))

    def execution_role(self, tenant_id: str) -> boto3.Session:
        """The tenant's Lambda execution role. Assumed from inside its own account
        because moto keeps an assumed role's session in the caller's account, where
        its IAM authorization looks for it."""
        account = self.admin(self.customer_account(tenant_id))
        return self.assume(self.tenant(tenant_id)["execution_role_arn"], caller=account)

    def identity_of(self, access_key_id: str) -> str:
        """The ARN behind an access key (moto resolves keys without checking signatures)."""
        sts = boto3.client(
            "sts",
            region_name=REGION,
            endpoint_url=self.aws.moto_url,
            aws_access_key_id=access_key_id,
            aws_secret_access_key="not-checked-by-moto",
        )
        return str(sts.get_caller_identity()["Arn"])

    # -- the tenant's Lambda ------------------------------------------------
    def function_environment(self, tenant_id: str) -> dict[str, str]:
        """The environment Terraform gave the tenant's function, read back from Lambda."""
        lambda_client = self.admin(self.customer_account(tenant_id)).client("lambda")
        configuration = lambda_client.get_function_configuration(FunctionName=self.tenant(tenant_id)["function_name"])
        return dict(configuration["Environment"]["Variables"])

    def lambda_environment(self, tenant_id: str) -> dict[str, str]:
        """What the tenant's function process sees: its environment and its role's credentials."""
        keys = frozen_credentials(self.execution_role(tenant_id))
        return {
            **{key: os.environ[key] for key in ("PATH", "HOME", "LANG", "SYSTEMROOT") if key in os.environ},
            **self.aws.environment,
            "AWS_ACCESS_KEY_ID": keys.access_key,
            "AWS_SECRET_ACCESS_KEY": keys.secret_key,
            "AWS_SESSION_TOKEN": keys.token,
            **self.function_environment(tenant_id),
        }

    def invoke(
        self, tenant_id: str, prompt: str, request_id: str, environment: dict[str, str] | None = None
    ) -> Invocation:
        """Run the tenant's handler once, as its Lambda would, in a fresh process
        (``environment`` defaults to :meth:`lambda_environment`)."""
        environment = environment or self.lambda_environment(tenant_id)
        start = time.monotonic()
        result = subprocess.run(
            [sys.executable, "-m", "bedrock_tenant", "invoke", "--prompt", prompt, "--request-id", request_id],
            env=environment,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        elapsed = time.monotonic() - start
        return Invocation(tenant_id, _last_json(result.stdout), result.returncode, elapsed, result.stderr)

    # -- where the logs are --------------------------------------------------
    def records(self, account_id: str, log_group: str) -> list[dict[str, Any]]:
        logs = self.admin(account_id).client("logs")
        if not logs.describe_log_groups(logGroupNamePrefix=log_group)["logGroups"]:
            return []
        pages = logs.get_paginator("filter_log_events").paginate(logGroupName=log_group)
        return [json.loads(event["message"]) for page in pages for event in page["events"]]

    def log_groups(self, account_id: str) -> list[str]:
        logs = self.admin(account_id).client("logs")
        pages = logs.get_paginator("describe_log_groups").paginate()
        return [group["logGroupName"] for page in pages for group in page["logGroups"]]


def _last_json(stdout: str) -> dict[str, Any]:
    """The CLI prints the response as the last (indented) JSON document."""
    start = stdout.rfind("\n{\n")
    return dict(json.loads(stdout[start + 1 :] if start >= 0 else stdout))
