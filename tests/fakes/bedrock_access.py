"""Which model a Bedrock runtime call reaches, and whether IAM lets the caller.

Bedrock authorises one invocation as several IAM requests (Amazon Bedrock User
Guide, "Prerequisites for inference profiles" and "Geographic cross-Region
inference"):

- a foundation model called directly: ``bedrock:InvokeModel`` (or
  ``...WithResponseStream``) on ``arn:aws:bedrock:REGION::foundation-model/ID``;
- a cross-Region (system) profile: the action on the profile
  ``arn:aws:bedrock:SOURCE:ACCOUNT:inference-profile/ID``, and on the foundation
  model **in the destination Region the request is routed to**, with
  ``bedrock:InferenceProfileArn`` set to the profile and ``aws:RequestedRegion``
  to the destination; a global profile on the foundation model in the source
  Region and on the Region-less ``arn:aws:bedrock:::foundation-model/ID`` with
  ``aws:RequestedRegion`` "unspecified";
- an application profile: the action on the profile, and on what it was copied
  from (a foundation model, or each destination of a system profile), with
  ``bedrock:InferenceProfileArn`` set to the application profile.

Every request also carries ``bedrock:GuardrailIdentifier`` when the call names a
guardrail (the guardrail ARN and ``:VERSION``, as in the user guide's "Enforce
the use of specific guardrails" examples), and the caller also needs
``bedrock:ApplyGuardrail`` on the guardrail
(``arn:aws:bedrock:REGION:ACCOUNT:guardrail/ID``, no version; user guide, "Set up
permissions to use Amazon Bedrock Guardrails", permissions for invoking
guardrails). System profiles route round-robin over the destinations in
``bedrock_profiles.yaml``.
"""

from __future__ import annotations

import itertools
import threading
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from .authorization import Authorizer, Caller, Refusal, denied_message

__all__ = ["PROFILES", "BedrockError", "ModelAccess", "Route"]

PROFILES: dict[str, dict[str, list[str]]] = yaml.safe_load(
    (Path(__file__).with_name("bedrock_profiles.yaml")).read_text()
)
_GEOGRAPHIES = ("us", "us-gov", "eu", "apac", "jp", "au", "ca", "global")
_ACTIONS = {"Converse": "bedrock:InvokeModel", "ConverseStream": "bedrock:InvokeModelWithResponseStream"}


class BedrockError(Exception):
    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


@dataclass(frozen=True)
class Route:
    """Where a call went: the foundation model and the Region that served it."""

    model_id: str
    region: str
    profile_arn: str | None
    guardrail_arn: str | None = None  # the guardrail the call named, as an ARN without version


@dataclass(frozen=True)
class _Check:
    resource: str
    context: Mapping[str, str]


def _invalid(model_id: str) -> BedrockError:
    return BedrockError(400, "ValidationException", f"The provided model identifier is invalid: {model_id}")


def _fm_arn(region: str, model: str) -> str:
    return f"arn:aws:bedrock:{region}::foundation-model/{model}"


class ModelAccess:
    """Routes and authorises invocations; ``authorizer`` None: routing only."""

    def __init__(self, authorizer: Authorizer | None, default_account: str) -> None:
        self.authorizer = authorizer
        self.default_account = default_account  # whose profiles calls use without an authorizer
        self._cycles: dict[tuple[str, str], Iterator[str]] = {}
        self._lock = threading.Lock()

    def reset(self) -> None:
        with self._lock:
            self._cycles.clear()

    def _next_destination(self, profile_id: str, source: str) -> str:
        destinations = PROFILES.get(profile_id, {}).get(source)
        if not destinations:
            raise _invalid(profile_id)
        with self._lock:
            cycle = self._cycles.setdefault((profile_id, source), itertools.cycle(destinations))
            return next(cycle)

    def route(
        self,
        *,
        access_key_id: str | None,
        operation: str,
        model_id: str,
        region: str,
        guardrail: tuple[str, str | None] | None,
        application_profile: Callable[[str], dict[str, Any] | None],
    ) -> Route:
        """The route of one call, after IAM allowed every request it makes; raises
        :class:`BedrockError` as Bedrock would otherwise."""
        caller = self.authorizer.caller(access_key_id) if self.authorizer and access_key_id else None
        account = caller.account if caller else self.default_account
        base = caller.context(region) if caller else {}
        guardrail_arn = None
        if guardrail is not None:
            identifier, version = guardrail
            arn = (
                identifier
                if identifier.startswith("arn:")
                else f"arn:aws:bedrock:{region}:{account}:guardrail/{identifier}"
            )
            base = {**base, "bedrock:GuardrailIdentifier": f"{arn}:{version}" if version else arn}
            guardrail_arn = arn
        route, checks = self._plan(model_id, region, account, base, application_profile)
        if caller is not None:
            self._authorise(caller, _ACTIONS.get(operation, "bedrock:InvokeModel"), checks)
            if guardrail_arn is not None:
                self._authorise(caller, "bedrock:ApplyGuardrail", [_Check(guardrail_arn, caller.context(region))])
        return Route(route.model_id, route.region, route.profile_arn, guardrail_arn)

    def _plan(
        self,
        model_id: str,
        region: str,
        account: str,
        base: Mapping[str, str],
        application_profile: Callable[[str], dict[str, Any] | None],
    ) -> tuple[Route, list[_Check]]:
        if ":application-inference-profile/" in model_id:
            profile = application_profile(model_id)
            if profile is None or model_id.split(":")[4] != account or model_id.split(":")[3] != region:
                raise BedrockError(404, "ResourceNotFoundException", f"no inference profile {model_id}")
            arn = str(profile["inferenceProfileArn"])
            source = str(profile["models"][0]["modelArn"])
            checks = [_Check(arn, base)]
            if ":inference-profile/" in source:
                route, routed = self._system_profile(source.rsplit("/", 1)[1], region, base, arn)
            else:
                model = source.rsplit("/", 1)[1]
                route = Route(model, region, arn)
                routed = [_Check(_fm_arn(region, model), {**base, "bedrock:InferenceProfileArn": arn})]
            return Route(route.model_id, route.region, arn), checks + routed
        if ":inference-profile/" in model_id:
            parts = model_id.split(":")
            if parts[3] != region or parts[4] != account:
                raise _invalid(model_id)
            model_id = model_id.rsplit("/", 1)[1]
        if model_id.split(".", 1)[0] in _GEOGRAPHIES and "." in model_id:
            arn = f"arn:aws:bedrock:{region}:{account}:inference-profile/{model_id}"
            route, routed = self._system_profile(model_id, region, base, arn)
            return route, [_Check(arn, base), *routed]
        if model_id.startswith("arn:"):
            if ":foundation-model/" not in model_id or model_id.split(":")[3] != region:
                raise _invalid(model_id)
            model_id = model_id.rsplit("/", 1)[1]
        return Route(model_id, region, None), [_Check(_fm_arn(region, model_id), base)]

    def _system_profile(
        self, profile_id: str, source: str, base: Mapping[str, str], context_profile_arn: str
    ) -> tuple[Route, list[_Check]]:
        destination = self._next_destination(profile_id, source)
        model = profile_id.split(".", 1)[1]
        context = {**base, "bedrock:InferenceProfileArn": context_profile_arn}
        if profile_id.startswith("global."):
            checks = [
                _Check(_fm_arn(source, model), context),
                _Check(
                    f"arn:aws:bedrock:::foundation-model/{model}", {**context, "aws:RequestedRegion": "unspecified"}
                ),
            ]
        else:
            checks = [_Check(_fm_arn(destination, model), {**context, "aws:RequestedRegion": destination})]
        return Route(model, destination, context_profile_arn), checks

    def _authorise(self, caller: Caller, action: str, checks: list[_Check]) -> None:
        assert self.authorizer is not None
        for check in checks:
            decision = self.authorizer.decide(caller, action, check.resource, caller.account, dict(check.context))
            if not decision.allowed:
                message = denied_message(caller, action, check.resource, decision)
                self.authorizer.refuse(
                    Refusal("bedrock", action, caller.arn, check.resource, 403, "AccessDeniedException", message)
                )
                raise BedrockError(403, "AccessDeniedException", message)
