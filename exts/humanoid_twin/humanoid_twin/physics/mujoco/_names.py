"""Map the robot's URDF names to MuJoCo ids and state addresses."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from ...errors import PhysicsError
from ...model import ImportOptions, Pose, RobotModel
from ...model.transforms import FloatArray, quat_to_matrix
from ._builder import import_mujoco
from ._plan import plan

__all__ = ["MujocoNames"]


@dataclass(frozen=True)
class MujocoNames:
    """Where each URDF link, joint and actuator of a robot is in a compiled ``mujoco.MjModel``.

    Build it with :meth:`of` from the same :class:`RobotModel` and :class:`ImportOptions` the model
    was built with. All ids are MuJoCo ids; addresses index ``MjData.qpos`` / ``qvel``.
    """

    body: Mapping[str, int]
    """Link name → body id, for links that are MuJoCo bodies (a root named ``world`` is body 0)."""
    site: Mapping[str, int]
    """Link name → site id, for frames merged into their parent body."""
    joints: Mapping[str, tuple[int, ...]]
    """URDF joint name → its MuJoCo joint ids (empty for fixed joints, 3 for planar, 4 for a
    floating joint below the root)."""
    qpos_adr: Mapping[str, int]
    """1-DoF URDF joint name (revolute, continuous, prismatic, mimics included) → ``qpos`` index."""
    qvel_adr: Mapping[str, int]
    """1-DoF URDF joint name → ``qvel`` index."""
    actuator: Mapping[str, int]
    """Actuated joint name → actuator id (none for mimic joints or ``drive_type='none'``)."""
    free_joint: int | None
    """Joint id of the floating base's free joint (the generated one, or a URDF ``floating`` joint
    from a ``world`` root link), None for a fixed base."""
    free_qpos_adr: int | None
    """``qpos`` index of the free joint: position [m] then quaternion ``(w, x, y, z)``."""
    free_qvel_adr: int | None
    """``qvel`` index of the free joint: linear [m/s] then angular [rad/s] velocity."""
    placeholders: tuple[str, ...]
    """Links given a placeholder mass because MuJoCo needs mass on moving bodies."""
    mimics: Mapping[str, tuple[str, float, float]]
    """Mimic joint → ``(leader, multiplier, offset)``: ``q = multiplier · q_leader + offset``."""

    @classmethod
    def of(cls, model: RobotModel, mj_model: Any, options: ImportOptions = ImportOptions()) -> MujocoNames:  # noqa: B008
        """Resolve every name of ``model`` in ``mj_model`` (built by :func:`build_model` with ``options``)."""
        mj = import_mujoco()
        layout = plan(model, options)

        def find(obj: Any, name: str) -> int:
            i = int(mj.mj_name2id(mj_model, obj, name))
            if i < 0:
                raise PhysicsError(
                    f"MuJoCo model has no {obj.name[6:].lower()} {name!r}; was it built from robot "
                    f"{model.name!r} with the same options?"
                )
            return i

        ob = mj.mjtObj
        body = {
            link: find(ob.mjOBJ_BODY, layout.host[link]) for link in layout.host if link not in layout.sites
        }
        site = {link: find(ob.mjOBJ_SITE, link) for link in layout.sites}
        joints = {
            name: tuple(find(ob.mjOBJ_JOINT, mjj.name) for mjj in p.mj_joints)
            for name, p in layout.joints.items()
        }
        qpos: dict[str, int] = {}
        qvel: dict[str, int] = {}
        for j in model.joints:
            if j.type.is_actuated_1dof:
                jid = joints[j.name][0]
                qpos[j.name] = int(mj_model.jnt_qposadr[jid])
                qvel[j.name] = int(mj_model.jnt_dofadr[jid])
        actuator: dict[str, int] = {}
        for j in model.actuated_joints:
            a = int(mj.mj_name2id(mj_model, ob.mjOBJ_ACTUATOR, j.name))
            if a >= 0:
                actuator[j.name] = a
        free_name = layout.free_joint
        if free_name is None and layout.world_root:  # world → floating → base, the MuJoCo way
            kinds = (mjj for p in layout.joints.values() for mjj in p.mj_joints)
            free_name = next((mjj.name for mjj in kinds if mjj.kind == "free"), None)
        free = find(ob.mjOBJ_JOINT, free_name) if free_name is not None else None
        return cls(
            body=body,
            site=site,
            joints=joints,
            qpos_adr=qpos,
            qvel_adr=qvel,
            actuator=actuator,
            free_joint=free,
            free_qpos_adr=int(mj_model.jnt_qposadr[free]) if free is not None else None,
            free_qvel_adr=int(mj_model.jnt_dofadr[free]) if free is not None else None,
            placeholders=layout.placeholders,
            mimics={
                j.name: (j.mimic.joint, j.mimic.multiplier, j.mimic.offset)
                for j in model.joints
                if j.mimic is not None and j.name in qpos
            },
        )

    # ------------------------------------------------------------ state helpers

    def set_joint_positions(self, data: Any, q: Mapping[str, float]) -> None:
        """Write 1-DoF joint positions [rad] or [m] by URDF name into ``data.qpos``.

        Mimic joints not in ``q`` follow their leader (``multiplier · q_leader + offset``, the leader
        read from ``q`` or, when absent, from ``data``), as in
        :func:`~humanoid_twin.model.forward_kinematics`; other joints not in ``q`` keep their value.
        """
        values = dict(q)
        for name, (leader, multiplier, offset) in self.mimics.items():
            if name not in values and leader in self.qpos_adr:
                lead = values.get(leader, float(data.qpos[self.qpos_adr[leader]]))
                values[name] = multiplier * lead + offset
        for name, value in values.items():
            try:
                data.qpos[self.qpos_adr[name]] = value
            except KeyError:
                raise PhysicsError(f"joint {name!r} is not a 1-DoF joint of this MuJoCo model") from None

    def joint_positions(self, data: Any) -> dict[str, float]:
        """1-DoF joint positions [rad] or [m] by URDF name."""
        return {name: float(data.qpos[adr]) for name, adr in self.qpos_adr.items()}

    def set_base_pose(self, data: Any, pose: Pose) -> None:
        """Set ``world_T_root`` of a floating-base robot."""
        if self.free_qpos_adr is None:
            raise PhysicsError("the robot has a fixed base; its base pose cannot be set")
        a = self.free_qpos_adr
        data.qpos[a : a + 3] = pose.position
        data.qpos[a + 3 : a + 7] = pose.quat

    def link_pose(self, data: Any, link: str) -> FloatArray:
        """``world_T_link`` (4×4) of any link, body or merged frame, after ``mj_kinematics``."""
        t = np.eye(4)
        if link in self.body:
            i = self.body[link]
            t[:3, :3] = quat_to_matrix(data.xquat[i])
            t[:3, 3] = data.xpos[i]
        elif link in self.site:
            i = self.site[link]
            t[:3, :3] = np.asarray(data.site_xmat[i]).reshape(3, 3)
            t[:3, 3] = data.site_xpos[i]
        else:
            raise PhysicsError(f"link {link!r} is not part of this MuJoCo model")
        return t
