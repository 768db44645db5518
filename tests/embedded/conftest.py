"""Fixtures for the embedded AWS's own tests."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.fakes.aws import EmbeddedAws, embedded_aws, environment_for


@pytest.fixture(scope="module")
def embedded() -> Iterator[EmbeddedAws]:
    with embedded_aws() as aws:
        yield aws


@pytest.fixture
def aws(embedded: EmbeddedAws) -> Iterator[EmbeddedAws]:
    """The embedded AWS, emptied (its organisation set up again), with this
    process's environment pointed at it."""
    embedded.reset()
    with environment_for(embedded):
        yield embedded
