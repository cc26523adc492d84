"""Temporary files beside their target, for writes that must leave no half-written file: write the
temporary file, then ``os.replace`` it onto the target."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

__all__ = ["stage_text", "temp_beside", "write_text_atomic"]


def temp_beside(target: Path, suffix: str = ".tmp") -> Path:
    """A new, empty file in ``target``'s folder, named after it (hidden, random part, ``suffix``),
    with the permissions a plain ``open`` would give it (``0o666`` less the umask; ``mkstemp`` alone
    makes it ``0o600``, and the renamed result would stay unreadable to anyone else).

    Raises:
        OSError: the folder is missing or not writable.
    """
    fd, name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=suffix, dir=target.parent)
    os.close(fd)
    mask = os.umask(0)
    os.umask(mask)
    os.chmod(name, 0o666 & ~mask)
    return Path(name)


def write_text_atomic(target: Path, text: str) -> None:
    """Write ``text`` (UTF-8) to ``target`` through a temporary file beside it, making missing parent
    folders: the target is either the old file or the whole new one.

    Raises:
        OSError: the folder cannot be made or written.
    """
    tmp = stage_text(target, text)
    try:
        os.replace(tmp, target)
    finally:
        tmp.unlink(missing_ok=True)


def stage_text(target: Path, text: str) -> Path:
    """``text`` (UTF-8) in a new temporary file beside ``target`` (missing parent folders made), for
    the caller to ``os.replace`` onto ``target`` once everything else it writes succeeded.

    Raises:
        OSError: the folder cannot be made or written (no temporary file is left).
    """
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = temp_beside(target)
    try:
        tmp.write_text(text, encoding="utf-8")
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return tmp
