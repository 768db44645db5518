"""What the module READMEs promise users is what the modules and their tests do.

Claims a platform engineer acts on (a prerequisite step, a capacity, what a
queue keeps) are checked against the code and the numbers the plan tests
establish, so a change to one without the other fails here.
"""

from __future__ import annotations

import re

from tests.terraform.operations_role.test_validation import FITS_IN_DISTINCT_ACCOUNTS, FITS_IN_ONE_ACCOUNT
from tests.toolchain import REPO

OPERATIONS_ROLE = REPO / "modules/operations-role"
INVOKER = REPO / "modules/customer-invoker"


def prose(text: str) -> str:
    """Markdown as one line of words: wrapping and emphasis do not matter."""
    return " ".join(text.replace("**", "").split())


def terraform_sources() -> str:
    return "\n".join(path.read_text() for path in sorted((REPO / "modules").rglob("*.tf")))


def test_the_marketplace_prerequisite_is_documented_and_not_granted() -> None:
    readme = (OPERATIONS_ROLE / "README.md").read_text()
    section = readme.split("## Prerequisite: model access in the operations account", 1)[1].split("\n## ", 1)[0]
    for step in (
        "put-use-case-for-model-access",
        "list-foundation-model-agreement-offers",
        "create-foundation-model-agreement",
        "get-foundation-model-availability",
        "aws-marketplace:Subscribe",
    ):
        assert step in section, step
    assert "Tenant roles must never hold those permissions" in section
    assert "aws-marketplace" not in terraform_sources()


def test_trust_policy_capacity_matches_the_tested_numbers() -> None:
    module = prose((OPERATIONS_ROLE / "README.md").read_text())
    distinct, shared = FITS_IN_DISTINCT_ACCOUNTS, FITS_IN_ONE_ACCOUNT
    assert f"{distinct} roles in {distinct} accounts, or {shared} roles in one account" in module
    enterprise = prose((REPO / "examples/enterprise-customer/README.md").read_text())
    assert f"{distinct} accounts fit" in enterprise
    assert not re.search(r"30 to 40", enterprise + module)


def test_the_dead_letter_queue_readme_says_what_it_keeps() -> None:
    readme = prose((INVOKER / "README.md").read_text())
    assert "It holds each failed event's raw payload, the prompt included, whatever `content_policy` says" in readme
    assert "create_dead_letter_queue = false" in readme
    assert "LambdaFunctionName" not in readme  # the context Lambda never uses
    assert "aws:lambda:FunctionArn" in readme
