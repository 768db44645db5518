"""Authorisation for the embedded AWS: requests AWS would refuse are refused.

moto 5.2.5 evaluates no trust policy, supports ``StringEquals`` only (a
condition on a key absent from the request passes) and sees most requests as on
resource ``*``. Here, the requests this project's security claims rest on are
authorised before moto answers, by the independent evaluator in
``tests/fakes/policy.py``, with the request context AWS supplies:

- STS ``AssumeRole``: the target role's trust policy and the caller's identity
  policies, for ``sts:AssumeRole`` and, when the request sets them,
  ``sts:SetSourceIdentity`` and ``sts:TagSession``; refused as STS refuses
  (``AccessDenied``, HTTP 403, query-protocol XML).
- CloudWatch Logs ``CreateLogStream`` and ``PutLogEvents``: the caller's
  identity policies on the log stream ARN
  (``arn:aws:logs:REGION:ACCOUNT:log-group:GROUP:log-stream:STREAM``, the resource
  type the Service Authorization Reference gives both actions:
  https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazoncloudwatchlogs.html),
  so a grant on ``log-group:GROUP:*`` covers them and one on ``log-group:GROUP``
  does not.
- CloudWatch Logs ``CreateLogGroup`` and ``AssociateKmsKey`` with a KMS key:
  the key policy must let the Logs service principal of the region use the key
  with ``kms:EncryptionContext:aws:logs:arn`` equal to the log group's ARN
  (https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/encrypt-log-data-kms.html);
  refused as Logs refuses (``AccessDeniedException``: "The specified KMS key does
  not exist or is not allowed to be used with Arn ...").
- Lambda ``PutFunctionConcurrency``: refused when it would leave less unreserved
  concurrency than the minimum, 100 or the account's limit if lower
  (https://docs.aws.amazon.com/lambda/latest/dg/configuration-concurrency.html),
  with Lambda's ``InvalidParameterValueException``. The API's ``CreateFunction``
  takes no reserved concurrency; Terraform sets it with this call.

The Bedrock fake authorises model invocations with the same :class:`Authorizer`
(see ``tests/fakes/bedrock.py``). Everything else is answered by moto as before.

Callers are resolved from the access key in the SigV4 ``Authorization`` header
through moto's own records: temporary keys belong to an assumed role (identity
policies: the role's inline and attached policies, and its permissions
boundary), user keys to an IAM user. Any other key (the bootstrap
``testing`` key) is the root user of the management account, which may do
anything in its own account.
"""

from __future__ import annotations

import io
import json
import re
import threading
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, unquote
from xml.sax.saxutils import escape

from moto.awslambda.models import lambda_backends
from moto.core.models import DEFAULT_ACCOUNT_ID
from moto.iam.models import get_account_id_from, iam_backends
from moto.kms.models import kms_backends
from moto.organizations.models import organizations_backends
from moto.sts.models import sts_backends

from .policy import Decision, PolicyEvaluator, Request

__all__ = [
    "ADMIN_ROLE",
    "ALLOW_ALL",
    "MANAGEMENT_ACCOUNT",
    "Authorizer",
    "Caller",
    "Refusal",
    "bootstrap_account",
    "enforcing",
    "policy_document",
]

MANAGEMENT_ACCOUNT = DEFAULT_ACCOUNT_ID  # the bootstrap credentials act as its root user
ADMIN_ROLE = "OrganizationAccountAccessRole"
ALLOW_ALL: dict[str, Any] = {
    "Version": "2012-10-17",
    "Statement": [{"Sid": "AdministratorAccess", "Effect": "Allow", "Action": "*", "Resource": "*"}],
}
DEFAULT_LAMBDA_CONCURRENCY_LIMIT = 1000  # the documented default quota per account and Region
UNRESERVED_CONCURRENCY_MINIMUM = 100

_SCOPE = re.compile(r"Credential=(?P<key>[^/]+)/[0-9]+/(?P<region>[a-z0-9-]+)/(?P<service>[a-z0-9-]+)/")
_CONCURRENCY_PATH = re.compile(r"^/2017-10-31/functions/(?P<name>[^/]+)/concurrency$")
_ROLE_ARN = re.compile(r"^arn:(?P<partition>[a-z-]+):iam::(?P<account>[0-9]{12}):role/(?:.*/)?(?P<name>[^/]+)$")


def policy_document(value: Any) -> dict[str, Any]:
    """A policy as moto stores it (JSON text, possibly URL-encoded, or a dict) as a dict."""
    if isinstance(value, Mapping):
        return dict(value)
    text = str(value)
    if not text.lstrip().startswith("{"):
        text = unquote(text)
    document: dict[str, Any] = json.loads(text)
    return document


@dataclass(frozen=True)
class Caller:
    """Who signed a request, as IAM sees it."""

    arn: str  # what AWS names in errors: the session, user or root ARN
    account: str
    principal_arn: str  # aws:PrincipalArn: the role's ARN for a role session
    principal_type: str  # aws:PrincipalType: AssumedRole, User or Account
    identity_policies: tuple[dict[str, Any], ...]
    permission_boundaries: tuple[dict[str, Any], ...] = ()
    org_id: str | None = None

    def context(self, region: str) -> dict[str, str]:
        """The global condition keys AWS puts in every request context from this caller."""
        context = {
            "aws:PrincipalArn": self.principal_arn,
            "aws:PrincipalAccount": self.account,
            "aws:PrincipalType": self.principal_type,
            "aws:RequestedRegion": region,
            "aws:SecureTransport": "true",  # SDKs call AWS over TLS
        }
        if self.org_id:
            context["aws:PrincipalOrgID"] = self.org_id
        return context


@dataclass(frozen=True)
class Refusal:
    """An AWS error response, and what was refused (for tests and the demo)."""

    service: str
    action: str
    principal: str
    resource: str
    status: int
    code: str
    message: str

    def xml_body(self) -> bytes:
        return (
            '<ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><Error><Type>Sender</Type>'
            f"<Code>{self.code}</Code><Message>{escape(self.message)}</Message></Error>"
            "<RequestId>embedded-aws-refusal</RequestId></ErrorResponse>"
        ).encode()

    def json_body(self) -> bytes:
        return json.dumps({"__type": self.code, "message": self.message, "Message": self.message}).encode()


def denied_message(caller: Caller, action: str, resource: str, decision: Decision) -> str:
    """IAM's wording for a refused request."""
    reason = (
        "with an explicit deny in a policy"
        if decision.explicit_deny
        else f"because no identity-based policy allows the {action} action"
    )
    return f"User: {caller.arn} is not authorized to perform: {action} on resource: {resource} {reason}"


@dataclass
class Authorizer:
    """Decides requests for the embedded AWS; records every refusal it makes."""

    evaluator: PolicyEvaluator
    lambda_concurrency_limit: int = DEFAULT_LAMBDA_CONCURRENCY_LIMIT
    refusals: list[Refusal] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    # -- callers ---------------------------------------------------------------
    def caller(self, access_key_id: str) -> Caller:
        account = get_account_id_from(access_key_id)
        iam = iam_backends[account]["aws"]
        key = iam.access_keys.get(access_key_id)
        role_arn = getattr(key, "role_arn", None) if key is not None else None
        if role_arn:
            session = sts_backends[account]["aws"].get_assumed_role_from_access_key(access_key_id)
            arn = session.arn if session else role_arn
            policies, boundaries = self._role_policies(account, role_arn)
            return Caller(arn, account, role_arn, "AssumedRole", policies, boundaries, _org_id(account))
        if key is not None:
            user = iam.get_user_from_access_key_id(access_key_id)
            if user is not None:
                policies = tuple(policy_document(doc) for doc in user.policies.values()) + tuple(
                    _managed_document(policy) for policy in user.managed_policies.values()
                )
                return Caller(user.arn, account, user.arn, "User", policies, (), _org_id(account))
        root = f"arn:aws:iam::{MANAGEMENT_ACCOUNT}:root"
        return Caller(root, MANAGEMENT_ACCOUNT, root, "Account", (ALLOW_ALL,), (), _org_id(MANAGEMENT_ACCOUNT))

    def _role_policies(
        self, account: str, role_arn: str
    ) -> tuple[tuple[dict[str, Any], ...], tuple[dict[str, Any], ...]]:
        iam = iam_backends[account]["aws"]
        try:
            role = iam.get_role_by_arn(role_arn)
        except Exception:  # deleted since the session began: nothing is allowed
            return (), ()
        policies = tuple(policy_document(doc) for doc in role.policies.values()) + tuple(
            _managed_document(policy) for policy in role.managed_policies.values()
        )
        boundaries: tuple[dict[str, Any], ...] = ()
        if role.permissions_boundary_arn:
            boundary = iam.managed_policies.get(role.permissions_boundary_arn)
            # A boundary that does not exist allows nothing.
            boundaries = (_managed_document(boundary) if boundary else {"Version": "2012-10-17", "Statement": []},)
        return policies, boundaries

    # -- decisions ---------------------------------------------------------------
    def decide(
        self,
        caller: Caller,
        action: str,
        resource: str,
        resource_account: str,
        context: Mapping[str, str | list[str]],
        *,
        resource_policy: Mapping[str, Any] | None = None,
        shared_context: bool = False,
    ) -> Decision:
        return self.evaluator.evaluate(
            Request(caller.arn, action, resource, resource_account, context),
            identity_policies=caller.identity_policies,
            resource_policy=resource_policy,
            permission_boundaries=caller.permission_boundaries,
            shared_context=shared_context,
            validate_resource=":::" not in resource,  # the Region-less foundation-model ARN
        )

    def refuse(self, refusal: Refusal) -> Refusal:
        with self._lock:
            self.refusals.append(refusal)
        return refusal

    def refusals_of(self, action: str) -> list[Refusal]:
        with self._lock:
            return [refusal for refusal in self.refusals if refusal.action == action]

    # -- STS -----------------------------------------------------------------------
    def assume_role(self, caller: Caller, form: Mapping[str, str], region: str) -> Refusal | None:
        role_arn = form.get("RoleArn", "")
        match = _ROLE_ARN.match(role_arn)
        role = None
        if match:
            try:
                role = iam_backends[match["account"]]["aws"].get_role_by_arn(role_arn)
            except Exception:
                role = None
        context: dict[str, str | list[str]] = {
            **caller.context(region),
            "sts:RoleSessionName": form.get("RoleSessionName", ""),
        }
        actions = ["sts:AssumeRole"]
        if "ExternalId" in form:
            context["sts:ExternalId"] = form["ExternalId"]
        if "SourceIdentity" in form:
            context["sts:SourceIdentity"] = form["SourceIdentity"]
            actions.append("sts:SetSourceIdentity")
        tags = _members(form, "Tags")
        if tags:
            actions.append("sts:TagSession")
            context["aws:TagKeys"] = [tag["Key"] for tag in tags]
            for tag in tags:
                context[f"aws:RequestTag/{tag['Key']}"] = tag.get("Value", "")
        transitive = [item["member"] for item in _members(form, "TransitiveTagKeys", scalar=True)]
        if transitive:
            context["sts:TransitiveTagKeys"] = transitive
        for action in actions:
            decision = (
                self.decide(
                    caller,
                    action,
                    role_arn,
                    match["account"] if match else caller.account,
                    context,
                    resource_policy=policy_document(role.assume_role_policy_document),
                    shared_context=True,
                )
                if role is not None and match is not None
                else Decision("ImplicitlyDenied")
            )
            if not decision.allowed:
                # STS names only sts:AssumeRole, whichever action of the request was refused.
                message = f"User: {caller.arn} is not authorized to perform: sts:AssumeRole on resource: {role_arn}"
                return self.refuse(Refusal("sts", action, caller.arn, role_arn, 403, "AccessDenied", message))
        duration = int(form.get("DurationSeconds") or 3600)
        maximum = int(getattr(role, "max_session_duration", None) or 3600)
        if duration > maximum:
            message = (
                f"The requested DurationSeconds exceeds the MaxSessionDuration set for this role. "
                f"(DurationSeconds {duration}, MaxSessionDuration {maximum})"
            )
            return self.refuse(Refusal("sts", "sts:AssumeRole", caller.arn, role_arn, 400, "ValidationError", message))
        return None

    # -- CloudWatch Logs -------------------------------------------------------------
    def logs(self, caller: Caller, operation: str, body: Mapping[str, Any], region: str) -> Refusal | None:
        group = str(body.get("logGroupName", ""))
        group_arn = f"arn:aws:logs:{region}:{caller.account}:log-group:{group}"
        if operation in ("CreateLogStream", "PutLogEvents"):
            action = f"logs:{operation}"
            resource = f"{group_arn}:log-stream:{body.get('logStreamName', '')}"
            decision = self.decide(caller, action, resource, caller.account, caller.context(region))
            if not decision.allowed:
                message = denied_message(caller, action, resource, decision)
                return self.refuse(Refusal("logs", action, caller.arn, resource, 400, "AccessDeniedException", message))
        if operation in ("CreateLogGroup", "AssociateKmsKey") and body.get("kmsKeyId"):
            return self._log_group_key(caller, operation, str(body["kmsKeyId"]), group_arn, region)
        return None

    def _log_group_key(
        self, caller: Caller, operation: str, key_id: str, group_arn: str, region: str
    ) -> Refusal | None:
        service = f"logs.{region}.amazonaws.com"
        key_account = key_id.split(":")[4] if key_id.startswith("arn:") else caller.account
        key_region = key_id.split(":")[3] if key_id.startswith("arn:") else region
        backend = kms_backends[key_account][key_region]
        allowed = False
        if key_region == region:
            try:
                key = backend.describe_key(key_id)
            except Exception:  # no such key
                key = None
            if key is not None:
                context = {"kms:EncryptionContext:aws:logs:arn": group_arn}
                allowed = all(
                    self.evaluator.evaluate(
                        Request(service, action, key.arn, key_account, context),
                        resource_policy=policy_document(key.policy),
                    ).allowed
                    for action in ("kms:GenerateDataKey", "kms:Decrypt")
                )
        if allowed:
            return None
        message = f"The specified KMS key does not exist or is not allowed to be used with Arn '{group_arn}'"
        return self.refuse(Refusal("logs", f"logs:{operation}", service, key_id, 400, "AccessDeniedException", message))

    # -- Lambda ------------------------------------------------------------------------
    def reserved_concurrency(self, account: str, region: str, function_name: str, reserved: int) -> Refusal | None:
        others = sum(
            int(function.reserved_concurrency or 0)
            for function in lambda_backends[account][region].list_functions()
            if function.function_name != function_name.rsplit(":", maxsplit=1)[-1]
        )
        minimum = min(UNRESERVED_CONCURRENCY_MINIMUM, self.lambda_concurrency_limit)
        if self.lambda_concurrency_limit - others - reserved >= minimum:
            return None
        message = (
            "Specified ReservedConcurrentExecutions for function decreases account's "
            f"UnreservedConcurrentExecution below its minimum value of [{minimum}]."
        )
        return self.refuse(
            Refusal(
                "lambda",
                "lambda:PutFunctionConcurrency",
                account,
                function_name,
                400,
                "InvalidParameterValueException",
                message,
            )
        )

    # -- moto requests -------------------------------------------------------------------
    def check(
        self, method: str, path: str, query: str, headers: Mapping[str, str], read_body: Callable[[], bytes]
    ) -> Refusal | None:
        """The refusal for a request to moto, or None to let moto answer it."""
        scope = _SCOPE.search(headers.get("Authorization", ""))
        if scope is None:
            return None
        request = _MotoRequest(scope["key"], scope["region"], method, path, query, headers, read_body)
        check = {"sts": self._check_sts, "logs": self._check_logs, "lambda": self._check_lambda}.get(scope["service"])
        return check(request) if check else None

    def _check_sts(self, request: _MotoRequest) -> Refusal | None:
        body = request.read_body().decode() if request.method == "POST" else ""
        form = {**_flat(parse_qs(request.query)), **_flat(parse_qs(body))}
        if form.get("Action") != "AssumeRole":
            return None
        return self.assume_role(self.caller(request.access_key), form, request.region)

    def _check_logs(self, request: _MotoRequest) -> Refusal | None:
        operation = request.headers.get("X-Amz-Target", "").rpartition(".")[2]
        if operation not in ("CreateLogStream", "PutLogEvents", "CreateLogGroup", "AssociateKmsKey"):
            return None
        body = json.loads(request.read_body() or b"{}")
        return self.logs(self.caller(request.access_key), operation, body, request.region)

    def _check_lambda(self, request: _MotoRequest) -> Refusal | None:
        match = _CONCURRENCY_PATH.match(request.path)
        if request.method != "PUT" or match is None:
            return None
        reserved = int(json.loads(request.read_body() or b"{}").get("ReservedConcurrentExecutions", 0))
        account = self.caller(request.access_key).account
        return self.reserved_concurrency(account, request.region, unquote(match["name"]), reserved)


@dataclass(frozen=True)
class _MotoRequest:
    access_key: str
    region: str
    method: str
    path: str
    query: str
    headers: Mapping[str, str]
    read_body: Callable[[], bytes]


def _flat(parsed: Mapping[str, list[str]]) -> dict[str, str]:
    return {key: values[0] for key, values in parsed.items()}


def _members(form: Mapping[str, str], name: str, *, scalar: bool = False) -> list[dict[str, str]]:
    """Query-protocol list members: ``Tags.member.1.Key`` -> [{"Key": ...}]."""
    members: dict[int, dict[str, str]] = {}
    pattern = re.compile(rf"^{name}\.member\.(\d+)(?:\.(\w+))?$")
    for key, value in form.items():
        match = pattern.match(key)
        if match:
            members.setdefault(int(match[1]), {})[match[2] or "member"] = value
    if scalar:
        return [members[index] for index in sorted(members) if "member" in members[index]]
    return [members[index] for index in sorted(members)]


def _managed_document(policy: Any) -> dict[str, Any]:
    version = next((v for v in policy.versions if v.is_default), policy.versions[-1])
    return policy_document(version.document)


def _org_id(account: str) -> str | None:
    """The id of the organisation ``account`` belongs to in moto, if any."""
    for backend in _organization_backends():
        organization = backend.org
        if organization is None:
            continue
        if organization.master_account_id == account or any(member.id == account for member in backend.accounts):
            return str(organization.id)
    return None


def _organization_backends() -> Iterator[Any]:
    for account_backends in list(organizations_backends.values()):
        backend = account_backends.get("aws")
        if backend is not None:
            yield backend


def bootstrap_account(account_id: str, trusted_account: str = MANAGEMENT_ACCOUNT) -> None:
    """Give ``account_id`` what AWS Organizations gives a new member account: an
    ``OrganizationAccountAccessRole`` that the management account may assume,
    with an allow-all policy (AWS attaches AdministratorAccess). Idempotent."""
    iam = iam_backends[account_id]["aws"]
    trust = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"AWS": f"arn:aws:iam::{trusted_account}:root"},
                "Action": "sts:AssumeRole",
            }
        ],
    }
    if not any(role.name == ADMIN_ROLE for role in iam.roles.values()):
        iam.create_role(
            role_name=ADMIN_ROLE,
            assume_role_policy_document=json.dumps(trust),
            path="/",
            permissions_boundary=None,
            description="Administrator access from the management account (embedded AWS).",
            tags=[],
            max_session_duration="3600",
        )
    iam.put_role_policy(ADMIN_ROLE, "AdministratorAccess", json.dumps(ALLOW_ALL))


class _Enforcing:
    """WSGI middleware: refuses what ``authorizer`` refuses, passes the rest to moto."""

    def __init__(self, app: Callable[..., Iterable[bytes]], authorizer: Authorizer) -> None:
        self.app = app
        self.authorizer = authorizer

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        body: list[bytes] = []

        def read_body() -> bytes:
            if not body:
                length = int(environ.get("CONTENT_LENGTH") or 0)
                body.append(environ["wsgi.input"].read(length) if length else b"")
                environ["wsgi.input"] = io.BytesIO(body[0])
            return body[0]

        headers = {
            key[5:].replace("_", "-").title(): value for key, value in environ.items() if key.startswith("HTTP_")
        }
        refusal = self.authorizer.check(
            environ.get("REQUEST_METHOD", "GET"),
            environ.get("PATH_INFO", "/"),
            environ.get("QUERY_STRING", ""),
            headers,
            read_body,
        )
        if refusal is None:
            return self.app(environ, start_response)
        if refusal.service == "sts":  # the query protocol answers in XML
            data, content_type = refusal.xml_body(), "text/xml"
        else:
            data, content_type = refusal.json_body(), "application/x-amz-json-1.1"
        start_response(
            f"{refusal.status} Refused",
            [
                ("Content-Type", content_type),
                ("Content-Length", str(len(data))),
                ("x-amzn-ErrorType", refusal.code),
                ("x-amzn-RequestId", "embedded-aws-refusal"),
            ],
        )
        return [data]


def enforcing(app: Callable[..., Iterable[bytes]], authorizer: Authorizer) -> Callable[..., Iterable[bytes]]:
    """``app`` (moto's WSGI application) behind the authorizer."""
    return _Enforcing(app, authorizer)
