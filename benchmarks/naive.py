"""The pattern most published examples use, as the baseline: a callback that
creates its log stream on every invocation and makes one synchronous
PutLogEvents call per callback event, and a handler that assumes the operations
role on every invocation."""

from __future__ import annotations

import json
import time
import uuid
from typing import Any
from uuid import UUID

import boto3
from langchain_aws import ChatBedrockConverse
from langchain_core.callbacks import BaseCallbackHandler
from langchain_core.messages import BaseMessage
from langchain_core.outputs import LLMResult


class NaiveCloudWatchCallback(BaseCallbackHandler):
    def __init__(self, logs_client: Any, log_group: str) -> None:
        self.logs = logs_client
        self.log_group = log_group
        self.stream = f"{time.strftime('%Y/%m/%d')}/{uuid.uuid4().hex}"
        self.logs.create_log_stream(logGroupName=log_group, logStreamName=self.stream)
        self.started = 0.0

    def _put(self, payload: dict[str, Any]) -> None:
        self.logs.put_log_events(
            logGroupName=self.log_group,
            logStreamName=self.stream,
            logEvents=[{"timestamp": int(time.time() * 1000), "message": json.dumps(payload, default=str)}],
        )

    def on_chat_model_start(
        self, serialized: dict[str, Any], messages: list[list[BaseMessage]], *, run_id: UUID, **kwargs: Any
    ) -> None:
        self.started = time.perf_counter()
        self._put({"event": "start", "run_id": str(run_id), "messages": [m.content for m in messages[0]]})

    def on_llm_end(self, response: LLMResult, *, run_id: UUID, **kwargs: Any) -> None:
        generation = response.generations[0][0]
        usage = getattr(getattr(generation, "message", None), "usage_metadata", None)
        latency = (time.perf_counter() - self.started) * 1000
        self._put({"event": "end", "run_id": str(run_id), "usage": usage, "latency_ms": latency})

    def on_llm_error(self, error: BaseException, *, run_id: UUID, **kwargs: Any) -> None:
        self._put({"event": "error", "run_id": str(run_id), "error": str(error)})


def naive_invocation(
    customer: boto3.Session, logs_client: Any, *, role_arn: str, external_id: str, model_id: str, log_group: str
) -> str:
    """One invocation the naive way: AssumeRole, a new Bedrock client, a new stream."""
    credentials = customer.client("sts").assume_role(RoleArn=role_arn, RoleSessionName="naive", ExternalId=external_id)[
        "Credentials"
    ]
    client = boto3.client(
        "bedrock-runtime",
        region_name="us-east-1",
        aws_access_key_id=credentials["AccessKeyId"],
        aws_secret_access_key=credentials["SecretAccessKey"],
        aws_session_token=credentials["SessionToken"],
    )
    model = ChatBedrockConverse(client=client, bedrock_client=client, model=model_id, region_name="us-east-1")
    callback = NaiveCloudWatchCallback(logs_client, log_group)
    return str(model.invoke("hello", config={"callbacks": [callback]}).content)
