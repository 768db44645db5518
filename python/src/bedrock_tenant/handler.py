"""AWS Lambda entry point: validated request in, answer or structured error out.

Configure the function with ``handler = "bedrock_tenant.handler.lambda_handler"``.
Settings are read from the environment once per container (on the first
invocation) and the clients built then are reused by every warm invocation. The
sink is flushed in ``finally`` within the invocation's remaining time, so records
are written (or handed to stdout) before the function freezes; a model call still
running when the invocation's time runs out is recorded as timed out and flushed
before Lambda stops it (``_Deadline``). Every outcome of a direct or HTTP
request, including a failure to build the runtime, is a structured response: never a
traceback, credentials or the external id. An SQS batch and other sources' events
raise where a return would lose messages (below).

Events are either the request itself (direct ``Invoke``) or an HTTP event whose
``body`` holds the request as a JSON object, recognised by the markers AWS
documents (never by the presence of ``body``, which a GET or an empty POST lacks),
and answered in that source's response format:

* API Gateway REST API, HTTP API (payload 1.0 and 2.0) and Lambda function URLs:
  ``requestContext`` (REST also ``httpMethod``); ``statusCode``, ``headers``,
  ``body``, ``isBase64Encoded``;
  https://docs.aws.amazon.com/apigateway/latest/developerguide/set-up-lambda-proxy-integrations.html,
  https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-develop-integrations-lambda.html,
  https://docs.aws.amazon.com/lambda/latest/dg/urls-invocation.html
* Application Load Balancer: ``requestContext.elb``; the response adds
  ``statusDescription``, and uses ``multiValueHeaders`` when the target group
  sends them; https://docs.aws.amazon.com/elasticloadbalancing/latest/application/lambda-functions.html

An Amazon SQS event source mapping's batch (``Records`` whose ``eventSource`` is
``aws:sqs``; https://docs.aws.amazon.com/lambda/latest/dg/with-sqs.html) is served
message by message: each ``body`` is one request in the direct format (as JSON), with
its own model call and record (``request_id`` = the ``messageId``), and the response is
``{"batchItemFailures": [{"itemIdentifier": <messageId>}, ...]}`` (see ``_serve_batch``).

Any other event that holds no request field (S3, SNS, EventBridge, DynamoDB and
Kinesis streams, a console test event, ...) raises :class:`UnsupportedEventError`
naming what is expected. A normal return would tell the source the event was handled:
an asynchronous invocation would not be retried or reach its dead-letter queue or
on-failure destination, and a stream's records would be skipped
(https://docs.aws.amazon.com/lambda/latest/dg/invocation-async-error-handling.html).
"""

from __future__ import annotations

import base64
import binascii
import functools
import json
import logging
import threading
import time
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from enum import Enum
from http import HTTPStatus
from typing import TYPE_CHECKING, Annotated, Any, Literal

import boto3
from botocore.exceptions import BotoCoreError, ClientError
from pydantic import BaseModel, ConfigDict, Field, StringConstraints, ValidationError, field_validator, model_validator

from . import snapstart
from .credentials import OperationsSession
from .errors import BedrockInvocationError, BedrockTenantError, UnsupportedEventError, error_code
from .pricing import load_price_table
from .settings import Settings
from .sinks import CloudWatchLogsSink, Sink, StdoutSink

if TYPE_CHECKING:
    from langchain_aws import ChatBedrockConverse
    from langchain_core.callbacks import BaseCallbackHandler
    from langchain_core.messages import BaseMessage

__all__ = ["InvokeRequest", "LambdaHandler", "Runtime", "lambda_handler"]

logger = logging.getLogger(__name__)

_MAX_TEXT = 200_000
# Kept back from the invocation's remaining time for returning the response.
_RESPONSE_RESERVE_S = 0.25
# Before that reserve, at most this long (a quarter of the time left) to record and flush
# the model calls that have not ended (see _Deadline).
_DEADLINE_FLUSH_S = 1.0
_DEADLINE_POLL_S = 0.05
DEADLINE_THREAD = "bedrock-tenant-deadline"
_TIMEOUT_MESSAGE = "the model had not answered when the function's time ran out"
_BODY_RULE = "must be a JSON object"
MetadataKey = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9_.:-]{1,64}$")]
MetadataValue = Annotated[str, StringConstraints(max_length=256)]


class Message(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)

    role: Literal["user", "assistant"]
    content: Annotated[str, StringConstraints(min_length=1, max_length=_MAX_TEXT)]


class InvokeRequest(BaseModel):
    """The request body: a ``prompt`` or a list of ``messages`` (not both).

    Types are strict: ``true`` is not a number and ``"5"`` is not an integer, so a
    client's mistake is reported rather than guessed at."""

    model_config = ConfigDict(extra="forbid", strict=True)

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
        from langchain_core.messages import AIMessage, HumanMessage, SystemMessage  # noqa: PLC0415 - see Runtime

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
            tags=settings.session_tags,
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
                flush_interval_s=None,  # the handler flushes at the end of every invocation
            )
        else:
            sink = StdoutSink()
        # LangChain is imported here, not at module import: `import bedrock_tenant.handler`
        # stays light, and Lambda's init builds the runtime (LambdaHandler.prime).
        from .model import create_chat_model  # noqa: PLC0415

        return cls(settings, operations, create_chat_model(settings, operations), sink)


class LambdaHandler:
    """Callable Lambda handler bound to a runtime (built lazily from the environment).

    In Lambda the runtime is built during init (:meth:`prime`); with SnapStart it is
    then part of the snapshot (see :mod:`bedrock_tenant.snapstart`)."""

    def __init__(self, runtime: Runtime | None = None) -> None:
        self._runtime = runtime
        self._from_env = runtime is None
        self._served = False
        self._lock = threading.Lock()

    @property
    def runtime(self) -> Runtime:
        with self._lock:
            if self._runtime is None:
                self._runtime = Runtime.from_settings(Settings.from_env())
            return self._runtime

    def prime(self) -> None:
        """Build the runtime and warm the request path, signing nothing: no
        credentials are read and no role is assumed. A configuration error is left
        for the first request to report as a structured response."""
        try:
            runtime = self.runtime
            request = InvokeRequest.model_validate({"prompt": "warm", "metadata": {"warm": "1"}})
            request.to_messages()
            self.callbacks(runtime, request, "warm")
            # The STS and CloudWatch Logs clients are built on the first request (building
            # one reads credentials); what building them reads from disk is loaded now.
            snapstart.load_service_models(runtime.operations.base_session, ("sts", "logs"))
        except Exception as exc:  # init must not fail: the first invocation reports it, structured
            logger.warning("could not prepare the runtime during init: %s", type(exc).__name__)

    def before_snapshot(self) -> None:
        """A runtime that served requests holds credentials: build a new one from
        the environment (a runtime given to the constructor is the caller's)."""
        with self._lock:
            used, self._served = self._served, False
            if used and self._from_env:
                self._runtime = None
        if used and self._from_env:
            self.prime()

    def __call__(self, event: Any, context: Any = None) -> dict[str, Any]:
        shape = _shape_of(event)
        if shape is _Shape.UNSUPPORTED:
            raise _unsupported(event)
        if shape is _Shape.SQS:
            return self._serve_batch(event["Records"], context)
        request_id = getattr(context, "aws_request_id", None) or str(uuid.uuid4())
        runtime = self._runtime_or_error()
        if isinstance(runtime, BedrockTenantError):
            return _respond(shape, event, runtime.status, _error_body(request_id, runtime.code, runtime.message))
        try:
            status, payload = self._answer(runtime, functools.partial(_request_body, event, shape), request_id, context)
        finally:
            _flush(runtime.sink, context)
        return _respond(shape, event, status, payload)

    def _runtime_or_error(self) -> Runtime | BedrockTenantError:
        """The runtime, or the error that says why it cannot be built (logged, without secrets)."""
        try:
            runtime = self.runtime
        except BedrockTenantError as exc:
            logger.error("configuration error: %s", exc.message)
            return exc
        except Exception as exc:  # e.g. botocore refusing a malformed AWS_ENDPOINT_URL_* variable
            logger.error("could not initialise the runtime: %s: %s", type(exc).__name__, exc)
            message = f"could not initialise the runtime ({type(exc).__name__}); check the function's environment"
            return BedrockTenantError(message, code="ConfigurationError", status=500)
        self._served = True
        return runtime

    def _answer(
        self, runtime: Runtime, request_body: Callable[[], Any], request_id: str, context: Any
    ) -> tuple[int, dict[str, Any]]:
        """One request through the model: (status, answer or structured error). Never raises;
        the caller flushes."""
        try:
            request = InvokeRequest.model_validate(request_body())
            callbacks = self.callbacks(runtime, request, request_id)
            with _Deadline(context, callbacks, runtime.sink):
                return 200, self._invoke(runtime, request, request_id, callbacks)
        except Exception as exc:  # every failure becomes a structured response
            status, code, message, fields = _describe_failure(exc, request_id)
            return status, _error_body(request_id, code, message, fields)

    def _serve_batch(self, records: list[Mapping[str, Any]], context: Any) -> dict[str, Any]:
        """Serve an SQS batch: one request, model call and record per message, in order;
        the response lists the messages that were not answered.

        The event source mapping must have ``ReportBatchItemFailures`` on: then the listed
        messages return to the queue and the others are deleted (Lambda guide, "Handling
        errors for an SQS event source in Lambda", "Implementing partial batch responses":
        https://docs.aws.amazon.com/lambda/latest/dg/services-sqs-errorhandling.html).
        Every failure is listed, including a body that can never succeed (not JSON, not a
        valid request, refused by Bedrock's validation): deleting it would lose it without
        a trace, whereas a listed message is received again until the queue's
        ``maxReceiveCount`` moves it to the dead-letter queue of its redrive policy, which
        is where AWS puts a poison message. Throttling and other transient failures
        (after the client's own retries) are listed for the same reason: a later receive
        can succeed. So nothing is dropped here; the queue's redrive policy decides.

        A message is not started when the time left would not fit one as long as the
        longest so far: it is listed, so the invocation ends before Lambda stops it (a
        timed-out invocation returns the whole batch, answered messages too). For a FIFO
        queue, the first failure ends the batch and every later message is listed too,
        which keeps each message group's order (same page)."""
        message_ids = [_message_id(record) for record in records]  # before any model call
        runtime = self._runtime_or_error()
        if isinstance(runtime, BedrockTenantError):
            raise runtime  # a function error returns the whole batch to the queue
        fifo = any(str(record.get("eventSourceARN", "")).endswith(".fifo") for record in records)
        failed: list[str] = []
        longest_s = 0.0
        try:
            for record, message_id in zip(records, message_ids, strict=True):
                if (fifo and failed) or not _time_for_another(context, longest_s):
                    failed.append(message_id)
                    continue
                started = time.monotonic()
                status, payload = self._answer(runtime, functools.partial(_message_body, record), message_id, context)
                longest_s = max(longest_s, time.monotonic() - started)
                if status != HTTPStatus.OK:
                    # The code only: a field name or message could quote the request.
                    logger.warning("SQS message %s returns to the queue: %s", message_id, payload["error"]["code"])
                    failed.append(message_id)
        finally:
            _flush(runtime.sink, context)
        return {"batchItemFailures": [{"itemIdentifier": message_id} for message_id in failed]}

    def callbacks(self, runtime: Runtime, request: InvokeRequest, request_id: str) -> list[BaseCallbackHandler]:
        """The LangChain callbacks of one invocation: the invocation logger.
        Subclasses may add their own (or, as the benchmarks do, replace it)."""
        from .callback import InvocationLogger  # noqa: PLC0415 - see Runtime.from_settings

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
                guardrail_configured=settings.guardrail is not None,
                base_model_id=settings.model_id,
                prices=load_price_table(settings.price_table_path),
            )
        ]

    def _invoke(
        self, runtime: Runtime, request: InvokeRequest, request_id: str, callbacks: list[BaseCallbackHandler]
    ) -> dict[str, Any]:
        settings = runtime.settings
        overrides: dict[str, Any] = {}
        if request.max_tokens is not None:
            overrides["max_tokens"] = request.max_tokens
        if request.temperature is not None:
            overrides["temperature"] = request.temperature
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


class _Shape(Enum):
    """Where an event came from, by the markers AWS documents for each source."""

    DIRECT = "direct"
    # API Gateway REST and HTTP APIs (payload 1.0 and 2.0) and function URLs share a response format.
    API = "api"
    ALB = "alb"
    SQS = "sqs"
    UNSUPPORTED = "unsupported"


_REQUEST_FIELDS = frozenset(InvokeRequest.model_fields)
# Sources that send ``Records``, by each record's ``eventSource`` (SNS spells it ``EventSource``),
# as in the Lambda guide's sample event of each service.
_RECORD_SOURCES = {
    "aws:s3": "an Amazon S3 event notification",
    "aws:sns": "an Amazon SNS notification",
    "aws:dynamodb": "a DynamoDB stream batch",
    "aws:kinesis": "a Kinesis stream batch",
    "aws:ses": "an Amazon SES receipt",
}
_EVENTBRIDGE_FIELDS = frozenset({"detail-type", "source", "detail"})


def _shape_of(event: Any) -> _Shape:
    if not isinstance(event, Mapping):
        return _Shape.DIRECT
    context = event.get("requestContext")
    if isinstance(context, Mapping):  # every HTTP source sends it; a direct request never has it
        return _Shape.ALB if "elb" in context else _Shape.API
    if isinstance(event.get("httpMethod"), str):
        return _Shape.API
    records = event.get("Records")
    if isinstance(records, list) and records and all(_is_sqs_record(record) for record in records):
        return _Shape.SQS
    # Fields, none of them a request's: another source's event (an empty object is a bad request).
    if event and _REQUEST_FIELDS.isdisjoint(event):
        return _Shape.UNSUPPORTED
    return _Shape.DIRECT


def _is_sqs_record(record: Any) -> bool:
    return isinstance(record, Mapping) and record.get("eventSource") == "aws:sqs"


def _unsupported(event: Mapping[str, Any]) -> UnsupportedEventError:
    """The error for an event this handler does not serve, logged; it names the kind of
    event from this module's table only, never a value of the event."""
    records = event.get("Records")
    if isinstance(records, list) and records and isinstance(records[0], Mapping):
        source = records[0].get("eventSource", records[0].get("EventSource"))
        kind = _RECORD_SOURCES.get(source, "a batch of records") if isinstance(source, str) else "a batch of records"
    elif _EVENTBRIDGE_FIELDS.issubset(event):
        kind = "an Amazon EventBridge event"
    else:
        kind = "an event without any request field"
    error = UnsupportedEventError(
        f"unsupported event: {kind}; expected a request, a JSON object with 'prompt' or 'messages', "
        "sent directly, as the body of an HTTP event or as the body of each SQS message"
    )
    logger.error("%s", error.message)
    return error


def _message_id(record: Mapping[str, Any]) -> str:
    """The id that reports the message as failed. Lambda retries the whole batch when an
    ``itemIdentifier`` is missing or not in the batch (services-sqs-errorhandling.html), so
    a record without one fails the batch up front."""
    message_id = record.get("messageId")
    if not isinstance(message_id, str) or not message_id:
        logger.error("an SQS record has no messageId: the batch returns to the queue")
        raise UnsupportedEventError("unsupported event: an SQS record without a messageId")
    return message_id


def _time_for_another(context: Any, longest_s: float) -> bool:
    """Whether the invocation's time left fits one more message as long as the longest
    so far, and the deadline's flush and the response after it (always, outside Lambda)."""
    remaining = _remaining_s(context)
    return remaining is None or remaining - _RESPONSE_RESERVE_S - _DEADLINE_FLUSH_S > longest_s


class _BadBody(ValueError):
    def __init__(self, field: str) -> None:
        super().__init__(_BODY_RULE)
        self.field = field


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def _request_body(event: Any, shape: _Shape) -> Mapping[str, Any]:
    """The request object: the event itself, or the JSON object in an HTTP event's body."""
    if shape is _Shape.DIRECT:
        if not isinstance(event, Mapping):
            raise _BadBody("event")
        return event
    return _json_object(event.get("body"), base64_encoded=event.get("isBase64Encoded") is True)


def _message_body(record: Mapping[str, Any]) -> Mapping[str, Any]:
    """The request in an SQS message: its body, a JSON object (SQS bodies are text)."""
    return _json_object(record.get("body"), base64_encoded=False)


def _json_object(body: Any, *, base64_encoded: bool) -> dict[str, Any]:
    """The JSON object in a ``body`` string, or :class:`_BadBody` naming ``body``."""
    if not isinstance(body, str):  # absent (GET), null, or not the string these sources send
        raise _BadBody("body")
    try:
        if base64_encoded:
            body = base64.b64decode(body, validate=True).decode("utf-8")
        parsed = json.loads(body, parse_constant=_reject_constant)
    except (ValueError, UnicodeDecodeError, binascii.Error):
        raise _BadBody("body") from None
    if not isinstance(parsed, dict):
        raise _BadBody("body")
    return parsed


def _flush(sink: Sink, context: Any) -> None:
    """Flush within the invocation's remaining time; our sinks never raise, a custom one must not fail the answer."""
    try:
        sink.flush(_flush_budget(context))
    except Exception as exc:
        logger.error("flushing the records failed: %s", type(exc).__name__)


def _flush_budget(context: Any) -> float | None:
    """Seconds the flush may take: what is left of the invocation (None outside Lambda)."""
    remaining = _remaining_s(context)
    return None if remaining is None else max(remaining - _RESPONSE_RESERVE_S, 0.0)


def _remaining_s(context: Any) -> float | None:
    """Seconds left before Lambda stops the invocation (None outside Lambda)."""
    remaining = getattr(context, "get_remaining_time_in_millis", None)
    if not callable(remaining):
        return None
    try:
        return float(remaining()) / 1000
    except (TypeError, ValueError):
        return None


class _Deadline:
    """Records the model calls still running shortly before the invocation's time
    runs out, and flushes them.

    A timed-out invocation never reaches the model's end callback or the handler's
    ``finally``: Lambda stops the runtime and resets the execution environment
    (https://docs.aws.amazon.com/lambda/latest/dg/lambda-runtime-environment.html,
    "Failures during the invoke phase"). So a watcher wakes ``_DEADLINE_FLUSH_S``
    (at most a quarter of the time left) before the response reserve; from then
    until the handler returns, each call still running (or started since) becomes
    one ``FunctionTimeout`` error record within ``_DEADLINE_POLL_S`` and is flushed,
    and a call that ends after that writes no second record. Outside Lambda (no
    remaining time) nothing is armed."""

    def __init__(self, context: Any, callbacks: list[BaseCallbackHandler], sink: Sink) -> None:
        self._context, self._sink = context, sink
        self._loggers = [callback for callback in callbacks if hasattr(callback, "abandon_pending")]
        self._done = threading.Event()
        self._watcher: threading.Thread | None = None

    def __enter__(self) -> _Deadline:
        remaining = _remaining_s(self._context)
        if remaining is not None and self._loggers:
            wakes_in = max(remaining - _RESPONSE_RESERVE_S - min(_DEADLINE_FLUSH_S, remaining / 4), 0.0)
            self._watcher = threading.Thread(target=self._watch, args=(wakes_in,), name=DEADLINE_THREAD, daemon=True)
            self._watcher.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        if self._watcher is not None:
            self._done.set()
            self._watcher.join()  # a record being written at the deadline is flushed before the answer

    def _watch(self, wakes_in: float) -> None:
        if self._done.wait(wakes_in):
            return
        while True:
            recorded = sum(invocation_logger.abandon_pending(_TIMEOUT_MESSAGE) for invocation_logger in self._loggers)
            if recorded:
                logger.warning("the invocation's time ran out: %d model call(s) recorded as timed out", recorded)
                _flush(self._sink, self._context)
            if self._done.wait(_DEADLINE_POLL_S):
                return


def _field_error(error: Any) -> dict[str, str]:
    location = ".".join(str(part) for part in error.get("loc", ()))
    message = str(error["msg"]).removeprefix("Value error, ")
    return {"field": location or "prompt", "message": message}


def _describe_failure(exc: Exception, request_id: str) -> tuple[int, str, str, list[dict[str, str]] | None]:
    """(status, code, message, field errors) for an exception; logs server-side failures."""
    if isinstance(exc, _BadBody):
        return 400, "BadRequest", f"{exc.field}: {exc}", [{"field": exc.field, "message": str(exc)}]
    if isinstance(exc, ValidationError):
        fields = [_field_error(error) for error in exc.errors()]
        return 400, "BadRequest", "; ".join(f"{f['field']}: {f['message']}" for f in fields), fields
    if isinstance(exc, ClientError):
        exc = BedrockInvocationError(error_code(exc), str(exc.response.get("Error", {}).get("Message", "")))
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


def _respond(shape: _Shape, event: Any, status: int, payload: dict[str, Any]) -> dict[str, Any]:
    """``payload`` in the response format of the event's source."""
    if shape is _Shape.DIRECT:
        return {"statusCode": status, **payload}
    headers = {"content-type": "application/json"}
    response: dict[str, Any] = {"statusCode": status}
    if shape is _Shape.ALB:
        response["statusDescription"] = f"{status} {HTTPStatus(status).phrase}"
        if "multiValueHeaders" in event:  # the target group has multi-value headers on
            response["multiValueHeaders"] = {name: [value] for name, value in headers.items()}
        else:
            response["headers"] = headers
    else:
        response["headers"] = headers
    response["isBase64Encoded"] = False
    response["body"] = json.dumps(payload, ensure_ascii=False)
    return response


lambda_handler = LambdaHandler()
snapstart.register_hooks(lambda_handler)
if snapstart.in_lambda_init():  # init builds the runtime (with SnapStart: into the snapshot)
    lambda_handler.prime()
