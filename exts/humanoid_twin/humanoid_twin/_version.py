"""The package version, read from the one place it lives: ``config/extension.toml``.

In a checkout, an editable install and inside Kit the extension folder is on disk next to the package, so
the toml is read directly; a built wheel carries the ``VERSION`` file setup.py writes from the toml (and
the distribution metadata, the last resort).
"""

from __future__ import annotations

import tomllib
from pathlib import Path

EXTENSION_TOML = Path(__file__).resolve().parent.parent / "config" / "extension.toml"
BUILT_VERSION = Path(__file__).resolve().parent / "VERSION"
"""Written by setup.py into a built wheel, which has no extension folder around the package."""


def _read() -> str:
    if EXTENSION_TOML.is_file():
        return str(tomllib.loads(EXTENSION_TOML.read_text(encoding="utf-8"))["package"]["version"])
    if BUILT_VERSION.is_file():
        return BUILT_VERSION.read_text(encoding="utf-8").strip()
    from importlib import metadata  # only for an installed wheel: it costs ~20 ms to import

    try:
        return metadata.version("humanoid-twin")
    except metadata.PackageNotFoundError:  # pragma: no cover - neither installed nor in a checkout
        return "0+unknown"


__version__ = _read()
