"""The toolchain works end to end: init from the mirror, plan, show -json."""

from __future__ import annotations

import json

from tests.terraform.plan import Workspace

PRINCIPAL = "arn:aws:iam::222222222222:role/tenant-a-invoker"


def test_plan_renders_the_role_and_its_trust_policy(workspace: Workspace) -> None:
    plan = workspace.plan("tests/terraform/fixtures/toolchain", {"trusted_role_arn": PRINCIPAL})
    assert plan.counts == {"aws_iam_role": 1}
    role = plan.values["aws_iam_role.this"]
    assert role["name"] == "toolchain-proof"
    trust = json.loads(role["assume_role_policy"])
    [statement] = trust["Statement"]
    assert statement["Principal"] == {"AWS": PRINCIPAL}
    assert statement["Action"] == "sts:AssumeRole"
    versions = {name.split("/")[-1]: v for name, v in plan.raw.get("provider_versions", {}).items()}
    assert not versions or versions["aws"].startswith("6.")
