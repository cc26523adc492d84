"""Packaging: one version, one public front door."""

from __future__ import annotations

import importlib
import shutil
import subprocess
import sys
import tomllib
import zipfile
from importlib import metadata
from pathlib import Path

import pytest

import humanoid_twin

ROOT = Path(__file__).resolve().parents[1]
TOML = ROOT / "exts" / "humanoid_twin" / "config" / "extension.toml"


def test_version_agrees_with_extension_toml() -> None:
    toml_version = tomllib.loads(TOML.read_text())["package"]["version"]
    assert humanoid_twin.__version__ == toml_version
    assert metadata.version("humanoid-twin") == toml_version


def test_a_built_wheel_carries_the_version(tmp_path: Path) -> None:
    """Installed from a wheel there is no extension folder: the build writes ``humanoid_twin/VERSION``,
    which the package reads (without importing importlib.metadata, ~20 ms of every CLI call)."""
    build = ROOT / "build"  # setuptools builds in the tree: leave no stale build/ behind
    existed = build.exists()
    try:
        r = subprocess.run(
            [sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--disable-pip-version-check",
             "-w", str(tmp_path), str(ROOT)],
            capture_output=True, text=True, check=False,
        )  # fmt: skip
    finally:
        if not existed:
            shutil.rmtree(build, ignore_errors=True)
    assert r.returncode == 0, r.stderr[-2000:]
    (wheel,) = tmp_path.glob("humanoid_twin-*.whl")
    with zipfile.ZipFile(wheel) as z:
        built = z.read("humanoid_twin/VERSION").decode().strip()
    assert built == tomllib.loads(TOML.read_text())["package"]["version"]


def test_version_read_from_the_built_file_without_the_toml(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from humanoid_twin import _version

    monkeypatch.setattr(_version, "EXTENSION_TOML", tmp_path / "missing.toml")
    monkeypatch.setattr(_version, "BUILT_VERSION", tmp_path / "VERSION")
    (tmp_path / "VERSION").write_text("9.8.7\n")
    assert _version._read() == "9.8.7"
    (tmp_path / "VERSION").unlink()
    assert _version._read() == metadata.version("humanoid-twin")


def test_extension_toml_names_the_package() -> None:
    data = tomllib.loads(TOML.read_text())
    names = (
        [m["name"] for m in data["python.module"]]
        if "python.module" in data
        else [m["name"] for m in data["python"]["module"]]
    )
    assert "humanoid_twin" in names
    assert "humanoid_twin.kit" in names
    for key in ("readme", "changelog"):
        assert (TOML.parent.parent / data["package"][key]).is_file()


@pytest.mark.parametrize(
    "module",
    [
        "humanoid_twin",
        "humanoid_twin.model",
        "humanoid_twin.urdf",
        "humanoid_twin.meshes",
        "humanoid_twin.usd",
        "humanoid_twin.physics.mujoco",
    ],
)
def test_every_public_name_imports(module: str) -> None:
    mod = importlib.import_module(module)
    assert mod.__all__
    for name in mod.__all__:
        assert getattr(mod, name) is not None, f"{module}.{name}"


def test_py_typed_shipped() -> None:
    assert (Path(humanoid_twin.__file__).parent / "py.typed").is_file()
