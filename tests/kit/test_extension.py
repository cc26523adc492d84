"""The Kit extension: its metadata checked here; its runtime only inside Isaac Sim (skipped elsewhere)."""

from __future__ import annotations

import ast
import tomllib
from pathlib import Path

import pytest

EXT = Path(__file__).resolve().parents[2] / "exts" / "humanoid_twin"


def test_extension_toml_follows_kit_conventions() -> None:
    data = tomllib.loads((EXT / "config" / "extension.toml").read_text())
    pkg = data["package"]
    for key in ("version", "title", "description", "category", "keywords", "readme", "changelog"):
        assert key in pkg, key
    modules = [m["name"] for m in data["python"]["module"]]
    # each python.module name maps to <ext>/<a>/<b>/__init__.py (Kit's layout)
    for name in modules:
        assert (EXT.joinpath(*name.split(".")) / "__init__.py").is_file(), name
    assert data["core"]["reloadable"] is False


def test_extension_class_is_an_iext_with_startup_and_shutdown() -> None:
    tree = ast.parse((EXT / "humanoid_twin" / "kit" / "extension.py").read_text())
    classes = {n.name: n for n in ast.walk(tree) if isinstance(n, ast.ClassDef)}
    ext = classes["HumanoidTwinExtension"]
    assert any(ast.unparse(b) == "omni.ext.IExt" for b in ext.bases)
    methods = {n.name for n in ext.body if isinstance(n, ast.FunctionDef)}
    assert {"on_startup", "on_shutdown"} <= methods


@pytest.mark.kit
def test_extension_starts_in_kit() -> None:
    pytest.importorskip("omni.ext", reason="needs NVIDIA Isaac Sim / Kit")
    from humanoid_twin.kit import HumanoidTwinExtension

    ext = HumanoidTwinExtension()
    ext.on_startup("humanoid_twin-0.1.0")
    ext.on_shutdown()
