"""Packaging shim: the version lives in exts/humanoid_twin/config/extension.toml (Isaac Lab's pattern).

A built wheel has no extension folder around the package, so the build also writes the version into
``humanoid_twin/VERSION``, which ``humanoid_twin._version`` reads without importing ``importlib.metadata``.
"""

import pathlib
import tomllib

from setuptools import setup
from setuptools.command.build_py import build_py

_TOML = pathlib.Path(__file__).parent / "exts" / "humanoid_twin" / "config" / "extension.toml"
_VERSION = tomllib.loads(_TOML.read_text(encoding="utf-8"))["package"]["version"]


class _BuildPy(build_py):
    def run(self) -> None:
        super().run()
        if not self.dry_run:
            target = pathlib.Path(self.build_lib) / "humanoid_twin" / "VERSION"
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(_VERSION + "\n", encoding="utf-8")


setup(version=_VERSION, cmdclass={"build_py": _BuildPy})
