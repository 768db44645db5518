"""``python -m bedrock_tenant audit``: check, with read-only calls, that each side keeps its promise.

``--operations`` (operations-account credentials): the operations account keeps no
customer data and lets tenants in only as designed:

- Bedrock model invocation logging is off in every Region checked (it would copy
  every prompt and response into this account; ``GetModelInvocationLoggingConfiguration``
  answers without ``loggingConfig`` when it is off);
- no CloudWatch log group and no S3 bucket is named for a tenant;
- each tenant role (the roles under ``--role-path``) trusts no ``*`` principal and
  requires ``sts:ExternalId`` in every statement that allows ``sts:AssumeRole``;
- no tenant role is allowed ``bedrock:CallWithBearerToken`` (Bedrock API keys).

``--customer TENANT`` (the tenant's customer-account credentials): the tenant's
invocation and function log groups exist, are encrypted with KMS (with the expected
key, when given), have a retention, and have no subscription filter delivering to
another account.

Prints a table of every check and exits 1 when any failed.
"""

from __future__ import annotations

import argparse
import fnmatch
import json
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote

import boto3

__all__ = ["Check", "add_parser", "audit_customer", "audit_operations", "render"]

BEARER_ACTIONS = ("bedrock:CallWithBearerToken", "bedrock-mantle:CallWithBearerToken")


@dataclass(frozen=True, slots=True)
class Check:
    """One audited fact: where, what, whether it holds, and why not."""

    subject: str
    check: str
    ok: bool
    detail: str = ""


def _document(value: Any) -> dict[str, Any]:
    if isinstance(value, Mapping):
        return dict(value)
    text = str(value)
    document: dict[str, Any] = json.loads(text if text.lstrip().startswith("{") else unquote(text))
    return document


def _listed(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def _statements(document: Mapping[str, Any]) -> list[dict[str, Any]]:
    return [s for s in _listed(document.get("Statement", [])) if isinstance(s, dict)]


def _matches(patterns: Any, action: str) -> bool:
    return any(fnmatch.fnmatchcase(action.lower(), str(p).lower()) for p in _listed(patterns))


def _named_for(name: str, tenant: str) -> bool:
    """``tenant`` appears in ``name`` as a whole word (not inside a longer id)."""
    return re.search(rf"(?<![a-z0-9]){re.escape(tenant)}(?![a-z0-9])", name.lower()) is not None


# -- operations ---------------------------------------------------------------------------


def _role_policies(iam: Any, role_name: str) -> Iterator[dict[str, Any]]:
    for page in iam.get_paginator("list_role_policies").paginate(RoleName=role_name):
        for policy_name in page["PolicyNames"]:
            yield _document(iam.get_role_policy(RoleName=role_name, PolicyName=policy_name)["PolicyDocument"])
    for page in iam.get_paginator("list_attached_role_policies").paginate(RoleName=role_name):
        for attached in page["AttachedPolicies"]:
            policy = iam.get_policy(PolicyArn=attached["PolicyArn"])["Policy"]
            version = iam.get_policy_version(PolicyArn=attached["PolicyArn"], VersionId=policy["DefaultVersionId"])
            yield _document(version["PolicyVersion"]["Document"])


def _trust_checks(role: Mapping[str, Any]) -> Iterator[Check]:
    name = str(role["RoleName"])
    trust = _document(role["AssumeRolePolicyDocument"])
    assume = [
        s for s in _statements(trust) if s.get("Effect") == "Allow" and _matches(s.get("Action"), "sts:AssumeRole")
    ]
    wildcard = [
        s for s in assume if s.get("Principal") == "*" or "*" in _listed((s.get("Principal") or {}).get("AWS", []))
    ]
    yield Check(name, "trust names no * principal", not wildcard, "a statement trusts Principal *" if wildcard else "")
    missing = [s for s in assume if "sts:externalid" not in json.dumps(s.get("Condition") or {}).lower()]
    yield Check(
        name,
        "trust requires sts:ExternalId",
        bool(assume) and not missing,
        f"{len(missing)} AssumeRole statement(s) without an sts:ExternalId condition" if missing else "",
    )


def _bearer_check(name: str, policies: list[dict[str, Any]]) -> Check:
    statements = [s for p in policies for s in _statements(p)]
    denied = all(
        any(
            s.get("Effect") == "Deny"
            and _matches(s.get("Action"), action)
            and "*" in _listed(s.get("Resource"))
            and not s.get("Condition")
            for s in statements
        )
        for action in BEARER_ACTIONS
    )
    granted = [
        action
        for action in BEARER_ACTIONS
        if any(s.get("Effect") == "Allow" and _matches(s.get("Action"), action) for s in statements)
    ]
    ok = denied or not granted
    detail = "" if ok else f"allows {', '.join(granted)} without an unconditional Deny"
    return Check(name, "no Bedrock API keys (bearer tokens)", ok, detail)


def audit_operations(
    session: boto3.Session, regions: Iterable[str], *, role_path: str = "/bedrock-tenants/"
) -> list[Check]:
    """The operations account's checks (read-only)."""
    checks: list[Check] = []
    iam = session.client("iam")
    tenants: list[str] = []
    for page in iam.get_paginator("list_roles").paginate(PathPrefix=role_path):
        for listed in page["Roles"]:
            role = iam.get_role(RoleName=listed["RoleName"])["Role"]
            tags = {t["Key"]: t["Value"] for t in role.get("Tags") or ()}
            tenants.append(tags.get("TenantId", str(role["RoleName"])).lower())
            checks.extend(_trust_checks(role))
            checks.append(_bearer_check(str(role["RoleName"]), list(_role_policies(iam, role["RoleName"]))))
    if not tenants:
        checks.append(Check(role_path, "tenant roles found", False, f"no role under the path {role_path}"))
    for region in regions:
        logging = session.client("bedrock", region_name=region).get_model_invocation_logging_configuration()
        config = logging.get("loggingConfig")
        destinations = sorted(k for k in ("cloudWatchConfig", "s3Config") if config and config.get(k))
        checks.append(
            Check(region, "Bedrock model invocation logging off", config is None, f"on: {', '.join(destinations)}")
        )
        logs = session.client("logs", region_name=region)
        groups = [
            g["logGroupName"]
            for page in logs.get_paginator("describe_log_groups").paginate()
            for g in page["logGroups"]
        ]
        named = sorted(g for g in groups for t in tenants if _named_for(g, t))
        checks.append(Check(region, "no log group named for a tenant", not named, ", ".join(named)))
    buckets = [b["Name"] for b in session.client("s3").list_buckets().get("Buckets", [])]
    named = sorted(b for b in buckets for t in tenants if _named_for(b, t))
    checks.append(Check("s3", "no bucket named for a tenant", not named, ", ".join(named)))
    return checks


# -- customer -----------------------------------------------------------------------------


def audit_customer(
    session: boto3.Session, tenant_id: str, *, log_groups: Iterable[str] = (), kms_key_arn: str | None = None
) -> list[Check]:
    """The tenant's customer-account checks (read-only)."""
    account = session.client("sts").get_caller_identity()["Account"]
    logs = session.client("logs")
    names = list(log_groups) or [f"/bedrock-tenant/{tenant_id}/invocations", f"/aws/lambda/bedrock-tenant-{tenant_id}"]
    checks: list[Check] = []
    for name in names:
        found = [
            g
            for page in logs.get_paginator("describe_log_groups").paginate(logGroupNamePrefix=name)
            for g in page["logGroups"]
            if g["logGroupName"] == name
        ]
        checks.append(Check(name, "log group exists", bool(found), "" if found else "not found"))
        if not found:
            continue
        group = found[0]
        key = group.get("kmsKeyId")
        if kms_key_arn is None:
            checks.append(Check(name, "KMS-encrypted", bool(key), "" if key else "no KMS key"))
        else:
            checks.append(Check(name, "KMS-encrypted with the expected key", key == kms_key_arn, f"key: {key}"))
        retention = group.get("retentionInDays")
        checks.append(
            Check(name, "has a retention", retention is not None, "never expires" if retention is None else "")
        )
        filters = logs.describe_subscription_filters(logGroupName=name).get("subscriptionFilters", [])
        foreign = sorted(
            f["destinationArn"] for f in filters if str(f.get("destinationArn", "")).split(":")[4:5] != [account]
        )
        checks.append(Check(name, "no subscription to another account", not foreign, ", ".join(foreign)))
    return checks


# -- output and command line ----------------------------------------------------------------


def render(checks: list[Check]) -> str:
    """The checks as a fixed-width table; failures first within the order they were made."""
    rows = [("RESULT", "SUBJECT", "CHECK", "DETAIL")] + [
        ("ok" if c.ok else "FAIL", c.subject, c.check, "" if c.ok else c.detail) for c in checks
    ]
    widths = [max(len(row[i]) for row in rows) for i in range(3)]
    lines = ["  ".join(cell.ljust(widths[i]) if i < 3 else cell for i, cell in enumerate(row)).rstrip() for row in rows]
    failed = sum(not c.ok for c in checks)
    lines.append(f"{len(checks) - failed} passed, {failed} failed")
    return "\n".join(lines)


def _run(args: argparse.Namespace) -> int:
    session = boto3.Session(profile_name=args.profile, region_name=args.region)
    if args.operations:
        checks = audit_operations(
            session, args.regions or [session.region_name or "us-east-1"], role_path=args.role_path
        )
    else:
        checks = audit_customer(session, args.customer, log_groups=args.log_group, kms_key_arn=args.kms_key_arn)
    print(render(checks))
    return 0 if checks and all(c.ok for c in checks) else 1


def add_parser(commands: Any) -> None:
    """Register ``audit`` on the CLI's subcommands."""
    audit = commands.add_parser(
        "audit", help="check that the operations account keeps nothing / the tenant's logs are safe"
    )
    side = audit.add_mutually_exclusive_group(required=True)
    side.add_argument("--operations", action="store_true", help="audit the operations account (its credentials)")
    side.add_argument("--customer", metavar="TENANT_ID", help="audit a tenant's customer account (its credentials)")
    audit.add_argument("--region", default=None, help="the Region of the session (default: the profile's)")
    audit.add_argument("--profile", default=None, help="an AWS CLI profile (default: the environment's credentials)")
    audit.add_argument("--regions", nargs="+", default=None, help="--operations: Regions to check (default: --region)")
    audit.add_argument("--role-path", default="/bedrock-tenants/", help="--operations: the tenant roles' IAM path")
    audit.add_argument("--log-group", action="append", default=[], help="--customer: a log group (repeatable)")
    audit.add_argument("--kms-key-arn", default=None, help="--customer: the key the log groups must use")
    audit.set_defaults(run=_run)
