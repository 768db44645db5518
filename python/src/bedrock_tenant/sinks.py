"""Where records go: CloudWatch Logs in the customer account, or stdout.

``CloudWatchLogsSink`` buffers records and writes them with ``PutLogEvents``.
Nothing it is given is lost and nothing it does raises:

* ``emit`` only encodes the record (valid JSON within the event limit, see
  :func:`~bedrock_tenant.records.encode_record`) and appends it under a lock that
  is never held during network I/O, so a model call never waits for a log write.
* ``flush`` writes the buffer in batches that satisfy the PutLogEvents limits,
  one flush at a time (a second lock keeps batches in order and stream creation
  single). Any failure, of CloudWatch or of building the client, sends the
  records to the fallback (stdout) and counts them; events that PutLogEvents
  accepts but reports in ``rejectedLogEventsInfo`` go there too.
* The buffer is bounded and flushed on a timer and when it holds a batch; the
  sink is held weakly by everything that flushes it at shutdown (see
  :mod:`bedrock_tenant.lifecycle`), and flushed when it is garbage-collected.
* ``flush(timeout_s)`` fits every request in the time given: the Lambda handler
  passes what is left of the invocation.
"""

from __future__ import annotations

import json
import logging
import sys
import threading
import time
import uuid
import weakref
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Literal, NamedTuple, Protocol, TextIO

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError

from . import lifecycle
from .errors import error_code
from .records import EVENT_OVERHEAD_BYTES, MAX_EVENT_BYTES, encode_record

__all__ = ["CloudWatchLogsSink", "Sink", "SinkStats", "StdoutSink"]

logger = logging.getLogger(__name__)

# PutLogEvents limits (CloudWatch Logs API reference):
# https://docs.aws.amazon.com/AmazonCloudWatchLogs/latest/APIReference/API_PutLogEvents.html
MAX_BATCH_BYTES = 1_048_576  # message bytes + 26 per event
MAX_BATCH_EVENTS = 10_000
MAX_BATCH_SPAN_MS = 24 * 60 * 60 * 1000
# Events more than 14 days old or more than 2 hours ahead are rejected (reported in
# rejectedLogEventsInfo). Events outside the window, by this host's clock at write
# time, are re-stamped with "now" before they are sent: see CloudWatchLogsSink.
MAX_EVENT_AGE_MS = 14 * 24 * 60 * 60 * 1000
MAX_EVENT_AHEAD_MS = 2 * 60 * 60 * 1000
_CLOCK_MARGIN_MS = 5 * 60 * 1000  # batching delay and small skew between this host and CloudWatch

# Request timeouts. Without a deadline (long-running processes): 2 s to connect,
# 5 s to read (PutLogEvents answers in tens of milliseconds). With one, every
# request's worst case (attempts x timeouts + botocore's standard-mode backoff of
# at most 1, 2, 4... s before each retry) fits in the time left.
_DEFAULT_CONNECT_S = 2.0
_DEFAULT_READ_S = 5.0
_ATTEMPT_TIERS_S = (7.0, 4.0, 2.0, 1.0, 0.5, 0.25)  # per-attempt budgets; few tiers, few clients


class Sink(Protocol):
    """Receives one JSON-ready record per model call."""

    def emit(self, record: Mapping[str, Any], timestamp_ms: int) -> None: ...

    def flush(self, timeout_s: float | None = None) -> None: ...


class StdoutSink:
    """JSON lines on stdout: Lambda ships them to the function's own log group,
    where CloudWatch also extracts the records' EMF metrics. Each line is one
    valid JSON record within the log event limit."""

    def __init__(self, stream: TextIO | None = None) -> None:
        self._stream = stream  # None: whatever sys.stdout is at write time

    def emit(self, record: Mapping[str, Any], timestamp_ms: int = 0) -> None:
        self.write_lines([encode_record(record).message])

    def write_lines(self, lines: Iterable[str]) -> None:
        stream = self._stream or sys.stdout
        stream.write("".join(line + "\n" for line in lines))
        stream.flush()

    def flush(self, timeout_s: float | None = None) -> None:
        (self._stream or sys.stdout).flush()


class _Event(NamedTuple):
    timestamp_ms: int
    message: str
    size: int  # UTF-8 bytes of message + per-event overhead


@dataclass(slots=True)
class SinkStats:
    """Counters for what the sink did; they only grow.

    ``fallback_events`` counts every record written to the fallback, for any
    reason; ``rejected_events`` those among them that PutLogEvents rejected;
    ``restamped_events`` records sent with "now" because their own timestamp was
    outside CloudWatch's window; ``lost_events`` records that the fallback could
    not write either (stdout and stderr both failing).
    """

    put_calls: int = 0
    events_written: int = 0
    fallback_events: int = 0
    rejected_events: int = 0
    truncated_events: int = 0
    restamped_events: int = 0
    overflow_events: int = 0
    lost_events: int = 0


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


def attempt_plan(budget_s: float | None, max_attempts: int) -> tuple[float, float, int] | None:
    """(connect timeout, read timeout, attempts) for a request that must finish
    within ``budget_s`` seconds (None: no deadline), or None if no attempt fits."""
    if budget_s is None:
        return _DEFAULT_CONNECT_S, _DEFAULT_READ_S, max_attempts
    for attempts in range(max_attempts, 0, -1):
        worst_backoff = 2 ** (attempts - 1) - 1  # 1 + 2 + 4 ... s before retries 2, 3, 4...
        per_attempt = (budget_s - worst_backoff) / attempts
        tier = next((tier for tier in _ATTEMPT_TIERS_S if tier <= per_attempt), None)
        if tier is not None:
            connect = min(_DEFAULT_CONNECT_S, tier / 4)
            return connect, tier - connect, attempts
    return None


class _OutOfTime(Exception):
    """No request fits in the time left; the records go to the fallback."""


def _rejected(info: Mapping[str, Any] | None, count: int) -> dict[int, str]:
    """Index -> reason of the events PutLogEvents reported as rejected. The end
    indexes are exclusive and the start index inclusive, as documented in
    https://docs.aws.amazon.com/AmazonCloudWatchLogs/latest/APIReference/API_RejectedLogEventsInfo.html
    (``expiredLogEventEndIndex`` is read like ``tooOldLogEventEndIndex``)."""
    if not info:
        return {}

    def index(name: str) -> int | None:
        value = info.get(name)
        return None if value is None else min(max(int(value), 0), count)

    reasons: dict[int, str] = {}
    for name, reason in (("tooOldLogEventEndIndex", "too old"), ("expiredLogEventEndIndex", "expired")):
        end = index(name)
        for position in range(end or 0):
            reasons.setdefault(position, reason)
    start = index("tooNewLogEventStartIndex")
    if start is not None:
        for position in range(start, count):
            reasons.setdefault(position, "too new")
    return reasons


class _Writer:
    """The buffer and the writes of one sink. Kept apart from the sink object so
    that the shutdown registry and the flusher thread can hold it without keeping
    the sink alive."""

    def __init__(
        self,
        log_group_name: str,
        stream_name: str | None,
        client_factory: Callable[[Config | None], Any],
        *,
        fallback: StdoutSink,
        retry_mode: Literal["standard", "adaptive"],
        max_attempts: int,
        max_message_bytes: int,
        flush_interval_s: float | None,
        max_buffer_events: int,
        max_buffer_bytes: int,
        clock: Callable[[], float],
    ) -> None:
        self.log_group_name = log_group_name
        # A name we made is made again after a SnapStart restore; a given one is kept.
        self._own_stream_name = stream_name is None
        self.stream_name = stream_name or _new_stream_name()
        self.stats = SinkStats()
        self._client_factory = client_factory
        self._fallback = fallback
        self._retry_mode = retry_mode
        self._max_attempts = max_attempts
        self._max_message_bytes = max_message_bytes
        self._flush_interval_s = flush_interval_s
        self._max_buffer_events = max_buffer_events
        self._max_buffer_bytes = max_buffer_bytes
        # A full PutLogEvents batch is worth writing at once.
        self._batch_events = min(MAX_BATCH_EVENTS, max(1, max_buffer_events // 2))
        self._batch_bytes = min(MAX_BATCH_BYTES, max(1, max_buffer_bytes // 2))
        self._clock = clock
        self._reset_state()

    def _reset_state(self) -> None:
        # State lock: the buffer and the counters; never held during I/O. An RLock,
        # because a SIGTERM handler may run in a thread that holds it.
        self._state_lock = threading.RLock()
        # Write lock: one flush at a time, so batches keep their order and the
        # stream is created once.
        self._write_lock = threading.Lock()
        self._buffer: list[_Event] = []
        self._buffered_bytes = 0
        self._in_flight: list[_Event] = []
        self._writing_thread: int | None = None
        self._clients: dict[tuple[float, float, int], Any] = {}
        self._stream_ready = False
        self._wake = threading.Event()
        self._flusher: threading.Thread | None = None
        self._overflowing = False
        self.closed = False

    # -- buffering ------------------------------------------------------------
    def emit(self, record: Mapping[str, Any], timestamp_ms: int) -> None:
        encoded = encode_record(record, self._max_message_bytes)
        event = _Event(timestamp_ms, encoded.message, encoded.size + EVENT_OVERHEAD_BYTES)
        with self._state_lock:
            self.stats.truncated_events += bool(encoded.truncated)
            overflow = (
                len(self._buffer) >= self._max_buffer_events
                or self._buffered_bytes + event.size > self._max_buffer_bytes
            )
            if not overflow:
                self._buffer.append(event)
                self._buffered_bytes += event.size
            full = len(self._buffer) >= self._batch_events or self._buffered_bytes >= self._batch_bytes
            first_overflow = overflow and not self._overflowing
            self._overflowing = overflow
        if overflow:
            # CloudWatch is not keeping up: bound memory, keep the record.
            self._fall_back([event], "the buffer is full", warn=first_overflow, overflow=True)
        if self.closed:
            self.flush()
        elif full or (self._flush_interval_s is not None and self._flusher is None):
            self._start_flusher()
            if full:
                self._wake.set()

    def _take(self) -> list[_Event]:
        with self._state_lock:
            events, self._buffer, self._buffered_bytes = self._buffer, [], 0
            return events

    def _count(self, **deltas: int) -> None:
        with self._state_lock:
            for name, delta in deltas.items():
                setattr(self.stats, name, getattr(self.stats, name) + delta)

    # -- flushing -------------------------------------------------------------
    def flush(self, timeout_s: float | None = None, *, stopping: bool = False) -> None:
        """Write the buffer; never raises, never drops. Without ``timeout_s`` it
        waits for an earlier flush to finish; with one, it writes what it cannot
        send in time to the fallback."""
        try:
            self._flush(timeout_s, stopping)
        except Exception as exc:  # a bug here must not fail the caller (the writes guard the records)
            logger.warning("flushing CloudWatch Logs records failed: %s", type(exc).__name__)

    def _flush(self, timeout_s: float | None, stopping: bool) -> None:
        deadline = None if timeout_s is None else time.monotonic() + timeout_s
        acquired = self._write_lock.acquire(timeout=-1 if timeout_s is None else max(timeout_s, 0.0))
        if not acquired:
            # Another flush is still writing: keep our records out of its way. A
            # stopping process will not see that write finish either.
            events = (list(self._in_flight) if stopping else []) + self._take()
            if events:
                self._fall_back(events, "an earlier write is still in progress")
            return
        self._writing_thread = threading.get_ident()
        try:
            events = self._take()
            if events:
                self._write(events, deadline)
        finally:
            self._writing_thread = None
            self._write_lock.release()

    def stop_flush(self, timeout_s: float) -> None:
        if self._writing_thread == threading.get_ident():
            # The signal interrupted this thread's own write, which cannot resume
            # before the process ends: hand its records and the buffer to the fallback
            # (if the process goes on after all, that write completes too: a duplicate,
            # never a loss).
            events = list(self._in_flight) + self._take()
            if events:
                self._fall_back(events, "the process is stopping during a write")
            return
        self.flush(timeout_s, stopping=True)

    def close(self) -> None:
        """Flush and stop the flusher thread (the sink was collected, or the process is exiting)."""
        self.closed = True
        self._wake.set()
        self.flush(lifecycle.SHUTDOWN_FLUSH_SECONDS)

    def after_fork_in_child(self) -> None:
        self._reset_state()  # the parent still owns and will write the records it buffered

    def before_snapshot(self, timeout_s: float) -> None:
        self.flush(timeout_s)
        with self._write_lock:  # clients hold credentials and pooled connections
            self._clients = {}

    def after_restore(self) -> None:
        with self._write_lock:
            # Every environment restored from one snapshot would otherwise write to
            # the stream named before it, and reuse the snapshot's clients.
            if self._own_stream_name:
                self.stream_name = _new_stream_name()
            self._stream_ready = False
            self._clients = {}

    def _write(self, events: list[_Event], deadline: float | None) -> None:
        try:
            batches = split_batches(self._restamp(events))
        except Exception as exc:  # what was taken from the buffer is never lost
            self._fall_back(events, _reason(exc))
            return
        for index, batch in enumerate(batches):
            self._in_flight = batch
            try:
                self._put(batch, deadline)
            except Exception as exc:
                # CloudWatch is failing: do not make every remaining batch wait for it too.
                rest = [event for later in batches[index:] for event in later]
                self._fall_back(rest, _reason(exc))
                return
            finally:
                self._in_flight = []

    def _restamp(self, events: list[_Event]) -> list[_Event]:
        """Events whose timestamp CloudWatch would reject (more than 14 days old,
        more than 2 hours ahead, by this host's clock) are sent with "now": the
        record is kept where it belongs, with its own ``timestamp`` untouched, the
        reason in ``timestamp_adjusted`` and the original time in
        ``original_timestamp_ms``. ``_aws.Timestamp`` moves with it, because
        CloudWatch would not accept the metric at the original time either. Events
        CloudWatch still rejects (a wrong host clock, a short retention) come back
        in ``rejectedLogEventsInfo`` and go to the fallback."""
        now_ms = int(self._clock() * 1000)
        oldest = now_ms - MAX_EVENT_AGE_MS + _CLOCK_MARGIN_MS
        newest = now_ms + MAX_EVENT_AHEAD_MS - _CLOCK_MARGIN_MS
        result = []
        for event in events:
            if oldest <= event.timestamp_ms <= newest:
                result.append(event)
                continue
            record = json.loads(event.message)
            record["timestamp_adjusted"] = "too_old" if event.timestamp_ms < oldest else "too_new"
            record["original_timestamp_ms"] = event.timestamp_ms
            if isinstance(record.get("_aws"), dict):
                record["_aws"]["Timestamp"] = now_ms
            encoded = encode_record(record, self._max_message_bytes)
            result.append(_Event(now_ms, encoded.message, encoded.size + EVENT_OVERHEAD_BYTES))
            self._count(restamped_events=1)
        return result

    def _put(self, batch: list[_Event], deadline: float | None) -> None:
        log_events = [{"timestamp": e.timestamp_ms, "message": e.message} for e in batch]
        self._ensure_stream(deadline)
        try:
            response = self._put_events(log_events, deadline)
        except ClientError as exc:
            if error_code(exc) != "ResourceNotFoundException":
                raise
            # The stream was deleted under us: create it again, once.
            self._stream_ready = False
            self._ensure_stream(deadline)
            response = self._put_events(log_events, deadline)
        rejected = _rejected(response.get("rejectedLogEventsInfo"), len(batch))
        self._count(events_written=len(batch) - len(rejected))
        if rejected:
            reasons = ", ".join(sorted(set(rejected.values())))
            self._count(rejected_events=len(rejected))
            self._fall_back(
                [batch[position] for position in sorted(rejected)],
                f"CloudWatch Logs rejected them as {reasons}; check this host's clock and the log group's retention",
            )

    def _put_events(self, log_events: list[dict[str, Any]], deadline: float | None) -> Any:
        client = self._client_for(deadline)
        self._count(put_calls=1)
        return client.put_log_events(
            logGroupName=self.log_group_name, logStreamName=self.stream_name, logEvents=log_events
        )

    def _ensure_stream(self, deadline: float | None) -> None:
        if self._stream_ready:
            return
        try:
            self._client_for(deadline).create_log_stream(
                logGroupName=self.log_group_name, logStreamName=self.stream_name
            )
        except ClientError as exc:
            if error_code(exc) != "ResourceAlreadyExistsException":
                raise
        self._stream_ready = True

    def _client_for(self, deadline: float | None) -> Any:
        budget = None if deadline is None else deadline - time.monotonic()
        plan = attempt_plan(budget, self._max_attempts)
        if plan is None:
            raise _OutOfTime
        client = self._clients.get(plan)
        if client is None:
            connect, read, attempts = plan
            config = Config(
                connect_timeout=connect,
                read_timeout=read,
                retries={"mode": self._retry_mode, "total_max_attempts": attempts},
            )
            client = self._clients[plan] = self._client_factory(config)
        return client

    def default_client(self) -> Any:
        return self._client_for(None)

    def _fall_back(self, events: list[_Event], reason: str, *, warn: bool = True, overflow: bool = False) -> None:
        try:
            self._fallback.write_lines(event.message for event in events)
        except Exception:
            if not _write_to_stderr(event.message for event in events):
                self._count(lost_events=len(events))
                return
        self._count(fallback_events=len(events), overflow_events=len(events) if overflow else 0)
        if warn:
            logger.warning(
                "CloudWatch Logs write failed (%s); %d record(s) written to stdout instead",
                reason,
                len(events),
                extra={"log_group": self.log_group_name, "fallback_events": self.stats.fallback_events},
            )

    # -- background flushing --------------------------------------------------
    def _start_flusher(self) -> None:
        with self._state_lock:
            if self._flusher is not None:
                return
            self._flusher = threading.Thread(
                target=_run_flusher, args=(weakref.ref(self),), name="bedrock-tenant-log-flusher", daemon=True
            )
        self._flusher.start()


def _run_flusher(writer_ref: weakref.ref[_Writer]) -> None:
    """Flush on the interval and when a batch is full; holds the writer only while
    flushing, so it stops when the writer is closed or collected."""
    while True:
        writer = writer_ref()
        if writer is None or writer.closed:
            return
        wake, interval = writer._wake, writer._flush_interval_s
        del writer
        wake.wait(interval)
        writer = writer_ref()
        if writer is None or writer.closed:
            return
        wake.clear()
        writer.flush()
        del writer


def _new_stream_name() -> str:
    return f"{datetime.now(UTC):%Y/%m/%d}/{uuid.uuid4().hex}"


def _reason(error: Exception) -> str:
    if isinstance(error, _OutOfTime):
        return "no time left for a request"
    return error_code(error)


class CloudWatchLogsSink:
    """Buffers records and writes them to a log group in the customer account.

    Args:
        log_group_name: the (existing) invocation log group.
        client: a ``logs`` client to use for every write; by default clients are
            made from ``session`` with timeouts that fit each flush's deadline.
        session: the customer-account session (default: boto3's default), never
            the operations session: logs must stay in the customer's account.
        stream_name: defaults to ``YYYY/MM/DD/<uuid>``, one per sink, made
            again after a SnapStart restore (a given name is kept).
        retry_mode, max_attempts: botocore retry configuration.
        max_event_bytes: the log event limit, overhead included.
        fallback: where records go when CloudWatch cannot take them (default stdout).
        flush_interval_s: flush at least this often in the background (None: only
            when a batch is full, on ``flush()`` and at shutdown).
        max_buffer_events, max_buffer_bytes: the buffer's bound; past it, records
            go straight to the fallback. A batch (half the bound, at most one
            PutLogEvents call) is flushed as soon as it is buffered.
        clock: seconds since the epoch; tests pass a skewed one.
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
        flush_interval_s: float | None = 5.0,
        max_buffer_events: int = 4 * MAX_BATCH_EVENTS,
        max_buffer_bytes: int = 4 * MAX_BATCH_BYTES,
        clock: Callable[[], float] = time.time,
    ) -> None:
        def make_client(config: Config | None) -> Any:
            if client is not None:
                return client
            return (session or boto3.Session()).client("logs", region_name=region_name, config=config)

        self._writer = _Writer(
            log_group_name,
            stream_name,
            make_client,
            fallback=fallback or StdoutSink(),
            retry_mode=retry_mode,
            max_attempts=max_attempts,
            max_message_bytes=min(max_event_bytes, MAX_EVENT_BYTES) - EVENT_OVERHEAD_BYTES,
            flush_interval_s=flush_interval_s,
            max_buffer_events=max_buffer_events,
            max_buffer_bytes=max_buffer_bytes,
            clock=clock,
        )
        # Flushes at garbage collection and at interpreter exit, without a strong
        # reference to the sink (a sink per tenant or per request is freed).
        self._finalizer = weakref.finalize(self, self._writer.close)
        lifecycle.register(self._writer)

    @property
    def log_group_name(self) -> str:
        return self._writer.log_group_name

    @property
    def stream_name(self) -> str:
        return self._writer.stream_name

    @property
    def stats(self) -> SinkStats:
        return self._writer.stats

    @property
    def client(self) -> Any:
        """The client used by flushes without a deadline."""
        return self._writer.default_client()

    def emit(self, record: Mapping[str, Any], timestamp_ms: int) -> None:
        self._writer.emit(record, timestamp_ms)

    def flush(self, timeout_s: float | None = None) -> None:
        """Write everything buffered, within ``timeout_s`` if given; never raises."""
        self._writer.flush(timeout_s)

    def close(self) -> None:
        """Flush and stop background flushing; later records are written as they come."""
        self._finalizer()


def _write_to_stderr(lines: Iterable[str]) -> bool:
    """The last resort when stdout is gone: stderr still reaches the function's log group."""
    stderr = sys.__stderr__
    if stderr is None:  # no standard error stream at all (e.g. closed by the host)
        return False
    try:
        stderr.write("".join(line + "\n" for line in lines))
    except Exception:
        return False
    return True
