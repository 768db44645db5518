"""CloudWatch Logs data protection policies and log classes for the in-process moto.

moto 5.2.5 has no PutDataProtectionPolicy, GetDataProtectionPolicy or
DeleteDataProtectionPolicy, and neither stores nor returns a log group's class, so
the AWS provider would read ``log_group_class`` as "" and plan to replace every
group that sets it. Here a log group keeps its class (STANDARD unless created
otherwise, as CreateLogGroup defaults) and DescribeLogGroups returns it with
``dataProtectionStatus``; the three policy operations store one policy per log
group and refuse, with the exception AWS names, what the documentation says AWS
refuses (PutDataProtectionPolicy API reference; CloudWatch Logs user guide,
"Understanding data protection policies"):

- the document is a JSON object with ``Name`` and ``Version`` ``2021-06-01``;
- exactly two statements: first the Audit statement, whose ``FindingsDestination``
  object may be empty but names only destinations that exist, then the Deidentify
  statement with ``"MaskConfig": {}``, both naming exactly the same data identifiers;
- each data identifier is a managed data identifier ARN of the log group's partition
  (``arn:<partition>:dataprotection::aws:data-identifier/<Name>``, a name of letters,
  region-dependent ones ending in a two-letter code) or a custom data identifier the
  document's ``Configuration`` declares.

Masking itself (at ingestion, for events after the policy exists) is not emulated.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Container
from functools import wraps
from typing import Any

from moto.logs.exceptions import InvalidParameterException, ResourceNotFoundException
from moto.logs.models import LogGroup, LogsBackend
from moto.logs.responses import LogsResponse
from moto.utilities.utils import get_partition

__all__ = ["install_data_protection"]

VERSION = "2021-06-01"
LOG_GROUP_CLASSES = ("STANDARD", "INFREQUENT_ACCESS", "DELIVERY")
_MANAGED = re.compile(
    r"arn:(?P<partition>aws|aws-cn|aws-us-gov):dataprotection::aws:data-identifier/[A-Z][A-Za-z]+(-[A-Z]{2})?"
)


def install_data_protection() -> None:
    """Patch moto's Logs responses and log groups once per process (idempotent)."""
    responses: Any = LogsResponse
    if getattr(responses, "_bedrock_tenant_data_protection", False):
        return
    responses._bedrock_tenant_data_protection = True
    _remember_log_group_class()
    responses.put_data_protection_policy = _put_data_protection_policy
    responses.get_data_protection_policy = _get_data_protection_policy
    responses.delete_data_protection_policy = _delete_data_protection_policy


def _remember_log_group_class() -> None:
    responses: Any = LogsResponse
    group_class: Any = LogGroup
    original_create = responses.create_log_group
    original_describe = group_class.to_describe_dict

    @wraps(original_create)
    def create_log_group(self: Any) -> str:
        log_group_class = self._get_param("logGroupClass") or "STANDARD"
        if log_group_class not in LOG_GROUP_CLASSES:
            raise InvalidParameterException(
                constraint=f"Member must satisfy enum value set: [{', '.join(LOG_GROUP_CLASSES)}]",
                parameter="logGroupClass",
                value=log_group_class,
            )
        result: str = original_create(self)
        self.logs_backend.groups[self._get_param("logGroupName")].log_group_class = log_group_class
        return result

    @wraps(original_describe)
    def to_describe_dict(self: Any) -> dict[str, Any]:
        described: dict[str, Any] = original_describe(self)
        described["logGroupClass"] = getattr(self, "log_group_class", "STANDARD")
        if getattr(self, "data_protection_policy", None) is not None:
            described["dataProtectionStatus"] = "ACTIVATED"
        return described

    responses.create_log_group = create_log_group
    group_class.to_describe_dict = to_describe_dict


def _log_group(backend: LogsBackend, identifier: str) -> Any:
    """The log group a logGroupIdentifier (a name or an ARN, with or without :*) names."""
    name = identifier.split(":log-group:", 1)[1].removesuffix(":*") if identifier.startswith("arn:") else identifier
    if name not in backend.groups:
        raise ResourceNotFoundException()
    return backend.groups[name]


def _put_data_protection_policy(self: Any) -> str:
    group = _log_group(self.logs_backend, self._get_param("logGroupIdentifier"))
    document = str(self._get_param("policyDocument"))
    check_policy(document, self.logs_backend.groups.keys(), get_partition(self.region))
    group.data_protection_policy = (document, int(time.time() * 1000))
    return json.dumps(_policy_response(group))


def _get_data_protection_policy(self: Any) -> str:
    group = _log_group(self.logs_backend, self._get_param("logGroupIdentifier"))
    return json.dumps(_policy_response(group))


def _delete_data_protection_policy(self: Any) -> str:
    group = _log_group(self.logs_backend, self._get_param("logGroupIdentifier"))
    if getattr(group, "data_protection_policy", None) is None:
        raise ResourceNotFoundException("The specified data protection policy does not exist.")
    group.data_protection_policy = None
    return ""


def _policy_response(group: Any) -> dict[str, Any]:
    policy = getattr(group, "data_protection_policy", None)
    if policy is None:  # AWS answers without a document (the provider reads that as "none")
        return {"logGroupIdentifier": group.name}
    document, updated = policy
    return {"logGroupIdentifier": group.name, "policyDocument": document, "lastUpdatedTime": updated}


def _refuse(message: str) -> InvalidParameterException:
    return InvalidParameterException(f"Invalid data protection policy: {message}")


def check_policy(document: str, log_groups: Container[str], partition: str) -> None:
    """Refuse, as PutDataProtectionPolicy does, a document AWS would not accept (in an
    account and Region holding ``log_groups``, of ``partition``)."""
    try:
        policy = json.loads(document)
    except ValueError:
        raise _refuse("the document is not JSON") from None
    if not isinstance(policy, dict):
        raise _refuse("the document must be a JSON object")
    if not policy.get("Name"):
        raise _refuse("Name is required")
    if policy.get("Version") != VERSION:
        raise _refuse(f"Version must be {VERSION}")
    statements = policy.get("Statement")
    if not isinstance(statements, list) or len(statements) != 2:
        raise _refuse("exactly two statements are required: one Audit, then one Deidentify")
    operations = [statement.get("Operation") or {} for statement in statements]
    if set(operations[0]) != {"Audit"} or set(operations[1]) != {"Deidentify"}:
        raise _refuse("the first statement must hold only the Audit operation, the second only Deidentify")
    identifiers = [statement.get("DataIdentifier") for statement in statements]
    if (
        not identifiers[0]
        or not isinstance(identifiers[0], list)
        or sorted(identifiers[0]) != sorted(identifiers[1] or [])
    ):
        raise _refuse("both statements must name the same, non-empty DataIdentifier list")
    custom = {entry.get("Name") for entry in (policy.get("Configuration") or {}).get("CustomDataIdentifier") or []}
    for identifier in identifiers[0]:
        managed = _MANAGED.fullmatch(str(identifier))
        if identifier not in custom and (managed is None or managed["partition"] != partition):
            raise _refuse(f"unknown data identifier {identifier!r}")
    destination = operations[0]["Audit"].get("FindingsDestination")
    if not isinstance(destination, dict):
        raise _refuse("the Audit operation must hold a FindingsDestination object")
    findings_group = (destination.get("CloudWatchLogs") or {}).get("LogGroup")
    if findings_group is not None and findings_group not in log_groups:
        raise _refuse(f"the findings destination log group {findings_group} does not exist")
    if operations[1]["Deidentify"].get("MaskConfig") != {}:
        raise _refuse('the Deidentify operation must hold "MaskConfig": {}')
