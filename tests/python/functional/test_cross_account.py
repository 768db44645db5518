"""Cross-account proofs against the embedded AWS (moto server + Bedrock fake).

Bedrock is called with the operations role's credentials; logs are written with
the customer account's credentials into the customer's log group; the
operations account holds no log group; one AssumeRole serves a warm container.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from bedrock_tenant import OperationsSession, create_chat_model
from bedrock_tenant.handler import LambdaHandler, Runtime

from tests.fakes.aws import OPERATIONS_ACCOUNT, EmbeddedAws, frozen_credentials, session_from
from tests.python.conftest import MODEL_ID, Tenant, operations_role_arn


def test_bedrock_sees_only_the_operations_role_and_logs_stay_in_the_customer_account(
    aws: EmbeddedAws, make_tenant: Callable[..., Tenant]
) -> None:
    tenant = make_tenant("tenant-a")
    response = tenant.invoke({"prompt": "Where do my logs go?", "metadata": {"user": "u-1"}}, "req-1")
    assert response["statusCode"] == 200, response
    assert response["answer"] == "You said: Where do my logs go?"
    assert response["usage"] == {"input_tokens": 5, "output_tokens": 7, "total_tokens": 12}

    operations_keys = frozen_credentials(tenant.runtime.operations.session)
    customer_keys = frozen_credentials(tenant.customer)
    assert operations_keys.access_key != customer_keys.access_key
    # Every Bedrock request was signed by the operations role's session key...
    assert [call.operation for call in aws.bedrock.calls] == ["Converse"]
    assert aws.bedrock.access_key_ids == {operations_keys.access_key}
    assert aws.bedrock.calls[0].model_id == MODEL_ID
    # ...and that key acts in the operations account.
    identity = (
        session_from(
            {
                "AccessKeyId": operations_keys.access_key,
                "SecretAccessKey": operations_keys.secret_key,
                "SessionToken": operations_keys.token,
            }
        )
        .client("sts")
        .get_caller_identity()
    )
    assert identity["Account"] == OPERATIONS_ACCOUNT
    assert identity["Arn"].startswith(f"arn:aws:sts::{OPERATIONS_ACCOUNT}:assumed-role/bedrock-tenant-tenant-a/")

    # The record is in the customer's own log group (written with its credentials;
    # moto would not find the group in any other account)...
    [record] = tenant.records()
    assert record["tenant_id"] == "tenant-a"
    assert record["request_id"] == "req-1"
    assert record["metadata"] == {"user": "u-1"}
    assert (record["input_tokens"], record["output_tokens"]) == (5, 7)
    assert record["stop_reason"] == "end_turn"
    assert tenant.cloudwatch_sink.stats.fallback_events == 0
    # ...and the operations account has no log group at all.
    operations_logs = session_from(
        {
            "AccessKeyId": operations_keys.access_key,
            "SecretAccessKey": operations_keys.secret_key,
            "SessionToken": operations_keys.token,
        }
    ).client("logs")
    assert operations_logs.describe_log_groups()["logGroups"] == []


def test_two_tenants_each_see_only_their_own_records(make_tenant: Callable[..., Tenant]) -> None:
    tenant_a, tenant_b = make_tenant("tenant-a"), make_tenant("tenant-b")
    for index in range(3):
        assert tenant_a.invoke({"prompt": f"a{index}"}, f"a-{index}")["statusCode"] == 200
    assert tenant_b.invoke({"prompt": "b0"}, "b-0")["statusCode"] == 200
    assert [r["request_id"] for r in tenant_a.records()] == ["a-0", "a-1", "a-2"]
    assert [r["request_id"] for r in tenant_b.records()] == ["b-0"]
    assert {r["tenant_id"] for r in tenant_a.records()} == {"tenant-a"}


def test_a_thousand_warm_invocations_make_one_assume_role_call(
    aws: EmbeddedAws, make_tenant: Callable[..., Tenant]
) -> None:
    tenant = make_tenant("tenant-a", content_policy="none")
    assume_role_calls = []
    tenant.customer.events.register("before-call.sts.AssumeRole", lambda **_: assume_role_calls.append(1))
    for index in range(1000):
        response = tenant.invoke({"prompt": f"call {index}"}, f"req-{index}")
        assert response["statusCode"] == 200
    assert len(assume_role_calls) == 1
    assert tenant.runtime.operations.assume_role_calls == 1
    assert len(aws.bedrock.calls) == 1000
    assert len(tenant.records()) == 1000
    stats = tenant.cloudwatch_sink.stats
    assert (stats.put_calls, stats.fallback_events) == (1000, 0)  # one PutLogEvents per invocation


def test_credentials_are_refreshed_when_near_expiry(aws: EmbeddedAws, make_tenant: Callable[..., Tenant]) -> None:
    tenant = make_tenant("tenant-a")
    now = [datetime.now(UTC)]
    operations = OperationsSession(
        operations_role_arn("tenant-a"),
        tenant.settings.external_id.get_secret_value(),
        session_name="refresh-test",
        duration_seconds=3600,
        base_session=tenant.customer,
        time_fetcher=lambda: now[0],
    )
    runtime = Runtime.from_settings(tenant.settings, base_session=tenant.customer)
    runtime = Runtime(tenant.settings, operations, _model_on(tenant, operations), runtime.sink)
    handler = LambdaHandler(runtime)

    assert handler({"prompt": "one"})["statusCode"] == 200
    first_key = frozen_credentials(operations.session).access_key
    now[0] += timedelta(minutes=30)  # well before expiry: reuse
    assert handler({"prompt": "two"})["statusCode"] == 200
    assert operations.assume_role_calls == 1
    now[0] += timedelta(minutes=25)  # 5 minutes left: inside botocore's mandatory window
    assert handler({"prompt": "three"})["statusCode"] == 200
    assert operations.assume_role_calls == 2
    # (Reading the keys again here would refresh again: moto dates the new
    # credentials by the real clock, which this test's clock is 55 minutes ahead of.)
    keys = [call.access_key_id for call in aws.bedrock.calls]
    assert keys[:2] == [first_key, first_key]
    assert keys[2] not in (None, first_key)


def _model_on(tenant: Tenant, operations: OperationsSession) -> Any:
    return create_chat_model(tenant.settings, operations)


@pytest.mark.parametrize("policy", ["full", "hash", "none"])
def test_content_policy_governs_what_reaches_the_log(policy: str, make_tenant: Callable[..., Tenant]) -> None:
    tenant = make_tenant("tenant-a", content_policy=policy)
    marker = "confidential-merger-plan-7731"
    assert tenant.invoke({"prompt": f"Summarise {marker}", "system": "Be brief."})["statusCode"] == 200
    [record] = tenant.records()
    serialized = json.dumps(record)
    if policy == "full":
        assert record["prompt"][-1]["content"] == f"Summarise {marker}"
        assert record["response"] == f"You said: Summarise {marker}"
    else:
        assert marker not in serialized
        assert not {"prompt", "response"} & set(record)
    if policy == "hash":
        assert record["response_sha256"] == hashlib.sha256(f"You said: Summarise {marker}".encode()).hexdigest()
        assert len(record["prompt_sha256"]) == 64
    if policy == "none":
        assert not {"prompt_sha256", "response_sha256"} & set(record)


def test_secrets_never_appear_in_records_stdout_logs_or_responses(
    aws: EmbeddedAws,
    make_tenant: Callable[..., Tenant],
    capsys: pytest.CaptureFixture[str],
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level("INFO")
    logged = make_tenant("tenant-a")
    printed = make_tenant("tenant-b", sink="stdout")
    responses = [logged.invoke({"prompt": "hello"}), printed.invoke({"prompt": "hello"})]
    aws.bedrock.fail_next("AccessDeniedException")
    responses.append(logged.invoke({"prompt": "denied"}))
    assert [r["statusCode"] for r in responses] == [200, 200, 502]

    secrets = []
    for tenant in (logged, printed):
        secrets.append(tenant.settings.external_id.get_secret_value())
        for session in (tenant.runtime.operations.session, tenant.customer):
            keys = frozen_credentials(session)
            secrets += [keys.secret_key, keys.token]
    haystack = "\n".join(
        [
            json.dumps(logged.records()),
            capsys.readouterr().out,
            caplog.text,
            json.dumps(responses),
        ]
    )
    assert "tenant-b" in haystack  # the stdout sink's record is in the haystack
    for secret in secrets:
        assert secret not in haystack
