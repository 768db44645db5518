"""Fixtures shared by every test directory."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.fakes.policy import PolicyEvaluator
from tests.toolchain import REPO

# Test files that plan the same Terraform root share a worker under `--dist loadgroup`
# (the Makefile's default), so the plans they share are made once per run (Workspace.plan).
PLAN_GROUPS = ("tests/terraform/operations_role", "tests/terraform/customer_invoker")


@pytest.hookimpl(tryfirst=True)  # before xdist reads the groups
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Each test file is one xdist group (module-scoped fixtures such as an applied
    stack are made once), except the files of one module's plan tests, which form one."""
    for item in items:
        if item.get_closest_marker("xdist_group"):
            continue
        relative = item.path.relative_to(REPO).as_posix()
        group = next((prefix for prefix in PLAN_GROUPS if relative.startswith(prefix + "/")), relative)
        item.add_marker(pytest.mark.xdist_group(group))


@pytest.fixture(scope="session")
def evaluator() -> Iterator[PolicyEvaluator]:
    """The embedded AWS's IAM policy evaluator (tests/fakes/policy.py), for tests
    that ask what a policy document allows."""
    with PolicyEvaluator() as policy_evaluator:
        yield policy_evaluator


@pytest.fixture(scope="session")
def layer_zip(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A dependency layer zip freshly built by tools/build_layer.py (pip's cache makes it quick)."""
    output = tmp_path_factory.mktemp("layer") / "dependencies.zip"
    subprocess.run(
        [sys.executable, str(REPO / "tools" / "build_layer.py"), "--output", str(output)],
        check=True,
        capture_output=True,
        timeout=900,
    )
    return output
