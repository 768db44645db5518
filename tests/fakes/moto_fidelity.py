"""Fidelity fixes for the in-process moto server, each as narrow as the gap.

moto 5.2.5 accepts a Lambda function's ``DeadLetterConfig`` and ``LoggingConfig``
but does not store or return them, so after ``terraform apply`` every plan would
show both blocks as changes. Here the function remembers what it was created or
updated with and returns it (with AWS's defaults for LoggingConfig), as AWS does.
Nothing else about Lambda is changed.

moto's PutLogEvents reports ``rejectedLogEventsInfo`` with other indexes than
CloudWatch Logs: the last too-old event's own index (AWS: the index after it,
"exclusive") and the *last* too-new event's index (AWS: the first, "inclusive";
https://docs.aws.amazon.com/AmazonCloudWatchLogs/latest/APIReference/API_RejectedLogEventsInfo.html).
A client that reads them as AWS documents would lose events on moto and pass; here
they are reported as AWS reports them. Which events moto accepts is unchanged.
"""

from __future__ import annotations

from datetime import timedelta
from functools import wraps
from typing import Any

from moto.awslambda import models
from moto.core.utils import unix_time_millis, utcnow
from moto.logs.models import LogsBackend

from .logs_data_protection import install_data_protection

__all__ = ["apply_fidelity_fixes"]

_REMEMBERED = ("DeadLetterConfig", "LoggingConfig")


def apply_fidelity_fixes() -> None:
    """Patch moto's Lambda model and Logs backend once per process (idempotent)."""
    _report_rejected_log_events_as_aws_does()
    install_data_protection()  # data protection policies and log classes (logs_data_protection.py)
    function_class: Any = models.LambdaFunction
    if getattr(function_class, "_bedrock_tenant_fidelity", False):
        return
    function_class._bedrock_tenant_fidelity = True
    original_init = function_class.__init__
    original_update = function_class.update_configuration
    original_get = function_class.get_configuration

    @wraps(original_init)
    def __init__(self: Any, account_id: str, spec: dict[str, Any], *args: Any, **kwargs: Any) -> None:
        original_init(self, account_id, spec, *args, **kwargs)
        self._remembered = {key: spec[key] for key in _REMEMBERED if spec.get(key)}

    @wraps(original_update)
    def update_configuration(self: Any, config_updates: dict[str, Any]) -> Any:
        self._remembered.update({k: v for k, v in config_updates.items() if k in _REMEMBERED})
        return original_update(self, config_updates)

    @wraps(original_get)
    def get_configuration(self: Any, on_create: bool = False) -> Any:
        config = original_get(self, on_create)
        remembered = getattr(self, "_remembered", {})
        config["LoggingConfig"] = {
            "LogFormat": "Text",
            "LogGroup": f"/aws/lambda/{self.function_name}",
            **remembered.get("LoggingConfig", {}),
        }
        if "DeadLetterConfig" in remembered:
            config["DeadLetterConfig"] = remembered["DeadLetterConfig"]
        return config

    function_class.__init__ = __init__
    function_class.update_configuration = update_configuration
    function_class.get_configuration = get_configuration


def _report_rejected_log_events_as_aws_does() -> None:
    backend: Any = LogsBackend
    if getattr(backend, "_bedrock_tenant_fidelity", False):
        return
    backend._bedrock_tenant_fidelity = True
    original = backend.put_log_events

    @wraps(original)
    def put_log_events(self: Any, log_group_name: str, log_stream_name: str, log_events: list[Any]) -> Any:
        newest = unix_time_millis(utcnow() + timedelta(hours=2))  # moto's own bound, taken before it takes it
        token, rejected = original(self, log_group_name, log_stream_name, log_events)
        if "tooOldLogEventEndIndex" in rejected:
            rejected["tooOldLogEventEndIndex"] += 1  # moto: the last too-old index; AWS: the end, exclusive
        if "tooNewLogEventStartIndex" in rejected:  # moto: the last too-new index; AWS: the first
            rejected["tooNewLogEventStartIndex"] = next(
                index for index, event in enumerate(log_events) if event["timestamp"] > newest
            )
        return token, rejected

    backend.put_log_events = put_log_events
