"""The Kit extension: its metadata checked here; its runtime only inside Isaac Sim (skipped elsewhere)."""

from __future__ import annotations

import ast
import re
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
EXT = ROOT / "exts" / "humanoid_twin"
KIT_PROVIDES = {"numpy"}
"""Runtime dependencies Kit's Python already has (``pxr`` too, which is an extra here)."""
CLI_ONLY = {"typer", "rich"}
"""Runtime dependencies only ``cli.py`` imports (the Kit panel never loads it)."""


def _dist(requirement: str) -> str:
    return re.split(r"[<>=!~;\[ ]", requirement, maxsplit=1)[0].strip().lower()


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
    # Kit's test runner: a non-public tests sub-module and a [[test]] table
    tests = [m for m in data["python"]["module"] if m["name"] == "humanoid_twin.kit.tests"]
    assert tests and tests[0].get("public") is False
    assert data["test"], "no [[test]] table"


def test_kit_installs_the_core_dependencies_it_lacks() -> None:
    ext = tomllib.loads((EXT / "config" / "extension.toml").read_text())
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    needed = {_dist(d) for d in project["dependencies"]} - KIT_PROVIDES - CLI_ONLY
    assert {_dist(d) for d in ext["python"]["pipapi"]["requirements"]} == needed


def test_only_the_cli_imports_the_cli_stack() -> None:
    pkg = EXT / "humanoid_twin"
    for path in pkg.rglob("*.py"):
        if path == pkg / "cli.py":
            continue
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            names = (
                [a.name for a in node.names]
                if isinstance(node, ast.Import)
                else [node.module or ""]
                if isinstance(node, ast.ImportFrom) and node.level == 0
                else []
            )
            for name in names:
                assert name.split(".")[0] not in CLI_ONLY, f"{path.relative_to(ROOT)} imports {name}"


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
