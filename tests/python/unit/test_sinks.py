"""The sinks without AWS: batching, rejected events, clocks, failures, locking,
bounds and lifetime, deadlines. A scripted ``logs`` client stands in for CloudWatch."""

from __future__ import annotations

import gc
import io
import json
import logging
import sys
import threading
import time
import weakref
from collections.abc import Callable
from typing import Any, cast

import boto3
import pytest
from bedrock_tenant.records import EVENT_OVERHEAD_BYTES, MAX_EVENT_BYTES, MAX_MESSAGE_BYTES, TRUNCATED_FIELDS
from bedrock_tenant.sinks import (
    MAX_BATCH_BYTES,
    MAX_BATCH_EVENTS,
    MAX_BATCH_SPAN_MS,
    CloudWatchLogsSink,
    StdoutSink,
    _Event,
    attempt_plan,
    split_batches,
)
from botocore.exceptions import ClientError, EndpointConnectionError, ReadTimeoutError

DAY_MS = 24 * 60 * 60 * 1000
HOUR_MS = 60 * 60 * 1000
NOW_S = 1_800_000_000.0  # a fixed "now" for the sink's clock
NOW_MS = int(NOW_S * 1000)


def event(timestamp_ms: int, size: int = 100) -> _Event:
    message = "x" * (size - EVENT_OVERHEAD_BYTES)
    return _Event(timestamp_ms, message, size)


def test_limits_are_the_service_limits() -> None:
    assert (MAX_BATCH_BYTES, EVENT_OVERHEAD_BYTES, MAX_BATCH_EVENTS) == (1_048_576, 26, 10_000)
    assert MAX_BATCH_SPAN_MS == DAY_MS
    assert MAX_EVENT_BYTES == 262_144


@pytest.mark.parametrize(("count", "sizes"), [(10_000, [10_000]), (10_001, [10_000, 1]), (20_001, [10_000, 10_000, 1])])
def test_event_count_limit(count: int, sizes: list[int]) -> None:
    batches = split_batches([event(1, 30) for _ in range(count)])
    assert [len(batch) for batch in batches] == sizes


def test_byte_limit_is_inclusive_and_counts_overhead() -> None:
    # 16 events of 65,536 bytes (message + 26 overhead) fill one batch exactly.
    exact = [event(i, 65_536) for i in range(16)]
    assert [len(b) for b in split_batches(exact)] == [16]
    one_byte_more = [*exact[:-1], event(15, 65_537)]
    assert [len(b) for b in split_batches(one_byte_more)] == [15, 1]
    for batch in split_batches([event(i, 200_000) for i in range(20)]):
        assert sum(e.size for e in batch) <= MAX_BATCH_BYTES


def test_span_limit_splits_at_24_hours() -> None:
    assert [len(b) for b in split_batches([event(0), event(DAY_MS - 1)])] == [2]
    assert [len(b) for b in split_batches([event(0), event(DAY_MS)])] == [1, 1]
    batches = split_batches([event(t * DAY_MS // 2) for t in range(5)])  # 0, 12h, 24h, 36h, 48h
    assert [[e.timestamp_ms // (DAY_MS // 2) for e in b] for b in batches] == [[0, 1], [2, 3], [4]]


def test_batches_are_chronological() -> None:
    shuffled = [event(t) for t in (5, 1, 4, 2, 3, 1)]
    batches = split_batches(shuffled)
    flat = [e.timestamp_ms for batch in batches for e in batch]
    assert flat == sorted(flat) == [1, 1, 2, 3, 4, 5]


# -- a scripted CloudWatch Logs client ------------------------------------------


class ScriptedLogs:
    """Records every call; ``put`` decides each PutLogEvents answer."""

    def __init__(self, put: Callable[[list[dict[str, Any]]], Any] | None = None) -> None:
        self.created: list[str] = []
        self.puts: list[list[dict[str, Any]]] = []
        self._put = put or (lambda _: {})

    def create_log_stream(self, *, logGroupName: str, logStreamName: str) -> dict[str, Any]:
        self.created.append(logStreamName)
        return {}

    def put_log_events(self, *, logGroupName: str, logStreamName: str, logEvents: Any) -> Any:
        self.puts.append(list(logEvents))
        return self._put(logEvents)

    @property
    def messages(self) -> list[dict[str, Any]]:
        return [json.loads(e["message"]) for batch in self.puts for e in batch]


def fallback_lines(stream: io.StringIO) -> list[dict[str, Any]]:
    return [json.loads(line) for line in stream.getvalue().splitlines()]


@pytest.fixture
def fallback() -> io.StringIO:
    return io.StringIO()


def make_sink(client: Any, fallback: io.StringIO, **options: Any) -> CloudWatchLogsSink:
    options.setdefault("flush_interval_s", None)
    return CloudWatchLogsSink("/g", client=client, stream_name="s", fallback=StdoutSink(fallback), **options)


# -- PutLogEvents accepts the call but rejects events (point 1) -----------------

REJECTIONS: list[tuple[dict[str, int], set[int], str]] = [
    ({"tooOldLogEventEndIndex": 2}, {0, 1}, "too old"),
    ({"expiredLogEventEndIndex": 3}, {0, 1, 2}, "expired"),
    ({"tooNewLogEventStartIndex": 4}, {4, 5}, "too new"),
    ({"tooOldLogEventEndIndex": 1, "tooNewLogEventStartIndex": 5}, {0, 5}, "too new, too old"),
    ({"tooOldLogEventEndIndex": 2, "expiredLogEventEndIndex": 3, "tooNewLogEventStartIndex": 3}, set(range(6)), ""),
    ({"tooOldLogEventEndIndex": 0}, set(), ""),
    ({"tooNewLogEventStartIndex": 6}, set(), ""),
    ({"tooOldLogEventEndIndex": 99}, set(range(6)), "too old"),
]


@pytest.mark.parametrize(("info", "rejected", "reason"), REJECTIONS, ids=[json.dumps(i) for i, _, _ in REJECTIONS])
def test_rejected_events_are_redelivered_and_counted(
    info: dict[str, int],
    rejected: set[int],
    reason: str,
    fallback: io.StringIO,
    caplog: pytest.LogCaptureFixture,
) -> None:
    logs = ScriptedLogs(put=lambda _: {"rejectedLogEventsInfo": info})
    sink = make_sink(logs, fallback)
    now_ms = int(time.time() * 1000)
    for index in range(6):
        sink.emit({"n": index}, now_ms + index)
    sink.flush()
    assert fallback_lines(fallback) == [{"n": index} for index in sorted(rejected)]
    assert sink.stats.rejected_events == len(rejected)
    assert sink.stats.events_written == 6 - len(rejected)
    assert sink.stats.fallback_events == len(rejected)
    if rejected:
        assert f"rejected them as {reason}" in caplog.text if reason else "rejected them as" in caplog.text


# -- records with a bad clock (point 1) -----------------------------------------

OUT_OF_WINDOW = {
    "epoch": (-NOW_MS, "too_old"),
    "15 days old": (-15 * DAY_MS, "too_old"),
    "14 days old": (-14 * DAY_MS, "too_old"),
    "3 hours ahead": (3 * HOUR_MS, "too_new"),
    "2 hours ahead": (2 * HOUR_MS, "too_new"),
    "a year ahead": (365 * DAY_MS, "too_new"),
}
IN_WINDOW = {"13 days old": -13 * DAY_MS, "an hour old": -HOUR_MS, "now": 0, "an hour ahead": HOUR_MS}


def emf(n: int, timestamp_ms: int) -> dict[str, Any]:
    return {
        "n": n,
        "timestamp": "original",
        "invocations": 1,
        "_aws": {
            "Timestamp": timestamp_ms,
            "CloudWatchMetrics": [{"Namespace": "NS", "Dimensions": [[]], "Metrics": [{"Name": "invocations"}]}],
        },
    }


@pytest.mark.parametrize(("offset_ms", "reason"), OUT_OF_WINDOW.values(), ids=OUT_OF_WINDOW)
def test_a_record_outside_cloudwatchs_window_is_sent_with_now(
    offset_ms: int, reason: str, fallback: io.StringIO
) -> None:
    logs = ScriptedLogs()
    sink = make_sink(logs, fallback, clock=lambda: NOW_S)
    sink.emit(emf(1, NOW_MS + offset_ms), NOW_MS + offset_ms)
    sink.flush()
    [[sent]] = logs.puts
    assert sent["timestamp"] == NOW_MS
    record = json.loads(sent["message"])
    assert record["timestamp_adjusted"] == reason
    assert record["original_timestamp_ms"] == NOW_MS + offset_ms
    assert record["_aws"]["Timestamp"] == NOW_MS  # CloudWatch would drop the metric at the original time
    assert (record["n"], record["timestamp"]) == (1, "original")
    assert (sink.stats.restamped_events, sink.stats.events_written, fallback.getvalue()) == (1, 1, "")


@pytest.mark.parametrize("offset_ms", IN_WINDOW.values(), ids=IN_WINDOW)
def test_a_record_inside_the_window_keeps_its_timestamp(offset_ms: int, fallback: io.StringIO) -> None:
    logs = ScriptedLogs()
    sink = make_sink(logs, fallback, clock=lambda: NOW_S)
    sink.emit(emf(1, NOW_MS + offset_ms), NOW_MS + offset_ms)
    sink.flush()
    [[sent]] = logs.puts
    assert sent["timestamp"] == NOW_MS + offset_ms
    assert json.loads(sent["message"]) == emf(1, NOW_MS + offset_ms)
    assert sink.stats.restamped_events == 0


# -- flush never raises and never drops (point 3) --------------------------------


def client_error(code: str) -> ClientError:
    return ClientError({"Error": {"Code": code, "Message": "no"}}, "PutLogEvents")


class BrokenSession:
    """A session whose clients cannot be built (e.g. a malformed endpoint variable)."""

    def client(self, *args: Any, **kwargs: Any) -> Any:
        raise ValueError("Invalid endpoint: not a url::")


def raising(error: Exception) -> Callable[..., Any]:
    def call(*args: Any, **kwargs: Any) -> Any:
        raise error

    return call


FAILURES: dict[str, Callable[[ScriptedLogs], None]] = {
    "PutLogEvents raises OSError": lambda c: setattr(c, "_put", raising(OSError("broken pipe"))),
    "PutLogEvents raises KeyError": lambda c: setattr(c, "_put", raising(KeyError("x"))),
    "PutLogEvents raises RuntimeError": lambda c: setattr(c, "_put", raising(RuntimeError("bug"))),
    "PutLogEvents throttled": lambda c: setattr(c, "_put", raising(client_error("ThrottlingException"))),
    "PutLogEvents denied": lambda c: setattr(c, "_put", raising(client_error("AccessDeniedException"))),
    "PutLogEvents unreachable": lambda c: setattr(
        c, "_put", raising(EndpointConnectionError(endpoint_url="https://logs"))
    ),
    "PutLogEvents times out": lambda c: setattr(c, "_put", raising(ReadTimeoutError(endpoint_url="https://logs"))),
    "PutLogEvents answers nonsense": lambda c: setattr(c, "_put", lambda _: None),
    "CreateLogStream raises": lambda c: setattr(c, "create_log_stream", raising(TypeError("bad"))),
    "CreateLogStream denied": lambda c: setattr(c, "create_log_stream", raising(client_error("AccessDenied"))),
}


@pytest.mark.parametrize("break_it", FAILURES.values(), ids=FAILURES)
def test_flush_never_raises_and_never_drops(
    break_it: Callable[[ScriptedLogs], None], fallback: io.StringIO, caplog: pytest.LogCaptureFixture
) -> None:
    logs = ScriptedLogs()
    break_it(logs)
    sink = make_sink(logs, fallback)
    sent = [{"n": index} for index in range(25)]
    for index, record in enumerate(sent):
        sink.emit(record, int(time.time() * 1000) + index)
    sink.flush()  # must not raise
    assert fallback_lines(fallback) == sent  # every record, in order
    assert (sink.stats.fallback_events, sink.stats.events_written) == (25, 0)
    assert "written to stdout instead" in caplog.text
    sink.flush()  # nothing left, nothing written twice
    assert len(fallback_lines(fallback)) == 25


def test_a_client_that_cannot_be_built_falls_back(fallback: io.StringIO) -> None:
    sink = CloudWatchLogsSink(
        "/g",
        session=cast(boto3.Session, BrokenSession()),
        fallback=StdoutSink(fallback),
        flush_interval_s=None,
    )
    sink.emit({"n": 1}, int(time.time() * 1000))
    sink.flush()
    assert fallback_lines(fallback) == [{"n": 1}]
    assert sink.stats.fallback_events == 1


def test_a_failure_before_any_request_still_keeps_the_records(fallback: io.StringIO) -> None:
    sink = make_sink(ScriptedLogs(), fallback, clock=raising(OSError("no clock")))
    sink.emit({"n": 1}, int(time.time() * 1000))
    sink.flush()
    assert fallback_lines(fallback) == [{"n": 1}]


@pytest.mark.parametrize("stderr_open", [True, False], ids=["stderr takes it", "stderr gone too"])
def test_when_the_fallback_fails_stderr_takes_it_or_the_loss_is_counted(
    stderr_open: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    class ClosedStream(io.StringIO):
        def write(self, text: str) -> int:
            raise ValueError("I/O operation on closed file")

    stderr = io.StringIO() if stderr_open else None
    monkeypatch.setattr(sys, "__stderr__", stderr)
    logs = ScriptedLogs(put=raising(OSError("down")))
    sink = CloudWatchLogsSink("/g", client=logs, fallback=StdoutSink(ClosedStream()), flush_interval_s=None)
    sink.emit({"n": 1}, int(time.time() * 1000))
    sink.flush()  # never raises, whatever is gone
    if stderr is not None:
        assert [json.loads(line) for line in stderr.getvalue().splitlines()] == [{"n": 1}]
        assert (sink.stats.fallback_events, sink.stats.lost_events) == (1, 0)
    else:
        assert (sink.stats.fallback_events, sink.stats.lost_events) == (0, 1)


# -- emit never waits for a write; flushes keep order (point 6) -------------------


def test_emit_does_not_wait_for_another_threads_write(fallback: io.StringIO) -> None:
    entered, release = threading.Event(), threading.Event()

    def slow_put(events: Any) -> dict[str, Any]:
        entered.set()
        release.wait(10)
        return {}

    logs = ScriptedLogs(put=slow_put)
    sink = make_sink(logs, fallback)
    sink.emit({"n": 0}, 1)
    writer = threading.Thread(target=sink.flush)
    writer.start()
    assert entered.wait(5)
    try:
        emitter = threading.Thread(target=sink.emit, args=({"n": 1}, 2))
        emitter.start()
        emitter.join(2)
        assert not emitter.is_alive(), "emit waited for another thread's PutLogEvents"
    finally:
        release.set()
        writer.join(10)
    sink.flush()
    assert [[json.loads(e["message"])["n"] for e in batch] for batch in logs.puts] == [[0], [1]]


def test_concurrent_flushes_keep_each_threads_order_and_create_the_stream_once(fallback: io.StringIO) -> None:
    def slow_put(events: Any) -> dict[str, Any]:
        time.sleep(0.001)
        return {}

    logs = ScriptedLogs(put=slow_put)
    sink = make_sink(logs, fallback)

    def work(thread: int) -> None:
        for n in range(40):
            sink.emit({"thread": thread, "n": n}, int(time.time() * 1000))
            if n % 3 == 0:
                sink.flush()

    threads = [threading.Thread(target=work, args=(t,)) for t in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    sink.flush()
    assert logs.created == ["s"]
    for batch in logs.puts:
        stamps = [e["timestamp"] for e in batch]
        assert stamps == sorted(stamps)
    seen: dict[int, list[int]] = {}
    for record in logs.messages:
        seen.setdefault(record["thread"], []).append(record["n"])
    assert seen == {t: list(range(40)) for t in range(6)}


# -- bounded buffer, background flushing, no leak (points 4 and 5) ---------------


def wait_until(condition: Callable[[], bool], timeout_s: float = 5.0) -> bool:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.01)
    return condition()


def test_records_are_flushed_on_a_timer_without_flush(fallback: io.StringIO) -> None:
    logs = ScriptedLogs()
    sink = make_sink(logs, fallback, flush_interval_s=0.05)
    sink.emit({"n": 1}, int(time.time() * 1000))
    assert wait_until(lambda: logs.messages == [{"n": 1}])


def test_a_full_batch_is_flushed_without_flush(fallback: io.StringIO) -> None:
    logs = ScriptedLogs()
    sink = make_sink(logs, fallback, max_buffer_events=20)  # a batch is 10
    for n in range(10):
        sink.emit({"n": n}, int(time.time() * 1000))
    assert wait_until(lambda: len(logs.messages) == 10)


def test_the_buffer_is_bounded_and_overflow_is_kept(fallback: io.StringIO, caplog: pytest.LogCaptureFixture) -> None:
    release = threading.Event()
    logs = ScriptedLogs(put=lambda _: release.wait(10) and {})
    sink = make_sink(logs, fallback, max_buffer_events=10, max_buffer_bytes=10_000)
    try:
        for n in range(200):  # CloudWatch is stuck: the buffer must not grow past its bound
            sink.emit({"n": n}, int(time.time() * 1000))
        assert sink.stats.overflow_events >= 200 - 2 * 10
        # One warning per episode (the flusher's swap empties the buffer once), not one per record.
        assert 1 <= caplog.text.count("the buffer is full") <= 2
    finally:
        release.set()
    sink.flush()
    delivered = [r["n"] for r in fallback_lines(fallback)] + [r["n"] for r in logs.messages]
    assert sorted(delivered) == list(range(200))  # every record exactly once


def test_a_dropped_sink_is_freed_and_flushed(fallback: io.StringIO) -> None:
    logs = ScriptedLogs()
    sink = make_sink(logs, fallback, flush_interval_s=0.05)
    sink.emit({"n": 1}, int(time.time() * 1000))
    alive = weakref.ref(sink)
    del sink
    gc.collect()
    assert alive() is None, "something (atexit?) still holds the sink"
    assert logs.messages == [{"n": 1}]


def test_many_short_lived_sinks_do_not_accumulate(fallback: io.StringIO) -> None:
    refs = []
    for n in range(50):
        sink = make_sink(ScriptedLogs(), fallback, flush_interval_s=0.05)
        sink.emit({"n": n}, int(time.time() * 1000))
        refs.append(weakref.ref(sink))
        del sink
    gc.collect()
    assert [ref for ref in refs if ref() is not None] == []
    assert wait_until(lambda: not [t for t in threading.enumerate() if t.name == "bedrock-tenant-log-flusher"])


# -- deadlines (point 7) -----------------------------------------------------------


def worst_case_s(plan: tuple[float, float, int]) -> float:
    connect, read, attempts = plan
    return attempts * (connect + read) + float((1 << (attempts - 1)) - 1)


@pytest.mark.parametrize("max_attempts", range(1, 11))
def test_every_request_fits_in_the_time_left(max_attempts: int) -> None:
    for budget in [0, 0.1, 0.24, 0.25, 0.3, 0.5, 0.9, 1, 1.5, 2, 3, 4.5, 6, 10, 15, 30, 60, 900]:
        plan = attempt_plan(budget, max_attempts)
        if budget < 0.25:
            assert plan is None, budget
            continue
        assert plan is not None, budget
        assert worst_case_s(plan) <= budget, (budget, plan)
        assert 1 <= plan[2] <= max_attempts
        assert plan[0] > 0
        assert plan[1] > 0
    connect, read, attempts = attempt_plan(None, max_attempts) or (0, 0, 0)
    assert (connect, read, attempts) == (2.0, 5.0, max_attempts)  # no deadline: far below botocore's 60 s


def test_no_time_left_means_no_request_and_no_loss(fallback: io.StringIO) -> None:
    logs = ScriptedLogs()
    sink = make_sink(logs, fallback)
    sink.emit({"n": 1}, int(time.time() * 1000))
    sink.flush(timeout_s=0.1)
    assert (logs.created, logs.puts) == ([], [])
    assert fallback_lines(fallback) == [{"n": 1}]


def test_a_flush_with_a_deadline_does_not_wait_for_a_slow_one(fallback: io.StringIO) -> None:
    entered, release = threading.Event(), threading.Event()

    def stuck_put(events: Any) -> dict[str, Any]:
        entered.set()
        release.wait(10)
        return {}

    logs = ScriptedLogs(put=stuck_put)
    sink = make_sink(logs, fallback)
    sink.emit({"n": 0}, 1)
    writer = threading.Thread(target=sink.flush)
    writer.start()
    assert entered.wait(5)
    try:
        sink.emit({"n": 1}, 2)
        sink.flush(timeout_s=0.3)  # returns although the other write is stuck
        assert fallback_lines(fallback) == [{"n": 1}]
    finally:
        release.set()
        writer.join(10)


# -- oversized records (point 2) -------------------------------------------------


@pytest.fixture
def big_record() -> dict[str, Any]:
    return emf(1, int(time.time() * 1000)) | {"prompt": [{"role": "user", "content": "é" * 30_000}] * 9}


def test_an_oversized_record_is_valid_json_in_cloudwatch(big_record: dict[str, Any], fallback: io.StringIO) -> None:
    logs = ScriptedLogs()
    sink = make_sink(logs, fallback)
    sink.emit(big_record, int(time.time() * 1000))
    sink.flush()
    [[sent]] = logs.puts
    assert len(sent["message"].encode()) + EVENT_OVERHEAD_BYTES <= MAX_EVENT_BYTES
    record = json.loads(sent["message"])
    assert record["_aws"] == big_record["_aws"]
    assert "prompt.0.content" in record[TRUNCATED_FIELDS]
    assert sink.stats.truncated_events == 1


def test_an_oversized_record_is_valid_json_on_stdout(big_record: dict[str, Any]) -> None:
    stream = io.StringIO()
    StdoutSink(stream).emit(big_record)
    [line] = stream.getvalue().splitlines()
    assert len(line.encode()) <= MAX_MESSAGE_BYTES
    assert json.loads(line)["_aws"] == big_record["_aws"]


def test_stdout_sink_writes_json_lines() -> None:
    stream = io.StringIO()
    sink = StdoutSink(stream)
    sink.emit({"a": 1, "b": "é"})
    sink.emit({"a": 2})
    lines = stream.getvalue().splitlines()
    assert [json.loads(line) for line in lines] == [{"a": 1, "b": "é"}, {"a": 2}]
    assert lines[0] == '{"a":1,"b":"é"}'


def test_the_fallback_warning_names_the_reason(fallback: io.StringIO, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.WARNING)
    sink = make_sink(ScriptedLogs(put=raising(client_error("throttlingException"))), fallback)
    sink.emit({"n": 1}, int(time.time() * 1000))
    sink.flush()
    assert "CloudWatch Logs write failed (ThrottlingException)" in caplog.text
