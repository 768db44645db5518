"""The invocation record: one JSON object per model call, and its encoding.

A record is plain JSON (schema version ``SCHEMA_VERSION``) that also carries
CloudWatch Embedded Metric Format metadata under ``_aws``, so CloudWatch extracts
token, latency and error metrics (dimensions: tenant, model) from the log event
itself, with no extra API call. Prompt and response text is governed by a
:class:`ContentPolicy`.

:func:`encode_record` turns a record into the text of one log event that is always
valid UTF-8 JSON within a byte limit: when a record is too large it shrinks string
values (largest first) and, only if that is not enough, drops the oldest list
items, never cutting through the JSON itself. The ``_aws`` block and every member
it names as a metric or dimension are never touched, so the metrics survive, and
``truncated_fields`` names what was cut.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any, Literal, NamedTuple

from .errors import is_throttling

__all__ = [
    "MAX_MESSAGE_BYTES",
    "SCHEMA_VERSION",
    "TRUNCATED_FIELDS",
    "ContentPolicy",
    "EncodedRecord",
    "InvocationRecord",
    "dumps",
    "encode_record",
    "record_content",
    "utf8",
]

SCHEMA_VERSION = "3"  # changelog: docs/record-schema.md

# One CloudWatch Logs event is at most 256 KiB including 26 bytes of per-event
# overhead (PutLogEvents: "Each log event can be no larger than 256 KB", "plus 26
# bytes for each log event"; the EMF specification holds EMF documents to the same
# 256 KB). Lambda's own log pipeline has the same event limit, so both sinks use it.
# https://docs.aws.amazon.com/AmazonCloudWatchLogs/latest/APIReference/API_PutLogEvents.html
# https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/CloudWatch_Embedded_Metric_Format_Specification.html
MAX_EVENT_BYTES = 262_144
EVENT_OVERHEAD_BYTES = 26
MAX_MESSAGE_BYTES = MAX_EVENT_BYTES - EVENT_OVERHEAD_BYTES

TRUNCATED_FIELDS = "truncated_fields"
_MAX_FLAGGED_PATHS = 16  # beyond this, paths are generalised (prompt.*.content) to keep the flag small

# EMF: metric name -> unit. Names are the record's own keys, so a metric is just
# a numeric field listed in the metadata.
_METRIC_UNITS = {
    "input_tokens": "Count",
    "uncached_input_tokens": "Count",
    "cache_read_input_tokens": "Count",
    "cache_creation_input_tokens": "Count",
    "output_tokens": "Count",
    "total_tokens": "Count",
    "estimated_cost_usd": "None",  # an estimate in USD (CloudWatch has no currency unit)
    "latency_ms": "Milliseconds",
    "time_to_first_token_ms": "Milliseconds",
    "invocations": "Count",
    "errors": "Count",
    "throttles": "Count",
    "guardrail_interventions": "Count",  # present when a guardrail was configured or intervened
}
_DIMENSIONS = ["tenant_id", "model_id"]

Path = tuple[str | int, ...]


class ContentPolicy(StrEnum):
    """What a record keeps of the prompt and the response."""

    FULL = "full"  # the text itself
    HASH = "hash"  # SHA-256 hex digests only: correlatable, not readable
    NONE = "none"  # nothing


def utf8(text: str) -> bytes:
    """UTF-8 bytes of ``text``. A lone surrogate (half of an emoji cut by a
    tokenizer or a byte-level truncation) cannot be encoded; it becomes U+FFFD,
    the same way for hashes and for the JSON, so a digest matches the text a
    ``full`` record would hold."""
    try:
        return text.encode("utf-8")
    except UnicodeEncodeError:
        return _repair(text).encode("utf-8")


def _repair(text: str) -> str:
    # UTF-16 round trip: a valid high+low pair joins into one character, a lone half becomes U+FFFD.
    return text.encode("utf-16", "surrogatepass").decode("utf-16", "replace")


def dumps(record: Mapping[str, Any]) -> str:
    """Compact JSON for a record (non-JSON values become strings)."""
    return _json(record if isinstance(record, dict) else dict(record))


def _json(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False, default=str)


def _sha256(value: Any) -> str:
    text = value if isinstance(value, str) else json.dumps(value, sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(utf8(text)).hexdigest()


def _clip(text: str, max_bytes: int) -> tuple[str, bool]:
    encoded = utf8(text)
    if len(encoded) <= max_bytes:
        return encoded.decode("utf-8"), False
    # errors="ignore" drops a multi-byte character cut in half.
    return encoded[:max_bytes].decode("utf-8", errors="ignore"), True


def record_content(
    policy: ContentPolicy,
    prompt: list[dict[str, str]] | None,
    response: str | None,
    *,
    max_bytes: int,
) -> dict[str, Any]:
    """The record fields for ``prompt`` and ``response`` under ``policy``.

    ``full`` clips each text to ``max_bytes`` (UTF-8) and names each clipped text
    in ``truncated_fields``.
    """
    if policy is ContentPolicy.NONE:
        return {}
    if policy is ContentPolicy.HASH:
        fields: dict[str, Any] = {}
        if prompt is not None:
            fields["prompt_sha256"] = _sha256(prompt)
        if response is not None:
            fields["response_sha256"] = _sha256(response)
        return fields
    fields = {}
    truncated: list[str] = []
    if prompt is not None:
        clipped_prompt = []
        for index, message in enumerate(prompt):
            text, cut = _clip(message["content"], max_bytes)
            if cut:
                truncated.append(f"prompt.{index}.content")
            clipped_prompt.append({"role": message["role"], "content": text})
        fields["prompt"] = clipped_prompt
    if response is not None:
        fields["response"], cut = _clip(response, max_bytes)
        if cut:
            truncated.append("response")
    if truncated:
        fields[TRUNCATED_FIELDS] = truncated
    return fields


@dataclass(slots=True, kw_only=True)
class InvocationRecord:
    """What one model call did. ``to_dict`` gives the JSON log event body."""

    tenant_id: str
    model_id: str
    region: str
    run_id: str
    status: Literal["success", "error"]
    latency_ms: float
    timestamp: datetime
    request_id: str | None = None
    parent_run_id: str | None = None
    streaming: bool = False
    time_to_first_token_ms: float | None = None
    # Token and cost fields: usage.TokenUsage.record_fields() and
    # pricing.CostEstimate.record_fields(); definitions in docs/record-schema.md.
    input_tokens: int | None = None
    uncached_input_tokens: int | None = None
    cache_read_input_tokens: int | None = None
    cache_creation_input_tokens: int | None = None
    output_tokens: int | None = None
    total_tokens: int | None = None
    base_model_id: str | None = None
    estimated_cost_usd: float | None = None
    price_table_version: str | None = None
    cost_unavailable: str | None = None
    stop_reason: str | None = None
    error_type: str | None = None
    error_message: str | None = None
    content: dict[str, Any] = field(default_factory=dict)
    metadata: dict[str, str] = field(default_factory=dict)
    # guardrail.guardrail_outcome(): {"intervened", "policies"}; None: no guardrail involved.
    guardrail: dict[str, Any] | None = None

    @property
    def timestamp_ms(self) -> int:
        return int(self.timestamp.timestamp() * 1000)

    def to_dict(self, namespace: str) -> dict[str, Any]:
        """The record as a JSON-ready dict, with EMF metadata for ``namespace``."""
        body: dict[str, Any] = {
            "schema_version": SCHEMA_VERSION,
            "timestamp": self.timestamp.astimezone(UTC).isoformat(timespec="milliseconds"),
            "tenant_id": self.tenant_id,
            "request_id": self.request_id,
            "run_id": self.run_id,
            "parent_run_id": self.parent_run_id,
            "model_id": self.model_id,
            "region": self.region,
            "status": self.status,
            "streaming": self.streaming,
            "latency_ms": round(self.latency_ms, 3),
            "invocations": 1,
            "errors": int(self.status == "error"),
            "throttles": int(is_throttling(self.error_type)),
        }
        optional = {
            "time_to_first_token_ms": None
            if self.time_to_first_token_ms is None
            else round(self.time_to_first_token_ms, 3),
            "input_tokens": self.input_tokens,
            "uncached_input_tokens": self.uncached_input_tokens,
            "cache_read_input_tokens": self.cache_read_input_tokens,
            "cache_creation_input_tokens": self.cache_creation_input_tokens,
            "output_tokens": self.output_tokens,
            "total_tokens": self.total_tokens,
            "base_model_id": self.base_model_id,
            "estimated_cost_usd": self.estimated_cost_usd,
            "price_table_version": self.price_table_version,
            "cost_unavailable": self.cost_unavailable,
            "stop_reason": self.stop_reason,
            "error_type": self.error_type,
            "error_message": self.error_message,
        }
        body.update((key, value) for key, value in optional.items() if value is not None)
        if self.metadata:
            body["metadata"] = self.metadata
        if self.guardrail is not None:
            body["guardrail_interventions"] = int(bool(self.guardrail.get("intervened")))
            body["guardrail"] = self.guardrail
        body.update(self.content)
        body["_aws"] = {
            "Timestamp": self.timestamp_ms,
            "CloudWatchMetrics": [
                {
                    "Namespace": namespace,
                    "Dimensions": [_DIMENSIONS],
                    "Metrics": [{"Name": name, "Unit": unit} for name, unit in _METRIC_UNITS.items() if name in body],
                }
            ],
        }
        return body


# -- encoding within the event limit ------------------------------------------


class EncodedRecord(NamedTuple):
    """One record as log-event text: ``size`` UTF-8 bytes, ``truncated`` the
    paths cut to fit (empty when the record fitted as it was)."""

    message: str
    size: int
    truncated: tuple[str, ...] = ()


def encode_record(record: Mapping[str, Any], max_bytes: int = MAX_MESSAGE_BYTES) -> EncodedRecord:
    """``record`` as compact JSON of at most ``max_bytes`` UTF-8 bytes."""
    message = dumps(record)
    try:
        data = message.encode("utf-8")
    except UnicodeEncodeError:
        message = _repair(message)
        data = message.encode("utf-8")
    if len(data) <= max_bytes:
        return EncodedRecord(message, len(data))
    tree = json.loads(data)  # a private, plain-JSON copy to shrink
    if not isinstance(tree, dict):
        tree = {"value": tree}
    return _Shrinker(tree, max_bytes).encode()


def _size(value: Any) -> int:
    """UTF-8 bytes of ``value`` serialised as in a record."""
    return len(utf8(_json(value)))


def _protected(tree: dict[str, Any]) -> frozenset[str]:
    """Top-level members that are never cut: ``_aws``, every member it names as a
    dimension or metric (EMF requires them as top-level values), and the flag."""
    names = {"_aws", TRUNCATED_FIELDS}
    emf = tree.get("_aws")
    directives = emf.get("CloudWatchMetrics") if isinstance(emf, dict) else None
    for directive in directives if isinstance(directives, list) else ():
        if not isinstance(directive, dict):
            continue
        for dimension_set in directive.get("Dimensions") or ():
            names.update(name for name in dimension_set if isinstance(name, str))
        for metric in directive.get("Metrics") or ():
            if isinstance(metric, dict) and isinstance(metric.get("Name"), str):
                names.add(metric["Name"])
    return frozenset(names)


def _dotted(path: Path) -> str:
    return ".".join(str(part) for part in path)


def _flag_paths(paths: list[Path]) -> list[str]:
    """Paths as CloudWatch Logs Insights names them (``prompt.3.content``); past
    ``_MAX_FLAGGED_PATHS`` they are generalised so the flag stays small."""
    generalisations = (
        lambda p: p,
        lambda p: tuple("*" if isinstance(part, int) else part for part in p),
        lambda p: p[:1] + (("*",) if len(p) > 1 else ()),
    )
    for generalise in generalisations:
        names = list(dict.fromkeys(_dotted(generalise(path)) for path in paths))
        if len(names) <= _MAX_FLAGGED_PATHS:
            return names
    return ["*"]


class _Shrinker:
    """Cuts a too-large record down to ``max_bytes``, in stages of increasing
    loss: shrink strings, drop list items and object members, keep only the
    protected members. When even empty strings would not make the record fit (a
    record of many small parts), items are dropped first, so what is kept stays
    whole."""

    def __init__(self, tree: dict[str, Any], max_bytes: int) -> None:
        self.tree = tree
        self.max_bytes = max_bytes
        self.protected = _protected(tree)
        previous = tree.get(TRUNCATED_FIELDS)
        self.previous = [str(item) for item in previous] if isinstance(previous, list) else []
        self.cut: dict[Path, None] = {}  # an ordered set

    def encode(self) -> EncodedRecord:
        stages = [self._shrink_strings, self._drop_items, self._keep_protected]
        if sum(_size(container[key]) - 2 for container, key, _ in self._leaves()) < self._excess():
            stages[:2] = stages[1::-1]
        for stage in stages:
            stage()
            encoded = self._current()
            if encoded.size <= self.max_bytes:
                return encoded
        # Only if the protected members alone exceed the limit (settings prevent it).
        message = dumps({TRUNCATED_FIELDS: ["*"]})
        return EncodedRecord(message, len(utf8(message)), ("*",))

    def _current(self) -> EncodedRecord:
        flagged = self.previous + [name for name in _flag_paths(list(self.cut)) if name not in self.previous]
        if flagged:
            self.tree[TRUNCATED_FIELDS] = flagged
        message = dumps(self.tree)
        return EncodedRecord(message, len(utf8(message)), tuple(flagged))

    def _excess(self) -> int:
        return self._current().size - self.max_bytes

    def _leaves(self) -> Iterator[tuple[Any, str | int, Path]]:
        """(container, key, path) of every string outside the protected members."""
        stack: list[tuple[Any, Path]] = [(self.tree, ())]
        while stack:
            node, path = stack.pop()
            items = node.items() if isinstance(node, dict) else enumerate(node)
            for key, value in items:
                if not path and key in self.protected:
                    continue
                if isinstance(value, str):
                    yield node, key, (*path, key)
                elif isinstance(value, dict | list):
                    stack.append((value, (*path, key)))

    def _shrink_strings(self) -> None:
        """Water-filling: cap every string at the largest size that removes the
        excess, so the largest strings are cut first and small ones stay whole."""
        leaves = [[container, key, path, _size(container[key]) - 2] for container, key, path in self._leaves()]
        excess = self._excess()
        while excess > 0:
            cap = _water_level([leaf[3] for leaf in leaves], excess)
            changed = False
            for leaf in leaves:
                container, key, path, size = leaf
                if size > cap:
                    container[key] = _cut_to(container[key], cap)
                    leaf[3] = _size(container[key]) - 2
                    self.cut[path] = None
                    changed = True
            if not changed:
                return
            excess = self._excess()

    def _drop_items(self) -> None:
        """Largest top-level containers first: drop a list's oldest items or empty an object."""
        containers = [
            (key, value)
            for key, value in self.tree.items()
            if key not in self.protected and isinstance(value, list | dict) and value
        ]
        for key, value in sorted(containers, key=lambda item: _size(item[1]), reverse=True):
            if isinstance(value, dict):
                if self._excess() > 0:
                    value.clear()
                    self.cut[(key, "*")] = None
                continue
            dropped = 0
            while value and (excess := self._excess()) > 0:
                removed, count = 0, 0
                while count < len(value) and removed < excess:
                    removed += _size(value[count]) + 1  # the item and its comma
                    count += 1
                del value[:count]
                self.cut.pop((key, f"0..{dropped - 1}"), None)
                dropped += count
                self.cut[(key, f"0..{dropped - 1}")] = None

    def _keep_protected(self) -> None:
        for key in [key for key in self.tree if key not in self.protected]:
            del self.tree[key]
        self.cut = {("*",): None}


def _water_level(sizes: list[int], excess: int) -> int:
    """The largest cap C with sum(max(0, size - C)) >= excess (0 if none)."""
    ordered = sorted(sizes, reverse=True)
    total = 0
    for count, size in enumerate(ordered, start=1):
        total += size
        level = (total - excess) // count
        following = ordered[count] if count < len(ordered) else 0
        if level >= following:
            return max(level, 0)
    return 0


def _cut_to(text: str, max_bytes: int) -> str:
    """The longest prefix of ``text`` whose JSON string body is at most ``max_bytes``."""
    if max_bytes <= 0:
        return ""
    low, high = 0, min(len(text), max_bytes)  # a character takes at least one byte
    while low < high:
        middle = (low + high + 1) // 2
        if _size(text[:middle]) - 2 <= max_bytes:
            low = middle
        else:
            high = middle - 1
    return text[:low]
