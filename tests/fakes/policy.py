"""The embedded AWS's IAM policy evaluator: one request in, AWS's decision out.

The evaluation itself is ``@cloud-copilot/iam-simulate`` (an independent,
maintained implementation of the IAM policy evaluation logic: identity and
resource policies, permissions boundaries, every condition operator with AWS's
missing-key and set-operator semantics, same- and cross-account requests, and
the role-trust and KMS key-policy rules). It runs in one Node.js child process
per evaluator (``tests/fakes/iam/evaluate.cjs``), installed by
``tools/toolchain.sh iam-evaluator`` into the tool cache; see the README's
embedded-AWS section for why it was chosen.

    evaluator = PolicyEvaluator()
    decision = evaluator.evaluate(
        Request(principal=..., action="sts:AssumeRole", resource=role_arn, resource_account=...,
                context={"sts:ExternalId": "..."}),
        identity_policies=[...], resource_policy=trust_policy,
    )
    assert decision.allowed

Decisions are pure functions of their inputs, so they are cached.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import threading
from collections import OrderedDict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from tests.toolchain import tool

__all__ = ["Decision", "EvaluatorError", "PolicyEvaluator", "Request"]

ADAPTER = Path(__file__).resolve().parent / "iam" / "evaluate.cjs"
_CACHE_SIZE = 4096

Result = Literal["Allowed", "ImplicitlyDenied", "ExplicitlyDenied"]


class EvaluatorError(RuntimeError):
    """The evaluator refused the input (malformed policy, unknown action, bad ARN) or is missing."""


@dataclass(frozen=True)
class Request:
    """One authorization question: may ``principal`` do ``action`` on ``resource``?

    ``context`` holds the request context keys AWS would supply (strings, or lists
    for multivalued keys such as ``aws:TagKeys``); a key that is absent is absent.
    """

    principal: str
    action: str
    resource: str
    resource_account: str
    context: Mapping[str, str | Sequence[str]] = field(default_factory=dict)


@dataclass(frozen=True)
class Decision:
    result: Result
    allowed_by: tuple[str, ...] = ()
    denied_by: tuple[str, ...] = ()

    @property
    def allowed(self) -> bool:
        return self.result == "Allowed"

    @property
    def explicit_deny(self) -> bool:
        return self.result == "ExplicitlyDenied"


def _node_modules() -> Path:
    configured = os.environ.get("IAM_EVALUATOR_MODULES") or tool("IAM_EVALUATOR_MODULES")
    if not configured or not (Path(configured) / "@cloud-copilot" / "iam-simulate").is_dir():
        raise EvaluatorError(
            "the IAM policy evaluator is not installed: run `make setup` (tools/toolchain.sh iam-evaluator)"
        )
    return Path(configured)


class PolicyEvaluator:
    """A Node.js child process answering evaluation requests; thread-safe, cached."""

    def __init__(self) -> None:
        node = shutil.which("node")
        if node is None:
            raise EvaluatorError("Node.js is required for the embedded IAM evaluator (`make setup` installs it)")
        environment = {"PATH": os.environ.get("PATH", ""), "NODE_PATH": str(_node_modules())}
        self._process = subprocess.Popen(
            [node, str(ADAPTER)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            env=environment,
            text=True,
            bufsize=1,
        )
        self._lock = threading.Lock()
        self._next_id = 0
        self._cache: OrderedDict[str, dict[str, Any]] = OrderedDict()

    def evaluate(
        self,
        request: Request,
        *,
        identity_policies: Sequence[Mapping[str, Any]] = (),
        resource_policy: Mapping[str, Any] | None = None,
        permission_boundaries: Sequence[Mapping[str, Any]] = (),
        service_control_policies: Sequence[Mapping[str, Any]] = (),
        shared_context: bool = False,
        validate_resource: bool = True,
    ) -> Decision:
        """AWS's decision for ``request`` given the principal's identity policies (and
        permissions boundaries), the resource's policy (trust or key policy) and the
        service control policies of the principal's account (an Allow among them is
        needed, as FullAWSAccess gives by default, and no Deny).

        A context key the Service Authorization Reference does not document for the
        action is an error (the caller built the wrong context), unless
        ``shared_context``: one request authorised for several actions with one
        context, as AssumeRole is for sts:SetSourceIdentity and sts:TagSession.
        ``validate_resource`` False skips the check of the resource ARN against the
        reference's ARN formats, for the one form AWS uses that they do not admit:
        the Region-less foundation-model ARN of global inference profiles."""
        payload = {
            "principal": request.principal,
            "action": request.action,
            "resource": request.resource,
            "resourceAccount": request.resource_account,
            "context": {
                key: value if isinstance(value, str) else list(value) for key, value in request.context.items()
            },
            "identityPolicies": [{"name": f"policy-{n}", "policy": p} for n, p in enumerate(identity_policies)],
            "resourcePolicy": resource_policy,
            "permissionBoundaries": [
                {"name": f"boundary-{n}", "policy": p} for n, p in enumerate(permission_boundaries)
            ],
            "serviceControlPolicies": [
                {"name": f"scp-{n}", "policy": p} for n, p in enumerate(service_control_policies)
            ],
            "unvalidatedResource": not validate_resource,
        }
        key = json.dumps(payload, sort_keys=True)
        with self._lock:
            answer = self._cache.get(key)
            if answer is None:
                answer = self._ask(payload)
                self._cache[key] = answer
                if len(self._cache) > _CACHE_SIZE:
                    self._cache.popitem(last=False)
            else:
                self._cache.move_to_end(key)
        if "error" in answer:
            raise EvaluatorError(f"{request.action} on {request.resource}: {json.dumps(answer['error'])[:2000]}")
        if answer.get("ignoredContextKeys") and not shared_context:
            raise EvaluatorError(f"{request.action} does not take context keys {answer['ignoredContextKeys']}")
        return Decision(answer["result"], tuple(answer["allowedBy"]), tuple(answer["deniedBy"]))

    def _ask(self, payload: dict[str, Any]) -> dict[str, Any]:
        stdin, stdout = self._process.stdin, self._process.stdout
        assert stdin is not None
        assert stdout is not None
        self._next_id += 1
        try:
            stdin.write(json.dumps({"id": self._next_id, **payload}) + "\n")
            stdin.flush()
            line = stdout.readline()
        except (BrokenPipeError, OSError) as exc:
            raise EvaluatorError(f"the evaluator process failed: {exc}") from exc
        if not line:
            raise EvaluatorError(f"the evaluator process exited ({self._process.poll()})")
        answer: dict[str, Any] = json.loads(line)
        if answer.get("id") != self._next_id:
            raise EvaluatorError(f"out-of-order answer {answer.get('id')} for request {self._next_id}")
        return answer

    def close(self) -> None:
        if self._process.poll() is None:
            assert self._process.stdin is not None
            self._process.stdin.close()
            try:
                self._process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait()
        if self._process.stdout is not None:
            self._process.stdout.close()

    def __enter__(self) -> PolicyEvaluator:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()
