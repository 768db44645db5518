"""Request validation and response shapes; the model is never reached here."""

from __future__ import annotations

import base64
import json
from typing import Any

import boto3
import pytest
from bedrock_tenant import Settings
from bedrock_tenant.__main__ import LocalContext
from bedrock_tenant.handler import InvokeRequest, LambdaHandler, Runtime

SETTINGS = {
    "tenant_id": "tenant-a",
    "operations_role_arn": "arn:aws:iam::111111111111:role/bedrock-tenant-a",
    "external_id": "ext-tenant-a-5f0c9a7e21d4",
    "model_id": "anthropic.claude-3-5-haiku-20241022-v1:0",
    "bedrock_region": "us-east-1",
    "sink": "stdout",
}


@pytest.fixture(scope="module")
def handler() -> LambdaHandler:
    # Static fake credentials: building clients needs no network.
    base = boto3.Session(aws_access_key_id="AKIDEXAMPLE", aws_secret_access_key="x", region_name="us-east-1")
    return LambdaHandler(Runtime.from_settings(Settings.from_env({}, **SETTINGS), base_session=base))


BAD_REQUESTS: list[tuple[str, Any, str]] = [
    ("no prompt or messages", {}, "prompt"),
    ("both prompt and messages", {"prompt": "a", "messages": [{"role": "user", "content": "b"}]}, "prompt"),
    ("empty prompt", {"prompt": ""}, "prompt"),
    ("prompt not a string", {"prompt": 42}, "prompt"),
    ("empty messages", {"messages": []}, "messages"),
    ("bad role", {"messages": [{"role": "robot", "content": "hi"}]}, "messages.0.role"),
    ("empty content", {"messages": [{"role": "user", "content": ""}]}, "messages.0.content"),
    ("starts with assistant", {"messages": [{"role": "assistant", "content": "hi"}]}, "messages"),
    (
        "ends with assistant",
        {"messages": [{"role": "user", "content": "a"}, {"role": "assistant", "content": "b"}]},
        "messages",
    ),
    ("max_tokens zero", {"prompt": "a", "max_tokens": 0}, "max_tokens"),
    ("max_tokens text", {"prompt": "a", "max_tokens": "many"}, "max_tokens"),
    ("temperature above 1", {"prompt": "a", "temperature": 1.5}, "temperature"),
    ("metadata value not a string", {"prompt": "a", "metadata": {"k": 1}}, "metadata.k"),
    ("metadata key pattern", {"prompt": "a", "metadata": {"bad key": "v"}}, "metadata.bad key.[key]"),
    ("unknown field", {"prompt": "a", "modle": "x"}, "modle"),
    ("system empty", {"prompt": "a", "system": ""}, "system"),
    ("event not an object", ["prompt"], "prompt"),
]


@pytest.mark.parametrize(("case", "event", "field"), BAD_REQUESTS, ids=[case for case, _, _ in BAD_REQUESTS])
def test_bad_request_is_a_400_naming_the_field(handler: LambdaHandler, case: str, event: Any, field: str) -> None:
    response = handler(event, LocalContext("req-bad"))
    assert response["statusCode"] == 400, case
    assert response["request_id"] == "req-bad"
    error = response["error"]
    assert error["code"] == "BadRequest"
    assert field in [item["field"] for item in error["fields"]]
    assert field.split(".", maxsplit=1)[0] in error["message"]
    assert "Traceback" not in json.dumps(response)


def test_proxy_event_gets_a_proxy_response(handler: LambdaHandler) -> None:
    event = {"requestContext": {}, "body": json.dumps({"prompt": ""}), "isBase64Encoded": False}
    response = handler(event, LocalContext("req-proxy"))
    assert response["statusCode"] == 400
    assert response["headers"] == {"content-type": "application/json"}
    body = json.loads(response["body"])
    assert body["error"]["fields"][0]["field"] == "prompt"


@pytest.mark.parametrize(
    "event",
    [
        {"requestContext": {}, "body": "{not json"},
        {"requestContext": {}, "body": base64.b64encode(b"\xff\xfe").decode(), "isBase64Encoded": True},
    ],
)
def test_unparseable_proxy_body_is_a_400_on_body(handler: LambdaHandler, event: dict[str, Any]) -> None:
    response = handler(event, LocalContext("r"))
    assert response["statusCode"] == 400
    assert json.loads(response["body"])["error"]["fields"] == [{"field": "body", "message": "must be a JSON object"}]


def test_request_becomes_langchain_messages() -> None:
    request = InvokeRequest.model_validate(
        {
            "system": "Be brief.",
            "messages": [
                {"role": "user", "content": "a"},
                {"role": "assistant", "content": "b"},
                {"role": "user", "content": "c"},
            ],
        }
    )
    assert [(m.type, m.content) for m in request.to_messages()] == [
        ("system", "Be brief."),
        ("human", "a"),
        ("ai", "b"),
        ("human", "c"),
    ]


def test_missing_configuration_is_a_500_naming_the_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("BEDROCK_TENANT_OPERATIONS_ROLE_ARN", "BEDROCK_TENANT_EXTERNAL_ID"):
        monkeypatch.delenv(name, raising=False)
    response = LambdaHandler()({"prompt": "hi"}, LocalContext("req-cfg"))
    assert response["statusCode"] == 500
    assert response["error"]["code"] == "ConfigurationError"
    assert "BEDROCK_TENANT_OPERATIONS_ROLE_ARN: is required" in response["error"]["message"]
