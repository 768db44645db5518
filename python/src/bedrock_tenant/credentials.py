"""The cross-account session: the tenant's operations role, assumed once per lifetime.

``OperationsSession`` hands out boto3 clients whose credentials come from
``sts:AssumeRole`` into the operations account (with the external id), wrapped in
botocore's refreshable credentials. The first AssumeRole happens on the first
signed request, not at construction, and a new one only when the credentials are
about to expire (botocore refreshes 15 minutes ahead, and blocks from 10 minutes
ahead), so a warm container makes one STS call per credential lifetime however
many invocations it serves. botocore's refresh lock makes this thread-safe.

The session duration is bounded on both sides (:func:`check_session_duration`):
below 20 minutes botocore's 15-minute advisory refresh leaves a credential less
than 5 minutes of use (at 15 minutes, every request would call AssumeRole), and
above 1 hour AssumeRole fails for a role assumed with role credentials, which a
Lambda execution role, an ECS task role or an EC2 instance profile always is
("role chaining": the session is limited to one hour;
https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_terms-and-concepts.html#iam-term-role-chaining,
https://docs.aws.amazon.com/STS/latest/APIReference/API_AssumeRole.html).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any, Literal

import boto3
import botocore.session
from botocore.config import Config
from botocore.credentials import CredentialProvider, CredentialResolver, DeferredRefreshableCredentials
from botocore.exceptions import ClientError

from .errors import OperationsRoleError

__all__ = ["MAX_SESSION_SECONDS", "MIN_SESSION_SECONDS", "OperationsSession", "check_session_duration"]

_METHOD = "bedrock-tenant-assume-role"

# botocore refreshes temporary credentials 15 minutes before they expire
# (botocore.credentials._DEFAULT_ADVISORY_REFRESH_TIMEOUT) and blocks for a refresh
# from 10 minutes before (_DEFAULT_MANDATORY_REFRESH_TIMEOUT).
BOTOCORE_ADVISORY_REFRESH_SECONDS = 15 * 60
MIN_SESSION_SECONDS = BOTOCORE_ADVISORY_REFRESH_SECONDS + 5 * 60
MAX_SESSION_SECONDS = 60 * 60  # role chaining


def check_session_duration(seconds: int) -> int:
    """``seconds`` if AssumeRole sessions of that length work here; ValueError naming the rule if not."""
    if isinstance(seconds, bool) or not MIN_SESSION_SECONDS <= seconds <= MAX_SESSION_SECONDS:
        raise ValueError(
            f"must be {MIN_SESSION_SECONDS} to {MAX_SESSION_SECONDS} seconds: below {MIN_SESSION_SECONDS} "
            "botocore's 15-minute advisory refresh would call AssumeRole (almost) every request; above "
            f"{MAX_SESSION_SECONDS} AssumeRole fails for roles assumed by role chaining (a Lambda execution role is)"
        )
    return seconds


class _HideRefreshTraceback(logging.Filter):
    """botocore logs a failed refresh with its traceback; our error already says
    what failed and which role, and tracebacks stay out of function logs."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.exc_info and isinstance(record.exc_info[1], OperationsRoleError):
            record.exc_info = None
            record.exc_text = None
        return True


logging.getLogger("botocore.credentials").addFilter(_HideRefreshTraceback())


class _StaticProvider(CredentialProvider):
    """Resolves to one fixed credentials object (the refreshable ones)."""

    METHOD = _METHOD

    def __init__(self, credentials: DeferredRefreshableCredentials) -> None:
        super().__init__()
        self._credentials = credentials

    def load(self) -> DeferredRefreshableCredentials:
        return self._credentials


class OperationsSession:
    """Clients signed by the tenant's operations role.

    Args:
        role_arn: the operations-account role to assume.
        external_id: the ``sts:ExternalId`` the role's trust policy requires.
        session_name: ``RoleSessionName``; shows in the operations account's CloudTrail.
        source_identity: optional ``SourceIdentity`` (needs ``sts:SetSourceIdentity`` in the trust policy).
        tags: optional session tags (need ``sts:TagSession``).
        duration_seconds: requested credential lifetime, 1200 to 3600 (see
            :func:`check_session_duration`).
        base_session: the customer-account session that calls STS (default: boto3's default).
        time_fetcher: clock used to decide when to refresh; tests inject one.
    """

    def __init__(
        self,
        role_arn: str,
        external_id: str,
        *,
        session_name: str,
        source_identity: str | None = None,
        tags: Mapping[str, str] | None = None,
        duration_seconds: int = 3600,
        base_session: boto3.Session | None = None,
        time_fetcher: Callable[[], datetime] | None = None,
    ) -> None:
        self.role_arn = role_arn
        self._assume_args: dict[str, Any] = {
            "RoleArn": role_arn,
            "RoleSessionName": session_name[:64],
            "ExternalId": external_id,
            "DurationSeconds": check_session_duration(duration_seconds),
        }
        if source_identity:
            self._assume_args["SourceIdentity"] = source_identity
        if tags:
            self._assume_args["Tags"] = [{"Key": k, "Value": v} for k, v in tags.items()]
        self._base_session = base_session or boto3.Session()
        self._sts: Any = None
        self._lock = threading.Lock()
        self.assume_role_calls = 0

        extra: dict[str, Any] = {} if time_fetcher is None else {"time_fetcher": time_fetcher}
        credentials = DeferredRefreshableCredentials(refresh_using=self._assume_role, method=_METHOD, **extra)
        core = botocore.session.Session()
        core.register_component("credential_provider", CredentialResolver([_StaticProvider(credentials)]))
        self.session = boto3.Session(botocore_session=core)

    @property
    def base_session(self) -> boto3.Session:
        """The customer-account session that calls STS."""
        return self._base_session

    def client(
        self, service_name: Literal["bedrock-runtime", "bedrock"], *, region_name: str, config: Config | None = None
    ) -> Any:
        """A Bedrock client signed with the operations role (the only service it may call)."""
        return self.session.client(service_name, region_name=region_name, config=config)

    def _sts_client(self) -> Any:
        with self._lock:
            if self._sts is None:
                self._sts = self._base_session.client("sts")
            return self._sts

    def _assume_role(self) -> dict[str, str]:
        """botocore's refresh callback: one ``sts:AssumeRole`` call."""
        self.assume_role_calls += 1
        try:
            response = self._sts_client().assume_role(**self._assume_args)
        except ClientError as exc:
            error = exc.response.get("Error", {})
            raise OperationsRoleError(
                self.role_arn, error.get("Code", "Unknown"), error.get("Message", "no message")
            ) from None
        except Exception as exc:  # BotoCoreError, or e.g. a malformed AWS_ENDPOINT_URL_STS
            raise OperationsRoleError(self.role_arn, type(exc).__name__, str(exc)) from None
        credentials = response["Credentials"]
        return {
            "access_key": credentials["AccessKeyId"],
            "secret_key": credentials["SecretAccessKey"],
            "token": credentials["SessionToken"],
            "expiry_time": credentials["Expiration"].isoformat(),
        }
