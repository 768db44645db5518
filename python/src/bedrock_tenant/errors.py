"""Exception types raised by the runtime package, and the one reading of AWS error codes.

Every error carries an HTTP-style status and a short machine-readable ``code`` so
the Lambda handler can turn it into a structured response without inspecting
messages. Messages never contain credentials or the external id.

AWS spells one error two ways: ``ThrottlingException`` as an HTTP error, and
``throttlingException`` as an exception event inside a ConverseStream response
(event members are lowerCamelCase names of the same shapes). :func:`error_code`
reads the code of any exception and :func:`normalize_code` gives it one spelling,
so statuses, the ``throttles`` metric and ``error_type`` agree however it arrived.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from botocore.exceptions import BotoCoreError, ClientError

__all__ = [
    "BedrockInvocationError",
    "BedrockTenantError",
    "ConfigurationError",
    "OperationsRoleError",
    "UnsupportedEventError",
    "error_code",
    "is_streaming_failure",
    "is_throttling",
    "normalize_code",
    "status_for_code",
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

_CANONICAL = {code.lower(): code for code in RETRYABLE_CODES | CLIENT_CODES}

# Bedrock runtime operations (and their REST paths) that answer with an event stream.
_STREAMING_OPERATIONS = frozenset({"ConverseStream", "InvokeModelWithResponseStream"})
_STREAMING_PATH_SUFFIXES = ("/converse-stream", "/invoke-with-response-stream")


def normalize_code(code: str) -> str:
    """One spelling per AWS error code: known codes case-insensitively, others
    with the first letter capitalised (``modelStreamErrorException`` ->
    ``ModelStreamErrorException``, the shape name AWS documents)."""
    return _CANONICAL.get(code.lower()) or code[:1].upper() + code[1:]


def error_code(error: BaseException) -> str:
    """The normalised AWS error code of ``error`` (its type name when it has none)."""
    if isinstance(error, ClientError):
        code = str(error.response.get("Error", {}).get("Code") or "")
    else:
        code = str(getattr(error, "code", None) or "")
    return normalize_code(code or type(error).__name__)


def is_throttling(code: str | None) -> bool:
    return code is not None and normalize_code(code) in THROTTLING_CODES


def status_for_code(code: str) -> int:
    """HTTP status for an AWS error code: 503 retryable, 400 caller error, else 502."""
    code = normalize_code(code)
    if code in RETRYABLE_CODES:
        return 503
    if code in CLIENT_CODES:
        return 400
    return 502


def is_streaming_failure(error: BaseException) -> bool:
    """Whether ``error`` came from a Bedrock streaming call: an HTTP error or an
    exception event of ConverseStream / InvokeModelWithResponseStream, or a
    connection failure on their endpoint path. LangChain does not tell a callback
    whether a run is a stream (langchain-core 1.8 passes the same arguments to
    ``on_chat_model_start`` for ``invoke`` and ``stream``), so a stream that fails
    before its first chunk is only recognisable by its error."""
    if isinstance(error, ClientError):
        return error.operation_name in _STREAMING_OPERATIONS
    if isinstance(error, BotoCoreError):
        path = urlsplit(str(error.kwargs.get("endpoint_url") or "")).path
        return path.endswith(_STREAMING_PATH_SUFFIXES)
    return False


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


class UnsupportedEventError(BedrockTenantError):
    """The event is not a request and no source this handler serves (e.g. S3 or EventBridge).

    Raised out of the handler, not returned: a normal return tells an asynchronous
    invocation or an event source that the event was handled, so it would be lost. The
    message names the kind of event and what is expected, never the event's content."""

    code = "UnsupportedEvent"
    status = 400


class OperationsRoleError(BedrockTenantError):
    """``sts:AssumeRole`` into the tenant's operations role failed."""

    def __init__(self, role_arn: str, code: str, detail: str) -> None:
        code = normalize_code(code)
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
        code = normalize_code(code)
        super().__init__(f"Bedrock call failed: {code}: {detail}", code=code, status=status_for_code(code))
