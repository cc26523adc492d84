"""Packaging: one version, one public front door."""

from __future__ import annotations

import importlib
import tomllib
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
