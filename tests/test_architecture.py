"""The layout is the architecture: runtimes are imported only by their adapter."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PKG = Path(__file__).resolve().parents[1] / "exts" / "humanoid_twin" / "humanoid_twin"

# top-level module -> the subpackages allowed to import it
ADAPTERS: dict[str, tuple[str, ...]] = {
    "omni": ("kit",),
    "carb": ("kit",),
    "isaacsim": ("kit",),
    "pxr": ("usd", "kit"),
    "mujoco": ("physics", "emulator", "scenarios", "maintenance", "data", "control"),
    "rclpy": ("ros", "emulator"),  # the emulator is its own ROS process (the robot stand-in)
}
CORE = ("model", "urdf", "meshes", "errors.py", "_version.py", "__init__.py")


def _imports(path: Path) -> list[tuple[str, int]]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    out = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            out += [(a.name.split(".")[0], node.lineno) for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            out.append((node.module.split(".")[0], node.lineno))
    return out


SOURCES = sorted(PKG.rglob("*.py"))


def test_sources_found() -> None:
    assert len(SOURCES) > 10


@pytest.mark.parametrize("path", SOURCES, ids=lambda p: str(p.relative_to(PKG)))
def test_runtimes_only_in_their_adapter(path: Path) -> None:
    part = path.relative_to(PKG).parts[0]
    for module, line in _imports(path):
        allowed = ADAPTERS.get(module)
        if allowed is not None:
            assert part in allowed, f"{path.relative_to(PKG)}:{line} imports {module!r} outside {allowed}"


@pytest.mark.parametrize("path", SOURCES, ids=lambda p: str(p.relative_to(PKG)))
def test_library_does_not_print_or_exit(path: Path) -> None:
    rel = path.relative_to(PKG)
    if rel.parts[0] in ("cli.py", "__main__.py", "kit") or rel.parts[0] == "cli":
        return
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            f = node.func
            name = f.id if isinstance(f, ast.Name) else f.attr if isinstance(f, ast.Attribute) else ""
            assert name not in ("print", "exit", "basicConfig"), f"{rel}:{node.lineno} calls {name}()"


def test_core_imports_without_runtimes() -> None:
    """Importing the core in a clean interpreter must not pull in pxr, mujoco, rclpy or Kit."""
    import subprocess
    import sys

    code = (
        "import sys, humanoid_twin, humanoid_twin.model, humanoid_twin.urdf, humanoid_twin.meshes;"
        "bad=[m for m in ('pxr','mujoco','rclpy','omni','carb','isaacsim') if m in sys.modules];"
        "print(bad); sys.exit(1 if bad else 0)"
    )
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stdout + r.stderr
