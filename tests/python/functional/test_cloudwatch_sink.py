"""The CloudWatch Logs sink against moto: streams, retries, outage fallback, exit flush."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import textwrap
import time
from typing import Any

import boto3
import pytest
from bedrock_tenant.sinks import CloudWatchLogsSink
from botocore.awsrequest import AWSResponse
from botocore.compat import HTTPHeaders

from tests.fakes.aws import EmbeddedAws, StaticBody, frozen_credentials
from tests.python.conftest import read_records

LOG_GROUP = "/bedrock-tenant/tenant-a/invocations"


def throttled(request: Any) -> Any:
    """What CloudWatch Logs answers when throttling (JSON 1.1 protocol error)."""
    body = json.dumps({"__type": "ThrottlingException", "message": "Rate exceeded"}).encode()
    headers = {"Content-Type": "application/x-amz-json-1.1", "x-amzn-RequestId": "throttled"}
    return AWSResponse(request.url, 400, HTTPHeaders.from_dict(headers), StaticBody(body))


@pytest.fixture
def customer(aws: EmbeddedAws) -> boto3.Session:
    session = aws.account_session("222222222222")
    session.client("logs").create_log_group(logGroupName=LOG_GROUP)
    return session


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
