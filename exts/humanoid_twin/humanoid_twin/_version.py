"""The package version, read from the one place it lives: ``config/extension.toml``.

A pip install records it in the distribution metadata (setup.py reads the toml); inside Kit the
extension folder is on disk next to the package, so the toml is read directly.
"""

from __future__ import annotations

import tomllib
from importlib import metadata
from pathlib import Path

EXTENSION_TOML = Path(__file__).resolve().parent.parent / "config" / "extension.toml"


def _read() -> str:
    if EXTENSION_TOML.is_file():
        return str(tomllib.loads(EXTENSION_TOML.read_text(encoding="utf-8"))["package"]["version"])
    try:
        return metadata.version("humanoid-twin")
    except metadata.PackageNotFoundError:  # pragma: no cover - neither installed nor in a checkout
        return "0+unknown"


__version__ = _read()
