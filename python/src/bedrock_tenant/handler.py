"""AWS Lambda entry point: validated request in, answer or structured error out.

Configure the function with ``handler = "bedrock_tenant.handler.lambda_handler"``.
Settings are read from the environment once per container (on the first
invocation) and the clients built then are reused by every warm invocation. The
sink is flushed in ``finally`` so records are written before the function
freezes. Responses never carry a traceback, credentials or the external id.

Events are either the request itself (direct ``Invoke``) or an API Gateway /
function URL proxy event whose ``body`` is the request; the response takes the
matching shape.
"""

from __future__ import annotations

import base64
import json
import logging
import threading
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Annotated, Any, Literal

import boto3
from botocore.exceptions import BotoCoreError, ClientError
from langchain_aws import ChatBedrockConverse
from langchain_core.callbacks import BaseCallbackHandler
from langchain_core.messages import AIMessage, BaseMessage, HumanMessage, SystemMessage
from pydantic import BaseModel, ConfigDict, Field, StringConstraints, ValidationError, field_validator, model_validator

from .callback import InvocationLogger
from .credentials import OperationsSession
from .errors import BedrockInvocationError, BedrockTenantError
from .model import create_chat_model
from .settings import Settings
from .sinks import CloudWatchLogsSink, Sink, StdoutSink

__all__ = ["InvokeRequest", "LambdaHandler", "Runtime", "lambda_handler"]

logger = logging.getLogger(__name__)

_MAX_TEXT = 200_000
MetadataKey = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9_.:-]{1,64}$")]
MetadataValue = Annotated[str, StringConstraints(max_length=256)]


class Message(BaseModel):
    model_config = ConfigDict(extra="forbid")

    role: Literal["user", "assistant"]
    content: Annotated[str, StringConstraints(min_length=1, max_length=_MAX_TEXT)]


class InvokeRequest(BaseModel):
    """The request body: a ``prompt`` or a list of ``messages`` (not both)."""

    model_config = ConfigDict(extra="forbid")

    prompt: Annotated[str, StringConstraints(min_length=1, max_length=_MAX_TEXT)] | None = None
    messages: Annotated[list[Message], Field(min_length=1, max_length=100)] | None = None
    system: Annotated[str, StringConstraints(min_length=1, max_length=_MAX_TEXT)] | None = None
    max_tokens: Annotated[int, Field(ge=1, le=200_000)] | None = None
    temperature: Annotated[float, Field(ge=0, le=1)] | None = None
    metadata: Annotated[dict[MetadataKey, MetadataValue], Field(max_length=16)] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _prompt_or_messages(self) -> InvokeRequest:
        if (self.prompt is None) == (self.messages is None):
            raise ValueError("exactly one of 'prompt' or 'messages' is required")
        return self

    @field_validator("messages")
    @classmethod
    def _conversation_order(cls, messages: list[Message] | None) -> list[Message] | None:
        if messages is None:
            return None
        for index, message in enumerate(messages):
            expected = "user" if index % 2 == 0 else "assistant"
            if message.role != expected:
                raise ValueError(
                    f"messages must alternate user/assistant starting with user; item {index} is {message.role!r}"
                )
        if messages[-1].role != "user":
            raise ValueError("the last message must be from the user")
        return messages

    def to_messages(self) -> list[BaseMessage]:
        history: list[BaseMessage] = [SystemMessage(self.system)] if self.system else []
        if self.prompt is not None:
            return [*history, HumanMessage(self.prompt)]
        for message in self.messages or ():
            history.append(HumanMessage(message.content) if message.role == "user" else AIMessage(message.content))
        return history


@dataclass(slots=True)
class Runtime:
    """What a container builds once and reuses: settings, sessions, model, sink."""

    settings: Settings
    operations: OperationsSession
    model: ChatBedrockConverse
    sink: Sink

    @classmethod
    def from_settings(cls, settings: Settings, *, base_session: boto3.Session | None = None) -> Runtime:
        """Build the runtime. ``base_session`` is the customer account's session
        (default: boto3's default, i.e. the Lambda execution role)."""
        customer = base_session or boto3.Session()
        operations = OperationsSession(
            settings.operations_role_arn,
            settings.external_id.get_secret_value(),
            session_name=f"bedrock-tenant-{settings.tenant_id}",
            source_identity=settings.source_identity,
            duration_seconds=settings.session_duration_seconds,
            base_session=customer,
        )
        sink: Sink
        if settings.sink == "cloudwatch" and settings.log_group_name:
            sink = CloudWatchLogsSink(
                settings.log_group_name,
                session=customer,
                retry_mode=settings.retry_mode,
                max_attempts=settings.max_attempts,
            )
        else:
            sink = StdoutSink()
        return cls(settings, operations, create_chat_model(settings, operations), sink)


class LambdaHandler:
    """Callable Lambda handler bound to a runtime (built lazily from the environment)."""

    def __init__(self, runtime: Runtime | None = None) -> None:
        self._runtime = runtime
        self._lock = threading.Lock()

    @property
    def runtime(self) -> Runtime:
        with self._lock:
            if self._runtime is None:
                self._runtime = Runtime.from_settings(Settings.from_env())
            return self._runtime

    def __call__(self, event: Any, context: Any = None) -> dict[str, Any]:
        request_id = getattr(context, "aws_request_id", None) or str(uuid.uuid4())
        proxy = _is_proxy_event(event)
        try:
            runtime = self.runtime
        except BedrockTenantError as exc:
            logger.error("configuration error: %s", exc.message)
            return _respond(proxy, exc.status, _error_body(request_id, exc.code, exc.message))
        try:
            request = InvokeRequest.model_validate(_request_body(event, proxy))
            status, payload = 200, self._invoke(runtime, request, request_id)
        except Exception as exc:  # every failure becomes a structured response
            status, code, message, fields = _describe_failure(exc, request_id)
            payload = _error_body(request_id, code, message, fields)
        finally:
            runtime.sink.flush()
        return _respond(proxy, status, payload)

    def callbacks(self, runtime: Runtime, request: InvokeRequest, request_id: str) -> list[BaseCallbackHandler]:
        """The LangChain callbacks of one invocation: the invocation logger.
        Subclasses may add their own (or, as the benchmarks do, replace it)."""
        settings = runtime.settings
        return [
            InvocationLogger(
                runtime.sink,
                tenant_id=settings.tenant_id,
                model_id=settings.model_id,
                region=settings.bedrock_region,
                request_id=request_id,
                content_policy=settings.content_policy,
                metadata=request.metadata,
                namespace=settings.metric_namespace,
                max_content_bytes=settings.max_content_bytes,
            )
        ]

    def _invoke(self, runtime: Runtime, request: InvokeRequest, request_id: str) -> dict[str, Any]:
        settings = runtime.settings
        overrides: dict[str, Any] = {}
        if request.max_tokens is not None:
            overrides["max_tokens"] = request.max_tokens
        if request.temperature is not None:
            overrides["temperature"] = request.temperature
        callbacks = self.callbacks(runtime, request, request_id)
        message = runtime.model.invoke(request.to_messages(), config={"callbacks": callbacks}, **overrides)
        usage = dict(getattr(message, "usage_metadata", None) or {})
        return {
            "request_id": request_id,
            "tenant_id": settings.tenant_id,
            "model_id": settings.model_id,
            "answer": message.text,
            "stop_reason": message.response_metadata.get("stopReason"),
            "usage": {key: usage.get(key) for key in ("input_tokens", "output_tokens", "total_tokens")},
        }


class _BadBody(ValueError):
    pass


def _is_proxy_event(event: Any) -> bool:
    return isinstance(event, Mapping) and "body" in event and ("requestContext" in event or "httpMethod" in event)


def _request_body(event: Any, proxy: bool) -> Any:
    if not proxy:
        return event
    body = event.get("body") or ""
    try:
        if event.get("isBase64Encoded"):
            body = base64.b64decode(body).decode("utf-8")
        return json.loads(body)
    except (ValueError, UnicodeDecodeError):
        raise _BadBody("must be a JSON object") from None


def _field_error(error: Any) -> dict[str, str]:
    location = ".".join(str(part) for part in error.get("loc", ()))
    message = str(error["msg"]).removeprefix("Value error, ")
    return {"field": location or "prompt", "message": message}


def _describe_failure(exc: Exception, request_id: str) -> tuple[int, str, str, list[dict[str, str]] | None]:
    """(status, code, message, field errors) for an exception; logs server-side failures."""
    if isinstance(exc, _BadBody):
        return 400, "BadRequest", f"body: {exc}", [{"field": "body", "message": str(exc)}]
    if isinstance(exc, ValidationError):
        fields = [_field_error(error) for error in exc.errors()]
        return 400, "BadRequest", "; ".join(f"{f['field']}: {f['message']}" for f in fields), fields
    if isinstance(exc, ClientError):
        error = exc.response.get("Error", {})
        exc = BedrockInvocationError(error.get("Code", "Unknown"), error.get("Message", ""))
    elif isinstance(exc, BotoCoreError):
        exc = BedrockInvocationError(type(exc).__name__, str(exc))
    if isinstance(exc, BedrockTenantError):
        logger.warning("request %s failed: %s", request_id, exc.message)
        return exc.status, exc.code, exc.message, None
    # Report only the type: a traceback or an arbitrary message could carry data.
    logger.error("request %s failed with unexpected %s", request_id, type(exc).__name__)
    return 500, "InternalError", "internal error", None


def _error_body(request_id: str, code: str, message: str, fields: list[dict[str, str]] | None = None) -> dict[str, Any]:
    error: dict[str, Any] = {"code": code, "message": message}
    if fields:
        error["fields"] = fields
    return {"request_id": request_id, "error": error}


def _respond(proxy: bool, status: int, payload: dict[str, Any]) -> dict[str, Any]:
    if proxy:
        return {
            "statusCode": status,
            "headers": {"content-type": "application/json"},
            "body": json.dumps(payload, ensure_ascii=False),
        }
    return {"statusCode": status, **payload}


lambda_handler = LambdaHandler()
