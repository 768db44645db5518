"""An embedded AWS for tests and benchmarks: a moto server plus the Bedrock fake.

moto maps credentials to accounts: keys returned by ``AssumeRole`` act in the
assumed role's account. So "the customer account's credentials" are obtained by
assuming a role in that account from moto's bootstrap credentials, exactly as a
Lambda execution role's credentials would act in the customer account.
"""

from __future__ import annotations

import http.client
import logging
import os
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs, urlsplit

import boto3
from botocore.awsrequest import AWSResponse
from botocore.compat import HTTPHeaders
from moto.server import ThreadedMotoServer

from .bedrock import FakeBedrock
from .cloudwatch_cbor import CloudWatchCborBridge
from .moto_fidelity import apply_fidelity_fixes

__all__ = [
    "CLEARED_VARIABLES",
    "OPERATIONS_ACCOUNT",
    "REGION",
    "EmbeddedAws",
    "StaticBody",
    "aws_environment",
    "embedded_aws",
    "enforce_external_ids",
    "environment_for",
    "frozen_credentials",
    "moto_server",
    "session_from",
]

OPERATIONS_ACCOUNT = "111111111111"
REGION = "us-east-1"

# What every process talking to the embedded AWS needs; no real credentials.
_BASE_ENV = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_DEFAULT_REGION": REGION,
    "AWS_REGION": REGION,
    "AWS_CONFIG_FILE": os.devnull,
    "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
    "AWS_EC2_METADATA_DISABLED": "true",
}
CLEARED_VARIABLES = ("AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_SECURITY_TOKEN", "AWS_DEFAULT_PROFILE")


def aws_environment(moto_url: str, bedrock_url: str, cloudwatch_url: str | None = None) -> dict[str, str]:
    """Environment variables that point boto3 and the Terraform AWS provider at the embedded AWS."""
    environment = {
        **_BASE_ENV,
        "AWS_ENDPOINT_URL": moto_url,
        "AWS_ENDPOINT_URL_BEDROCK_RUNTIME": bedrock_url,
        "AWS_ENDPOINT_URL_BEDROCK": bedrock_url,
    }
    if cloudwatch_url:
        environment["AWS_ENDPOINT_URL_CLOUDWATCH"] = cloudwatch_url
    return environment


def session_from(credentials: Mapping[str, Any], region: str = REGION) -> boto3.Session:
    """A boto3 session on the static credentials of an ``AssumeRole`` response."""
    return boto3.Session(
        aws_access_key_id=credentials["AccessKeyId"],
        aws_secret_access_key=credentials["SecretAccessKey"],
        aws_session_token=credentials["SessionToken"],
        region_name=region,
    )


@dataclass(frozen=True)
class Keys:
    access_key: str
    secret_key: str
    token: str


def frozen_credentials(session: boto3.Session) -> Keys:
    """The current access key, secret and session token of a boto3 session."""
    credentials = session.get_credentials()
    assert credentials is not None, "session has no credentials"
    frozen = credentials.get_frozen_credentials()
    assert frozen.access_key is not None
    assert frozen.secret_key is not None
    assert frozen.token is not None, "expected temporary credentials"
    return Keys(frozen.access_key, frozen.secret_key, frozen.token)


@dataclass
class EmbeddedAws:
    moto_url: str
    bedrock: FakeBedrock
    cloudwatch_url: str | None = None

    @property
    def environment(self) -> dict[str, str]:
        return aws_environment(self.moto_url, self.bedrock.url, self.cloudwatch_url)

    def reset(self) -> None:
        """Forget every account's resources and every recorded Bedrock call."""
        self._moto_api("/moto-api/reset")
        self.bedrock.reset()

    def enforce_iam(self, enforced: bool) -> None:
        """Switch moto's IAM authorization on (identity policies are evaluated for
        every request from now on) or off. moto does not evaluate trust policies."""
        self._moto_api("/moto-api/reset-auth", b"0" if enforced else b"inf")

    def _moto_api(self, path: str, body: bytes = b"") -> None:
        host, port = urlsplit(self.moto_url).netloc.split(":")
        connection = http.client.HTTPConnection(host, int(port), timeout=10)
        try:
            connection.request("POST", path, body=body)
            status = connection.getresponse().status
        finally:
            connection.close()
        if status != 200:
            raise RuntimeError(f"moto answered {status} to {path}")

    def account_session(self, account_id: str, role_name: str = "tenant-invoker") -> boto3.Session:
        """Credentials that act in ``account_id`` (like a Lambda execution role there)."""
        sts = boto3.client("sts", region_name=REGION, endpoint_url=self.moto_url)
        response = sts.assume_role(
            RoleArn=f"arn:aws:iam::{account_id}:role/{role_name}", RoleSessionName="embedded-aws"
        )
        return session_from(response["Credentials"])


@contextmanager
def environment_for(aws: EmbeddedAws) -> Iterator[None]:
    """Point this process's boto3 (environment variables) at ``aws``; restore after."""
    saved = dict(os.environ)
    for name in CLEARED_VARIABLES:
        os.environ.pop(name, None)
    os.environ.update(aws.environment)
    try:
        yield
    finally:
        os.environ.clear()
        os.environ.update(saved)


@contextmanager
def moto_server() -> Iterator[str]:
    """A moto server on 127.0.0.1 (in this process); yields its URL."""
    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # one access-log line per request otherwise
    apply_fidelity_fixes()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    try:
        yield f"http://{host}:{port}"
    finally:
        server.stop()


@contextmanager
def embedded_aws() -> Iterator[EmbeddedAws]:
    """Start a moto server, the Bedrock fake and the CloudWatch protocol bridge on
    127.0.0.1; stop them after."""
    with moto_server() as url, FakeBedrock() as bedrock, CloudWatchCborBridge(url) as cloudwatch:
        yield EmbeddedAws(url, bedrock, cloudwatch.url)


class StaticBody:
    """A canned HTTP body for an ``AWSResponse`` returned from a ``before-send`` hook."""

    def __init__(self, data: bytes) -> None:
        self._data = data

    def stream(self, **_: object) -> Iterator[bytes]:
        yield self._data


def enforce_external_ids(session: boto3.Session, external_ids: Mapping[str, str]) -> None:
    """Make ``AssumeRole`` from ``session`` answer AccessDenied, as real STS does,
    when the ExternalId does not match the one the role's trust policy requires.

    moto does not evaluate trust policies, so this emulates that one condition
    (``external_ids`` maps role ARN to its external id) on the client side.
    """

    def check(request: Any, **_: object) -> Any:  # an AWSResponse short-circuits the send
        form = parse_qs(request.body.decode() if isinstance(request.body, bytes) else str(request.body))
        role_arn = form.get("RoleArn", [""])[0]
        if role_arn not in external_ids or form.get("ExternalId", [None])[0] == external_ids[role_arn]:
            return None
        message = f"User is not authorized to perform: sts:AssumeRole on resource: {role_arn}"
        body = (
            '<ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><Error><Type>Sender</Type>'
            f"<Code>AccessDenied</Code><Message>{message}</Message></Error>"
            "<RequestId>denied</RequestId></ErrorResponse>"
        ).encode()
        return AWSResponse(request.url, 403, HTTPHeaders.from_dict({"Content-Type": "text/xml"}), StaticBody(body))

    session.events.register("before-send.sts.AssumeRole", check)
