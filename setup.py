"""Packaging shim: the version lives in exts/humanoid_twin/config/extension.toml (Isaac Lab's pattern)."""

import pathlib
import tomllib

from setuptools import setup

_TOML = pathlib.Path(__file__).parent / "exts" / "humanoid_twin" / "config" / "extension.toml"
setup(version=tomllib.loads(_TOML.read_text(encoding="utf-8"))["package"]["version"])
