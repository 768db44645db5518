"""Fixtures shared by every test directory."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.fakes.policy import PolicyEvaluator
from tests.toolchain import REPO


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
