"""The Bedrock fake applies guardrails as Bedrock does, and IAM decides who may skip one.

Shapes: Bedrock API reference (Converse ``stopReason`` ``guardrail_intervened``,
``ConverseTrace.guardrail``: ``inputAssessment`` keyed by guardrail id,
``outputAssessments`` with a list per id). Permissions: user guide, "Set up
permissions to use Amazon Bedrock Guardrails" (``bedrock:ApplyGuardrail`` on the
guardrail) and "Enforce the use of specific guardrails" (``bedrock:GuardrailIdentifier``
is ``ARN:VERSION``; a Deny with ``StringNotEquals`` refuses calls that name another
guardrail or none).
"""

from __future__ import annotations

from typing import Any

import pytest
from botocore.exceptions import ClientError

from tests.embedded.test_bedrock_access import MODEL, allow, fm, policy, refused, runtime
from tests.fakes.aws import OPERATIONS_ACCOUNT, REGION, EmbeddedAws
from tests.fakes.tenants import rendered_guarded_permissions


def guarded(guardrail_arn: str, version: str = "1") -> dict[str, Any]:
    """The Bedrock policy operations-role renders with this guardrail (rendered_policies.json)."""
    return rendered_guarded_permissions(guardrail_arn, version, OPERATIONS_ACCOUNT)


def ask(client: Any, text: str, guardrail: str | None, *, version: str = "1", trace: str = "enabled") -> Any:
    extra = {}
    if guardrail is not None:
        extra["guardrailConfig"] = {"guardrailIdentifier": guardrail, "guardrailVersion": version, "trace": trace}
    return client.converse(modelId=MODEL, messages=[{"role": "user", "content": [{"text": text}]}], **extra)


def test_a_denied_word_in_the_prompt_is_an_input_intervention(aws: EmbeddedAws) -> None:
    guardrail = aws.bedrock.add_guardrail("tenantguard1", ["forbidden"], blocked_input_message="Blocked input.")
    client = runtime(aws, guarded(guardrail.arn))
    response = ask(client, "tell me something Forbidden!", guardrail.arn)
    assert response["stopReason"] == "guardrail_intervened"
    assert response["output"]["message"]["content"] == [{"text": "Blocked input."}]
    assert response["trace"]["guardrail"]["inputAssessment"] == {
        "tenantguard1": {
            "wordPolicy": {
                "customWords": [{"match": "forbidden", "action": "BLOCKED", "detected": True}],
                "managedWordLists": [],
            }
        }
    }
    clean = ask(client, "tell me something nice", guardrail.arn)
    assert (clean["stopReason"], "trace" in clean) == ("end_turn", False)


def test_a_denied_word_in_the_answer_is_an_output_intervention(aws: EmbeddedAws) -> None:
    guardrail = aws.bedrock.add_guardrail("tenantguard2", ["secret"], input_enabled=False)
    client = runtime(aws, guarded(guardrail.arn))
    response = ask(client, "say secret", guardrail.arn)
    assert response["stopReason"] == "guardrail_intervened"
    trace = response["trace"]["guardrail"]
    assert "inputAssessment" not in trace
    assert trace["modelOutput"] == ["You said: say secret"]
    [assessment] = trace["outputAssessments"]["tenantguard2"]
    assert assessment["wordPolicy"]["customWords"] == [{"match": "secret", "action": "BLOCKED", "detected": True}]
    assert "trace" not in ask(client, "say secret", guardrail.arn, trace="disabled")


def test_a_stream_reports_the_intervention_in_its_last_events(aws: EmbeddedAws) -> None:
    guardrail = aws.bedrock.add_guardrail("tenantguard3", ["forbidden"])
    client = runtime(aws, guarded(guardrail.arn))
    stream = client.converse_stream(
        modelId=MODEL,
        messages=[{"role": "user", "content": [{"text": "forbidden"}]}],
        guardrailConfig={"guardrailIdentifier": guardrail.arn, "guardrailVersion": "1", "trace": "enabled"},
    )
    events = list(stream["stream"])
    assert events[-2] == {"messageStop": {"stopReason": "guardrail_intervened"}}
    assert "tenantguard3" in events[-1]["metadata"]["trace"]["guardrail"]["inputAssessment"]


def test_calls_that_drop_or_change_the_guardrail_are_refused_by_iam(aws: EmbeddedAws) -> None:
    guardrail = aws.bedrock.add_guardrail("tenantguard4", ["forbidden"], versions=("1", "2"))
    other = aws.bedrock.add_guardrail("otherguard", [])
    # The Deny wins over any Allow, here the role's allow of the model itself.
    client = runtime(aws, guarded(guardrail.arn))
    refused(lambda: ask(client, "hi", None))
    refused(lambda: ask(client, "hi", guardrail.arn, version="2"))
    refused(lambda: ask(client, "hi", guardrail.arn, version="DRAFT"))
    refused(lambda: ask(client, "hi", other.arn))
    ask(client, "hi", "tenantguard4")  # the bare id resolves to the same ARN
    assert len(aws.bedrock.calls) == 1
    assert {r.action for r in aws.authorizer.refusals_of("bedrock:InvokeModel")} == {"bedrock:InvokeModel"}


def test_naming_a_guardrail_needs_apply_guardrail_on_it(aws: EmbeddedAws) -> None:
    guardrail = aws.bedrock.add_guardrail("tenantguard5", ["forbidden"])
    client = runtime(aws, policy(allow(fm(REGION))))
    message = refused(lambda: ask(client, "hi", guardrail.arn))
    assert f"bedrock:ApplyGuardrail on resource: {guardrail.arn}" in message
    assert aws.bedrock.calls == []


@pytest.mark.parametrize(("identifier", "version"), [("nosuchguard", "1"), ("tenantguard6", "7")])
def test_an_unknown_guardrail_or_version_is_a_validation_error(aws: EmbeddedAws, identifier: str, version: str) -> None:
    aws.bedrock.add_guardrail("tenantguard6", ["forbidden"])
    arn = f"arn:aws:bedrock:{REGION}:{aws.bedrock.account_id}:guardrail/{identifier}"
    client = runtime(
        aws, policy(allow(fm(REGION)), {"Effect": "Allow", "Action": "bedrock:ApplyGuardrail", "Resource": "*"})
    )
    with pytest.raises(ClientError) as error:
        ask(client, "hi", arn, version=version)
    assert error.value.response["Error"]["Code"] == "ValidationException"
    assert "guardrail" in error.value.response["Error"]["Message"]
