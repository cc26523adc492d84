"""The MuJoCo implementation of :class:`~humanoid_twin.physics.backend.Backend`.

Single and batch rollouts both run in C through ``mujoco.rollout.Rollout`` objects kept for the
backend's lifetime (one without threads for single predictions, one thread pool for batches), so a
rollout costs no Python per physics step. Rollouts start with a zero constraint-solver warm start,
which makes them independent of the live state's history: the same inputs give the same outputs.
"""

from __future__ import annotations

import decimal
import logging
import os
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from ...errors import PhysicsError
from ...model import ImportOptions, RobotModel
from ...model.transforms import FloatArray, QuatWXYZ
from ...twin._types import BaseState, JointCommand, Prediction, RobotState, frozen_array
from ..backend import Commands
from ._builder import COLLISION_GROUP, build_model, build_spec, import_mujoco
from ._names import MujocoNames

__all__ = ["MujocoBackend"]

_log = logging.getLogger(__name__)

IntArray = NDArray[np.intp]


@dataclass(frozen=True)
class _MjSnapshot:
    state: FloatArray
    """``mjSTATE_INTEGRATION`` vector (time, qpos, qvel, act, warm start, ctrl, applied forces …)."""


class _Layout:
    """Index arrays shared (read-only) by a backend and its forks."""

    def __init__(self, mj: Any, m: Any, names: MujocoNames, joint_names: tuple[str, ...]) -> None:
        self.joint_names = joint_names
        self.index = {n: i for i, n in enumerate(joint_names)}
        self.qadr = np.array([names.qpos_adr[n] for n in joint_names], dtype=np.intp)
        self.vadr = np.array([names.qvel_adr[n] for n in joint_names], dtype=np.intp)
        act = np.array([names.actuator.get(n, -1) for n in joint_names], dtype=np.intp)
        self.has_act = act >= 0
        self.act = act[self.has_act]
        # A position servo has a position bias term (biasprm[1] = -kp); a velocity servo has none.
        bias = np.asarray(m.actuator_biasprm)
        is_pos = np.zeros(len(joint_names), dtype=bool)
        is_pos[self.has_act] = bias[self.act, 1] != 0.0
        self.is_pos = is_pos
        followers = [
            (names.qpos_adr[f], names.qvel_adr[f], self.index[lead], mult, off)
            for f, (lead, mult, off) in names.mimics.items()
            if lead in self.index
        ]
        self.mim_q = np.array([f[0] for f in followers], dtype=np.intp)
        self.mim_v = np.array([f[1] for f in followers], dtype=np.intp)
        self.mim_lead = np.array([f[2] for f in followers], dtype=np.intp)
        self.mim_mult = np.array([f[3] for f in followers], dtype=np.float64)
        self.mim_off = np.array([f[4] for f in followers], dtype=np.float64)
        self.free_q = names.free_qpos_adr
        self.free_v = names.free_qvel_adr
        spec = int(mj.mjtState.mjSTATE_FULLPHYSICS)
        self.spec = spec
        self.nstate = int(mj.mj_stateSize(m, spec))
        # Offsets inside the FULLPHYSICS vector: components are stored in increasing bit order.
        off = 0
        offsets: dict[int, int] = {}
        for bit in range(int(mj.mjtState.mjNSTATE)):
            if spec & (1 << bit):
                offsets[1 << bit] = off
                off += int(mj.mj_stateSize(m, 1 << bit))
        self.s_time = offsets[int(mj.mjtState.mjSTATE_TIME)]
        self.s_qpos = offsets[int(mj.mjtState.mjSTATE_QPOS)]
        self.s_qvel = offsets[int(mj.mjtState.mjSTATE_QVEL)]
        self.ctrl_effort_spec = int(mj.mjtState.mjSTATE_CTRL) | int(mj.mjtState.mjSTATE_QFRC_APPLIED)
        self.ctrl_spec = int(mj.mjtState.mjSTATE_CTRL)
        coll = (np.asarray(m.geom_group) == COLLISION_GROUP) | (np.asarray(m.geom_contype) != 0)
        coll &= np.asarray(m.geom_bodyid) != 0
        self.colliders = np.flatnonzero(coll)


class MujocoBackend:
    """A robot simulated by MuJoCo, implementing :class:`~humanoid_twin.physics.backend.Backend`.

    Args:
        model: the robot.
        options: import options (drives, base, collisions) the MuJoCo model is built with.
        timestep: physics step [s].
        floor: add the ground plane at z = 0.
        nthread: threads for batch rollouts; None: ``os.cpu_count()``; 0: run batches on the
            calling thread. The pool starts on the first batch of more than one rollout.

    Raises:
        DependencyError: mujoco is not installed.
        PhysicsError: the model cannot be built.
    """

    def __init__(
        self,
        model: RobotModel,
        options: ImportOptions = ImportOptions(),  # noqa: B008 - frozen dataclass, safe default
        *,
        timestep: float = 0.002,
        floor: bool = True,
        nthread: int | None = None,
    ) -> None:
        mj = import_mujoco()
        m = build_model(model, options, floor=floor, timestep=timestep)
        names = MujocoNames.of(model, m, options)
        joint_names = tuple(j.name for j in model.actuated_joints)
        self._setup(mj, m, names, _Layout(mj, m, names, joint_names), nthread)
        self._reset_targets()

    def _setup(self, mj: Any, m: Any, names: MujocoNames, layout: _Layout, nthread: int | None) -> None:
        from mujoco import rollout as mj_rollout

        self._mj = mj
        self._rollout_mod = mj_rollout
        self._m = m
        self._names = names
        self._l = layout
        self._d = mj.MjData(m)
        self._scratch = mj.MjData(m)
        if nthread is not None and nthread < 0:
            raise PhysicsError(f"nthread must be ≥ 0 or None, got {nthread!r}")
        self._nthread = (os.cpu_count() or 1) if nthread is None else nthread
        self._single: Any = mj_rollout.Rollout(nthread=0)
        self._pool: Any = None
        self._pool_data: list[Any] = []
        self._zero_warm = np.zeros((1, m.nv))
        self._targets = np.zeros(len(layout.joint_names))
        self._out: FloatArray | None = None

    # ------------------------------------------------------------ properties

    @property
    def mj_model(self) -> Any:
        """The compiled ``mujoco.MjModel`` (shared with forks; treat as read-only)."""
        return self._m

    @property
    def mj_data(self) -> Any:
        """The live ``mujoco.MjData``."""
        return self._d

    @property
    def names(self) -> MujocoNames:
        return self._names

    @property
    def timestep(self) -> float:
        return float(self._m.opt.timestep)

    @property
    def joint_names(self) -> tuple[str, ...]:
        return self._l.joint_names

    @property
    def floating_base(self) -> bool:
        return self._l.free_q is not None

    @property
    def nthread(self) -> int:
        """Threads used for batch rollouts."""
        return self._nthread

    # ------------------------------------------------------------ live state

    def _reset_targets(self) -> None:
        q = np.asarray(self._d.qpos)[self._l.qadr]
        self._targets = np.where(self._l.is_pos, q, 0.0)
        self._write_ctrl()

    def _write_ctrl(self) -> None:
        self._d.ctrl[self._l.act] = self._targets[self._l.has_act]

    def _check_state(self, state: RobotState) -> None:
        if state.joint_names != self._l.joint_names:
            raise PhysicsError(
                f"state joint names {state.joint_names!r} differ from the backend's "
                f"{self._l.joint_names!r}; build states with backend.joint_names"
            )
        n = len(self._l.joint_names)
        for what, v in (("q", state.q), ("qd", state.qd), ("targets", state.targets)):
            if v is not None and np.shape(v) != (n,):
                raise PhysicsError(f"state.{what} has shape {np.shape(v)!r}, expected ({n},)")

    def _hold_targets(self, state: RobotState) -> FloatArray:
        if state.targets is not None:
            return np.asarray(state.targets, dtype=np.float64)
        return np.where(self._l.is_pos, state.q, 0.0)

    def set_state(self, state: RobotState) -> None:
        self._check_state(state)
        d, lay = self._d, self._l
        d.time = state.stamp
        d.qpos[lay.qadr] = state.q
        d.qvel[lay.vadr] = state.qd
        if lay.mim_q.size:
            d.qpos[lay.mim_q] = lay.mim_mult * state.q[lay.mim_lead] + lay.mim_off
            d.qvel[lay.mim_v] = lay.mim_mult * state.qd[lay.mim_lead]
        if state.base is not None and lay.free_q is not None and lay.free_v is not None:
            _write_base(d.qpos, d.qvel, lay.free_q, lay.free_v, state.base)
        d.qacc_warmstart[:] = 0.0
        d.qfrc_applied[:] = 0.0
        self._targets = self._hold_targets(state).copy()
        self._write_ctrl()

    def get_state(self) -> RobotState:
        d, lay = self._d, self._l
        base = None
        if lay.free_q is not None and lay.free_v is not None:
            base = _read_base(float(d.time), d.qpos, d.qvel, lay.free_q, lay.free_v)
        return RobotState(
            stamp=float(d.time),
            joint_names=lay.joint_names,
            q=frozen_array(np.asarray(d.qpos)[lay.qadr]),
            qd=frozen_array(np.asarray(d.qvel)[lay.vadr]),
            base=base,
            targets=frozen_array(self._targets),
        )

    def step(self, command: JointCommand | None = None, n: int = 1) -> RobotState:
        if n < 0:
            raise PhysicsError(f"step count must be ≥ 0, got {n!r}")
        if command is not None:
            self._targets, effort = self._apply_command(command, self._targets)
            self._write_ctrl()
            self._d.qfrc_applied[:] = 0.0
            if effort is not None:
                self._d.qfrc_applied[self._l.vadr] = effort
        mj, m, d = self._mj, self._m, self._d
        for _ in range(n):
            mj.mj_step(m, d)
        return self.get_state()

    def snapshot(self) -> _MjSnapshot:
        spec = int(self._mj.mjtState.mjSTATE_INTEGRATION)
        buf = np.empty(int(self._mj.mj_stateSize(self._m, spec)))
        self._mj.mj_getState(self._m, self._d, buf, spec)
        buf.setflags(write=False)
        return _MjSnapshot(buf)

    def restore(self, snapshot: Any) -> None:
        if not isinstance(snapshot, _MjSnapshot):
            raise PhysicsError(f"not a MuJoCo backend snapshot: {type(snapshot).__name__!r}")
        spec = int(self._mj.mjtState.mjSTATE_INTEGRATION)
        if snapshot.state.shape != (int(self._mj.mj_stateSize(self._m, spec)),):
            raise PhysicsError("the snapshot was taken from a different MuJoCo model")
        self._mj.mj_setState(self._m, self._d, np.array(snapshot.state), spec)
        q = np.asarray(self._d.ctrl)[self._l.act]
        self._targets = np.where(self._l.is_pos, np.asarray(self._d.qpos)[self._l.qadr], 0.0)
        self._targets[self._l.has_act] = q

    def fork(self) -> MujocoBackend:
        other = object.__new__(MujocoBackend)
        other._setup(self._mj, self._m, self._names, self._l, self._nthread)
        other.restore(self.snapshot())
        return other

    def close(self) -> None:
        """Stop the batch thread pool (also done when the backend is garbage-collected)."""
        if self._pool is not None:
            self._pool.close()
            self._pool = None

    def __del__(self) -> None:
        try:
            self.close()
        except Exception:
            pass

    # ------------------------------------------------------------ commands

    def _apply_command(
        self, command: JointCommand, targets: FloatArray
    ) -> tuple[FloatArray, FloatArray | None]:
        """``targets`` with ``command`` merged in, and the feed-forward effort vector (None if none)."""
        lay = self._l
        try:
            idx = np.fromiter((lay.index[n] for n in command.names), dtype=np.intp, count=len(command.names))
        except KeyError as err:
            raise PhysicsError(
                f"command names joint {err.args[0]!r}, which is not an actuated joint of this robot"
            ) from None
        out = targets.copy()
        effort = None
        for what, values in (("position", command.position), ("velocity", command.velocity)):
            if values is None:
                continue
            v = np.asarray(values, dtype=np.float64)
            if v.shape != idx.shape:
                raise PhysicsError(
                    f"command {what} has {v.size} values for {idx.size} names; give one per name"
                )
            sel = lay.is_pos[idx] if what == "position" else ~lay.is_pos[idx] & lay.has_act[idx]
            sel &= np.isfinite(v)
            out[idx[sel]] = v[sel]
        if command.effort is not None:
            e = np.asarray(command.effort, dtype=np.float64)
            if e.shape != idx.shape:
                raise PhysicsError(
                    f"command effort has {e.size} values for {idx.size} names; give one per name"
                )
            effort = np.zeros(len(lay.joint_names))
            ok = np.isfinite(e)
            effort[idx[ok]] = e[ok]
        return out, effort

    def _controls(
        self, holds: FloatArray, commands: Commands, n_steps: int
    ) -> tuple[FloatArray, FloatArray | None]:
        """Per-rollout drive targets ``(B, T|1, n)`` and efforts ``(B, 1, n)`` or None."""
        b, n = holds.shape
        if commands is None:
            return holds[:, None, :], None
        if isinstance(commands, JointCommand):
            commands = [commands] * b
        if isinstance(commands, np.ndarray):
            arr = np.asarray(commands, dtype=np.float64)
            if arr.ndim == 1:
                arr = arr[None, None, :]
            elif arr.ndim == 2:
                arr = arr[:, None, :]
            if (
                arr.ndim != 3
                or arr.shape[0] not in (1, b)
                or arr.shape[1] not in (1, n_steps)
                or arr.shape[2] != n
            ):
                raise PhysicsError(
                    f"command array has shape {np.shape(commands)!r}; expected (n,), (B, n), (B, 1, n) or "
                    f"(B, T, n) with B={b}, T={n_steps}, n={n}"
                )
            out = np.where(np.isnan(arr), holds[:, None, :], arr)
            return out, None
        cmds = list(commands)
        if len(cmds) != b:
            raise PhysicsError(f"{len(cmds)} commands for {b} states; give one per state (or None)")
        targets = np.empty((b, 1, n))
        efforts: FloatArray | None = None
        for i, c in enumerate(cmds):
            if c is None:
                targets[i, 0] = holds[i]
                continue
            targets[i, 0], e = self._apply_command(c, holds[i])
            if e is not None:
                if efforts is None:
                    efforts = np.zeros((b, 1, n))
                efforts[i, 0] = e
        return targets, efforts

    # ------------------------------------------------------------ rollouts

    def _initial(self, states: Sequence[RobotState]) -> FloatArray:
        lay, mj = self._l, self._mj
        live = np.empty(lay.nstate)
        mj.mj_getState(self._m, self._d, live, lay.spec)
        init = np.tile(live, (len(states), 1))
        qp = init[:, lay.s_qpos : lay.s_qpos + self._m.nq]
        qv = init[:, lay.s_qvel : lay.s_qvel + self._m.nv]
        for i, s in enumerate(states):
            self._check_state(s)
            init[i, lay.s_time] = s.stamp
            qp[i, lay.qadr] = s.q
            qv[i, lay.vadr] = s.qd
            if lay.mim_q.size:
                qp[i, lay.mim_q] = lay.mim_mult * s.q[lay.mim_lead] + lay.mim_off
                qv[i, lay.mim_v] = lay.mim_mult * s.qd[lay.mim_lead]
            if s.base is not None and lay.free_q is not None and lay.free_v is not None:
                _write_base(qp[i], qv[i], lay.free_q, lay.free_v, s.base)
        return init

    def _out_buffer(self, b: int, n_steps: int) -> FloatArray:
        """A reused output array (results are copied out of it), saving page faults on big batches."""
        buf = self._out
        if buf is None or buf.shape != (b, n_steps, self._l.nstate):
            buf = self._out = np.empty((b, n_steps, self._l.nstate))
        return buf

    def _runner(self, batch: int) -> tuple[Any, Any]:
        if batch <= 1 or self._nthread == 0:
            return self._single, self._scratch
        if self._pool is None:
            self._pool = self._rollout_mod.Rollout(nthread=self._nthread)
            self._pool_data = [self._mj.MjData(self._m) for _ in range(self._nthread)]
        return self._pool, self._pool_data

    def rollout(
        self,
        states: Sequence[RobotState],
        commands: Commands,
        n_steps: int,
        *,
        every: int = 1,
    ) -> list[Prediction]:
        if n_steps < 1 or every < 1 or n_steps % every:
            raise PhysicsError(
                f"n_steps ({n_steps!r}) must be ≥ 1 and a multiple of every ({every!r}), both integers ≥ 1"
            )
        if not states:
            return []
        lay, m = self._l, self._m
        init = self._initial(states)
        holds = np.stack([self._hold_targets(s) for s in states])
        targets, efforts = self._controls(holds, commands, n_steps)
        b = len(states)
        ctrl = np.zeros((targets.shape[0], targets.shape[1], m.nu))
        ctrl[:, :, lay.act] = targets[:, :, lay.has_act]
        spec = lay.ctrl_spec
        if efforts is not None:
            frc = np.zeros((b, 1, m.nv))
            frc[:, :, lay.vadr] = efforts
            ctrl = np.concatenate(
                [
                    np.broadcast_to(ctrl, (b, ctrl.shape[1], m.nu)),
                    np.broadcast_to(frc, (b, ctrl.shape[1], m.nv)),
                ],
                axis=2,
            )
            spec = lay.ctrl_effort_spec
        runner, data = self._runner(b)
        out, _ = runner.rollout(
            m,
            data,
            init,
            np.ascontiguousarray(ctrl),
            control_spec=spec,
            nstep=n_steps,
            initial_warmstart=self._zero_warm,
            state=self._out_buffer(b, n_steps),
        )
        return self._predictions(states, init, out, every, targets)

    def _predictions(
        self,
        states: Sequence[RobotState],
        init: FloatArray,
        out: FloatArray,
        every: int,
        targets: FloatArray,
    ) -> list[Prediction]:
        lay = self._l
        n = len(lay.joint_names)
        cols = np.concatenate([lay.s_qpos + lay.qadr, lay.s_qvel + lay.vadr])
        if lay.free_q is not None:
            cols = np.concatenate([cols, lay.s_qpos + lay.free_q + np.arange(7)])
        later = out[:, every - 1 :: every, :]
        picked = np.empty((out.shape[0], later.shape[1] + 1, cols.size))
        picked[:, 0] = init[:, cols]
        picked[:, 1:] = later[:, :, cols]
        q = picked[:, :, :n]
        qd = picked[:, :, n : 2 * n]
        k = picked.shape[1]
        offsets = np.arange(k) * (every * self.timestep)
        preds = []
        for i, s in enumerate(states):
            bp = bq = None
            if lay.free_q is not None:
                bp = _frozen(picked[i, :, 2 * n : 2 * n + 3])
                bq = _frozen(picked[i, :, 2 * n + 3 : 2 * n + 7])
            preds.append(
                Prediction(
                    start=s.stamp,
                    times=_frozen(s.stamp + offsets),
                    joint_names=lay.joint_names,
                    q=_frozen(q[i]),
                    qd=_frozen(qd[i]),
                    base_position=bp,
                    base_quat=bq,
                )
            )
        return preds

    # ------------------------------------------------------------ geometry

    def rest_height(self, q: FloatArray, quat: QuatWXYZ = (1.0, 0.0, 0.0, 0.0)) -> float:
        lay = self._l
        if lay.free_q is None:
            return 0.0
        mj, m, d = self._mj, self._m, self._scratch
        d.qpos[:] = m.qpos0
        d.qpos[lay.free_q : lay.free_q + 3] = 0.0
        d.qpos[lay.free_q + 3 : lay.free_q + 7] = np.asarray(quat, dtype=np.float64) / np.linalg.norm(quat)
        qa = np.asarray(q, dtype=np.float64)
        d.qpos[lay.qadr] = qa
        if lay.mim_q.size:
            d.qpos[lay.mim_q] = lay.mim_mult * qa[lay.mim_lead] + lay.mim_off
        mj.mj_kinematics(m, d)
        if lay.colliders.size == 0:
            return 0.0
        aabb = np.asarray(m.geom_aabb)[lay.colliders]
        signs = np.array(
            [[sx, sy, sz] for sx in (-1, 1) for sy in (-1, 1) for sz in (-1, 1)], dtype=np.float64
        )
        local = aabb[:, None, :3] + aabb[:, None, 3:] * signs[None]  # (G, 8, 3)
        xmat = np.asarray(d.geom_xmat)[lay.colliders].reshape(-1, 3, 3)
        xpos = np.asarray(d.geom_xpos)[lay.colliders]
        z = np.einsum("gj,gkj->gk", xmat[:, 2, :], local) + xpos[:, None, 2]
        return float(-z.min())


def _frozen(a: NDArray[Any]) -> FloatArray:
    out = np.ascontiguousarray(a, dtype=np.float64).copy()
    out.setflags(write=False)
    return out


def _write_base(qpos: Any, qvel: Any, qa: int, va: int, base: BaseState) -> None:
    qpos[qa : qa + 3] = base.position
    quat = np.asarray(base.quat, dtype=np.float64)
    norm = float(np.linalg.norm(quat))
    qpos[qa + 3 : qa + 7] = quat / norm if norm > 0 else (1.0, 0.0, 0.0, 0.0)
    qvel[va : va + 3] = base.linear_velocity
    qvel[va + 3 : va + 6] = base.angular_velocity


def _read_base(stamp: float, qpos: Any, qvel: Any, qa: int, va: int) -> BaseState:
    p, qt, lv, av = qpos[qa : qa + 3], qpos[qa + 3 : qa + 7], qvel[va : va + 3], qvel[va + 3 : va + 6]
    return BaseState(
        stamp=stamp,
        position=(float(p[0]), float(p[1]), float(p[2])),
        quat=(float(qt[0]), float(qt[1]), float(qt[2]), float(qt[3])),
        linear_velocity=(float(lv[0]), float(lv[1]), float(lv[2])),
        angular_velocity=(float(av[0]), float(av[1]), float(av[2])),
    )


_MJCF_DIGITS = 6
"""Significant digits of the numbers ``MjSpec.to_xml`` writes."""


def _as_written(moments: Sequence[float]) -> list[float]:
    """Principal moments [kg·m²] rounded to the digits the MJCF text keeps, A + B ≥ C preserved.

    For sorted moments a ≤ b ≤ c: c is rounded down, b up but not above c, a up but not above b,
    so a tensor on the triangle inequality's boundary (a flat plate, or one the reader repaired)
    still loads from the file, where rounding to the nearest can leave A + B a hair below C and
    MuJoCo refuses the file.
    """

    def rounded(value: float, rounding: str) -> float:
        context = decimal.Context(prec=_MJCF_DIGITS, rounding=rounding)
        return float(context.plus(decimal.Decimal(float(value))))

    small, middle, large = (int(i) for i in np.argsort(moments))
    out = [0.0, 0.0, 0.0]
    out[large] = rounded(moments[large], decimal.ROUND_FLOOR)
    out[middle] = min(rounded(moments[middle], decimal.ROUND_CEILING), out[large])
    out[small] = min(rounded(moments[small], decimal.ROUND_CEILING), out[middle])
    return out


def mjcf(model: RobotModel, options: ImportOptions = ImportOptions()) -> str:  # noqa: B008 - frozen
    """``model`` as an MJCF file to open on its own (``humanoid-twin import --mjcf``).

    A floating base starts at rest on the floor: its root body is raised so that the lowest collider
    touches z = 0 at the zero pose (the file's ``qpos0``), instead of the root at the origin with the
    legs through the floor. A fixed base is welded at the origin and gets no floor (no ground contact,
    as the twin's fixed base).
    """
    spec = build_spec(model, options, floor=not options.fix_base)
    for body in spec.bodies:
        if body.explicitinertial:
            body.inertia = _as_written(body.inertia)
    if not options.fix_base:
        root = spec.body(model.root.name)
        if root is not None and root.first_joint() is not None:  # free: the root is not the world
            zero = np.zeros(len(model.actuated_joints))
            root.pos = [0.0, 0.0, MujocoBackend(model, options, nthread=0).rest_height(zero)]
    text: str = spec.to_xml()
    return text
