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

from tests.python.events import SOURCES, assert_http_response

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
    ("event not an object", ["prompt"], "event"),
    ("event a string", "prompt", "event"),
    ("event null", None, "event"),
    # Strict types: a client that sends the wrong type is told so, not guessed at.
    ("max_tokens true", {"prompt": "a", "max_tokens": True}, "max_tokens"),
    ("max_tokens false", {"prompt": "a", "max_tokens": False}, "max_tokens"),
    ("max_tokens numeric string", {"prompt": "a", "max_tokens": "5"}, "max_tokens"),
    ("max_tokens float", {"prompt": "a", "max_tokens": 5.5}, "max_tokens"),
    ("max_tokens whole float", {"prompt": "a", "max_tokens": 5.0}, "max_tokens"),
    ("temperature true", {"prompt": "a", "temperature": True}, "temperature"),
    ("temperature numeric string", {"prompt": "a", "temperature": "0.5"}, "temperature"),
    ("prompt a list", {"prompt": ["a"]}, "prompt"),
    ("system a number", {"prompt": "a", "system": 1}, "system"),
    ("messages an object", {"messages": {"role": "user", "content": "a"}}, "messages"),
    ("content a number", {"messages": [{"role": "user", "content": 1}]}, "messages.0.content"),
    ("metadata a list", {"prompt": "a", "metadata": [["k", "v"]]}, "metadata"),
    ("metadata value true", {"prompt": "a", "metadata": {"k": True}}, "metadata.k"),
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


# -- every documented event shape (points 13 and 14) ------------------------------


@pytest.mark.parametrize("source", SOURCES)
def test_every_source_gets_its_own_response_format(handler: LambdaHandler, source: str) -> None:
    response = handler(SOURCES[source](json.dumps({"prompt": ""})), LocalContext("req-proxy"))
    body = assert_http_response(source, response, 400)
    assert body["error"]["fields"][0]["field"] == "prompt"
    assert body["request_id"] == "req-proxy"


BAD_BODIES: dict[str, Any] = {
    "absent": None,
    "empty": "",
    "not JSON": "{not json",
    "a JSON list": json.dumps([{"prompt": "a"}]),
    "a JSON string": json.dumps("hello"),
    "a JSON number": "42",
    "JSON null": "null",
    "JSON true": "true",
    "NaN": '{"prompt": "a", "temperature": NaN}',
    "already an object": {"prompt": "a"},
    "already a number": 42,
    "already a list": ["a"],
    "already true": True,
}


@pytest.mark.parametrize("body", BAD_BODIES.values(), ids=BAD_BODIES)
@pytest.mark.parametrize("source", SOURCES)
def test_a_body_that_is_not_a_json_object_is_a_400_on_body(handler: LambdaHandler, source: str, body: Any) -> None:
    response = handler(SOURCES[source](body), LocalContext("r"))
    payload = assert_http_response(source, response, 400)
    assert payload["error"]["fields"] == [{"field": "body", "message": "must be a JSON object"}]
    assert "Traceback" not in response["body"]


@pytest.mark.parametrize(
    "encoded",
    [base64.b64encode(b"\xff\xfe").decode(), "not base64!", base64.b64encode(b"[1, 2]").decode()],
    ids=["not UTF-8", "not base64", "a list"],
)
@pytest.mark.parametrize("source", SOURCES)
def test_a_base64_body_that_is_not_a_json_object_is_a_400_on_body(
    handler: LambdaHandler, source: str, encoded: str
) -> None:
    event = SOURCES[source](encoded) | {"isBase64Encoded": True}
    payload = assert_http_response(source, handler(event, LocalContext("r")), 400)
    assert payload["error"]["fields"] == [{"field": "body", "message": "must be a JSON object"}]


@pytest.mark.parametrize("source", SOURCES)
def test_a_base64_body_is_decoded(handler: LambdaHandler, source: str) -> None:
    event = SOURCES[source](base64.b64encode(b'{"prompt": ""}').decode()) | {"isBase64Encoded": True}
    payload = assert_http_response(source, handler(event, LocalContext("r")), 400)
    assert payload["error"]["fields"][0]["field"] == "prompt"


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


# -- a runtime that cannot be built is a structured response (point 16) -----------

ENVIRONMENT = {f"BEDROCK_TENANT_{key.upper()}": value for key, value in SETTINGS.items() if key != "tenant_id"} | {
    "BEDROCK_TENANT_ID": "tenant-a",
    "AWS_ACCESS_KEY_ID": "AKIDEXAMPLE",
    "AWS_SECRET_ACCESS_KEY": "x",
    "AWS_DEFAULT_REGION": "us-east-1",
}
BROKEN_ENVIRONMENTS = {
    "malformed Bedrock endpoint": {"AWS_ENDPOINT_URL_BEDROCK_RUNTIME": "not a url::"},
    "malformed IPv6 endpoint": {"AWS_ENDPOINT_URL_BEDROCK_RUNTIME": "http://[::1"},
    "malformed global endpoint": {"AWS_ENDPOINT_URL": "::::"},
}


def broken_runtime(*args: Any, **kwargs: Any) -> Runtime:
    raise RuntimeError("unexpected failure while building")


@pytest.mark.parametrize("source", [*SOURCES, "direct"])
@pytest.mark.parametrize("broken", [*BROKEN_ENVIRONMENTS, "any exception"])
def test_a_runtime_that_cannot_be_built_is_a_structured_500(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], source: str, broken: str
) -> None:
    for name, value in ENVIRONMENT.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("AWS_CONFIG_FILE", "/dev/null")
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", "/dev/null")
    if broken == "any exception":
        monkeypatch.setattr(Runtime, "from_settings", broken_runtime)
    else:
        for name, value in BROKEN_ENVIRONMENTS[broken].items():
            monkeypatch.setenv(name, value)
    request = json.dumps({"prompt": "hi"})
    event = {"prompt": "hi"} if source == "direct" else SOURCES[source](request)
    response = LambdaHandler()(event, LocalContext("req-init"))  # must not raise
    payload = response if source == "direct" else assert_http_response(source, response, 500)
    assert response["statusCode"] == 500
    assert payload["request_id"] == "req-init"
    assert payload["error"]["code"] == "ConfigurationError"
    assert "could not initialise the runtime" in payload["error"]["message"]
    assert "Traceback" not in json.dumps(response) + "".join(capsys.readouterr())


class FailingFlushSink:
    """A custom sink whose flush fails (ours never raise)."""

    def emit(self, record: Any, timestamp_ms: int) -> None:
        pass

    def flush(self, timeout_s: float | None = None) -> None:
        raise OSError("disk full")


def test_a_sink_that_fails_to_flush_never_fails_the_answer(handler: LambdaHandler) -> None:
    runtime = handler.runtime
    failing = LambdaHandler(Runtime(runtime.settings, runtime.operations, runtime.model, FailingFlushSink()))
    response = failing({"prompt": ""}, LocalContext("req-flush"))
    assert (response["statusCode"], response["request_id"]) == (400, "req-flush")
