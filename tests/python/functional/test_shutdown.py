"""Records buffered when a process is stopped: SIGTERM, with whatever SIGTERM
handling the process had before, and a signal that lands in the middle of a write."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from typing import Any

import boto3
import pytest

from tests.fakes.aws import EmbeddedAws, frozen_credentials
from tests.python.conftest import INVOCATION_LOG_GROUP, read_records

LOG_GROUP = INVOCATION_LOG_GROUP

PRELUDE = """
import os, signal, sys, threading, time, boto3
from bedrock_tenant.sinks import CloudWatchLogsSink
session = boto3.Session(aws_access_key_id={key!r}, aws_secret_access_key={secret!r},
    aws_session_token={token!r}, region_name="us-east-1")
"""

# What the process did with SIGTERM before the sink existed, and how it must end.
PREVIOUS_HANDLERS = {
    "default": ("", -signal.SIGTERM, ""),
    "python handler": (
        "def previous(signum, frame):\n    os.write(1, b'previous handler called\\n')\n    os._exit(3)\n"
        "signal.signal(signal.SIGTERM, previous)\n",
        3,
        "previous handler called",
    ),
    "ignored": ("signal.signal(signal.SIGTERM, signal.SIG_IGN)\n", 0, "still running"),
}


@pytest.fixture
def child(aws: EmbeddedAws, customer: boto3.Session) -> Iterator[list[subprocess.Popen[str]]]:
    started: list[subprocess.Popen[str]] = []
    yield started
    for process in started:
        if process.poll() is None:
            process.kill()
            process.wait(10)


def finish(process: subprocess.Popen[str]) -> tuple[str, str]:
    """The rest of stdout (after "ready") and all of stderr, once the process has ended."""
    process.wait(30)
    assert process.stdout is not None
    assert process.stderr is not None
    return process.stdout.read(), process.stderr.read()


def start(aws: EmbeddedAws, customer: boto3.Session, body: str, started: list[subprocess.Popen[str]]) -> Any:
    keys = frozen_credentials(customer)
    script = PRELUDE.format(key=keys.access_key, secret=keys.secret_key, token=keys.token) + textwrap.dedent(body)
    process = subprocess.Popen(
        [sys.executable, "-c", script],
        env={**aws.environment, "PATH": "/usr/bin:/bin"},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    started.append(process)
    assert process.stdout is not None
    line = process.stdout.readline()
    assert line.strip() == "ready", line + (process.stderr.read() if process.stderr else "")
    return process


@pytest.mark.parametrize("previous", PREVIOUS_HANDLERS)
def test_sigterm_flushes_then_does_what_sigterm_did_before(
    aws: EmbeddedAws, customer: boto3.Session, child: list[subprocess.Popen[str]], previous: str
) -> None:
    setup, returncode, output = PREVIOUS_HANDLERS[previous]
    body = (
        setup
        + f"sink = CloudWatchLogsSink({LOG_GROUP!r}, session=session, flush_interval_s=None)\n"
        + "sink.emit({'flushed': 'at SIGTERM'}, int(time.time() * 1000))\n"
        + "print('ready', flush=True)\n"
        + "time.sleep(3)\n"
        + "print('still running', flush=True)\n"
        + "os._exit(0)  # no atexit: only the SIGTERM handler can have written the record\n"
    )
    process = start(aws, customer, body, child)
    process.send_signal(signal.SIGTERM)
    out, err = finish(process)
    assert process.returncode == returncode, err
    assert output in out
    assert read_records(customer, LOG_GROUP) == [{"flushed": "at SIGTERM"}]


def test_sigterm_during_a_write_hands_the_records_to_the_fallback(
    aws: EmbeddedAws, customer: boto3.Session, child: list[subprocess.Popen[str]]
) -> None:
    body = f"""
    sink = CloudWatchLogsSink({LOG_GROUP!r}, session=session, flush_interval_s=None)
    def stuck(**_):
        print('ready', flush=True)
        time.sleep(30)  # CloudWatch hangs; SIGTERM arrives here, in this thread
    sink.client.meta.events.register("before-send.cloudwatch-logs.PutLogEvents", stuck)
    sink.emit({{"n": 1}}, int(time.time() * 1000))
    sink.flush()
    """
    process = start(aws, customer, body, child)
    process.send_signal(signal.SIGTERM)
    out, err = finish(process)
    assert process.returncode == -signal.SIGTERM, err
    # stdout, or stderr when the signal interrupted a write to stdout (not reentrant)
    lines = (out + err).splitlines()
    assert {"n": 1} in [json.loads(line) for line in lines if line.startswith("{")], (out, err)


def test_the_handler_is_installed_only_from_the_main_thread(
    aws: EmbeddedAws, customer: boto3.Session, child: list[subprocess.Popen[str]]
) -> None:
    body = f"""
    def build():
        CloudWatchLogsSink({LOG_GROUP!r}, session=session)
    worker = threading.Thread(target=build)
    worker.start()
    worker.join()
    print('ready', flush=True)
    print('from a thread:', signal.getsignal(signal.SIGTERM) is signal.SIG_DFL, flush=True)
    sink = CloudWatchLogsSink({LOG_GROUP!r}, session=session)
    print('from main:', signal.getsignal(signal.SIGTERM) is signal.SIG_DFL, flush=True)
    """
    process = start(aws, customer, body, child)
    out, err = finish(process)
    assert process.returncode == 0, err
    assert out.splitlines() == ["from a thread: True", "from main: False"]
