"""The one exception tree of humanoid_twin.

Every error the library raises on purpose is a :class:`TwinError`. Adapters translate the errors of
the runtimes they wrap (pxr, mujoco, rclpy, XML parsers) with ``raise X(...) from err`` at their
boundary. Messages are one line: they name the file, line, element or value and say what to do.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path

__all__ = [
    "ConfigError",
    "DependencyError",
    "DescriptionError",
    "MeshError",
    "ModelError",
    "PhysicsError",
    "ResolveError",
    "TwinError",
    "UsdError",
    "named_after",
]


class TwinError(Exception):
    """Base of every error humanoid_twin raises on purpose."""


@contextlib.contextmanager
def named_after(
    source: str | None, table: str = "", kinds: tuple[type[TwinError], ...] = (TwinError,)
) -> Iterator[None]:
    """Errors of ``kinds`` raised inside that do not say which config file (and ``[table]``) caused
    them get it in front: ``twin.toml: [robot] nope.urdf: file not found``. ``source`` None leaves
    them as they are. Every error class here takes its message as its one positional argument."""
    try:
        yield
    except kinds as err:
        if source is None or str(err).startswith(source):
            raise
        where = f"{source}: [{table}] " if table else f"{source}: "
        raise type(err)(f"{where}{err}") from err


class ModelError(TwinError):
    """A robot model violates an invariant (names, tree structure, physical consistency)."""


class DescriptionError(TwinError):
    """A robot description file (URDF, xacro, USD) cannot be read.

    The message is prefixed with ``file:line:`` when they are known, the way compilers report.
    """

    def __init__(
        self,
        message: str,
        *,
        file: str | Path | None = None,
        line: int | None = None,
        element: str | None = None,
    ) -> None:
        self.file = str(file) if file is not None else None
        self.line = line
        self.element = element
        self.reason = message
        where = ""
        if self.file is not None:
            where = self.file + (f":{line}" if line is not None else "") + ": "
        what = f"<{element}>: " if element else ""
        super().__init__(f"{where}{what}{message}")


class ResolveError(DescriptionError):
    """A URI (``package://``, relative, ``file://``) cannot be resolved inside the search roots."""


class MeshError(DescriptionError):
    """A mesh file is missing, unsupported or malformed."""


class UsdError(TwinError):
    """A USD stage cannot be written or read."""


class PhysicsError(TwinError):
    """A physics backend cannot build or step the model."""


class ConfigError(TwinError):
    """A configuration value or file is invalid."""


class DependencyError(TwinError):
    """An optional dependency (an extra) is not installed."""

    @classmethod
    def missing(cls, module: str, extra: str) -> DependencyError:
        return cls(
            f"this needs the Python module {module!r}; install it with `pip install 'humanoid-twin[{extra}]'`"
        )
