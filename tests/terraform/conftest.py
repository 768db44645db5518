"""Fixtures for Terraform plan tests: a workspace copy and a local STS for
``aws_caller_identity`` (moto answers it; nothing leaves the machine)."""

from __future__ import annotations

import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.fakes.aws import moto_server
from tests.fakes.policy import PolicyEvaluator
from tests.terraform.plan import Workspace
from tests.terraform.policy import Iam


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    here = Path(__file__).parent
    for item in items:
        if here in Path(str(item.fspath)).parents:
            item.add_marker(pytest.mark.terraform)


@pytest.fixture(scope="session")
def sts_endpoint() -> Iterator[str]:
    with moto_server() as url:
        yield url


@pytest.fixture(scope="session")
def placeholder_layer_zip(tmp_path_factory: pytest.TempPathFactory) -> str:
    """A stand-in for the dependency layer: plans only hash it."""
    path = tmp_path_factory.mktemp("layer") / "dependencies.zip"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("python/placeholder.py", "")
    return str(path)


@pytest.fixture(scope="session")
def workspace(tmp_path_factory: pytest.TempPathFactory, sts_endpoint: str) -> Workspace:
    return Workspace(
        tmp_path_factory.mktemp("terraform"),
        {
            "AWS_ENDPOINT_URL_STS": sts_endpoint,
            "AWS_ACCESS_KEY_ID": "AKIAOFFLINEPLANNING0",
            "AWS_SECRET_ACCESS_KEY": "offline-planning-only",
            "AWS_REGION": "us-east-1",
        },
    )


@pytest.fixture(scope="session")
def iam(evaluator: PolicyEvaluator) -> Iam:
    """The embedded AWS's IAM evaluator, asked about planned policies."""
    return Iam(evaluator)
