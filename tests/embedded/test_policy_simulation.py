"""The modules' planned policies, asked by the embedded AWS's evaluator what they
allow: the isolation claims, decided as IAM decides them, at plan time.

The operations role is planned in the operations account and the invoker in a
customer account (the local STS answers each with its planner's account), with
each one's ARNs given to the other, so a request is decided across accounts with
both sides' real documents: the invoker's execution-role policy and the
operations role's trust policy for AssumeRole, the operations role's permission
policies for Bedrock, the execution-role policy for Logs, the key policy for the
Logs service. These are the fast half of the mutation check (``make mutants``):
every seeded policy defect must fail a test here.
"""

from __future__ import annotations

import json
import zipfile
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

import pytest
from moto.iam.models import iam_backends

from tests.fakes.aws import moto_server
from tests.fakes.bedrock_access import PROFILES
from tests.fakes.policy import PolicyEvaluator, Request
from tests.fakes.tenants import CANONICAL, check_rendered
from tests.terraform.plan import Plan, Workspace, locals_override

pytestmark = pytest.mark.terraform

OPS, CUSTOMER, OTHER = "111111111111", "222222222222", "333333333333"
REGION = "us-east-1"
MODEL = "anthropic.claude-3-5-haiku-20241022-v1:0"
TENANT = "acme"
EXTERNAL_ID = "0123456789abcdef0123456789abcdef"
OPERATIONS_ROLE = f"arn:aws:iam::{OPS}:role/bedrock-tenant-{TENANT}"
EXECUTION_ROLE = f"arn:aws:iam::{CUSTOMER}:role/bedrock-tenant-{TENANT}-execution"
SESSION = f"arn:aws:sts::{CUSTOMER}:assumed-role/bedrock-tenant-{TENANT}-execution/bedrock-tenant-{TENANT}"
OPS_SESSION = f"arn:aws:sts::{OPS}:assumed-role/bedrock-tenant-{TENANT}/bedrock-tenant-{TENANT}"
SYSTEM_PROFILE = f"arn:aws:bedrock:{REGION}:{OPS}:inference-profile/us.{MODEL}"
APPLICATION_PROFILE = f"arn:aws:bedrock:{REGION}:{OPS}:application-inference-profile/acmeprofile01"
DESTINATIONS = PROFILES[f"us.{MODEL}"][REGION]
KEY = f"arn:aws:kms:{REGION}:{CUSTOMER}:key/1234abcd-12ab-34cd-56ef-1234567890ab"


def planner_environment(sts_url: str, account_id: str) -> dict[str, str]:
    """Credentials the local STS attributes to ``account_id`` (an IAM user there)."""
    iam = iam_backends[account_id]["global"]
    if "planner" not in iam.users:
        iam.create_user(region_name=REGION, user_name="planner")
    key = iam.create_access_key("planner")
    return {
        "AWS_ENDPOINT_URL_STS": sts_url,
        "AWS_ACCESS_KEY_ID": key.access_key_id,
        "AWS_SECRET_ACCESS_KEY": key.secret_access_key,
        "AWS_REGION": REGION,
    }


def documents(plan: Plan, resource_type: str, attribute: str) -> list[dict[str, Any]]:
    return [json.loads(values[attribute]) for values in plan.of_type(resource_type).values()]


@pytest.fixture(scope="module")
def workspaces(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Workspace]]:
    """A workspace planning as the operations account and one as the customer account."""
    with moto_server() as sts:
        yield {
            account: Workspace(tmp_path_factory.mktemp(f"plan-{account}"), planner_environment(sts, account))
            for account in (OPS, CUSTOMER)
        }


ROLE = {
    "tenant_id": TENANT,
    "trusted_principal_arns": [EXECUTION_ROLE],
    "external_id": EXTERNAL_ID,
    "allowed_model_ids": [MODEL],
    "allowed_regions": [REGION],
    "allow_source_identity": True,
    "allow_session_tags": True,
    "cost_center": "cc-42",
}
SESSION_TAGS = {"TenantId": TENANT, "CostCenter": "cc-42"}


@dataclass(frozen=True)
class Role:
    trust: dict[str, Any]
    policies: list[dict[str, Any]]


def role_of(plan: Plan) -> Role:
    [trust] = [json.loads(values["assume_role_policy"]) for values in plan.of_type("aws_iam_role").values()]
    return Role(trust, documents(plan, "aws_iam_role_policy", "policy"))


@pytest.fixture(scope="module")
def role(workspaces: dict[str, Workspace]) -> Role:
    """The operations role with the US system profile."""
    return role_of(workspaces[OPS].plan("modules/operations-role", {**ROLE, "inference_profile_geographies": ["us"]}))


@pytest.fixture(scope="module")
def exclusive(workspaces: dict[str, Workspace]) -> Role:
    """The operations role with an exclusive application profile copying the US profile."""
    plan = workspaces[OPS].plan(
        "modules/operations-role",
        {**ROLE, "application_inference_profile": {"model_id": MODEL, "geography": "us"}},
        overrides=locals_override({"application_profile_arn": APPLICATION_PROFILE}),
    )
    return role_of(plan)


@dataclass(frozen=True)
class Invoker:
    execution: list[dict[str, Any]]
    key_policy: dict[str, Any]
    environment: dict[str, str]
    log_groups: dict[str, str]  # name -> ARN


@pytest.fixture(scope="module")
def invoker(workspaces: dict[str, Workspace], tmp_path_factory: pytest.TempPathFactory) -> Invoker:
    layer = tmp_path_factory.mktemp("layer") / "dependencies.zip"  # a stand-in: plans only hash it
    with zipfile.ZipFile(layer, "w") as archive:
        archive.writestr("python/placeholder.py", "")
    plan = workspaces[CUSTOMER].plan(
        "modules/customer-invoker",
        {
            "tenant_id": TENANT,
            "operations_role_arn": OPERATIONS_ROLE,
            "external_id": EXTERNAL_ID,
            "source_identity": TENANT,
            "session_tags": SESSION_TAGS,
            "model_id": MODEL,
            "bedrock_region": REGION,
            "inference_profile_arn": APPLICATION_PROFILE,
            "dependencies_zip_path": str(layer),
        },
        # The created key's ARN is known after apply; the execution-role policy names it.
        overrides=locals_override({"kms_key_arn": KEY}),
    )
    [key_policy] = documents(plan, "aws_kms_key", "policy")
    return Invoker(
        execution=documents(plan, "aws_iam_role_policy", "policy"),
        key_policy=key_policy,
        environment=dict(plan.one("aws_lambda_function")["environment"][0]["variables"]),
        log_groups={
            values["name"]: f"arn:aws:logs:{REGION}:{CUSTOMER}:log-group:{values['name']}"
            for values in plan.of_type("aws_cloudwatch_log_group").values()
        },
    )


def assume(
    evaluator: PolicyEvaluator,
    role: Role,
    identity: list[dict[str, Any]],
    *,
    principal: str = SESSION,
    principal_arn: str = EXECUTION_ROLE,
    account: str = CUSTOMER,
    context: Mapping[str, str] | None = None,
    action: str = "sts:AssumeRole",
) -> bool:
    request_context = {"aws:PrincipalArn": principal_arn, "aws:PrincipalAccount": account, **(context or {})}
    decision = evaluator.evaluate(
        Request(principal, action, OPERATIONS_ROLE, OPS, request_context),
        identity_policies=identity,
        resource_policy=role.trust,
        shared_context=action != "sts:AssumeRole",
    )
    return decision.allowed


ALLOW_ALL = [{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}]
WITH_ID = {"sts:ExternalId": EXTERNAL_ID}


# -- AssumeRole: the invoker's identity policy and the role's trust policy -------------------
def test_the_tenants_execution_role_may_assume_its_operations_role(
    evaluator: PolicyEvaluator, role: Role, invoker: Invoker
) -> None:
    assert invoker.environment["BEDROCK_TENANT_OPERATIONS_ROLE_ARN"] == OPERATIONS_ROLE
    assert assume(evaluator, role, invoker.execution, context=WITH_ID)
    with_source = {**WITH_ID, "sts:SourceIdentity": invoker.environment["BEDROCK_TENANT_SOURCE_IDENTITY"]}
    assert assume(evaluator, role, invoker.execution, context=with_source, action="sts:SetSourceIdentity")
    # Issue 22: with session_tags the runtime tags its session, which STS authorises as
    # sts:TagSession in the execution role's own policy as well as in the trust.
    tags = json.loads(invoker.environment["BEDROCK_TENANT_SESSION_TAGS"])
    with_tags = {**WITH_ID, "aws:TagKeys": list(tags), **{f"aws:RequestTag/{k}": v for k, v in tags.items()}}
    assert assume(evaluator, role, invoker.execution, context=with_tags, action="sts:TagSession")


def test_the_embedded_tenants_run_with_the_policies_the_modules_render(role: Role, invoker: Invoker) -> None:
    """tests/fakes/tenants.py provisions the functional tests', the benchmarks' and the
    evaluator tests' tenants from tests/fakes/rendered_policies.json: it must be what
    these plans render, so no embedded tenant runs with a policy a test wrote.
    BEDROCK_TENANT_UPDATE_RENDERED=1 rewrites it from the plans."""
    assert (TENANT, OPS, CUSTOMER, EXTERNAL_ID, SESSION_TAGS["CostCenter"]) == tuple(CANONICAL.values())
    check_rendered("operations_role", {"trust": role.trust, "permissions": role.policies})
    check_rendered("customer_invoker", {"execution": invoker.execution})


def test_assume_role_without_the_external_id_is_refused(evaluator: PolicyEvaluator, role: Role) -> None:
    assert not assume(evaluator, role, ALLOW_ALL)
    assert not assume(evaluator, role, ALLOW_ALL, context={"sts:ExternalId": "f" * 32})


def test_only_the_trusted_role_of_the_customer_account_may_assume(evaluator: PolicyEvaluator, role: Role) -> None:
    for account, name in ((CUSTOMER, "intruder"), (OTHER, f"bedrock-tenant-{TENANT}-execution")):
        intruder = {
            "principal": f"arn:aws:sts::{account}:assumed-role/{name}/s",
            "principal_arn": f"arn:aws:iam::{account}:role/{name}",
            "account": account,
        }
        assert not assume(evaluator, role, ALLOW_ALL, context=WITH_ID, **intruder), (account, name)


def test_the_execution_role_may_assume_no_other_role(evaluator: PolicyEvaluator, invoker: Invoker) -> None:
    other_role = f"arn:aws:iam::{OPS}:role/bedrock-tenant-globex"
    trusts_the_account = {
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{CUSTOMER}:root"}, "Action": "sts:AssumeRole"}
        ],
    }
    decision = evaluator.evaluate(
        Request(SESSION, "sts:AssumeRole", other_role, OPS, {"aws:PrincipalArn": EXECUTION_ROLE, **WITH_ID}),
        identity_policies=invoker.execution,
        resource_policy=trusts_the_account,
    )
    assert not decision.allowed


# -- Bedrock --------------------------------------------------------------------------------
def invoke(evaluator: PolicyEvaluator, policies: list[dict[str, Any]], resource: str, **context: str) -> bool:
    decision = evaluator.evaluate(
        Request(OPS_SESSION, "bedrock:InvokeModel", resource, OPS, context), identity_policies=policies
    )
    return decision.allowed


def fm(region: str) -> str:
    return f"arn:aws:bedrock:{region}::foundation-model/{MODEL}"


@pytest.mark.parametrize("destination", DESTINATIONS)
def test_a_system_profile_works_in_every_destination_region(
    evaluator: PolicyEvaluator, role: Role, destination: str
) -> None:
    assert invoke(evaluator, role.policies, SYSTEM_PROFILE, **{"aws:RequestedRegion": REGION})
    routed = {"bedrock:InferenceProfileArn": SYSTEM_PROFILE, "aws:RequestedRegion": destination}
    assert invoke(evaluator, role.policies, fm(destination), **routed)


def test_direct_model_access_only_in_the_allowed_regions(evaluator: PolicyEvaluator, role: Role) -> None:
    assert invoke(evaluator, role.policies, fm(REGION), **{"aws:RequestedRegion": REGION})
    assert not invoke(evaluator, role.policies, fm("us-west-2"), **{"aws:RequestedRegion": "us-west-2"})
    other_model = fm(REGION).replace(MODEL, "amazon.nova-pro-v1:0")
    assert not invoke(evaluator, role.policies, other_model, **{"bedrock:InferenceProfileArn": SYSTEM_PROFILE})


@pytest.mark.parametrize("destination", DESTINATIONS)
def test_an_exclusive_application_profile_is_the_only_way_in(
    evaluator: PolicyEvaluator, exclusive: Role, destination: str
) -> None:
    assert invoke(evaluator, exclusive.policies, APPLICATION_PROFILE, **{"aws:RequestedRegion": REGION})
    routed = {"bedrock:InferenceProfileArn": APPLICATION_PROFILE, "aws:RequestedRegion": destination}
    assert invoke(evaluator, exclusive.policies, fm(destination), **routed)
    # No bypass: not the foundation model directly, nor through the system profile.
    assert not invoke(evaluator, exclusive.policies, fm(destination), **{"aws:RequestedRegion": destination})
    assert not invoke(evaluator, exclusive.policies, SYSTEM_PROFILE, **{"aws:RequestedRegion": REGION})
    through_system = {"bedrock:InferenceProfileArn": SYSTEM_PROFILE, "aws:RequestedRegion": destination}
    assert not invoke(evaluator, exclusive.policies, fm(destination), **through_system)


# -- CloudWatch Logs and the key --------------------------------------------------------------
def write(evaluator: PolicyEvaluator, invoker: Invoker, group_arn: str) -> bool:
    return all(
        evaluator.evaluate(
            Request(SESSION, action, f"{group_arn}:log-stream:2026/11/28/stream", CUSTOMER, {}),
            identity_policies=invoker.execution,
        ).allowed
        for action in ("logs:CreateLogStream", "logs:PutLogEvents")
    )


def test_the_sink_may_write_its_own_log_group_and_no_other(evaluator: PolicyEvaluator, invoker: Invoker) -> None:
    sink_group = invoker.environment["BEDROCK_TENANT_LOG_GROUP"]
    assert sink_group in invoker.log_groups
    assert write(evaluator, invoker, invoker.log_groups[sink_group])
    for other in ("/bedrock-tenant/globex/invocations", f"{sink_group}-archive", "/aws/lambda/bedrock-tenant-globex"):
        assert not write(evaluator, invoker, f"arn:aws:logs:{REGION}:{CUSTOMER}:log-group:{other}"), other


def key_allows_logs(evaluator: PolicyEvaluator, invoker: Invoker, group_arn: str) -> bool:
    context = {"kms:EncryptionContext:aws:logs:arn": group_arn}
    return all(
        evaluator.evaluate(
            Request(f"logs.{REGION}.amazonaws.com", action, KEY, CUSTOMER, context),
            resource_policy=invoker.key_policy,
        ).allowed
        for action in ("kms:GenerateDataKey", "kms:Decrypt")
    )


def test_the_key_serves_the_logs_service_for_these_log_groups_only(
    evaluator: PolicyEvaluator, invoker: Invoker
) -> None:
    assert len(invoker.log_groups) == 2
    for group_arn in invoker.log_groups.values():
        assert key_allows_logs(evaluator, invoker, group_arn), group_arn
    for other in ("/bedrock-tenant/globex/invocations", "/aws/lambda/other"):
        assert not key_allows_logs(evaluator, invoker, f"arn:aws:logs:{REGION}:{CUSTOMER}:log-group:{other}"), other
