"""LangChain callback handler that records every model call to a sink.

``InvocationLogger`` turns the chat-model lifecycle (start, first token, end or
error) into one :class:`~bedrock_tenant.records.InvocationRecord` per call and
hands it to a sink. It never raises into the model call: a logging failure is
logged with its reason and counted, and the call's result is returned as usual.
One logger may serve concurrent calls from many threads.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

from langchain_core.callbacks import BaseCallbackHandler
from langchain_core.messages import BaseMessage
from langchain_core.outputs import ChatGeneration, LLMResult

from .errors import error_code, is_streaming_failure
from .guardrail import guardrail_outcome
from .pricing import CostEstimate, PriceTables, estimate_cost, load_price_table
from .pricing import base_model_id as resolve_base_model
from .records import ContentPolicy, InvocationRecord, record_content
from .sinks import Sink
from .usage import TokenUsage

__all__ = ["InvocationLogger"]

logger = logging.getLogger(__name__)

_ROLES = {"human": "user", "ai": "assistant", "system": "system", "tool": "tool"}
_MAX_ERROR_MESSAGE = 1024
_MAX_FAILURE_REASON = 200
# error_type of a call still running when the invocation's time runs out (see abandon_pending).
FUNCTION_TIMEOUT = "FunctionTimeout"


@dataclass(slots=True)
class _Call:
    started: float
    prompt: list[dict[str, str]]
    streaming: bool = False
    first_token_at: float | None = None
    usage: TokenUsage | None = None  # from a streamed metadata chunk, kept if the stream then fails
    parent_run_id: UUID | None = None


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


def _carries_content(token: Any, chunk: Any) -> bool:
    """Whether a streamed chunk holds generated content. Bedrock streams open with
    an empty ``messageStart`` chunk and close with empty stop and metadata chunks;
    time to first token is measured to the first text, tool-use or reasoning block."""
    if _text(token):
        return True
    if isinstance(token, list) and any(
        isinstance(block, dict) and block.get("type") not in (None, "text") for block in token
    ):
        return True
    return bool(getattr(getattr(chunk, "message", None), "tool_call_chunks", None))


def _declares_streaming(kwargs: dict[str, Any]) -> bool:
    """``stream``/``streaming`` in the invocation parameters: a model configured to
    stream, or a call made with ``stream=True``."""
    params = kwargs.get("invocation_params") or {}
    return bool(params.get("stream") or params.get("streaming"))


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
        max_pending_calls: started calls remembered at most; past it the oldest
            is forgotten (counted in ``evicted_calls``), so runs that never end
            cannot grow memory without bound.
        guardrail_configured: calls name a guardrail, so every answer's record
            carries the ``guardrail`` member and the ``guardrail_interventions``
            metric (0 or 1), not only the interventions.
        base_model_id: the foundation model priced for the cost estimate; by
            default resolved from ``model_id`` (an application inference profile
            ARN cannot be resolved, so pass its model).
        prices: price tables for ``estimated_cost_usd`` (default: the shipped table).
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
        max_pending_calls: int = 1024,
        guardrail_configured: bool = False,
        base_model_id: str | None = None,
        prices: PriceTables | None = None,
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
        self.max_pending_calls = max_pending_calls
        self.guardrail_configured = guardrail_configured
        self.base_model_id = base_model_id or resolve_base_model(model_id)
        self.prices = prices or load_price_table()
        self.records_emitted = 0
        self.failures = 0
        self.evicted_calls = 0
        self._calls: dict[UUID, _Call] = {}  # insertion order: oldest first
        self._lock = threading.Lock()  # the table and the counters; concurrent calls share a logger

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
        self._start(run_id, prompt, kwargs)

    def on_llm_start(
        self,
        serialized: dict[str, Any],
        prompts: list[str],
        *,
        run_id: UUID,
        **kwargs: Any,
    ) -> None:
        prompt = [{"role": "user", "content": text} for text in prompts]
        self._start(run_id, prompt, kwargs)

    def on_llm_new_token(self, token: Any, *, run_id: UUID, **kwargs: Any) -> None:
        now = time.perf_counter()
        call = self._calls.get(run_id)
        if call is None:
            return
        call.streaming = True
        chunk = kwargs.get("chunk")
        if call.first_token_at is None and _carries_content(token, chunk):
            call.first_token_at = now
        chunk_usage = getattr(getattr(chunk, "message", None), "usage_metadata", None)
        if chunk_usage:  # the ConverseStream metadata event
            call.usage = TokenUsage.from_langchain(chunk_usage)

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

    # -- deadline -----------------------------------------------------------
    def abandon_pending(self, reason: str) -> int:
        """Record every call still running as an error of type ``FunctionTimeout``
        with ``reason`` as its message, and forget it: if the call ends later, it
        writes no second record. Returns how many calls were recorded.

        The Lambda handler calls this just before the invocation's time runs out,
        because a timed-out invocation never reaches the model's end callback."""
        with self._lock:
            pending = list(self._calls)
        recorded = 0
        for run_id in pending:
            recorded += self._finish(run_id, None, _timeout_fields, reason)
        return recorded

    # -- helpers ------------------------------------------------------------
    def _start(self, run_id: UUID, prompt: list[dict[str, str]], kwargs: dict[str, Any]) -> None:
        call = _Call(
            started=time.perf_counter(),
            prompt=prompt,
            streaming=_declares_streaming(kwargs),
            parent_run_id=kwargs.get("parent_run_id"),
        )
        with self._lock:
            self._calls[run_id] = call
            while len(self._calls) > self.max_pending_calls:
                del self._calls[next(iter(self._calls))]
                self.evicted_calls += 1

    def _finish(
        self, run_id: UUID, parent_run_id: UUID | None, fields_of: Callable[[Any], dict[str, Any]], outcome: Any
    ) -> bool:
        """Record the end of a started call, once; never raises into the model call.
        Whether a record was made."""
        with self._lock:
            call = self._calls.pop(run_id, None)
        if call is None:  # never started, evicted, or already recorded (e.g. abandoned at the deadline)
            return False
        parent_run_id = parent_run_id or call.parent_run_id
        try:
            fields = fields_of(outcome)
            response = fields.pop("response", None)
            answer_metadata = fields.pop("answer_metadata", None)
            usage = fields.pop("usage", None) or call.usage
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
                streaming=call.streaming or (isinstance(outcome, BaseException) and is_streaming_failure(outcome)),
                time_to_first_token_ms=first_token,
                content=record_content(self.content_policy, call.prompt, response, max_bytes=self.max_content_bytes),
                metadata=self.metadata,
                guardrail=None
                if answer_metadata is None
                else guardrail_outcome(
                    answer_metadata,
                    configured=self.guardrail_configured,
                    keep_matches=self.content_policy is ContentPolicy.FULL,
                ),
                base_model_id=self.base_model_id,
                **({} if usage is None else usage.record_fields()),
                **self._cost(usage).record_fields(),
                **fields,
            )
            self.sink.emit(record.to_dict(self.namespace), record.timestamp_ms)
        except Exception as exc:  # a logging bug must not fail the model call
            with self._lock:
                self.failures += 1
            logger.warning("could not record a model call: %s: %s", type(exc).__name__, str(exc)[:_MAX_FAILURE_REASON])
            return False
        with self._lock:
            self.records_emitted += 1
        return True

    def _cost(self, usage: TokenUsage | None) -> CostEstimate:
        if self.base_model_id is None:
            return CostEstimate(None, unavailable="unresolved_inference_profile")
        return estimate_cost(usage, model_id=self.base_model_id, region=self.region, tables=self.prices)


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
    return {
        "status": "success",
        "response": text,
        "usage": TokenUsage.from_langchain(usage),
        "stop_reason": metadata.get("stopReason") or metadata.get("stop_reason"),
        "answer_metadata": metadata,  # read for the guardrail's assessment (trace)
    }


def _timeout_fields(reason: str) -> dict[str, Any]:
    return {"status": "error", "error_type": FUNCTION_TIMEOUT, "error_message": reason[:_MAX_ERROR_MESSAGE]}


def _error_fields(error: BaseException) -> dict[str, Any]:
    message = getattr(error, "message", None) or str(error)
    return {"status": "error", "error_type": error_code(error), "error_message": message[:_MAX_ERROR_MESSAGE]}
