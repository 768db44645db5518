"""`make bench`: measure, print one table, write it to docs/benchmarks.md.

    python -m benchmarks [--quick]

--quick shrinks every sample (for a smoke run); the published numbers come from
the default sizes.
"""

from __future__ import annotations

import argparse
import os
import platform
import subprocess
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from benchmarks import cold_start, logging_overhead, terraform_scale
from benchmarks.stats import Summary
from tests.fakes.aws import embedded_aws, environment_for, moto_server
from tests.terraform.plan import Workspace
from tests.toolchain import REPO, tool

LAYER = REPO / "build" / "layer" / "dependencies.zip"
TARGETS = {
    "b": 0.2,  # ms added (median and p95) by our callback with the stdout sink (lambda_log_pipeline)
    "ratio": 2.0,  # (d)/(c) added cost
    "import": 0.8,  # handler import / langchain_aws import
    "restore": 0.25,  # first invocation after a SnapStart restore / (import + first invocation)
    "scale": 12.0,  # plan time at 1,000 tenants / at 100
}


def machine() -> str:
    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if "model name" in line
        ),
        platform.processor() or "unknown CPU",
    )
    memory_kib = next(
        int(line.split()[1]) for line in Path("/proc/meminfo").read_text().splitlines() if line.startswith("MemTotal")
    )
    terraform = subprocess.run([tool("TF_BIN") or "terraform", "version"], capture_output=True, text=True, check=False)
    versions = dict(
        line.split("=", 1)
        for line in (REPO / "tools" / "versions.env").read_text().splitlines()
        if "=" in line and not line.startswith("#")
    )
    cli = terraform.stdout.splitlines()[0] if terraform.stdout else "terraform ?"
    return (
        f"{cpu}, {os.cpu_count()} cores, {memory_kib / 1024 / 1024:.0f} GiB; {platform.system()} {platform.release()}; "
        f"Python {platform.python_version()}; {cli}, "
        f"hashicorp/aws built from {versions.get('AWS_PROVIDER_MODULE_VERSION', '?')}"
    )


def code_zip_bytes(moto_url: str, workdir: Path) -> int:
    """Size of the code zip Terraform builds for customer-invoker."""
    workspace = Workspace(
        workdir,
        {
            "AWS_ENDPOINT_URL_STS": moto_url,
            "AWS_ACCESS_KEY_ID": "AKIABENCH",
            "AWS_SECRET_ACCESS_KEY": "bench",
            "AWS_REGION": "us-east-1",
        },
    )
    plan = workspace.plan(
        "modules/customer-invoker",
        {
            "tenant_id": "bench",
            "operations_role_arn": logging_overhead.ROLE_ARN,
            "external_id": logging_overhead.EXTERNAL_ID,
            "model_id": logging_overhead.MODEL_ID,
            "bedrock_region": "us-east-1",
            "layer_arns": ["arn:aws:lambda:us-east-1:123456789012:layer:bench:1"],
        },
    )
    return (plan.directory / "builds" / "bedrock-tenant-bench-code.zip").stat().st_size


def met(ok: bool) -> str:
    return "yes" if ok else "**no**"


@dataclass
class Results:
    overhead: logging_overhead.OverheadResult
    calls: dict[str, Counter[str]]
    imports_ms: dict[str, Summary]
    first_invocation_ms: dict[str, Summary]
    code_bytes: int
    scale: dict[int, tuple[Summary, Summary]]
    platform: terraform_scale.PlatformScale
    state_bytes: dict[int, int]


def collect(quick: bool, scratch: Path) -> Results:
    invocations, rounds, imports = (20, 2, 3) if quick else (200, 5, 9)
    first_invocations = 3 if quick else 9
    scale_repeats = dict.fromkeys((10, 100, 1000), 1 if quick else 3)
    with embedded_aws() as aws, environment_for(aws):
        print("1/4 logging overhead ...", flush=True)
        overhead = logging_overhead.measure_overhead(aws, invocations, rounds)
        print("2/4 API calls per 1,000 invocations ...", flush=True)
        calls = logging_overhead.api_calls_per_thousand(aws)
        print("3/4 cold start ...", flush=True)
        first_invocation_ms = cold_start.first_invocation_times(
            first_invocations, logging_overhead.function_environment(aws)
        )
    imports_ms = cold_start.import_times(imports)
    with moto_server() as moto_url:
        code_bytes = code_zip_bytes(moto_url, scratch / "code")
    print("4/4 terraform plan at scale ...", flush=True)
    with moto_server() as moto_url:
        scale = terraform_scale.plan_scale(scratch / "scale", moto_url, scale_repeats)
        print("    examples/platform: one shard of 1,000 tenants, five of 1,000, applied state ...", flush=True)
        platform = terraform_scale.plan_platform(
            scratch / "platform", moto_url, 1 if quick else 2, 50 if quick else 1000
        )
    state_bytes = terraform_scale.state_sizes(scratch / "state", (5, 10) if quick else (25, 50))
    return Results(overhead, calls, imports_ms, first_invocation_ms, code_bytes, scale, platform, state_bytes)


def overhead_rows(results: Results) -> list[tuple[str, str, str, str]]:
    per_invocation = results.overhead.per_invocation_ms
    puts = results.overhead.put_log_events_per_invocation
    base = per_invocation["a"].median
    added = {key: summary.median - base for key, summary in per_invocation.items()}
    added_p95 = {key: summary.p95 - per_invocation["a"].p95 for key, summary in per_invocation.items()}
    rows = []
    for key, label in logging_overhead.VARIANTS.items():
        target, ok = "", ""
        if key == "b":
            target = f"<= {TARGETS['b']} ms added (median and p95)"
            ok = met(max(added["b"], added_p95["b"]) <= TARGETS["b"])
        if key == "c":
            target, ok = "<= 1 PutLogEvents per invocation", met(puts["c"] <= 1)
        result = per_invocation[key].format("ms") + f"; p95 {per_invocation[key].p95:.3f} ms"
        if key != "a":
            result += f"; adds {added[key]:+.3f} ms (p95 {added_p95[key]:+.3f} ms)"
        if key in "cd":
            result += f"; {puts[key]:.2f} PutLogEvents per invocation"
        rows.append((f"1{key}. per invocation, {label}", result, target, ok))
    ratio = added["d"] / added["c"] if added["c"] > 0 else float("inf")
    rows.append(("1. added cost (d)/(c)", f"{ratio:.1f}x", f">= {TARGETS['ratio']}x", met(ratio >= TARGETS["ratio"])))
    for pattern, counted in results.calls.items():
        target, ok = "", ""
        if pattern == "ours, put_log_events":
            target, ok = "1 AssumeRole", met(counted["AssumeRole"] == 1)
        if pattern == "ours, lambda_log_pipeline":
            logging_calls = counted["CreateLogStream"] + counted["PutLogEvents"]
            target, ok = "1 AssumeRole, 0 logging calls", met(counted["AssumeRole"] == 1 and logging_calls == 0)
        summary = ", ".join(f"{name} {counted[name]}" for name in ("AssumeRole", "CreateLogStream", "PutLogEvents"))
        rows.append((f"2. API calls per 1,000 invocations, {pattern}", summary, target, ok))
    return rows


def artifact_rows(results: Results) -> list[tuple[str, str, str, str]]:
    handler, langchain = results.imports_ms["bedrock_tenant.handler"], results.imports_ms["langchain_aws"]
    ratio = handler.median / langchain.median
    cold, restored = results.first_invocation_ms["cold"], results.first_invocation_ms["restored"]
    restore_ratio = restored.median / (handler.median + cold.median)
    rows = [
        ("3a. import bedrock_tenant.handler", handler.format("ms", 1), "", ""),
        ("3b. first invocation after the import (runtime, AssumeRole, call)", cold.format("ms", 1), "", ""),
        ("3c. first invocation after a simulated SnapStart restore", restored.format("ms", 1), "", ""),
        (
            "3. ratio (c) / ((a) + (b))",
            f"{restore_ratio:.3f}",
            f"<= {TARGETS['restore']}",
            met(restore_ratio <= TARGETS["restore"]),
        ),
        ("3. import langchain_aws alone", langchain.format("ms", 1), "", ""),
        (
            "3. import ratio handler / langchain_aws",
            f"{ratio:.3f}",
            f"<= {TARGETS['import']}",
            met(ratio <= TARGETS["import"]),
        ),
        ("3. code zip (Terraform archive)", f"{results.code_bytes / 1024:.1f} KiB", "", ""),
        ("3. dependencies zip (make layer)", f"{LAYER.stat().st_size / 1_048_576:.1f} MiB", "", ""),
    ]
    for count, (seconds, memory) in results.scale.items():
        rows.append((f"4. plan, {count} tenants", f"{seconds.format('s', 2)}; peak {memory.median:.0f} MiB", "", ""))
    scale_ratio = results.scale[1000][0].median / results.scale[100][0].median
    rows.append(
        (
            "4. plan time ratio 1,000 / 100 tenants",
            f"{scale_ratio:.1f}x",
            f"<= {TARGETS['scale']}x",
            met(scale_ratio <= TARGETS["scale"]),
        )
    )
    rows += terraform_scale.platform_rows(results.platform, results.state_bytes)
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks")
    parser.add_argument("--quick", action="store_true", help="small samples, for a smoke run")
    parser.add_argument("--output", type=Path, default=REPO / "docs" / "benchmarks.md")
    args = parser.parse_args(argv)
    started = time.monotonic()
    if not LAYER.exists():
        print(f"missing {LAYER.relative_to(REPO)}: run `make layer` first (make bench does)", file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory(prefix="bedrock-tenant-bench-") as scratch:
        results = collect(args.quick, Path(scratch))
    table = render(overhead_rows(results) + artifact_rows(results))
    print()
    print(table)
    elapsed = time.monotonic() - started
    print(f"\nbenchmarks took {elapsed / 60:.1f} min")
    if not args.quick:
        write_report(args.output, table, elapsed)
        print(f"wrote {args.output.relative_to(REPO)}")
    return 0


def render(rows: list[tuple[str, str, str, str]]) -> str:
    lines = ["| Measurement | Result (median, min, max) | Target | Met |", "|---|---|---|---|"]
    lines += [f"| {name} | {result} | {target} | {ok} |" for name, result, target, ok in rows]
    return "\n".join(lines)


def write_report(path: Path, table: str, elapsed: float) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(
        f"""# Benchmarks

Produced by `make bench` on {datetime.now(UTC):%Y-%m-%d %H:%M} UTC in {elapsed / 60:.1f} minutes.

Machine: {machine()}.

{table}

## Method

1. **Logging overhead.** The real Lambda handler (`bedrock_tenant.handler`) over the
   Bedrock fake (zero latency) with the operations role assumed through a moto
   server on 127.0.0.1; only the logging differs: (a) no callback, (b) our
   `InvocationLogger` with the stdout sink (to /dev/null), (c) our callback with the
   CloudWatch Logs sink writing to moto, flushed once per invocation, (d) the naive
   callback most published examples use (log stream created per invocation, one
   synchronous PutLogEvents per callback event). Variants are interleaved round by
   round; each row is the median of every invocation's wall time, with min and max.
   "Adds" is the difference of medians (and of 95th percentiles) to (a). moto
   answers slower than CloudWatch Logs does, so (c) and (d) are upper bounds; their
   ratio is what carries over. (b) is what `record_delivery = "lambda_log_pipeline"`
   costs the response (a write to stdout; Lambda delivers it afterwards), (c) what
   the default `put_log_events` costs (one synchronous PutLogEvents).
2. **API calls** counted with botocore `before-call` hooks over 1,000 invocations of
   a freshly started container (its first invocation is the cold start), in each
   delivery mode. The naive pattern also assumes the role and builds its Bedrock
   client per invocation.
3. **Cold start**, every sample in a fresh interpreter, variants alternating:
   (a) `import bedrock_tenant.handler` versus `import langchain_aws` alone (the
   handler imports it itself, so the ratio is what the package adds); (b) the
   first invocation after the import: the runtime built from the environment,
   AssumeRole and the first call, on the embedded AWS with the CloudWatch sink;
   (c) a simulated SnapStart restore: the interpreter imports and primes the
   handler and runs the before-snapshot hooks (untimed: Lambda does this when it
   publishes the version), then the after-restore hooks and the first invocation
   are timed, which is what a restored environment still does (AssumeRole, the
   first request on new connections, the first PutLogEvents). Restoring the
   snapshot itself is Lambda's and not measured here. Zip sizes are those of the
   artifacts Terraform uploads.
4. **Terraform scale.** `terraform plan` of `modules/operations-role` through
   `for_each` (fixture `tests/terraform/fixtures/operations-role-tenants`), offline,
   after `init`; peak memory is the resident memory of terraform and its provider
   processes together, sampled every 100 ms. Where its time goes, by Terraform
   function: [terraform-scale.md](terraform-scale.md).
{terraform_scale.METHOD}
"""
    )


if __name__ == "__main__":
    sys.exit(main())
