"""modules/customer-invoker: daily token/cost alarms, the cost widget, the price-table
override shipped in the code zip, and the saved Logs Insights queries."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path
from typing import Any

import pytest

from tests.terraform.customer_invoker.test_plan import BASE, MODULE
from tests.terraform.plan import BadInputs, LazyPlans, Plan, Workspace

REPO = Path(__file__).parents[3]
DATA = REPO / "python" / "src" / "bedrock_tenant" / "data"
LAYER = ["arn:aws:lambda:us-east-1:123456789012:layer:bedrock-tenant-dependencies:7"]
VALID = {**BASE, "layer_arns": LAYER}
PRICE_TABLE = {
    "format": 1,
    "version": "acme-2027-01",
    "effective_date": "2027-01-01",
    "currency": "USD",
    "unit": "per_million_tokens",
    "source": "negotiated rates",
    "models": {"amazon.nova-lite-v1:0": {"*": {"input": 0.05, "output": 0.2, "cache_read": None}}},
}
BUDGETS = {
    **VALID,
    "daily_token_budget": 2_000_000,
    "daily_cost_budget_usd": 25,
    "budget_alarm_fractions": [0.5, 0.8, 1],
    "price_table": json.dumps(PRICE_TABLE),
    "create_query_definitions": True,
    "session_tags": {"TenantId": "acme", "CostCenter": "cc-42"},
}


@pytest.fixture(scope="module")
def plans(workspace: Workspace) -> LazyPlans:
    return LazyPlans(workspace, MODULE, {"budgets": (BUDGETS, None), "defaults": (VALID, None)})


def test_an_alarm_per_budget_and_fraction_on_the_records_metrics(plans: LazyPlans) -> None:
    plan = plans["budgets"]
    alarms = plan.of_type("aws_cloudwatch_metric_alarm")
    budget = {
        address: values
        for address, values in alarms.items()
        if address.startswith("aws_cloudwatch_metric_alarm.budget")
    }
    expected = {
        ("total_tokens", 1_000_000.0),
        ("total_tokens", 1_600_000.0),
        ("total_tokens", 2_000_000.0),
        ("estimated_cost_usd", 12.5),
        ("estimated_cost_usd", 20.0),
        ("estimated_cost_usd", 25.0),
    }
    assert {(values["metric_name"], values["threshold"]) for values in budget.values()} == expected
    for values in budget.values():
        assert values["namespace"] == "BedrockTenant"
        assert values["dimensions"] == {"tenant_id": "acme", "model_id": "amazon.nova-lite-v1:0"}
        assert (values["statistic"], values["period"], values["evaluation_periods"]) == ("Sum", 86400, 1)
        assert values["comparison_operator"] == "GreaterThanOrEqualToThreshold"
        assert values["treat_missing_data"] == "notBreaching"
    names = {values["alarm_name"] for values in budget.values()}
    assert "bedrock-tenant-acme-daily-tokens-at-0.8" in names
    assert "bedrock-tenant-acme-daily-cost-at-1" in names
    assert len(alarms) == 2 + 6  # the error and throttle alarms stay


def test_no_budget_means_no_budget_alarm_and_no_query(plans: LazyPlans) -> None:
    plan = plans["defaults"]
    assert not [address for address in plan.values if address.startswith("aws_cloudwatch_metric_alarm.budget")]
    assert plan.counts.get("aws_cloudwatch_query_definition", 0) == 0
    assert "BEDROCK_TENANT_PRICE_TABLE" not in plan.one("aws_lambda_function")["environment"][0]["variables"]


def test_the_dashboard_shows_cost_beside_tokens(plans: LazyPlans) -> None:
    body = json.loads(plans["defaults"].one("aws_cloudwatch_dashboard")["dashboard_body"])
    widgets = {widget["properties"]["title"]: widget for widget in body["widgets"]}
    tokens, cost = widgets["Tokens"], widgets["Estimated cost (USD)"]
    assert (cost["y"], cost["x"]) == (tokens["y"], tokens["x"] + tokens["width"])
    [metric] = cost["properties"]["metrics"]
    assert metric[:6] == [
        "BedrockTenant",
        "estimated_cost_usd",
        "tenant_id",
        "acme",
        "model_id",
        "amazon.nova-lite-v1:0",
    ]
    assert metric[6]["stat"] == "Sum"


def test_the_saved_queries_are_the_runtimes(plans: LazyPlans) -> None:
    queries = plans["budgets"].of_type("aws_cloudwatch_query_definition")
    by_name = {values["name"]: values for values in queries.values()}
    assert set(by_name) == {"bedrock-tenant/acme/usage-by-day", "bedrock-tenant/acme/unpriced-calls"}
    for name, values in by_name.items():
        assert values["log_group_names"] == ["/bedrock-tenant/acme/invocations"]
        assert values["query_string"] == (DATA / f"{name.rsplit('/', 1)[1]}.logsinsights").read_text()


def test_the_price_table_ships_in_the_code_zip_and_is_named(plans: LazyPlans) -> None:
    plan: Plan = plans["budgets"]
    environment = plan.one("aws_lambda_function")["environment"][0]["variables"]
    assert environment["BEDROCK_TENANT_PRICE_TABLE"] == "price-table.json"
    assert json.loads(environment["BEDROCK_TENANT_SESSION_TAGS"]) == {"TenantId": "acme", "CostCenter": "cc-42"}
    code_zip = Path(plan.directory) / "builds" / "bedrock-tenant-acme-code.zip"
    with zipfile.ZipFile(code_zip) as archive:
        assert json.loads(archive.read("price-table.json")) == PRICE_TABLE
        assert json.loads(archive.read("bedrock_tenant/data/prices.json")) == json.loads(
            (DATA / "prices.json").read_text()
        )
        assert "bedrock_tenant/data/usage-by-day.logsinsights" in archive.namelist()


BAD_INPUTS: dict[str, tuple[dict[str, Any], list[str]]] = {
    "token budget fractional": ({"daily_token_budget": 10.5}, ["daily_token_budget", "whole number"]),
    "token budget zero": ({"daily_token_budget": 0}, ["daily_token_budget", "at least 1"]),
    "cost budget zero": ({"daily_cost_budget_usd": 0}, ["daily_cost_budget_usd", "greater than 0"]),
    "fractions empty": ({"budget_alarm_fractions": []}, ["budget_alarm_fractions", "1 to 5 distinct"]),
    "fraction zero": ({"budget_alarm_fractions": [0, 1]}, ["budget_alarm_fractions", "greater than 0"]),
    "fractions repeated": ({"budget_alarm_fractions": [0.8, 0.8]}, ["budget_alarm_fractions", "distinct"]),
    "fraction above 2": ({"budget_alarm_fractions": [2.5]}, ["budget_alarm_fractions", "at most 2"]),
    "session tag of another tenant": ({"session_tags": {"TenantId": "globex"}}, ["session_tags", "TenantId must be"]),
    "session tag key charset": ({"session_tags": {"Cost#Center": "x"}}, ["session_tags", "session tag rules"]),
    "price table not json": ({"price_table": "{"}, ["price_table", "must be JSON"]),
    "price table negative price": (
        {
            "price_table": json.dumps(
                {**PRICE_TABLE, "models": {"amazon.nova-lite-v1:0": {"*": {"input": -1, "output": 1}}}}
            )
        },
        ["price_table", ">= 0"],
    ),
    "price table wrong format": (
        {"price_table": json.dumps({**PRICE_TABLE, "format": 2})},
        ["price_table", "format = 1"],
    ),
    "price table without models": (
        {"price_table": json.dumps({**PRICE_TABLE, "models": {}})},
        ["price_table", "non-empty"],
    ),
}


@pytest.fixture(scope="module")
def bad_inputs(workspace: Workspace) -> BadInputs:
    cases = {case: override for case, (override, _) in BAD_INPUTS.items()}
    return BadInputs(workspace, MODULE, VALID, cases, (BASE["external_id"],))


@pytest.mark.parametrize("case", list(BAD_INPUTS))
def test_bad_cost_input_fails_the_plan_naming_it(bad_inputs: BadInputs, case: str) -> None:
    phrases = BAD_INPUTS[case][1]
    output = bad_inputs.output(case, phrases)
    for phrase in phrases:
        assert phrase in output, f"{case}: {phrase!r} not in: {output[-1500:]}"
