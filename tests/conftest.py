"""Fixtures shared by every test directory."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tests.toolchain import REPO


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
