"""Where records go: CloudWatch Logs in the customer account, or stdout.

``CloudWatchLogsSink`` buffers records and writes them with ``PutLogEvents`` on
``flush()`` (the Lambda handler flushes before it returns; ``atexit`` covers
other processes). Batches respect the service limits; throttling and transient
errors are retried by botocore's retry mode; a batch that still fails is written
to stdout instead, so no record is lost, and counted in ``fallback_events``.
"""

from __future__ import annotations

import atexit
import json
import logging
import sys
import threading
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Literal, NamedTuple, Protocol, TextIO

import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

__all__ = ["CloudWatchLogsSink", "Sink", "SinkStats", "StdoutSink", "dumps"]

logger = logging.getLogger(__name__)

# PutLogEvents limits (CloudWatch Logs API reference).
MAX_BATCH_BYTES = 1_048_576
EVENT_OVERHEAD_BYTES = 26
MAX_BATCH_EVENTS = 10_000
MAX_BATCH_SPAN_MS = 24 * 60 * 60 * 1000
MAX_EVENT_BYTES = 262_144  # message + overhead
TRUNCATION_MARKER = "...[truncated by bedrock_tenant]"


def dumps(record: Mapping[str, Any]) -> str:
    """Compact JSON for a record (non-JSON values become strings)."""
    return json.dumps(record, separators=(",", ":"), ensure_ascii=False, default=str)


class Sink(Protocol):
    """Receives one JSON-ready record per model call."""

    def emit(self, record: Mapping[str, Any], timestamp_ms: int) -> None: ...

    def flush(self) -> None: ...


class StdoutSink:
    """JSON lines on stdout: Lambda ships them to the function's own log group,
    where CloudWatch also extracts the records' EMF metrics."""

    def __init__(self, stream: TextIO | None = None) -> None:
        self._stream = stream  # None: whatever sys.stdout is at write time

    def emit(self, record: Mapping[str, Any], timestamp_ms: int = 0) -> None:
        self.write_lines([dumps(record)])

    def write_lines(self, lines: Iterable[str]) -> None:
        stream = self._stream or sys.stdout
        stream.write("".join(line + "\n" for line in lines))
        stream.flush()

    def flush(self) -> None:
        (self._stream or sys.stdout).flush()


class _Event(NamedTuple):
    timestamp_ms: int
    message: str
    size: int  # UTF-8 bytes of message + per-event overhead


@dataclass(slots=True)
class SinkStats:
    """Counters for what the sink did; they only grow."""

    put_calls: int = 0
    events_written: int = 0
    fallback_events: int = 0
    truncated_events: int = 0


def _fit(message: str, max_bytes: int) -> tuple[str, bool]:
    encoded = message.encode("utf-8")
    if len(encoded) <= max_bytes:
        return message, False
    keep = max_bytes - len(TRUNCATION_MARKER.encode("utf-8"))
    return encoded[:keep].decode("utf-8", errors="ignore") + TRUNCATION_MARKER, True


def split_batches(
    events: list[_Event],
    *,
    max_bytes: int = MAX_BATCH_BYTES,
    max_events: int = MAX_BATCH_EVENTS,
    max_span_ms: int = MAX_BATCH_SPAN_MS,
) -> list[list[_Event]]:
    """Chronological batches that each satisfy the PutLogEvents limits.

    A batch holds at most ``max_events`` events totalling at most ``max_bytes``
    (message bytes plus overhead), and its timestamps span less than ``max_span_ms``.
    """
    batches: list[list[_Event]] = []
    batch: list[_Event] = []
    size = 0
    for event in sorted(events, key=lambda e: e.timestamp_ms):
        if batch and (
            len(batch) >= max_events
            or size + event.size > max_bytes
            or event.timestamp_ms - batch[0].timestamp_ms >= max_span_ms
        ):
            batches.append(batch)
            batch, size = [], 0
        batch.append(event)
        size += event.size
    if batch:
        batches.append(batch)
    return batches


class CloudWatchLogsSink:
    """Buffers records and writes them to a log group in the customer account.

    Args:
        log_group_name: the (existing) invocation log group.
        client: a ``logs`` client; by default one is made from ``session``.
        session: the customer-account session (default: boto3's default), never
            the operations session: logs must stay in the customer's account.
        stream_name: defaults to ``YYYY/MM/DD/<uuid>``, one per process.
        retry_mode, max_attempts: botocore retry configuration for the client.
        fallback: where batches go when CloudWatch keeps failing (default stdout).
    """

    def __init__(
        self,
        log_group_name: str,
        *,
        client: Any = None,
        session: boto3.Session | None = None,
        region_name: str | None = None,
        stream_name: str | None = None,
        retry_mode: Literal["standard", "adaptive"] = "standard",
        max_attempts: int = 4,
        max_event_bytes: int = MAX_EVENT_BYTES,
        fallback: StdoutSink | None = None,
    ) -> None:
        self.log_group_name = log_group_name
        self.stream_name = stream_name or f"{datetime.now(UTC):%Y/%m/%d}/{uuid.uuid4().hex}"
        self._client = client
        self._session = session
        self._region_name = region_name
        self._config = Config(retries={"mode": retry_mode, "total_max_attempts": max_attempts})
        self._max_message_bytes = max_event_bytes - EVENT_OVERHEAD_BYTES
        self._fallback = fallback or StdoutSink()
        self._buffer: list[_Event] = []
        self._lock = threading.Lock()
        self._stream_ready = False
        self.stats = SinkStats()
        atexit.register(self.flush)

    @property
    def client(self) -> Any:
        if self._client is None:
            session = self._session or boto3.Session()
            self._client = session.client("logs", region_name=self._region_name, config=self._config)
        return self._client

    def emit(self, record: Mapping[str, Any], timestamp_ms: int) -> None:
        message, truncated = _fit(dumps(record), self._max_message_bytes)
        event = _Event(timestamp_ms, message, len(message.encode("utf-8")) + EVENT_OVERHEAD_BYTES)
        with self._lock:
            self._buffer.append(event)
            self.stats.truncated_events += truncated

    def flush(self) -> None:
        """Write everything buffered; never raises."""
        with self._lock:
            events, self._buffer = self._buffer, []
            for batch in split_batches(events):
                self._put(batch)

    def _put(self, batch: list[_Event]) -> None:
        try:
            self._ensure_stream()
            self._put_events(batch)
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") != "ResourceNotFoundException":
                self._fall_back(batch, exc)
                return
            # The stream was deleted under us: create it again, once.
            self._stream_ready = False
            try:
                self._ensure_stream()
                self._put_events(batch)
            except (ClientError, BotoCoreError) as retry_exc:
                self._fall_back(batch, retry_exc)
        except BotoCoreError as exc:
            self._fall_back(batch, exc)

    def _put_events(self, batch: list[_Event]) -> None:
        self.stats.put_calls += 1
        self.client.put_log_events(
            logGroupName=self.log_group_name,
            logStreamName=self.stream_name,
            logEvents=[{"timestamp": e.timestamp_ms, "message": e.message} for e in batch],
        )
        self.stats.events_written += len(batch)

    def _ensure_stream(self) -> None:
        if self._stream_ready:
            return
        try:
            self.client.create_log_stream(logGroupName=self.log_group_name, logStreamName=self.stream_name)
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") != "ResourceAlreadyExistsException":
                raise
        self._stream_ready = True

    def _fall_back(self, batch: list[_Event], error: Exception) -> None:
        self._fallback.write_lines(event.message for event in batch)
        self.stats.fallback_events += len(batch)
        code = error.response.get("Error", {}).get("Code") if isinstance(error, ClientError) else type(error).__name__
        logger.warning(
            "CloudWatch Logs write failed (%s); %d record(s) written to stdout instead",
            code,
            len(batch),
            extra={"log_group": self.log_group_name, "fallback_events": self.stats.fallback_events},
        )
