"""Cold start, each sample in a fresh interpreter:

(a) ``import bedrock_tenant.handler`` (versus ``import langchain_aws`` alone);
(b) the first invocation after the import: building the runtime from the
    environment, AssumeRole and the first call, on the embedded AWS;
(c) what is left after a simulated SnapStart restore: the interpreter imports and
    primes the handler and runs the before-snapshot hooks (what Lambda does before
    it takes the snapshot, untimed), then the after-restore hooks and the first
    invocation are timed.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Mapping

from benchmarks.stats import Summary

SNIPPET = "import time; t = time.perf_counter(); import {module}; print(time.perf_counter() - t)"

# Run in a fresh interpreter whose environment is the function's (BEDROCK_TENANT_*,
# the execution role's credentials, the embedded AWS's endpoints).
FIRST_INVOCATION = """
import json, sys, time
mode = sys.argv[1]
from bedrock_tenant import snapstart
from bedrock_tenant.__main__ import LocalContext
from bedrock_tenant.handler import LambdaHandler
handler = LambdaHandler()
if mode == "restored":
    handler.prime()
    snapstart.before_snapshot(handler)
start = time.perf_counter()
if mode == "restored":
    snapstart.after_restore()
response = handler({"prompt": "What is the capital of France?"}, LocalContext("cold"))
elapsed = time.perf_counter() - start
assert response["statusCode"] == 200, response
assert handler.runtime.operations.assume_role_calls == 1
print(json.dumps({"seconds": elapsed}))
"""


def import_seconds(module: str) -> float:
    result = subprocess.run(
        [sys.executable, "-c", SNIPPET.format(module=module)], capture_output=True, text=True, check=True
    )
    return float(result.stdout.strip())


def import_times(repeats: int) -> dict[str, Summary]:
    """Alternating fresh interpreters, so both see the same page cache and load."""
    modules = ("langchain_aws", "bedrock_tenant.handler")
    for module in modules:  # warm the page cache once
        import_seconds(module)
    samples: dict[str, list[float]] = {module: [] for module in modules}
    for _ in range(repeats):
        for module in modules:
            samples[module].append(import_seconds(module) * 1000)
    return {module: Summary.of(values) for module, values in samples.items()}


def first_invocation_seconds(mode: str, environment: Mapping[str, str]) -> float:
    """``mode``: "cold" (b) or "restored" (c)."""
    result = subprocess.run(
        [sys.executable, "-c", FIRST_INVOCATION, mode],
        capture_output=True,
        text=True,
        check=False,
        env={**os.environ, **environment},
    )
    if result.returncode != 0:
        raise RuntimeError(f"first invocation ({mode}) failed: {result.stderr[-2000:]}")
    return float(json.loads(result.stdout.strip().splitlines()[-1])["seconds"])


def first_invocation_times(repeats: int, environment: Mapping[str, str]) -> dict[str, Summary]:
    """(b) and (c), alternating fresh interpreters."""
    samples: dict[str, list[float]] = {"cold": [], "restored": []}
    for _ in range(repeats):
        for mode, values in samples.items():
            values.append(first_invocation_seconds(mode, environment) * 1000)
    return {mode: Summary.of(values) for mode, values in samples.items()}
