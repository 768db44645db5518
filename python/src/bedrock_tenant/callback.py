"""LangChain callback handler that records every model call to a sink.

``InvocationLogger`` turns the chat-model lifecycle (start, first token, end or
error) into one :class:`~bedrock_tenant.records.InvocationRecord` per call and
hands it to a sink. It never raises into the model call: a logging failure is
logged and counted, and the call's result is returned as usual.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

from botocore.exceptions import ClientError
from langchain_core.callbacks import BaseCallbackHandler
from langchain_core.messages import BaseMessage
from langchain_core.outputs import ChatGeneration, LLMResult

from .records import ContentPolicy, InvocationRecord, record_content
from .sinks import Sink

__all__ = ["InvocationLogger"]

logger = logging.getLogger(__name__)

_ROLES = {"human": "user", "ai": "assistant", "system": "system", "tool": "tool"}
_MAX_ERROR_MESSAGE = 1024


@dataclass(slots=True)
class _Call:
    started: float
    prompt: list[dict[str, str]]
    first_token_at: float | None = None


def _text(content: Any) -> str:
    """Plain text of a message's content (a string or a list of content blocks)."""
    if isinstance(content, str):
        return content
    parts = []
    for block in content:
        if isinstance(block, str):
            parts.append(block)
        elif isinstance(block, dict) and block.get("type") == "text":
            parts.append(str(block.get("text", "")))
    return "".join(parts)


def _error_code(error: BaseException) -> str:
    if isinstance(error, ClientError):
        return str(error.response.get("Error", {}).get("Code", "ClientError"))
    return getattr(error, "code", None) or type(error).__name__


class InvocationLogger(BaseCallbackHandler):
    """Writes one structured record per model call.

    Args:
        sink: where records go (:class:`~bedrock_tenant.sinks.CloudWatchLogsSink`,
            :class:`~bedrock_tenant.sinks.StdoutSink`, or your own).
        tenant_id, model_id, region: identify the call in every record.
        request_id: the caller's request id (Lambda ``aws_request_id``).
        content_policy: ``full``, ``hash`` or ``none`` for prompt and response text.
        metadata: caller metadata copied into every record.
        namespace: CloudWatch metric namespace of the EMF metadata.
        max_content_bytes: per-text cap under the ``full`` policy.
    """

    raise_error = False  # LangChain: never let a callback failure fail the call

    def __init__(
        self,
        sink: Sink,
        *,
        tenant_id: str,
        model_id: str,
        region: str,
        request_id: str | None = None,
        content_policy: ContentPolicy | str = ContentPolicy.HASH,
        metadata: dict[str, str] | None = None,
        namespace: str = "BedrockTenant",
        max_content_bytes: int = 32_768,
    ) -> None:
        self.sink = sink
        self.tenant_id = tenant_id
        self.model_id = model_id
        self.region = region
        self.request_id = request_id
        self.content_policy = ContentPolicy(content_policy)
        self.metadata = dict(metadata or {})
        self.namespace = namespace
        self.max_content_bytes = max_content_bytes
        self.records_emitted = 0
        self.failures = 0
        self._calls: dict[UUID, _Call] = {}

    # -- start --------------------------------------------------------------
    def on_chat_model_start(
        self,
        serialized: dict[str, Any],
        messages: list[list[BaseMessage]],
        *,
        run_id: UUID,
        **kwargs: Any,
    ) -> None:
        prompt = [
            {"role": _ROLES.get(message.type, message.type), "content": _text(message.content)}
            for batch in messages
            for message in batch
        ]
        self._calls[run_id] = _Call(started=time.perf_counter(), prompt=prompt)

    def on_llm_start(
        self,
        serialized: dict[str, Any],
        prompts: list[str],
        *,
        run_id: UUID,
        **kwargs: Any,
    ) -> None:
        prompt = [{"role": "user", "content": text} for text in prompts]
        self._calls[run_id] = _Call(started=time.perf_counter(), prompt=prompt)

    def on_llm_new_token(self, token: Any, *, run_id: UUID, **kwargs: Any) -> None:
        call = self._calls.get(run_id)
        if call is not None and call.first_token_at is None:
            call.first_token_at = time.perf_counter()

    # -- end ----------------------------------------------------------------
    def on_llm_end(
        self,
        response: LLMResult,
        *,
        run_id: UUID,
        parent_run_id: UUID | None = None,
        **kwargs: Any,
    ) -> None:
        self._finish(run_id, parent_run_id, _success_fields, response)

    def on_llm_error(
        self,
        error: BaseException,
        *,
        run_id: UUID,
        parent_run_id: UUID | None = None,
        **kwargs: Any,
    ) -> None:
        self._finish(run_id, parent_run_id, _error_fields, error)

    # -- helpers ------------------------------------------------------------
    def _finish(
        self, run_id: UUID, parent_run_id: UUID | None, fields_of: Callable[[Any], dict[str, Any]], outcome: Any
    ) -> None:
        """Record the end of a started call; never raises into the model call."""
        call = self._calls.pop(run_id, None)
        if call is None:
            return
        try:
            fields = fields_of(outcome)
            response = fields.pop("response", None)
            first_token = None if call.first_token_at is None else (call.first_token_at - call.started) * 1000
            record = InvocationRecord(
                tenant_id=self.tenant_id,
                model_id=self.model_id,
                region=self.region,
                request_id=self.request_id,
                run_id=str(run_id),
                parent_run_id=None if parent_run_id is None else str(parent_run_id),
                timestamp=datetime.now(UTC),
                latency_ms=(time.perf_counter() - call.started) * 1000,
                streaming=call.first_token_at is not None,
                time_to_first_token_ms=first_token,
                content=record_content(self.content_policy, call.prompt, response, max_bytes=self.max_content_bytes),
                metadata=self.metadata,
                **fields,
            )
            self.sink.emit(record.to_dict(self.namespace), record.timestamp_ms)
            self.records_emitted += 1
        except Exception:  # a logging bug must not fail the model call
            self.failures += 1
            logger.warning("could not record a model call")


def _success_fields(response: LLMResult) -> dict[str, Any]:
    generation = response.generations[0][0] if response.generations and response.generations[0] else None
    text = generation.text if generation is not None else ""
    usage: dict[str, Any] = {}
    metadata: dict[str, Any] = {}
    if isinstance(generation, ChatGeneration):
        message = generation.message
        usage = dict(getattr(message, "usage_metadata", None) or {})
        metadata = dict(message.response_metadata or {})
        text = _text(message.content)
    details = usage.get("input_token_details") or {}
    return {
        "status": "success",
        "response": text,
        "input_tokens": usage.get("input_tokens"),
        "output_tokens": usage.get("output_tokens"),
        "total_tokens": usage.get("total_tokens"),
        "cache_read_tokens": details.get("cache_read"),
        "cache_write_tokens": details.get("cache_creation"),
        "stop_reason": metadata.get("stopReason") or metadata.get("stop_reason"),
    }


def _error_fields(error: BaseException) -> dict[str, Any]:
    message = getattr(error, "message", None) or str(error)
    return {"status": "error", "error_type": _error_code(error), "error_message": message[:_MAX_ERROR_MESSAGE]}
