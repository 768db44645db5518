"""A model call still running when the invocation's time runs out: recorded and
flushed before Lambda stops the runtime, once (no AWS; a model that waits)."""

from __future__ import annotations

import threading
import time
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, cast

import boto3
import pytest
from bedrock_tenant import Settings
from bedrock_tenant.__main__ import LocalContext
from bedrock_tenant.handler import DEADLINE_THREAD, LambdaHandler, Runtime
from langchain_core.callbacks import CallbackManagerForLLMRun
from langchain_core.language_models.chat_models import BaseChatModel
from langchain_core.messages import AIMessage, BaseMessage
from langchain_core.outputs import ChatGeneration, ChatResult

from tests.python.unit.test_handler_requests import SETTINGS

if TYPE_CHECKING:
    from langchain_aws import ChatBedrockConverse


class WaitingModel(BaseChatModel):
    """Answers when ``release`` is set (or at once when it already is)."""

    release: threading.Event

    @property
    def _llm_type(self) -> str:
        return "waiting"

    def _generate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> ChatResult:
        assert self.release.wait(30), "the test never released the model"
        return ChatResult(generations=[ChatGeneration(message=AIMessage(content="late answer"))])


class FlushedSink:
    """Keeps records; ``flushed`` holds what each flush delivered and when."""

    def __init__(self) -> None:
        self.buffer: list[dict[str, Any]] = []
        self.flushed: list[tuple[float, list[dict[str, Any]]]] = []
        self.lock = threading.Lock()

    def emit(self, record: Mapping[str, Any], timestamp_ms: int) -> None:
        with self.lock:
            self.buffer.append(dict(record))

    def flush(self, timeout_s: float | None = None) -> None:
        with self.lock:
            batch, self.buffer = self.buffer, []
            self.flushed.append((time.monotonic(), batch))

    def delivered(self) -> list[dict[str, Any]]:
        with self.lock:
            return [record for _, batch in self.flushed for record in batch]


class Context:
    """Lambda's context: the time left counts down to a deadline."""

    def __init__(self, request_id: str, remaining_s: float) -> None:
        self.aws_request_id = request_id
        self.deadline = time.monotonic() + remaining_s

    def get_remaining_time_in_millis(self) -> int:
        return max(int((self.deadline - time.monotonic()) * 1000), 0)


def handler_with(model: BaseChatModel, sink: FlushedSink) -> LambdaHandler:
    base = boto3.Session(aws_access_key_id="AKIDEXAMPLE", aws_secret_access_key="x", region_name="us-east-1")
    runtime = Runtime.from_settings(Settings.from_env({}, **SETTINGS), base_session=base)
    # The handler only calls the model's invoke: any chat model stands in for ChatBedrockConverse.
    return LambdaHandler(Runtime(runtime.settings, runtime.operations, cast("ChatBedrockConverse", model), sink))


def no_watcher_left() -> bool:
    return not any(thread.name == DEADLINE_THREAD for thread in threading.enumerate())


@pytest.mark.parametrize("remaining_s", [0.1, 0.8, 2.0])
def test_a_call_running_when_time_runs_out_is_recorded_and_flushed_before_the_deadline(remaining_s: float) -> None:
    release, sink = threading.Event(), FlushedSink()
    handler = handler_with(WaitingModel(release=release), sink)
    context = Context("req-timeout", remaining_s)
    result: dict[str, Any] = {}
    worker = threading.Thread(target=lambda: result.update(handler({"prompt": "hi"}, context)), daemon=True)
    worker.start()
    while not sink.delivered() and time.monotonic() < context.deadline + 2:
        time.sleep(0.01)
    [record] = sink.delivered()
    flushed_at = sink.flushed[0][0]
    assert worker.is_alive(), "the record must not wait for the model"
    assert flushed_at <= context.deadline, f"flushed {flushed_at - context.deadline:.3f} s after Lambda's deadline"
    assert (record["request_id"], record["status"], record["error_type"]) == ("req-timeout", "error", "FunctionTimeout")
    release.set()  # the model answers in the last moment: the answer is returned, with no second record
    worker.join(30)
    assert result["answer"] == "late answer"
    assert len(sink.delivered()) == 1
    assert no_watcher_left()


def test_a_call_that_ends_in_time_is_recorded_once_and_leaves_no_watcher() -> None:
    release, sink = threading.Event(), FlushedSink()
    release.set()
    handler = handler_with(WaitingModel(release=release), sink)
    response = handler({"prompt": "hi"}, Context("req-fast", 0.6))
    assert response["answer"] == "late answer"
    assert no_watcher_left()
    time.sleep(0.6)  # past when the watcher would have woken
    assert [record["status"] for record in sink.delivered()] == ["success"]


def test_outside_lambda_nothing_is_armed() -> None:
    release, sink = threading.Event(), FlushedSink()
    handler = handler_with(WaitingModel(release=release), sink)
    threading.Timer(0.3, release.set).start()  # a slow call with no deadline to miss
    response = handler({"prompt": "hi"}, LocalContext("req-local"))
    assert response["answer"] == "late answer"
    assert [record["status"] for record in sink.delivered()] == ["success"]
