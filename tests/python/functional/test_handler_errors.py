"""Failures end to end through the handler: statuses, codes, retries, no secrets."""

from __future__ import annotations

import json
from collections.abc import Callable

import pytest
from bedrock_tenant import create_chat_model
from bedrock_tenant.callback import InvocationLogger

from tests.fakes.aws import EmbeddedAws, frozen_credentials
from tests.python.conftest import Tenant, operations_role_arn


@pytest.mark.parametrize(
    ("code", "status"),
    [
        ("ThrottlingException", 503),
        ("ServiceUnavailableException", 503),
        ("AccessDeniedException", 502),
        ("ResourceNotFoundException", 502),
        ("ValidationException", 400),
    ],
)
def test_bedrock_errors_map_to_statuses_with_the_aws_code(
    aws: EmbeddedAws, make_tenant: Callable[..., Tenant], code: str, status: int
) -> None:
    tenant = make_tenant("tenant-a", max_attempts=1)
    aws.bedrock.fail_next(code)
    response = tenant.invoke({"prompt": "hi"}, "req-err")
    assert response["statusCode"] == status
    assert response["error"]["code"] == code
    assert code in response["error"]["message"]
    assert response["request_id"] == "req-err"
    [record] = tenant.records()  # the failed call is logged too
    assert (record["status"], record["error_type"], record["errors"]) == ("error", code, 1)
    assert record["throttles"] == int(code == "ThrottlingException")


def test_throttling_is_retried_before_it_becomes_an_error(aws: EmbeddedAws, make_tenant: Callable[..., Tenant]) -> None:
    tenant = make_tenant("tenant-a", max_attempts=4)
    aws.bedrock.fail_next("ThrottlingException", times=2)
    response = tenant.invoke({"prompt": "hi"})
    assert response["statusCode"] == 200
    assert len(aws.bedrock.calls) == 3
    [record] = tenant.records()
    assert record["status"] == "success"


def test_wrong_external_id_is_refused_with_a_clear_error(
    aws: EmbeddedAws, make_tenant: Callable[..., Tenant], capsys: pytest.CaptureFixture[str]
) -> None:
    wrong = "ext-wrong-wrong-wrong-0000"
    tenant = make_tenant("tenant-a", external_id=wrong)  # the role's trust policy requires another
    response = tenant.invoke({"prompt": "hi"}, "req-sts")
    assert response["statusCode"] == 502
    error = response["error"]
    assert error["code"] == "AccessDenied"
    assert f"could not assume operations role {operations_role_arn('tenant-a')}" in error["message"]
    assert "check the external id" in error["message"]
    assert aws.bedrock.calls == []  # nothing reached Bedrock
    [record] = tenant.records()
    assert record["error_type"] == "AccessDenied"
    everything = json.dumps(response) + json.dumps(record) + "".join(capsys.readouterr())
    assert wrong not in everything
    assert "Traceback" not in everything


def test_request_parameters_reach_converse(aws: EmbeddedAws, make_tenant: Callable[..., Tenant]) -> None:
    tenant = make_tenant("tenant-a")
    response = tenant.invoke(
        {
            "system": "Answer in one word.",
            "messages": [
                {"role": "user", "content": "one"},
                {"role": "assistant", "content": "two"},
                {"role": "user", "content": "three four five"},
            ],
            "max_tokens": 3,
            "temperature": 0.2,
        }
    )
    assert response["statusCode"] == 200
    body = aws.bedrock.calls[0].body
    assert body["inferenceConfig"] == {"maxTokens": 3, "temperature": 0.2}
    assert body["system"] == [{"text": "Answer in one word."}]
    assert [m["role"] for m in body["messages"]] == ["user", "assistant", "user"]
    assert response["answer"] == "You said: three"
    assert response["stop_reason"] == "max_tokens"


def test_streaming_through_converse_stream_records_time_to_first_token(
    aws: EmbeddedAws, make_tenant: Callable[..., Tenant]
) -> None:
    tenant = make_tenant("tenant-a")
    model = create_chat_model(tenant.settings, tenant.runtime.operations)
    logger = InvocationLogger(
        tenant.runtime.sink, tenant_id="tenant-a", model_id=tenant.settings.model_id, region="us-east-1"
    )
    chunks = list(model.stream("stream these words please", config={"callbacks": [logger]}))
    tenant.runtime.sink.flush()
    assert "".join(chunk.text for chunk in chunks) == "You said: stream these words please"
    assert [call.operation for call in aws.bedrock.calls] == ["ConverseStream"]
    [record] = tenant.records()
    assert record["streaming"] is True
    assert 0 < record["time_to_first_token_ms"] <= record["latency_ms"]
    assert (record["input_tokens"], record["output_tokens"]) == (4, 6)


def test_invoke_model_on_the_fake_is_signed_by_the_operations_role(
    aws: EmbeddedAws, make_tenant: Callable[..., Tenant]
) -> None:
    tenant = make_tenant("tenant-a")
    client = tenant.runtime.operations.client("bedrock-runtime", region_name="us-east-1")
    body = {
        "anthropic_version": "bedrock-2023-05-31",
        "max_tokens": 50,
        "messages": [{"role": "user", "content": "ping"}],
    }
    response = client.invoke_model(modelId=tenant.settings.model_id, body=json.dumps(body))
    answer = json.loads(response["body"].read())
    assert answer["content"][0]["text"] == "You said: ping"
    assert answer["usage"] == {"input_tokens": 1, "output_tokens": 3}
    [call] = aws.bedrock.calls
    assert (call.operation, call.model_id) == ("InvokeModel", tenant.settings.model_id)
    assert call.access_key_id == frozen_credentials(tenant.runtime.operations.session).access_key
