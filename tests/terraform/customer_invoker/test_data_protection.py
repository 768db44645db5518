"""modules/customer-invoker: the CloudWatch Logs data protection policy that masks sensitive
data in the invocation records (on by default for content_policy full), its findings log
group, and the Standard log class the records' metrics need."""

from __future__ import annotations

import json
from typing import Any

import pytest
from moto.logs.exceptions import InvalidParameterException

from tests.fakes.logs_data_protection import check_policy
from tests.terraform.customer_invoker.test_plan import ACCOUNT, BASE, CASES, MODULE, inputs, overrides
from tests.terraform.plan import BadInputs, LazyPlans, Plan, Workspace, as_set, statements

LAYER = ["arn:aws:lambda:us-east-1:123456789012:layer:bedrock-tenant-dependencies:7"]
VALID = {**BASE, "layer_arns": LAYER}
MANAGED = "arn:aws:dataprotection::aws:data-identifier/"
DEFAULT_IDENTIFIERS = {
    MANAGED + name
    for name in (
        "EmailAddress",
        "CreditCardNumber",
        "CreditCardSecurityCode",
        "AwsSecretKey",
        "OpenSshPrivateKey",
        "PgpPrivateKey",
        "PkcsPrivateKey",
        "PuttyPrivateKey",
    )
}
FULL = "data_protection_by_default_for_full_content"
FINDINGS = "/aws/vendedlogs/bedrock-tenant/bedrock-tenant-acme/data-protection-findings"
POLICY = 'aws_cloudwatch_log_data_protection_policy.this["invocations"]'
FINDINGS_GROUP = "aws_cloudwatch_log_group.data_protection_findings[0]"


@pytest.fixture(scope="module")
def plans(workspace: Workspace, placeholder_layer_zip: str) -> LazyPlans:
    # The same inputs as test_plan's cases, so each case is planned once per session.
    return LazyPlans(
        workspace, MODULE, {case: (inputs(case, placeholder_layer_zip), overrides(case)) for case in CASES["cases"]}
    )


def document(plan: Plan) -> dict[str, Any]:
    return dict(json.loads(plan.values[POLICY]["policy_document"]))


def identifiers_of(policy: dict[str, Any]) -> list[set[str]]:
    return [set(statement["DataIdentifier"]) for statement in policy["Statement"]]


def test_full_content_masks_the_default_identifiers_and_audits_to_its_own_group(plans: LazyPlans) -> None:
    plan = plans[FULL]
    policy = document(plan)
    assert policy["Version"] == "2021-06-01"
    assert policy["Name"] == "bedrock-tenant-acme-invocations"
    audit, deidentify = policy["Statement"]
    assert audit["Operation"] == {"Audit": {"FindingsDestination": {"CloudWatchLogs": {"LogGroup": FINDINGS}}}}
    assert deidentify["Operation"] == {"Deidentify": {"MaskConfig": {}}}
    assert identifiers_of(policy) == [DEFAULT_IDENTIFIERS, DEFAULT_IDENTIFIERS]
    assert plan.values[POLICY]["log_group_name"] == "/bedrock-tenant/acme/invocations"
    assert plan.outputs["data_protection_enabled"] is True
    assert plan.outputs["data_protection_findings_log_group_name"] == FINDINGS
    # The embedded AWS accepts the planned document as AWS documents it would.
    check_policy(json.dumps(policy), {FINDINGS}, "aws")


def test_the_key_lets_logs_encrypt_the_findings_group_too(plans: LazyPlans) -> None:
    """The findings group uses the module's key, whose policy limits CloudWatch Logs to the
    log groups it names by encryption context: without the findings group there, CreateLogGroup fails."""
    plan = plans[FULL]
    key = statements(plan.values["aws_kms_key.this[0]"]["policy"])["CloudWatchLogsForTheseLogGroupsOnly"]
    assert as_set(key["Condition"]["ArnEquals"]["kms:EncryptionContext:aws:logs:arn"]) == {
        f"arn:aws:logs:us-east-1:{ACCOUNT}:log-group:/bedrock-tenant/acme/invocations",
        f"arn:aws:logs:us-east-1:{ACCOUNT}:log-group:/aws/lambda/bedrock-tenant-acme",
        f"arn:aws:logs:us-east-1:{ACCOUNT}:log-group:{FINDINGS}",
    }
    [change] = [c for c in plan.raw["resource_changes"] if c["address"] == FINDINGS_GROUP]
    assert change["change"]["after_unknown"]["kms_key_id"] is True  # the created key's ARN


def test_a_supplied_key_encrypts_the_findings_group(plans: LazyPlans) -> None:
    plan = plans["supplied_key_vpc_and_layers"]  # content_policy full, kms_key_arn supplied
    key = CASES["cases"]["supplied_key_vpc_and_layers"]["inputs"]["kms_key_arn"]
    findings = plan.values[FINDINGS_GROUP]
    assert findings["name"] == "/aws/vendedlogs/bedrock-tenant/acme-assistant/data-protection-findings"
    assert (findings["kms_key_id"], findings["retention_in_days"]) == (key, 400)
    assert identifiers_of(document(plan)) == [DEFAULT_IDENTIFIERS, DEFAULT_IDENTIFIERS]
    # Only CloudWatch Logs writes findings: the execution role still writes only its own groups.
    written = {
        r for s in statements(plan.values["aws_iam_role_policy.this"]["policy"]).values() for r in as_set(s["Resource"])
    }
    assert not any("data-protection-findings" in resource for resource in written), written


@pytest.mark.parametrize(
    "case", ["defaults", "no_content_no_data_protection", "data_protection_turned_off_for_full_content"]
)
def test_no_policy_without_text_or_when_turned_off(plans: LazyPlans, case: str) -> None:
    plan = plans[case]
    assert not plan.of_type("aws_cloudwatch_log_data_protection_policy")
    assert FINDINGS_GROUP not in plan.values
    assert plan.outputs["data_protection_enabled"] is False
    assert plan.outputs["data_protection_findings_log_group_name"] is None


def test_turned_on_without_findings_names_no_destination(plans: LazyPlans) -> None:
    plan = plans["data_protection_turned_on_for_no_content_without_findings"]
    policy = document(plan)
    assert policy["Statement"][0]["Operation"] == {"Audit": {"FindingsDestination": {}}}
    expected = {MANAGED + "EmailAddress", MANAGED + "DriversLicense-US"}
    assert identifiers_of(policy) == [expected, expected]
    assert plan.outputs["data_protection_findings_log_group_name"] is None
    check_policy(json.dumps(policy), set(), "aws")


@pytest.mark.parametrize("case", ["defaults", FULL, "lambda_log_pipeline"])
def test_the_invocation_log_group_stays_in_the_standard_class(plans: LazyPlans, case: str) -> None:
    # Infrequent Access extracts no embedded-format metrics: the alarms and dashboard would go blank.
    assert plans[case].values["aws_cloudwatch_log_group.invocations"]["log_group_class"] == "STANDARD"


# Mutations of a planned document that the PutDataProtectionPolicy reference rules out.
REFUSED_MUTATIONS: dict[str, Any] = {
    "identifiers differ": lambda p: p["Statement"][1]["DataIdentifier"].pop(),
    "statements swapped": lambda p: p["Statement"].reverse(),
    "second audit statement": lambda p: p["Statement"].append(p["Statement"][0]),
    "old version": lambda p: p.update(Version="2012-10-17"),
    "no name": lambda p: p.pop("Name"),
    "another partition": lambda p: [
        s.update(DataIdentifier=["arn:aws-cn:dataprotection::aws:data-identifier/Name"]) for s in p["Statement"]
    ],
    "wildcard": lambda p: [s.update(DataIdentifier=[MANAGED + "*"]) for s in p["Statement"]],
    "mask config missing": lambda p: p["Statement"][1]["Operation"]["Deidentify"].pop("MaskConfig"),
    "no findings destination object": lambda p: p["Statement"][0]["Operation"]["Audit"].pop("FindingsDestination"),
}


@pytest.mark.parametrize("mutation", list(REFUSED_MUTATIONS))
def test_the_embedded_aws_refuses_what_aws_refuses(plans: LazyPlans, mutation: str) -> None:
    policy = document(plans[FULL])
    REFUSED_MUTATIONS[mutation](policy)
    with pytest.raises(InvalidParameterException):
        check_policy(json.dumps(policy), {FINDINGS}, "aws")


def test_the_embedded_aws_refuses_a_findings_group_that_does_not_exist(plans: LazyPlans) -> None:
    with pytest.raises(InvalidParameterException, match="does not exist"):
        check_policy(json.dumps(document(plans[FULL])), set(), "aws")


BAD_INPUTS: dict[str, tuple[dict[str, Any], list[str]]] = {
    "identifiers empty": (
        {"data_protection": {"data_identifiers": []}},
        ["data_protection.data_identifiers", "at least one data identifier"],
    ),
    "identifier wildcard": (
        {"data_protection": {"data_identifiers": ["Email*"]}},
        ["data_protection.data_identifiers", "wildcards (* or ?)"],
    ),
    "identifier arn wildcard": (
        {"data_protection": {"data_identifiers": [MANAGED + "*"]}},
        ["data_protection.data_identifiers", "wildcards (* or ?)"],
    ),
    "identifier lower case": (
        {"data_protection": {"data_identifiers": ["email"]}},
        ["data_protection.data_identifiers", "managed data identifier names"],
    ),
    "identifier with a three-letter region": (
        {"data_protection": {"data_identifiers": ["DriversLicense-USA"]}},
        ["data_protection.data_identifiers", "managed data identifier names"],
    ),
    "identifier arn of another service": (
        {"data_protection": {"data_identifiers": ["arn:aws:macie2::aws:data-identifier/EmailAddress"]}},
        ["data_protection.data_identifiers", "arn:<partition>:dataprotection::aws:data-identifier/<Name>"],
    ),
    "identifier repeated by name and arn": (
        {"data_protection": {"data_identifiers": ["EmailAddress", MANAGED + "EmailAddress"]}},
        ["data_protection.data_identifiers", "must not repeat"],
    ),
    "identifier arn of another partition": (
        {
            "data_protection": {
                "enabled": True,
                "data_identifiers": ["arn:aws-cn:dataprotection::aws:data-identifier/Name"],
            }
        },
        ["data_protection.data_identifiers", "another partition than the provider's (aws)", "arn:aws-cn:"],
    ),
}


@pytest.fixture(scope="module")
def bad_inputs(workspace: Workspace) -> BadInputs:
    cases = {case: override for case, (override, _) in BAD_INPUTS.items()}
    return BadInputs(workspace, MODULE, VALID, cases, (BASE["external_id"],))


@pytest.mark.parametrize("case", list(BAD_INPUTS))
def test_bad_data_protection_input_fails_the_plan_naming_it(bad_inputs: BadInputs, case: str) -> None:
    phrases = BAD_INPUTS[case][1]
    output = bad_inputs.output(case, phrases)
    for phrase in phrases:
        assert phrase in output, f"{case}: {phrase!r} not in: {output[-1500:]}"
