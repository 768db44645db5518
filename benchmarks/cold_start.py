"""Cold start: handler import time versus `import langchain_aws`, and artifact sizes."""

from __future__ import annotations

import subprocess
import sys

from benchmarks.stats import Summary

SNIPPET = "import time; t = time.perf_counter(); import {module}; print(time.perf_counter() - t)"


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
