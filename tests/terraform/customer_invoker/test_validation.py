"""modules/customer-invoker: every guard fails the plan with a message naming the input."""

from __future__ import annotations

from typing import Any

import pytest

from tests.terraform.customer_invoker.test_plan import BASE, MODULE
from tests.terraform.plan import BadInputs, Workspace

LAYER = ["arn:aws:lambda:us-east-1:123456789012:layer:bedrock-tenant-dependencies:7"]
VALID = {**BASE, "layer_arns": LAYER}

BAD_INPUTS: list[tuple[str, dict[str, Any], list[str]]] = [
    ("tenant id", {"tenant_id": "acme corp"}, ["tenant_id", "1-39 lower-case"]),
    ("tenant id upper case", {"tenant_id": "Acme"}, ["tenant_id", "case-insensitive"]),
    ("tenant id too long", {"tenant_id": "t" * 40}, ["tenant_id", "1-39"]),
    ("tenant id doubled separator", {"tenant_id": "acme__eu"}, ["tenant_id", "1-39 lower-case"]),
    (
        "operations role is a root",
        {"operations_role_arn": "arn:aws:iam::111111111111:root"},
        ["operations_role_arn", "IAM role ARN"],
    ),
    (
        "operations role wildcard in the path",
        {"operations_role_arn": "arn:aws:iam::111111111111:role/*/bedrock-tenant-acme"},
        ["operations_role_arn", "wildcards (* or ?)"],
    ),
    (
        "operations role wildcard in the name",
        {"operations_role_arn": "arn:aws:iam::111111111111:role/bedrock-tenant-*"},
        ["operations_role_arn", "wildcards (* or ?)"],
    ),
    (
        "operations role of another partition",
        {"operations_role_arn": "arn:aws-cn:iam::111111111111:role/bedrock-tenant-acme"},
        ["another partition than the provider's (aws)", "operations_role_arn"],
    ),
    ("external id short", {"external_id": "short-id"}, ["external_id", "16-1224 characters"]),
    ("source identity", {"source_identity": "x"}, ["source_identity", "2-64 characters"]),
    (
        "source identity of another tenant",
        {"source_identity": "acme-eu.production"},
        ['source_identity must be tenant_id or start with "<tenant_id>."'],
    ),
    (
        "snap start where Lambda has none",
        {
            "offline_region": "ap-east-2",
            "snap_start": True,
            "layer_arns": ["arn:aws:lambda:ap-east-2:123456789012:layer:bedrock-tenant-dependencies:7"],
        },
        ["snap_start: Lambda SnapStart is not available in ap-east-2", "Supported Regions"],
    ),
    ("model id", {"model_id": "claude"}, ["model_id", "<provider>.<model>"]),
    (
        "model id geo-prefixed",
        {"model_id": "us.anthropic.claude-3-5-haiku-20241022-v1:0"},
        ["model_id", "not an inference profile id"],
    ),
    (
        "model id global-prefixed",
        {"model_id": "global.amazon.nova-lite-v1:0"},
        ["model_id", "not an inference profile id"],
    ),
    ("region", {"bedrock_region": "virginia"}, ["bedrock_region", "like us-east-1"]),
    ("region that does not exist", {"bedrock_region": "us-east-9"}, ["bedrock_region", "us-east-9"]),
    (
        "region of another partition",
        {"bedrock_region": "cn-north-1"},
        ["bedrock_region: cn-north-1", "provider's partition (aws)"],
    ),
    (
        "profile arn",
        {"inference_profile_arn": "arn:aws:bedrock:us-east-1:111111111111:foundation-model/x"},
        ["inference_profile_arn", "inference profile ARN"],
    ),
    (
        "profile in another region",
        {"inference_profile_arn": "arn:aws:bedrock:us-west-2:111111111111:application-inference-profile/a1b2c3d4e5f6"},
        ["inference_profile_arn", "in bedrock_region (us-east-1)"],
    ),
    (
        "profile of another account",
        {"inference_profile_arn": "arn:aws:bedrock:us-east-1:999999999999:inference-profile/us.amazon.nova-lite-v1:0"},
        ["inference_profile_arn", "operations role's account (111111111111)"],
    ),
    ("max tokens", {"max_tokens": 0}, ["max_tokens", "from 1 to 200000"]),
    ("content policy", {"content_policy": "everything"}, ["content_policy", "full, hash or none"]),
    ("log group name", {"invocation_log_group_name": "bad name*"}, ["invocation_log_group_name", "1-512 characters"]),
    (
        "log group reserved prefix",
        {"invocation_log_group_name": "aws/bedrock/acme"},
        ["invocation_log_group_name", "aws/ (reserved"],
    ),
    (
        "log group is the function's",
        {"invocation_log_group_name": "/aws/lambda/bedrock-tenant-acme"},
        ["invocation_log_group_name must differ from the function's own log group"],
    ),
    (
        "log group is a named function's",
        {"function_name": "acme-assistant", "invocation_log_group_name": "/aws/lambda/acme-assistant"},
        ["invocation_log_group_name must differ", "/aws/lambda/acme-assistant"],
    ),
    ("retention never", {"log_retention_in_days": 0}, ["log_retention_in_days", "must be one of 1, 3, 5"]),
    ("retention unsupported", {"log_retention_in_days": 42}, ["log_retention_in_days", "must be one of 1, 3, 5"]),
    ("log level", {"application_log_level": "VERBOSE"}, ["application_log_level", "TRACE, DEBUG"]),
    ("system log level warn", {"system_log_level": "WARN"}, ["system_log_level", "START, END and REPORT"]),
    ("namespace reserved", {"metric_namespace": "AWS/Lambda"}, ["metric_namespace", "must not start with AWS/"]),
    ("namespace leading colon", {"metric_namespace": ":tenants"}, ["metric_namespace", "or a colon"]),
    ("session too short", {"session_duration_seconds": 900}, ["session_duration_seconds", "from 1200 to 3600"]),
    ("session too long", {"session_duration_seconds": 7200}, ["session_duration_seconds", "role chaining"]),
    ("kms alias", {"kms_key_arn": "arn:aws:kms:us-east-1:123456789012:alias/logs"}, ["kms_key_arn", "not an alias"]),
    (
        "kms key in another region",
        {"kms_key_arn": "arn:aws:kms:us-west-2:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"},
        ["must be in the function's Region (us-east-1)", "kms_key_arn (us-west-2)"],
    ),
    (
        "kms key of another partition",
        {"kms_key_arn": "arn:aws-us-gov:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"},
        ["another partition than the provider's (aws)", "kms_key_arn"],
    ),
    ("deletion window", {"kms_key_deletion_window_in_days": 3}, ["kms_key_deletion_window_in_days", "from 7 to 30"]),
    ("function name", {"function_name": "f" * 55}, ["function_name", "1-54 characters", "IAM's 64"]),
    ("runtime", {"runtime": "python3.9"}, ["runtime", "python3.12 or python3.13"]),
    ("architecture", {"architecture": "amd64"}, ["architecture", "x86_64 or arm64"]),
    ("memory", {"memory_size": 64}, ["memory_size", "from 128 to 10240"]),
    ("timeout", {"timeout": 901}, ["timeout", "from 1 to 900"]),
    ("concurrency", {"reserved_concurrent_executions": -2}, ["reserved_concurrent_executions", "-1 (unreserved)"]),
    (
        "concurrency fraction",
        {"reserved_concurrent_executions": 2.5},
        ["reserved_concurrent_executions", "whole number"],
    ),
    (
        "dead letter retention too short",
        {"dead_letter_queue_retention_seconds": 30},
        ["dead_letter_queue_retention_seconds", "from 60 to 1209600"],
    ),
    (
        "dead letter retention too long",
        {"dead_letter_queue_retention_seconds": 1209601},
        ["dead_letter_queue_retention_seconds", "from 60 to 1209600"],
    ),
    (
        "layer arn",
        {"layer_arns": ["arn:aws:lambda:us-east-1:123456789012:function:x"]},
        ["layer_arns", "layer version ARNs"],
    ),
    ("too many layers", {"layer_arns": LAYER * 5}, ["layer_arns", "at most 4 layers"]),
    (
        "layer in another region",
        {"layer_arns": ["arn:aws:lambda:eu-west-1:123456789012:layer:bedrock-tenant-dependencies:7"]},
        ["must be in the function's Region (us-east-1)", "layer_arns[0] (eu-west-1)"],
    ),
    (
        "vpc without subnets",
        {"vpc_config": {"subnet_ids": [], "security_group_ids": ["sg-0123456789abcdef0"]}},
        ["vpc_config", "at least one subnet"],
    ),
    (
        "vpc bad group",
        {"vpc_config": {"subnet_ids": ["subnet-0a1b2c3d"], "security_group_ids": ["default"]}},
        ["vpc_config", "security group id"],
    ),
    ("code signing", {"code_signing_config_arn": "csc-123"}, ["code_signing_config_arn", "code-signing config ARN"]),
    (
        "boundary",
        {"permissions_boundary_arn": "arn:aws:iam::123456789012:role/x"},
        ["permissions_boundary_arn", "managed policy ARN"],
    ),
    ("alarm action", {"alarm_actions": ["my-topic"]}, ["alarm_actions", "must contain ARNs"]),
    (
        "alarm action of another partition",
        {"alarm_actions": ["arn:aws-cn:sns:cn-north-1:123456789012:alerts"]},
        ["another partition than the provider's (aws)", "alarm_actions[0]"],
    ),
    ("reserved tag key", {"tags": {"aws:cost-center": "x"}}, ["tags", "aws: (reserved"]),
    ("tag value too long", {"tags": {"Owner": "x" * 257}}, ["tags", "at most 256"]),
    ("alarm period", {"alarm_period_seconds": 120}, ["alarm_period_seconds", "60, 300, 900 or 3600"]),
    ("threshold", {"error_alarm_threshold": 0}, ["error_alarm_threshold", "at least 1"]),
    ("no dependencies", {"layer_arns": []}, ["dependencies_zip_path", "make layer", "layer_arns"]),
]


@pytest.fixture(scope="module")
def bad_inputs(workspace: Workspace) -> BadInputs:
    cases = {case: override for case, override, _ in BAD_INPUTS}
    secrets = (BASE["external_id"], *(o["external_id"] for o in cases.values() if "external_id" in o))
    return BadInputs(workspace, MODULE, VALID, cases, secrets)


@pytest.mark.parametrize(("case", "phrases"), [(c, p) for c, _, p in BAD_INPUTS], ids=[c for c, _, _ in BAD_INPUTS])
def test_bad_input_fails_the_plan_naming_it(bad_inputs: BadInputs, case: str, phrases: list[str]) -> None:
    # Sensitive inputs (the external ids, valid or not) never appear: BadInputs checks every output.
    output = bad_inputs.output(case, phrases)
    for phrase in phrases:
        assert phrase in output, f"{case}: {phrase!r} not in: {output[-1500:]}"
