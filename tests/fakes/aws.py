"""An embedded AWS for tests and benchmarks: a moto server plus the Bedrock fake,
both behind the IAM authorisation of ``tests/fakes/authorization.py``.

The accounts form an organisation, as in the article: the bootstrap credentials
(``testing``) are the management account's root user, and every member account
(the operations account and two customer accounts) has the
``OrganizationAccountAccessRole`` that AWS Organizations creates, trusting the
management account, with an allow-all policy. Terraform and the tests act in an
account through that role, so enforcement stays on throughout: there is no
switch to turn it off.

moto maps credentials to accounts: keys returned by ``AssumeRole`` act in the
assumed role's account. A Lambda execution role's credentials are minted as the
Lambda service gets them (:meth:`EmbeddedAws.service_session`): only if the
role's trust policy lets the service principal assume it.
"""

from __future__ import annotations

import contextlib
import http.client
import json
import logging
import os
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import boto3
from moto.iam.models import iam_backends
from moto.moto_server.threaded_moto_server import ThreadedMotoServer
from moto.moto_server.werkzeug_app import DomainDispatcherApplication, MotoRequestHandler, create_backend_app
from moto.organizations.models import FakeAccount, organizations_backends
from moto.organizations.utils import DEFAULT_RCP_POLICY_ID, DEFAULT_SCP_POLICY_ID
from moto.sts.models import sts_backends
from werkzeug.serving import make_server

from .authorization import (
    ADMIN_ROLE,
    ALLOW_ALL,
    MANAGEMENT_ACCOUNT,
    Authorizer,
    bootstrap_account,
    enforcing,
    policy_document,
)
from .bedrock import FakeBedrock
from .cloudwatch_cbor import CloudWatchCborBridge
from .moto_fidelity import apply_fidelity_fixes
from .policy import PolicyEvaluator, Request

__all__ = [
    "ADMIN_ROLE",
    "CLEARED_VARIABLES",
    "CUSTOMER_ACCOUNTS",
    "LAMBDA_TRUST",
    "MANAGEMENT_ACCOUNT",
    "OPERATIONS_ACCOUNT",
    "REGION",
    "EmbeddedAws",
    "StaticBody",
    "aws_environment",
    "embedded_aws",
    "environment_for",
    "frozen_credentials",
    "moto_server",
    "session_from",
]

OPERATIONS_ACCOUNT = "111111111111"
CUSTOMER_ACCOUNTS = ("222222222222", "333333333333")
MEMBER_ACCOUNTS = (OPERATIONS_ACCOUNT, *CUSTOMER_ACCOUNTS)
REGION = "us-east-1"
LAMBDA_TRUST: dict[str, Any] = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}],
}

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
    authorizer: Authorizer
    cloudwatch_url: str | None = None

    @property
    def environment(self) -> dict[str, str]:
        return aws_environment(self.moto_url, self.bedrock.url, self.cloudwatch_url)

    def reset(self) -> None:
        """Forget every account's resources, every recorded Bedrock call and every
        refusal; set the organisation up again."""
        host, port = urlsplit(self.moto_url).netloc.split(":")
        connection = http.client.HTTPConnection(host, int(port), timeout=10)
        try:
            connection.request("POST", "/moto-api/reset")
            status = connection.getresponse().status
        finally:
            connection.close()
        if status != 200:
            raise RuntimeError(f"moto answered {status} to a reset")
        self.bedrock.reset()
        self.authorizer.refusals.clear()
        set_up_organization()

    def admin_session(self, account_id: str) -> boto3.Session:
        """The account's OrganizationAccountAccessRole (what Terraform acts as)."""
        sts = boto3.client("sts", region_name=REGION, endpoint_url=self.moto_url)
        response = sts.assume_role(RoleArn=f"arn:aws:iam::{account_id}:role/{ADMIN_ROLE}", RoleSessionName="admin")
        return session_from(response["Credentials"])

    def service_session(self, role_arn: str, service: str = "lambda.amazonaws.com") -> boto3.Session:
        """Credentials of ``role_arn`` as ``service`` gets them (Lambda, for an
        execution role): refused, as AWS refuses, unless the role's trust policy
        lets the service principal assume it."""
        account = role_arn.split(":")[4]
        role = iam_backends[account]["aws"].get_role_by_arn(role_arn)
        decision = self.authorizer.evaluator.evaluate(
            Request(service, "sts:AssumeRole", role_arn, account, {"aws:PrincipalServiceName": service}),
            resource_policy=policy_document(role.assume_role_policy_document),
        )
        if not decision.allowed:
            raise PermissionError(f"the trust policy of {role_arn} does not let {service} assume it")
        session = sts_backends[account]["aws"].assume_role(
            region_name=REGION,
            role_session_name=role_arn.rsplit("/", 1)[1],
            role_arn=role_arn,
            policy="",
            duration=3600,
            external_id="",
        )
        return session_from(
            {
                "AccessKeyId": session.access_key_id,
                "SecretAccessKey": session.secret_access_key,
                "SessionToken": session.session_token,
            }
        )

    def account_session(
        self, account_id: str, role_name: str = "tenant-invoker", policy: Mapping[str, Any] = ALLOW_ALL
    ) -> boto3.Session:
        """Credentials that act in ``account_id`` like a Lambda execution role there:
        the role (created, or its policy replaced) has ``policy`` as its only policy."""
        iam = self.admin_session(account_id).client("iam")
        with contextlib.suppress(iam.exceptions.EntityAlreadyExistsException):
            iam.create_role(RoleName=role_name, AssumeRolePolicyDocument=json.dumps(LAMBDA_TRUST))
        iam.put_role_policy(RoleName=role_name, PolicyName="permissions", PolicyDocument=json.dumps(policy))
        return self.service_session(f"arn:aws:iam::{account_id}:role/{role_name}")


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


class _EnforcingMotoServer(ThreadedMotoServer):
    """moto's threaded server with its WSGI application behind the authorizer."""

    def __init__(self, authorizer: Authorizer, ip_address: str) -> None:
        super().__init__(ip_address=ip_address, port=0, verbose=False)
        self._authorizer = authorizer

    def _server_entry(self) -> None:
        app = enforcing(DomainDispatcherApplication(create_backend_app), self._authorizer)
        self._server = make_server(self._ip_address, self._port, app, True, request_handler=MotoRequestHandler)
        self._server_ready_event.set()
        self._server.serve_forever()


@contextmanager
def moto_server(authorizer: Authorizer | None = None) -> Iterator[str]:
    """A moto server on 127.0.0.1 (in this process), behind ``authorizer`` if one
    is given (a plain moto otherwise: plan tests only ask it who they are); yields its URL."""
    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # one access-log line per request otherwise
    apply_fidelity_fixes()
    server = (
        _EnforcingMotoServer(authorizer, "127.0.0.1")
        if authorizer
        else ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    )
    server.start()
    host, port = server.get_host_and_port()
    try:
        yield f"http://{host}:{port}"
    finally:
        server.stop()


def set_up_organization() -> None:
    """The management account's organisation with every member account, each
    with its OrganizationAccountAccessRole (what AWS Organizations sets up)."""
    backend = organizations_backends[MANAGEMENT_ACCOUNT]["aws"]
    if backend.org is None:
        backend.create_organization(region=REGION, FeatureSet="ALL")
    assert backend.org is not None
    for account_id in MEMBER_ACCOUNTS:
        if not any(account.id == account_id for account in backend.accounts):
            # What moto's CreateAccount does, with the account id this project uses.
            member = FakeAccount(backend.org, AccountName=f"member-{account_id}", Email=f"{account_id}@example.com")
            member.id = account_id
            backend.accounts.append(member)
            for policy_id in (DEFAULT_SCP_POLICY_ID, DEFAULT_RCP_POLICY_ID):
                backend.attach_policy(PolicyId=policy_id, TargetId=account_id)
            organizations_backends.master_accounts[account_id] = (MANAGEMENT_ACCOUNT, "aws")
        bootstrap_account(account_id)


@contextmanager
def embedded_aws() -> Iterator[EmbeddedAws]:
    """Start a moto server and the Bedrock fake, both behind one IAM authorizer,
    and the CloudWatch protocol bridge, on 127.0.0.1; stop them after."""
    with PolicyEvaluator() as evaluator:
        authorizer = Authorizer(evaluator)
        with (
            moto_server(authorizer) as url,
            FakeBedrock(authorizer=authorizer) as bedrock,
            CloudWatchCborBridge(url) as cloudwatch,
        ):
            aws = EmbeddedAws(url, bedrock, authorizer, cloudwatch.url)
            # moto's state is per process, not per server: start from an empty one.
            aws.reset()
            yield aws


class StaticBody:
    """A canned HTTP body for an ``AWSResponse`` returned from a ``before-send`` hook."""

    def __init__(self, data: bytes) -> None:
        self._data = data

    def stream(self, **_: object) -> Iterator[bytes]:
        yield self._data
