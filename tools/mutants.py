"""The mutation check: seeded defects that the test suite must catch. `make mutants`.

Each mutant is a small edit of the modules or the runtime package, the kind of
defect a review of the project found or feared, applied to a fresh copy of the
repository; the tests named for it then run in that copy and at least one must
fail (a test failure, not an error: a mutant that breaks the plan or an import
proves nothing). Before the mutants, the same tests run on an unmutated copy and
must pass, so a failure can only come from the defect. Prints a table of each
defect and the test that caught it; exits non-zero when a mutant survives, no
longer applies (the code it edits changed: update it here), or the baseline fails.

    python -m tools.mutants            # every mutant
    python -m tools.mutants -k trust   # mutants whose name contains "trust"
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
COPIED = ("modules", "examples", "python", "tests", "tools", "pyproject.toml", "requirements-dev.txt")
IGNORED = shutil.ignore_patterns(".terraform*", "*.tfstate*", "builds", "__pycache__", "*.egg-info", ".mypy_cache")
SIMULATION = "tests/embedded/test_policy_simulation.py"
FUNCTIONAL = "tests/python/functional"


@dataclass(frozen=True)
class Edit:
    path: str
    old: str  # must occur exactly once in the file
    new: str


@dataclass(frozen=True)
class Mutant:
    name: str
    edits: tuple[Edit, ...]
    tests: tuple[str, ...]  # pytest arguments: files or node ids


OPERATIONS_ROLE = "modules/operations-role/main.tf"
INVOKER = "modules/customer-invoker/main.tf"
GUARDRAIL = "modules/operations-role/guardrail.tf"
GUARDRAIL_TESTS = "tests/terraform/operations_role/test_guardrail.py"
MONITORING = "modules/operations-monitoring/main.tf"

MUTANTS = (
    Mutant(
        "trust policy without the external id condition",
        (
            Edit(
                OPERATIONS_ROLE,
                """      { test = "StringEquals", variable = "sts:ExternalId", values = [var.external_id] },\n""",
                "",
            ),
        ),
        (f"{SIMULATION}::test_assume_role_without_the_external_id_is_refused",),
    ),
    Mutant(
        "trust principal * with only the external id",
        (
            Edit(  # every trust statement's principal (they are built from one list)
                OPERATIONS_ROLE,
                "    Principal = { AWS = local.trusted_account_roots }",
                '    Principal = { AWS = ["*"] }',
            ),
            Edit(
                OPERATIONS_ROLE,
                '      { test = "ArnEquals", variable = "aws:PrincipalArn", values = var.trusted_principal_arns },\n',
                "",
            ),
        ),
        (f"{SIMULATION}::test_only_the_trusted_role_of_the_customer_account_may_assume",),
    ),
    Mutant(
        "foundation-model grant limited to one Region with a us. profile",
        (
            Edit(
                OPERATIONS_ROLE,
                """"arn:${local.partition}:bedrock:*::foundation-model/${model}"]""",
                """"arn:${local.partition}:bedrock:${local.region}::foundation-model/${model}"]""",
            ),
        ),
        (f"{SIMULATION}::test_a_system_profile_works_in_every_destination_region",),
    ),
    Mutant(
        "profile-bypass grant (the model without the profile condition)",
        (
            Edit(
                OPERATIONS_ROLE,
                'Condition = { StringEquals = { "bedrock:InferenceProfileArn" = [local.application_profile_arn] } }',
                "",
            ),
        ),
        (f"{SIMULATION}::test_an_exclusive_application_profile_is_the_only_way_in",),
    ),
    Mutant(
        "execution role may PutLogEvents on *, the sink points at another tenant's group",
        (
            Edit(
                INVOKER,
                """    resources = [for arn in local.written_log_group_arns : "${arn}:*"]""",
                """    resources = ["*"]""",
            ),
            Edit(
                INVOKER,
                """      BEDROCK_TENANT_LOG_GROUP                = local.invocation_log_group_name""",
                """      BEDROCK_TENANT_LOG_GROUP                = "/bedrock-tenant/another-tenant/invocations\"""",
            ),
        ),
        (f"{SIMULATION}::test_the_sink_may_write_its_own_log_group_and_no_other",),
    ),
    Mutant(
        "KMS key policy without the log-group encryption context",
        (
            Edit(
                INVOKER,
                """    condition {
      test     = "ArnEquals"
      variable = "kms:EncryptionContext:aws:logs:arn"
      values   = concat(values(local.log_group_arns), local.findings_log_group_arns)
    }
""",
                "",
            ),
        ),
        (f"{SIMULATION}::test_the_key_serves_the_logs_service_for_these_log_groups_only",),
    ),
    Mutant(
        "refused-AssumeRole filter that counts granted calls too",
        (Edit(MONITORING, """    "($.errorCode = \\"AccessDenied\\")",\n""", ""),),
        ("tests/terraform/operations_monitoring/test_plan.py::test_the_filter_counts_refusals_on_tenant_roles_only",),
    ),
    Mutant(
        "sink built from the operations session instead of the customer's",
        (
            Edit(
                "python/src/bedrock_tenant/handler.py",
                """                settings.log_group_name,
                session=customer,""",
                """                settings.log_group_name,
                session=operations.session,""",
            ),
        ),
        (f"{FUNCTIONAL}/test_cross_account.py",),
    ),
    Mutant(
        "runtime assumes the operations role without the external id",
        (Edit("python/src/bedrock_tenant/credentials.py", """            "ExternalId": external_id,\n""", ""),),
        (f"{FUNCTIONAL}/test_cross_account.py",),
    ),
    Mutant(
        "execution role without sts:SetSourceIdentity while the runtime sets a source identity",
        (
            Edit(
                INVOKER,
                """      var.source_identity == null ? [] : ["sts:SetSourceIdentity"],\n""",
                "",
            ),
        ),
        (f"{SIMULATION}::test_the_tenants_execution_role_may_assume_its_operations_role",),
    ),
    Mutant(
        "execution role without sts:TagSession while the runtime passes session tags",
        (
            Edit(
                INVOKER,
                """      length(var.session_tags) == 0 ? [] : ["sts:TagSession"],\n""",
                "",
            ),
        ),
        (
            f"{SIMULATION}::test_the_tenants_execution_role_may_assume_its_operations_role",
            f"{SIMULATION}::test_the_embedded_tenants_run_with_the_policies_the_modules_render",
        ),
    ),
    Mutant(
        "a model call still running at the function's timeout is never recorded (no deadline watcher)",
        (
            Edit(
                "python/src/bedrock_tenant/handler.py",
                "        if remaining is not None and self._loggers:",
                "        if remaining is None and self._loggers:",
            ),
        ),
        ("tests/python/unit/test_handler_deadline.py",),
    ),
    Mutant(
        "tenant roles may call Bedrock with an API key (bearer token)",
        (
            Edit(
                GUARDRAIL,
                """      Action   = ["bedrock:CallWithBearerToken", "bedrock-mantle:CallWithBearerToken"]""",
                """      Action   = ["bedrock-mantle:CallWithBearerToken"]""",
            ),
        ),
        (f"{GUARDRAIL_TESTS}::test_every_role_is_denied_bedrock_api_keys",),
    ),
    Mutant(
        "guardrail deny written with ForAnyValue (a request naming no guardrail escapes it)",
        (Edit(GUARDRAIL, "Condition = { StringNotEquals = {", """Condition = { "ForAnyValue:StringNotEquals" = {"""),),
        (f"{GUARDRAIL_TESTS}::test_models_are_invoked_only_with_the_tenants_guardrail_and_version",),
    ),
    Mutant(
        "the SQS mapping without partial batch failures (a failed message deletes its batch)",
        (Edit(INVOKER, '  function_response_types            = ["ReportBatchItemFailures"]\n', ""),),
        ("tests/terraform/customer_invoker/test_plan.py::test_inventory[snap_start]",),
    ),
    Mutant(
        "a guardrail edit deletes the version the customer still sends",
        (Edit(GUARDRAIL, "  skip_destroy = true\n", ""),),
        (f"{GUARDRAIL_TESTS}::test_a_guardrail_edit_cuts_off_no_caller_until_the_changeover_is_closed",),
    ),
    Mutant(
        "the guardrail deny ignores previous_versions (an edit cuts the tenant off)",
        (
            Edit(
                GUARDRAIL,
                '"bedrock:GuardrailIdentifier" = local.accepted_guardrail_identifiers',
                '"bedrock:GuardrailIdentifier" = [local.guardrail_identifier]',
            ),
        ),
        (f"{GUARDRAIL_TESTS}::test_a_guardrail_edit_cuts_off_no_caller_until_the_changeover_is_closed",),
    ),
    Mutant(
        "ApplyGuardrail on the guardrail only, not on its guardrail profile",
        (
            Edit(
                GUARDRAIL,
                "      Resource = concat([local.guardrail_arn], local.guardrail_profile_arns)",
                "      Resource = [local.guardrail_arn]",
            ),
        ),
        (f"{GUARDRAIL_TESTS}::test_a_guardrail_profile_is_applied_in_each_destination_region",),
    ),
)


def copy_repository(target: Path) -> None:
    for relative in COPIED:
        source = REPO / relative
        if source.is_dir():
            shutil.copytree(source, target / relative, ignore=IGNORED)
        elif source.exists():
            shutil.copy2(source, target / relative)


def apply(mutant: Mutant, root: Path) -> None:
    for edit in mutant.edits:
        path = root / edit.path
        text = path.read_text()
        count = text.count(edit.old)
        if count != 1:
            raise LookupError(f"{mutant.name}: {edit.path} holds the text to edit {count} times, not once")
        path.write_text(text.replace(edit.old, edit.new))


def run_tests(root: Path, tests: tuple[str, ...]) -> subprocess.CompletedProcess[str]:
    """pytest in ``root``, with the package imported from ``root`` (not the editable install)."""
    environment = {**os.environ, "PYTHONPATH": os.pathsep.join([str(root / "python" / "src"), str(root)])}
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-q", "-x", "-rfE", "--no-header", *tests],
        cwd=root,
        env=environment,
        capture_output=True,
        text=True,
        timeout=1800,
        check=False,
    )


def failures(output: str, kind: str) -> list[str]:
    return re.findall(rf"^{kind} (\S+)", output, flags=re.MULTILINE)


def check_imports_from(root: Path) -> None:
    environment = {**os.environ, "PYTHONPATH": str(root / "python" / "src")}
    where = subprocess.run(
        [sys.executable, "-c", "import bedrock_tenant; print(bedrock_tenant.__file__)"],
        env=environment,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    if not where.startswith(str(root)):
        raise RuntimeError(f"the copy imports bedrock_tenant from {where}, not from itself")


def run_mutant(number: int, mutant: Mutant, scratch: Path, total: int) -> tuple[str, str, str]:
    """Apply ``mutant`` to a fresh copy and run its tests; (defect, verdict, seconds)."""
    root = scratch / f"mutant-{number}"
    copy_repository(root)
    started = time.monotonic()
    try:
        apply(mutant, root)
    except LookupError as error:
        return mutant.name, f"NOT APPLIED: {error}", "-"
    result = run_tests(root, mutant.tests)
    failed, errors = failures(result.stdout, "FAILED"), failures(result.stdout, "ERROR")
    if result.returncode == 1 and failed:
        verdict = failed[0]
    elif errors or result.returncode not in (0, 1):
        verdict = f"INVALID (the mutant broke the run: {(errors or [f'exit {result.returncode}'])[0]})"
    else:
        verdict = "SURVIVED"
    print(f"{number}/{total} {mutant.name}: {verdict}", flush=True)
    shutil.rmtree(root, ignore_errors=True)
    return mutant.name, verdict, f"{time.monotonic() - started:.0f} s"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-k", "--keyword", default="", help="run only mutants whose name contains this")
    parser.add_argument("-j", "--jobs", type=int, default=2, help="mutants run at once (default 2, one per core)")
    parser.add_argument(
        "--skip-baseline",
        action="store_true",
        help="skip the unmutated run: only right after the whole suite passed on this tree (as in .ci/run)",
    )
    arguments = parser.parse_args()
    selected = [m for m in MUTANTS if arguments.keyword.lower() in m.name.lower()]
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="bedrock-tenant-mutants-") as scratch:
        baseline = Path(scratch) / "baseline"
        copy_repository(baseline)
        check_imports_from(baseline)
        tests = tuple(dict.fromkeys(test for mutant in selected for test in mutant.tests))
        if arguments.skip_baseline:
            print("baseline skipped: the whole suite passed on this tree just before\n", flush=True)
        else:
            print(f"baseline: {' '.join(tests)} on an unmutated copy ...", flush=True)
            result = run_tests(baseline, tests)
            if result.returncode != 0:
                print(result.stdout[-4000:], result.stderr[-2000:], sep="\n")
                print("baseline FAILED: the tests must pass before they can catch anything")
                return 1
            print(f"baseline passed in {time.monotonic() - started:.0f} s\n", flush=True)

        with ThreadPoolExecutor(max_workers=arguments.jobs) as pool:
            futures = [
                pool.submit(run_mutant, number, mutant, Path(scratch), len(selected))
                for number, mutant in enumerate(selected, start=1)
            ]
            rows = [future.result() for future in futures]

    width = max(len(row[0]) for row in rows)
    print(f"\n{'defect':<{width}}  caught by  (seconds)")
    for name, verdict, seconds in rows:
        print(f"{name:<{width}}  {verdict}  ({seconds})")
    caught = sum(not row[1].startswith(("SURVIVED", "INVALID", "NOT APPLIED")) for row in rows)
    print(f"\n{caught} of {len(rows)} seeded defects caught in {time.monotonic() - started:.0f} s")
    return 0 if caught == len(rows) else 1


if __name__ == "__main__":
    sys.exit(main())
