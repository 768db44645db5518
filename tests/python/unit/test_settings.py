"""Settings: the environment in one place, errors that name the variable."""

from __future__ import annotations

import botocore.credentials
import pytest
from bedrock_tenant import ConfigurationError, ContentPolicy, OperationsSession, Settings
from bedrock_tenant.credentials import BOTOCORE_ADVISORY_REFRESH_SECONDS, MAX_SESSION_SECONDS, MIN_SESSION_SECONDS

VALID = {
    "BEDROCK_TENANT_ID": "tenant-a",
    "BEDROCK_TENANT_OPERATIONS_ROLE_ARN": "arn:aws:iam::111111111111:role/bedrock-tenant-a",
    "BEDROCK_TENANT_EXTERNAL_ID": "ext-tenant-a-5f0c9a7e21d4",
    "BEDROCK_TENANT_MODEL_ID": "anthropic.claude-3-5-haiku-20241022-v1:0",
    "BEDROCK_TENANT_BEDROCK_REGION": "us-east-1",
    "BEDROCK_TENANT_LOG_GROUP": "/bedrock-tenant/tenant-a/invocations",
}


def test_reads_every_variable_with_defaults() -> None:
    settings = Settings.from_env(VALID)
    assert settings.tenant_id == "tenant-a"
    assert settings.external_id.get_secret_value() == VALID["BEDROCK_TENANT_EXTERNAL_ID"]
    assert settings.log_group_name == "/bedrock-tenant/tenant-a/invocations"
    assert settings.content_policy is ContentPolicy.HASH
    assert settings.sink == "cloudwatch"
    assert settings.retry_mode == "standard"
    assert settings.invocation_model_id == VALID["BEDROCK_TENANT_MODEL_ID"]


def test_explicit_arguments_win_over_the_environment() -> None:
    settings = Settings.from_env(VALID, model_id="amazon.nova-lite-v1:0", content_policy="none")
    assert settings.model_id == "amazon.nova-lite-v1:0"
    assert settings.content_policy is ContentPolicy.NONE


def test_inference_profile_is_the_invocation_id() -> None:
    arn = "arn:aws:bedrock:us-east-1:111111111111:application-inference-profile/abc123"
    settings = Settings.from_env({**VALID, "BEDROCK_TENANT_INFERENCE_PROFILE_ARN": arn})
    assert settings.invocation_model_id == arn
    assert settings.model_id == VALID["BEDROCK_TENANT_MODEL_ID"]


def test_external_id_is_masked_in_repr() -> None:
    settings = Settings.from_env(VALID)
    assert VALID["BEDROCK_TENANT_EXTERNAL_ID"] not in repr(settings)
    assert VALID["BEDROCK_TENANT_EXTERNAL_ID"] not in str(settings.model_dump())


@pytest.mark.parametrize(
    ("variable", "value", "rule"),
    [
        ("BEDROCK_TENANT_OPERATIONS_ROLE_ARN", None, "is required"),
        ("BEDROCK_TENANT_OPERATIONS_ROLE_ARN", "arn:aws:iam::111111111111:root", "pattern"),
        ("BEDROCK_TENANT_OPERATIONS_ROLE_ARN", "arn:aws:iam::1111:role/x", "pattern"),
        ("BEDROCK_TENANT_EXTERNAL_ID", "short", "16 to 1224 characters"),
        ("BEDROCK_TENANT_EXTERNAL_ID", "x" * 1225, "16 to 1224 characters"),
        ("BEDROCK_TENANT_EXTERNAL_ID", "has spaces in it, sixteen+", "only letters, digits"),
        ("BEDROCK_TENANT_BEDROCK_REGION", "useast1", "pattern"),
        ("BEDROCK_TENANT_ID", "-bad", "pattern"),
        ("BEDROCK_TENANT_CONTENT_POLICY", "everything", "'full', 'hash' or 'none'"),
        ("BEDROCK_TENANT_SINK", "s3", "'cloudwatch' or 'stdout'"),
        ("BEDROCK_TENANT_SESSION_DURATION_SECONDS", "60", "must be 1200 to 3600 seconds"),
        ("BEDROCK_TENANT_MAX_TOKENS", "0", "greater than or equal to 1"),
        ("BEDROCK_TENANT_TEMPERATURE", "1.5", "less than or equal to 1"),
        ("BEDROCK_TENANT_RETRY_MODE", "legacy", "'standard' or 'adaptive'"),
        ("BEDROCK_TENANT_INFERENCE_PROFILE_ARN", "arn:aws:s3:::bucket", "pattern"),
    ],
)
def test_bad_value_names_the_variable_and_rule(variable: str, value: str | None, rule: str) -> None:
    environ = {key: val for key, val in VALID.items() if key != variable}
    if value is not None:
        environ[variable] = value
    with pytest.raises(ConfigurationError) as caught:
        Settings.from_env(environ)
    assert variable in str(caught.value)
    assert rule in str(caught.value)


def test_cloudwatch_sink_needs_a_log_group() -> None:
    environ = {key: val for key, val in VALID.items() if key != "BEDROCK_TENANT_LOG_GROUP"}
    with pytest.raises(ConfigurationError, match="BEDROCK_TENANT_LOG_GROUP is required"):
        Settings.from_env(environ)
    assert Settings.from_env({**environ, "BEDROCK_TENANT_SINK": "stdout"}).log_group_name is None


def test_bad_value_is_not_echoed() -> None:
    bad = "not a valid external id!"
    with pytest.raises(ConfigurationError) as caught:
        Settings.from_env({**VALID, "BEDROCK_TENANT_EXTERNAL_ID": bad})
    assert bad not in str(caught.value)


def test_unknown_override_is_a_type_error() -> None:
    with pytest.raises(TypeError, match="unknown setting 'modle_id'"):
        Settings.from_env(VALID, modle_id="x")


# -- EMF limits (point 12) --------------------------------------------------------

EMF_VIOLATIONS = [
    # A dimension value is at most 1,024 characters (CloudWatch Dimension.Value).
    ("BEDROCK_TENANT_MODEL_ID", "m" * 1025, "at most 1024 characters"),
    ("BEDROCK_TENANT_MODEL_ID", "anthropic.claude-é", "pattern"),
    # A namespace: 1-255 ASCII, no control characters, not "AWS/..." nor ":...".
    ("BEDROCK_TENANT_METRIC_NAMESPACE", "AWS/Bedrock", "must not start with 'AWS/'"),
    ("BEDROCK_TENANT_METRIC_NAMESPACE", ":Bedrock", "must not start with 'AWS/' (reserved for AWS services) or ':'"),
    ("BEDROCK_TENANT_METRIC_NAMESPACE", "Bédrock", "pattern"),
    ("BEDROCK_TENANT_METRIC_NAMESPACE", "Bedrock\tTenant", "pattern"),
    ("BEDROCK_TENANT_METRIC_NAMESPACE", "N" * 256, "pattern"),
    ("BEDROCK_TENANT_METRIC_NAMESPACE", "   ", "nor be blank"),
]


@pytest.mark.parametrize(("variable", "value", "rule"), EMF_VIOLATIONS)
def test_emf_limits_name_the_variable(variable: str, value: str, rule: str) -> None:
    with pytest.raises(ConfigurationError) as caught:
        Settings.from_env({**VALID, variable: value})
    assert f"{variable}:" in str(caught.value)
    assert rule in str(caught.value)


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("BEDROCK_TENANT_MODEL_ID", "m" * 1024),
        ("BEDROCK_TENANT_METRIC_NAMESPACE", "N" * 255),
        ("BEDROCK_TENANT_METRIC_NAMESPACE", "Company/Bedrock Tenant:prod#1"),
        ("BEDROCK_TENANT_METRIC_NAMESPACE", "AWSBedrock"),
    ],
)
def test_values_at_the_emf_limits_are_accepted(variable: str, value: str) -> None:
    Settings.from_env({**VALID, variable: value})


# -- session duration (point 18) --------------------------------------------------


def test_the_bounds_follow_botocore_and_iam() -> None:
    # botocore's advisory refresh window; if an upgrade changes it, so must the bound.
    assert vars(botocore.credentials)["_DEFAULT_ADVISORY_REFRESH_TIMEOUT"] == BOTOCORE_ADVISORY_REFRESH_SECONDS
    assert MIN_SESSION_SECONDS - BOTOCORE_ADVISORY_REFRESH_SECONDS >= 5 * 60  # each credential serves 5 minutes
    assert MAX_SESSION_SECONDS == 3600  # role chaining (a Lambda execution role assuming a role)


@pytest.mark.parametrize("seconds", [0, 900, 1000, 1199, 3601, 7200, 43_200, -1])
def test_session_durations_that_do_not_work_are_refused(seconds: int) -> None:
    with pytest.raises(ConfigurationError) as caught:
        Settings.from_env({**VALID, "BEDROCK_TENANT_SESSION_DURATION_SECONDS": str(seconds)})
    message = str(caught.value)
    assert "BEDROCK_TENANT_SESSION_DURATION_SECONDS: must be 1200 to 3600 seconds" in message
    assert "role chaining" in message
    with pytest.raises(ValueError, match="must be 1200 to 3600 seconds"):
        OperationsSession("arn:aws:iam::111111111111:role/r", "x" * 16, session_name="s", duration_seconds=seconds)


@pytest.mark.parametrize("seconds", [1200, 1800, 3600])
def test_session_durations_that_work_are_accepted(seconds: int) -> None:
    settings = Settings.from_env({**VALID, "BEDROCK_TENANT_SESSION_DURATION_SECONDS": str(seconds)})
    assert settings.session_duration_seconds == seconds


@pytest.mark.parametrize(
    ("label", "accepted"), [("tenant-a", True), ("tenant-a.batch", True), ("tenant-ab", False), ("tenant-b", False)]
)
def test_the_source_identity_names_this_tenant(label: str, accepted: bool) -> None:
    """The labels operations-role's trust admits (sts:SourceIdentity StringLike tenant, tenant.*)."""
    environment = {**VALID, "BEDROCK_TENANT_SOURCE_IDENTITY": label}
    if accepted:
        assert Settings.from_env(environment).source_identity == label
    else:
        with pytest.raises(ConfigurationError, match="BEDROCK_TENANT_SOURCE_IDENTITY"):
            Settings.from_env(environment)
