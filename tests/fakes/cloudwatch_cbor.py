"""A protocol bridge so the Terraform AWS provider can reach moto's CloudWatch.

The AWS provider (SDK for Go v2) speaks CloudWatch over the Smithy RPC v2 CBOR
protocol (``POST /service/GraniteServiceVersion20100801/operation/<Op>``); moto
serves CloudWatch over the query and JSON protocols only, and answers the CBOR
path with a 404. This bridge re-encodes each CBOR request as the equivalent
awsJson1_0 request to moto (same operation, same members, the caller's
Authorization header so moto acts in the caller's account) and re-encodes moto's
JSON answer as CBOR, tagging timestamp members (CBOR tag 1) as the service model
says. Nothing about the alarms and dashboards themselves is emulated here.
"""

from __future__ import annotations

import http.client
import json
import re
from datetime import datetime
from http.server import BaseHTTPRequestHandler
from typing import Any
from urllib.parse import urlsplit

import botocore.session
import cbor2

from .local_server import LocalServer

__all__ = ["CloudWatchCborBridge"]

_PATH = re.compile(r"^/service/GraniteServiceVersion20100801/operation/(?P<operation>[A-Za-z]+)$")
_TARGET_PREFIX = "GraniteServiceVersion20100801"
_SCOPE_REGION = re.compile(r"Credential=[^/]+/[0-9]+/(?P<region>[a-z0-9-]+)/")


def _region(authorization: str) -> str:
    match = _SCOPE_REGION.search(authorization)
    return match["region"] if match else "us-east-1"


def _plain(value: Any) -> Any:
    """CBOR-decoded request members as JSON values (timestamps as epoch seconds)."""
    if isinstance(value, datetime):
        return value.timestamp()
    if isinstance(value, dict):
        return {key: _plain(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_plain(item) for item in value]
    if isinstance(value, bytes | bytearray):
        raise ValueError("blob members are not used by the CloudWatch calls bridged here")
    return value


def _tag_timestamps(value: Any, shape: Any) -> Any:
    """JSON response members as CBOR values, timestamps tagged per the model."""
    if shape is None or value is None:
        return value
    if shape.type_name == "timestamp":
        epoch = value if isinstance(value, int | float) else datetime.fromisoformat(str(value)).timestamp()
        return cbor2.CBORTag(1, float(epoch))
    if shape.type_name == "structure" and isinstance(value, dict):
        return {key: _tag_timestamps(item, shape.members.get(key)) for key, item in value.items()}
    if shape.type_name == "list" and isinstance(value, list):
        return [_tag_timestamps(item, shape.member) for item in value]
    if shape.type_name == "map" and isinstance(value, dict):
        return {key: _tag_timestamps(item, shape.value) for key, item in value.items()}
    return value


class CloudWatchCborBridge(LocalServer):
    """Serves CloudWatch's CBOR protocol on 127.0.0.1 in front of a moto server."""

    def __init__(self, moto_url: str, *, host: str = "127.0.0.1", port: int = 0) -> None:
        self._moto = urlsplit(moto_url)
        self._model = botocore.session.get_session().get_service_model("cloudwatch")
        super().__init__(_handler_for(self), host=host, port=port)

    def forward(self, operation: str, members: dict[str, Any], authorization: str) -> tuple[int, bytes]:
        """Send ``operation`` to moto as awsJson1_0; return (status, CBOR body)."""
        connection = http.client.HTTPConnection(self._moto.hostname or "127.0.0.1", self._moto.port, timeout=30)
        try:
            connection.request(
                "POST",
                "/",
                body=json.dumps(members),
                headers={
                    "X-Amz-Target": f"{_TARGET_PREFIX}.{operation}",
                    "Content-Type": "application/x-amz-json-1.0",
                    "Authorization": authorization,
                    "Host": f"monitoring.{_region(authorization)}.amazonaws.com",
                },
            )
            response = connection.getresponse()
            status, raw = response.status, response.read()
        finally:
            connection.close()
        payload = json.loads(raw or b"{}")
        if status >= 400:
            code = str(payload.get("__type") or payload.get("Error", {}).get("Code") or "InternalFailure")
            error = {"__type": code.rsplit("#", maxsplit=1)[-1], "message": str(payload.get("message", ""))}
            return status, cbor2.dumps(error)
        output = self._model.operation_model(operation).output_shape
        return status, cbor2.dumps(_tag_timestamps(payload, output))


def _handler_for(bridge: CloudWatchCborBridge) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        disable_nagle_algorithm = True

        def log_message(self, *args: Any) -> None:
            """Silence the default per-request stderr line."""

        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length) if length else b""
            match = _PATH.match(self.path.split("?")[0])
            if match is None:
                status, body = 404, cbor2.dumps({"__type": "UnknownOperationException", "message": self.path})
            else:
                members = _plain(cbor2.loads(raw)) if raw else {}
                status, body = bridge.forward(match["operation"], members, self.headers.get("Authorization", ""))
            self.send_response(status)
            self.send_header("Content-Type", "application/cbor")
            self.send_header("smithy-protocol", "rpc-v2-cbor")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    return Handler
