"""The temporary-file helper behind every atomic write (USD layers, maintenance reports)."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from humanoid_twin._files import temp_beside


@pytest.mark.parametrize("mask", [0o022, 0o077, 0o002])
def test_temp_file_gets_the_permissions_open_would_give(tmp_path: Path, mask: int) -> None:
    old = os.umask(mask)
    try:
        tmp = temp_beside(tmp_path / "report.json")
    finally:
        os.umask(old)
    assert tmp.parent == tmp_path and tmp.name.startswith(".report.json.") and tmp.name.endswith(".tmp")
    assert tmp.read_bytes() == b""
    assert stat.S_IMODE(tmp.stat().st_mode) == 0o666 & ~mask


def test_suffix_is_kept_and_names_do_not_collide(tmp_path: Path) -> None:
    a = temp_beside(tmp_path / "robot.usda", suffix=".usda")
    b = temp_beside(tmp_path / "robot.usda", suffix=".usda")
    assert a != b and a.suffix == b.suffix == ".usda"


def test_missing_folder_is_an_os_error(tmp_path: Path) -> None:
    with pytest.raises(OSError):
        temp_beside(tmp_path / "missing" / "x.json")
