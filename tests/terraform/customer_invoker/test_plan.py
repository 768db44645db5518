"""modules/customer-invoker: planned values, policies, counts and the code zip."""

from __future__ import annotations

import base64
import hashlib
import json
import zipfile
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.terraform.plan import LazyPlans, Plan, Workspace, as_set, assert_subset, locals_override, statements
from tests.terraform.policy import Iam, Request

MODULE = "modules/customer-invoker"
CASES = yaml.safe_load((Path(__file__).parent / "cases.yaml").read_text())
BASE: dict[str, Any] = CASES["base"]
ACCOUNT = "123456789012"  # the local STS's answer for aws_caller_identity
SUPPLIED_KEY = CASES["cases"]["supplied_key_vpc_and_layers"]["inputs"]["kms_key_arn"]
# What the kms_key_arn description asks of a supplied key: delegation to IAM.
DELEGATING_KEY_POLICY = {
    "Version": "2012-10-17",
    "Statement": [
        {"Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:root"}, "Action": "kms:*", "Resource": "*"}
    ],
}
ENVIRONMENT = {
    "BEDROCK_TENANT_ID",
    "BEDROCK_TENANT_OPERATIONS_ROLE_ARN",
    "BEDROCK_TENANT_EXTERNAL_ID",
    "BEDROCK_TENANT_MODEL_ID",
    "BEDROCK_TENANT_BEDROCK_REGION",
    "BEDROCK_TENANT_LOG_GROUP",
    "BEDROCK_TENANT_CONTENT_POLICY",
    "BEDROCK_TENANT_METRIC_NAMESPACE",
    "BEDROCK_TENANT_MAX_TOKENS",
    "BEDROCK_TENANT_SESSION_DURATION_SECONDS",
    "BEDROCK_TENANT_SINK",
}


def inputs(case: str, placeholder_layer_zip: str) -> dict[str, Any]:
    values = {**BASE, **CASES["cases"][case]["inputs"]}
    if case in ("defaults", "longest_names"):
        values["dependencies_zip_path"] = placeholder_layer_zip
    return values


def overrides(case: str) -> str | None:
    values = CASES["cases"][case].get("locals")
    return locals_override(values) if values else None


@pytest.fixture(scope="module")
def plans(workspace: Workspace, placeholder_layer_zip: str) -> LazyPlans:
    return LazyPlans(
        workspace, MODULE, {case: (inputs(case, placeholder_layer_zip), overrides(case)) for case in CASES["cases"]}
    )


@pytest.mark.parametrize("case", list(CASES["cases"]))
def test_inventory(plans: LazyPlans, case: str) -> None:
    expected = CASES["cases"][case]
    plan = plans[case]
    assert plan.counts == expected["counts"]
    for address, values in expected["values"].items():
        assert address in plan.values, f"{address} not planned: {sorted(plan.values)}"
        assert_subset(plan.values[address], values, address)


def test_key_policy_limits_logs_to_the_two_log_groups(plans: LazyPlans) -> None:
    policy = statements(plans["defaults"].values["aws_kms_key.this[0]"]["policy"])
    # No statement names the execution role: the root statement delegates to IAM,
    # where the role's use of the key is conditioned (and the key needs no role to exist).
    assert set(policy) == {"AccountAdministration", "CloudWatchLogsForTheseLogGroupsOnly"}
    assert policy["AccountAdministration"]["Principal"] == {"AWS": f"arn:aws:iam::{ACCOUNT}:root"}
    logs = policy["CloudWatchLogsForTheseLogGroupsOnly"]
    assert logs["Principal"] == {"Service": "logs.us-east-1.amazonaws.com"}
    assert as_set(logs["Condition"]["ArnEquals"]["kms:EncryptionContext:aws:logs:arn"]) == {
        f"arn:aws:logs:us-east-1:{ACCOUNT}:log-group:/bedrock-tenant/acme/invocations",
        f"arn:aws:logs:us-east-1:{ACCOUNT}:log-group:/aws/lambda/bedrock-tenant-acme",
    }
    assert "kms:CreateGrant" not in as_set(logs["Action"])
    assert "LambdaFunctionName" not in json.dumps(policy)


def execution_policy(plan: Plan) -> str:
    return str(plan.values["aws_iam_role_policy.this"]["policy"])


def test_execution_role_may_do_exactly_what_it_needs(plans: LazyPlans) -> None:
    plan = plans["supplied_key_vpc_and_layers"]
    policy = statements(execution_policy(plan))
    granted = {
        (action, resource)
        for s in policy.values()
        for action in as_set(s["Action"])
        for resource in as_set(s["Resource"])
    }
    groups = [
        f"arn:aws:logs:us-east-1:{ACCOUNT}:log-group:/bedrock-tenant/acme/invocations:*",
        f"arn:aws:logs:us-east-1:{ACCOUNT}:log-group:/aws/lambda/acme-assistant:*",
    ]
    assert granted == {
        ("sts:AssumeRole", BASE["operations_role_arn"]),
        ("sts:SetSourceIdentity", BASE["operations_role_arn"]),
        *{(action, group) for action in ("logs:CreateLogStream", "logs:PutLogEvents") for group in groups},
        ("kms:Decrypt", SUPPLIED_KEY),
        ("kms:GenerateDataKey", SUPPLIED_KEY),
        ("sqs:SendMessage", f"arn:aws:sqs:us-east-1:{ACCOUNT}:acme-assistant-dlq"),
        ("xray:PutTraceSegments", "*"),
        ("xray:PutTelemetryRecords", "*"),
    }
    assert all(s["Effect"] == "Allow" for s in policy.values())
    trust = json.loads(plan.values["aws_iam_role.this"]["assume_role_policy"])
    assert trust["Statement"][0]["Principal"] == {"Service": "lambda.amazonaws.com"}


def test_an_sqs_event_source_may_read_only_its_queue(plans: LazyPlans, iam: Iam) -> None:
    policy = [execution_policy(plans["snap_start"])]
    queue = f"arn:aws:sqs:us-east-1:{ACCOUNT}:acme-requests"
    key = f"arn:aws:kms:us-east-1:{ACCOUNT}:key/5678abcd-12ab-34cd-56ef-1234567890ab"
    for action in ("sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:GetQueueAttributes"):
        assert iam.allows(policy, Request(action, queue)), action
        assert not iam.allows(policy, Request(action, f"arn:aws:sqs:us-east-1:{ACCOUNT}:other-queue")), action
    assert not iam.allows(policy, Request("sqs:PurgeQueue", queue))
    via_sqs = {"kms:ViaService": "sqs.us-east-1.amazonaws.com"}
    assert iam.allows(policy, Request("kms:Decrypt", key, via_sqs), resource_policy=DELEGATING_KEY_POLICY)
    assert not iam.allows(policy, Request("kms:Decrypt", key), resource_policy=DELEGATING_KEY_POLICY)  # via SQS only
    assert not iam.allows(policy, Request("kms:GenerateDataKey", key, via_sqs), resource_policy=DELEGATING_KEY_POLICY)
    # Without an event source, no SQS read at all: test_execution_role_may_do_exactly_what_it_needs.


def test_the_key_serves_only_the_environment_and_the_queue(plans: LazyPlans, iam: Iam) -> None:
    """The role's KMS grants carry the contexts Lambda and SQS use, so the role
    cannot decrypt anything else encrypted under the key (the log groups' data,
    another function's environment) by calling KMS itself."""
    policy = [execution_policy(plans["supplied_key_vpc_and_layers"])]

    def may(action: str, context: dict[str, str] | None = None) -> bool:
        request = Request(action, SUPPLIED_KEY, context or {})
        return iam.allows(policy, request, resource_policy=DELEGATING_KEY_POLICY)

    function = f"arn:aws:lambda:us-east-1:{ACCOUNT}:function:acme-assistant"
    assert may("kms:Decrypt", {"kms:EncryptionContext:aws:lambda:FunctionArn": function})
    assert not may("kms:Decrypt")
    assert not may("kms:Decrypt", {"kms:EncryptionContext:aws:lambda:FunctionArn": function + "-other"})
    group = f"arn:aws:logs:us-east-1:{ACCOUNT}:log-group:/bedrock-tenant/acme/invocations"
    assert not may("kms:Decrypt", {"kms:EncryptionContext:aws:logs:arn": group})
    for action in ("kms:GenerateDataKey", "kms:Decrypt"):
        assert may(action, {"kms:ViaService": "sqs.us-east-1.amazonaws.com"}), action
        assert not may(action, {"kms:ViaService": "logs.us-east-1.amazonaws.com"}), action
    assert not may("kms:GenerateDataKey")


def test_the_dead_letter_queue_can_be_turned_off(plans: LazyPlans) -> None:
    plan = plans["no_dead_letter_queue_unreserved"]
    policy = execution_policy(plan)
    assert not any(action.startswith("sqs:") for s in statements(policy).values() for action in as_set(s["Action"]))
    assert "kms:ViaService" not in policy
    assert plan.outputs["dead_letter_queue_arn"] is None


# Service limits of every name the module derives (IAM and STS quotas; Lambda
# quotas; SQS, KMS CreateAlias, CloudWatch PutDashboard/PutMetricAlarm and Logs
# CreateLogGroup API references).
NAME_LIMITS = {
    ("aws_iam_role", "name"): 64,
    ("aws_lambda_function", "function_name"): 64,
    ("aws_lambda_layer_version", "layer_name"): 140,
    ("aws_sqs_queue", "name"): 80,
    ("aws_kms_alias", "name"): 256,
    ("aws_cloudwatch_dashboard", "dashboard_name"): 255,
    ("aws_cloudwatch_metric_alarm", "alarm_name"): 255,
    ("aws_cloudwatch_log_group", "name"): 512,
}


def test_every_derived_name_fits_its_limit(plans: LazyPlans) -> None:
    plan = plans["longest_names"]
    checked = 0
    for (resource_type, attribute), limit in NAME_LIMITS.items():
        for address, values in plan.of_type(resource_type).items():
            assert len(values[attribute]) <= limit, (address, values[attribute], limit)
            checked += 1
    assert checked == 10
    assert plan.values["aws_iam_role.this"]["name"].endswith("-execution")
    assert len(plan.values["aws_iam_role.this"]["name"]) == 64  # exactly at IAM's limit


def test_execution_role_arn_is_known_at_plan(plans: LazyPlans) -> None:
    """So the operations role's trust policy names it at plan and either side can apply first."""
    assert (
        plans["defaults"].outputs["execution_role_arn"] == f"arn:aws:iam::{ACCOUNT}:role/bedrock-tenant-acme-execution"
    )
    assert plans["defaults"].values["aws_iam_role.this"]["name"] == "bedrock-tenant-acme-execution"


# Per case: partition, Region, the Logs service principal and the SQS endpoint
# (kms:ViaService) that partition uses.
PARTITIONS = {
    "aws_cn": ("aws-cn", "cn-north-1", "logs.cn-north-1.amazonaws.com.cn", "sqs.cn-north-1.amazonaws.com.cn"),
    "aws_us_gov_created_key": (
        "aws-us-gov",
        "us-gov-west-1",
        "logs.us-gov-west-1.amazonaws.com",
        "sqs.us-gov-west-1.amazonaws.com",
    ),
}


@pytest.mark.parametrize("case", list(PARTITIONS))
def test_other_partitions_use_their_own_principals_and_arns(plans: LazyPlans, case: str, iam: Iam) -> None:
    partition, region, logs_principal, sqs_endpoint = PARTITIONS[case]
    plan = plans[case]
    key = CASES["cases"][case]["locals"]["kms_key_arn"]
    key_policy = statements(plan.values["aws_kms_key.this[0]"]["policy"])
    assert key_policy["CloudWatchLogsForTheseLogGroupsOnly"]["Principal"] == {"Service": logs_principal}
    assert key_policy["AccountAdministration"]["Principal"] == {"AWS": f"arn:{partition}:iam::{ACCOUNT}:root"}
    assert f"arn:{partition}:logs:{region}:{ACCOUNT}:log-group:/bedrock-tenant/acme/invocations" in as_set(
        key_policy["CloudWatchLogsForTheseLogGroupsOnly"]["Condition"]["ArnEquals"][
            "kms:EncryptionContext:aws:logs:arn"
        ]
    )
    trust = json.loads(plan.values["aws_iam_role.this"]["assume_role_policy"])
    assert trust["Statement"][0]["Principal"] == {"Service": "lambda.amazonaws.com"}
    policy = [execution_policy(plan)]
    # The module's own key policy: KMS honours the role's IAM policy through its root statement.
    key_policy_document = plan.values["aws_kms_key.this[0]"]["policy"]
    function = f"arn:{partition}:lambda:{region}:{ACCOUNT}:function:bedrock-tenant-acme"
    for context, expected in (
        ({"kms:EncryptionContext:aws:lambda:FunctionArn": function}, True),
        ({"kms:ViaService": sqs_endpoint}, True),
        ({"kms:ViaService": f"sqs.{region}.amazonaws.com.invalid"}, False),
        ({}, False),
    ):
        action = "kms:GenerateDataKey" if "kms:ViaService" in context else "kms:Decrypt"
        request = Request(action, key, context)
        assert iam.allows(policy, request, resource_policy=key_policy_document) is expected, context
    assert iam.allows(
        policy,
        Request(
            "logs:PutLogEvents",
            f"arn:{partition}:logs:{region}:{ACCOUNT}:log-group:/bedrock-tenant/acme/invocations:log-stream:x",
        ),
    )
    assert iam.allows(policy, Request("sts:AssumeRole", str(inputs(case, "")["operations_role_arn"])))
    assert plan.outputs["execution_role_arn"] == f"arn:{partition}:iam::{ACCOUNT}:role/bedrock-tenant-acme-execution"


def test_assume_role_is_granted_only_on_the_operations_role(plans: LazyPlans) -> None:
    # With a created key the policy's key ARN is known only after apply, but the
    # statements that name roles are planned in the supplied-key case above.
    raw = plans["defaults"].raw["resource_changes"]
    [change] = [c for c in raw if c["address"] == "aws_iam_role_policy.this"]
    assert change["change"]["after_unknown"]["policy"] is True


def test_environment_of_the_function(plans: LazyPlans) -> None:
    defaults = plans["defaults"].values["aws_lambda_function.this"]
    variables = defaults["environment"][0]["variables"]
    assert set(variables) == ENVIRONMENT
    assert variables["BEDROCK_TENANT_EXTERNAL_ID"] == BASE["external_id"]
    assert variables["BEDROCK_TENANT_LOG_GROUP"] == "/bedrock-tenant/acme/invocations"
    assert variables["BEDROCK_TENANT_CONTENT_POLICY"] == "hash"
    assert plans["defaults"].outputs["environment_variable_names"] == sorted(ENVIRONMENT)
    supplied = plans["supplied_key_vpc_and_layers"].values["aws_lambda_function.this"]["environment"][0]["variables"]
    assert set(supplied) == ENVIRONMENT | {"BEDROCK_TENANT_INFERENCE_PROFILE_ARN", "BEDROCK_TENANT_SOURCE_IDENTITY"}
    assert supplied["BEDROCK_TENANT_CONTENT_POLICY"] == "full"


def test_external_id_stays_out_of_plan_output(plans: LazyPlans) -> None:
    after = plans["defaults"].raw["resource_changes"]
    [function] = [c for c in after if c["address"] == "aws_lambda_function.this"]
    # Only the external id is redacted; the other variables stay reviewable.
    assert function["change"]["after_sensitive"]["environment"][0]["variables"] == {"BEDROCK_TENANT_EXTERNAL_ID": True}


def test_dashboard_and_alarms_use_the_record_metrics(plans: LazyPlans) -> None:
    body = json.loads(plans["defaults"].values["aws_cloudwatch_dashboard.this[0]"]["dashboard_body"])
    titles = [w["properties"]["title"] for w in body["widgets"]]
    assert titles == [
        "Tokens",
        "Estimated cost (USD)",
        "Latency (ms)",
        "Model calls, errors and throttles",
        "Function invocations, errors and throttles",
    ]
    metrics = {(m[0], m[1], m[-1]["stat"]) for w in body["widgets"] for m in w["properties"]["metrics"]}
    assert {
        ("BedrockTenant", "input_tokens", "Sum"),
        ("BedrockTenant", "output_tokens", "Sum"),
        ("BedrockTenant", "estimated_cost_usd", "Sum"),
        ("BedrockTenant", "latency_ms", "p50"),
        ("BedrockTenant", "latency_ms", "p95"),
        ("BedrockTenant", "errors", "Sum"),
        ("BedrockTenant", "throttles", "Sum"),
        ("BedrockTenant", "invocations", "Sum"),
        ("AWS/Lambda", "Invocations", "Sum"),
        ("AWS/Lambda", "Errors", "Sum"),
        ("AWS/Lambda", "Throttles", "Sum"),
    } == metrics
    record_metrics = [m for w in body["widgets"] for m in w["properties"]["metrics"] if m[0] == "BedrockTenant"]
    assert all(m[2:6] == ["tenant_id", "acme", "model_id", BASE["model_id"]] for m in record_metrics)


def test_code_zip_is_reproducible_and_holds_only_the_package(workspace: Workspace, placeholder_layer_zip: str) -> None:
    variables = inputs("defaults", placeholder_layer_zip)
    first, second = workspace.root(MODULE, variables), workspace.root(MODULE, variables)
    hashes = []
    for test in (first, second):  # two clean copies, each planned twice
        for _ in range(2):
            test.execute_command("plan", "-input=false", "-no-color", "-out=p.tfplan")  # raises on failure
            shown = json.loads(test.execute_command("show", "-json", "-no-color", "p.tfplan").out)
            hashes.append(shown["planned_values"]["outputs"]["code_sha256"]["value"])
    assert len(set(hashes)) == 1
    data = (Path(first.tfdir) / "builds" / "bedrock-tenant-acme-code.zip").read_bytes()
    assert base64.b64encode(hashlib.sha256(data).digest()).decode() == hashes[0]
    assert data == (Path(second.tfdir) / "builds" / "bedrock-tenant-acme-code.zip").read_bytes()
    with zipfile.ZipFile(Path(first.tfdir) / "builds" / "bedrock-tenant-acme-code.zip") as archive:
        names = archive.namelist()
    package = Path(workspace.directory) / "python" / "src"
    expected = sorted(
        p.relative_to(package).as_posix()
        for p in package.rglob("*")
        if p.suffix in {".py", ".typed"} or (p.is_file() and p.parent.name == "data")
    )
    assert names == expected
    assert "bedrock_tenant/handler.py" in names
    assert not any("__pycache__" in name for name in names)


def test_code_change_changes_the_hash(workspace: Workspace, placeholder_layer_zip: str, tmp_path: Path) -> None:
    source = tmp_path / "src"
    source.mkdir()
    package = Path(workspace.directory) / "python" / "src" / "bedrock_tenant"
    (source / "bedrock_tenant").mkdir()
    for path in package.glob("*.py"):
        (source / "bedrock_tenant" / path.name).write_bytes(path.read_bytes())
    original = workspace.plan(MODULE, {**inputs("defaults", placeholder_layer_zip), "source_dir": str(source)})
    (source / "bedrock_tenant" / "handler.py").write_text((package / "handler.py").read_text() + "\n# changed\n")
    changed = workspace.plan(MODULE, {**inputs("defaults", placeholder_layer_zip), "source_dir": str(source)})
    assert original.outputs["code_sha256"] != changed.outputs["code_sha256"]
    assert original.values["aws_lambda_function.this"]["source_code_hash"] == original.outputs["code_sha256"]


def absolute_root(workspace: Workspace, name: str, source: str) -> str:
    """A root that references the module by an absolute path, as a platform repo
    that vendors this repository elsewhere would."""
    root = Path(workspace.directory) / "absolute-roots" / name
    root.mkdir(parents=True, exist_ok=True)
    provider = (Path(workspace.directory) / "tests/terraform/fixtures/offline_provider.tf").read_text()
    (root / "main.tf").write_text(
        provider
        + f"""
module "invoker" {{
  source              = "{source}"
  tenant_id           = "acme"
  operations_role_arn = "{BASE["operations_role_arn"]}"
  external_id         = "{BASE["external_id"]}"
  model_id            = "{BASE["model_id"]}"
  bedrock_region      = "us-east-1"
  layer_arns          = ["arn:aws:lambda:us-east-1:123456789012:layer:bedrock-tenant-dependencies:7"]
}}
"""
    )
    return f"absolute-roots/{name}"


def test_an_absolute_module_path_without_the_package_fails_naming_source_dir(workspace: Workspace) -> None:
    """Terraform installs an absolute-path module directory alone, so ../../python/src
    is not there: the plan must say so, naming source_dir, before the archive
    provider's own error about empty sources."""
    root = absolute_root(workspace, "alone", f"{workspace.directory}/modules/customer-invoker")
    output = workspace.plan_error(root)
    assert "source_dir (" in output
    assert "holds no bedrock_tenant package" in output
    assert "//modules/customer-invoker" in output


def test_an_absolute_repository_path_with_a_subdirectory_finds_the_package(workspace: Workspace) -> None:
    root = absolute_root(workspace, "package", f"{workspace.directory}//modules/customer-invoker")
    plan = workspace.plan(root)
    assert plan.values["module.invoker.aws_lambda_function.this"]["handler"] == "bedrock_tenant.handler.lambda_handler"


def test_a_source_dir_without_the_package_fails_naming_it(workspace: Workspace, tmp_path: Path) -> None:
    output = workspace.plan_error(
        MODULE, {**BASE, "layer_arns": ["arn:aws:lambda:us-east-1:123456789012:layer:x:1"], "source_dir": str(tmp_path)}
    )
    assert "source_dir must be a directory holding the bedrock_tenant package" in output


# -- SnapStart and the record delivery mode (issue 15) ---------------------------------------


def lambda_metrics(plan: Plan) -> list[list[Any]]:
    body = json.loads(plan.values["aws_cloudwatch_dashboard.this[0]"]["dashboard_body"])
    return [m for w in body["widgets"] for m in w["properties"]["metrics"] if m[0] == "AWS/Lambda"]


def test_snap_start_publishes_a_version_that_the_alias_and_the_dashboard_follow(plans: LazyPlans) -> None:
    plan = plans["snap_start"]
    [alias] = [c for c in plan.raw["resource_changes"] if c["address"] == "aws_lambda_alias.live[0]"]
    # The alias points at the version this apply publishes (known only after apply).
    assert alias["change"]["after_unknown"]["function_version"] is True
    alias_dimensions = ["FunctionName", "bedrock-tenant-acme", "Resource", "bedrock-tenant-acme:live"]
    assert all(m[2:6] == alias_dimensions for m in lambda_metrics(plan))
    assert len(lambda_metrics(plan)) == 3
    # The SQS mapping invokes the alias (its ARN, known after apply), not $LATEST.
    [mapping] = [c for c in plan.raw["resource_changes"] if c["address"] == "aws_lambda_event_source_mapping.sqs[0]"]
    assert mapping["change"]["after_unknown"]["function_name"] is True
    # Without it: $LATEST only, no alias, metrics of the whole function.
    defaults = plans["defaults"]
    assert "aws_lambda_alias.live[0]" not in defaults.values
    assert all(m[2:4] == ["FunctionName", "bedrock-tenant-acme"] and len(m) == 5 for m in lambda_metrics(defaults))


def test_the_log_pipeline_writes_only_the_invocation_log_group(plans: LazyPlans, iam: Iam) -> None:
    plan = plans["lambda_log_pipeline"]
    variables = plan.values["aws_lambda_function.this"]["environment"][0]["variables"]
    assert variables["BEDROCK_TENANT_SINK"] == "stdout"
    defaults = plans["defaults"].values["aws_lambda_function.this"]["environment"][0]["variables"]
    assert defaults["BEDROCK_TENANT_SINK"] == "cloudwatch"
    # Switching record_delivery keeps the function's log group and what it holds (no
    # input change deletes a log group with records); the function no longer writes it.
    assert plan.values["aws_cloudwatch_log_group.function"]["name"] == "/aws/lambda/bedrock-tenant-acme"
    assert plan.outputs["function_log_group_name"] == "/aws/lambda/bedrock-tenant-acme"

    policy = [execution_policy(plan)]
    invocations = f"arn:aws:logs:us-east-1:{ACCOUNT}:log-group:/bedrock-tenant/acme/invocations"
    function = f"arn:aws:logs:us-east-1:{ACCOUNT}:log-group:/aws/lambda/bedrock-tenant-acme"
    for action in ("logs:CreateLogStream", "logs:PutLogEvents"):  # what Lambda's pipeline does with the role
        assert iam.allows(policy, Request(action, f"{invocations}:log-stream:2026/11/28/[$LATEST]abc")), action
        assert not iam.allows(policy, Request(action, f"{function}:log-stream:2026/11/28/[$LATEST]abc")), action


def test_the_log_pipeline_refuses_a_level_that_drops_the_records(workspace: Workspace) -> None:
    variables = {
        **BASE,
        "layer_arns": ["arn:aws:lambda:us-east-1:123456789012:layer:x:1"],
        "record_delivery": "lambda_log_pipeline",
        "application_log_level": "WARN",
    }
    output = workspace.plan_error(MODULE, variables)
    rule = 'record_delivery = "lambda_log_pipeline" needs application_log_level TRACE, DEBUG or INFO (it is WARN)'
    assert rule in output
    assert BASE["external_id"] not in output


def test_an_unknown_delivery_mode_is_refused_naming_the_choices(workspace: Workspace) -> None:
    variables = {**BASE, "layer_arns": ["arn:aws:lambda:us-east-1:123456789012:layer:x:1"], "record_delivery": "stdout"}
    output = workspace.plan_error(MODULE, variables)
    assert 'record_delivery must be "put_log_events" or "lambda_log_pipeline"' in output
