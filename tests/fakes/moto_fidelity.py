"""Fidelity fixes for the in-process moto server, each as narrow as the gap.

moto 5.2.5 accepts a Lambda function's ``DeadLetterConfig`` and ``LoggingConfig``
but does not store or return them, so after ``terraform apply`` every plan would
show both blocks as changes. Here the function remembers what it was created or
updated with and returns it (with AWS's defaults for LoggingConfig), as AWS does.
Nothing else about Lambda is changed.
"""

from __future__ import annotations

from functools import wraps
from typing import Any

from moto.awslambda import models

__all__ = ["apply_fidelity_fixes"]

_REMEMBERED = ("DeadLetterConfig", "LoggingConfig")


def apply_fidelity_fixes() -> None:
    """Patch moto's Lambda model once per process (idempotent)."""
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
