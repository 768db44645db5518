"""Runtime settings: read from the environment in one place, validated once.

Explicit keyword arguments win over the environment::

    settings = Settings.from_env()                      # Lambda: env only
    settings = Settings.from_env(model_id="amazon.nova-lite-v1:0")

Every validation error names the environment variable that feeds the field.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Mapping
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, SecretStr, ValidationError, field_validator, model_validator

from .credentials import check_session_duration
from .errors import ConfigurationError
from .guardrail import GuardrailConfig
from .pricing import PriceTableError, load_price_table
from .records import ContentPolicy

__all__ = ["ENV_PREFIX", "Settings"]

ENV_PREFIX = "BEDROCK_TENANT_"

_ROLE_ARN = r"^arn:aws(-cn|-us-gov|-iso|-iso-b)?:iam::[0-9]{12}:role/[A-Za-z0-9_+=,.@/-]+$"
_REGION = r"^[a-z]{2}(-[a-z]+)+-[0-9]$"
_TENANT_ID = r"^[A-Za-z0-9][A-Za-z0-9_-]{0,47}$"
_INFERENCE_PROFILE_ARN = (
    r"^arn:aws(-cn|-us-gov|-iso|-iso-b)?:bedrock:[a-z0-9-]+:[0-9]{12}:"
    r"(application-inference-profile|inference-profile)/[A-Za-z0-9_.:-]+$"
)
_LOG_GROUP = r"^[A-Za-z0-9_./#-]{1,512}$"
_TAG_TEXT = re.compile(r"^[\w\s.:/=+@-]+$")
# Converse GuardrailConfiguration: an id or a guardrail ARN, and a version that is a
# number from 1 or DRAFT (Bedrock API reference, API_runtime_GuardrailConfiguration).
_GUARDRAIL_IDENTIFIER = r"^(([a-z0-9]+)|(arn:aws(-[^:]+)?:bedrock:[a-z0-9-]{1,20}:[0-9]{12}:guardrail/[a-z0-9]+))$"
_GUARDRAIL_VERSION = r"^(([1-9][0-9]{0,7})|(DRAFT))$"
# EMF dimension values (tenant_id, model_id) are CloudWatch dimension values: ASCII,
# 1 to 1,024 characters
# (https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_Dimension.html).
_DIMENSION_VALUE_MAX = 1024
# The EMF namespace is a CloudWatch namespace: 1 to 255 ASCII characters, no control
# characters, not starting with ':' (API_Metric.html) and not starting with "AWS/",
# which is reserved for AWS services (API_PutMetricData.html); EMF documents that
# break these rules produce no metrics
# (https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/CloudWatch_Embedded_Metric_Format_Specification.html).
_NAMESPACE = r"^[\x20-\x7e]{1,255}$"


def _env(name: str) -> str:
    return ENV_PREFIX + name.upper()


def _field(name: str, **kwargs: Any) -> Any:
    """A field fed by ``BEDROCK_TENANT_<NAME>``; errors report that variable."""
    return Field(alias=_env(name), **kwargs)


class Settings(BaseModel):
    """Everything the runtime needs, from ``BEDROCK_TENANT_*`` environment variables."""

    model_config = ConfigDict(frozen=True, populate_by_name=True, extra="ignore", hide_input_in_errors=True)

    tenant_id: Annotated[str, _field("id", pattern=_TENANT_ID)]
    operations_role_arn: Annotated[str, _field("operations_role_arn", max_length=2048, pattern=_ROLE_ARN)]
    # Confused-deputy protection for the cross-account role; never logged.
    external_id: Annotated[SecretStr, _field("external_id")]
    model_id: Annotated[
        str, _field("model_id", min_length=1, max_length=_DIMENSION_VALUE_MAX, pattern=r"^[A-Za-z0-9_.:/-]+$")
    ]
    bedrock_region: Annotated[str, _field("bedrock_region", pattern=_REGION)]
    inference_profile_arn: Annotated[str | None, _field("inference_profile_arn", pattern=_INFERENCE_PROFILE_ARN)] = None
    log_group_name: Annotated[str | None, _field("log_group", pattern=_LOG_GROUP)] = None
    # Record delivery: "cloudwatch" (PutLogEvents, confirmed, the safest: the default)
    # or "stdout" (Lambda's log pipeline delivers it; see python/README "Delivery modes").
    sink: Annotated[Literal["cloudwatch", "stdout"], _field("sink")] = "cloudwatch"
    content_policy: Annotated[ContentPolicy, _field("content_policy")] = ContentPolicy.HASH
    max_content_bytes: Annotated[int, _field("max_content_bytes", ge=0, le=200_000)] = 32_768
    metric_namespace: Annotated[str, _field("metric_namespace", pattern=_NAMESPACE)] = "BedrockTenant"
    source_identity: Annotated[str | None, _field("source_identity", pattern=r"^[A-Za-z0-9_+=,.@-]{2,64}$")] = None
    session_duration_seconds: Annotated[int, _field("session_duration_seconds")] = 3600
    max_tokens: Annotated[int, _field("max_tokens", ge=1, le=200_000)] = 1024
    temperature: Annotated[float | None, _field("temperature", ge=0, le=1)] = None
    retry_mode: Annotated[Literal["standard", "adaptive"], _field("retry_mode")] = "standard"
    max_attempts: Annotated[int, _field("max_attempts", ge=1, le=10)] = 4
    # A price table file (data/prices.json's format) merged over the shipped one.
    price_table_path: Annotated[str | None, _field("price_table", min_length=1, max_length=4096)] = None
    # Session tags passed at AssumeRole (a JSON object), e.g. {"TenantId": "acme"}: the
    # operations role's trust policy admits only the tenant's own cost allocation tags.
    session_tags: Annotated[dict[str, str] | None, _field("session_tags")] = None
    guardrail_identifier: Annotated[
        str | None, _field("guardrail_identifier", max_length=2048, pattern=_GUARDRAIL_IDENTIFIER)
    ] = None
    guardrail_version: Annotated[str | None, _field("guardrail_version", pattern=_GUARDRAIL_VERSION)] = None
    guardrail_trace: Annotated[Literal["enabled", "disabled"], _field("guardrail_trace")] = "enabled"

    @field_validator("external_id")
    @classmethod
    def _external_id_format(cls, value: SecretStr) -> SecretStr:
        secret = value.get_secret_value()
        # IAM's own rule is 2-1224 chars of [\w+=,.@:/-]; below 16 it is guessable.
        if not 16 <= len(secret) <= 1224:
            raise ValueError("must be 16 to 1224 characters long")
        if not all(ch.isalnum() or ch in "_+=,.@:/-" for ch in secret) or not secret.isascii():
            raise ValueError("may contain only letters, digits and _+=,.@:/-")
        return value

    @field_validator("metric_namespace")
    @classmethod
    def _namespace_not_reserved(cls, value: str) -> str:
        if value.startswith(("AWS/", ":")) or not value.strip():
            raise ValueError("must not start with 'AWS/' (reserved for AWS services) or ':', nor be blank")
        return value

    @field_validator("session_tags", mode="before")
    @classmethod
    def _session_tags_json(cls, value: Any) -> Any:
        if isinstance(value, str):
            try:
                return json.loads(value)
            except ValueError:
                raise ValueError('must be a JSON object of tag keys to values, like {"TenantId": "acme"}') from None
        return value

    @field_validator("session_tags")
    @classmethod
    def _session_tag_rules(cls, value: dict[str, str] | None) -> dict[str, str] | None:
        # STS AssumeRole Tags: at most 50; keys 1-128 and values 0-256 characters of
        # letters, digits, spaces and _.:/=+-@ (API_AssumeRole.html, API_Tag.html).
        if value is None:
            return None
        if len(value) > 50:
            raise ValueError("holds more than the 50 session tags STS accepts")
        for key, tag in value.items():
            if not (_TAG_TEXT.match(key) and len(key) <= 128) or not (_TAG_TEXT.match(tag or "x") and len(tag) <= 256):
                raise ValueError(
                    f"tag {key[:128]!r}: keys are 1-128 and values 0-256 characters "
                    "of letters, digits, spaces and _.:/=+-@"
                )
        return value

    @field_validator("price_table_path")
    @classmethod
    def _price_table_readable(cls, value: str | None) -> str | None:
        try:
            load_price_table(value)
        except PriceTableError as exc:
            raise ValueError(str(exc)) from None
        return value

    @field_validator("session_duration_seconds")
    @classmethod
    def _session_duration(cls, value: int) -> int:
        return check_session_duration(value)

    @model_validator(mode="after")
    def _log_group_for_cloudwatch(self) -> Settings:
        if self.sink == "cloudwatch" and not self.log_group_name:
            raise ValueError(f"{_env('log_group')} is required when {_env('sink')} is 'cloudwatch'")
        return self

    @model_validator(mode="after")
    def _session_tenant_tag_is_its_own(self) -> Settings:
        tenant_tag = (self.session_tags or {}).get("TenantId")
        if tenant_tag is not None and tenant_tag != self.tenant_id:
            raise ValueError(
                f"{_env('session_tags')}: TenantId must be this tenant's id ({_env('id')}); "
                "the operations role refuses another tenant's tags"
            )
        return self

    @model_validator(mode="after")
    def _source_identity_is_its_own(self) -> Settings:
        # operations-role pins sts:SourceIdentity to the tenant id or "<tenant id>.<workload>",
        # as customer-invoker's source_identity validation does.
        label = self.source_identity
        if label is not None and label != self.tenant_id and not label.startswith(f"{self.tenant_id}."):
            raise ValueError(
                f"{_env('source_identity')} must be this tenant's id ({_env('id')}) or start with it and a dot "
                "(e.g. <tenant id>.production); the operations role refuses another label"
            )
        return self

    @model_validator(mode="after")
    def _guardrail_identifier_with_version(self) -> Settings:
        if (self.guardrail_identifier is None) != (self.guardrail_version is None):
            raise ValueError(
                f"{_env('guardrail_identifier')} and {_env('guardrail_version')} must be set together "
                "(Converse needs both to apply a guardrail)"
            )
        return self

    @property
    def guardrail(self) -> GuardrailConfig | None:
        """The guardrail every call names, when one is configured."""
        if self.guardrail_identifier is None or self.guardrail_version is None:
            return None
        return GuardrailConfig(self.guardrail_identifier, self.guardrail_version, self.guardrail_trace == "enabled")

    @property
    def invocation_model_id(self) -> str:
        """The id passed to Converse: the inference profile when one is set."""
        return self.inference_profile_arn or self.model_id

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None, **overrides: Any) -> Settings:
        """Build settings from ``BEDROCK_TENANT_*`` variables; ``overrides`` win.

        Raises :class:`ConfigurationError` naming each offending variable.
        """
        source = os.environ if environ is None else environ
        values: dict[str, Any] = {
            key: value for key, value in source.items() if key.startswith(ENV_PREFIX) and value != ""
        }
        for name, value in overrides.items():
            if name not in cls.model_fields:
                raise TypeError(f"unknown setting {name!r}")
            values[cls.model_fields[name].alias or name] = value
        try:
            return cls.model_validate(values)
        except ValidationError as exc:
            raise ConfigurationError([_describe(error) for error in exc.errors()]) from None


def _describe(error: Any) -> tuple[str, str]:
    location = error.get("loc") or ()
    name = str(location[0]) if location else "settings"
    message = str(error["msg"])
    if error["type"] == "missing":
        message = "is required"
    elif message.startswith("Value error, "):
        message = message.removeprefix("Value error, ")
    return name, message
