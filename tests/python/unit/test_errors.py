"""One reading of AWS error codes for statuses and metrics, however AWS spells them."""

from __future__ import annotations

import pytest
from bedrock_tenant.errors import (
    BedrockInvocationError,
    OperationsRoleError,
    error_code,
    is_throttling,
    normalize_code,
    status_for_code,
)
from botocore.exceptions import ClientError, EventStreamError, ReadTimeoutError

# The codes Bedrock sends as HTTP errors, and as ConverseStream exception events.
BEDROCK_CODES = {
    "ThrottlingException": 503,
    "ServiceUnavailableException": 503,
    "InternalServerException": 503,
    "ModelNotReadyException": 503,
    "ValidationException": 400,
    "AccessDeniedException": 502,
    "ResourceNotFoundException": 502,
    "ModelStreamErrorException": 502,
    "ModelTimeoutException": 502,
}


def spellings(code: str) -> list[str]:
    return [code, code[0].lower() + code[1:], code.lower(), code.upper()]


@pytest.mark.parametrize(("code", "status"), BEDROCK_CODES.items())
def test_every_spelling_gets_the_same_code_and_status(code: str, status: int) -> None:
    for spelling in spellings(code):
        assert status_for_code(spelling) == status, spelling
        assert is_throttling(spelling) is (code == "ThrottlingException"), spelling
    for spelling in spellings(code)[:2]:  # HTTP code, stream event member
        assert normalize_code(spelling) == code


@pytest.mark.parametrize("code", BEDROCK_CODES)
def test_an_exception_event_maps_like_the_http_error(code: str) -> None:
    event_code = code[0].lower() + code[1:]
    stream_error = EventStreamError({"Error": {"Code": event_code, "Message": "m"}}, "ConverseStream")
    http_error = ClientError({"Error": {"Code": code, "Message": "m"}}, "Converse")
    assert error_code(stream_error) == error_code(http_error) == code
    assert BedrockInvocationError(event_code, "m").status == BedrockInvocationError(code, "m").status
    assert BedrockInvocationError(event_code, "m").code == code


def test_codes_of_other_exceptions() -> None:
    assert error_code(ReadTimeoutError(endpoint_url="https://x")) == "ReadTimeoutError"
    assert error_code(RuntimeError("x")) == "RuntimeError"
    assert error_code(ClientError({"Error": {}}, "Converse")) == "ClientError"
    assert is_throttling(None) is False


def test_assume_role_errors_are_normalised_too() -> None:
    error = OperationsRoleError("arn:aws:iam::1:role/r", "accessDenied", "no")
    assert (error.code, error.status) == ("AccessDenied", 502)
    assert "check the external id" in error.message
