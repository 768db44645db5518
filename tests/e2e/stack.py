"""The complete example applied to the embedded AWS, and each tenant's Lambda run
the way Lambda runs it.

The process environment must point at the embedded AWS (``environment_for``).
The embedded AWS (moto server and Bedrock fake behind its IAM authorizer, and
the CloudWatch protocol bridge) holds an organisation: a management account,
the operations account and two customer accounts. Terraform reaches each member
account by assuming its OrganizationAccountAccessRole, as in an AWS
Organization; enforcement is on throughout.

A tenant's function is taken from the embedded Lambda service as Terraform
deployed it (code zip, layer, handler, environment) and run under the Lambda
Runtime Interface Emulator with the official Runtime Interface Client
(``tests/fakes/lambda_emulator.py``), with the credentials the Lambda service
gets for its execution role (only if the role trusts ``lambda.amazonaws.com``).
"""

from __future__ import annotations

import dataclasses
import json
import secrets
import time
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import boto3
import tftest

from tests.fakes.authorization import Refusal
from tests.fakes.aws import CUSTOMER_ACCOUNTS as ACCOUNT_IDS
from tests.fakes.aws import OPERATIONS_ACCOUNT, REGION, EmbeddedAws, frozen_credentials
from tests.fakes.lambda_emulator import LambdaEmulator, deployed_function
from tests.terraform.plan import Workspace

__all__ = ["CUSTOMER_ACCOUNTS", "TENANTS", "CompleteStack", "Invocation"]

EXAMPLE = "examples/complete"
GUARDRAIL_ARN = f"arn:aws:bedrock:{REGION}:{OPERATIONS_ACCOUNT}:guardrail/tenantbguard1"
GUARDRAIL_DENIED_WORD = "moonshine"
ADMIN_ROLE = "OrganizationAccountAccessRole"
CUSTOMER_ACCOUNTS = dict(zip(("a", "b"), ACCOUNT_IDS, strict=True))
TENANTS: dict[str, dict[str, Any]] = {
    # Through an application profile that copies the US cross-Region profile: routed
    # to every US destination Region.
    "tenant-a": {
        "customer_account": "a",
        "model_id": "anthropic.claude-3-5-haiku-20241022-v1:0",
        "inference_profile_geography": "us",
        "content_policy": "full",
    },
    # Through an application profile of the foundation model, in one Region, with a
    # guardrail its role requires (issue 14; registered in the Bedrock fake by apply()).
    "tenant-b": {
        "customer_account": "b",
        "model_id": "amazon.nova-lite-v1:0",
        "content_policy": "hash",
        "guardrail": {"arn": GUARDRAIL_ARN, "version": "1"},
    },
    # A second tenant in customer account a: the two must not reach each other's
    # role or log groups although they share an account.
    "tenant-c": {"customer_account": "a", "model_id": "amazon.nova-lite-v1:0", "content_policy": "none"},
}


def admin_role_arn(account_id: str) -> str:
    return f"arn:aws:iam::{account_id}:role/{ADMIN_ROLE}"


@dataclass(frozen=True)
class Invocation:
    tenant_id: str
    response: dict[str, Any]  # the handler's return value (or Lambda's error object)
    function_error: bool
    wall_seconds: float


class CompleteStack:
    """``examples/complete`` on the embedded AWS: apply, invoke as each tenant, destroy."""

    def __init__(self, aws: EmbeddedAws, workdir: Path, layer_zip: Path, *, dead_letter_queues: bool = True) -> None:
        self.aws = aws
        self.workdir = workdir
        self.external_ids = {tenant: secrets.token_hex(16) for tenant in TENANTS}
        self.variables = {
            "region": REGION,
            "operations_account_role_arn": admin_role_arn(OPERATIONS_ACCOUNT),
            "customer_account_role_arns": {key: admin_role_arn(acct) for key, acct in CUSTOMER_ACCOUNTS.items()},
            "tenants": TENANTS,
            "external_ids": self.external_ids,
            "dependencies_zip_path": str(layer_zip),
            "dead_letter_queues": dead_letter_queues,
        }
        self.workspace = Workspace(workdir / "terraform", aws.environment)
        self._root: tftest.TerraformTest | None = None
        self._outputs: dict[str, Any] | None = None
        self._functions: dict[str, LambdaEmulator] = {}
        self._exit = ExitStack()

    # -- Terraform ---------------------------------------------------------
    @property
    def root(self) -> tftest.TerraformTest:
        if self._root is None:
            self._root = self.workspace.root(EXAMPLE, self.variables)
        return self._root

    def apply(self) -> float:
        """``terraform apply``; returns the seconds it took."""
        # The guardrail an operations admin made before onboarding tenant-b.
        self.aws.bedrock.add_guardrail(GUARDRAIL_ARN.rsplit("/", 1)[1], [GUARDRAIL_DENIED_WORD], region=REGION)
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
        self.close()
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
    def admin(self, account_id: str) -> boto3.Session:
        """What Terraform acts as in ``account_id``."""
        return self.aws.admin_session(account_id)

    def execution_role(self, tenant_id: str) -> boto3.Session:
        """The tenant's execution role, as the Lambda service gets it."""
        return self.aws.service_session(self.tenant(tenant_id)["execution_role_arn"])

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

    def function(
        self, tenant_id: str, overrides: dict[str, str | None] | None = None, timeout_s: int | None = None
    ) -> LambdaEmulator:
        """The tenant's function running under the emulator (started once; warm after).
        ``overrides`` change (None: remove) environment variables and ``timeout_s`` the
        function's timeout, for a separate, tampered copy of the function."""
        key = tenant_id + (json.dumps([overrides, timeout_s], sort_keys=True) if overrides or timeout_s else "")
        if key not in self._functions:
            deployed = deployed_function(
                self.customer_account(tenant_id), REGION, self.tenant(tenant_id)["function_name"]
            )
            environment = {**deployed.environment}
            for name, value in (overrides or {}).items():
                if value is None:
                    environment.pop(name, None)
                else:
                    environment[name] = value
            deployed = dataclasses.replace(deployed, environment=environment, timeout=timeout_s or deployed.timeout)
            keys = frozen_credentials(self.aws.service_session(deployed.role))
            emulator = LambdaEmulator(
                deployed,
                self.workdir / "functions" / f"{tenant_id}-{len(self._functions)}",
                credentials={
                    "AccessKeyId": keys.access_key,
                    "SecretAccessKey": keys.secret_key,
                    "SessionToken": keys.token,
                },
                region=REGION,
                environment=self.aws.environment,  # the SDK's endpoints: the embedded AWS
            )
            self._functions[key] = self._exit.enter_context(emulator)
        return self._functions[key]

    def invoke(
        self,
        tenant_id: str,
        prompt: str,
        request_id: str,
        overrides: dict[str, str | None] | None = None,
        timeout_s: int | None = None,
    ) -> Invocation:
        """Invoke the tenant's function once over the emulator's HTTP API."""
        event = {"prompt": prompt, "metadata": {"request": request_id}}
        result = self.function(tenant_id, overrides, timeout_s).invoke(event)
        response = result.payload if isinstance(result.payload, dict) else {"payload": result.payload}
        return Invocation(tenant_id, response, result.function_error, result.wall_seconds)

    def attempt(
        self, tenant_id: str, prompt: str, request_id: str, overrides: dict[str, str | None]
    ) -> tuple[Invocation, list[Refusal]]:
        """Invoke a tampered copy of the tenant's function; return what it answered
        and what the embedded AWS refused meanwhile."""
        before = len(self.aws.authorizer.refusals)
        run = self.invoke(tenant_id, prompt, request_id, overrides)
        return run, self.aws.authorizer.refusals[before:]

    def close(self) -> None:
        """Stop every running function."""
        self._exit.close()
        self._functions.clear()

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
