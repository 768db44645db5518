"""The handler under hostile or unlucky conditions, end to end on the embedded AWS:
slow first tokens, streams that fail at once, DEBUG logging, broken text,
oversized conversations, every HTTP event source, a hanging CloudWatch, short
credentials."""

from __future__ import annotations

import hashlib
import json
import logging
import sys
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from bedrock_tenant import ConfigurationError, create_chat_model
from bedrock_tenant.callback import InvocationLogger
from botocore.exceptions import ClientError
from langchain_core.language_models.fake_chat_models import GenericFakeChatModel
from langchain_core.messages import AIMessage, HumanMessage

from tests.fakes.aws import EmbeddedAws, frozen_credentials
from tests.python.conftest import Tenant, printed_records
from tests.python.events import SOURCES, assert_http_response


def stream_logger(tenant: Tenant) -> InvocationLogger:
    return InvocationLogger(
        tenant.runtime.sink, tenant_id=tenant.tenant_id, model_id=tenant.settings.model_id, region="us-east-1"
    )


# -- time to first token (point 8) --------------------------------------------------


@pytest.mark.parametrize("delay_s", [0.3, 0.5])
def test_time_to_first_token_is_measured_to_the_first_text(
    aws: EmbeddedAws, make_tenant: Callable[..., Tenant], delay_s: float
) -> None:
    tenant = make_tenant("tenant-a")
    model = create_chat_model(tenant.settings, tenant.runtime.operations)
    model.invoke("warm up")  # AssumeRole and the connection, so they are not part of what is measured
    aws.bedrock.first_content_delay_s = delay_s  # messageStart at once, the first text later
    chunks = list(model.stream("stream these words please", config={"callbacks": [stream_logger(tenant)]}))
    tenant.runtime.sink.flush()
    assert "".join(chunk.text for chunk in chunks) == "You said: stream these words please"
    [record] = tenant.records()
    assert record["time_to_first_token_ms"] >= delay_s * 1000
    assert record["time_to_first_token_ms"] <= record["latency_ms"]


# -- a stream that fails before its first event (point 11) ------------------------


@pytest.mark.parametrize(
    ("code", "throttles"),
    [("ThrottlingException", 1), ("ServiceUnavailableException", 0), ("AccessDeniedException", 0)],
)
def test_a_stream_refused_at_once_is_recorded_as_a_stream(
    aws: EmbeddedAws, make_tenant: Callable[..., Tenant], code: str, throttles: int
) -> None:
    tenant = make_tenant("tenant-a", max_attempts=1)
    aws.bedrock.fail_next(code)
    model = create_chat_model(tenant.settings, tenant.runtime.operations)
    with pytest.raises(ClientError):
        list(model.stream("hi", config={"callbacks": [stream_logger(tenant)]}))
    tenant.runtime.sink.flush()
    [record] = tenant.records()
    assert (record["streaming"], record["error_type"], record["throttles"]) == (True, code, throttles)


# -- no secret in any log at DEBUG (point 17) ---------------------------------------


@pytest.fixture
def root_at_debug(caplog: pytest.LogCaptureFixture) -> Iterator[None]:
    """What Lambda's application_log_level DEBUG does: the root logger at DEBUG,
    with a handler that writes every line to the process's output."""
    caplog.set_level(logging.DEBUG)
    handler = logging.StreamHandler(sys.stderr)
    handler.setLevel(logging.DEBUG)
    logging.getLogger().addHandler(handler)
    try:
        yield
    finally:
        logging.getLogger().removeHandler(handler)


@pytest.mark.usefixtures("root_at_debug")
def test_no_secret_reaches_any_log_at_debug(
    aws: EmbeddedAws,
    make_tenant: Callable[..., Tenant],
    caplog: pytest.LogCaptureFixture,
    capfd: pytest.CaptureFixture[str],
) -> None:
    application = logging.getLogger("customer.application")
    application.debug("the application's own debug line")
    logged = make_tenant("tenant-a")
    printed = make_tenant("tenant-b", sink="stdout")
    responses = [logged.invoke({"prompt": "hello"}), printed.invoke({"prompt": "hello"})]
    aws.bedrock.fail_next("AccessDeniedException")
    responses.append(logged.invoke({"prompt": "denied"}))
    assert [r["statusCode"] for r in responses] == [200, 200, 502]
    assert len(logged.records()) == 2  # AssumeRole and PutLogEvents really happened

    secrets = []
    for tenant in (logged, printed):
        secrets.append(tenant.settings.external_id.get_secret_value())
        for session in (tenant.runtime.operations.session, tenant.customer):
            keys = frozen_credentials(session)
            secrets += [keys.secret_key, keys.token]
    captured = capfd.readouterr()
    haystack = "\n".join([caplog.text, captured.out, captured.err, json.dumps(responses)])
    assert "the application's own debug line" in haystack  # the user's DEBUG logging still works
    assert [r for r in caplog.records if r.levelno == logging.DEBUG and r.name.startswith("urllib3")]
    for secret in secrets:
        assert secret not in haystack
    for name in ("X-Amz-Security-Token", "Authorization", "ExternalId", "SecretAccessKey", "SessionToken"):
        assert name.lower() not in haystack.lower(), name


# -- text that cannot be encoded (point 10) -----------------------------------------


@pytest.mark.parametrize("policy", ["full", "hash", "none"])
def test_a_lone_surrogate_in_a_model_answer_still_makes_a_record(
    make_tenant: Callable[..., Tenant], policy: str
) -> None:
    tenant = make_tenant("tenant-a", content_policy=policy)
    logger = InvocationLogger(
        tenant.runtime.sink,
        tenant_id="tenant-a",
        model_id=tenant.settings.model_id,
        region="us-east-1",
        content_policy=policy,
        metadata={"note": "\udc00"},
    )
    model = GenericFakeChatModel(messages=iter([AIMessage("a cut emoji \ud83d")]))
    model.invoke([HumanMessage("and \ude00 here")], config={"callbacks": [logger]})
    tenant.runtime.sink.flush()
    assert (logger.records_emitted, logger.failures) == (1, 0)
    [record] = tenant.records()
    assert record["metadata"] == {"note": "\ufffd"}
    if policy == "full":
        assert (record["response"], record["prompt"][0]["content"]) == ("a cut emoji \ufffd", "and \ufffd here")
    if policy == "hash":
        assert record["response_sha256"] == hashlib.sha256("a cut emoji \ufffd".encode()).hexdigest()


def test_a_request_that_is_not_valid_unicode_is_a_400_naming_the_field(make_tenant: Callable[..., Tenant]) -> None:
    tenant = make_tenant("tenant-a")
    response = tenant.invoke({"prompt": "a cut emoji \ud83d", "metadata": {"note": "\udc00"}})
    assert response["statusCode"] == 400
    assert [field["field"] for field in response["error"]["fields"]] == ["prompt", "metadata.note"]


# -- a conversation larger than one log event (point 2) -------------------------


def test_a_long_full_conversation_is_one_valid_record(make_tenant: Callable[..., Tenant]) -> None:
    tenant = make_tenant("tenant-a", content_policy="full")
    turns = [{"role": "user" if n % 2 == 0 else "assistant", "content": f"{n}" + "x" * 30_000} for n in range(9)]
    response = tenant.invoke({"messages": turns})
    assert response["statusCode"] == 200
    [record] = tenant.records()  # valid JSON, or reading it fails
    assert record["_aws"]["CloudWatchMetrics"][0]["Dimensions"] == [["tenant_id", "model_id"]]
    assert (record["invocations"], record["input_tokens"]) == (1, response["usage"]["input_tokens"])
    assert "prompt.0.content" in record["truncated_fields"]
    assert [turn["content"][:1] for turn in record["prompt"]] == [str(n) for n in range(9)]


# -- every HTTP event source answered in its own format (point 13) ---------------


@pytest.mark.parametrize("source", SOURCES)
def test_every_source_is_served(make_tenant: Callable[..., Tenant], source: str) -> None:
    tenant = make_tenant("tenant-a")
    response = tenant.invoke(SOURCES[source](json.dumps({"prompt": "from " + source})), "req-http")
    body = assert_http_response(source, response, 200)
    assert body["answer"] == f"You said: from {source}"
    assert tenant.records()[0]["request_id"] == "req-http"


@pytest.mark.parametrize("source", ["http_v2", "function_url"])
def test_an_http_event_without_a_body_is_a_400_on_body(
    aws: EmbeddedAws, make_tenant: Callable[..., Tenant], source: str
) -> None:
    tenant = make_tenant("tenant-a")
    body = assert_http_response(source, tenant.invoke(SOURCES[source]()), 400)
    assert body["error"]["fields"] == [{"field": "body", "message": "must be a JSON object"}]
    assert aws.bedrock.calls == []


# -- CloudWatch hanging or unreachable: the invocation still ends in time (points 3, 7) --


@dataclass(frozen=True)
class LambdaContext:
    """The parts of Lambda's context object the handler reads."""

    aws_request_id: str
    remaining_ms: int

    def get_remaining_time_in_millis(self) -> int:
        return self.remaining_ms


@pytest.mark.parametrize("remaining_ms", [1_000, 3_000])
def test_the_flush_fits_in_the_invocations_remaining_time(
    make_tenant: Callable[..., Tenant],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    blackhole: str,
    remaining_ms: int,
) -> None:
    tenant = make_tenant("tenant-a")
    monkeypatch.setenv("AWS_ENDPOINT_URL_CLOUDWATCH_LOGS", blackhole)
    result: dict[str, Any] = {}
    started = time.monotonic()
    worker = threading.Thread(
        target=lambda: result.update(tenant.handler({"prompt": "hi"}, LambdaContext("req-slow", remaining_ms)))
    )
    worker.start()
    worker.join(remaining_ms / 1000 + 10)
    assert not worker.is_alive(), "the invocation outlived the function's timeout"
    assert time.monotonic() - started <= remaining_ms / 1000 + 2.0  # slack for a busy machine
    assert result["statusCode"] == 200
    assert [record["request_id"] for record in printed_records(capsys)] == ["req-slow"]


def test_a_model_slower_than_the_function_is_recorded_in_cloudwatch_before_the_deadline(
    aws: EmbeddedAws, make_tenant: Callable[..., Tenant]
) -> None:
    tenant = make_tenant("tenant-a")
    tenant.invoke({"prompt": "warm up"}, "req-warm")  # AssumeRole and the stream, outside the measured call
    aws.bedrock.latency_s = 4.0
    remaining_ms = 2_000
    result: dict[str, Any] = {}
    deadline = time.monotonic() + remaining_ms / 1000
    worker = threading.Thread(
        target=lambda: result.update(tenant.handler({"prompt": "hi"}, LambdaContext("req-late", remaining_ms))),
        daemon=True,
    )
    worker.start()
    timed_out: list[dict[str, Any]] = []
    while not timed_out and time.monotonic() < deadline + 1.0:
        time.sleep(0.05)
        timed_out = [record for record in tenant.records() if record["request_id"] == "req-late"]
    seen_at = time.monotonic()
    assert worker.is_alive(), "the model answered before the deadline: the test proves nothing"
    assert timed_out, "no record of the call in the tenant's log group by the function's deadline"
    assert seen_at <= deadline + 0.5  # read back through the embedded CloudWatch, on a busy machine
    [record] = timed_out
    assert (record["status"], record["error_type"], record["errors"]) == ("error", "FunctionTimeout", 1)
    worker.join(30)
    assert result["statusCode"] == 200  # outside Lambda nothing stops the call: it ends, without a second record
    assert [record["request_id"] for record in tenant.records()] == ["req-warm", "req-late"]


@pytest.mark.parametrize("endpoint", ["not a url::", "http://[::1"])
def test_a_malformed_logs_endpoint_never_fails_the_invocation(
    make_tenant: Callable[..., Tenant],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    endpoint: str,
) -> None:
    tenant = make_tenant("tenant-a")
    monkeypatch.setenv("AWS_ENDPOINT_URL_CLOUDWATCH_LOGS", endpoint)
    response = tenant.invoke({"prompt": "hi"}, "req-endpoint")
    assert response["statusCode"] == 200
    assert [record["request_id"] for record in printed_records(capsys)] == ["req-endpoint"]


# -- credential lifetime (point 18) ---------------------------------------------------


@pytest.mark.parametrize("seconds", [900, 1199, 3601, 43_200])
def test_a_session_duration_that_cannot_work_is_refused(make_tenant: Callable[..., Tenant], seconds: int) -> None:
    with pytest.raises(ConfigurationError, match="BEDROCK_TENANT_SESSION_DURATION_SECONDS: must be 1200 to 3600"):
        make_tenant("tenant-a", session_duration_seconds=seconds)


@pytest.mark.parametrize("seconds", [1200, 3600])
def test_the_shortest_allowed_session_serves_many_calls(make_tenant: Callable[..., Tenant], seconds: int) -> None:
    tenant = make_tenant("tenant-a", session_duration_seconds=seconds, content_policy="none")
    for n in range(10):
        assert tenant.invoke({"prompt": f"call {n}"})["statusCode"] == 200
    assert tenant.runtime.operations.assume_role_calls == 1
