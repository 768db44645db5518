"""Exception types raised by the runtime package.

Every error carries an HTTP-style status and a short machine-readable ``code`` so
the Lambda handler can turn it into a structured response without inspecting
messages. Messages never contain credentials or the external id.
"""

from __future__ import annotations

__all__ = [
    "BedrockInvocationError",
    "BedrockTenantError",
    "ConfigurationError",
    "OperationsRoleError",
]

# AWS error codes of throttling: the quota is exhausted for now.
THROTTLING_CODES = frozenset({"ThrottlingException", "Throttling", "TooManyRequestsException"})

# AWS error codes that mean "slow down / try later" rather than "this is wrong".
RETRYABLE_CODES = THROTTLING_CODES | frozenset(
    {
        "ServiceUnavailableException",
        "ServiceUnavailable",
        "ModelNotReadyException",
        "RequestLimitExceeded",
        "InternalServerException",
        "RequestTimeout",
        "EndpointConnectionError",
        "ConnectTimeoutError",
        "ReadTimeoutError",
    }
)

# Codes that are the caller's fault: the request itself was rejected.
CLIENT_CODES = frozenset({"ValidationException"})


def status_for_code(code: str) -> int:
    """HTTP status for an AWS error code: 503 retryable, 400 caller error, else 502."""
    if code in RETRYABLE_CODES:
        return 503
    if code in CLIENT_CODES:
        return 400
    return 502


class BedrockTenantError(Exception):
    """Base class of every error this package raises on purpose."""

    status: int = 500
    code: str = "InternalError"

    def __init__(self, message: str, *, code: str | None = None, status: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        if code is not None:
            self.code = code
        if status is not None:
            self.status = status


class ConfigurationError(BedrockTenantError):
    """A setting is missing or invalid. The message names the environment variable."""

    code = "ConfigurationError"

    def __init__(self, problems: list[tuple[str, str]]) -> None:
        self.problems = problems
        super().__init__("; ".join(f"{name}: {rule}" for name, rule in problems))


class OperationsRoleError(BedrockTenantError):
    """``sts:AssumeRole`` into the tenant's operations role failed."""

    def __init__(self, role_arn: str, code: str, detail: str) -> None:
        hint = ""
        if code == "AccessDenied":
            hint = " (check the external id and that the operations role trusts this execution role)"
        super().__init__(
            f"could not assume operations role {role_arn}: {code}: {detail}{hint}",
            code=code,
            status=status_for_code(code),
        )
        self.role_arn = role_arn


class BedrockInvocationError(BedrockTenantError):
    """Bedrock rejected or failed the model call."""

    def __init__(self, code: str, detail: str) -> None:
        super().__init__(f"Bedrock call failed: {code}: {detail}", code=code, status=status_for_code(code))
