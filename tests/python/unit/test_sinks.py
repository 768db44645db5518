"""Sink batching against the PutLogEvents limits, truncation and the stdout sink."""

from __future__ import annotations

import io
import json

import pytest
from bedrock_tenant.sinks import (
    EVENT_OVERHEAD_BYTES,
    MAX_BATCH_BYTES,
    MAX_BATCH_EVENTS,
    MAX_BATCH_SPAN_MS,
    MAX_EVENT_BYTES,
    TRUNCATION_MARKER,
    CloudWatchLogsSink,
    StdoutSink,
    _Event,
    split_batches,
)

DAY_MS = 24 * 60 * 60 * 1000


def event(timestamp_ms: int, size: int = 100) -> _Event:
    message = "x" * (size - EVENT_OVERHEAD_BYTES)
    return _Event(timestamp_ms, message, size)


def test_limits_are_the_service_limits() -> None:
    assert (MAX_BATCH_BYTES, EVENT_OVERHEAD_BYTES, MAX_BATCH_EVENTS) == (1_048_576, 26, 10_000)
    assert MAX_BATCH_SPAN_MS == DAY_MS


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


def test_oversized_event_is_truncated_with_a_marker() -> None:
    sink = CloudWatchLogsSink("/g", client=object(), stream_name="s")
    sink.emit({"text": "é" * 300_000}, 1)
    buffered = sink._buffer[0]
    assert buffered.size <= MAX_EVENT_BYTES
    assert buffered.size == len(buffered.message.encode()) + EVENT_OVERHEAD_BYTES
    assert buffered.message.endswith(TRUNCATION_MARKER)
    assert sink.stats.truncated_events == 1
    sink.emit({"text": "small"}, 2)
    assert sink._buffer[1].message == '{"text":"small"}'
    assert sink.stats.truncated_events == 1
    sink._buffer.clear()  # nothing to flush at exit


def test_stdout_sink_writes_json_lines() -> None:
    stream = io.StringIO()
    sink = StdoutSink(stream)
    sink.emit({"a": 1, "b": "é"})
    sink.emit({"a": 2})
    lines = stream.getvalue().splitlines()
    assert [json.loads(line) for line in lines] == [{"a": 1, "b": "é"}, {"a": 2}]
    assert lines[0] == '{"a":1,"b":"é"}'
