"""Guardrails in the runtime: settings, the Converse configuration, and what a record keeps."""

from __future__ import annotations

import json
from typing import Any, cast

import boto3
import pytest
from bedrock_tenant import ConfigurationError, OperationsSession, Settings
from bedrock_tenant.guardrail import GuardrailConfig, guardrail_outcome
from bedrock_tenant.model import create_chat_model
from bedrock_tenant.records import encode_record
from langchain_core.language_models.fake_chat_models import GenericFakeChatModel
from langchain_core.messages import AIMessage, HumanMessage

from tests.python.unit.test_callback import ListSink, logger_for
from tests.python.unit.test_settings import VALID

ARN = "arn:aws:bedrock:us-east-1:111111111111:guardrail/abc123def456"
GUARDED = {**VALID, "BEDROCK_TENANT_GUARDRAIL_IDENTIFIER": ARN, "BEDROCK_TENANT_GUARDRAIL_VERSION": "3"}
BLOCKED_WORD = "xylophone-secret"  # the blocked content: never in a hash/none record


def word_assessment(*words: str) -> dict[str, Any]:
    return {
        "wordPolicy": {
            "customWords": [{"match": word, "action": "BLOCKED", "detected": True} for word in words],
            "managedWordLists": [],
        }
    }


# What Converse returns when the guardrail blocks the prompt (API reference: ConverseTrace).
INPUT_BLOCKED = {
    "stopReason": "guardrail_intervened",
    "trace": {
        "guardrail": {
            "actionReason": "Guardrail blocked.",
            "inputAssessment": {
                "abc123def456": {
                    **word_assessment(BLOCKED_WORD),
                    "topicPolicy": {"topics": [{"name": "Investments", "type": "DENY", "action": "BLOCKED"}]},
                    "contentPolicy": {
                        "filters": [
                            {"type": "VIOLENCE", "confidence": "LOW", "action": "NONE", "detected": False},
                            {"type": "HATE", "confidence": "HIGH", "action": "BLOCKED", "detected": True},
                        ]
                    },
                    "sensitiveInformationPolicy": {
                        "piiEntities": [{"match": "jane@example.com", "type": "EMAIL", "action": "ANONYMIZED"}],
                        "regexes": [{"name": "account", "match": "ACC-1234", "regex": "ACC-\\d+", "action": "BLOCKED"}],
                    },
                }
            },
        }
    },
}


def test_settings_read_the_guardrail_and_default_to_tracing() -> None:
    settings = Settings.from_env(GUARDED)
    assert settings.guardrail == GuardrailConfig(ARN, "3", trace=True)
    assert settings.guardrail.converse_config() == {
        "guardrailIdentifier": ARN,
        "guardrailVersion": "3",
        "trace": "enabled",
    }
    assert Settings.from_env({**GUARDED, "BEDROCK_TENANT_GUARDRAIL_TRACE": "disabled"}).guardrail == GuardrailConfig(
        ARN, "3", trace=False
    )
    assert Settings.from_env(VALID).guardrail is None


@pytest.mark.parametrize(
    ("changes", "variable", "rule"),
    [
        ({"BEDROCK_TENANT_GUARDRAIL_VERSION": None}, "BEDROCK_TENANT_GUARDRAIL_VERSION", "must be set together"),
        ({"BEDROCK_TENANT_GUARDRAIL_IDENTIFIER": None}, "BEDROCK_TENANT_GUARDRAIL_IDENTIFIER", "must be set together"),
        ({"BEDROCK_TENANT_GUARDRAIL_VERSION": "0"}, "BEDROCK_TENANT_GUARDRAIL_VERSION", "pattern"),
        ({"BEDROCK_TENANT_GUARDRAIL_VERSION": "1.0"}, "BEDROCK_TENANT_GUARDRAIL_VERSION", "pattern"),
        ({"BEDROCK_TENANT_GUARDRAIL_VERSION": "draft"}, "BEDROCK_TENANT_GUARDRAIL_VERSION", "pattern"),
        ({"BEDROCK_TENANT_GUARDRAIL_VERSION": "123456789"}, "BEDROCK_TENANT_GUARDRAIL_VERSION", "pattern"),
        ({"BEDROCK_TENANT_GUARDRAIL_IDENTIFIER": ARN + ":3"}, "BEDROCK_TENANT_GUARDRAIL_IDENTIFIER", "pattern"),
        ({"BEDROCK_TENANT_GUARDRAIL_IDENTIFIER": "Abc"}, "BEDROCK_TENANT_GUARDRAIL_IDENTIFIER", "pattern"),
        (
            {"BEDROCK_TENANT_GUARDRAIL_IDENTIFIER": ARN.replace("guardrail/", "guardrail-profile/")},
            "BEDROCK_TENANT_GUARDRAIL_IDENTIFIER",
            "pattern",
        ),
        ({"BEDROCK_TENANT_GUARDRAIL_TRACE": "on"}, "BEDROCK_TENANT_GUARDRAIL_TRACE", "'enabled' or 'disabled'"),
    ],
)
def test_a_bad_guardrail_setting_names_its_variable(changes: dict[str, str | None], variable: str, rule: str) -> None:
    merged = {**GUARDED, **changes}
    environ = {key: value for key, value in merged.items() if value is not None}
    with pytest.raises(ConfigurationError) as caught:
        Settings.from_env(environ)
    assert variable in str(caught.value)
    assert rule in str(caught.value)


@pytest.mark.parametrize(
    "identifier", [ARN, "abc123def456", "arn:aws-us-gov:bedrock:us-gov-west-1:111111111111:guardrail/x1"]
)
@pytest.mark.parametrize("version", ["1", "99999999", "DRAFT"])
def test_documented_identifiers_and_versions_are_accepted(identifier: str, version: str) -> None:
    environ = {
        **GUARDED,
        "BEDROCK_TENANT_GUARDRAIL_IDENTIFIER": identifier,
        "BEDROCK_TENANT_GUARDRAIL_VERSION": version,
    }
    assert Settings.from_env(environ).guardrail == GuardrailConfig(identifier, version)


def test_the_chat_model_names_the_guardrail_in_every_call() -> None:
    class Operations:
        def client(self, *args: Any, **kwargs: Any) -> Any:
            return boto3.client("bedrock-runtime", region_name="us-east-1")

    # A stand-in with the one method create_chat_model uses (no role to assume here).
    operations = cast(OperationsSession, Operations())
    model = create_chat_model(Settings.from_env(GUARDED), operations)
    assert model.guardrail_config == {"guardrailIdentifier": ARN, "guardrailVersion": "3", "trace": "enabled"}
    params = model._converse_params()
    assert params["guardrailConfig"] == {"guardrailIdentifier": ARN, "guardrailVersion": "3", "trace": "enabled"}
    assert create_chat_model(Settings.from_env(VALID), operations).guardrail_config is None


def test_the_outcome_names_each_policy_that_fired_and_its_action() -> None:
    outcome = guardrail_outcome(INPUT_BLOCKED, configured=True, keep_matches=False)
    assert outcome == {
        "intervened": True,
        "policies": [
            {"source": "input", "policy": "topic", "action": "BLOCKED", "type": "Investments"},
            {"source": "input", "policy": "content", "action": "BLOCKED", "type": "HATE"},
            {"source": "input", "policy": "word", "action": "BLOCKED"},
            {"source": "input", "policy": "pii", "action": "ANONYMIZED", "type": "EMAIL"},
            {"source": "input", "policy": "regex", "action": "BLOCKED", "type": "account"},
        ],
    }
    with_matches = guardrail_outcome(INPUT_BLOCKED, configured=True, keep_matches=True)
    assert with_matches is not None
    assert [firing.get("match") for firing in with_matches["policies"]] == [
        None,
        None,
        BLOCKED_WORD,
        "jane@example.com",
        "ACC-1234",
    ]


def test_output_assessments_are_read_per_guardrail_and_per_assessment() -> None:
    metadata = {
        "stopReason": "guardrail_intervened",
        "trace": {"guardrail": {"outputAssessments": {"g1": [word_assessment("a"), word_assessment("b", "c")]}}},
    }
    outcome = guardrail_outcome(metadata, configured=False, keep_matches=True)
    assert outcome is not None
    assert [(f["source"], f["match"]) for f in outcome["policies"]] == [
        ("output", "a"),
        ("output", "b"),
        ("output", "c"),
    ]


def test_no_guardrail_no_outcome_and_a_configured_one_reports_no_intervention() -> None:
    assert guardrail_outcome({"stopReason": "end_turn"}, configured=False, keep_matches=True) is None
    assert guardrail_outcome({"stopReason": "end_turn"}, configured=True, keep_matches=True) == {
        "intervened": False,
        "policies": [],
    }
    # An intervention without a trace (trace disabled) is still an intervention.
    assert guardrail_outcome({"stopReason": "guardrail_intervened"}, configured=False, keep_matches=True) == {
        "intervened": True,
        "policies": [],
    }


@pytest.mark.parametrize(
    "trace",
    [
        "not a dict",
        {"guardrail": None},
        {"guardrail": {"inputAssessment": []}},
        {"guardrail": {"inputAssessment": {"g": "x"}, "outputAssessments": {"g": {"not": "a list"}}}},
        {"guardrail": {"inputAssessment": {"g": {"wordPolicy": {"customWords": [None, 3, "x"]}}}}},
        {"guardrail": {"inputAssessment": {"g": {"wordPolicy": "x", "topicPolicy": {"topics": "x"}}}}},
    ],
)
def test_a_malformed_trace_never_breaks_the_record(trace: Any) -> None:
    outcome = guardrail_outcome(
        {"stopReason": "guardrail_intervened", "trace": trace}, configured=True, keep_matches=True
    )
    assert outcome == {"intervened": True, "policies": []}


def test_many_firings_are_capped_and_counted() -> None:
    words = [f"w{index}" for index in range(40)]
    metadata = {"trace": {"guardrail": {"inputAssessment": {"g": word_assessment(*words)}}}}
    outcome = guardrail_outcome(metadata, configured=True, keep_matches=False)
    assert outcome is not None
    assert (len(outcome["policies"]), outcome["policies_omitted"]) == (32, 8)


def blocked_answer() -> AIMessage:
    return AIMessage(
        content="Sorry, the model cannot answer this question.",
        usage_metadata={"input_tokens": 0, "output_tokens": 0, "total_tokens": 0},
        response_metadata=json.loads(json.dumps(INPUT_BLOCKED)),
    )


@pytest.mark.parametrize("policy", ["hash", "none"])
def test_an_intervention_record_keeps_no_blocked_content(policy: str) -> None:
    sink = ListSink()
    handler = logger_for(sink, content_policy=policy, guardrail_configured=True)
    model = GenericFakeChatModel(messages=iter([blocked_answer()]))
    model.invoke(
        [HumanMessage(f"tell me about {BLOCKED_WORD} and mail jane@example.com")], config={"callbacks": [handler]}
    )
    [record] = sink.records
    assert record["stop_reason"] == "guardrail_intervened"
    assert record["guardrail_interventions"] == 1
    assert record["guardrail"]["intervened"] is True
    assert {(f["policy"], f["action"]) for f in record["guardrail"]["policies"]} >= {
        ("word", "BLOCKED"),
        ("pii", "ANONYMIZED"),
    }
    text = encode_record(record).message
    for content in (BLOCKED_WORD, "jane@example.com", "ACC-1234"):
        assert content not in text
    metrics = {m["Name"] for m in record["_aws"]["CloudWatchMetrics"][0]["Metrics"]}
    assert "guardrail_interventions" in metrics


def test_under_full_the_record_names_what_was_matched() -> None:
    sink = ListSink()
    handler = logger_for(sink, content_policy="full", guardrail_configured=True)
    model = GenericFakeChatModel(messages=iter([blocked_answer()]))
    model.invoke([HumanMessage(f"tell me about {BLOCKED_WORD}")], config={"callbacks": [handler]})
    [record] = sink.records
    assert {"source": "input", "policy": "word", "action": "BLOCKED", "match": BLOCKED_WORD} in record["guardrail"][
        "policies"
    ]


def test_a_guarded_answer_without_intervention_counts_zero() -> None:
    sink = ListSink()
    handler = logger_for(sink, guardrail_configured=True)
    model = GenericFakeChatModel(messages=iter([AIMessage("fine", response_metadata={"stopReason": "end_turn"})]))
    model.invoke([HumanMessage("hi")], config={"callbacks": [handler]})
    [record] = sink.records
    assert (record["guardrail_interventions"], record["guardrail"]) == (0, {"intervened": False, "policies": []})
    assert "guardrail_interventions" in {m["Name"] for m in record["_aws"]["CloudWatchMetrics"][0]["Metrics"]}


def test_without_a_guardrail_records_are_unchanged() -> None:
    sink = ListSink()
    model = GenericFakeChatModel(messages=iter([AIMessage("fine", response_metadata={"stopReason": "end_turn"})]))
    model.invoke([HumanMessage("hi")], config={"callbacks": [logger_for(sink)]})
    [record] = sink.records
    assert "guardrail" not in record
    assert "guardrail_interventions" not in record
