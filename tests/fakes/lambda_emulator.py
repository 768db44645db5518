"""A Lambda function run the way Lambda runs it: its deployed code and layers,
the official Runtime Interface Client, under the Runtime Interface Emulator.

moto stores a function's code and layers but cannot run a Python 3.12 function
that needs its layer. So the function is taken from the embedded Lambda service
as Terraform deployed it (code zip, layer zips, handler string, environment,
memory, timeout) and run locally as the Lambda Python runtime does
(https://docs.aws.amazon.com/lambda/latest/dg/packaging-layers.html#packaging-layers-paths,
https://docs.aws.amazon.com/lambda/latest/dg/configuration-envvars.html#configuration-envvars-runtime):

- the code zip unpacked as the task root (``LAMBDA_TASK_ROOT``, the working directory);
- the layers unpacked, in order, into one directory standing for ``/opt``;
- ``sys.path``: the task root, ``/opt/python/lib/python3.12/site-packages``,
  ``/opt/python``, then the runtime directory holding only ``awslambdaric`` and
  its dependencies (``LAMBDA_RUNTIME_DIR``, like ``/var/runtime``); the interpreter
  runs with ``-S`` so nothing else (this repository's virtual environment) leaks in;
- the Runtime Interface Client (``python -m awslambdaric HANDLER``) started by the
  Runtime Interface Emulator (``aws-lambda-rie``, built by ``tools/toolchain.sh``),
  with the function's environment, the reserved variables Lambda sets, and the
  execution role's credentials;
- invocations over the emulator's HTTP API (``POST /2015-03-31/functions/function/invocations``).

The emulator serves one invocation at a time; it stays up between invocations,
so the first is a cold start and the rest are warm, as in Lambda.
"""

from __future__ import annotations

import http.client
import importlib.metadata
import io
import json
import shutil
import socket
import subprocess
import sys
import time
import zipfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Any, Self

from moto.awslambda.models import lambda_backends

from tests.toolchain import tool

__all__ = ["DeployedFunction", "Invocation", "LambdaEmulator", "deployed_function"]

_PYTHON = f"python{sys.version_info.major}.{sys.version_info.minor}"
_RUNTIME_CLIENT = "awslambdaric"


@dataclass(frozen=True)
class DeployedFunction:
    """What the embedded Lambda service holds for a function."""

    name: str
    arn: str
    role: str  # the execution role
    handler: str
    runtime: str
    memory_size: int
    timeout: int
    environment: dict[str, str]
    code: bytes
    layers: tuple[bytes, ...]


@dataclass(frozen=True)
class Invocation:
    status: int
    payload: Any  # the handler's return value, or Lambda's {"errorType", "errorMessage"} on a failure
    function_error: bool
    wall_seconds: float


def deployed_function(account_id: str, region: str, function_name: str) -> DeployedFunction:
    """The function's configuration and artefacts, read from the embedded Lambda service."""
    backend = lambda_backends[account_id][region]
    function = backend.get_function(function_name)
    layers = []
    for layer in function.layers:
        version = backend.layers_versions_by_arn(layer["Arn"])
        if version is None:
            raise LookupError(f"{function_name}: layer {layer['Arn']} is not in the embedded Lambda")
        layers.append(bytes(version.code_bytes))
    return DeployedFunction(
        name=function.function_name,
        arn=function.function_arn,
        role=function.role,
        handler=str(function.handler),
        runtime=str(function.run_time),
        memory_size=int(function.memory_size),
        timeout=int(function.timeout),
        environment=dict(function.environment_vars or {}),
        code=bytes(function.code_bytes),
        layers=tuple(layers),
    )


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _install_runtime_client(target: Path) -> None:
    """Copy awslambdaric and its dependencies (nothing else) from this environment."""
    pending, seen = [_RUNTIME_CLIENT], set()
    while pending:
        name = pending.pop()
        if name in seen:
            continue
        seen.add(name)
        distribution = importlib.metadata.distribution(name)
        for file in distribution.files or ():
            if ".dist-info" in file.parts[0] or file.parts[0] == ".." or "__pycache__" in file.parts:
                continue
            destination = target / file
            destination.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(Path(str(file.locate())), destination)
        for requirement in distribution.requires or ():
            if "extra ==" not in requirement:
                pending.append(requirement.split(";")[0].split(">")[0].split("=")[0].split("<")[0].strip())


class LambdaEmulator:
    """``function`` running under the Runtime Interface Emulator in ``workdir``.

    ``environment`` adds to what Lambda sets (the harness's endpoint variables that
    point the SDK at the embedded AWS); ``credentials`` are the execution role's.
    """

    def __init__(
        self,
        function: DeployedFunction,
        workdir: Path,
        *,
        credentials: Mapping[str, str],
        region: str,
        environment: Mapping[str, str] | None = None,
    ) -> None:
        emulator = tool("LAMBDA_RIE")
        if not emulator or not Path(emulator).exists():
            raise FileNotFoundError("aws-lambda-rie is not built: run `make setup` (tools/toolchain.sh lambda-rie)")
        if function.runtime != _PYTHON:
            raise ValueError(f"{function.name} is {function.runtime}; this emulator runs {_PYTHON} ({sys.executable})")
        self.function = function
        self.task_root, self.opt, self.runtime_dir = workdir / "task", workdir / "opt", workdir / "runtime"
        for directory in (self.task_root, self.opt, self.runtime_dir):
            directory.mkdir(parents=True)
        with zipfile.ZipFile(io.BytesIO(function.code)) as archive:
            archive.extractall(self.task_root)
        for layer in function.layers:
            with zipfile.ZipFile(io.BytesIO(layer)) as archive:
                archive.extractall(self.opt)
        _install_runtime_client(self.runtime_dir)
        self.port = _free_port()
        self.log = (workdir / "function.log").open("w+b")
        self.environment = {
            **(environment or {}),
            **function.environment,
            # Reserved variables Lambda sets; functions cannot override them.
            "PATH": "/usr/local/bin:/usr/bin:/bin",
            "LANG": "en_US.UTF-8",
            "TZ": ":UTC",
            "_HANDLER": function.handler,
            "AWS_REGION": region,
            "AWS_DEFAULT_REGION": region,
            "AWS_EXECUTION_ENV": f"AWS_Lambda_{function.runtime}",
            "AWS_LAMBDA_FUNCTION_NAME": function.name,
            "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": str(function.memory_size),
            "AWS_LAMBDA_FUNCTION_TIMEOUT": str(function.timeout),
            "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST",
            "AWS_ACCESS_KEY_ID": credentials["AccessKeyId"],
            "AWS_SECRET_ACCESS_KEY": credentials["SecretAccessKey"],
            "AWS_SESSION_TOKEN": credentials["SessionToken"],
            "LAMBDA_TASK_ROOT": str(self.task_root),
            "LAMBDA_RUNTIME_DIR": str(self.runtime_dir),
            "PYTHONPATH": ":".join(
                str(path)
                for path in (
                    self.task_root,
                    self.opt / "python" / "lib" / _PYTHON / "site-packages",
                    self.opt / "python",
                    self.runtime_dir,
                )
            ),
        }
        self._command = [
            emulator,
            "--runtime-interface-emulator-address",
            f"127.0.0.1:{self.port}",
            "--runtime-api-address",
            f"127.0.0.1:{_free_port()}",
            sys.executable,
            "-S",
            "-m",
            _RUNTIME_CLIENT,
            function.handler,
        ]
        self._process: subprocess.Popen[bytes] | None = None

    def start(self) -> Self:
        self._process = subprocess.Popen(
            self._command, cwd=self.task_root, env=self.environment, stdout=self.log, stderr=subprocess.STDOUT
        )
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.2).close()
                return self
            except OSError:
                if self._process.poll() is not None:
                    break
                time.sleep(0.05)
        raise RuntimeError(f"aws-lambda-rie did not start:\n{self.output()[-2000:]}")

    def invoke(self, event: Any, timeout: float = 120) -> Invocation:
        body = json.dumps(event).encode()
        start = time.monotonic()
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)
        try:
            connection.request(
                "POST",
                "/2015-03-31/functions/function/invocations",
                body=body,
                headers={"Content-Type": "application/json"},
            )
            response = connection.getresponse()
            raw = response.read()
            status, function_error = response.status, response.getheader("X-Amz-Function-Error") is not None
        finally:
            connection.close()
        elapsed = time.monotonic() - start
        try:
            payload = json.loads(raw) if raw else None
        except ValueError:
            # The emulator answers an invocation it stopped (e.g. at the function's timeout) in
            # plain text; Lambda answers with the error object, which is what callers get here.
            text = raw.decode(errors="replace").strip()
            error_type = "Sandbox.Timedout" if "timed out" in text.lower() else "Runtime.Unknown"
            payload = {"errorType": error_type, "errorMessage": text}
        if isinstance(payload, Mapping) and {"errorType", "errorMessage"} <= set(payload):
            function_error = True
        return Invocation(status, payload, function_error, elapsed)

    def output(self) -> str:
        """What the emulator and the function wrote (the function's log stream)."""
        self.log.flush()
        self.log.seek(0)
        text = self.log.read().decode(errors="replace")
        self.log.seek(0, io.SEEK_END)
        return text

    def stop(self) -> None:
        if self._process is not None and self._process.poll() is None:
            self._process.terminate()
            try:
                self._process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait()
        self.log.close()

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()
