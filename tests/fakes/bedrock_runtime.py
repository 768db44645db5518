"""A local fake of the Amazon Bedrock runtime HTTP API.

Serves Converse, ConverseStream (AWS event-stream framing) and InvokeModel on
127.0.0.1 with realistic bodies and usage, and records which access key id
signed each request, so tests can prove which account's credentials reached
Bedrock. moto's bedrock-runtime does not implement Converse, hence this fake.

    with FakeBedrockRuntime() as fake:
        os.environ["AWS_ENDPOINT_URL_BEDROCK_RUNTIME"] = fake.url
        ...
        assert {call.access_key_id for call in fake.calls} == {ops_key}

Failures are injected with ``fail_next(code, status, times)``; ``latency_s``
delays every response.
"""

from __future__ import annotations

import binascii
import json
import re
import struct
import threading
import time
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any
from urllib.parse import unquote

__all__ = ["FakeBedrockRuntime", "RecordedCall", "encode_event"]

_PATH = re.compile(r"^/model/(?P<model>[^/]+)/(?P<op>converse-stream|converse|invoke)$")
_CREDENTIAL = re.compile(r"Credential=([^/]+)/")
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


class FakeBedrockRuntime:
    """The fake server; a context manager that starts and stops it."""

    def __init__(self, *, latency_s: float = 0.0, host: str = "127.0.0.1", port: int = 0) -> None:
        self.latency_s = latency_s
        self.calls: list[RecordedCall] = []
        self._failures: list[_Failure] = []
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer((host, port), _handler_for(self))
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    def start(self) -> FakeBedrockRuntime:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)

    def __enter__(self) -> FakeBedrockRuntime:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    def fail_next(self, code: str, *, times: int = 1, status: int | None = None) -> None:
        """Answer the next ``times`` requests with the AWS error ``code``."""
        with self._lock:
            self._failures.append(_Failure(code, status or _STATUS_OF.get(code, 400), times))

    def reset(self) -> None:
        with self._lock:
            self.calls.clear()
            self._failures.clear()

    @property
    def access_key_ids(self) -> set[str | None]:
        return {call.access_key_id for call in self.calls}

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


def _handler_for(fake: FakeBedrockRuntime) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"  # keep-alive, like the real endpoint
        disable_nagle_algorithm = True  # headers and body are separate writes: no 40 ms delayed-ACK stall

        def log_message(self, *args: Any) -> None:
            """Silence the default per-request stderr line."""

        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length) if length else b"{}"
            match = _PATH.match(self.path.split("?")[0])
            if match is None:
                self._error(404, "UnknownOperationException", f"no route for {self.path}")
                return
            operation = {"converse": "Converse", "converse-stream": "ConverseStream", "invoke": "InvokeModel"}[
                match["op"]
            ]
            credential = _CREDENTIAL.search(self.headers.get("Authorization", ""))
            body = json.loads(raw or b"{}")
            call = RecordedCall(operation, unquote(match["model"]), credential[1] if credential else None, body)
            failure = fake._record(call)
            if fake.latency_s:
                time.sleep(fake.latency_s)
            if failure is not None:
                self._error(failure.status, failure.code, f"fake {failure.code}")
            elif operation == "Converse":
                self._json(_converse(body))
            elif operation == "ConverseStream":
                self._stream(body)
            else:
                self._json(_invoke_model(body))

        def _json(self, payload: dict[str, Any]) -> None:
            data = json.dumps(payload).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("x-amzn-RequestId", f"fake-{time.monotonic_ns()}")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def _stream(self, body: dict[str, Any]) -> None:
            result = _converse(body)
            words = result["output"]["message"]["content"][0]["text"].split(" ")
            events = [encode_event("messageStart", {"role": "assistant"})]
            for index, word in enumerate(words):
                text = word if index == 0 else " " + word
                events.append(encode_event("contentBlockDelta", {"contentBlockIndex": 0, "delta": {"text": text}}))
            events.append(encode_event("contentBlockStop", {"contentBlockIndex": 0}))
            events.append(encode_event("messageStop", {"stopReason": result["stopReason"]}))
            events.append(encode_event("metadata", {"usage": result["usage"], "metrics": result["metrics"]}))
            data = b"".join(events)
            self.send_response(200)
            self.send_header("Content-Type", "application/vnd.amazon.eventstream")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def _error(self, status: int, code: str, message: str) -> None:
            data = json.dumps({"message": message}).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("x-amzn-ErrorType", code)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

    return Handler


def _converse(body: dict[str, Any]) -> dict[str, Any]:
    messages = body.get("messages", [])
    system = " ".join(block.get("text", "") for block in body.get("system", []))
    text = answer_for(messages)
    max_tokens = body.get("inferenceConfig", {}).get("maxTokens")
    output_words = text.split(" ")
    stop_reason = "end_turn"
    if max_tokens is not None and len(output_words) > max_tokens:
        text, stop_reason = " ".join(output_words[:max_tokens]), "max_tokens"
    input_tokens = sum(_words(_message_text(m)) for m in messages) + (_words(system) if system else 0)
    output_tokens = _words(text)
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
