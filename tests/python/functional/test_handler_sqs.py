"""SQS batches end to end on the embedded AWS: one model call and one record per message,
partial batch failures for the rest, and no secret or content in the function's logs."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable

import pytest
from bedrock_tenant.errors import UnsupportedEventError

from tests.fakes.aws import EmbeddedAws, frozen_credentials
from tests.python.conftest import Tenant
from tests.python.events import NON_HTTP_EVENTS, sqs_event, sqs_record


def request(prompt: str) -> str:
    return json.dumps({"prompt": prompt, "metadata": {"order": prompt[-1]}})


def test_a_good_and_a_malformed_message(aws: EmbeddedAws, make_tenant: Callable[..., Tenant]) -> None:
    tenant = make_tenant("tenant-a")
    event = sqs_event(sqs_record(request("What is 2 + 2?"), "m-good"), sqs_record("{not json", "m-bad"))
    response = tenant.invoke(event, "req-batch")
    assert response == {"batchItemFailures": [{"itemIdentifier": "m-bad"}]}
    assert len(aws.bedrock.calls) == 1  # the malformed message never reached the model
    [record] = tenant.records()
    assert (record["request_id"], record["status"], record["metadata"]) == ("m-good", "success", {"order": "?"})
    assert record["prompt"] == [{"role": "user", "content": "What is 2 + 2?"}]  # content_policy full
    assert record["response"] == "You said: What is 2 + 2?"


def test_a_batch_of_good_messages(aws: EmbeddedAws, make_tenant: Callable[..., Tenant]) -> None:
    tenant = make_tenant("tenant-a")
    prompts = [f"question {index}" for index in range(3)]
    event = sqs_event(*(sqs_record(request(prompt), f"m-{index}") for index, prompt in enumerate(prompts)))
    assert tenant.invoke(event, "req-batch") == {"batchItemFailures": []}
    assert len(aws.bedrock.calls) == 3
    records = tenant.records()
    assert [(record["request_id"], record["prompt"]) for record in records] == [
        (f"m-{index}", [{"role": "user", "content": prompt}]) for index, prompt in enumerate(prompts)
    ]
    assert {record["status"] for record in records} == {"success"}


def test_a_throttled_message_is_recorded_and_returns_to_the_queue(
    aws: EmbeddedAws, make_tenant: Callable[..., Tenant]
) -> None:
    tenant = make_tenant("tenant-a", max_attempts=1)
    aws.bedrock.fail_next("ThrottlingException")
    event = sqs_event(sqs_record(request("first"), "m-1"), sqs_record(request("second"), "m-2"))
    assert tenant.invoke(event) == {"batchItemFailures": [{"itemIdentifier": "m-1"}]}
    by_id = {record["request_id"]: record for record in tenant.records()}
    assert (by_id["m-1"]["status"], by_id["m-1"]["throttles"]) == ("error", 1)
    assert by_id["m-2"]["status"] == "success"


@pytest.mark.parametrize("name", ["s3", "eventbridge"])
def test_another_source_raises_and_calls_nothing(
    aws: EmbeddedAws, make_tenant: Callable[..., Tenant], name: str
) -> None:
    tenant = make_tenant("tenant-a")
    kind, event = NON_HTTP_EVENTS[name]
    with pytest.raises(UnsupportedEventError, match=f"unsupported event: {kind}; expected .* 'prompt' or 'messages'"):
        tenant.invoke(event)
    assert aws.bedrock.calls == []
    assert tenant.records() == []


def test_no_secret_or_content_reaches_the_logs(
    aws: EmbeddedAws,
    make_tenant: Callable[..., Tenant],
    caplog: pytest.LogCaptureFixture,
    capfd: pytest.CaptureFixture[str],
) -> None:
    tenant = make_tenant("tenant-a", max_attempts=1)
    contents = ["the customer's private question", "another private question"]
    malformed = json.dumps({"prompt": "a private prompt", "modle": "a private typo"})
    aws.bedrock.fail_next("AccessDeniedException")
    event = sqs_event(
        sqs_record(request(contents[0]), "m-1"), sqs_record(malformed, "m-2"), sqs_record(request(contents[1]), "m-3")
    )
    with caplog.at_level(logging.DEBUG):
        response = tenant.invoke(event)
        with pytest.raises(UnsupportedEventError):
            tenant.invoke(NON_HTTP_EVENTS["sns"][1])
    assert response == {"batchItemFailures": [{"itemIdentifier": "m-1"}, {"itemIdentifier": "m-2"}]}
    assert len(tenant.records()) == 2  # AssumeRole and PutLogEvents really happened
    keys = frozen_credentials(tenant.runtime.operations.session)
    customer = frozen_credentials(tenant.customer)
    secrets = [tenant.settings.external_id.get_secret_value(), keys.secret_key, keys.token, customer.secret_key]
    captured = capfd.readouterr()
    haystack = "\n".join([caplog.text, captured.out, captured.err])
    assert "SQS message m-1 returns to the queue: AccessDeniedException" in haystack
    assert "SQS message m-2 returns to the queue: BadRequest" in haystack
    for text in [*secrets, *contents, "a private prompt", "a private typo", "modle", "Hello from SNS!"]:
        assert text not in haystack
