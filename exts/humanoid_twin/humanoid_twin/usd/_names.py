"""Names in USD: URDF names are free text, prim names must be identifiers."""

from __future__ import annotations

from collections.abc import Iterable

from ._pxr import Tf

__all__ = ["NameTable"]


class NameTable:
    """Hands out valid, unique prim names among one set of siblings.

    A name that is not a valid identifier is sanitised with ``Tf.MakeValidIdentifier``; a clash is
    resolved with the suffixes ``_1``, ``_2``… The original name is kept by the caller on the prim.
    """

    def __init__(self, reserved: Iterable[str] = ()) -> None:
        self._used: set[str] = set(reserved)

    def take(self, original: str, fallback: str = "prim") -> str:
        base = original if Tf.IsValidIdentifier(original) else Tf.MakeValidIdentifier(original or fallback)
        if not base or not Tf.IsValidIdentifier(base):
            base = fallback
        name, i = base, 0
        while name in self._used:
            i += 1
            name = f"{base}_{i}"
        self._used.add(name)
        return name
