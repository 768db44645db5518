"""The CloudWatch Logs sink against the embedded AWS: streams, retries, outages,
rejected events, clocks, malformed endpoints, deadlines, exit flush."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import textwrap
import threading
import time
from typing import Any

import boto3
import pytest
from bedrock_tenant.sinks import CloudWatchLogsSink
from botocore.awsrequest import AWSResponse
from botocore.compat import HTTPHeaders

from tests.fakes.aws import EmbeddedAws, StaticBody, frozen_credentials
from tests.python.conftest import INVOCATION_LOG_GROUP, printed_records, read_records

LOG_GROUP = INVOCATION_LOG_GROUP


def throttled(request: Any) -> Any:
    """What CloudWatch Logs answers when throttling (JSON 1.1 protocol error)."""
    body = json.dumps({"__type": "ThrottlingException", "message": "Rate exceeded"}).encode()
    headers = {"Content-Type": "application/x-amz-json-1.1", "x-amzn-RequestId": "throttled"}
    return AWSResponse(request.url, 400, HTTPHeaders.from_dict(headers), StaticBody(body))


def count_calls(client: Any, operation: str) -> list[int]:
    calls: list[int] = []
    client.meta.events.register(f"before-call.cloudwatch-logs.{operation}", lambda **_: calls.append(1))
    return calls


def test_stream_is_created_once_and_batches_hold_many_records(customer: boto3.Session) -> None:
    sink = CloudWatchLogsSink(LOG_GROUP, session=customer)
    creates = count_calls(sink.client, "CreateLogStream")
    now = int(time.time() * 1000)
    for flush in range(3):
        for index in range(400):
            sink.emit({"flush": flush, "index": index}, now + flush)
        sink.flush()
    assert len(creates) == 1
    assert (sink.stats.put_calls, sink.stats.events_written, sink.stats.fallback_events) == (3, 1200, 0)
    records = read_records(customer, LOG_GROUP)
    assert len(records) == 1200
    streams = customer.client("logs").describe_log_streams(logGroupName=LOG_GROUP)["logStreams"]
    assert [s["logStreamName"] for s in streams] == [sink.stream_name]


def test_more_than_10000_records_need_two_calls(customer: boto3.Session) -> None:
    sink = CloudWatchLogsSink(LOG_GROUP, session=customer)
    now = int(time.time() * 1000)
    for index in range(10_001):
        sink.emit({"i": index}, now)
    sink.flush()
    assert (sink.stats.put_calls, sink.stats.events_written) == (2, 10_001)
    assert len(read_records(customer, LOG_GROUP)) == 10_001


def test_throttling_is_retried_by_botocore(customer: boto3.Session) -> None:
    sink = CloudWatchLogsSink(LOG_GROUP, session=customer, max_attempts=4)
    attempts: list[int] = []

    def throttle_twice(request: Any, **_: Any) -> AWSResponse | None:
        attempts.append(1)
        return throttled(request) if len(attempts) <= 2 else None

    sink.client.meta.events.register("before-send.cloudwatch-logs.PutLogEvents", throttle_twice)
    sink.emit({"n": 1}, int(time.time() * 1000))
    sink.flush()
    assert len(attempts) == 3  # two throttled attempts, then success
    assert (sink.stats.put_calls, sink.stats.events_written, sink.stats.fallback_events) == (1, 1, 0)
    assert read_records(customer, LOG_GROUP) == [{"n": 1}]


def test_persistent_throttling_falls_back_to_stdout(
    customer: boto3.Session, capsys: pytest.CaptureFixture[str]
) -> None:
    sink = CloudWatchLogsSink(LOG_GROUP, session=customer, max_attempts=2)
    sink.client.meta.events.register(
        "before-send.cloudwatch-logs.PutLogEvents", lambda request, **_: throttled(request)
    )
    sink.emit({"n": 1}, int(time.time() * 1000))
    sink.flush()
    assert [json.loads(line) for line in capsys.readouterr().out.splitlines()] == [{"n": 1}]
    assert sink.stats.fallback_events == 1


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_total_outage_loses_nothing(
    aws: EmbeddedAws, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    customer = aws.account_session("222222222222")
    monkeypatch.setenv("AWS_ENDPOINT_URL_CLOUDWATCH_LOGS", f"http://127.0.0.1:{closed_port()}")
    sink = CloudWatchLogsSink(LOG_GROUP, session=customer, max_attempts=2)
    now = int(time.time() * 1000)
    sent = [{"record": index, "tenant_id": "tenant-a"} for index in range(250)]
    for offset, record in enumerate(sent):
        sink.emit(record, now + offset)
    sink.flush()
    printed = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert printed == sent  # every record, in order: 0 lost
    assert (sink.stats.fallback_events, sink.stats.events_written) == (250, 0)


def test_deleted_stream_is_created_again(customer: boto3.Session) -> None:
    sink = CloudWatchLogsSink(LOG_GROUP, session=customer)
    sink.emit({"n": 1}, int(time.time() * 1000))
    sink.flush()
    customer.client("logs").delete_log_stream(logGroupName=LOG_GROUP, logStreamName=sink.stream_name)
    sink.emit({"n": 2}, int(time.time() * 1000))
    sink.flush()
    assert sink.stats.fallback_events == 0
    assert read_records(customer, LOG_GROUP) == [{"n": 2}]


def test_buffered_records_are_flushed_at_interpreter_exit(aws: EmbeddedAws, customer: boto3.Session) -> None:
    credentials = frozen_credentials(customer)
    script = textwrap.dedent(
        f"""
        import time, boto3
        from bedrock_tenant.sinks import CloudWatchLogsSink
        session = boto3.Session(aws_access_key_id={credentials.access_key!r},
            aws_secret_access_key={credentials.secret_key!r}, aws_session_token={credentials.token!r},
            region_name="us-east-1")
        sink = CloudWatchLogsSink({LOG_GROUP!r}, session=session)
        sink.emit({{"flushed": "at exit"}}, int(time.time() * 1000))
        """
    )
    env = {**aws.environment, "PATH": "/usr/bin:/bin"}
    subprocess.run([sys.executable, "-c", script], env=env, check=True, timeout=60)
    assert read_records(customer, LOG_GROUP) == [{"flushed": "at exit"}]


# -- events CloudWatch accepts the call for but rejects (point 1) -----------------

HOUR_S = 3600.0
DAY_S = 24 * HOUR_S


def test_events_rejected_as_too_new_are_written_to_stdout(
    customer: boto3.Session, capsys: pytest.CaptureFixture[str], caplog: pytest.LogCaptureFixture
) -> None:
    # This host's clock is 3 hours fast: its "now" is too new for CloudWatch.
    sink = CloudWatchLogsSink(LOG_GROUP, session=customer, clock=lambda: time.time() + 3 * HOUR_S)
    now_ms = int(time.time() * 1000)
    for n in range(5):
        sink.emit({"n": n}, now_ms + n)  # right by the real clock
    for n in range(5, 10):
        sink.emit({"n": n}, now_ms + int(3 * HOUR_S * 1000) + n)  # stamped by the fast clock
    sink.flush()
    assert read_records(customer, LOG_GROUP) == [{"n": n} for n in range(5)]
    assert printed_records(capsys) == [{"n": n} for n in range(5, 10)]
    assert (sink.stats.events_written, sink.stats.rejected_events, sink.stats.fallback_events) == (5, 5, 5)
    assert "rejected them as too new" in caplog.text


def test_events_rejected_as_too_old_are_written_to_stdout(
    customer: boto3.Session, capsys: pytest.CaptureFixture[str], caplog: pytest.LogCaptureFixture
) -> None:
    # This host's clock is 15 days slow: everything it stamps is too old for CloudWatch.
    sink = CloudWatchLogsSink(LOG_GROUP, session=customer, clock=lambda: time.time() - 15 * DAY_S)
    stamp_ms = int((time.time() - 15 * DAY_S) * 1000)
    for n in range(3):
        sink.emit({"n": n}, stamp_ms + n)
    sink.flush()
    assert read_records(customer, LOG_GROUP) == []
    assert printed_records(capsys) == [{"n": n} for n in range(3)]
    assert (sink.stats.events_written, sink.stats.rejected_events) == (0, 3)
    assert "rejected them as too old" in caplog.text


@pytest.mark.parametrize("offset_s", [-15 * DAY_S, -400 * DAY_S, 3 * HOUR_S, 30 * DAY_S], ids=str)
def test_a_record_with_a_bad_timestamp_lands_in_cloudwatch_restamped(customer: boto3.Session, offset_s: float) -> None:
    sink = CloudWatchLogsSink(LOG_GROUP, session=customer)
    stamp_ms = int((time.time() + offset_s) * 1000)
    sink.emit({"n": 1, "timestamp": "as the caller had it"}, stamp_ms)
    sink.flush()
    [record] = read_records(customer, LOG_GROUP)
    assert (record["n"], record["timestamp"], record["original_timestamp_ms"]) == (1, "as the caller had it", stamp_ms)
    assert record["timestamp_adjusted"] == ("too_old" if offset_s < 0 else "too_new")
    assert sink.stats.fallback_events == 0


# -- a logs client that cannot be built (point 3) ---------------------------------


@pytest.mark.parametrize("endpoint", ["not a url::", "http://[::1", "::::"])
def test_a_malformed_endpoint_variable_loses_nothing(
    customer: boto3.Session, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], endpoint: str
) -> None:
    monkeypatch.setenv("AWS_ENDPOINT_URL_CLOUDWATCH_LOGS", endpoint)
    sink = CloudWatchLogsSink(LOG_GROUP, session=customer)
    sink.emit({"n": 1}, int(time.time() * 1000))
    sink.flush()  # must not raise
    assert printed_records(capsys) == [{"n": 1}]
    assert sink.stats.fallback_events == 1


# -- a CloudWatch that does not answer: flush keeps to its deadline (point 7) -----


@pytest.mark.parametrize("timeout_s", [0.5, 1.5, 3.0])
def test_flush_keeps_to_its_deadline_when_cloudwatch_hangs(
    customer: boto3.Session,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    blackhole: str,
    timeout_s: float,
) -> None:
    monkeypatch.setenv("AWS_ENDPOINT_URL_CLOUDWATCH_LOGS", blackhole)
    sink = CloudWatchLogsSink(LOG_GROUP, session=customer, max_attempts=4)
    sink.emit({"n": 1}, int(time.time() * 1000))
    started = time.monotonic()
    flusher = threading.Thread(target=sink.flush, kwargs={"timeout_s": timeout_s})
    flusher.start()
    flusher.join(timeout_s + 10)
    assert not flusher.is_alive(), "flush ignored its deadline (botocore's 60 s read timeout?)"
    assert time.monotonic() - started <= timeout_s + 2.0  # slack for a busy machine, not for a timeout
    assert printed_records(capsys) == [{"n": 1}]


# -- records that would not fit one event (point 2) --------------------------------


def test_an_oversized_record_lands_as_json_with_its_metrics(customer: boto3.Session) -> None:
    sink = CloudWatchLogsSink(LOG_GROUP, session=customer)
    record = {
        "tenant_id": "tenant-a",
        "invocations": 1,
        "prompt": [{"role": "user", "content": "é" * 30_000} for _ in range(9)],
        "_aws": {
            "Timestamp": int(time.time() * 1000),
            "CloudWatchMetrics": [
                {"Namespace": "NS", "Dimensions": [["tenant_id"]], "Metrics": [{"Name": "invocations"}]}
            ],
        },
    }
    sink.emit(record, int(time.time() * 1000))
    sink.flush()
    [stored] = read_records(customer, LOG_GROUP)
    assert stored["_aws"] == record["_aws"]
    assert (stored["tenant_id"], stored["invocations"]) == ("tenant-a", 1)
    assert len(stored["truncated_fields"]) == 9
