"""Terraform at scale: plan time and peak memory of operations-role via for_each,
and of examples/platform (1,000 tenants in one shard; 5,000 across five shards,
each planned on its own), and the platform's state size per 1,000 tenants."""

from __future__ import annotations

import subprocess
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from benchmarks.stats import Summary
from tests.fakes.aws import OPERATIONS_ACCOUNT, embedded_aws
from tests.terraform.plan import Workspace

FIXTURE = "tests/terraform/fixtures/operations-role-tenants"
PLATFORM = "examples/platform"
PLAN_ACCOUNT = "123456789012"  # what a plain moto STS answers


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


def sts_environment(sts_url: str) -> dict[str, str]:
    """Fake credentials and a local STS: the modules read the account from aws_caller_identity."""
    return {
        "AWS_ENDPOINT_URL_STS": sts_url,
        "AWS_ACCESS_KEY_ID": "AKIABENCH",
        "AWS_SECRET_ACCESS_KEY": "bench",
        "AWS_REGION": "us-east-1",
    }


def plan_scale(workdir: Path, sts_url: str, repeats: dict[int, int]) -> dict[int, tuple[Summary, Summary]]:
    """(seconds, peak MiB) summaries per tenant count."""
    workspace = Workspace(workdir, sts_environment(sts_url))
    results: dict[int, tuple[Summary, Summary]] = {}
    for count, times in repeats.items():
        root = workspace.root(FIXTURE, {"tenants": tenants(count)})
        runs = [timed_plan(workspace.binary, Path(root.tfdir), workspace.environment) for _ in range(times)]
        results[count] = (Summary.of([r.seconds for r in runs]), Summary.of([r.peak_mib for r in runs]))
    return results


def write_platform(
    directory: Path, count: int, shards: int, account: str, role_arn: str | None = None
) -> dict[str, str]:
    """``count`` tenant files dealt round-robin to shards ops-1..ops-<shards>, and
    the shards file; the platform example's variables pointing at them."""
    tenants_dir = directory / "tenants"
    tenants_dir.mkdir(parents=True, exist_ok=True)
    for n in range(count):
        tenant_id, customer = f"tenant-{n:05d}", f"{200000000000 + n}"
        (tenants_dir / f"{tenant_id}.yaml").write_text(
            f"tenant_id: {tenant_id}\n"
            f"shard: ops-{n % shards + 1}\n"
            f'customer_account_id: "{customer}"\n'
            f"trusted_role_arns: [arn:aws:iam::{customer}:role/bedrock-tenant-{tenant_id}-execution]\n"
            "models: [amazon.nova-lite-v1:0]\n"
            "regions: [us-east-1]\n"
        )
    role = f", terraform_role_arn: {role_arn}" if role_arn else ""
    shards_file = directory / "shards.yaml"
    shards_file.write_text(
        "".join(f'ops-{n}: {{account_id: "{account}", region: us-east-1{role}}}\n' for n in range(1, shards + 1))
    )
    return {"tenants_dir": str(tenants_dir), "shards_file": str(shards_file)}


@dataclass(frozen=True)
class PlatformScale:
    one_shard: list[PlanRun]  # 1,000 tenants, all in one shard
    five_shards: list[PlanRun]  # 5,000 tenants, 1,000 per shard: one plan per shard


def plan_platform(workdir: Path, sts_url: str, one_shard_repeats: int, tenants_per_shard: int = 1000) -> PlatformScale:
    """Plan one 1,000-tenant shard ``one_shard_repeats`` times and each shard of a
    5 x 1,000-tenant platform once; every shard's plan reads all tenant files."""
    workspace = Workspace(workdir, sts_environment(sts_url))

    def plan_shard(variables: dict[str, str], shard: str) -> PlanRun:
        root = workspace.root(PLATFORM, {**variables, "shard": shard})
        return timed_plan(workspace.binary, Path(root.tfdir), workspace.environment)

    single = write_platform(workdir / "one-shard", tenants_per_shard, 1, PLAN_ACCOUNT)
    five = write_platform(workdir / "five-shards", 5 * tenants_per_shard, 5, PLAN_ACCOUNT)
    # Interleaved, so both sets see the same machine: one, ops-1, ops-2, one, ops-3, ...
    one_shard: list[PlanRun] = []
    five_shards: list[PlanRun] = []
    for n in range(1, 6):
        if len(one_shard) < one_shard_repeats and n % 2 == 1:
            one_shard.append(plan_shard(single, "ops-1"))
        five_shards.append(plan_shard(five, f"ops-{n}"))
    one_shard += [plan_shard(single, "ops-1") for _ in range(one_shard_repeats - len(one_shard))]
    return PlatformScale(one_shard, five_shards)


def state_sizes(workdir: Path, counts: tuple[int, ...]) -> dict[int, int]:
    """Apply the platform example to the embedded AWS with ``counts`` tenants in
    turn (each apply adds tenants to the same state); the state file's size after each."""
    sizes: dict[int, int] = {}
    with embedded_aws() as aws:
        workspace = Workspace(workdir / "terraform", aws.environment)
        role = f"arn:aws:iam::{OPERATIONS_ACCOUNT}:role/OrganizationAccountAccessRole"
        variables = write_platform(workdir / "applied", 0, 1, OPERATIONS_ACCOUNT, role)
        root = None
        for count in counts:
            write_platform(workdir / "applied", count, 1, OPERATIONS_ACCOUNT, role)
            if root is None:
                root = workspace.root(PLATFORM, {**variables, "shard": "ops-1"})
            root.apply(output=False)
            sizes[count] = (Path(root.tfdir) / "terraform.tfstate").stat().st_size
    return sizes


SHARD_TARGET = 1.2  # slowest shard of 5 x 1,000 tenants / one shard of 1,000 tenants; also sum / 5 x one


def platform_rows(platform: PlatformScale, state_bytes: dict[int, int]) -> list[tuple[str, str, str, str]]:
    """Rows of the benchmark table: (measurement, result, target, met)."""
    shards = f"{len(platform.five_shards)} shards"
    one = Summary.of([run.seconds for run in platform.one_shard])
    slowest = max(platform.five_shards, key=lambda run: run.seconds)
    total = sum(run.seconds for run in platform.five_shards)
    slowest_ratio = slowest.seconds / one.median
    linear_ratio = total / (len(platform.five_shards) * one.median)
    peak_one = max(run.peak_mib for run in platform.one_shard)
    (small, small_bytes), *_, (large, large_bytes) = sorted(state_bytes.items())
    per_thousand = (large_bytes - small_bytes) / (large - small) * 1000

    def met(ok: bool) -> str:
        return "yes" if ok else "**no**"

    return [
        ("4. platform plan, one shard of 1,000 tenants", f"{one.format('s', 2)}; peak {peak_one:.0f} MiB", "", ""),
        (
            f"4. platform plan, 5,000 tenants in {shards}, slowest shard",
            f"{slowest.seconds:.2f} s; peak {slowest.peak_mib:.0f} MiB",
            "",
            "",
        ),
        (
            f"4. platform plan, 5,000 tenants in {shards}, sum",
            f"{total:.2f} s (" + ", ".join(f"{run.seconds:.1f}" for run in platform.five_shards) + ")",
            "",
            "",
        ),
        (
            "4. slowest shard / one 1,000-tenant shard",
            f"{slowest_ratio:.2f}x",
            f"<= {SHARD_TARGET}x",
            met(slowest_ratio <= SHARD_TARGET),
        ),
        (
            "4. sum of shards / (5 x one 1,000-tenant shard)",
            f"{linear_ratio:.2f}x",
            f"<= {SHARD_TARGET}x (linear)",
            met(linear_ratio <= SHARD_TARGET),
        ),
        (
            "4. platform state per 1,000 tenants (applied)",
            f"{per_thousand / 1_048_576:.1f} MiB ({large} tenants: {large_bytes / 1024:.0f} KiB, "
            f"{small}: {small_bytes / 1024:.0f} KiB)",
            "",
            "",
        ),
    ]


METHOD = """5. **Platform at scale.** `examples/platform` with generated tenant files (one
   model, an application profile each), offline against a local STS: one shard of
   1,000 tenants planned twice (median), and 5,000 tenants dealt to five
   shards of 1,000, each shard planned once in its own root, interleaved with
   those; every shard's plan
   reads all 5,000 files and checks its own in full. Peak memory as in 4. State
   size: the example applied to the embedded AWS with 25, then 50 tenants in one
   state; per 1,000 tenants is the growth between the two, scaled."""
