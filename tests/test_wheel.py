"""The runtime package's distributions are complete: built, installed into a fresh virtual
environment where nothing else provides ``bedrock_tenant``, they run the CLI, the report and
the Lambda handler.

The editable ``.venv`` and Terraform's zip of ``python/src`` read the source tree, so a file
the package reads at run time but does not ship shows only here. Two wheels are tested: one
built from the tree and one built from the sdist (as ``python -m build`` does), so a file
missing from either distribution fails. Both are built with the setuptools that
requirements-dev.txt pins, without build isolation (offline, reproducible). The fresh
environment takes the dependencies from ``.venv``'s site-packages by a path entry (not by
processing its ``.pth`` files, one of which puts ``python/src`` on the path), so nothing is
downloaded and the test stays fast.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import sysconfig
import tarfile
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.toolchain import REPO

PROJECT = REPO / "python"
PACKAGE = PROJECT / "src" / "bedrock_tenant"
DRIVER = REPO / "tests" / "wheel_driver.py"
TIMEOUT_S = 300


def _source_files() -> list[str]:
    """Every file of the package in the tree, as a path inside the package (no bytecode)."""
    files = (path for path in PACKAGE.rglob("*") if path.is_file() and "__pycache__" not in path.parts)
    return sorted(f"bedrock_tenant/{path.relative_to(PACKAGE).as_posix()}" for path in files if path.suffix != ".pyc")


def _run(*command: str | Path, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(part) for part in command], check=True, capture_output=True, text=True, timeout=TIMEOUT_S, cwd=cwd
    )


@dataclass(frozen=True)
class Distributions:
    sdist: Path
    wheels: dict[str, Path]  # "tree" (built from the source tree) and "sdist" (built from the sdist)


@pytest.fixture(scope="module")
def distributions(tmp_path_factory: pytest.TempPathFactory) -> Distributions:
    work = tmp_path_factory.mktemp("dist")
    # A copy: building writes build/ and *.egg-info next to the sources.
    source = work / "source"
    shutil.copytree(PROJECT, source, ignore=shutil.ignore_patterns("__pycache__", "*.pyc", "*.egg-info", "build"))
    backend = "import sys, setuptools.build_meta as backend; print(getattr(backend, sys.argv[1])(sys.argv[2]))"
    built = {}
    for kind in ("sdist", "wheel"):
        out = work / kind
        name = _run(sys.executable, "-c", backend, f"build_{kind}", out, cwd=source).stdout.strip().splitlines()[-1]
        built[kind] = out / name
    from_sdist = work / "wheel-from-sdist"
    pip = (sys.executable, "-m", "pip")
    _run(*pip, "wheel", "--no-deps", "--no-build-isolation", "--no-index", "--wheel-dir", from_sdist, built["sdist"])
    [wheel_from_sdist] = from_sdist.glob("*.whl")
    return Distributions(built["sdist"], {"tree": built["wheel"], "sdist": wheel_from_sdist})


@pytest.mark.parametrize("kind", ["tree", "sdist"])
def test_the_wheel_holds_every_file_of_the_package(distributions: Distributions, kind: str) -> None:
    with zipfile.ZipFile(distributions.wheels[kind]) as wheel:
        names = {name for name in wheel.namelist() if name.startswith("bedrock_tenant/")}
    assert names == set(_source_files())


def test_the_sdist_holds_every_file_of_the_package(distributions: Distributions) -> None:
    with tarfile.open(distributions.sdist) as sdist:
        names = {name.split("/", 1)[1] for name in sdist.getnames() if "/" in name}
    assert {f"src/{name}" for name in _source_files()} <= names
    assert {"pyproject.toml", "README.md"} <= names


@dataclass(frozen=True)
class Installed:
    python: Path
    site_packages: Path

    def run(self, *args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
        """``python -I`` in the environment (no PYTHONPATH, no user site, no working directory on the path)."""
        environ = {"PATH": os.environ.get("PATH", ""), "HOME": os.environ.get("HOME", "/nonexistent")}
        environ |= {"AWS_EC2_METADATA_DISABLED": "true", "AWS_CONFIG_FILE": os.devnull}
        environ |= {"AWS_SHARED_CREDENTIALS_FILE": os.devnull, **(env or {})}
        return subprocess.run(
            [str(self.python), "-I", *args],
            capture_output=True,
            text=True,
            timeout=TIMEOUT_S,
            env=environ,
            cwd=self.site_packages.parent,
            check=False,
        )

    def driver(self, *args: str, env: dict[str, str] | None = None) -> dict[str, Any]:
        result = self.run(str(DRIVER), *args, env=env)
        assert result.returncode == 0, result.stderr[-3000:]
        summary: dict[str, Any] = json.loads(result.stdout.splitlines()[-1])
        # The package came from the distribution, not from the tree.
        assert Path(summary["package_file"]).is_relative_to(self.site_packages)
        return summary


@pytest.fixture(scope="module", params=["tree", "sdist"])
def installed(
    request: pytest.FixtureRequest, distributions: Distributions, tmp_path_factory: pytest.TempPathFactory
) -> Installed:
    venv = tmp_path_factory.mktemp(f"venv-{request.param}")
    _run(sys.executable, "-m", "venv", "--without-pip", venv)
    python = venv / "bin" / "python"
    site_packages = Path(_run(python, "-c", "import sysconfig; print(sysconfig.get_path('purelib'))").stdout.strip())
    # --target installs into the directory only (it implies --ignore-installed): .venv is left as it is.
    wheel = distributions.wheels[request.param]
    _run(sys.executable, "-m", "pip", "install", "--no-deps", "--no-index", "--target", site_packages, wheel)
    # A plain path line: .venv's site-packages joins sys.path after the wheel's, without its .pth files.
    (site_packages / "zz-project-dependencies.pth").write_text(sysconfig.get_path("purelib") + "\n")
    return Installed(python, site_packages)


def test_cli_help_runs(installed: Installed) -> None:
    result = installed.run("-m", "bedrock_tenant", "audit", "--help")
    assert result.returncode == 0, result.stderr[-3000:]
    assert "--operations" in result.stdout


def test_report_runs_the_shipped_query(installed: Installed) -> None:
    summary = installed.driver("report", "insights")
    assert summary["status"] == 0
    [query] = summary["queries"]
    assert query == (PACKAGE / "data" / "usage-by-day.logsinsights").read_text(encoding="utf-8")
    [row] = summary["rows"]
    assert (row["day"], row["tenant_id"], row["calls"]) == ("2026-11-02", "acme", 1)


def test_report_aggregates_records(installed: Installed) -> None:
    summary = installed.driver("report", "records")
    [row] = summary["rows"]
    assert (row["calls"], row["input_tokens"], row["total_tokens"]) == (1, 10, 15)
    assert row["estimated_cost_usd"] == 0  # records without a cost sum to none


def test_handler_builds_the_runtime_and_answers(installed: Installed) -> None:
    env = {
        "BEDROCK_TENANT_ID": "acme",
        "BEDROCK_TENANT_OPERATIONS_ROLE_ARN": "arn:aws:iam::111111111111:role/bedrock-tenant-acme",
        "BEDROCK_TENANT_EXTERNAL_ID": "ext-acme-5f0c9a7e21d4",
        "BEDROCK_TENANT_MODEL_ID": "anthropic.claude-3-5-haiku-20241022-v1:0",
        "BEDROCK_TENANT_BEDROCK_REGION": "us-east-1",
        "BEDROCK_TENANT_SINK": "stdout",
        "AWS_ACCESS_KEY_ID": "AKIDEXAMPLE",
        "AWS_SECRET_ACCESS_KEY": "not-a-secret",
        "AWS_DEFAULT_REGION": "us-east-1",
    }
    summary = installed.driver("handler", env=env)
    assert summary["bad_request"]["statusCode"] == 400
    assert summary["bad_request"]["error"]["fields"][0]["field"] == "prompt"
    assert summary["model"] == "ChatBedrockConverse"
    assert summary["callbacks"] == ["InvocationLogger"]
    shipped = json.loads((PACKAGE / "data" / "prices.json").read_text(encoding="utf-8"))
    assert summary["price_table_version"] == shipped["version"]
