"""The exception tree's helpers."""

from __future__ import annotations

import pytest

from humanoid_twin.errors import ConfigError, DescriptionError, MeshError, named_after


def test_named_after_prefixes_once_and_only_the_kinds_asked() -> None:
    with pytest.raises(ConfigError, match=r"^twin.toml: \[twin\] feet: no link 'x'$"):
        with named_after("twin.toml", "twin"):
            raise ConfigError("feet: no link 'x'")
    with pytest.raises(ConfigError, match=r"^twin.toml: already named$"):  # not twice
        with named_after("twin.toml", "twin"):
            raise ConfigError("twin.toml: already named")
    with pytest.raises(DescriptionError, match=r"^nope.urdf: file not found$"):  # no file: as it was
        with named_after(None, "robot"):
            raise DescriptionError("file not found", file="nope.urdf")
    with pytest.raises(MeshError, match=r"^pelvis.stl: malformed$"):  # the robot's, not [twin]'s
        with named_after("twin.toml", "twin", (ConfigError,)):
            raise MeshError("malformed", file="pelvis.stl")
