"""Terrain geoms: placement, collision bits, and that their friction is the one in effect."""

from __future__ import annotations

import numpy as np
import pytest

from humanoid_twin.errors import ConfigError
from humanoid_twin.physics.mujoco import Terrain, add_terrain, build_spec
from humanoid_twin.physics.mujoco.terrain import Patch, Slope, Stairs

mujoco = pytest.importorskip("mujoco")


def test_stairs_geometry_and_bits(robot: object) -> None:
    spec = build_spec(robot, floor=True)  # type: ignore[arg-type]
    add_terrain(spec, Terrain(stairs=(Stairs(3, 0.1, 0.3, start_x=1.0, friction=(1.0, 0.1, 1.0)),)))
    m = spec.compile()
    d = mujoco.MjData(m)
    mujoco.mj_forward(m, d)
    floor = mujoco.mj_name2id(m, mujoco.mjtObj.mjOBJ_GEOM, "floor")
    for k in (1, 2, 3):
        g = mujoco.mj_name2id(m, mujoco.mjtObj.mjOBJ_GEOM, f"terrain_stairs0_step{k}")
        top = d.geom_xpos[g][2] + m.geom_size[g][2]
        front = d.geom_xpos[g][0] - m.geom_size[g][0]
        assert top == pytest.approx(0.1 * k)
        assert front == pytest.approx(1.0 + 0.3 * (k - 1))
        assert (m.geom_contype[g], m.geom_conaffinity[g]) == (
            m.geom_contype[floor],
            m.geom_conaffinity[floor],
        )
        assert m.geom_priority[g] > 0
    g2 = mujoco.mj_name2id(m, mujoco.mjtObj.mjOBJ_GEOM, "terrain_stairs0_step2")
    assert m.geom_friction[g2][0] == pytest.approx(0.1)


def _slides(friction: float) -> float:
    """x travel [m] of a 1 kg box (friction 1) pushed with 0.5 g for 0.5 s on a patch."""
    spec = mujoco.MjSpec()
    spec.worldbody.add_geom(type=mujoco.mjtGeom.mjGEOM_PLANE, size=[0, 0, 1], contype=2, conaffinity=1)
    body = spec.worldbody.add_body(pos=[0, 0, 0.06])
    body.add_freejoint()
    body.add_geom(type=mujoco.mjtGeom.mjGEOM_BOX, size=[0.05, 0.05, 0.05], mass=1.0, contype=1, conaffinity=2)
    add_terrain(spec, Terrain(patches=(Patch(-1, 1, -1, 1, friction=friction),)))
    m = spec.compile()
    d = mujoco.MjData(m)
    for _ in range(int(0.5 / m.opt.timestep)):
        d.xfrc_applied[1, 0] = 0.5 * 9.81
        mujoco.mj_step(m, d)
    return float(d.qpos[0])


def test_patch_friction_wins_over_the_robots() -> None:
    assert _slides(0.1) > 0.2  # slips: μ 0.1 < 0.5
    assert abs(_slides(1.0)) < 0.01  # holds


def test_slope_top_is_at_its_height(robot: object) -> None:
    spec = build_spec(robot)  # type: ignore[arg-type]
    sl = Slope(angle=0.1, start_x=1.0, length=2.0)
    add_terrain(spec, Terrain(slopes=(sl,)))
    m = spec.compile()
    d = mujoco.MjData(m)
    mujoco.mj_forward(m, d)
    g = mujoco.mj_name2id(m, mujoco.mjtObj.mjOBJ_GEOM, "terrain_slope0_top")
    assert d.geom_xpos[g][2] + m.geom_size[g][2] == pytest.approx(sl.height)
    # a ray straight down hits the ramp's surface at the right height mid-way
    geomid = np.zeros(1, dtype=np.int32)
    dist = mujoco.mj_ray(m, d, np.array([2.0, 0.0, 5.0]), np.array([0.0, 0.0, -1.0]), None, 1, -1, geomid)
    assert 5.0 - dist == pytest.approx(np.tan(0.1) * 1.0, abs=1e-6)


@pytest.mark.parametrize(
    "make",
    [
        lambda: Stairs(0, 0.1, 0.3, 0.0),
        lambda: Stairs(2, 0.1, 0.3, 0.0, friction=(1.0,)),
        lambda: Slope(angle=1.2, start_x=0.0, length=1.0),
        lambda: Patch(1.0, 0.0, 0.0, 1.0, friction=0.1),
        lambda: Terrain(stairs=("x",)),  # type: ignore[arg-type]
    ],
)
def test_bad_terrain_is_refused(make: object) -> None:
    with pytest.raises(ConfigError):
        make()  # type: ignore[operator]
