"""Serve Amazon Bedrock to a tenant through its operations-account role, and log
every model call privately in the tenant's own account.

The public API::

    from bedrock_tenant import Settings, OperationsSession, create_chat_model
    from bedrock_tenant import InvocationLogger, CloudWatchLogsSink, StdoutSink

Lambda functions use ``bedrock_tenant.handler.lambda_handler``.
"""

from .callback import InvocationLogger
from .credentials import OperationsSession
from .errors import BedrockInvocationError, BedrockTenantError, ConfigurationError, OperationsRoleError
from .logging_guard import guard_sensitive_loggers
from .model import create_chat_model
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

# Before any client exists: no log level may put credentials in a log (see logging_guard).
guard_sensitive_loggers()
