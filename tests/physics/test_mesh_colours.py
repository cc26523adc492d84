"""MuJoCo mesh geoms take the colour of their file's largest material; a URDF material wins."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

mujoco = pytest.importorskip("mujoco")

from humanoid_twin.physics.mujoco import build_model  # noqa: E402
from humanoid_twin.physics.mujoco._builder import DEFAULT_RGBA  # noqa: E402
from humanoid_twin.urdf import read_urdf  # noqa: E402

DATA = Path(__file__).resolve().parents[1] / "data" / "mesh_colours"


def test_mesh_geoms_take_their_files_dominant_colour() -> None:
    mm = build_model(read_urdf(DATA / "mesh_colours.urdf"), floor=False)

    def rgba(name: str) -> np.ndarray:
        return mm.geom_rgba[mujoco.mj_name2id(mm, mujoco.mjtObj.mjOBJ_GEOM, name)]

    np.testing.assert_allclose(rgba("plate"), [0.8, 0.1, 0.1, 1.0], rtol=1e-6)  # red: 2 m² of 2.5
    np.testing.assert_allclose(rgba("tetra"), [0.9, 0.5, 0.1, 1.0], rtol=1e-6)
    np.testing.assert_allclose(rgba("green_plate"), [0.0, 0.8, 0.0, 1.0])  # the URDF material
    np.testing.assert_allclose(rgba("grey"), DEFAULT_RGBA)  # its .mtl is missing
