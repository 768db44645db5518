"""The dependency layer: complete for the runtime, and reproducible byte for byte."""

from __future__ import annotations

import hashlib
import subprocess
import sys
import zipfile
from pathlib import Path

from tests.toolchain import REPO


def test_two_clean_builds_are_identical(layer_zip: Path, tmp_path: Path) -> None:
    second = tmp_path / "again.zip"
    subprocess.run(
        [sys.executable, str(REPO / "tools" / "build_layer.py"), "--output", str(second)],
        check=True,
        capture_output=True,
        timeout=900,
    )
    assert hashlib.sha256(layer_zip.read_bytes()).hexdigest() == hashlib.sha256(second.read_bytes()).hexdigest()


def test_layer_names_nothing_of_the_build_machine(layer_zip: Path) -> None:
    # Builds in different checkouts must match: no interpreter path, no checkout path.
    with zipfile.ZipFile(layer_zip) as archive:
        records = [archive.read(name) for name in archive.namelist() if name.endswith(".dist-info/RECORD")]
        everything = b"".join(archive.read(name) for name in archive.namelist())
    assert records
    assert not any(line.startswith(b"../") for record in records for line in record.splitlines())
    for local in (str(REPO), sys.executable, str(Path(sys.executable).resolve())):
        assert local.encode() not in everything


def test_layer_holds_the_runtime_dependencies_for_lambda(layer_zip: Path) -> None:
    with zipfile.ZipFile(layer_zip) as archive:
        infos = archive.infolist()
    names = {info.filename for info in infos}
    top = {name.split("/")[1] for name in names}
    assert {"langchain_aws", "langchain_core", "boto3", "botocore", "pydantic", "pydantic_core"} <= top
    assert all(name.startswith("python/") for name in names)  # Lambda adds /opt/python to sys.path
    assert not any("__pycache__" in name or name.endswith(".pyc") for name in names)
    assert not any(name.startswith("python/bin/") for name in names)
    assert {info.date_time for info in infos} == {(1980, 1, 1, 0, 0, 0)}
    assert [info.filename for info in infos] == sorted(info.filename for info in infos)
    # Compiled extensions are built for Linux x86_64, CPython 3.12.
    extensions = [name for name in names if name.endswith(".so")]
    assert any("cpython-312-x86_64-linux-gnu" in name for name in extensions)
    assert not any("darwin" in name or "win_amd64" in name for name in extensions)
    unpacked = sum(info.file_size for info in infos)
    assert unpacked < 250 * 1024 * 1024  # Lambda's limit for function plus layers, unzipped
