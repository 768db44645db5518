"""policies/enforce-guardrail.bedrock-policy.json: the opt-in enforced guardrail.

Shape: AWS Organizations user guide, "Amazon Bedrock policy syntax and examples"
(``bedrock`` > ``guardrail_inference`` > Region > configuration > ``identifier``
``@@assign`` "<guardrail ARN>:<version>", a numbered version of a guardrail of that
Region; ``selective_content_guarding`` ``system``/``messages`` "selective" or
"comprehensive"; ``model_enforcement`` ``included_models``). What the policy is for
is input enforcement, so every input must be assessed: "comprehensive" for both.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

POLICY_PATH = Path(__file__).parents[2] / "policies" / "enforce-guardrail.bedrock-policy.json"
IDENTIFIER = re.compile(
    r"^arn:(aws|aws-cn|aws-us-gov):bedrock:(?P<region>[a-z]{2}(-[a-z]+)+-[0-9]+):[0-9]{12}"
    r":guardrail/[a-z0-9]+:(?P<version>[1-9][0-9]{0,7})$"
)


def configurations() -> list[tuple[str, dict[str, Any]]]:
    document = json.loads(POLICY_PATH.read_text())
    assert set(document) == {"bedrock"}
    assert set(document["bedrock"]) == {"guardrail_inference"}
    regions = document["bedrock"]["guardrail_inference"]
    assert regions, "at least one Region"
    return [(region, config) for region, configs in regions.items() for config in configs.values()]


def test_each_configuration_names_a_numbered_version_of_a_guardrail_of_its_region() -> None:
    for region, config in configurations():
        match = IDENTIFIER.match(config["identifier"]["@@assign"])
        assert match, config["identifier"]
        assert match["region"] == region  # "The Guardrail must be created and used in the specified region."


def test_every_input_is_assessed_on_every_model() -> None:
    for _, config in configurations():
        guarding = config["selective_content_guarding"]
        assert {part: value["@@assign"] for part, value in guarding.items()} == {
            "system": "comprehensive",
            "messages": "comprehensive",
        }
        assert config["model_enforcement"] == {"included_models": {"@@assign": ["ALL"]}}
        assert "input_tags" not in config  # the older element; one way to say it
