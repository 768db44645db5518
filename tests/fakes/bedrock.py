"""A local fake of the Amazon Bedrock HTTP APIs the project uses.

Runtime: Converse, ConverseStream (AWS event-stream framing) and InvokeModel,
with realistic bodies and usage, recording which access key id signed each
request, so tests can prove which account's credentials reached Bedrock.
Control plane: the application inference profile calls the Terraform provider
makes (create, get, delete, tags). moto implements neither (its bedrock-runtime
is an empty stub and its bedrock has no inference profiles), hence this fake.

    with FakeBedrock() as fake:
        os.environ["AWS_ENDPOINT_URL_BEDROCK_RUNTIME"] = fake.url
        os.environ["AWS_ENDPOINT_URL_BEDROCK"] = fake.url
        ...
        assert {call.access_key_id for call in fake.calls} == {ops_key}

Failures are injected with ``fail_next(code, status, times)``; ``latency_s``
delays every runtime response. Inference profiles are created in ``account_id``
(the operations account), in the region of the request's signature.

With an ``authorizer`` (the embedded AWS always passes one), every runtime call
is first routed and authorised as Bedrock does it (``bedrock_access.py``): the
caller's identity policies, read from the embedded IAM, must allow each request
the call makes, or it is refused with ``AccessDeniedException`` and not served
(``authorizer.refusals`` records it). Each served call records the Region it was
routed to.

Guardrails: ``add_guardrail`` registers one with denied words. A Converse or
ConverseStream call that names it (``guardrailConfig``) needs
``bedrock:ApplyGuardrail`` on it, and a call naming an unknown guardrail or
version is a ``ValidationException``. A denied word in a user message (input) or in
the answer (output) makes the guardrail intervene as Bedrock documents it: HTTP
200, the guardrail's blocked message as the output, ``stopReason``
``guardrail_intervened``, and with ``trace: enabled`` a ``trace.guardrail`` with the
word policy's assessment (``inputAssessment`` keyed by guardrail id, or
``outputAssessments`` with a list per id; Bedrock API reference, ``ConverseTrace``,
``GuardrailTraceAssessment``, ``GuardrailWordPolicyAssessment``). InvokeModel does
not apply guardrails here.
"""

from __future__ import annotations

import binascii
import json
import re
import struct
import threading
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler
from typing import Any
from urllib.parse import unquote

from .authorization import Authorizer
from .bedrock_access import BedrockError, ModelAccess
from .local_server import LocalServer

__all__ = ["FakeBedrock", "FakeGuardrail", "RecordedCall", "encode_event"]

_PATH = re.compile(r"^/model/(?P<model>[^/]+)/(?P<op>converse-stream|converse|invoke)$")
_PROFILE_PATH = re.compile(r"^/inference-profiles/(?P<id>.+)$")
_GUARDRAIL_MISSING = "The guardrail identifier or version provided in the request does not exist."
_CREDENTIAL = re.compile(r"Credential=(?P<key>[^/]+)/[0-9]+/(?P<region>[a-z0-9-]+)/")
_STATUS_OF = {
    "ThrottlingException": 429,
    "AccessDeniedException": 403,
    "ValidationException": 400,
    "ResourceNotFoundException": 404,
    "ServiceUnavailableException": 503,
    "ModelTimeoutException": 408,
    "InternalServerException": 500,
}


@dataclass(frozen=True, slots=True)
class RecordedCall:
    operation: str
    model_id: str
    access_key_id: str | None
    body: dict[str, Any]
    region: str = "us-east-1"  # where the call was served (a profile's destination Region)


@dataclass(slots=True)
class FakeGuardrail:
    """A guardrail the fake applies: a word policy (custom words, BLOCK)."""

    arn: str
    denied_words: tuple[str, ...]
    versions: frozenset[str] = frozenset({"1"})
    blocked_input_message: str = "Sorry, the model cannot answer this question."
    blocked_output_message: str = "Sorry, the model cannot answer this question."
    input_enabled: bool = True
    output_enabled: bool = True

    @property
    def guardrail_id(self) -> str:
        return self.arn.rsplit("/", 1)[1]

    def denied_in(self, text: str) -> list[str]:
        words = {word.strip(".,;:!?\"'()").lower() for word in text.split()}
        return [word for word in self.denied_words if word.lower() in words]


@dataclass(slots=True)
class _Failure:
    code: str
    status: int
    remaining: int


def _words(text: str) -> int:
    return max(1, len(text.split()))


def _message_text(message: dict[str, Any]) -> str:
    content = message.get("content", "")
    if isinstance(content, str):
        return content
    return " ".join(str(block.get("text", "")) for block in content if isinstance(block, dict))


def answer_for(messages: list[dict[str, Any]]) -> str:
    """The fake's deterministic answer: it echoes the last user message."""
    last = next((m for m in reversed(messages) if m.get("role") == "user"), {"content": ""})
    return f"You said: {_message_text(last)[:200]}"


def encode_event(event_type: str, payload: dict[str, Any]) -> bytes:
    """One AWS event-stream message (prelude, headers, JSON payload, CRCs)."""
    headers = b""
    for name, value in ((":event-type", event_type), (":content-type", "application/json"), (":message-type", "event")):
        raw_name, raw_value = name.encode(), value.encode()
        headers += struct.pack("!B", len(raw_name)) + raw_name + b"\x07" + struct.pack("!H", len(raw_value)) + raw_value
    body = json.dumps(payload).encode()
    total = 12 + len(headers) + len(body) + 4
    prelude = struct.pack("!II", total, len(headers))
    prelude += struct.pack("!I", binascii.crc32(prelude) & 0xFFFFFFFF)
    message = prelude + headers + body
    return message + struct.pack("!I", binascii.crc32(message) & 0xFFFFFFFF)


class FakeBedrock(LocalServer):
    """The fake server; a context manager that starts and stops it."""

    def __init__(
        self,
        *,
        latency_s: float = 0.0,
        account_id: str = "111111111111",
        authorizer: Authorizer | None = None,
        host: str = "127.0.0.1",
        port: int = 0,
    ) -> None:
        self.latency_s = latency_s
        # ConverseStream: pause between messageStart and the first content, to measure time to first token.
        self.first_content_delay_s = 0.0
        self.access = ModelAccess(authorizer, account_id)
        self.account_id = account_id
        self.calls: list[RecordedCall] = []
        self.profiles: dict[str, dict[str, Any]] = {}  # by ARN
        self.tags: dict[str, dict[str, str]] = {}  # by resource ARN
        self.guardrails: dict[str, FakeGuardrail] = {}  # by ARN (no version)
        # Model invocation logging (Put/Get/DeleteModelInvocationLoggingConfiguration), by (account, Region).
        self.invocation_logging: dict[tuple[str, str], dict[str, Any]] = {}
        self._failures: list[_Failure] = []
        self._lock = threading.Lock()
        super().__init__(_handler_for(self), host=host, port=port)

    def fail_next(self, code: str, *, times: int = 1, status: int | None = None) -> None:
        """Answer the next ``times`` requests with the AWS error ``code``."""
        with self._lock:
            self._failures.append(_Failure(code, status or _STATUS_OF.get(code, 400), times))

    def add_guardrail(
        self,
        guardrail_id: str,
        denied_words: list[str],
        *,
        region: str = "us-east-1",
        versions: tuple[str, ...] = ("1",),
        **options: Any,
    ) -> FakeGuardrail:
        """Register a guardrail of the operations account that blocks ``denied_words``."""
        arn = f"arn:aws:bedrock:{region}:{self.account_id}:guardrail/{guardrail_id}"
        guardrail = FakeGuardrail(arn, tuple(denied_words), frozenset(versions), **options)
        with self._lock:
            self.guardrails[arn] = guardrail
        return guardrail

    def reset(self) -> None:
        with self._lock:
            self.invocation_logging.clear()
            self.guardrails.clear()
            self.calls.clear()
            self._failures.clear()
            self.profiles.clear()
            self.tags.clear()
            self.first_content_delay_s = 0.0
        self.access.reset()

    @property
    def access_key_ids(self) -> set[str | None]:
        return {call.access_key_id for call in self.calls}

    def _profile(self, identifier: str) -> dict[str, Any] | None:
        with self._lock:
            return next(
                (
                    p
                    for p in self.profiles.values()
                    if identifier in (p["inferenceProfileArn"], p["inferenceProfileId"])
                ),
                None,
            )

    def _create_profile(self, body: dict[str, Any], region: str) -> dict[str, Any]:
        profile_id = uuid.uuid4().hex[:12]
        arn = f"arn:aws:bedrock:{region}:{self.account_id}:application-inference-profile/{profile_id}"
        now = datetime.now(UTC).isoformat()
        with self._lock:
            self.profiles[arn] = {
                "inferenceProfileName": body["inferenceProfileName"],
                "description": body.get("description", ""),
                "createdAt": now,
                "updatedAt": now,
                "inferenceProfileArn": arn,
                "inferenceProfileId": profile_id,
                "models": [{"modelArn": body["modelSource"]["copyFrom"]}],
                "status": "ACTIVE",
                "type": "APPLICATION",
            }
            self.tags[arn] = {t["key"]: t["value"] for t in body.get("tags", [])}
        return {"inferenceProfileArn": arn, "status": "ACTIVE"}

    def _record(self, call: RecordedCall) -> _Failure | None:
        with self._lock:
            self.calls.append(call)
            if not self._failures:
                return None
            failure = self._failures[0]
            failure.remaining -= 1
            if failure.remaining <= 0:
                self._failures.pop(0)
            return failure


def _handler_for(fake: FakeBedrock) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"  # keep-alive, like the real endpoint
        disable_nagle_algorithm = True  # headers and body are separate writes: no 40 ms delayed-ACK stall

        def log_message(self, *args: Any) -> None:
            """Silence the default per-request stderr line."""

        def _logging_key(self) -> tuple[str, str]:
            credential = _CREDENTIAL.search(self.headers.get("Authorization", ""))
            access = fake.access.authorizer
            key = credential["key"] if credential else None
            account = access.caller(key).account if access is not None and key else fake.account_id
            return account, credential["region"] if credential else "us-east-1"

        def _invocation_logging(self, method: str) -> None:
            """GET/PUT/DELETE /logging/modelinvocations: the account's setting in the Region."""
            key = self._logging_key()
            if method == "PUT":
                length = int(self.headers.get("Content-Length") or 0)
                config = json.loads(self.rfile.read(length) or b"{}").get("loggingConfig", {})
                with fake._lock:
                    fake.invocation_logging[key] = config
                self._json({})
            elif method == "DELETE":
                with fake._lock:
                    fake.invocation_logging.pop(key, None)
                self._json({})
            else:
                config = fake.invocation_logging.get(key)
                self._json({} if config is None else {"loggingConfig": config})

        def do_PUT(self) -> None:
            if self.path.split("?")[0] == "/logging/modelinvocations":
                self._invocation_logging("PUT")
            else:
                self._error(404, "UnknownOperationException", f"no route for {self.path}")

        def do_GET(self) -> None:
            if self.path.split("?")[0] == "/logging/modelinvocations":
                self._invocation_logging("GET")
                return
            match = _PROFILE_PATH.match(self.path.split("?")[0])
            profile = fake._profile(unquote(match["id"])) if match else None
            if profile is None:
                self._error(404, "ResourceNotFoundException", f"no inference profile {self.path}")
            else:
                self._json(profile)

        def do_DELETE(self) -> None:
            if self.path.split("?")[0] == "/logging/modelinvocations":
                self._invocation_logging("DELETE")
                return
            match = _PROFILE_PATH.match(self.path.split("?")[0])
            profile = fake._profile(unquote(match["id"])) if match else None
            if profile is None:
                self._error(404, "ResourceNotFoundException", f"no inference profile {self.path}")
                return
            with fake._lock:
                del fake.profiles[profile["inferenceProfileArn"]]
                fake.tags.pop(profile["inferenceProfileArn"], None)
            self._json({})

        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length) if length else b"{}"
            path = self.path.split("?")[0]
            if path in ("/inference-profiles", "/listTagsForResource", "/tagResource", "/untagResource"):
                self._control_plane(path, json.loads(raw or b"{}"))
                return
            match = _PATH.match(path)
            if match is None:
                self._error(404, "UnknownOperationException", f"no route for {self.path}")
                return
            operation = {"converse": "Converse", "converse-stream": "ConverseStream", "invoke": "InvokeModel"}[
                match["op"]
            ]
            credential = _CREDENTIAL.search(self.headers.get("Authorization", ""))
            body = json.loads(raw or b"{}")
            model_id = unquote(match["model"])
            access_key = credential["key"] if credential else None
            try:
                route = fake.access.route(
                    access_key_id=access_key,
                    operation=operation,
                    model_id=model_id,
                    region=credential["region"] if credential else "us-east-1",
                    guardrail=self._guardrail(body),
                    application_profile=fake._profile,
                )
            except BedrockError as error:
                self._error(error.status, error.code, error.message)
                return
            guardrail = None
            if route.guardrail_arn is not None:
                guardrail = fake.guardrails.get(route.guardrail_arn)
                version = str((body.get("guardrailConfig") or {}).get("guardrailVersion", ""))
                if guardrail is None or (version != "DRAFT" and version not in guardrail.versions):
                    self._error(400, "ValidationException", _GUARDRAIL_MISSING)
                    return
            failure = fake._record(RecordedCall(operation, model_id, access_key, body, route.region))
            if fake.latency_s:
                time.sleep(fake.latency_s)
            if failure is not None:
                self._error(failure.status, failure.code, f"fake {failure.code}")
            elif operation == "Converse":
                self._json(_converse(body, guardrail))
            elif operation == "ConverseStream":
                self._stream(body, guardrail)
            else:
                self._json(_invoke_model(body))

        def _guardrail(self, body: dict[str, Any]) -> tuple[str, str | None] | None:
            """The guardrail a call names: Converse's guardrailConfig or InvokeModel's headers."""
            config = body.get("guardrailConfig") or {}
            identifier = config.get("guardrailIdentifier") or self.headers.get("X-Amzn-Bedrock-GuardrailIdentifier")
            if not identifier:
                return None
            return str(identifier), config.get("guardrailVersion") or self.headers.get(
                "X-Amzn-Bedrock-GuardrailVersion"
            )

        def _control_plane(self, path: str, body: dict[str, Any]) -> None:
            credential = _CREDENTIAL.search(self.headers.get("Authorization", ""))
            region = credential["region"] if credential else "us-east-1"
            if path == "/inference-profiles":
                self._json(fake._create_profile(body, region))
            elif path == "/listTagsForResource":
                tags = fake.tags.get(body.get("resourceARN", ""), {})
                self._json({"tags": [{"key": k, "value": v} for k, v in sorted(tags.items())]})
            elif path == "/tagResource":
                fake.tags.setdefault(body["resourceARN"], {}).update({t["key"]: t["value"] for t in body["tags"]})
                self._json({})
            else:
                for key in body.get("tagKeys", []):
                    fake.tags.get(body["resourceARN"], {}).pop(key, None)
                self._json({})

        def _json(self, payload: dict[str, Any]) -> None:
            data = json.dumps(payload).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("x-amzn-RequestId", f"fake-{time.monotonic_ns()}")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def _stream(self, body: dict[str, Any], guardrail: FakeGuardrail | None) -> None:
            result = _converse(body, guardrail)
            words = result["output"]["message"]["content"][0]["text"].split(" ")
            events = [encode_event("messageStart", {"role": "assistant"})]
            for index, word in enumerate(words):
                text = word if index == 0 else " " + word
                events.append(encode_event("contentBlockDelta", {"contentBlockIndex": 0, "delta": {"text": text}}))
            events.append(encode_event("contentBlockStop", {"contentBlockIndex": 0}))
            events.append(encode_event("messageStop", {"stopReason": result["stopReason"]}))
            metadata: dict[str, Any] = {key: result[key] for key in ("usage", "metrics", "trace") if key in result}
            events.append(encode_event("metadata", metadata))
            data = b"".join(events)
            self.send_response(200)
            self.send_header("Content-Type", "application/vnd.amazon.eventstream")
            if not fake.first_content_delay_s:
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)
                return
            # Chunked, as the service streams: the client reads messageStart before the pause.
            self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()
            for part, pause in ((events[0], fake.first_content_delay_s), (b"".join(events[1:]), 0.0)):
                self.wfile.write(b"%x\r\n%s\r\n" % (len(part), part))
                self.wfile.flush()
                time.sleep(pause)
            self.wfile.write(b"0\r\n\r\n")

        def _error(self, status: int, code: str, message: str) -> None:
            data = json.dumps({"message": message}).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("x-amzn-ErrorType", code)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

    return Handler


def _assessment(words: list[str]) -> dict[str, Any]:
    return {
        "wordPolicy": {
            "customWords": [{"match": word, "action": "BLOCKED", "detected": True} for word in words],
            "managedWordLists": [],
        }
    }


def _intervention(
    body: dict[str, Any], guardrail: FakeGuardrail, source: str, words: list[str], model_output: str | None
) -> dict[str, Any]:
    """A Converse answer in which the guardrail intervened on its input or on its output."""
    message = guardrail.blocked_input_message if source == "input" else guardrail.blocked_output_message
    result: dict[str, Any] = {
        "output": {"message": {"role": "assistant", "content": [{"text": message}]}},
        "stopReason": "guardrail_intervened",
        "usage": {"inputTokens": 0, "outputTokens": 0, "totalTokens": 0},
        "metrics": {"latencyMs": 1},
    }
    if (body.get("guardrailConfig") or {}).get("trace") == "enabled":
        trace: dict[str, Any] = {"actionReason": "Guardrail blocked."}
        if source == "input":
            trace["inputAssessment"] = {guardrail.guardrail_id: _assessment(words)}
        else:
            trace["modelOutput"] = [model_output or ""]
            trace["outputAssessments"] = {guardrail.guardrail_id: [_assessment(words)]}
        result["trace"] = {"guardrail": trace}
    return result


def _converse(body: dict[str, Any], guardrail: FakeGuardrail | None = None) -> dict[str, Any]:
    messages = body.get("messages", [])
    if guardrail is not None and guardrail.input_enabled:
        prompt = " ".join(_message_text(m) for m in messages if m.get("role") == "user")
        if denied := guardrail.denied_in(prompt):
            return _intervention(body, guardrail, "input", denied, None)
    system = " ".join(block.get("text", "") for block in body.get("system", []))
    text = answer_for(messages)
    max_tokens = body.get("inferenceConfig", {}).get("maxTokens")
    output_words = text.split(" ")
    stop_reason = "end_turn"
    if max_tokens is not None and len(output_words) > max_tokens:
        text, stop_reason = " ".join(output_words[:max_tokens]), "max_tokens"
    input_tokens = sum(_words(_message_text(m)) for m in messages) + (_words(system) if system else 0)
    output_tokens = _words(text)
    if guardrail is not None and guardrail.output_enabled and (denied := guardrail.denied_in(text)):
        return _intervention(body, guardrail, "output", denied, text)
    return {
        "output": {"message": {"role": "assistant", "content": [{"text": text}]}},
        "stopReason": stop_reason,
        "usage": {
            "inputTokens": input_tokens,
            "outputTokens": output_tokens,
            "totalTokens": input_tokens + output_tokens,
        },
        "metrics": {"latencyMs": 1},
    }


def _invoke_model(body: dict[str, Any]) -> dict[str, Any]:
    """Anthropic Messages format, the most common InvokeModel body."""
    result = _converse(body)
    usage = result["usage"]
    return {
        "id": f"msg_fake_{time.monotonic_ns()}",
        "type": "message",
        "role": "assistant",
        "content": [{"type": "text", "text": result["output"]["message"]["content"][0]["text"]}],
        "stop_reason": result["stopReason"],
        "usage": {"input_tokens": usage["inputTokens"], "output_tokens": usage["outputTokens"]},
    }
