"""The callback handler over LangChain's fake chat models (no AWS)."""

from __future__ import annotations

import logging
import threading
import time
import uuid
from collections.abc import Iterator, Mapping
from types import FrameType
from typing import Any

import pytest
from bedrock_tenant import InvocationLogger
from bedrock_tenant import callback as callback_module
from botocore.exceptions import ClientError, EventStreamError, ReadTimeoutError
from langchain_core.callbacks import CallbackManagerForLLMRun
from langchain_core.language_models.chat_models import BaseChatModel
from langchain_core.language_models.fake_chat_models import GenericFakeChatModel
from langchain_core.messages import AIMessage, AIMessageChunk, BaseMessage, HumanMessage, SystemMessage
from langchain_core.messages.ai import UsageMetadata
from langchain_core.outputs import ChatGenerationChunk, ChatResult, LLMResult
from langchain_core.runnables import RunnableLambda


class ListSink:
    def __init__(self) -> None:
        self.records: list[dict[str, Any]] = []
        self.timestamps: list[int] = []

    def emit(self, record: Mapping[str, Any], timestamp_ms: int) -> None:
        self.records.append(dict(record))
        self.timestamps.append(timestamp_ms)

    def flush(self, timeout_s: float | None = None) -> None:
        pass


class BrokenSink(ListSink):
    def emit(self, record: Mapping[str, Any], timestamp_ms: int) -> None:
        raise OSError("disk on fire")


class FailingModel(BaseChatModel):
    code: str = "ThrottlingException"

    @property
    def _llm_type(self) -> str:
        return "failing"

    def _generate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> ChatResult:
        raise ClientError({"Error": {"Code": self.code, "Message": "Rate exceeded"}}, "Converse")


def answer() -> AIMessage:
    return AIMessage(
        content="Paris is the capital.",
        usage_metadata={
            "input_tokens": 12,
            "output_tokens": 5,
            "total_tokens": 17,
            "input_token_details": {"cache_read": 4, "cache_creation": 2},
        },
        response_metadata={"stopReason": "end_turn"},
    )


def logger_for(sink: ListSink, **kwargs: Any) -> InvocationLogger:
    options: dict[str, Any] = {
        "tenant_id": "tenant-a",
        "model_id": "anthropic.claude-3-5-haiku-20241022-v1:0",
        "region": "us-east-1",
        "request_id": "req-42",
        "content_policy": "full",
        "metadata": {"conversation": "c-1"},
    }
    options.update(kwargs)
    return InvocationLogger(sink, **options)


PROMPT = [SystemMessage("Be brief."), HumanMessage("What is the capital of France?")]


def test_one_record_per_call_with_usage_and_ids() -> None:
    sink = ListSink()
    model = GenericFakeChatModel(messages=iter([answer()]))
    model.invoke(PROMPT, config={"callbacks": [logger_for(sink)]})
    [record] = sink.records
    assert record["status"] == "success"
    assert (record["tenant_id"], record["request_id"]) == ("tenant-a", "req-42")
    assert record["run_id"]
    assert record["parent_run_id"] is None
    assert (record["input_tokens"], record["output_tokens"], record["total_tokens"]) == (12, 5, 17)
    assert (record["cache_read_input_tokens"], record["cache_creation_input_tokens"]) == (4, 2)
    assert record["uncached_input_tokens"] == 6  # 12 inclusive - 4 read - 2 written
    assert record["stop_reason"] == "end_turn"
    assert record["latency_ms"] >= 0
    assert record["streaming"] is False
    assert "time_to_first_token_ms" not in record
    assert record["metadata"] == {"conversation": "c-1"}
    assert record["prompt"] == [
        {"role": "system", "content": "Be brief."},
        {"role": "user", "content": "What is the capital of France?"},
    ]
    assert record["response"] == "Paris is the capital."
    assert sink.timestamps == [record["_aws"]["Timestamp"]]


def test_streaming_records_time_to_first_token() -> None:
    sink = ListSink()
    model = GenericFakeChatModel(messages=iter([answer()]))
    chunks = list(model.stream(PROMPT, config={"callbacks": [logger_for(sink)]}))
    assert len(chunks) > 1
    [record] = sink.records
    assert record["streaming"] is True
    assert 0 <= record["time_to_first_token_ms"] <= record["latency_ms"]
    assert record["response"] == "Paris is the capital."


def test_error_is_recorded_and_still_raised() -> None:
    sink = ListSink()
    with pytest.raises(ClientError):
        FailingModel().invoke(PROMPT, config={"callbacks": [logger_for(sink)]})
    [record] = sink.records
    assert record["status"] == "error"
    assert record["error_type"] == "ThrottlingException"
    assert "Rate exceeded" in record["error_message"]
    assert (record["errors"], record["throttles"]) == (1, 1)
    assert "response" not in record
    assert record["prompt"][1]["content"] == "What is the capital of France?"


def test_a_failing_sink_never_fails_the_call() -> None:
    handler = logger_for(BrokenSink())
    result = GenericFakeChatModel(messages=iter([answer()])).invoke(PROMPT, config={"callbacks": [handler]})
    assert result.content == "Paris is the capital."
    assert (handler.failures, handler.records_emitted) == (1, 0)


def as_messages(text: str) -> list[BaseMessage]:
    return [HumanMessage(text)]


def test_nested_call_carries_its_parent_run_id() -> None:
    sink = ListSink()
    model = GenericFakeChatModel(messages=iter([answer()]))
    chain = RunnableLambda(as_messages) | model
    chain.invoke("hi", config={"callbacks": [logger_for(sink)]})
    [record] = sink.records
    assert record["parent_run_id"] is not None
    assert record["parent_run_id"] != record["run_id"]


@pytest.mark.parametrize("policy", ["none", "hash"])
def test_content_policy_keeps_text_out(policy: str) -> None:
    sink = ListSink()
    GenericFakeChatModel(messages=iter([answer()])).invoke(
        PROMPT, config={"callbacks": [logger_for(sink, content_policy=policy)]}
    )
    serialized = str(sink.records)
    assert "capital of France" not in serialized
    assert "Paris" not in serialized
    assert ("prompt_sha256" in sink.records[0]) is (policy == "hash")


# -- time to first token: the first chunk with content (point 8) ------------------

EMPTY_CHUNKS: list[Any] = ["", [], [{"type": "text", "text": ""}], [{"type": "text", "text": "", "index": 0}]]
CONTENT_CHUNKS: list[Any] = [
    "Paris",
    [{"type": "text", "text": "Paris", "index": 0}],
    [{"type": "tool_use", "name": "lookup", "id": "t-1", "input": {}, "index": 0}],
    [{"type": "reasoning_content", "reasoning_content": {"text": "hmm"}, "index": 0}],
]


def chunk(content: Any) -> ChatGenerationChunk:
    return ChatGenerationChunk(message=AIMessageChunk(content=content))


def start(handler: InvocationLogger, **kwargs: Any) -> uuid.UUID:
    run_id = uuid.uuid4()
    handler.on_chat_model_start({}, [[HumanMessage("hi")]], run_id=run_id, **kwargs)
    return run_id


@pytest.mark.parametrize("empty", EMPTY_CHUNKS, ids=repr)
@pytest.mark.parametrize("content", CONTENT_CHUNKS, ids=repr)
def test_time_to_first_token_waits_for_content(empty: Any, content: Any) -> None:
    sink = ListSink()
    handler = logger_for(sink)
    run_id = start(handler)
    handler.on_llm_new_token(empty, chunk=chunk(empty), run_id=run_id)  # e.g. Bedrock's messageStart
    time.sleep(0.05)
    handler.on_llm_new_token(content, chunk=chunk(content), run_id=run_id)
    handler.on_llm_end(LLMResult(generations=[[]]), run_id=run_id)
    [record] = sink.records
    assert record["streaming"] is True
    assert record["time_to_first_token_ms"] >= 50


def test_a_stream_without_content_has_no_time_to_first_token() -> None:
    sink = ListSink()
    handler = logger_for(sink)
    run_id = start(handler)
    for empty in EMPTY_CHUNKS:
        handler.on_llm_new_token(empty, chunk=chunk(empty), run_id=run_id)
    handler.on_llm_end(LLMResult(generations=[[]]), run_id=run_id)
    [record] = sink.records
    assert record["streaming"] is True
    assert "time_to_first_token_ms" not in record


def test_a_tool_call_chunk_is_content() -> None:
    sink = ListSink()
    handler = logger_for(sink)
    run_id = start(handler)
    tool_chunk = ChatGenerationChunk(
        message=AIMessageChunk(content="", tool_call_chunks=[{"name": "f", "args": "", "id": "1", "index": 0}])
    )
    handler.on_llm_new_token("", chunk=tool_chunk, run_id=run_id)
    handler.on_llm_end(LLMResult(generations=[[]]), run_id=run_id)
    assert "time_to_first_token_ms" in sink.records[0]


# -- error codes, however AWS spells them (point 9) -------------------------------

# ConverseStream exception events and the HTTP error codes they mirror.
STREAM_EXCEPTIONS = {
    "throttlingException": ("ThrottlingException", 1),
    "serviceUnavailableException": ("ServiceUnavailableException", 0),
    "internalServerException": ("InternalServerException", 0),
    "modelStreamErrorException": ("ModelStreamErrorException", 0),
    "validationException": ("ValidationException", 0),
}


class StreamFailingModel(FailingModel):
    """Fails the way botocore does when a ConverseStream response carries an exception event."""

    def _generate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> ChatResult:
        raise EventStreamError({"Error": {"Code": self.code, "Message": "mid-stream"}}, "ConverseStream")


@pytest.mark.parametrize(("event_code", "expected"), STREAM_EXCEPTIONS.items(), ids=STREAM_EXCEPTIONS)
def test_stream_exception_events_are_read_like_http_errors(event_code: str, expected: tuple[str, int]) -> None:
    sink = ListSink()
    with pytest.raises(EventStreamError):
        StreamFailingModel(code=event_code).invoke(PROMPT, config={"callbacks": [logger_for(sink)]})
    [record] = sink.records
    assert (record["error_type"], record["throttles"]) == expected


@pytest.mark.parametrize("code", ["throttlingexception", "THROTTLINGEXCEPTION", "ThrottlingException", "throttling"])
def test_throttling_is_counted_in_any_case(code: str) -> None:
    sink = ListSink()
    with pytest.raises(ClientError):
        FailingModel(code=code).invoke(PROMPT, config={"callbacks": [logger_for(sink)]})
    assert sink.records[0]["throttles"] == 1


# -- streaming flag, counters, pending calls (point 11) ---------------------------


STREAM_FAILURES = {
    "HTTP error on ConverseStream": ClientError({"Error": {"Code": "ThrottlingException"}}, "ConverseStream"),
    "exception event first": EventStreamError({"Error": {"Code": "throttlingException"}}, "ConverseStream"),
    "InvokeModelWithResponseStream": ClientError({"Error": {"Code": "X"}}, "InvokeModelWithResponseStream"),
    "read timeout on converse-stream": ReadTimeoutError(
        endpoint_url="https://bedrock-runtime.us-east-1.amazonaws.com/model/m/converse-stream"
    ),
}
NOT_STREAM_FAILURES = {
    "HTTP error on Converse": ClientError({"Error": {"Code": "ThrottlingException"}}, "Converse"),
    "read timeout on converse": ReadTimeoutError(
        endpoint_url="https://bedrock-runtime.us-east-1.amazonaws.com/model/m/converse"
    ),
    "any other error": RuntimeError("boom"),
}


@pytest.mark.parametrize(
    ("error", "streaming"),
    [
        *((error, True) for error in STREAM_FAILURES.values()),
        *((error, False) for error in NOT_STREAM_FAILURES.values()),
    ],
    ids=[*STREAM_FAILURES, *NOT_STREAM_FAILURES],
)
def test_a_stream_that_fails_before_its_first_chunk_is_a_stream(error: BaseException, streaming: bool) -> None:
    sink = ListSink()
    handler = logger_for(sink)
    run_id = start(handler)
    handler.on_llm_error(error, run_id=run_id)
    assert sink.records[0]["streaming"] is streaming


@pytest.mark.parametrize("params", [{"stream": True}, {"streaming": True}])
def test_a_call_declared_as_a_stream_is_a_stream(params: dict[str, Any]) -> None:
    sink = ListSink()
    handler = logger_for(sink)
    run_id = start(handler, invocation_params=params)
    handler.on_llm_error(RuntimeError("before any chunk"), run_id=run_id)
    assert sink.records[0]["streaming"] is True


@pytest.fixture
def preempted_callbacks() -> Iterator[None]:
    """Yield the GIL between every bytecode of the callback module, so that any
    read-modify-write not protected by a lock loses updates, as it would on a
    free-threaded interpreter or under an unlucky switch."""
    target = callback_module.__file__

    def opcode_tracer(frame: FrameType, event: str, arg: Any) -> Any:
        if event == "opcode":
            time.sleep(0)
        return opcode_tracer

    def tracer(frame: FrameType, event: str, arg: Any) -> Any:
        if frame.f_code.co_filename != target:
            return None
        frame.f_trace_opcodes = True
        return opcode_tracer

    threading.settrace(tracer)
    try:
        yield
    finally:
        threading.settrace(None)


@pytest.mark.usefixtures("preempted_callbacks")
@pytest.mark.parametrize("sink_class", [ListSink, BrokenSink])
def test_counters_are_exact_under_concurrent_calls(
    sink_class: type[ListSink], caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.CRITICAL)
    handler = logger_for(sink_class(), content_policy="none")
    threads, calls = 4, 60

    def work() -> None:
        for _ in range(calls):
            run_id = start(handler)
            handler.on_llm_end(LLMResult(generations=[[]]), run_id=run_id)

    workers = [threading.Thread(target=work) for _ in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(60)
    assert handler.records_emitted + handler.failures == threads * calls
    assert (handler.records_emitted if sink_class is ListSink else handler.failures) == threads * calls


def test_runs_that_never_end_do_not_grow_the_table() -> None:
    sink = ListSink()
    handler = logger_for(sink, max_pending_calls=100)
    abandoned = [start(handler) for _ in range(1000)]  # e.g. streams never consumed to the end
    assert len(handler._calls) == 100
    assert handler.evicted_calls == 900
    handler.on_llm_end(LLMResult(generations=[[]]), run_id=abandoned[-1])  # the newest are still there
    handler.on_llm_end(LLMResult(generations=[[]]), run_id=abandoned[0])  # the oldest were forgotten
    assert len(sink.records) == 1


# -- text that cannot be encoded still makes a record (point 10) ------------------


@pytest.mark.parametrize("policy", ["full", "hash", "none"])
def test_a_lone_surrogate_in_the_conversation_still_makes_a_record(policy: str) -> None:
    sink = ListSink()
    handler = logger_for(sink, content_policy=policy, metadata={"note": "cut \ud83d"})
    model = GenericFakeChatModel(messages=iter([AIMessage("half an emoji: \ud83d")]))
    model.invoke([HumanMessage("and \ude00 here")], config={"callbacks": [handler]})
    assert (handler.records_emitted, handler.failures) == (1, 0)


def test_a_failure_to_record_names_its_reason(caplog: pytest.LogCaptureFixture) -> None:
    GenericFakeChatModel(messages=iter([answer()])).invoke(PROMPT, config={"callbacks": [logger_for(BrokenSink())]})
    assert "could not record a model call: OSError: disk on fire" in caplog.text


# -- a call still running when the invocation's time runs out -------------------------


def streamed_usage() -> ChatGenerationChunk:
    usage = UsageMetadata(input_tokens=9, output_tokens=3, total_tokens=12)
    return ChatGenerationChunk(message=AIMessageChunk(content="", usage_metadata=usage))


@pytest.mark.parametrize("late_end", ["end", "error", "none"])
def test_a_call_running_at_the_deadline_is_recorded_once_as_timed_out(late_end: str) -> None:
    sink = ListSink()
    handler = logger_for(sink)
    parent = uuid.uuid4()
    run_id = start(handler, parent_run_id=parent)
    handler.on_llm_new_token("Par", chunk=chunk("Par"), run_id=run_id)
    handler.on_llm_new_token("", chunk=streamed_usage(), run_id=run_id)
    assert handler.abandon_pending("out of time") == 1
    if late_end == "end":  # the model answers after all, before Lambda stops the runtime
        handler.on_llm_end(LLMResult(generations=[[]]), run_id=run_id)
    elif late_end == "error":
        handler.on_llm_error(ReadTimeoutError(endpoint_url="https://bedrock"), run_id=run_id)
    [record] = sink.records
    assert (record["status"], record["error_type"]) == ("error", "FunctionTimeout")
    assert record["error_message"] == "out of time"
    assert (record["errors"], record["invocations"], record["throttles"]) == (1, 1, 0)
    assert (record["input_tokens"], record["output_tokens"]) == (9, 3)  # what the stream had reported
    assert record["streaming"] is True
    assert record["parent_run_id"] == str(parent)
    assert record["request_id"] == "req-42"
    assert record["latency_ms"] >= 0
    assert handler.records_emitted == 1


def test_only_calls_still_running_are_abandoned() -> None:
    sink = ListSink()
    handler = logger_for(sink)
    done, running = start(handler), start(handler)
    handler.on_llm_end(LLMResult(generations=[[]]), run_id=done)
    assert handler.abandon_pending("out of time") == 1
    assert handler.abandon_pending("out of time") == 0  # nothing twice
    assert [(r["run_id"], r["status"]) for r in sink.records] == [(str(done), "success"), (str(running), "error")]


@pytest.mark.usefixtures("preempted_callbacks")
def test_an_end_racing_the_deadline_makes_exactly_one_record() -> None:
    sink = ListSink()
    handler = logger_for(sink, content_policy="none")
    runs = [start(handler) for _ in range(40)]
    barrier = threading.Barrier(2)

    def end_all() -> None:
        barrier.wait()
        for run_id in runs:
            handler.on_llm_end(LLMResult(generations=[[]]), run_id=run_id)

    def abandon() -> None:
        barrier.wait()
        for _ in runs:
            handler.abandon_pending("out of time")

    workers = [threading.Thread(target=end_all), threading.Thread(target=abandon)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(60)
    assert sorted(record["run_id"] for record in sink.records) == sorted(str(run_id) for run_id in runs)
    assert handler.records_emitted == len(runs)
