"""Keeps credentials, the external id and prompt text out of logs at every level.

Lambda's ``application_log_level`` DEBUG (which the customer-invoker module
exposes) sets the root logger to DEBUG. botocore then logs its wire trace: the
parameters of every request (AssumeRole's ``ExternalId``; the prompts sent to
Bedrock), every response body (AssumeRole's ``SecretAccessKey`` and
``SessionToken``) and the signed headers (``Authorization``,
``X-Amz-Security-Token``); langchain_aws logs the messages it sends and receives.
boto3 documents that trace as unsafe for production (``boto3.set_stream_logger``).

So, when the package is imported, those loggers are held at INFO unless they have
a level of their own: DEBUG inherited from the root no longer reaches them,
their warnings and errors still do, and every other logger, your application's
included, keeps DEBUG. To see the wire trace anyway, set a level on the logger
yourself, e.g. ``logging.getLogger("botocore").setLevel(logging.DEBUG)``: that
is an explicit choice to log credentials, and the package leaves it alone.
"""

from __future__ import annotations

import logging

__all__ = ["GUARDED_LOGGERS", "guard_sensitive_loggers"]

GUARDED_LOGGERS = ("boto3", "botocore", "langchain_aws")


def guard_sensitive_loggers() -> None:
    """Hold the guarded loggers at INFO unless a level was set on them (idempotent)."""
    for name in GUARDED_LOGGERS:
        guarded = logging.getLogger(name)
        if guarded.level == logging.NOTSET:
            guarded.setLevel(logging.INFO)
