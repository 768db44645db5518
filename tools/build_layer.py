"""Build the Lambda dependency layer: a deterministic zip of bedrock_tenant's
runtime dependencies, installed for the Lambda platform.

    python tools/build_layer.py --python 3.12 --arch x86_64 --output build/layer/dependencies.zip

Dependencies are the package's (python/pyproject.toml), pinned to the versions in
requirements-dev.txt, installed from manylinux wheels only (``pip install
--platform ... --only-binary=:all:``) so no compiler or Linux container is
needed. The zip is byte-for-byte reproducible: sorted entries, fixed timestamps
and modes, no bytecode, no console scripts.
"""

from __future__ import annotations

import argparse
import hashlib
import shutil
import subprocess
import sys
import tempfile
import tomllib
import zipfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
FIXED_TIME = (1980, 1, 1, 0, 0, 0)
# Lambda's Python 3.12/3.13 runtimes run on Amazon Linux 2023 (glibc 2.34).
GLIBC_TAGS = ("manylinux2014", "manylinux_2_17", "manylinux_2_28", "manylinux_2_34")
MACHINE = {"x86_64": "x86_64", "arm64": "aarch64"}
EXCLUDED_DIRS = {"__pycache__", "bin"}


def runtime_requirements() -> list[str]:
    project = tomllib.loads((REPO / "python" / "pyproject.toml").read_text())["project"]
    return list(project["dependencies"])


def install(target: Path, python_version: str, arch: str) -> None:
    platforms = [arg for tag in GLIBC_TAGS for arg in ("--platform", f"{tag}_{MACHINE[arch]}")]
    command = [
        sys.executable,
        "-m",
        "pip",
        "install",
        "--quiet",
        "--disable-pip-version-check",
        "--no-compile",
        "--only-binary=:all:",
        "--implementation",
        "cp",
        "--python-version",
        python_version,
        *platforms,
        "--constraint",
        str(REPO / "requirements-dev.txt"),
        "--target",
        str(target),
        *runtime_requirements(),
    ]
    subprocess.run(command, check=True)


def _shipped(path: Path) -> bytes:
    """A file's bytes as shipped. A wheel's RECORD also lists its console scripts
    (``../../bin/...``), whose hashes cover a shebang naming this machine's
    interpreter; the scripts are not shipped, so neither are those lines."""
    data = path.read_bytes()
    if path.name != "RECORD" or not path.parent.name.endswith(".dist-info"):
        return data
    lines = data.decode("utf-8").splitlines(keepends=True)
    return "".join(line for line in lines if not line.startswith("../")).encode("utf-8")


def deterministic_zip(source: Path, output: Path, prefix: str) -> None:
    """Zip ``source`` under ``prefix`` with sorted entries and fixed metadata."""
    names = sorted(
        path.relative_to(source).as_posix()  # sorted as the names appear in the archive
        for path in source.rglob("*")
        if path.is_file() and not EXCLUDED_DIRS & set(path.relative_to(source).parts)
    )
    files = [source / name for name in names]
    output.parent.mkdir(parents=True, exist_ok=True)
    partial = output.with_suffix(".partial")
    with zipfile.ZipFile(partial, "w") as archive:
        for path in files:
            info = zipfile.ZipInfo(f"{prefix}/{path.relative_to(source).as_posix()}", FIXED_TIME)
            info.external_attr = (0o100755 if path.stat().st_mode & 0o111 else 0o100644) << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            info.create_system = 3  # Unix, so the modes above apply on extraction
            archive.writestr(info, _shipped(path), compresslevel=9)
    partial.replace(output)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--python", default="3.12", choices=["3.12", "3.13"], help="Lambda Python runtime version")
    parser.add_argument("--arch", default="x86_64", choices=sorted(MACHINE), help="Lambda architecture")
    parser.add_argument("--output", type=Path, default=REPO / "build" / "layer" / "dependencies.zip")
    args = parser.parse_args(argv)

    with tempfile.TemporaryDirectory(prefix="bedrock-tenant-layer-") as scratch:
        target = Path(scratch) / "python"
        install(target, args.python, args.arch)
        deterministic_zip(target, args.output, "python")
        shutil.rmtree(target)
    digest = hashlib.sha256(args.output.read_bytes()).hexdigest()
    size = args.output.stat().st_size
    print(f"{args.output}: {size / 1_048_576:.1f} MiB, sha256 {digest}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
