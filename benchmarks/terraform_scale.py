"""Terraform plan time and peak memory of operations-role via for_each at scale."""

from __future__ import annotations

import subprocess
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from benchmarks.stats import Summary
from tests.terraform.plan import Workspace

FIXTURE = "tests/terraform/fixtures/operations-role-tenants"


def tenants(count: int) -> dict[str, dict[str, object]]:
    return {
        f"tenant-{n:04d}": {
            "principals": [f"arn:aws:iam::{200000000000 + n}:role/tenant-{n:04d}-invoker"],
            "external_id": f"external-id-{n:04d}-0123456789",
            "models": ["anthropic.claude-3-5-haiku-20241022-v1:0"],
        }
        for n in range(count)
    }


def _tree_rss_kib(root_pid: int) -> int:
    """Resident memory of a process and all its descendants, from /proc."""
    parents: dict[int, int] = {}
    rss: dict[int, int] = {}
    for status in Path("/proc").glob("[0-9]*/status"):
        try:
            fields = dict(line.split(":", 1) for line in status.read_text().splitlines() if ":" in line)
        except OSError:
            continue
        pid = int(status.parent.name)
        parents[pid] = int(fields.get("PPid", "0"))
        rss[pid] = int(fields.get("VmRSS", "0 kB").split()[0])
    tree, frontier = {root_pid}, [root_pid]
    while frontier:
        parent = frontier.pop()
        children = [pid for pid, ppid in parents.items() if ppid == parent and pid not in tree]
        tree.update(children)
        frontier.extend(children)
    return sum(rss.get(pid, 0) for pid in tree)


@dataclass(frozen=True)
class PlanRun:
    seconds: float
    peak_mib: float


def timed_plan(binary: str, directory: Path, environment: dict[str, str]) -> PlanRun:
    peak = 0
    start = time.monotonic()
    process = subprocess.Popen(
        [binary, "plan", "-input=false", "-no-color", "-refresh=false", "-out=scale.tfplan"],
        cwd=directory,
        env=environment,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    done = threading.Event()

    def sample() -> None:
        nonlocal peak
        while not done.is_set():
            peak = max(peak, _tree_rss_kib(process.pid))
            done.wait(0.1)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    _, stderr = process.communicate()
    elapsed = time.monotonic() - start
    done.set()
    sampler.join()
    if process.returncode != 0:
        raise RuntimeError(f"terraform plan failed: {stderr.decode()[-2000:]}")
    return PlanRun(elapsed, peak / 1024)


def plan_scale(workdir: Path, repeats: dict[int, int]) -> dict[int, tuple[Summary, Summary]]:
    """(seconds, peak MiB) summaries per tenant count."""
    workspace = Workspace(workdir)
    results: dict[int, tuple[Summary, Summary]] = {}
    for count, times in repeats.items():
        root = workspace.root(FIXTURE, {"tenants": tenants(count)})
        runs = [timed_plan(workspace.binary, Path(root.tfdir), workspace.environment) for _ in range(times)]
        results[count] = (Summary.of([r.seconds for r in runs]), Summary.of([r.peak_mib for r in runs]))
    return results
