"""Test helper: load our USD asset in Newton (CPU) and read body poses by URDF link name.

Newton facts this relies on (newton 1.8): ``ModelBuilder.add_usd`` orders joints depth-first by
default; a floating articulation gets an extra FREE joint (labelled ``joint_<n>``, not a prim);
``model.body_label`` / ``model.joint_label`` are prim paths; ``joint_q`` of a FREE joint is
``(px, py, pz, qx, qy, qz, qw)`` (scalar *last*), revolute coordinates are in radians (USD stores
degrees); ``state.body_q`` rows are ``(px, py, pz, qx, qy, qz, qw)`` in float32.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from humanoid_twin.model import Pose, RobotModel
from humanoid_twin.model.transforms import QuatWXYZ, quat_wxyz_to_xyzw, quat_xyzw_to_wxyz


class NewtonRobot:
    """A robot's USD asset loaded in Newton on the CPU."""

    def __init__(self, asset, model: RobotModel) -> None:  # asset: humanoid_twin.usd.UsdAsset
        import newton
        import warp as wp

        self._newton, self._wp = newton, wp
        builder = newton.ModelBuilder()
        builder.add_usd(str(asset.path))
        self.model = builder.finalize(device="cpu")
        self.state = self.model.state()
        body_of_path = {path: link for link, path in asset.link_paths.items()}
        self.bodies: dict[str, int] = {}
        for i, label in enumerate(self.model.body_label):
            if label in body_of_path:
                self.bodies[body_of_path[label]] = i
        joint_of_path = {f"{asset.prim_path}/joints/{prim}": urdf for urdf, prim in asset.joint_names.items()}
        jt = newton.JointType
        types = self.model.joint_type.numpy()
        starts = self.model.joint_q_start.numpy()
        self.q_start: dict[str, int] = {}
        self.free_start: int | None = None
        for i, label in enumerate(self.model.joint_label):
            if types[i] == jt.FREE and label not in joint_of_path:
                self.free_start = int(starts[i])
            elif types[i] in (jt.REVOLUTE, jt.PRISMATIC) and label in joint_of_path:
                self.q_start[joint_of_path[label]] = int(starts[i])
        self.joint_count = len(self.model.joint_label)
        q0 = self.model.joint_q.numpy().astype(np.float64)
        self.free_q0 = (
            q0[self.free_start : self.free_start + 7].copy() if self.free_start is not None else None
        )
        """The free joint's coordinates as loaded: the base where the asset puts it."""
        self.urdf_joints = {j.name for j in model.joints if j.type.is_actuated_1dof}

    def body_poses(
        self, q: Mapping[str, float], base: Pose | None = None
    ) -> dict[str, tuple[np.ndarray, QuatWXYZ]]:
        """``world_T_link`` as (position [m], quaternion (w, x, y, z)) of every body, after ``eval_fk``.

        ``base`` is ``world_T_root`` of a floating robot; None keeps the base where the asset puts it.
        """
        joint_q = self.model.joint_q.numpy().copy()
        joint_q[:] = 0.0
        for name, value in q.items():
            joint_q[self.q_start[name]] = value
        if self.free_start is not None:
            a = self.free_start
            if base is None:
                joint_q[a : a + 7] = self.free_q0
            else:
                joint_q[a : a + 3] = base.position
                joint_q[a + 3 : a + 7] = quat_wxyz_to_xyzw(base.quat)
        wp = self._wp
        jq = wp.array(joint_q, dtype=wp.float32, device="cpu")
        self._newton.eval_fk(self.model, jq, self.model.joint_qd, self.state)
        body_q = self.state.body_q.numpy().astype(np.float64)
        out = {}
        for link, i in self.bodies.items():
            row = body_q[i]
            out[link] = (row[:3].copy(), quat_xyzw_to_wxyz((row[3], row[4], row[5], row[6])))
        return out
