"""Amazon Bedrock Guardrails: the configuration a call names, and what a record keeps of an intervention.

A tenant's operations role may invoke models only with its guardrail (IAM condition
``bedrock:GuardrailIdentifier``), so the runtime names it in every Converse call as
``guardrailConfig`` (Bedrock API reference, ``GuardrailConfiguration``: identifier,
version, trace ``enabled``/``disabled``).

When the guardrail intervenes, Converse answers 200 with ``stopReason``
``guardrail_intervened`` and the guardrail's blocked message as the output; with
trace on, ``trace.guardrail`` holds an ``inputAssessment`` (guardrail id ->
``GuardrailAssessment``) and ``outputAssessments`` (guardrail id -> list of
``GuardrailAssessment``), each with ``topicPolicy.topics``,
``contentPolicy.filters``, ``wordPolicy.customWords``/``managedWordLists``,
``sensitiveInformationPolicy.piiEntities``/``regexes`` and
``contextualGroundingPolicy.filters`` (Bedrock API reference,
``GuardrailTraceAssessment`` and ``GuardrailAssessment``; user guide, "Include a
guardrail with the Converse API").

:func:`guardrail_outcome` turns that into the record's ``guardrail`` member: which
policies fired and their action. The ``match`` of a word, PII entity or regex is
the blocked content itself, so it is kept only under the ``full`` content policy.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

__all__ = ["GUARDRAIL_INTERVENED", "GuardrailConfig", "guardrail_outcome"]

GUARDRAIL_INTERVENED = "guardrail_intervened"  # Converse StopReason

# (assessment member, list member, record name, field naming the entry)
_POLICIES: tuple[tuple[str, str, str, str | None], ...] = (
    ("topicPolicy", "topics", "topic", "name"),
    ("contentPolicy", "filters", "content", "type"),
    ("wordPolicy", "customWords", "word", None),
    ("wordPolicy", "managedWordLists", "managed_word", "type"),
    ("sensitiveInformationPolicy", "piiEntities", "pii", "type"),
    ("sensitiveInformationPolicy", "regexes", "regex", "name"),
    ("contextualGroundingPolicy", "filters", "grounding", "type"),
)
_MAX_POLICIES = 32  # a record names at most this many firings; the rest are counted
_MAX_TEXT = 256


@dataclass(frozen=True, slots=True)
class GuardrailConfig:
    """The guardrail every call names (``guardrailConfig`` of Converse/ConverseStream)."""

    identifier: str
    version: str
    trace: bool = True

    def converse_config(self) -> dict[str, str]:
        return {
            "guardrailIdentifier": self.identifier,
            "guardrailVersion": self.version,
            "trace": "enabled" if self.trace else "disabled",
        }


def _text(value: Any) -> str:
    return str(value)[:_MAX_TEXT]


def _firings(source: str, assessment: Any, keep_matches: bool) -> Iterator[dict[str, str]]:
    if not isinstance(assessment, Mapping):
        return
    for member, entries, policy, name_field in _POLICIES:
        section = assessment.get(member)
        items = section.get(entries) if isinstance(section, Mapping) else None
        for item in items if isinstance(items, list) else ():
            if not isinstance(item, Mapping):
                continue
            action = _text(item.get("action", ""))
            # `detected` is absent in older responses: then any action but NONE fired.
            if not item.get("detected", action not in ("", "NONE")):
                continue
            firing = {"source": source, "policy": policy, "action": action}
            if name_field is not None and item.get(name_field) is not None:
                firing["type"] = _text(item[name_field])
            if keep_matches and item.get("match") is not None:
                firing["match"] = _text(item["match"])
            yield firing


def _assessments(trace: Mapping[str, Any]) -> Iterator[tuple[str, Any]]:
    inputs = trace.get("inputAssessment")
    for assessment in inputs.values() if isinstance(inputs, Mapping) else ():
        yield "input", assessment
    outputs = trace.get("outputAssessments")
    for assessments in outputs.values() if isinstance(outputs, Mapping) else ():
        for assessment in assessments if isinstance(assessments, list) else ():
            yield "output", assessment


def guardrail_outcome(
    response_metadata: Mapping[str, Any], *, configured: bool, keep_matches: bool
) -> dict[str, Any] | None:
    """The record's ``guardrail`` member for one answer, or None when the call named
    no guardrail and none intervened.

    ``{"intervened": bool, "policies": [{"source", "policy", "type", "action"}],
    "policies_omitted": n}``; ``match`` is added to each firing only with
    ``keep_matches`` (content policy ``full``).
    """
    stop_reason = response_metadata.get("stopReason") or response_metadata.get("stop_reason")
    trace = response_metadata.get("trace")
    guardrail_trace = trace.get("guardrail") if isinstance(trace, Mapping) else None
    intervened = stop_reason == GUARDRAIL_INTERVENED
    if not (configured or intervened or guardrail_trace):
        return None
    firings: list[dict[str, str]] = []
    if isinstance(guardrail_trace, Mapping):
        for source, assessment in _assessments(guardrail_trace):
            firings.extend(_firings(source, assessment, keep_matches))
    outcome: dict[str, Any] = {"intervened": intervened, "policies": firings[:_MAX_POLICIES]}
    if len(firings) > _MAX_POLICIES:
        outcome["policies_omitted"] = len(firings) - _MAX_POLICIES
    return outcome
