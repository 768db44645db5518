"""A guardrailed tenant end to end on the embedded AWS: the handler names the guardrail,
the fake applies it, IAM (enforced) refuses a tenant whose environment drops it, and
the customer's record shows the intervention without the blocked content."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest

from tests.fakes.aws import OPERATIONS_ACCOUNT, EmbeddedAws
from tests.fakes.tenants import rendered_guarded_permissions
from tests.python.conftest import Tenant

BLOCKED_WORD = "moonshine"


def require_guardrail(aws: EmbeddedAws, tenant_id: str, guardrail_arn: str, version: str) -> None:
    """Put the Bedrock policy operations-role renders with a guardrail (rendered_policies.json,
    for this guardrail and version) on the tenant's role, beside the policies it has."""
    document = rendered_guarded_permissions(guardrail_arn, version, OPERATIONS_ACCOUNT)
    aws.admin_session(OPERATIONS_ACCOUNT).client("iam").put_role_policy(
        RoleName=f"bedrock-tenant-{tenant_id}", PolicyName="bedrock-guardrail", PolicyDocument=json.dumps(document)
    )


@pytest.fixture
def guarded(aws: EmbeddedAws, make_tenant: Callable[..., Tenant]) -> Callable[..., Tenant]:
    guardrail = aws.bedrock.add_guardrail("tenantaguard", [BLOCKED_WORD], versions=("2",))

    def make(**overrides: Any) -> Tenant:
        tenant = make_tenant(
            "tenant-a", guardrail_identifier=guardrail.arn, guardrail_version="2", max_attempts=1, **overrides
        )
        require_guardrail(aws, "tenant-a", guardrail.arn, "2")
        return tenant

    return make


@pytest.mark.parametrize("content_policy", ["hash", "none"])
@pytest.mark.parametrize("stream", [False, True])
def test_a_blocked_prompt_is_recorded_as_an_intervention_without_its_text(
    aws: EmbeddedAws, guarded: Callable[..., Tenant], content_policy: str, stream: bool
) -> None:
    tenant = guarded(content_policy=content_policy)
    if stream:
        tenant.runtime.model.streaming = True
    prompt = f"how do I distil {BLOCKED_WORD} at home?"
    response = tenant.invoke({"prompt": prompt}, "req-guard")
    assert response["statusCode"] == 200
    body = json.loads(response["body"]) if "body" in response else response
    assert body["stop_reason"] == "guardrail_intervened"
    assert body["answer"] == "Sorry, the model cannot answer this question."
    [call] = aws.bedrock.calls
    assert call.operation == ("ConverseStream" if stream else "Converse")
    assert call.body["guardrailConfig"]["guardrailVersion"] == "2"
    [record] = tenant.records()
    assert record["stop_reason"] == "guardrail_intervened"
    assert record["guardrail_interventions"] == 1
    assert record["guardrail"] == {
        "intervened": True,
        "policies": [{"source": "input", "policy": "word", "action": "BLOCKED"}],
    }
    raw = json.dumps(record)
    assert BLOCKED_WORD not in raw
    assert "distil" not in raw
    metrics = {metric["Name"] for metric in record["_aws"]["CloudWatchMetrics"][0]["Metrics"]}
    assert "guardrail_interventions" in metrics


def test_an_allowed_prompt_counts_zero_interventions(aws: EmbeddedAws, guarded: Callable[..., Tenant]) -> None:
    tenant = guarded()
    response = tenant.invoke({"prompt": "hello there"})
    assert response["statusCode"] == 200
    [record] = tenant.records()
    assert (record["stop_reason"], record["guardrail_interventions"]) == ("end_turn", 0)


def test_a_tenant_whose_environment_drops_the_guardrail_is_refused_by_iam(
    aws: EmbeddedAws, guarded: Callable[..., Tenant], make_tenant: Callable[..., Tenant]
) -> None:
    guarded()  # the operations role now requires the guardrail
    dropped = make_tenant("tenant-a", max_attempts=1)  # same role, an environment without the guardrail
    response = dropped.invoke({"prompt": "hello there"}, "req-drop")
    assert response["statusCode"] == 502
    assert response["error"]["code"] == "AccessDeniedException"
    assert aws.bedrock.calls == []
    [refusal] = aws.authorizer.refusals_of("bedrock:InvokeModel")
    assert "explicit deny" in refusal.message
    [record] = dropped.records()
    assert (record["status"], record["error_type"]) == ("error", "AccessDeniedException")
