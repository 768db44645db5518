"""The invocation record: one JSON object per model call.

A record is plain JSON (schema version ``SCHEMA_VERSION``) that also carries
CloudWatch Embedded Metric Format metadata under ``_aws``, so CloudWatch extracts
token, latency and error metrics (dimensions: tenant, model) from the log event
itself, with no extra API call. Prompt and response text is governed by a
:class:`ContentPolicy`.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any, Literal

from .errors import THROTTLING_CODES

__all__ = ["SCHEMA_VERSION", "ContentPolicy", "InvocationRecord", "record_content"]

SCHEMA_VERSION = "1"

# EMF: metric name -> unit. Names are the record's own keys, so a metric is just
# a numeric field listed in the metadata.
_METRIC_UNITS = {
    "input_tokens": "Count",
    "output_tokens": "Count",
    "total_tokens": "Count",
    "cache_read_tokens": "Count",
    "cache_write_tokens": "Count",
    "latency_ms": "Milliseconds",
    "time_to_first_token_ms": "Milliseconds",
    "invocations": "Count",
    "errors": "Count",
    "throttles": "Count",
}
_DIMENSIONS = ["tenant_id", "model_id"]


class ContentPolicy(StrEnum):
    """What a record keeps of the prompt and the response."""

    FULL = "full"  # the text itself
    HASH = "hash"  # SHA-256 hex digests only: correlatable, not readable
    NONE = "none"  # nothing


def _sha256(value: Any) -> str:
    text = value if isinstance(value, str) else json.dumps(value, sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _clip(text: str, max_bytes: int) -> tuple[str, bool]:
    encoded = text.encode("utf-8")
    if len(encoded) <= max_bytes:
        return text, False
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

    ``full`` clips each text to ``max_bytes`` (UTF-8) and flags it, so a large
    prompt cannot push the record past the log event size limit.
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
    truncated = False
    if prompt is not None:
        clipped_prompt = []
        for message in prompt:
            text, cut = _clip(message["content"], max_bytes)
            truncated |= cut
            clipped_prompt.append({"role": message["role"], "content": text})
        fields["prompt"] = clipped_prompt
    if response is not None:
        fields["response"], cut = _clip(response, max_bytes)
        truncated |= cut
    if truncated:
        fields["content_truncated"] = True
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
    input_tokens: int | None = None
    output_tokens: int | None = None
    total_tokens: int | None = None
    cache_read_tokens: int | None = None
    cache_write_tokens: int | None = None
    stop_reason: str | None = None
    error_type: str | None = None
    error_message: str | None = None
    content: dict[str, Any] = field(default_factory=dict)
    metadata: dict[str, str] = field(default_factory=dict)

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
            "throttles": int(self.error_type in THROTTLING_CODES),
        }
        optional = {
            "time_to_first_token_ms": None
            if self.time_to_first_token_ms is None
            else round(self.time_to_first_token_ms, 3),
            "input_tokens": self.input_tokens,
            "output_tokens": self.output_tokens,
            "total_tokens": self.total_tokens,
            "cache_read_tokens": self.cache_read_tokens,
            "cache_write_tokens": self.cache_write_tokens,
            "stop_reason": self.stop_reason,
            "error_type": self.error_type,
            "error_message": self.error_message,
        }
        body.update((key, value) for key, value in optional.items() if value is not None)
        if self.metadata:
            body["metadata"] = self.metadata
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
