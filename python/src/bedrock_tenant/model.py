"""The chat model: ``langchain_aws`` on the Converse API, signed by the operations role."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from botocore.config import Config
from langchain_aws import ChatBedrockConverse
from langchain_aws.utils import parse_model_provider

from .credentials import OperationsSession
from .settings import Settings

__all__ = ["bedrock_config", "create_chat_model"]

_USER_AGENT = "bedrock-tenant-runtime/0.1.0"


def bedrock_config(settings: Settings) -> Config:
    """botocore configuration for Bedrock clients: retry mode and attempts from settings."""
    return Config(
        retries={"mode": settings.retry_mode, "total_max_attempts": settings.max_attempts},
        user_agent_extra=_USER_AGENT,
    )


class _OnDemandClient:
    """A boto3 client created on first use.

    langchain-aws wants a control-plane ``bedrock`` client, but only calls it to
    resolve an application inference profile's base model, which we always pass
    explicitly. Creating it eagerly would add a client build to every cold start.
    """

    def __init__(self, create: Callable[[], Any]) -> None:
        self._create = create
        self._client: Any = None
        self._lock = threading.Lock()

    def __getattr__(self, name: str) -> Any:
        with self._lock:
            if self._client is None:
                self._client = self._create()
        return getattr(self._client, name)


def create_chat_model(settings: Settings, operations: OperationsSession, **overrides: Any) -> ChatBedrockConverse:
    """A Converse chat model whose Bedrock calls use the operations role's credentials.

    The model id is the inference profile ARN when one is configured (usage then
    counts against that profile), with the foundation model as its base model.
    ``overrides`` are passed to :class:`ChatBedrockConverse` and win.
    """
    config = bedrock_config(settings)
    region = settings.bedrock_region
    params: dict[str, Any] = {
        "client": operations.client("bedrock-runtime", region_name=region, config=config),
        "bedrock_client": _OnDemandClient(lambda: operations.client("bedrock", region_name=region, config=config)),
        "model": settings.invocation_model_id,
        "base_model_id": settings.model_id,
        "provider": parse_model_provider(settings.model_id),
        "region_name": region,
        "max_tokens": settings.max_tokens,
    }
    if settings.temperature is not None:
        params["temperature"] = settings.temperature
    if settings.guardrail is not None:
        # Every call names the tenant's guardrail: the operations role may invoke
        # models only with it (IAM condition bedrock:GuardrailIdentifier).
        params["guardrail_config"] = settings.guardrail.converse_config()
    params.update(overrides)
    return ChatBedrockConverse(**params)
