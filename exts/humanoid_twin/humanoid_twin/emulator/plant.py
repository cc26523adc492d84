"""The emulated physical robot, without ROS: MuJoCo physics with hidden offsets, faults and noisy sensors.

:class:`EmulatedRobot` builds the robot's MuJoCo model exactly as the twin does (same builder, same
:class:`~humanoid_twin.model.ImportOptions`), then changes the compiled ``MjModel`` to the "true"
robot: per-joint friction, damping and armature, per-link mass, per-motor strength, all drawn from the
config's seed or given explicitly. Faults change the model (friction, strength) or the sensors
(encoder bias) as time goes on. :meth:`EmulatedRobot.truth` is what a twin should discover.

Random streams are independent children of the seed (parameters, sensor noise; the node draws the
network's from a third), so changing the noise does not change the hidden parameters.
"""

from __future__ import annotations

import dataclasses
import json
import logging
import math
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any

import numpy as np

from ..errors import ConfigError, TwinError
from ..model import ImportOptions, RobotModel
from ..model.kinematics import forward_kinematics
from ..model.transforms import FloatArray
from ..twin._types import BaseState, JointState, RobotState, frozen_array
from .config import EmulatorConfig, Fault, Latency, SensorNoise

__all__ = ["EmulatedRobot", "JointTruth", "LinkTruth", "Truth", "random_streams"]

_log = logging.getLogger(__name__)

TRUTH_FORMAT = 1
"""Version of the truth JSON layout."""


def random_streams(seed: int) -> tuple[np.random.Generator, np.random.Generator, np.random.Generator]:
    """The emulator's three independent generators: hidden parameters, sensor noise, network."""
    params, noise, network = np.random.SeedSequence(seed).spawn(3)
    return np.random.default_rng(params), np.random.default_rng(noise), np.random.default_rng(network)


# ------------------------------------------------------------------ truth


@dataclass(frozen=True)
class JointTruth:
    """The true parameters of one actuated joint (before faults)."""

    friction: float
    """Joint friction (``frictionloss``) [N·m] or [N]."""
    friction_nominal: float
    damping: float
    """Joint damping [N·m·s/rad] or [N·s/m]."""
    damping_nominal: float
    armature: float
    """Rotor inertia [kg·m²] or [kg]."""
    armature_nominal: float
    strength_scale: float
    """Factor on the motor's stiffness, damping and force limit [-]."""
    stiffness: float
    """True servo stiffness [N·m/rad] (nominal × strength)."""
    stiffness_nominal: float
    servo_damping: float
    """True servo damping [N·m·s/rad] (nominal × strength)."""
    servo_damping_nominal: float
    force_limit: float | None
    """True force limit [N·m] (nominal × strength); None = unlimited."""

    @property
    def friction_offset(self) -> float:
        return self.friction - self.friction_nominal

    @property
    def damping_offset(self) -> float:
        return self.damping - self.damping_nominal

    @property
    def armature_scale(self) -> float:
        return self.armature / self.armature_nominal if self.armature_nominal else 1.0


@dataclass(frozen=True)
class LinkTruth:
    """The true mass of one link (its inertia tensor is scaled by the same factor)."""

    mass: float
    """[kg]"""
    mass_nominal: float
    """[kg]"""
    mass_scale: float
    """[-]"""


@dataclass(frozen=True)
class Truth:
    """The emulated robot's hidden parameters and fault schedule: the answer key for the twin."""

    robot: str
    seed: int
    timestep: float
    """Physics step [s]."""
    joints: Mapping[str, JointTruth]
    links: Mapping[str, LinkTruth]
    faults: tuple[Fault, ...]
    noise: SensorNoise = field(default_factory=SensorNoise)
    latency: Latency = field(default_factory=Latency)
    stamp_offset: float = 0.0
    """ROS stamp of emulator time 0 [s]: the wall-clock start under ``clock = "wall"``, 0 under
    ``clock = "sim"`` (and for a robot stepped without ROS)."""

    def emulator_time(self, stamp: float) -> float:
        """The emulator time [s] of a message stamp [s] (what the fault schedule is written in)."""
        return stamp - self.stamp_offset

    def _faults(self, kind: str, joint: str) -> list[Fault]:
        if joint not in self.joints:
            raise ConfigError(f"joint {joint!r} is not an actuated joint of {self.robot!r}")
        return [f for f in self.faults if f.kind == kind and f.joint == joint]

    def friction_at(self, joint: str, t: float) -> float:
        """True friction of ``joint`` at emulator time ``t`` [s], faults included [N·m]."""
        return self.joints[joint].friction + sum(f.value(t) for f in self._faults("friction_growth", joint))

    def encoder_bias_at(self, joint: str, t: float) -> float:
        """Offset added to the measured position of ``joint`` at time ``t`` [rad]."""
        return sum(f.value(t) for f in self._faults("encoder_bias", joint))

    def strength_at(self, joint: str, t: float) -> float:
        """Motor strength factor of ``joint`` at time ``t`` relative to nominal [-], faults included."""
        loss = sum(f.value(t) for f in self._faults("motor_weakening", joint))
        return self.joints[joint].strength_scale * max(0.0, 1.0 - loss)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict (``format``, robot, per-joint and per-link values with offsets, faults)."""
        joints = {}
        for name, j in self.joints.items():
            d = asdict(j)
            d.update(
                friction_offset=j.friction_offset,
                damping_offset=j.damping_offset,
                armature_scale=j.armature_scale,
            )
            joints[name] = d
        return {
            "format": TRUTH_FORMAT,
            "robot": self.robot,
            "seed": self.seed,
            "timestep": self.timestep,
            "joints": joints,
            "links": {name: asdict(lk) for name, lk in self.links.items()},
            "faults": [asdict(f) for f in self.faults],
            "noise": asdict(self.noise),
            "latency": asdict(self.latency),
            "stamp_offset": self.stamp_offset,
        }

    def write(self, path: str | Path) -> Path:
        """Write :meth:`to_dict` as JSON to ``path`` (parent folders created); returns the path."""
        p = Path(path)
        try:
            p.parent.mkdir(parents=True, exist_ok=True)
            tmp = p.with_name(p.name + ".tmp")
            tmp.write_text(json.dumps(self.to_dict(), indent=2) + "\n", encoding="utf-8")
            tmp.replace(p)
        except OSError as err:
            raise ConfigError(f"{p}: cannot write the truth file: {err.strerror}") from err
        return p

    @classmethod
    def read(cls, path: str | Path) -> Truth:
        """Read a file written by :meth:`write`."""
        p = Path(path)
        try:
            d = json.loads(p.read_text(encoding="utf-8"))
            if d.get("format") != TRUTH_FORMAT:
                raise ConfigError(f"{p}: truth format {d.get('format')!r} is not {TRUTH_FORMAT}")
            derived = ("friction_offset", "damping_offset", "armature_scale")
            return cls(
                robot=d["robot"],
                seed=d["seed"],
                timestep=d["timestep"],
                joints=MappingProxyType(
                    {
                        n: JointTruth(**{k: v for k, v in j.items() if k not in derived})
                        for n, j in d["joints"].items()
                    }
                ),
                links=MappingProxyType({n: LinkTruth(**lk) for n, lk in d["links"].items()}),
                faults=tuple(Fault(**f) for f in d["faults"]),
                noise=SensorNoise(**d["noise"]),
                latency=Latency(**d["latency"]),
                stamp_offset=float(d.get("stamp_offset", 0.0)),
            )
        except OSError as err:
            raise ConfigError(f"{p}: cannot read the truth file: {err.strerror}") from err
        except (ValueError, KeyError, TypeError) as err:
            raise ConfigError(f"{p}: not a truth file written by the emulator: {err!r}") from err


# ------------------------------------------------------------------ the robot


def _import_mujoco() -> Any:
    from ..physics.mujoco._builder import import_mujoco

    return import_mujoco()


class EmulatedRobot:
    """The "physical" robot: a MuJoCo simulation the twin does not see inside.

    Not thread-safe: one thread steps, commands and measures (the ROS node serialises access).

    Args:
        config: seed, hidden parameters, noise and faults (ROS settings are ignored here).
        robot: the robot; default the bundled humanoid.
        options: import options the MuJoCo model is built with; default the humanoid's
            :data:`~humanoid_twin.robots.humanoid.STANDING_OPTIONS`.
        pose: initial joint positions and servo targets [rad]; default the humanoid's
            :data:`~humanoid_twin.robots.humanoid.NOMINAL_POSE` (joints not listed start at 0), for
            another robot its zero pose moved into the joint limits.
        base_height: initial height of the floating base [m], upright; default: the
            ``left_foot``/``right_foot`` frames 2 mm above the floor in ``pose``, for a robot without
            them its lowest collider.

    Raises:
        ConfigError: the config names a joint or link the robot does not have.
        PhysicsError: the model cannot be built.
    """

    def __init__(
        self,
        config: EmulatorConfig | None = None,
        *,
        robot: RobotModel | None = None,
        options: ImportOptions | None = None,
        pose: Mapping[str, float] | None = None,
        base_height: float | None = None,
    ) -> None:
        from ..physics.mujoco import MujocoNames, build_model
        from ..robots import humanoid

        self.config = config if config is not None else EmulatorConfig()
        self.robot = robot if robot is not None else humanoid.load_humanoid()
        self.options = options if options is not None else humanoid.STANDING_OPTIONS
        pose = humanoid.standing_pose(self.robot) if pose is None else pose
        self.pose: Mapping[str, float] = MappingProxyType(dict(pose))
        self._mj = _import_mujoco()
        self.model: Any = build_model(self.robot, self.options, floor=True, timestep=self.config.timestep)
        """The true ``mujoco.MjModel`` (hidden offsets and current faults applied)."""
        self.names = MujocoNames.of(self.robot, self.model, self.options)
        actuated = [j.name for j in self.robot.actuated_joints if j.name in self.names.actuator]
        if set(actuated) == set(humanoid.JOINT_NAMES):  # the humanoid: its documented order
            actuated = list(humanoid.JOINT_NAMES)
        self.joint_names: tuple[str, ...] = tuple(actuated)
        """The joints measured and commanded, in the order of every vector."""
        self._index = {n: i for i, n in enumerate(self.joint_names)}
        self._qadr = np.array([self.names.qpos_adr[n] for n in self.joint_names], dtype=np.intp)
        self._vadr = np.array([self.names.qvel_adr[n] for n in self.joint_names], dtype=np.intp)
        self._act = np.array([self.names.actuator[n] for n in self.joint_names], dtype=np.intp)
        unknown = [n for n in self.pose if n not in self.names.qpos_adr]
        if unknown:
            raise ConfigError(f"pose names joint {unknown[0]!r}, which robot {self.robot.name!r} lacks")
        self._check_names()
        params_rng, self._noise_rng, _ = random_streams(self.config.seed)
        self._truth = self._apply_hidden(params_rng)
        self._base_height = base_height
        self.data: Any = self._mj.MjData(self.model)
        """The true ``mujoco.MjData``."""
        self._targets = np.zeros(len(self.joint_names))
        self._friction_faults = [f for f in self.config.faults if f.kind == "friction_growth"]
        self._weakening_faults = [f for f in self.config.faults if f.kind == "motor_weakening"]
        self._bias_faults = [
            (self._index[f.joint], f) for f in self.config.faults if f.kind == "encoder_bias"
        ]
        self.reset()

    # ------------------------------------------------------------ construction

    def _check_names(self) -> None:
        hidden = self.config.hidden
        for joint in hidden.joints:
            if joint not in self._index:
                raise ConfigError(
                    f"[hidden.joints] names {joint!r}, not an actuated joint of {self.robot.name!r}; "
                    f"valid: {', '.join(self.joint_names)}"
                )
        for link in hidden.links:
            if link not in self._mass_links():
                raise ConfigError(
                    f"[hidden.links] names {link!r}, not a link with mass of {self.robot.name!r}; "
                    f"valid: {', '.join(self._mass_links())}"
                )
        for f in self.config.faults:
            if f.joint not in self._index:
                raise ConfigError(
                    f"fault {f.kind!r} names joint {f.joint!r}, not an actuated joint of {self.robot.name!r}"
                )

    def _mass_links(self) -> list[str]:
        return [n for n, b in self.names.body.items() if b > 0 and self.model.body_mass[b] > 0]

    def _apply_hidden(self, rng: np.random.Generator) -> Truth:
        m, h = self.model, self.config.hidden
        n = len(self.joint_names)
        dof = self._vadr
        draws = {
            name: getattr(h, name).draw(rng, n)
            for name in ("friction", "damping", "armature_scale", "strength_scale")
        }
        for joint, values in h.joints.items():
            for name, value in values.items():
                draws[name][self._index[joint]] = value
        fric0 = m.dof_frictionloss[dof].copy()
        damp0 = m.dof_damping[dof].copy()
        arm0 = m.dof_armature[dof].copy()
        m.dof_frictionloss[dof] = np.maximum(fric0 + draws["friction"], 0.0)
        m.dof_damping[dof] = np.maximum(damp0 + draws["damping"], 0.0)
        m.dof_armature[dof] = arm0 * draws["armature_scale"]

        a = self._act
        strength = draws["strength_scale"]
        kp0 = m.actuator_gainprm[a, 0].copy()
        kv0 = -m.actuator_biasprm[a, 2].copy()
        limited = m.actuator_forcelimited[a].astype(bool)
        self._gain0 = m.actuator_gainprm[a, 0].copy()
        self._bias0 = m.actuator_biasprm[a, 1:3].copy()
        self._force0 = m.actuator_forcerange[a].copy()
        self._strength = strength.copy()
        self._friction = m.dof_frictionloss[dof].copy()
        self._set_strength(strength)

        links = self._mass_links()
        bodies = np.array([self.names.body[lk] for lk in links], dtype=np.intp)
        mass_scale = h.mass_scale.draw(rng, len(links))
        for link, values in h.links.items():
            mass_scale[links.index(link)] = values["mass_scale"]
        mass0 = m.body_mass[bodies].copy()
        m.body_mass[bodies] = mass0 * mass_scale
        m.body_inertia[bodies] = m.body_inertia[bodies] * mass_scale[:, None]
        self._mj.mj_setConst(m, self._mj.MjData(m))

        joints = {
            name: JointTruth(
                friction=float(m.dof_frictionloss[dof[i]]),
                friction_nominal=float(fric0[i]),
                damping=float(m.dof_damping[dof[i]]),
                damping_nominal=float(damp0[i]),
                armature=float(m.dof_armature[dof[i]]),
                armature_nominal=float(arm0[i]),
                strength_scale=float(strength[i]),
                stiffness=float(m.actuator_gainprm[a[i], 0]),
                stiffness_nominal=float(kp0[i]),
                servo_damping=float(-m.actuator_biasprm[a[i], 2]),
                servo_damping_nominal=float(kv0[i]),
                force_limit=float(m.actuator_forcerange[a[i], 1]) if limited[i] else None,
            )
            for i, name in enumerate(self.joint_names)
        }
        link_truth = {
            lk: LinkTruth(
                mass=float(m.body_mass[b]), mass_nominal=float(mass0[i]), mass_scale=float(mass_scale[i])
            )
            for i, (lk, b) in enumerate(zip(links, bodies, strict=True))
        }
        return Truth(
            robot=self.robot.name,
            seed=self.config.seed,
            timestep=self.config.timestep,
            joints=MappingProxyType(joints),
            links=MappingProxyType(link_truth),
            faults=self.config.faults,
            noise=self.config.noise,
            latency=self.config.latency,
        )

    def _set_strength(self, scale: np.ndarray) -> None:
        """Motor strength relative to nominal: the servo's output (stiffness, damping, limit) scales."""
        m, a = self.model, self._act
        m.actuator_gainprm[a, 0] = self._gain0 * scale
        m.actuator_biasprm[a, 1:3] = self._bias0 * scale[:, None]
        m.actuator_forcerange[a] = self._force0 * scale[:, None]

    # ------------------------------------------------------------ state

    def reset(self) -> None:
        """Back to time 0: the initial pose, servo targets at the pose, base just above the floor."""
        mj, d = self._mj, self.data
        mj.mj_resetData(self.model, d)
        self.names.set_joint_positions(d, self.pose)
        self._targets[:] = [self.pose.get(n, 0.0) for n in self.joint_names]
        if self.names.free_qpos_adr is not None:
            height = self._base_height
            if height is None:
                fk = forward_kinematics(self.robot, self.pose)
                feet = [fk[f][2, 3] for f in ("left_foot", "right_foot") if f in fk]
                height = -min(feet) + 0.002 if feet else self._rest_height() + 0.002
            adr = self.names.free_qpos_adr
            d.qpos[adr : adr + 7] = [0.0, 0.0, height, 1.0, 0.0, 0.0, 0.0]
        self._apply_faults(0.0)
        d.ctrl[self._act] = self._targets
        mj.mj_forward(self.model, d)

    def _rest_height(self) -> float:
        """[m] the base height, upright, at which the lowest collider touches the floor in the pose."""
        from ..physics.mujoco import MujocoBackend

        backend = MujocoBackend(self.robot, self.options, timestep=self.config.timestep, nthread=0)
        return backend.rest_height(np.array([self.pose.get(n, 0.0) for n in backend.joint_names]))

    @property
    def time(self) -> float:
        """Emulator time [s] since the start (MuJoCo's ``data.time``)."""
        return float(self.data.time)

    @property
    def targets(self) -> dict[str, float]:
        """Current position targets [rad] by joint name."""
        return dict(zip(self.joint_names, self._targets.tolist(), strict=True))

    @property
    def target_positions(self) -> FloatArray:
        """Current position targets [rad] in :attr:`joint_names` order (read-only copy)."""
        return frozen_array(self._targets)

    def command(self, names: Sequence[str], positions: Sequence[float] | np.ndarray) -> tuple[str, ...]:
        """Set position targets [rad] by name; other joints hold their targets.

        Entries with an unknown name or a non-finite value are skipped and returned (the caller
        counts them); targets beyond the joint limits are clipped by MuJoCo's control range.
        """
        if len(names) != len(positions):
            raise ValueError(f"command has {len(names)} names and {len(positions)} positions")
        rejected: list[str] = []
        for name, value in zip(names, positions, strict=True):
            i = self._index.get(name)
            v = float(value)
            if i is None or not math.isfinite(v):
                rejected.append(name)
                continue
            self._targets[i] = v
        self.data.ctrl[self._act] = self._targets
        return tuple(rejected)

    def _apply_faults(self, t: float) -> None:
        if self._friction_faults:
            fric = self._friction.copy()
            for f in self._friction_faults:
                fric[self._index[f.joint]] += f.value(t)
            self.model.dof_frictionloss[self._vadr] = fric
        if self._weakening_faults:
            strength = self._strength.copy()
            loss = np.zeros_like(strength)
            for f in self._weakening_faults:
                loss[self._index[f.joint]] += f.value(t)
            self._set_strength(strength * np.clip(1.0 - loss, 0.0, 1.0))

    def step(self, n: int = 1) -> None:
        """Advance ``n`` physics steps, with the faults of each step's start time in effect."""
        mj, m, d = self._mj, self.model, self.data
        faults = bool(self._friction_faults or self._weakening_faults)
        for _ in range(n):
            if faults:
                self._apply_faults(float(d.time))
            mj.mj_step(m, d)
        if not np.all(np.isfinite(d.qpos)):
            raise TwinError(f"the emulated robot's simulation diverged at t = {d.time:.3f} s")

    def advance_to(self, t: float) -> int:
        """Step until the emulator time reaches ``t`` [s] (within half a step); returns steps taken."""
        dt = self.config.timestep
        n = max(0, math.floor((t - self.time) / dt + 0.5))
        if n:
            self.step(n)
        return n

    # ------------------------------------------------------------ sensors

    def true_joint_state(self) -> JointState:
        """The exact joint state now (no bias, no noise); effort is the motor torque [N·m]."""
        d = self.data
        return JointState(
            stamp=self.time,
            names=self.joint_names,
            position=frozen_array(d.qpos[self._qadr]),
            velocity=frozen_array(d.qvel[self._vadr]),
            effort=frozen_array(d.actuator_force[self._act]),
        )

    def encoder_bias(self, t: float | None = None) -> np.ndarray:
        """Per-joint offset of the measured position at time ``t`` (default now) [rad]."""
        t = self.time if t is None else t
        bias = np.zeros(len(self.joint_names))
        for i, f in self._bias_faults:
            bias[i] += f.value(t)
        return bias

    def measure(self) -> JointState:
        """A sensor sample now: true state + encoder bias + Gaussian noise, stamped with :attr:`time`."""
        d, noise, rng = self.data, self.config.noise, self._noise_rng
        n = len(self.joint_names)
        q = d.qpos[self._qadr] + self.encoder_bias()
        qd = d.qvel[self._vadr].copy()
        tau = d.actuator_force[self._act].copy()
        e = rng.standard_normal((3, n))  # always drawn, so the stream does not depend on the settings
        q += noise.position * e[0]
        qd += noise.velocity * e[1]
        tau += noise.effort * e[2]
        return JointState(
            stamp=self.time,
            names=self.joint_names,
            position=frozen_array(q),
            velocity=frozen_array(qd),
            effort=frozen_array(tau),
        )

    def base_state(self) -> BaseState | None:
        """The true floating-base state (odometry, no noise); None for a fixed base."""
        adr, vadr = self.names.free_qpos_adr, self.names.free_qvel_adr
        if adr is None or vadr is None:
            return None
        qpos, qvel = self.data.qpos, self.data.qvel
        return BaseState(
            stamp=self.time,
            position=(float(qpos[adr]), float(qpos[adr + 1]), float(qpos[adr + 2])),
            quat=(float(qpos[adr + 3]), float(qpos[adr + 4]), float(qpos[adr + 5]), float(qpos[adr + 6])),
            linear_velocity=(float(qvel[vadr]), float(qvel[vadr + 1]), float(qvel[vadr + 2])),
            angular_velocity=(float(qvel[vadr + 3]), float(qvel[vadr + 4]), float(qvel[vadr + 5])),
        )

    def state(self) -> RobotState:
        """The true robot state now (joints and base), as the twin would ideally mirror it."""
        js = self.true_joint_state()
        assert js.velocity is not None
        return RobotState(
            stamp=js.stamp, joint_names=js.names, q=js.position, qd=js.velocity, base=self.base_state()
        )

    # ------------------------------------------------------------ truth

    def truth(self) -> Truth:
        """The hidden parameters (before faults) and the fault schedule."""
        return self._truth

    def write_truth(self, path: str | Path | None = None, *, stamp_offset: float = 0.0) -> Path | None:
        """Write :meth:`truth` as JSON to ``path`` (default the config's ``truth_file``; None: skip).

        ``stamp_offset`` [s] is recorded as :attr:`Truth.stamp_offset` (the ROS node passes the
        wall-clock time of emulator time 0).
        """
        target = path if path is not None else self.config.truth_file
        if target is None:
            return None
        return dataclasses.replace(self._truth, stamp_offset=stamp_offset).write(target)
