"""The callback handler over LangChain's fake chat models (no AWS)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pytest
from bedrock_tenant import InvocationLogger
from botocore.exceptions import ClientError
from langchain_core.callbacks import CallbackManagerForLLMRun
from langchain_core.language_models.chat_models import BaseChatModel
from langchain_core.language_models.fake_chat_models import GenericFakeChatModel
from langchain_core.messages import AIMessage, BaseMessage, HumanMessage, SystemMessage
from langchain_core.outputs import ChatResult
from langchain_core.runnables import RunnableLambda


class ListSink:
    def __init__(self) -> None:
        self.records: list[dict[str, Any]] = []
        self.timestamps: list[int] = []

    def emit(self, record: Mapping[str, Any], timestamp_ms: int) -> None:
        self.records.append(dict(record))
        self.timestamps.append(timestamp_ms)

    def flush(self) -> None:
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
    assert (record["cache_read_tokens"], record["cache_write_tokens"]) == (4, 2)
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
