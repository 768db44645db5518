"""Non-HTTP events: SQS batches get partial batch responses, every other source an error
raised (not returned), and neither repeats the event's content. The model is never reached:
``_invoke`` is replaced by a stub that answers or fails as each test says."""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from typing import Any

import boto3
import pytest
from bedrock_tenant import Settings
from bedrock_tenant.__main__ import LocalContext
from bedrock_tenant.errors import ConfigurationError, UnsupportedEventError
from bedrock_tenant.handler import InvokeRequest, LambdaHandler, Runtime
from botocore.exceptions import ClientError
from langchain_core.callbacks import BaseCallbackHandler

from tests.python.events import NON_HTTP_CONTENT, NON_HTTP_EVENTS, sqs_event, sqs_record

SECRET = "ext-tenant-a-5f0c9a7e21d4"
SETTINGS = {
    "tenant_id": "tenant-a",
    "operations_role_arn": "arn:aws:iam::111111111111:role/bedrock-tenant-a",
    "external_id": SECRET,
    "model_id": "anthropic.claude-3-5-haiku-20241022-v1:0",
    "bedrock_region": "us-east-1",
    "sink": "stdout",
}
THROTTLE_ME = "please throttle this one"


class StubHandler(LambdaHandler):
    """The real handler with the model call replaced: answers, or throttles ``THROTTLE_ME``."""

    def __init__(self, runtime: Runtime) -> None:
        super().__init__(runtime)
        self.served: list[tuple[str, str | None]] = []  # (request id, prompt)

    def _invoke(
        self, runtime: Runtime, request: InvokeRequest, request_id: str, callbacks: list[BaseCallbackHandler]
    ) -> dict[str, Any]:
        self.served.append((request_id, request.prompt))
        if request.prompt == THROTTLE_ME:
            error = {"Error": {"Code": "ThrottlingException", "Message": "Too many requests"}}
            raise ClientError(error, "Converse")  # type: ignore[arg-type] # botocore's TypedDict
        return {"request_id": request_id, "answer": "ok"}


@pytest.fixture
def handler() -> StubHandler:
    base = boto3.Session(aws_access_key_id="AKIDEXAMPLE", aws_secret_access_key="x", region_name="us-east-1")
    return StubHandler(Runtime.from_settings(Settings.from_env({}, **SETTINGS), base_session=base))


@dataclass(frozen=True)
class Context:
    aws_request_id: str
    remaining_ms: int

    def get_remaining_time_in_millis(self) -> int:
        return self.remaining_ms


def request(prompt: str) -> str:
    return json.dumps({"prompt": prompt})


def failures(response: dict[str, Any]) -> list[str]:
    assert set(response) == {"batchItemFailures"}
    return [item["itemIdentifier"] for item in response["batchItemFailures"]]


# -- SQS ----------------------------------------------------------------------------

MALFORMED = {
    "not JSON": "{not json",
    "a JSON list": json.dumps([{"prompt": "a"}]),
    "plain text": "Test message.",  # the body of AWS's sample SQS event
    "no prompt or messages": json.dumps({"message": "foo1"}),
    "invalid request": json.dumps({"prompt": "", "metadata": {"secret-key": "secret-value"}}),
    "not a string": {"prompt": "already parsed"},
    "absent": None,
}


def test_a_good_and_a_malformed_message_fail_only_the_malformed(handler: StubHandler) -> None:
    event = sqs_event(sqs_record(request("good"), "m-good"), sqs_record("{not json", "m-bad"))
    assert failures(handler(event, LocalContext("req-batch"))) == ["m-bad"]
    assert handler.served == [("m-good", "good")]  # the message id is the request id of its call


def test_a_batch_of_good_messages_has_no_failures(handler: StubHandler) -> None:
    event = sqs_event(*(sqs_record(request(f"prompt {index}"), f"m-{index}") for index in range(3)))
    assert handler(event, LocalContext("req-batch")) == {"batchItemFailures": []}
    assert handler.served == [(f"m-{index}", f"prompt {index}") for index in range(3)]


@pytest.mark.parametrize("body", MALFORMED.values(), ids=MALFORMED)
def test_a_malformed_body_is_listed_so_it_reaches_the_dead_letter_queue(handler: StubHandler, body: Any) -> None:
    event = sqs_event(
        sqs_record(request("before"), "m-1"), sqs_record(body, "m-2"), sqs_record(request("after"), "m-3")
    )
    assert failures(handler(event, LocalContext("r"))) == ["m-2"]
    assert [request_id for request_id, _ in handler.served] == ["m-1", "m-3"]


def test_a_throttled_message_is_listed_and_the_rest_still_served(handler: StubHandler) -> None:
    event = sqs_event(sqs_record(request(THROTTLE_ME), "m-1"), sqs_record(request("fine"), "m-2"))
    assert failures(handler(event, LocalContext("r"))) == ["m-1"]
    assert [request_id for request_id, _ in handler.served] == ["m-1", "m-2"]


def test_a_fifo_batch_stops_at_its_first_failure(handler: StubHandler) -> None:
    fifo = "arn:aws:sqs:us-east-2:123456789012:orders.fifo"
    bodies = [request("one"), request(THROTTLE_ME), request("three"), "{not json"]
    event = sqs_event(*(sqs_record(body, f"m-{index}", queue_arn=fifo) for index, body in enumerate(bodies)))
    assert failures(handler(event, LocalContext("r"))) == ["m-1", "m-2", "m-3"]
    assert [request_id for request_id, _ in handler.served] == ["m-0", "m-1"]  # m-2 was never started


def test_messages_that_would_not_fit_in_the_time_left_are_not_started(handler: StubHandler) -> None:
    event = sqs_event(sqs_record(request("a"), "m-1"), sqs_record(request("b"), "m-2"))
    assert failures(handler(event, Context("r", remaining_ms=1000))) == ["m-1", "m-2"]
    assert handler.served == []
    assert failures(handler(event, Context("r", remaining_ms=60_000))) == []


def test_a_record_without_a_message_id_fails_the_whole_batch(handler: StubHandler) -> None:
    record = sqs_record(request("a"), "m-1")
    del record["messageId"]
    with pytest.raises(UnsupportedEventError, match="without a messageId"):
        handler(sqs_event(sqs_record(request("b"), "m-0"), record), LocalContext("r"))
    assert handler.served == []


def test_a_batch_the_runtime_cannot_serve_is_raised_so_it_returns_to_the_queue(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("BEDROCK_TENANT_OPERATIONS_ROLE_ARN", raising=False)
    with pytest.raises(ConfigurationError, match="BEDROCK_TENANT_OPERATIONS_ROLE_ARN: is required"):
        LambdaHandler()(sqs_event(sqs_record(request("a"), "m-1")), LocalContext("r"))


def test_the_batch_logs_name_messages_and_codes_only(handler: StubHandler, caplog: pytest.LogCaptureFixture) -> None:
    bodies = [*(body for body in MALFORMED.values() if isinstance(body, str)), request(THROTTLE_ME)]
    event = sqs_event(*(sqs_record(body, f"m-{index}") for index, body in enumerate(bodies)))
    with caplog.at_level(logging.DEBUG, logger="bedrock_tenant"):
        assert len(failures(handler(event, LocalContext("r")))) == len(bodies)
    assert "SQS message m-0 returns to the queue: BadRequest" in caplog.text
    assert f"SQS message m-{len(bodies) - 1} returns to the queue: ThrottlingException" in caplog.text
    for text in ("not json", "Test message.", "foo1", "secret-key", "secret-value", THROTTLE_ME, SECRET):
        assert text not in caplog.text


# -- every other source -------------------------------------------------------------


@pytest.mark.parametrize("name", NON_HTTP_EVENTS)
def test_another_source_raises_an_error_naming_what_is_expected(
    handler: StubHandler, caplog: pytest.LogCaptureFixture, name: str
) -> None:
    kind, event = NON_HTTP_EVENTS[name]
    with pytest.raises(UnsupportedEventError) as raised:
        handler(event, LocalContext("req-other"))
    message = str(raised.value)
    assert message == (
        f"unsupported event: {kind}; expected a request, a JSON object with 'prompt' or 'messages', "
        "sent directly, as the body of an HTTP event or as the body of each SQS message"
    )
    assert handler.served == []
    assert message in caplog.text
    everything = message + caplog.text
    for text in (*NON_HTTP_CONTENT, "value1", "H4sI", "eyJtZXNzYWdl", "aws.ec2"):
        assert text not in everything


def test_an_sqs_batch_mixed_with_another_source_is_not_served(handler: StubHandler) -> None:
    _, s3 = NON_HTTP_EVENTS["s3"]
    event = {"Records": [sqs_record(request("a"), "m-1"), *s3["Records"]]}
    with pytest.raises(UnsupportedEventError, match="a batch of records"):
        handler(event, LocalContext("r"))
    assert handler.served == []


DIRECT_REQUESTS_THAT_STAY_400 = {
    "empty object": {},
    "a request with a Records field": {"prompt": "a", "Records": []},
    "a request with an EventBridge field": {"prompt": "a", "detail-type": "x", "source": "y", "detail": {}},
    "metadata only": {"metadata": {"k": "v"}},
}


@pytest.mark.parametrize("event", DIRECT_REQUESTS_THAT_STAY_400.values(), ids=DIRECT_REQUESTS_THAT_STAY_400)
def test_a_direct_request_with_a_request_field_is_still_a_400(handler: StubHandler, event: Any) -> None:
    response = handler(event, LocalContext("req-direct"))
    assert (response["statusCode"], response["error"]["code"]) == (400, "BadRequest")
    assert handler.served == []
