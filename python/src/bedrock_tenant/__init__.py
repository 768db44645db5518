"""Serve Amazon Bedrock to a tenant through its operations-account role, and log
every model call privately in the tenant's own account.

The public API::

    from bedrock_tenant import Settings, OperationsSession, create_chat_model
    from bedrock_tenant import InvocationLogger, CloudWatchLogsSink, StdoutSink

Lambda functions use ``bedrock_tenant.handler.lambda_handler``.
"""

import importlib
from typing import TYPE_CHECKING, Any

from .credentials import OperationsSession
from .errors import BedrockInvocationError, BedrockTenantError, ConfigurationError, OperationsRoleError
from .logging_guard import guard_sensitive_loggers
from .records import ContentPolicy, InvocationRecord
from .settings import Settings
from .sinks import CloudWatchLogsSink, Sink, StdoutSink

__all__ = [
    "BedrockInvocationError",
    "BedrockTenantError",
    "CloudWatchLogsSink",
    "ConfigurationError",
    "ContentPolicy",
    "InvocationLogger",
    "InvocationRecord",
    "OperationsRoleError",
    "OperationsSession",
    "Settings",
    "Sink",
    "StdoutSink",
    "create_chat_model",
]

__version__ = "0.1.0"

if TYPE_CHECKING:
    from .callback import InvocationLogger
    from .model import create_chat_model

# The exports that need LangChain load it on first use, so importing the package
# (or bedrock_tenant.handler) stays light; in Lambda the handler builds the runtime,
# and so imports LangChain, during init (see bedrock_tenant.handler).
_LANGCHAIN_EXPORTS = {"InvocationLogger": "callback", "create_chat_model": "model"}


def __getattr__(name: str) -> Any:
    if name not in _LANGCHAIN_EXPORTS:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f".{_LANGCHAIN_EXPORTS[name]}", __name__), name)
    globals()[name] = value
    return value


# Before any client exists: no log level may put credentials in a log (see logging_guard).
guard_sensitive_loggers()
