"""Exact token accounting for one model call.

Two providers of the same numbers disagree on what "input tokens" means, and
mixing them up double-counts or misses prompt-cache tokens:

* Bedrock's Converse ``usage`` (``TokenUsage``): ``inputTokens`` counts only the
  input that was neither read from nor written to the prompt cache;
  ``cacheReadInputTokens`` and ``cacheWriteInputTokens`` are separate buckets
  (https://docs.aws.amazon.com/bedrock/latest/APIReference/API_runtime_TokenUsage.html,
  https://docs.aws.amazon.com/bedrock/latest/userguide/prompt-caching.html). A
  streamed response carries the same ``usage`` in its final ``metadata`` event
  (https://docs.aws.amazon.com/bedrock/latest/APIReference/API_runtime_ConverseStreamMetadataEvent.html).
* LangChain's ``usage_metadata`` as langchain-aws 1.9.1 builds it
  (``chat_models/bedrock_converse.py::_extract_usage_metadata``): ``input_tokens``
  is already the sum of all three buckets; ``input_token_details.cache_read`` and
  ``cache_creation`` are the cache buckets, except that when Bedrock returns a
  per-TTL ``cacheDetails`` breakdown, ``cache_creation`` is set to 0 and the writes
  are reported as ``ephemeral_5m_input_tokens`` / ``ephemeral_1h_input_tokens``.

:class:`TokenUsage` holds one normalised form whose fields map one-to-one onto the
OpenTelemetry GenAI semantic conventions (``gen_ai.usage.input_tokens`` includes
cached tokens). docs/record-schema.md states the definitions and the mapping.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

__all__ = ["OTEL_ATTRIBUTES", "TokenUsage"]

# Record field -> OpenTelemetry GenAI attribute (semantic conventions registry,
# gen-ai, as of open-telemetry/semantic-conventions PR #3163; see docs/record-schema.md).
OTEL_ATTRIBUTES = {
    "input_tokens": "gen_ai.usage.input_tokens",
    "cache_read_input_tokens": "gen_ai.usage.cache_read.input_tokens",
    "cache_creation_input_tokens": "gen_ai.usage.cache_creation.input_tokens",
    "output_tokens": "gen_ai.usage.output_tokens",
}

# langchain-aws 1.9.1 reports cache writes under these keys when Bedrock gives a per-TTL breakdown.
_PER_TTL_CACHE_WRITES = ("ephemeral_5m_input_tokens", "ephemeral_1h_input_tokens")


def _count(value: Any) -> int | None:
    """A token count: a non-negative int (bool is not a count)."""
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        return None
    return value


@dataclass(frozen=True, slots=True)
class TokenUsage:
    """Tokens of one call.

    ``input_tokens`` includes the cache buckets (OpenTelemetry's definition);
    ``uncached_input_tokens`` is what is left (Converse ``inputTokens``);
    ``total_tokens`` is ``input_tokens + output_tokens``, whatever the provider's
    own total says.
    """

    input_tokens: int
    output_tokens: int
    cache_read_input_tokens: int = 0
    cache_creation_input_tokens: int = 0

    @property
    def uncached_input_tokens(self) -> int:
        return self.input_tokens - self.cache_read_input_tokens - self.cache_creation_input_tokens

    @property
    def total_tokens(self) -> int:
        return self.input_tokens + self.output_tokens

    @property
    def consistent(self) -> bool:
        """Whether the cache buckets fit inside the input (a provider bug otherwise)."""
        return self.uncached_input_tokens >= 0

    @classmethod
    def from_converse(cls, usage: Mapping[str, Any]) -> TokenUsage | None:
        """From Bedrock's Converse/ConverseStream ``usage`` (disjoint buckets)."""
        uncached = _count(usage.get("inputTokens"))
        output = _count(usage.get("outputTokens"))
        read = _count(usage.get("cacheReadInputTokens", 0))
        write = _count(usage.get("cacheWriteInputTokens", 0))
        if uncached is None or output is None or read is None or write is None:
            return None
        return cls(
            input_tokens=uncached + read + write,
            output_tokens=output,
            cache_read_input_tokens=read,
            cache_creation_input_tokens=write,
        )

    @classmethod
    def from_langchain(cls, usage: Mapping[str, Any] | None) -> TokenUsage | None:
        """From LangChain's ``usage_metadata`` (inclusive input); ``None`` when
        absent or not made of non-negative integers."""
        if not usage:
            return None
        total_input = _count(usage.get("input_tokens"))
        output = _count(usage.get("output_tokens"))
        details = usage.get("input_token_details") or {}
        if not isinstance(details, Mapping):
            return None
        read = _count(details.get("cache_read", 0) or 0)
        writes = [_count(details.get(key, 0) or 0) for key in ("cache_creation", *_PER_TTL_CACHE_WRITES)]
        if total_input is None or output is None or read is None or None in writes:
            return None
        return cls(
            input_tokens=total_input,
            output_tokens=output,
            cache_read_input_tokens=read,
            cache_creation_input_tokens=sum(write for write in writes if write is not None),
        )

    def record_fields(self) -> dict[str, int]:
        """The record's token fields (``uncached_input_tokens`` only when consistent)."""
        fields = {
            "input_tokens": self.input_tokens,
            "cache_read_input_tokens": self.cache_read_input_tokens,
            "cache_creation_input_tokens": self.cache_creation_input_tokens,
            "output_tokens": self.output_tokens,
            "total_tokens": self.total_tokens,
        }
        if self.consistent:
            fields["uncached_input_tokens"] = self.uncached_input_tokens
        return fields
