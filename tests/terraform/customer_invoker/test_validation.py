"""modules/customer-invoker: every guard fails the plan with a message naming the input."""

from __future__ import annotations

from typing import Any

import pytest

from tests.terraform.customer_invoker.test_plan import BASE, MODULE
from tests.terraform.plan import Workspace

LAYER = ["arn:aws:lambda:us-east-1:123456789012:layer:bedrock-tenant-dependencies:7"]
VALID = {**BASE, "layer_arns": LAYER}

BAD_INPUTS: list[tuple[str, dict[str, Any], list[str]]] = [
    ("tenant id", {"tenant_id": "acme corp"}, ["tenant_id", "1-48 characters"]),
    (
        "operations role is a root",
        {"operations_role_arn": "arn:aws:iam::111111111111:root"},
        ["operations_role_arn", "IAM role ARN"],
    ),
    ("external id short", {"external_id": "short-id"}, ["external_id", "16-1224 characters"]),
    ("source identity", {"source_identity": "x"}, ["source_identity", "2-64 characters"]),
    ("model id", {"model_id": "claude"}, ["model_id", "<provider>.<model>"]),
    ("region", {"bedrock_region": "virginia"}, ["bedrock_region", "like us-east-1"]),
    (
        "profile arn",
        {"inference_profile_arn": "arn:aws:bedrock:us-east-1:111111111111:foundation-model/x"},
        ["inference_profile_arn", "inference profile ARN"],
    ),
    ("max tokens", {"max_tokens": 0}, ["max_tokens", "from 1 to 200000"]),
    ("content policy", {"content_policy": "everything"}, ["content_policy", "full, hash or none"]),
    ("log group name", {"invocation_log_group_name": "bad name*"}, ["invocation_log_group_name", "1-512 characters"]),
    ("retention never", {"log_retention_in_days": 0}, ["log_retention_in_days", "must be one of 1, 3, 5"]),
    ("retention unsupported", {"log_retention_in_days": 42}, ["log_retention_in_days", "must be one of 1, 3, 5"]),
    ("log level", {"application_log_level": "VERBOSE"}, ["application_log_level", "TRACE, DEBUG"]),
    ("namespace reserved", {"metric_namespace": "AWS/Lambda"}, ["metric_namespace", "must not start with AWS/"]),
    ("kms alias", {"kms_key_arn": "arn:aws:kms:us-east-1:123456789012:alias/logs"}, ["kms_key_arn", "not an alias"]),
    ("deletion window", {"kms_key_deletion_window_in_days": 3}, ["kms_key_deletion_window_in_days", "from 7 to 30"]),
    ("function name", {"function_name": "f" * 60}, ["function_name", "1-56 characters"]),
    ("runtime", {"runtime": "python3.9"}, ["runtime", "python3.12 or python3.13"]),
    ("architecture", {"architecture": "amd64"}, ["architecture", "x86_64 or arm64"]),
    ("memory", {"memory_size": 64}, ["memory_size", "from 128 to 10240"]),
    ("timeout", {"timeout": 901}, ["timeout", "from 1 to 900"]),
    ("concurrency", {"reserved_concurrent_executions": -1}, ["reserved_concurrent_executions", "0 or more"]),
    (
        "layer arn",
        {"layer_arns": ["arn:aws:lambda:us-east-1:123456789012:function:x"]},
        ["layer_arns", "layer version ARNs"],
    ),
    ("too many layers", {"layer_arns": LAYER * 5}, ["layer_arns", "at most 4 layers"]),
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
    ("alarm period", {"alarm_period_seconds": 120}, ["alarm_period_seconds", "60, 300, 900 or 3600"]),
    ("threshold", {"error_alarm_threshold": 0}, ["error_alarm_threshold", "at least 1"]),
    ("no dependencies", {"layer_arns": []}, ["dependencies_zip_path", "make layer", "layer_arns"]),
]


@pytest.mark.parametrize(("case", "override", "phrases"), BAD_INPUTS, ids=[case for case, _, _ in BAD_INPUTS])
def test_bad_input_fails_the_plan_naming_it(
    workspace: Workspace, case: str, override: dict[str, Any], phrases: list[str]
) -> None:
    output = workspace.plan_error(MODULE, {**VALID, **override})
    for phrase in phrases:
        assert phrase in output, f"{case}: {phrase!r} not in: {output[-1500:]}"
    assert BASE["external_id"] not in output
