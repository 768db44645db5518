"""modules/operations-monitoring: the filter counts exactly the refused AssumeRole
calls on tenant roles, the alarm reads its metric, and bad inputs fail the plan.

Which events the planned pattern counts is decided by tests/fakes/filter_pattern.py,
an evaluator of CloudWatch Logs' JSON filter-pattern syntax (checked against the
guide's examples in test_filter_pattern.py), on CloudTrail records shaped as the IAM
User Guide shows them (cloudtrail_events.json)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.fakes.filter_pattern import matches
from tests.terraform.plan import BadInputs, LazyPlans, Workspace, assert_subset

MODULE = "modules/operations-monitoring"
ACCOUNT = "123456789012"  # what the plan tests' STS answers
BASE: dict[str, Any] = {"cloudtrail_log_group_name": "aws-cloudtrail-logs-ops"}
CUSTOM = {
    **BASE,
    "role_name_prefix": "llm-",
    "role_path": "/tenants/eu/",
    "name": "tenant-role-knocks",
    "metric_namespace": "Acme/Bedrock",
    "alarm_threshold": 3,
    "alarm_period_seconds": 600,
    "alarm_actions": ["arn:aws:sns:us-east-1:123456789012:security"],
}


def assume_role_event(role_arn: str, **changes: Any) -> dict[str, Any]:
    """A CloudTrail record of an AssumeRole that STS refused (the fields the filter reads)."""
    event = {
        "eventSource": "sts.amazonaws.com",
        "eventName": "AssumeRole",
        "errorCode": "AccessDenied",
        "errorMessage": f"User: arn:aws:iam::{ACCOUNT}:user/ops is not authorized to perform: sts:AssumeRole",
        "requestParameters": {"roleArn": role_arn, "roleSessionName": "probe"},
    }
    event.update(changes)
    return event


@pytest.fixture(scope="module")
def plans(workspace: Workspace) -> LazyPlans:
    return LazyPlans(workspace, MODULE, {"defaults": (BASE, None), "custom": (CUSTOM, None)})


SAMPLES: list[dict[str, Any]] = json.loads((Path(__file__).parent / "cloudtrail_events.json").read_text())["events"]


@pytest.mark.parametrize("sample", SAMPLES, ids=[sample["name"] for sample in SAMPLES])
def test_the_filter_counts_the_sample_cloudtrail_events_it_should(plans: LazyPlans, sample: dict[str, Any]) -> None:
    """The pattern Terraform plans, read by the evaluator, on each CloudTrail record as
    delivered to the log group (one JSON log event each)."""
    pattern = plans["defaults"].one("aws_cloudwatch_log_metric_filter")["pattern"]
    assert matches(pattern, json.dumps(sample["event"])) is sample["counted"]


def test_the_filter_counts_refusals_on_tenant_roles_only(plans: LazyPlans) -> None:
    pattern = plans["defaults"].one("aws_cloudwatch_log_metric_filter")["pattern"]
    tenant = f"arn:aws:iam::{ACCOUNT}:role/bedrock-tenants/bedrock-tenant-acme"
    assert matches(pattern, assume_role_event(tenant))
    refused_elsewhere = [
        assume_role_event(tenant, errorCode=None),  # granted
        assume_role_event(tenant, errorCode="RegionDisabledException"),
        assume_role_event(tenant, eventName="AssumeRoleWithWebIdentity"),
        assume_role_event(tenant, eventSource="iam.amazonaws.com"),
        assume_role_event(f"arn:aws:iam::{ACCOUNT}:role/bedrock-tenants/admin"),  # not a tenant role
        assume_role_event(f"arn:aws:iam::{ACCOUNT}:role/bedrock-tenant-acme"),  # another path
        assume_role_event("arn:aws:iam::999999999999:role/bedrock-tenants/bedrock-tenant-acme"),  # another account
        {key: value for key, value in assume_role_event(tenant).items() if key != "requestParameters"},
    ]
    assert [matches(pattern, event) for event in refused_elsewhere] == [False] * len(refused_elsewhere)


def test_the_alarm_reads_the_filters_metric_without_dimensions(plans: LazyPlans) -> None:
    plan = plans["custom"]
    assert plan.counts == {"aws_cloudwatch_log_metric_filter": 1, "aws_cloudwatch_metric_alarm": 1}
    metric_filter = plan.one("aws_cloudwatch_log_metric_filter")
    assert_subset(
        metric_filter,
        {
            "name": "tenant-role-knocks",
            "log_group_name": "aws-cloudtrail-logs-ops",
            "metric_transformation": [
                {"name": "tenant-role-knocks", "namespace": "Acme/Bedrock", "value": "1", "unit": "Count"}
            ],
        },
    )
    # Dimensions would let a prober of many role names get the filter disabled.
    assert not metric_filter["metric_transformation"][0]["dimensions"]
    assert matches(metric_filter["pattern"], assume_role_event(f"arn:aws:iam::{ACCOUNT}:role/tenants/eu/llm-acme"))
    assert not matches(
        metric_filter["pattern"], assume_role_event(f"arn:aws:iam::{ACCOUNT}:role/tenants/eu/bedrock-tenant-acme")
    )
    assert_subset(
        plan.one("aws_cloudwatch_metric_alarm"),
        {
            "alarm_name": "tenant-role-knocks",
            "namespace": "Acme/Bedrock",
            "metric_name": "tenant-role-knocks",
            "statistic": "Sum",
            "period": 600,
            "threshold": 3,
            "comparison_operator": "GreaterThanOrEqualToThreshold",
            "treat_missing_data": "notBreaching",
            "alarm_actions": ["arn:aws:sns:us-east-1:123456789012:security"],
        },
    )
    assert not plan.one("aws_cloudwatch_metric_alarm")["dimensions"]


BAD_INPUTS: list[tuple[str, dict[str, Any], list[str]]] = [
    ("log group name", {"cloudtrail_log_group_name": "trail logs"}, ["cloudtrail_log_group_name", "1-512"]),
    ("empty prefix", {"role_name_prefix": ""}, ["role_name_prefix", "1-32 characters"]),
    ("prefix wildcard", {"role_name_prefix": "bedrock-*"}, ["role_name_prefix", "1-32 characters"]),
    ("path without slashes", {"role_path": "tenants"}, ["role_path", "start and end with"]),
    ("path with a quote", {"role_path": '/a"b/'}, ["role_path", '" or *']),
    ("path with a wildcard", {"role_path": "/a*/"}, ["role_path", '" or *']),
    ("name with a colon", {"name": "a:b"}, ["name must be 1-255 characters without ':' or '*'"]),
    ("reserved namespace", {"metric_namespace": "AWS/STS"}, ["metric_namespace", "AWS/"]),
    ("threshold zero", {"alarm_threshold": 0}, ["alarm_threshold", "at least 1"]),
    ("threshold fraction", {"alarm_threshold": 1.5}, ["alarm_threshold", "whole number"]),
    ("period not a minute", {"alarm_period_seconds": 90}, ["alarm_period_seconds", "multiple of 60"]),
]


@pytest.fixture(scope="module")
def bad_inputs(workspace: Workspace) -> BadInputs:
    return BadInputs(workspace, MODULE, BASE, {case: override for case, override, _ in BAD_INPUTS})


@pytest.mark.parametrize(("case", "phrases"), [(c, p) for c, _, p in BAD_INPUTS], ids=[c for c, _, _ in BAD_INPUTS])
def test_bad_input_fails_the_plan_naming_it(bad_inputs: BadInputs, case: str, phrases: list[str]) -> None:
    output = bad_inputs.output(case, phrases)
    for phrase in phrases:
        assert phrase in output, f"{case}: {phrase!r} not in: {output[-1500:]}"


def test_outputs_describe_the_metric(plans: LazyPlans) -> None:
    outputs = plans["custom"].outputs
    assert outputs["metric"] == {"namespace": "Acme/Bedrock", "name": "tenant-role-knocks"}
    assert json.dumps(outputs["metric_filter_pattern"]).count("AccessDenied") == 1
