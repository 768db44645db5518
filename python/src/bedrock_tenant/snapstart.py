"""Lambda SnapStart: the expensive work before the snapshot, uniqueness after it.

With SnapStart, Lambda runs the function's initialisation once, when a version is
published, snapshots the initialised environment and resumes every new execution
environment from that one snapshot
(https://docs.aws.amazon.com/lambda/latest/dg/snapstart.html). So:

* **Before the snapshot** (during init): the imports, the validated settings, the
  sessions, the Bedrock client and the chat model, the sink: everything the first
  request would otherwise build. Nothing that signs a request is resolved then:
  the operations role is assumed and the execution role's credentials are read on
  the first request after the restore (Lambda gives SnapStart functions their
  credentials through the container credentials endpoint, not at init:
  https://docs.aws.amazon.com/lambda/latest/dg/snapstart-activate.html#snapstart-credentials).
  The before-snapshot hook writes what is buffered and drops any client, so the
  snapshot holds no record, no credential and no open connection.
* **After the restore**: what must differ per environment is made again (AWS:
  "generate unique content after initialization. This includes unique IDs, unique
  secrets, and entropy that's used to generate pseudorandomness",
  https://docs.aws.amazon.com/lambda/latest/dg/snapstart-uniqueness.html): each
  CloudWatch sink gets a new log stream name, and ``random`` is re-seeded from the
  OS (botocore's retry jitter uses it; ``uuid4`` and ``secrets`` read the OS and
  need nothing).

The hooks are registered through ``snapshot_restore_py``, which the Lambda Python
managed runtimes include
(https://docs.aws.amazon.com/lambda/latest/dg/snapstart-runtime-hooks-python.html);
elsewhere the import is guarded and the hooks are never called. Lambda runs
after-restore hooks within a 10-second limit and before-snapshot hooks within
the init limit (same page), so both are bounded here.
"""

from __future__ import annotations

import os
import random
from collections.abc import Callable, Iterable, Mapping
from typing import Any, Protocol

import boto3

from . import lifecycle

__all__ = [
    "BEFORE_SNAPSHOT_FLUSH_SECONDS",
    "Primable",
    "after_restore",
    "before_snapshot",
    "in_lambda_init",
    "load_service_models",
    "register_hooks",
]

try:  # included in the Lambda Python managed runtimes; optional elsewhere
    from snapshot_restore_py import (  # type: ignore[import-untyped]
        register_after_restore,
        register_before_snapshot,
    )
except ImportError:  # pragma: no cover - exercised only without the library

    def register_before_snapshot(func: Callable[..., Any], *args: Any, **kwargs: Any) -> Callable[..., Any]:
        return func

    def register_after_restore(func: Callable[..., Any], *args: Any, **kwargs: Any) -> Callable[..., Any]:
        return func


# Lambda sets AWS_LAMBDA_INITIALIZATION_TYPE to on-demand, provisioned-concurrency or
# snap-start (Lambda developer guide, "Defined runtime environment variables").
INITIALIZATION_TYPE = "AWS_LAMBDA_INITIALIZATION_TYPE"
# Well inside the init phase's limit, which the before-snapshot hook counts against.
BEFORE_SNAPSHOT_FLUSH_SECONDS = 5.0


class Primable(Protocol):
    """What the hooks need from the Lambda handler."""

    def prime(self) -> None:
        """Build everything the first request needs, without credentials."""

    def before_snapshot(self) -> None:
        """Drop whatever holds credentials or connections."""


def in_lambda_init(environ: Mapping[str, str] | None = None) -> bool:
    """Whether this process is a Lambda execution environment (on-demand,
    provisioned concurrency or SnapStart), whose init phase should build the
    runtime: then the first request does not, and with SnapStart the runtime is
    part of the snapshot."""
    return bool((os.environ if environ is None else environ).get(INITIALIZATION_TYPE))


def before_snapshot(handler: Primable) -> None:
    """Nothing buffered, no credentials and no connections go into the snapshot."""
    lifecycle.before_snapshot(BEFORE_SNAPSHOT_FLUSH_SECONDS)
    handler.before_snapshot()


def after_restore() -> None:
    """Make per environment what the snapshot made once for all of them."""
    random.seed()  # from os.urandom: each restored environment gets its own sequence
    lifecycle.after_restore()


def load_service_models(session: boto3.Session, services: Iterable[str]) -> None:
    """Load what building a client of each service reads from botocore's data files
    (its model, its endpoint rules, the retry and default configurations) into the
    session's cache, without building the client: building one reads credentials."""
    core = session._session  # boto3 keeps its botocore session here
    loader = core.get_component("data_loader")
    for service in services:
        core.get_service_model(service)
        loader.load_service_model(service, "endpoint-rule-set-1")
    for name in ("_retry", "sdk-default-configuration", "endpoints", "partitions"):
        loader.load_data(name)


def register_hooks(handler: Primable) -> None:
    """Register the SnapStart runtime hooks for ``handler`` (harmless without SnapStart:
    Lambda calls them only when it takes or restores a snapshot)."""
    register_before_snapshot(before_snapshot, handler)
    register_after_restore(after_restore)
