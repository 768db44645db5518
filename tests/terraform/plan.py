"""Plan Terraform roots from a copy and flatten the plan for assertions.

In the style of cloud-foundation-fabric's tests: each plan runs ``init``,
``plan`` and ``show -json`` (through ``tftest``) in a fresh copy of the root, and
the JSON is flattened into ``{address: values}`` and ``{type: count}`` so tests
assert subsets of values and exact counts.
"""

from __future__ import annotations

import json
import re
import shutil
import uuid
from collections import Counter
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import tftest

from tests.toolchain import REPO, terraform_environment, tool

# What a plan can reference, copied once per session with the repository's layout
# so relative module sources (../../modules/...) resolve unchanged.
COPIED = ("modules", "examples", "python/src", "python/pyproject.toml", "tests/terraform/fixtures")
OFFLINE_PROVIDER = "tests/terraform/fixtures/offline_provider.tf"


@dataclass(frozen=True)
class Plan:
    directory: Path  # the planned copy; holds plan.json
    raw: dict[str, Any]
    values: dict[str, dict[str, Any]]
    counts: dict[str, int]
    outputs: dict[str, Any]
    data: dict[str, dict[str, Any]] = field(default_factory=dict)

    def of_type(self, resource_type: str) -> dict[str, dict[str, Any]]:
        """Planned values of every managed resource of ``resource_type``, by address."""
        return {address: values for address, values in self.values.items() if _type_of(address) == resource_type}

    def one(self, resource_type: str) -> dict[str, Any]:
        matches = list(self.of_type(resource_type).values())
        assert len(matches) == 1, f"expected one {resource_type}, planned {len(matches)}"
        return matches[0]


def _type_of(address: str) -> str:
    parts = address.split(".")
    while parts[0] == "module":
        parts = parts[2:]
    return parts[0]


def _resources(module: Mapping[str, Any]) -> Iterator[dict[str, Any]]:
    yield from module.get("resources", [])
    for child in module.get("child_modules", []):
        yield from _resources(child)


def summarize(raw: dict[str, Any], directory: Path) -> Plan:
    planned = raw.get("planned_values", {})
    managed = [r for r in _resources(planned.get("root_module", {})) if r.get("mode") == "managed"]
    data = list(_resources(raw.get("prior_state", {}).get("values", {}).get("root_module", {})))
    return Plan(
        directory=directory,
        raw=raw,
        values={r["address"]: r.get("values", {}) for r in managed},
        counts=dict(Counter(r["type"] for r in managed)),
        outputs={name: output.get("value") for name, output in planned.get("outputs", {}).items()},
        data={r["address"]: r.get("values", {}) for r in data if r.get("mode") == "data"},
    )


class PlanFailed(AssertionError):
    pass


class Workspace:
    """A copy of the repository's Terraform-relevant files to plan roots in."""

    def __init__(self, directory: Path, environment: Mapping[str, str] | None = None) -> None:
        self.directory = directory
        for relative in COPIED:
            source, target = REPO / relative, directory / relative
            target.parent.mkdir(parents=True, exist_ok=True)
            if source.is_dir():
                shutil.copytree(
                    source, target, ignore=shutil.ignore_patterns(".terraform*", "builds", "__pycache__", "*.tfstate*")
                )
            elif source.exists():
                shutil.copy2(source, target)
        self.environment = {**terraform_environment(), **(environment or {})}
        self._shared: dict[str, Plan] = {}
        binary = tool("TF_BIN")
        assert binary, "no Terraform CLI: run `make setup` first"
        self.binary = binary

    def root(
        self, relative: str, variables: Mapping[str, Any] | None = None, overrides: str | None = None
    ) -> tftest.TerraformTest:
        """A fresh, initialised copy of ``relative`` beside the original (same depth,
        so relative paths resolve). A module (a directory under ``modules/``) becomes
        the root itself, with the offline provider configuration added.
        ``overrides`` is written as a Terraform override file (e.g. a ``locals``
        block standing in for a value known only after apply)."""
        source = self.directory / relative
        copy = source.with_name(f"{source.name}--{uuid.uuid4().hex[:8]}")
        shutil.copytree(source, copy, ignore=shutil.ignore_patterns(".terraform*", "*.tfstate*"))
        if relative.startswith("modules/"):
            shutil.copy(self.directory / OFFLINE_PROVIDER, copy / "zz_offline_provider.tf")
        if overrides:
            (copy / "zz_test_override.tf").write_text(overrides)
        if variables:
            (copy / "terraform.tfvars.json").write_text(
                json.dumps(variables, indent=2)
            )  # one line per variable in error snippets
        test = tftest.TerraformTest(str(copy), binary=self.binary, env=self.environment)
        test.setup(cleanup_on_exit=False)
        return test

    def plan(self, relative: str, variables: Mapping[str, Any] | None = None, overrides: str | None = None) -> Plan:
        test = self.root(relative, variables, overrides)
        raw = _show_json(test)
        directory = Path(test.tfdir)
        (directory / "plan.json").write_text(json.dumps(raw))
        return summarize(raw, directory)

    def shared_plan(self, relative: str, variables: Mapping[str, Any], overrides: str | None = None) -> Plan:
        """``plan``, made once per workspace for the same root, inputs and overrides, for
        cases that several test files read (their sources never change during a run)."""
        key = json.dumps([relative, variables, overrides], sort_keys=True)
        if key not in self._shared:
            self._shared[key] = self.plan(relative, variables, overrides)
        return self._shared[key]

    def plan_error(
        self, relative: str, variables: Mapping[str, Any] | None = None, overrides: str | None = None
    ) -> str:
        """Plan a root that must fail; return Terraform's error output, unwrapped."""
        test = self.root(relative, variables, overrides)
        try:
            test.plan(output=False)
        except tftest.TerraformTestError as exc:
            return error_text(" ".join(str(part) for part in exc.args))
        raise PlanFailed(f"plan of {relative} with {variables} succeeded, expected it to fail")


class LazyPlans(Mapping[str, Plan]):
    """Plans of named cases, each made on first use and kept: a test plans only
    the cases it reads, and a case that fails to plan fails only its own tests."""

    def __init__(self, workspace: Workspace, relative: str, cases: Mapping[str, tuple[dict[str, Any], str | None]]):
        self._workspace, self._relative, self._cases = workspace, relative, cases
        self._plans: dict[str, Plan] = {}

    def __getitem__(self, case: str) -> Plan:
        if case not in self._plans:
            variables, overrides = self._cases[case]
            self._plans[case] = self._workspace.shared_plan(self._relative, variables, overrides)
        return self._plans[case]

    def __iter__(self) -> Iterator[str]:
        return iter(self._cases)

    def __len__(self) -> int:
        return len(self._cases)


def _show_json(test: tftest.TerraformTest) -> dict[str, Any]:
    plan_file = Path(test.tfdir) / "test.tfplan"
    test.execute_command("plan", "-input=false", "-no-color", f"-out={plan_file}")
    shown = test.execute_command("show", "-no-color", "-json", str(plan_file))
    return dict(json.loads(shown.out))


def error_text(output: str) -> str:
    """Terraform's error output with box-drawing and line wrapping removed, for matching."""
    lines = [line.strip().lstrip("│╷╵").strip() for line in output.splitlines()]
    return " ".join(line for line in lines if line)


def assert_subset(actual: Any, expected: Any, path: str = "") -> None:
    """Every key (recursively) and list item of ``expected`` equals ``actual``'s."""
    if isinstance(expected, dict):
        assert isinstance(actual, dict), f"{path}: expected a mapping, planned {actual!r}"
        for key, value in expected.items():
            assert key in actual, f"{path}.{key}: not planned (planned keys: {sorted(actual)})"
            assert_subset(actual[key], value, f"{path}.{key}")
    elif isinstance(expected, list):
        assert isinstance(actual, list), f"{path}: expected a list, planned {actual!r}"
        assert len(actual) == len(expected), f"{path}: planned {actual!r}"
        for index, (have, want) in enumerate(zip(actual, expected, strict=True)):
            assert_subset(have, want, f"{path}[{index}]")
    else:
        assert actual == expected, f"{path}: planned {actual!r}, expected {expected!r}"


def statements(policy: str) -> dict[str, dict[str, Any]]:
    """An IAM policy's statements by Sid."""
    document = json.loads(policy)
    return {statement.get("Sid", ""): statement for statement in document["Statement"]}


def as_set(value: str | list[str]) -> set[str]:
    """IAM renders a one-element list as a string; compare either as a set."""
    return {value} if isinstance(value, str) else set(value)


def locals_override(values: Mapping[str, str]) -> str:
    """An override file replacing module locals, e.g. an ARN known only after apply."""
    lines = [f"  {name} = {json.dumps(value)}" for name, value in values.items()]
    return "locals {\n" + "\n".join(lines) + "\n}\n"


_VALIDATION_RULE = re.compile(r"This was checked by the validation rule at variables\.tf:(\d+),")
_VARIABLE_BLOCK = re.compile(r'^variable "([\w-]+)" \{', re.MULTILINE)


class BadInputs:
    """Bad-input cases of one root, planned several at a time where that cannot blur
    which input failed.

    A plan costs seconds, mostly the AWS provider starting, and Terraform reports
    every failing variable validation of a plan at once. So cases that each set one
    variable whose validations read no variable another case of the group sets are
    planned together, and a case is answered from the diagnostics that name its own
    variable's validation rule (``variables.tf:<line>``). A case whose phrases are
    not all there (a precondition, a rule that needs another input) is planned on
    its own, so every case is still judged on an output it alone could cause.
    """

    def __init__(
        self,
        workspace: Workspace,
        relative: str,
        base: Mapping[str, Any],
        cases: Mapping[str, Mapping[str, Any]],
        secrets: tuple[str, ...] = (),
    ) -> None:
        self._workspace, self._relative, self._base, self._cases = workspace, relative, base, cases
        self.secrets = secrets
        source = (workspace.directory / relative / "variables.tf").read_text()
        self._blocks = _variable_blocks(source)
        self._groups = self._pack()
        self._outputs: dict[int, str] = {}
        self.plans = 0  # how many plans ran, for the harness's own test

    def _pack(self) -> list[list[str]]:
        groups: list[list[str]] = []
        for case, override in self._cases.items():
            if len(override) != 1 or next(iter(override)) not in self._blocks:
                continue
            (name,) = override
            for group in groups:
                if all(self._independent(name, next(iter(self._cases[other]))) for other in group):
                    group.append(case)
                    break
            else:
                groups.append([case])
        return [group for group in groups if len(group) > 1]

    def _independent(self, one: str, other: str) -> bool:
        return one != other and other not in self._blocks[one][2] and one not in self._blocks[other][2]

    def _group_output(self, index: int) -> str:
        if index not in self._outputs:
            variables = dict(self._base)
            for case in self._groups[index]:
                variables.update(self._cases[case])
            self._outputs[index] = self._plan_raw(variables)
        return self._outputs[index]

    def _plan_raw(self, variables: Mapping[str, Any]) -> str:
        self.plans += 1
        test = self._workspace.root(self._relative, variables)
        try:
            test.plan(output=False)
        except tftest.TerraformTestError as exc:
            output = " ".join(str(part) for part in exc.args)
            for secret in self.secrets:
                assert secret not in output, "a sensitive input appears in Terraform's output"
            return output
        raise PlanFailed(f"plan of {self._relative} with {variables} succeeded, expected it to fail")

    def output(self, case: str, phrases: list[str]) -> str:
        """Terraform's error text for ``case``: from its group's plan when the
        diagnostics of its own variable hold every phrase, else from its own plan."""
        for index, group in enumerate(self._groups):
            if case in group:
                (name,) = self._cases[case]
                first, last, _ = self._blocks[name]
                own = [
                    error_text(diagnostic)
                    for diagnostic in _diagnostics(self._group_output(index))
                    if any(first <= int(line) <= last for line in _VALIDATION_RULE.findall(diagnostic))
                ]
                text = " ".join(own)
                if own and all(phrase in text for phrase in phrases):
                    return text
        return error_text(self._plan_raw({**self._base, **self._cases[case]}))


def _variable_blocks(source: str) -> dict[str, tuple[int, int, set[str]]]:
    """Each variable's first and last line in variables.tf and the other variables
    its validations read."""
    starts = [(match.group(1), source.count("\n", 0, match.start()) + 1) for match in _VARIABLE_BLOCK.finditer(source)]
    lines = source.splitlines()
    blocks: dict[str, tuple[int, int, set[str]]] = {}
    for index, (name, first) in enumerate(starts):
        last = starts[index + 1][1] - 1 if index + 1 < len(starts) else len(lines)
        body = "\n".join(lines[first - 1 : last])
        blocks[name] = (first, last, set(re.findall(r"\bvar\.([\w-]+)", body)) - {name})
    return blocks


def _diagnostics(output: str) -> list[str]:
    """Terraform's error output split into one text per ``Error:`` diagnostic."""
    parts = re.split(r"^[│╷╵\s]*(?=Error: )", output, flags=re.MULTILINE)
    return [part for part in parts if part.startswith("Error: ")]
