"""SnapStart hooks without AWS: what the snapshot holds and what each restored
environment makes anew. Restores are simulated by ``fork()``: every child starts
from the same memory, as every environment restored from one snapshot does."""

from __future__ import annotations

import io
import json
import os
import random
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from typing import Any, cast

import boto3
import pytest
import snapshot_restore_py  # type: ignore[import-untyped]
from bedrock_tenant import handler as handler_module
from bedrock_tenant import snapstart
from bedrock_tenant.handler import LambdaHandler
from bedrock_tenant.sinks import CloudWatchLogsSink, StdoutSink

from tests.python.unit.test_sinks import ScriptedLogs


def now_ms() -> int:
    return int(time.time() * 1000)


class CountingSession:
    """A boto3 session stand-in: counts the ``logs`` clients built from it."""

    def __init__(self) -> None:
        self.clients: list[ScriptedLogs] = []

    def client(self, service: str, **_: Any) -> ScriptedLogs:
        assert service == "logs"
        self.clients.append(ScriptedLogs())
        return self.clients[-1]


def cloudwatch_sink(session: CountingSession, **options: Any) -> CloudWatchLogsSink:
    stand_in = cast(boto3.Session, session)
    return CloudWatchLogsSink(
        "/g", session=stand_in, fallback=StdoutSink(io.StringIO()), flush_interval_s=None, **options
    )


def in_restored_environments(count: int, probe: Callable[[], dict[str, Any]]) -> list[dict[str, Any]]:
    """Run ``probe`` in ``count`` forked children (one simulated restore each)."""
    # CPython re-seeds ``random`` in a forked child; a restored snapshot is not
    # re-seeded, so each child starts from the parent's state as a restore would.
    snapshot_random = random.getstate()
    results = []
    for _ in range(count):
        read_end, write_end = os.pipe()
        pid = os.fork()
        if pid == 0:  # child: report and leave without running the parent's cleanup
            status = 0
            try:
                random.setstate(snapshot_random)
                os.write(write_end, json.dumps(probe()).encode())
            except BaseException:
                status = 1
            os._exit(status)
        os.close(write_end)
        with os.fdopen(read_end, "rb") as pipe:
            data = pipe.read()
        _, status = os.waitpid(pid, 0)
        assert os.waitstatus_to_exitcode(status) == 0, "the probe failed in the child"
        results.append(json.loads(data))
    return results


@pytest.fixture
def primed_sink() -> Iterator[tuple[CloudWatchLogsSink, CountingSession]]:
    session = CountingSession()
    sink = cloudwatch_sink(session)
    sink.emit({"n": 1}, now_ms())
    snapstart.before_snapshot(LambdaHandler(runtime=None))
    yield sink, session
    sink.close()


# The children only report and exit: no lock held by another thread is taken.
@pytest.mark.filterwarnings("ignore:This process .* is multi-threaded:DeprecationWarning")
def test_each_restored_environment_writes_to_a_stream_of_its_own(
    primed_sink: tuple[CloudWatchLogsSink, CountingSession],
) -> None:
    sink, _ = primed_sink
    snapshot_stream = sink.stream_name

    def restored() -> dict[str, Any]:
        snapstart.after_restore()
        return {"stream": sink.stream_name, "random": random.random()}

    def not_restored() -> dict[str, Any]:  # what every environment would share without the hook
        return {"stream": sink.stream_name, "random": random.random()}

    with_hook = in_restored_environments(3, restored)
    without_hook = in_restored_environments(2, not_restored)
    assert without_hook[0] == without_hook[1]
    assert without_hook[0]["stream"] == snapshot_stream
    assert len({r["stream"] for r in with_hook}) == 3
    assert snapshot_stream not in {r["stream"] for r in with_hook}
    assert len({r["random"] for r in with_hook}) == 3


def test_the_snapshot_holds_no_record_and_no_client(primed_sink: tuple[CloudWatchLogsSink, CountingSession]) -> None:
    sink, session = primed_sink
    assert [e["message"] for e in session.clients[0].puts[0]] == ['{"n":1}']  # written before the snapshot
    assert sink._writer._clients == {}  # credentials and pooled connections are not kept

    snapstart.after_restore()
    sink.emit({"n": 2}, now_ms())
    sink.flush()
    assert len(session.clients) == 2  # a client made after the restore
    assert session.clients[1].created == [sink.stream_name]  # the new stream is created before use
    assert session.clients[1].messages == [{"n": 2}]


def test_a_given_stream_name_is_kept() -> None:
    sink = cloudwatch_sink(CountingSession(), stream_name="chosen")
    snapstart.after_restore()
    assert sink.stream_name == "chosen"
    sink.close()


def test_random_is_reseeded_after_restore() -> None:
    random.seed(7)
    state = random.getstate()
    snapstart.after_restore()
    assert random.getstate() != state


def test_the_handler_module_registers_the_hooks() -> None:
    before = [(func, args) for func, args, _ in snapshot_restore_py._before_snapshot_registry]
    after = [func for func, _, _ in snapshot_restore_py._after_restore_registry]
    assert (snapstart.before_snapshot, (handler_module.lambda_handler,)) in before
    assert snapstart.after_restore in after


@pytest.mark.parametrize(
    ("value", "expected"),
    [("snap-start", True), ("on-demand", True), ("provisioned-concurrency", True), ("", False), (None, False)],
)
def test_every_lambda_init_primes_and_nothing_else_does(value: str | None, expected: bool) -> None:
    environ = {} if value is None else {snapstart.INITIALIZATION_TYPE: value}
    assert snapstart.in_lambda_init(environ) is expected


def test_priming_without_configuration_leaves_the_error_to_the_first_request(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    for name in list(os.environ):
        if name.startswith("BEDROCK_TENANT_"):
            monkeypatch.delenv(name)
    handler = LambdaHandler()
    handler.prime()  # must not raise: Lambda would fail the init and publish no version
    response = handler({"prompt": "hi"})
    assert response["statusCode"] == 500
    assert response["error"]["code"] == "ConfigurationError"
    assert "BEDROCK_TENANT_OPERATIONS_ROLE_ARN" in response["error"]["message"]


PROBE = """
import json, sys
import bedrock_tenant.handler as handler
print(json.dumps({
    "langchain": sorted(m for m in ("langchain_aws", "langchain_core", "langsmith") if m in sys.modules),
    "primed": handler.lambda_handler._runtime is not None,
}))
"""
CONFIGURATION = {
    "BEDROCK_TENANT_ID": "acme",
    "BEDROCK_TENANT_OPERATIONS_ROLE_ARN": "arn:aws:iam::111111111111:role/bedrock-tenant-acme",
    "BEDROCK_TENANT_EXTERNAL_ID": "acme-7f3e9c21b8d44a06",
    "BEDROCK_TENANT_MODEL_ID": "amazon.nova-lite-v1:0",
    "BEDROCK_TENANT_BEDROCK_REGION": "us-east-1",
    "BEDROCK_TENANT_SINK": "stdout",
    "AWS_DEFAULT_REGION": "us-east-1",
}


def import_handler(**environment: str) -> dict[str, Any]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("BEDROCK_TENANT_", "AWS_"))}
    result = subprocess.run(
        [sys.executable, "-c", PROBE], env={**clean, **environment}, capture_output=True, text=True, check=True
    )
    return dict(json.loads(result.stdout.splitlines()[-1]))


def test_importing_the_handler_loads_no_langchain() -> None:
    assert import_handler(**CONFIGURATION) == {"langchain": [], "primed": False}


def test_a_lambda_init_builds_the_runtime() -> None:
    probe = import_handler(**CONFIGURATION, AWS_LAMBDA_INITIALIZATION_TYPE="on-demand")
    assert probe == {"langchain": ["langchain_aws", "langchain_core", "langsmith"], "primed": True}
