"""Acceptance of the walking gait: plan with placo, run open loop in MuJoCo with the nominal model."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest

from humanoid_twin.control import (
    WALK_OPTIONS,
    WALK_TIMESTEP,
    Route,
    WalkParams,
    WalkPlan,
    plan_walk,
    polygon_margin,
    simulate_walk,
)
from humanoid_twin.errors import ConfigError
from humanoid_twin.model import RobotModel
from humanoid_twin.robots import humanoid

pytest.importorskip("placo")
pytest.importorskip("mujoco")


def _yaw(quat: np.ndarray) -> float:
    w, x, y, z = quat
    return math.atan2(2 * (w * z + x * y), 1 - 2 * (y * y + z * z))


def test_plan_layout(flat_plan: WalkPlan) -> None:
    p = flat_plan
    t = len(p.times)
    assert p.joint_names == humanoid.JOINT_NAMES
    assert p.q.shape == (t, 27) and p.base.shape == (t, 7) and p.feet.shape == (t, 2, 7)
    assert p.com.shape == (t, 3) and p.zmp.shape == (t, 2) and p.contact.shape == (t, 2)
    assert p.polygon.shape == (t, 8, 2)
    assert np.allclose(np.diff(p.times), p.dt)
    assert not p.q.flags.writeable
    # joint limits respected by the IK
    limits = {j.name: (j.lower, j.upper) for j in humanoid.load_humanoid().actuated_joints}
    lo = np.array([limits[n][0] for n in p.joint_names])
    hi = np.array([limits[n][1] for n in p.joint_names])
    assert np.all(p.q >= lo - 1e-3) and np.all(p.q <= hi + 1e-3)
    # at least one foot always in stance, and the swing alternates
    assert np.all(p.contact.any(axis=1))
    sides = [f.side for f in p.footsteps]
    assert all(a != b for a, b in itertools.pairwise(sides))
    # the walk covers 10 m in steps no longer than the stride
    xs = [f.position[0] for f in p.footsteps]
    assert max(xs) == pytest.approx(10.0)
    assert max(np.diff(sorted(xs))) <= 2 * p.params.step_length + 1e-9


def test_targets_at_interpolates_and_holds(flat_plan: WalkPlan) -> None:
    p = flat_plan
    assert np.allclose(p.targets_at(-1.0), p.q[0])
    assert np.allclose(p.targets_at(p.times[10]), p.q[10])
    mid = p.targets_at(0.5 * (p.times[10] + p.times[11]))
    assert np.allclose(mid, 0.5 * (p.q[10] + p.q[11]))
    assert np.allclose(p.targets_at(p.duration + 5.0), p.q[-1])
    # reordering for a backend
    backend_order = tuple(j.name for j in humanoid.load_humanoid().actuated_joints)
    qb = p.q_for(backend_order)
    assert np.allclose(qb[:, backend_order.index("neck_pitch")], p.q[:, p.joint_names.index("neck_pitch")])
    with pytest.raises(ConfigError, match="nope"):
        p.q_for(("nope",))


def test_planned_zmp_stays_in_the_support_polygon(flat_plan: WalkPlan) -> None:
    p = flat_plan
    margins = np.array([polygon_margin(p.polygon[i], p.zmp[i]) for i in range(0, len(p.times), 5)])
    assert np.percentile(margins, 2) > -0.01
    assert p.planning_time < 30.0


@pytest.mark.slow
def test_walks_ten_metres_on_flat_ground(robot: RobotModel, flat_plan: WalkPlan) -> None:
    res = simulate_walk(robot, flat_plan, settle=2.0)
    assert not res.fell, f"fell at {res.fall_time}"
    assert res.distance >= 10.0
    assert res.displacement[0] >= 9.5
    assert math.degrees(float(res.tilt.max())) < 30.0
    # stopped: at rest and upright 2 s after the plan ends
    assert np.linalg.norm(res.base_velocity[-1, :3]) < 0.05
    assert math.degrees(float(res.tilt[-1])) < 10.0
    assert res.tau is not None and res.foot_force is not None
    peak = np.abs(res.tau).max(axis=0)
    effort = {j.name: j.limit.effort for j in robot.actuated_joints if j.limit is not None}
    assert np.all(peak <= np.array([effort[n] for n in res.joint_names]) * 1.0 + 1e-6)
    # the whole weight is carried by the feet when standing at the end
    weight = sum(lk.inertial.mass for lk in robot.links if lk.inertial is not None) * 9.81
    assert res.foot_force[-1].sum() == pytest.approx(weight, rel=0.05)


@pytest.mark.slow
def test_turns_a_quarter_turn_and_stops(robot: RobotModel, turn_plan: WalkPlan) -> None:
    res = simulate_walk(robot, turn_plan, settle=2.0)
    assert not res.fell, f"fell at {res.fall_time}"
    assert abs(_yaw(res.base[-1, 3:]) - _yaw(res.base[0, 3:])) >= math.radians(90.0)
    assert res.base[-1, 1] > 0.5  # walked on to the left after turning
    assert np.linalg.norm(res.base_velocity[-1, :3]) < 0.05
    assert math.degrees(float(res.tilt[-1])) < 10.0


@pytest.mark.slow
def test_walks_twenty_percent_faster(robot: RobotModel) -> None:
    base = WalkParams()
    fast = base.scaled(1.2)
    plan = plan_walk(robot, fast, Route().walk(5.0))
    res = simulate_walk(robot, plan, settle=1.0)
    assert not res.fell, f"fell at {res.fall_time}"
    assert res.displacement[0] >= 4.8
    walking = [ph for ph in plan.phases if ph.stance != "both"]
    assert fast.speed == pytest.approx(1.2 * base.speed)
    assert walking[0].t_end - walking[0].t_start == pytest.approx(base.single_support, abs=0.011)


def test_stairs_plan_puts_each_foot_on_a_tread(stairs_plan: WalkPlan) -> None:
    p = stairs_plan
    (st,) = p.stairs
    terrain = p.terrain(friction=0.3)
    (ts,) = terrain.stairs
    assert (ts.n, ts.rise, ts.tread, ts.start_x) == (3, 0.1, 0.3, pytest.approx(st.start[0]))
    for f in p.footsteps:
        x, _, z = f.position
        heel, toe = x + p.foot.heel, x + p.foot.toe
        k = round(z / 0.1)
        if k == 0:
            assert toe < ts.start_x
        else:
            lo = ts.start_x + (k - 1) * ts.tread
            assert lo < heel and toe < lo + max(ts.tread, 0.6)
    assert p.footsteps[-1].position[2] == pytest.approx(0.3)
    # the CoM reference rises with the ground
    assert p.com[-1, 2] == pytest.approx(p.params.com_height + 0.3, abs=0.01)


@pytest.mark.slow
def test_climbs_three_steps(robot: RobotModel, stairs_plan: WalkPlan) -> None:
    res = simulate_walk(robot, stairs_plan, settle=2.0)
    assert not res.fell, f"fell at {res.fall_time}"
    assert res.feet is not None and res.foot_force is not None
    # both feet flat on the top step (0.3 m), on its tread, carrying the weight, upright and at rest
    assert np.all(np.abs(res.feet[-1, :, 2] - 0.3) < 0.01)
    (st,) = stairs_plan.stairs
    assert np.all(res.feet[-1, :, 0] + stairs_plan.foot.heel > st.start[0] + 2 * st.tread)
    weight = sum(lk.inertial.mass for lk in robot.links if lk.inertial is not None) * 9.81
    assert res.foot_force[-1].sum() == pytest.approx(weight, rel=0.05)
    assert math.degrees(float(res.tilt.max())) < 15.0
    assert math.degrees(float(res.tilt[-1])) < 5.0
    assert np.linalg.norm(res.base_velocity[-1, :3]) < 0.05


def test_stairs_plan_waits_in_double_support(stairs_plan: WalkPlan) -> None:
    p = stairs_plan
    single = p.params.single_support * p.params.stairs_slowdown
    first_up = min(f.t_land for f in p.footsteps if f.position[2] > 0)
    both = [ph for ph in p.phases if ph.stance == "both" and first_up <= ph.t_start < p.footsteps[-1].t_land]
    assert both and all(
        ph.t_end - ph.t_start >= p.params.stairs_double_support_ratio * single - 0.05 for ph in both
    )
    # the CoM rises with the trailing foot only: still at the lower height while it is on the floor
    i = round(first_up / p.dt) + 5
    assert p.com[i, 2] == pytest.approx(p.params.com_height, abs=0.02)


@pytest.mark.slow
def test_runs_through_the_backend_rollout(robot: RobotModel) -> None:
    from humanoid_twin.physics.mujoco import MujocoBackend

    plan = plan_walk(robot, WalkParams(), Route().walk(1.0))
    backend = MujocoBackend(robot, WALK_OPTIONS, timestep=WALK_TIMESTEP, nthread=0)
    res = simulate_walk(robot, plan, backend=backend)
    assert not res.fell
    assert res.tau is None and res.feet is None
    assert res.displacement[0] > 0.8
    direct = simulate_walk(robot, plan, feet_only_contacts=False)
    assert np.allclose(res.base[-1, :2], direct.base[-1, :2], atol=0.05)
