"""The live health monitor and recording analysis.

Residual definition: the monitor runs a **shadow twin** — the nominal MuJoCo model (what the twin
believes the robot is) driven open loop by the same joint commands, from the first measured pose —
and compares the measured joint effort with the shadow's actuator effort at the same time:
``r = τ_measured − τ_shadow``. Friction the nominal model lacks shows up as ``Δf · sign(v)`` in r.
A per-joint sliding-window least squares fits ``r = f_c·sign(v)·g + d`` (g: load/temperature
compensation, d: static model error) once per window bin; only windows in which the joint moved both
ways long enough judge it. The drift statistic is ``f_c`` against a healthy reference (the baseline,
refined by later healthy estimates), in units of the estimate's standard deviation (from the sensor
noise level, plus the model error's own spread measured in the baseline), fed to CUSUM and EWMA, and
checked against a Shewhart limit on its own and on a second, longer window (a step of 5 σ or more
alarms in a few seconds instead of the ticks CUSUM needs to accumulate it).

With base odometry (:meth:`HealthMonitor.on_base`, a walking robot) the shadow is **resynchronised**
every ``resync_period``: its base is set to the measured one and its joints are moved by the mean
measured − shadow offset since the last resync (averaging keeps the sensor noise out); samples in the
``resync_mask`` after a resync are not used. Open loop, a walking shadow drifts away from the robot
(different yaw, contact timing) within seconds; friction acts on the effort instantly, so a short
horizon keeps it.

**Command timing.** A command acts on the shadow from its stamp (the time it takes effect on the
robot), not from when it arrives: with stiff servos, a target applied one 2 ms sample late shifts the
shadow's effort by kp·v·dt (≈ 1 N·m at kp 1000 and 0.5 rad/s), correlated with sign(v), i.e. a fake
friction 100 times a 20 % step. Live, commands (or the robot's servo targets) and joint states come
on separate topics in no guaranteed order, so a joint state is processed once the command for the
interval before it has arrived (stamped one stream period before it, or at or after the previous
state for a sparse stream), or once states ``COMMAND_HOLD`` newer have arrived (a robot that gets no
command every sample). Targets lost from a dense stream are interpolated (``DENSE_COMMANDS``); the
samples after a stretch the shadow ran without its commands are left out until it settles, and the
windows holding them are not judged (``SETTLE_INTERPOLATED``, ``SETTLE_HELD``; counted in
:attr:`HealthMonitor.off_path`).
"""

from __future__ import annotations

import logging
import math
import threading
import warnings
from collections import deque
from collections.abc import Mapping, Sequence
from itertools import pairwise
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import NDArray

from ..errors import ConfigError, TwinError
from ..model import ImportOptions, RobotModel
from ..model.kinematics import FEET, FlatFeet, forward_kinematics
from ..model.transforms import FloatArray, quat_to_matrix
from ..twin._types import BaseState, JointCommand, JointState
from ._config import MaintenanceConfig, load_maintenance_config
from ._detect import Cusum, Ewma, FrictionWindow
from ._life import (
    LoadCollective,
    ThermalModel,
    bearing_l10h,
    harmonic_drive_l10,
    inverse_gaussian_quantile,
    weibull_life_quantile,
)
from ._report import (
    NO_COMMANDS,
    Alarm,
    JointHealth,
    MaintenanceError,
    MaintenanceReport,
    RemainingLife,
    ScheduleItem,
    due_date,
    now_iso,
    stream_warning,
)

if TYPE_CHECKING:
    from ..ros.config import BridgeConfig

__all__ = ["HealthMonitor", "analyze_recording", "monitored_joints"]

_log = logging.getLogger(__name__)


class _Shadow:
    """The nominal model driven by the commands (MuJoCo, open loop)."""

    def __init__(
        self,
        robot: RobotModel,
        options: ImportOptions,
        joint_names: tuple[str, ...],
        timestep: float,
        feet: tuple[str, ...] = FEET,
    ) -> None:
        from ..physics.mujoco import MujocoNames, build_model
        from ..physics.mujoco._builder import import_mujoco

        self.mj = import_mujoco()
        self.robot = robot
        self.model = build_model(robot, options, floor=True, timestep=timestep)
        self.data = self.mj.MjData(self.model)
        self.names = MujocoNames.of(robot, self.model, options)
        self.dt = float(self.model.opt.timestep)
        self.qadr = np.array([self.names.qpos_adr[n] for n in joint_names], dtype=np.intp)
        self.vadr = np.array([self.names.qvel_adr[n] for n in joint_names], dtype=np.intp)
        self.act = np.array([self.names.actuator[n] for n in joint_names], dtype=np.intp)
        self.feet = feet
        self.flat_feet = FlatFeet(robot, feet)

    def start(self, q: FloatArray) -> None:
        """Joints at ``q`` [rad], at rest; a floating base is placed with the feet flat (oriented as at
        the zero pose with the base upright), 2 mm above the floor (the base upright when the robot
        has no ``feet`` frames).

        Flat feet matter when the monitor starts during a motion: in the routine's squat the pelvis
        pitches by ≈ 2°, and a shadow started upright lands on its toes or heels and settles into a
        different closed leg chain (measured: knee and ankle-pitch estimates then spread by
        0.02–0.04 N·m, and those joints were not monitored; feet flat: σ_model ≤ 0.006 N·m)."""
        mj, d = self.mj, self.data
        mj.mj_resetData(self.model, d)
        d.qpos[self.qadr] = q
        d.ctrl[self.act] = q
        if self.names.free_qpos_adr is not None:
            pose = {n: float(v) for n, v in zip(self.robot_joint_names, q, strict=True)}
            fk = forward_kinematics(self.robot, pose)
            quat = self.flat_feet(pose)
            rot = quat_to_matrix(quat)
            feet: list[str] = [f for f in self.feet if f in fk]
            low = min(float((rot @ fk[f][:3, 3])[2]) for f in (feet or list(fk)))
            a = self.names.free_qpos_adr
            d.qpos[a : a + 3] = [0.0, 0.0, -low + 0.002]
            d.qpos[a + 3 : a + 7] = quat
        mj.mj_forward(self.model, d)

    robot_joint_names: tuple[str, ...] = ()

    def command(self, idx: NDArray[np.intp], q: FloatArray) -> None:
        self.data.ctrl[self.act[idx]] = q

    def resync(self, dq: FloatArray, dv: FloatArray, base: BaseState | None) -> None:
        """Move the joints by ``dq`` [rad] / ``dv`` [rad/s] and put the base where odometry says."""
        d = self.data
        d.qpos[self.qadr] += dq
        d.qvel[self.vadr] += dv
        a, v = self.names.free_qpos_adr, self.names.free_qvel_adr
        if base is not None and a is not None and v is not None:
            d.qpos[a : a + 3] = base.position
            d.qpos[a + 3 : a + 7] = base.quat
            d.qvel[v : v + 3] = base.linear_velocity
            d.qvel[v + 3 : v + 6] = base.angular_velocity
        self.mj.mj_forward(self.model, d)

    def position(self) -> FloatArray:
        return np.asarray(self.data.qpos[self.qadr], dtype=float)

    def advance_to(self, t: float) -> None:
        mj, m, d = self.mj, self.model, self.data
        n = math.floor((t - d.time) / self.dt + 0.5)
        for _ in range(max(0, n)):
            mj.mj_step(m, d)
        if n > 0 and not np.all(np.isfinite(d.qpos)):
            raise MaintenanceError(f"the shadow model diverged at t = {d.time:.3f} s")

    def effort(self) -> FloatArray:
        return np.asarray(self.data.actuator_force[self.act], dtype=float)

    def velocity(self) -> FloatArray:
        return np.asarray(self.data.qvel[self.vadr], dtype=float)


COMMAND_HOLD = 0.05
"""[s] how long a joint state waits for the command that acts before it (see the module doc)."""
DENSE_COMMANDS = 0.005
"""[s] a command stream at least this dense (200 Hz: a robot's servo targets at its sample rate) has
lost messages where two commands are further apart than its period: their targets are interpolated,
for gaps up to ``FILL_LIMIT``. Sparser streams (a controller's commands, e.g. 50 Hz with some jitter)
hold each command until the next, as the robot does."""
CLOCK_MISMATCH = 1.0
"""[s] a command stamped this far after the joint state being processed is on another clock: it acts
at once."""
FILL_LIMIT = 0.2
"""[s] the longest gap in a dense command stream whose targets are interpolated; through a longer
outage the last target is held. Measured on the routine (kp 1000): holding the target through a 50 ms
gap moves the shadow's effort by up to 26 N·m, still 0.05 N·m 1.5 s later; interpolating it, by
0.06 N·m, 0.0002 N·m 0.5 s later."""
FILL_EXACT = 0.02
"""[s] a gap up to this long is interpolated closely enough to keep every sample (measured: at most
0.004 N·m of shadow effort, gone within 0.05 s)."""
SETTLE_INTERPOLATED = 100.0
"""After a longer gap ``g`` [s] filled by interpolation, the samples of the next ``SETTLE_INTERPOLATED·g²``
[s] are not used for friction: the shadow's slow modes (the body rocking on its feet) settle. Measured
on the routine, to 0.005 N·m of shadow effort: 0.05 s after a 30 ms gap, 0.2 s after 50 ms, 0.5 s
after 100 ms, 3 s after 200 ms [1/s]."""
SETTLE_HELD = (0.5, 150.0)
"""After the shadow held a target ``g`` [s] too long (an outage over ``FILL_LIMIT``, or a command that
arrived after the joint state it acts before), ``a + b·g`` [s] of samples are not used (at most
``MAX_SETTLE``). Measured as above: 0.5 s after 4 or 10 ms, 2 s after 20 ms, 6.5 s after 50 ms."""
MAX_SETTLE = 10.0
"""[s] the longest such blackout after one gap."""
STILL_RESET = 2.0
"""[s] a robot that stood still this long and moves again restarts the warm-up (before the baseline
is done): the start of its motion, and its transient, stay out of the baseline."""
_MAX_QUEUED = 4096
_TREND_Z = 2.0
"""A friction trend is projected to a service date only when its drift exceeds this many standard
errors of a driftless Wiener process over the history (σ/√T): on healthy robots monitored for 60 s
(seeds 21–23) the noise of 35 s of estimates put 12–15 joints "due" within minutes."""


def _loop_mask(robot: RobotModel, names: tuple[str, ...], ends: tuple[str, ...]) -> NDArray[np.bool_]:
    """Joints on the kinematic path between the first two links (none if a link is missing)."""

    def chain(link: str) -> list[str]:
        out = []
        j = robot.parent_joint(link)
        while j is not None:
            out.append(j.name)
            j = robot.parent_joint(j.parent)
        return out

    try:
        a, b = chain(ends[0]), chain(ends[1])
    except (IndexError, KeyError, ValueError, TwinError):
        return np.zeros(len(names), dtype=bool)
    path = set(a) ^ set(b)
    return np.array([n in path for n in names], dtype=bool)


def monitored_joints(robot: RobotModel) -> tuple[str, ...]:
    """The joints a :class:`HealthMonitor` of ``robot`` watches, in its order: the actuated joints (mimic
    joints are not; the names a maintenance config is resolved for)."""
    return tuple(j.name for j in robot.actuated_joints)


class HealthMonitor:
    """Per-joint health from joint states and commands, fed live or from a recording.

    Thread-safe (one lock). Feed :meth:`on_command` before the joint state measured after it.

    Args:
        robot: default the bundled humanoid.
        config: a :class:`MaintenanceConfig`, a TOML path, or None (the shipped defaults).
        options: import options of the nominal model (default the humanoid's ``STANDING_OPTIONS``, for
            any robot, as a session's).
        timestep: physics step of the shadow model [s].
        feet: the robot's sole links (a session's ``[twin] feet``): the shadow starts with them flat,
            and the joints between them form the closed chain of double support.
    """

    def __init__(
        self,
        robot: RobotModel | None = None,
        config: MaintenanceConfig | str | Path | None = None,
        *,
        options: ImportOptions | None = None,
        timestep: float = 0.002,
        feet: Sequence[str] = FEET,
    ) -> None:
        from ..robots import humanoid

        self.robot = robot if robot is not None else humanoid.load_humanoid()
        if options is None:
            options = humanoid.STANDING_OPTIONS
        names = monitored_joints(self.robot)
        actuated = [self.robot.joint(n) for n in names]
        if not isinstance(config, MaintenanceConfig):
            config = load_maintenance_config(config, names)
        else:
            unknown = [n for n in config.joints if n not in names]
            if unknown:
                raise ConfigError(
                    f"{config.source}: joint {unknown[0]!r} is not a joint of {self.robot.name!r}"
                )
        self.config = config
        self.options = options
        self.timestep = timestep
        self.joint_names: tuple[str, ...] = names
        self._index = {n: i for i, n in enumerate(names)}
        n = len(names)
        ps = [config.params(x) for x in names]

        def arr(attr: str) -> FloatArray:
            return np.array([getattr(p, attr) for p in ps], dtype=float)

        self._params = ps
        self._limits = np.array(
            [
                j.limit.effort if j.limit is not None and j.limit.effort and j.limit.effort > 0 else 100.0
                for j in actuated
            ],
            dtype=float,
        )
        self._friction_nominal = np.array(
            [
                j.dynamics.friction if j.dynamics is not None and j.dynamics.friction else 0.0
                for j in actuated
            ],
            dtype=float,
        )
        self.feet: tuple[str, ...] = tuple(feet)
        self._loop = _loop_mask(self.robot, names, self.feet)
        """Joints of the closed chain feet–floor–feet (double support), where friction cross-talks."""
        self._kload = arr("friction_load_coeff")
        self._ktemp = arr("friction_temperature_coeff")
        self._tref = arr("reference_temperature")
        self.collective = LoadCollective(self._limits)
        self.thermal = ThermalModel(
            arr("torque_constant"),
            arr("gear_ratio"),
            arr("efficiency"),
            arr("winding_resistance"),
            arr("resistance_tempco"),
            arr("thermal_resistance"),
            arr("thermal_capacity"),
            arr("ambient_temperature"),
        )
        det = config.detection
        short = max(1, round(det.window * det.rate))
        self._long_bins = (  # only the Shewhart rule reads the long window: same samples, more bins
            max(short, round(det.long_window * det.rate)) if det.long_window > 0 and det.z_limit > 0 else None
        )
        self._win = FrictionWindow(n, short, history=self._long_bins)
        self._cusum = Cusum(n, det.cusum_k, det.cusum_h)
        self._ewma = Ewma(n, det.ewma_lambda, det.ewma_limit)
        self._lock = threading.Lock()
        self._shadow: _Shadow | None = None
        self._base: BaseState | None = None
        """Latest base odometry; when present the shadow is resynchronised (see the module doc)."""
        self._sync_dq = np.zeros(n)
        self._sync_dv = np.zeros(n)
        self._sync_n = 0
        self._synced_at: float | None = None
        self._sigma_model = np.zeros(n)
        """Spread of the window estimates beyond the sensor noise, measured in the baseline [N·m]
        (model error that changes from window to window, e.g. on a walking robot)."""
        self._commands: deque[tuple[float, NDArray[np.intp], FloatArray]] = deque(maxlen=_MAX_QUEUED)
        """Commands (stamp [s], joints, targets [rad]) not yet applied to the shadow, in arrival order."""
        self._latest_command = -math.inf
        self._states: deque[tuple[JointState, float | None]] = deque()
        """Joint states waiting for their command, with the stamp of the state received before each."""
        self._received: float | None = None
        self._applied: tuple[float, NDArray[np.intp], FloatArray] | None = None
        """The last command applied: stamp [s], joints, targets [rad]."""
        self._period = math.inf
        """[s] period of the command stream: median interval of the last commands applied (same joints)."""
        self._intervals: deque[float] = deque(maxlen=15)
        self._filled = 0
        """Lost commands whose targets were interpolated."""
        self._filled_to = -math.inf
        """[s] stamp of the last interpolated target."""
        self._blind_until = -math.inf
        """[s] since the first sample: samples before this are not used for friction (the shadow
        lacked commands, see ``SETTLE_INTERPOLATED``)."""
        self._off_path_at = -math.inf
        """[s] since the first sample: the last sample not used for that reason; a window holding one
        is not judged (without a stretch of the motion its estimate moves by the model error)."""
        self.off_path = 0
        """Samples not used for friction because the shadow lacked their commands (lost or late)."""
        self.commands = 0
        """Commands received."""
        self._moving_since = 0.0
        """[s] since the first sample: when the warm-up started — at the first sample, or when the
        robot moved (a joint faster than twice the stiction threshold) after standing still."""
        self._still_from: float | None = 0.0
        """[s] since the first sample: since when the robot stands still (None: it moves)."""
        self._t0: float | None = None
        self._last: float | None = None
        self._q: FloatArray | None = None
        self.samples = 0
        self.rejected = 0
        self._angle = np.zeros(n)
        self._halfcycles = np.zeros(n)
        self._dir = np.ones(n)
        self._ext = np.zeros(n)
        self._sumsq = np.zeros(n)
        self._peak = np.zeros(n)
        self._effort_time = 0.0
        self._next_tick = 1.0 / det.rate
        self._base_f: list[FloatArray] = []
        self._base_sd: list[FloatArray] = []
        self._base_ok: list[FloatArray] = []
        self._mu0: FloatArray | None = None
        """Reference friction offset from the healthy baseline [N·m] (rise and RUL are relative to it)."""
        self._sigma0: FloatArray | None = None
        """Typical standard deviation of a window estimate during the baseline [N·m]."""
        self._mu = np.zeros(n)
        """Reference the alarm statistics compare with: the baseline, refined by healthy estimates."""
        self._count = np.zeros(n)
        """Ticks averaged into :attr:`_mu`."""
        self._monitored = np.zeros(n, dtype=bool)
        self._excited = np.zeros(n, dtype=bool)
        self._notes = [""] * n
        self._friction = np.full(n, np.nan)
        self._friction_std = np.full(n, np.nan)
        self._alarmed = {k: np.zeros(n, dtype=bool) for k in ("cusum", "ewma", "shewhart")}
        self._z = np.zeros(n)
        """Latest drift statistic per joint: the larger z of the window and the long window [-]."""
        self._detectable = np.full(n, np.nan)
        """Smallest friction step the alarms find within ``detection_time`` now [N·m] (see
        :meth:`_sensitivity`)."""
        self.alarms: list[Alarm] = []
        """Alarms so far, in order."""
        self._history: deque[tuple[float, FloatArray]] = deque()
        self._next_hist = 0.0

    # ------------------------------------------------------------ feeding

    def _indices(self, names: tuple[str, ...]) -> tuple[NDArray[np.intp], NDArray[np.intp]]:
        src, dst = [], []
        for k, name in enumerate(names):
            i = self._index.get(name)
            if i is not None:
                src.append(k)
                dst.append(i)
        return np.array(src, dtype=np.intp), np.array(dst, dtype=np.intp)

    def on_command(self, cmd: JointCommand) -> None:
        """A joint command (position targets [rad]); acts on the shadow model from its stamp on."""
        if cmd.position is None or not math.isfinite(cmd.stamp):
            return
        src, dst = self._indices(cmd.names)
        q = np.asarray(cmd.position, dtype=float)[src]
        ok = np.isfinite(q)
        with self._lock:
            self._commands.append((float(cmd.stamp), dst[ok], q[ok]))
            self._latest_command = max(self._latest_command, float(cmd.stamp))
            self.commands += 1
            self._drain()

    def on_base(self, base: BaseState) -> None:
        """Base odometry of a floating-base robot; from now on the shadow is resynchronised to the
        measured state every ``detection.resync_period`` (see the module doc)."""
        if not (all(map(math.isfinite, base.position)) and all(map(math.isfinite, base.quat))):
            return
        with self._lock:
            self._base = base

    def on_joint_state(self, js: JointState) -> None:
        """A measured joint state (position [rad], velocity [rad/s], effort [N·m]); processed once
        the command acting before it has arrived (see the module doc)."""
        with self._lock:
            self._states.append((js, self._received))
            self._received = float(js.stamp)
            self._drain()

    def _drain(self, flush: bool = False) -> None:
        """Process the waiting joint states whose command has arrived (all of them with ``flush``)."""
        eps = 0.25 * self.timestep
        while self._states:
            js, before = self._states[0]
            t = float(js.stamp)
            # the command acting just before t: one period before it in a dense stream (a lost state
            # does not make the next one ready early), else the one at or after the previous state
            due = t - self._period if self._period <= DENSE_COMMANDS else before
            ready = (
                flush
                or due is None
                or self._latest_command >= due - eps
                or (self._received is not None and self._received - t >= COMMAND_HOLD)
            )
            if not ready:
                return
            self._states.popleft()
            self._on_joint_state(js)

    def _apply_commands(self, t: float) -> None:
        """Apply the queued commands that act up to stamp ``t``, each at its own stamp; targets lost
        from a dense stream are interpolated (see :data:`DENSE_COMMANDS`)."""
        assert self._shadow is not None and self._t0 is not None
        eps = 0.25 * self.timestep
        while self._commands:
            stamp, idx, val = self._commands[0]
            if stamp > t + CLOCK_MISMATCH:
                self._shadow.command(idx, val)  # another clock: act now
                self._commands.popleft()
                self._applied = None
                continue
            if stamp > t - eps:
                self._fill_gap(t, stamp, idx, val)
                return  # acts after this state
            self._shadow.advance_to(stamp - self._t0)  # no-op for a late command
            self._commands.popleft()
            self._shadow.command(idx, val)
            last = self._applied
            if last is not None and np.array_equal(last[1], idx) and stamp > last[0]:
                gap = stamp - last[0]
                if self._period <= DENSE_COMMANDS and gap > FILL_EXACT + eps:
                    self._lost_track(last[0] - self._t0, gap, held=gap > FILL_LIMIT)
                self._intervals.append(gap)
                if abs(gap - self._period) > eps:  # lost messages do not move the median
                    self._period = sorted(self._intervals)[len(self._intervals) // 2]
            else:
                self._intervals.clear()
                self._period = math.inf
            self._applied = (stamp, idx, val)

    def _lost_track(self, start: float, gap: float, *, held: bool) -> None:
        """The shadow ran ``gap`` [s] from ``start`` [s since the first sample] on interpolated or
        held targets: the samples until it settled are not used (see ``SETTLE_INTERPOLATED``)."""
        a, b = SETTLE_HELD
        settle = a + b * gap if held else SETTLE_INTERPOLATED * gap * gap
        until = start + gap + min(settle, MAX_SETTLE)
        self._blind_until = max(self._blind_until, until)

    def _fill_gap(self, t: float, stamp: float, idx: NDArray[np.intp], val: FloatArray) -> None:
        """The next command (at ``stamp``) comes after state ``t``: if it follows the last one of a
        dense stream by more than a period, the targets of the lost messages due before ``t`` are
        interpolated between the two, each at its own time."""
        last, p = self._applied, self._period
        if last is None or not p <= DENSE_COMMANDS or stamp - last[0] > FILL_LIMIT:
            return
        if not np.array_equal(last[1], idx):
            return
        assert self._shadow is not None and self._t0 is not None
        eps = 0.25 * self.timestep
        s0, _, v0 = last
        tm = (self._filled_to if self._filled_to > s0 else s0) + p  # after the fills for earlier states
        while tm < min(stamp, t) - eps:
            self._shadow.advance_to(tm - self._t0)
            self._shadow.command(idx, v0 + (val - v0) * ((tm - s0) / (stamp - s0)))
            self._filled_to = tm
            self._filled += 1
            tm += p

    def _on_joint_state(self, js: JointState) -> None:
        src, dst = self._indices(js.names)
        n = len(self.joint_names)
        if len(dst) != n or len(js.position) != len(js.names):
            self.rejected += 1  # partial states are not used for health (every joint is needed)
            return
        order = np.empty(n, dtype=np.intp)
        order[dst] = src
        q = np.asarray(js.position, dtype=float)[order]
        t = float(js.stamp)
        if not np.all(np.isfinite(q)) or (self._last is not None and t <= self._last):
            self.rejected += 1
            return
        if self._shadow is None:
            self._shadow = _Shadow(self.robot, self.options, self.joint_names, self.timestep, self.feet)
            self._shadow.robot_joint_names = self.joint_names
            self._shadow.start(q)
            self._t0, self._last, self._q = t, t, q
            self._apply_commands(t)
            self._ext = q.copy()
            self.samples = 1
            return
        assert self._t0 is not None and self._last is not None and self._q is not None
        dt = t - self._last
        elapsed = t - self._t0
        if js.velocity is not None and len(js.velocity) == len(js.names):
            v = np.asarray(js.velocity, dtype=float)[order]
        else:
            v = (q - self._q) / dt
        effort = None
        if js.effort is not None and len(js.effort) == len(js.names):
            effort = np.asarray(js.effort, dtype=float)[order]
            if not np.all(np.isfinite(effort)):
                effort = None
        self._apply_commands(t)
        if self._period <= DENSE_COMMANDS and self._applied is not None:
            # this sample runs on a target that should have been replaced (its command is lost or late)
            due = max(self._applied[0], self._filled_to) + self._period
            if t - due > 0.5 * self.timestep:
                self._lost_track(due - self._t0, t - due, held=True)
        self._shadow.advance_to(elapsed)
        self._last, self.samples = t, self.samples + 1
        if self._mu0 is None:
            self._note_motion(
                elapsed, bool(np.any(np.abs(v) > 2.0 * self.config.detection.velocity_threshold))
            )
        # usage
        self._angle += np.abs(v) * dt
        self._cycles(q)
        self._q = q
        if effort is None:
            return
        self.collective.add(effort, v, dt)
        temp = self.thermal.step(effort, dt)
        self._sumsq += effort * effort * dt
        self._effort_time += dt
        np.maximum(self._peak, np.abs(effort), out=self._peak)
        # residual and friction
        tau_s = self._shadow.effort()
        v_s = self._shadow.velocity()
        det = self.config.detection
        moving = (np.abs(v_s) > det.velocity_threshold) & (np.abs(v) > det.velocity_threshold)
        if self._synced_at is not None and elapsed - self._synced_at < det.resync_mask:
            moving[:] = False  # the shadow is settling after a resync
        if elapsed < self._blind_until:
            moving[:] = False  # the shadow is settling after running without its commands
            self.off_path += 1
            self._off_path_at = elapsed
        gain = (1.0 + self._kload * np.abs(tau_s) / self._limits) * (1.0 + self._ktemp * (temp - self._tref))
        self._win.update(effort - tau_s, v_s, gain, moving)
        if self._base is not None and det.resync_period > 0:
            self._resync(q, v, v_s, elapsed)
        while elapsed >= self._next_tick:
            self._next_tick += 1.0 / det.rate
            self._tick(t, elapsed)

    def _note_motion(self, elapsed: float, moving: bool) -> None:
        """Until the baseline is done, the warm-up starts again (dropping the baseline so far) when
        the robot moves after standing still for ``STILL_RESET`` (also from the first sample on)."""
        if not moving:
            if self._still_from is None:
                self._still_from = elapsed
            return
        if self._still_from is not None and elapsed - self._still_from >= STILL_RESET:
            rate = self.config.detection.rate
            self._moving_since = math.ceil(elapsed * rate) / rate  # on the tick grid, after the start
            self._base_f.clear()
            self._base_sd.clear()
            self._base_ok.clear()
        self._still_from = None

    def _resync(self, q: FloatArray, v: FloatArray, v_shadow: FloatArray, elapsed: float) -> None:
        assert self._shadow is not None
        self._sync_dq += q - self._shadow.position()
        self._sync_dv += v - v_shadow
        self._sync_n += 1
        due = self._synced_at is None or elapsed - self._synced_at >= self.config.detection.resync_period
        if due:
            k = float(self._sync_n)
            self._shadow.resync(self._sync_dq / k, self._sync_dv / k, self._base)
            self._sync_dq[:] = 0.0
            self._sync_dv[:] = 0.0
            self._sync_n = 0
            self._synced_at = elapsed

    def _cycles(self, q: FloatArray) -> None:
        """Rainflow-lite: a half cycle per reversal larger than the hysteresis (0.02 rad)."""
        h = 0.02
        pos = self._dir > 0
        self._ext = np.where(pos, np.maximum(self._ext, q), np.minimum(self._ext, q))
        rev = np.where(pos, q < self._ext - h, q > self._ext + h)
        self._halfcycles += rev
        self._dir = np.where(rev, -self._dir, self._dir)
        self._ext = np.where(rev, q, self._ext)

    def _tick(self, t: float, elapsed: float) -> None:
        """End of a window bin: new friction estimates, baseline, reference and alarm statistics."""
        det = self.config.detection
        self._win.close_bin()
        if not self._win.full:
            return
        f, sd, npos, nneg = self._win.estimate()
        mean_dt = self.elapsed / max(self.samples - 1, 1)
        need = det.min_motion / mean_dt if mean_dt > 0 else 0.0
        excited = (npos >= need) & (nneg >= need) & np.isfinite(f) & np.isfinite(sd)
        excited &= elapsed - self._off_path_at >= det.window - 1e-9
        self._excited = excited
        self._friction = np.where(excited, f, self._friction)
        self._friction_std = np.where(excited, sd, self._friction_std)
        since = elapsed - self._moving_since
        if since < det.warmup + det.window - 1e-9:
            return
        if since <= det.judged_after + 1e-9:
            self._base_f.append(np.where(excited, f, np.nan))
            self._base_sd.append(np.where(excited, sd, np.nan))
            self._base_ok.append(excited.astype(float))
            return
        if self._mu0 is None:
            if not self._base_f:
                return
            self._start_monitoring()
        assert self._mu0 is not None and self._sigma0 is not None
        judged = excited & self._monitored
        per_tick = det.window * det.rate  # overlapping windows per independent one
        sm2 = self._sigma_model**2  # model error that changes between windows, and the reference's
        ref2 = (self._sigma0**2 + sm2) * per_tick / np.maximum(self._count, per_tick)
        sigma = np.sqrt(np.nan_to_num(sd) ** 2 + sm2 + ref2)
        sigma = np.maximum(sigma, det.sigma_floor)
        f = self._friction
        z = np.where(judged, (f - self._mu) / sigma, 0.0)
        rise_abs = f - self._mu0
        baseline = self._reference_friction()
        big = self._big(f, judged, baseline)
        # Shewhart: one window far above the reference (the long window sees a small step with √2 less
        # noise); each needs its own rise
        shewhart = np.zeros_like(judged)
        z_top = z
        sigma_found: FloatArray | None = None  # the noise a found step must exceed (long window's)
        if det.z_limit > 0:
            shewhart = (z > det.z_limit) & big
            if self._long_bins is not None and self._win.holds(self._long_bins):
                fl, sdl, _, _ = self._win.estimate(self._long_bins)
                ok = judged & np.isfinite(fl) & np.isfinite(sdl)
                ok &= elapsed - self._off_path_at >= det.long_window - 1e-9
                sigma_l = np.maximum(np.sqrt(np.nan_to_num(sdl) ** 2 + sm2 + ref2), det.sigma_floor)
                z_long = np.where(ok, (np.nan_to_num(fl) - self._mu) / sigma_l, 0.0)
                sigma_found = np.where(ok, sigma_l, sigma)
                shewhart |= (z_long > det.z_limit) & self._big(np.where(ok, fl, self._mu), ok, baseline)
                z_top = np.maximum(z, z_long)
        self._detectable = np.where(judged, self._sensitivity(sigma, sigma_found, baseline), self._detectable)
        stats = {
            "cusum": self._cusum.update(z, judged) & big,
            "ewma": self._ewma.update(z, judged) & big,
            "shewhart": shewhart,
        }
        self._z = z_top  # 0 where not judged (z and z_long are)
        values = {"cusum": self._cusum.g, "ewma": self._ewma.e, "shewhart": z_top}
        for name, hit in stats.items():
            new = hit & judged & ~self._alarmed[name]
            for i in np.flatnonzero(new):
                self._alarmed[name][i] = True
                self.alarms.append(
                    Alarm(
                        joint=self.joint_names[i],
                        time=t,
                        elapsed=elapsed,
                        statistic=name,  # type: ignore[arg-type]
                        value=float(values[name][i]),
                        friction=float(baseline[i] + f[i] - self._mu[i]),
                        baseline=float(baseline[i]),
                    )
                )
                _log.warning("friction alarm on %s at %.1f s (%s)", self.joint_names[i], elapsed, name)
        # the reference keeps learning from healthy estimates (a longer baseline, without its wait)
        alarmed = self._any_alarm()
        ok = judged & (z < det.track_limit) & ~alarmed & (det.memory > 0)
        if ok.any():
            self._count = np.where(
                ok, np.minimum(self._count + 1.0, max(det.memory * det.rate, 1.0)), self._count
            )
            self._mu = np.where(ok, self._mu + (f - self._mu) / np.maximum(self._count, 1.0), self._mu)
        if elapsed >= self._next_hist:
            self._next_hist = elapsed + 1.0
            self._history.append((elapsed, rise_abs / np.maximum(baseline, 1e-9)))
            window = self.config.prognosis.trend_window
            while self._history and self._history[0][0] < elapsed - window:
                self._history.popleft()

    def _sensitivity(
        self, sigma: FloatArray, sigma_long: FloatArray | None, baseline: FloatArray
    ) -> FloatArray:
        """Smallest friction step [N·m] the alarms find within ``detection_time``, from the noise
        the statistics see now: ``z_limit`` standard deviations of the long window's estimate (the
        short one's without a long window), or ``cusum_k`` + 1 of the window's for CUSUM alone (it
        then gains one per tick and exceeds ``cusum_h`` after ⌊h⌋ + 1 ticks); at least ``min_rise`` of the
        reference friction. A joint of the closed leg chain shows only part of its own step in its
        estimate (docs/maintenance.md), so its figure is a lower bound."""
        det = self.config.detection
        if det.z_limit > 0:
            step = det.z_limit * (sigma if sigma_long is None else sigma_long)
        else:
            step = (det.cusum_k + 1.0) * sigma
        return np.asarray(np.maximum(step, det.min_rise * baseline))

    def _shares_with(self, i: int, alarmed: NDArray[np.bool_]) -> tuple[str, ...]:
        """Other monitored joints of the closed leg chain that alarmed too, or whose estimate rose by at
        least ``isolation`` of joint ``i``'s rise (the alarm rule's cross-talk margin), largest rise
        first."""
        if not self._loop[i] or self._mu0 is None:
            return ()
        up = np.nan_to_num(self._friction - self._mu)
        peers = self._loop & self._monitored & ((up >= self.config.detection.isolation * up[i]) | alarmed)
        peers &= up > 0
        peers[i] = False
        return tuple(self.joint_names[k] for k in sorted(np.flatnonzero(peers), key=lambda k: -up[k]))

    def _big(self, f: FloatArray, judged: NDArray[np.bool_], baseline: FloatArray) -> NDArray[np.bool_]:
        """Where the estimate ``f`` rose enough above the reference to alarm: ``min_rise`` of the
        reference friction, and in the closed leg chain ``isolation`` of the chain's largest rise."""
        det = self.config.detection
        big = f - self._mu >= det.min_rise * baseline
        # closed leg chain: part of one joint's extra friction shows up in the others (≈ 50 % in the
        # other knee on the emulator); a loop joint whose rise is below `isolation` × the loop's
        # largest is taken as that cross-talk, not as its own fault
        up = np.where(judged & self._loop, f - self._mu, 0.0)
        if up.max(initial=0.0) > 0:
            big &= ~self._loop | (up >= det.isolation * up.max())
        return np.asarray(big)

    def _any_alarm(self) -> NDArray[np.bool_]:
        a = self._alarmed
        return np.asarray(a["cusum"] | a["ewma"] | a["shewhart"])

    def _start_monitoring(self) -> None:
        """End of the baseline: reference, spread, and which joints are excited enough to judge."""
        det = self.config.detection
        base = np.array(self._base_f)
        ok = np.array(self._base_ok)
        frac = ok.mean(axis=0)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            mu0 = np.nanmean(np.where(ok > 0, base, np.nan), axis=0)
            sd0 = np.nanmedian(np.array(self._base_sd), axis=0)
            spread = np.nanstd(np.where(ok > 0, base, np.nan), axis=0)
        self._monitored = (frac >= det.min_samples) & np.isfinite(mu0) & np.isfinite(sd0)
        self._mu0 = np.where(self._monitored, mu0, 0.0)
        self._sigma0 = np.maximum(np.where(self._monitored, sd0, det.sigma_floor), det.sigma_floor)
        self._sigma_model = np.where(
            self._monitored, np.sqrt(np.maximum(np.nan_to_num(spread) ** 2 - self._sigma0**2, 0.0)), 0.0
        )
        self._mu = self._mu0.copy()
        self._count = ok.sum(axis=0)
        warning = stream_warning(self.samples, self.commands, self.off_path)
        why = f"; {warning}" if warning is not None else ""
        for i in np.flatnonzero(~self._monitored):
            self._notes[i] = (
                f"not monitored: {NO_COMMANDS}"
                if warning == NO_COMMANDS  # how much it moved says nothing then
                else f"not monitored: moved at least {det.min_motion:g} s each way in {frac[i]:.0%} of "
                f"the baseline windows (needs {det.min_samples:.0%}){why}"
            )
        # a joint whose estimate the model error moves by a sizeable part of its friction cannot tell
        # a friction rise of that size from the model error (walking: hip pitch, knees)
        ref = self._reference_friction()
        blurred = self._monitored & (self._sigma_model > det.max_model_spread * ref)
        for i in np.flatnonzero(blurred):
            self._notes[i] = (
                f"not monitored: the model error moves its friction estimate by ±{self._sigma_model[i]:.3f} "
                f"N·m ({self._sigma_model[i] / ref[i]:.0%} of its friction, limit "
                f"{det.max_model_spread:.0%}) in this motion"
            )
        self._monitored &= ~blurred
        if (~self._monitored).any():
            _log.info(
                "friction drift not monitored (too little motion or too much model error): %s",
                ", ".join(self.joint_names[i] for i in np.flatnonzero(~self._monitored)),
            )

    # ------------------------------------------------------------ results

    @property
    def alarmed_joints(self) -> tuple[str, ...]:
        """Joints with at least one alarm, in order of their first alarm."""
        seen: dict[str, None] = {}
        for a in self.alarms:
            seen.setdefault(a.joint, None)
        return tuple(seen)

    @property
    def elapsed(self) -> float:
        """Stream time fed so far [s]."""
        return 0.0 if self._t0 is None or self._last is None else self._last - self._t0

    def values(self) -> dict[str, float]:
        """Flat health metrics for ``/diagnostics`` and Prometheus (``maintenance.<joint>.<metric>``)."""
        with self._lock:
            out: dict[str, float] = {
                "maintenance.samples": float(self.samples),
                "maintenance.hours": self.elapsed / 3600.0,
                "maintenance.alarms": float(len(self.alarms)),
                "maintenance.off_path_samples": float(self.off_path),
            }
            rise = self._rise()
            alarmed = self._any_alarm()
            ref = self._reference_friction()
            for i, name in enumerate(self.joint_names):
                p = f"maintenance.{name}"
                out[f"{p}.temperature"] = float(self.thermal.temperature[i])
                out[f"{p}.angle"] = float(self._angle[i])
                out[f"{p}.cycles"] = float(self._halfcycles[i] / 2.0)
                out[f"{p}.alarm"] = float(alarmed[i])
                if rise is not None and self._monitored[i]:
                    out[f"{p}.friction_rise"] = float(rise[i])
                    out[f"{p}.drift_z"] = float(self._z[i])
                    if math.isfinite(self._detectable[i]):
                        out[f"{p}.detectable_rise"] = float(self._detectable[i] / ref[i])
            return out

    def _reference_friction(self) -> FloatArray:
        """The healthy friction rises are relative to [N·m]: the nominal model's (rated) friction.

        Not the nominal friction + the identified offset μ0: μ0 also holds whatever of the model error
        correlates with sign(v) (viscous damping, mass errors along a periodic motion) — on the emulator
        it is up to twice the true friction, which would understate every rise. Joints without a
        nominal friction fall back to |μ0| (at least ``sigma_floor``).
        """
        floor = self.config.detection.sigma_floor
        mu0 = np.zeros_like(self._friction_nominal) if self._mu0 is None else np.abs(self._mu0)
        return np.asarray(
            np.where(self._friction_nominal > 0, self._friction_nominal, np.maximum(mu0, floor))
        )

    def _rise(self) -> FloatArray | None:
        if self._mu0 is None:
            return None
        return np.asarray((self._friction - self._mu0) / self._reference_friction())

    def _rul_friction(self, i: int) -> RemainingLife | None:
        prog = self.config.prognosis
        if len(self._history) < 20:
            return None
        t = np.array([h[0] for h in self._history])
        x = np.array([h[1][i] for h in self._history])
        slope = float(np.polyfit(t, x, 1)[0])
        if not slope > 0:
            return None
        now = x[-10:].mean()
        dist = prog.friction_limit - now
        if dist <= 0:
            return RemainingLife(0.0, 0.0, 0.0, "friction over the service limit")
        # diffusion from increments of bin means (bin averaging removes most estimation noise)
        bins = 10
        edges = np.linspace(t[0], t[-1], bins + 1)
        tb, xb = [], []
        for a, b in pairwise(edges):
            m = (t >= a) & (t <= b)
            if m.any():
                tb.append(t[m].mean())
                xb.append(x[m].mean())
        dtb, dxb = np.diff(tb), np.diff(xb)
        var = float(np.var(dxb - slope * dtb) / np.mean(dtb)) if len(dtb) > 2 else 0.0
        var = max(var, 1e-12)
        if slope < _TREND_Z * math.sqrt(var / (t[-1] - t[0])):
            return None  # a drift the diffusion explains: no trend (noise extrapolated to a service date)
        mean, shape = dist / slope, dist * dist / var
        c = prog.confidence
        q = [inverse_gaussian_quantile(p, mean, shape) / 3600.0 for p in (0.5, (1 - c) / 2, (1 + c) / 2)]
        return RemainingLife(q[0], q[1], q[2], f"Wiener friction trend to +{prog.friction_limit:.0%}")

    def _life(
        self, i: int, coll: LoadCollective, used: float, basis: str
    ) -> tuple[RemainingLife, float, float]:
        p = self._params[i]
        s = coll.summary(i, p.bearing_static_load, p.bearing_load_per_torque, p.bearing_exponent)
        l_bear = bearing_l10h(p.bearing_capacity, s.bearing_load, s.mean_speed, p.bearing_exponent)
        l_hd = harmonic_drive_l10(
            p.hd_rated_life,
            p.hd_rated_speed,
            p.hd_rated_torque,
            s.mean_speed * p.gear_ratio,
            s.torque_cubic_mean,
        )
        l10 = min(l_bear, l_hd)
        left = max(0.0, 1.0 - used)
        return (
            RemainingLife(
                left * l10,
                left * weibull_life_quantile(l10, 0.05),
                left * weibull_life_quantile(l10, 0.5),
                f"L10 ({'bearing' if l_bear < l_hd else 'harmonic drive'}) at the {basis} duty; band L5–L50",
            ),
            l_bear,
            l_hd,
        )

    def report(self, planned: LoadCollective | None = None, *, source: str = "live") -> MaintenanceReport:
        """Health, alarms and the maintenance schedule now.

        ``planned``: the load collective of the planned work (e.g. from :func:`planned_duty`); its
        L10 life gives :attr:`JointHealth.rul_planned`.
        """
        with self._lock:
            self._drain(flush=True)  # states still waiting for a command
            created = now_iso()
            rise = self._rise()
            joints = []
            unjudged = ""  # every joint's note when the baseline never finished
            det = self.config.detection
            if self._mu0 is None:
                why = stream_warning(
                    self.samples,
                    self.commands,
                    self.off_path,
                    judged=False,
                    needed=det.judged_after,
                )
                unjudged = f"not judged: {why}"
            alarmed = self._any_alarm()
            for i, name in enumerate(self.joint_names):
                p = self._params[i]
                s = self.collective.summary(
                    i, p.bearing_static_load, p.bearing_load_per_torque, p.bearing_exponent
                )
                _, l_bear, l_hd = self._life(i, self.collective, 0.0, "observed")
                l10 = min(l_bear, l_hd)
                used = s.hours / l10 if math.isfinite(l10) and l10 > 0 else 0.0
                rul_life, _, _ = self._life(i, self.collective, used, "observed")
                rul_planned = self._life(i, planned, used, "planned")[0] if planned is not None else None
                mon = bool(self._monitored[i]) and rise is not None
                ref = self._reference_friction()
                base = float(ref[i]) if mon else None
                joints.append(
                    JointHealth(
                        joint=name,
                        hours=s.hours,
                        revolutions=s.revolutions,
                        angle=float(self._angle[i]),
                        cycles=float(self._halfcycles[i] / 2.0),
                        torque_rms=float(math.sqrt(self._sumsq[i] / self._effort_time))
                        if self._effort_time
                        else 0.0,
                        torque_peak=float(self._peak[i]),
                        torque_cubic_mean=s.torque_cubic_mean,
                        mean_speed=s.mean_speed,
                        temperature=float(self.thermal.temperature[i]),
                        temperature_peak=float(self.thermal.peak[i]),
                        bearing_load=s.bearing_load,
                        bearing_l10h=l_bear,
                        harmonic_drive_l10h=l_hd,
                        life_used=used,
                        monitored=mon,
                        friction=float(ref[i] + self._friction[i] - self._mu0[i])
                        if mon and self._mu0 is not None
                        else None,
                        friction_baseline=base,
                        friction_rise=float(rise[i]) if mon and rise is not None else None,
                        alarm=bool(alarmed[i]),
                        rul_friction=self._rul_friction(i) if mon else None,
                        note=self._notes[i] or unjudged,
                        rul_life=rul_life,
                        rul_planned=rul_planned,
                        shares_with=self._shares_with(i, alarmed) if alarmed[i] else (),
                        detectable_rise=float(self._detectable[i] / ref[i])
                        if mon and math.isfinite(self._detectable[i])
                        else None,
                    )
                )
            schedule = build_schedule(joints, self.alarms, self.config, created)
            return MaintenanceReport(
                created=created,
                source=source,
                duration=self.elapsed,
                samples=self.samples,
                joints=tuple(joints),
                alarms=tuple(self.alarms),
                schedule=schedule,
                config=self.config.source,
                off_path=self.off_path,
                commands=self.commands,
                judged=self._mu0 is not None,
                detection_time=self.config.detection.detection_time,
                needed=det.judged_after,
            )


def build_schedule(
    joints: list[JointHealth], alarms: list[Alarm], config: MaintenanceConfig, created: str
) -> tuple[ScheduleItem, ...]:
    """Thresholds → actions. Alarmed joints first (largest friction rise first), then by due time."""
    prog = config.prognosis
    items: list[tuple[int, float, float, str, str, str, str]] = []
    rises = {j.joint: j.friction_rise or 0.0 for j in joints}
    first_alarm: dict[str, Alarm] = {}
    for a in alarms:
        first_alarm.setdefault(a.joint, a)
    for j in joints:
        p = config.params(j.joint)
        if j.alarm:
            a = first_alarm[j.joint]
            due = prog.alarm_due_hours
            if j.rul_friction is not None:
                due = min(due, j.rul_friction.low)
            shared = ""
            if j.shares_with:
                one = len(j.shares_with) == 1
                peers = ", ".join(f"{x} (+{rises[x]:.0%})" for x in j.shares_with)
                shared = (
                    f"; {peers} rose too: in the closed leg chain one joint's extra friction shows in the "
                    f"others, so inspect {'it' if one else 'them'} too"
                )
            items.append(
                (
                    0,
                    -(j.friction_rise or 0.0),
                    due,
                    j.joint,
                    "inspect the joint: friction, lubrication, gear wear",
                    f"friction +{(j.friction_rise or 0.0):.0%} over its baseline "
                    f"({a.statistic} alarm at {a.elapsed:.1f} s){shared}",
                    "alarm",
                )
            )
        elif j.rul_friction is not None and j.rul_friction.low < prog.horizon_hours:
            items.append(
                (
                    1,
                    0.0,
                    j.rul_friction.low,
                    j.joint,
                    "re-lubricate and inspect the joint",
                    f"friction rising; reaches +{prog.friction_limit:.0%} in "
                    f"{j.rul_friction.median:.3g} h (band {j.rul_friction.low:.3g}–"
                    f"{j.rul_friction.high:.3g} h)",
                    "warning",
                )
            )
        if j.temperature_peak > 0.85 * p.max_temperature:
            items.append(
                (
                    1,
                    0.0,
                    0.0,
                    j.joint,
                    "reduce duty or check motor cooling",
                    f"winding reached {j.temperature_peak:.0f} °C (limit {p.max_temperature:.0f} °C)",
                    "warning",
                )
            )
        if j.rul_life.median < prog.horizon_hours:
            comp = "bearing" if j.bearing_l10h < j.harmonic_drive_l10h else "harmonic drive"
            items.append(
                (
                    2,
                    0.0,
                    j.rul_life.median,
                    j.joint,
                    f"replace the {comp}",
                    f"{comp} L10 life reached at the observed duty ({j.life_used:.1%} used)",
                    "planned",
                )
            )
        if j.rul_planned is not None and j.rul_planned.median < prog.horizon_hours:
            items.append(
                (
                    2,
                    0.0,
                    j.rul_planned.median,
                    j.joint,
                    "replace the actuator before the planned work ends",
                    "L10 life at the planned duty falls inside the planning horizon",
                    "planned",
                )
            )
    items.sort(key=lambda x: (x[0], x[1], x[2]))
    return tuple(
        ScheduleItem(k + 1, it[3], it[4], it[2], due_date(created, it[2]), it[5], it[6])  # type: ignore[arg-type]
        for k, it in enumerate(items)
    )


def analyze_recording(
    path: str | Path,
    config: MaintenanceConfig | str | Path | None = None,
    *,
    robot: RobotModel | None = None,
    options: ImportOptions | None = None,
    planned: LoadCollective | None = None,
    topics: BridgeConfig | None = None,
    feet: Sequence[str] = FEET,
) -> MaintenanceReport:
    """Replay a recording (MCAP or rosbag2) through a :class:`HealthMonitor`; returns its report.

    ``topics``: the session's bridge config, whose ``[topics]`` say where joint states, commands,
    servo targets and base odometry were recorded (default: the bridge defaults, no odometry).
    ``feet``: the robot's sole links (a session's ``[twin] feet``).

    Raises:
        MaintenanceError: the recording has no joint states (or none with effort).
        RecordingError: the file cannot be read.
    """
    from ..ros.record import RecordingError
    from ..ros.replay import ReplaySource

    monitor = HealthMonitor(robot, config, options=options, feet=feet)
    try:
        source = ReplaySource(path, topics)
    except RecordingError as err:
        raise MaintenanceError(str(err)) from err
    if source.targets_topic is not None:
        # the servo targets are what the servos applied, recorded commands included: fed the commands
        # too (a teleop or controller publishing on joint_command), the shadow ran two command streams
        # for the same servos and every sample of a G1 session fell off its path
        source.command_topic = None

    class _Feed:  # the part of DigitalTwin that ReplaySource.run uses
        class _Ok:
            accepted = True

        missing: tuple[str, ...] = ()

        def update(self, js: JointState) -> Any:
            if not self.missing:
                self.missing = tuple(n for n in monitor.joint_names if n not in js.names)
            monitor.on_joint_state(js)
            return self._Ok

        def note_command(self, cmd: JointCommand) -> None:
            monitor.on_command(cmd)

        def update_base(self, base: BaseState) -> None:
            monitor.on_base(base)

    feed = _Feed()
    source.run(feed, prediction_rate=0.0, keep_predictions=False)  # type: ignore[arg-type]
    if monitor.samples < 2:
        lacking = f"; they lack {', '.join(feed.missing)}" if feed.missing else ""
        raise MaintenanceError(
            f"{path}: fewer than 2 usable joint states naming every joint of {monitor.robot.name!r}"
            f"{lacking} (give the recorded robot with --session-config [robot])"
        )
    if monitor._effort_time == 0.0:
        raise MaintenanceError(
            f"{path}: the joint states carry no effort; maintenance needs measured torques"
        )
    return monitor.report(planned, source=str(path))


def planned_duty(
    commands: Any,
    duration: float,
    *,
    robot: RobotModel | None = None,
    options: ImportOptions | None = None,
    rate: float = 100.0,
) -> LoadCollective:
    """The load collective the nominal model predicts for planned work.

    ``commands(t) -> Mapping[str, float]`` gives position targets [rad] at time ``t`` [s]; the nominal
    model (the twin) runs it for ``duration`` [s]. Scale the result with
    :meth:`LoadCollective.scaled` (e.g. ``× hours·3600/duration``) for N hours of that work.
    """
    mon = HealthMonitor(robot, options=options)
    sh = _Shadow(mon.robot, mon.options, mon.joint_names, mon.timestep, mon.feet)
    sh.robot_joint_names = mon.joint_names
    first: Mapping[str, float] = commands(0.0)
    q0 = np.array([first.get(n, 0.0) for n in mon.joint_names])
    sh.start(q0)
    coll = LoadCollective(mon._limits)
    idx = np.arange(len(mon.joint_names))
    dt = 1.0 / rate
    t = 0.0
    while t < duration:
        c = commands(t)
        sh.command(idx, np.array([c.get(n, q0[i]) for i, n in enumerate(mon.joint_names)]))
        t += dt
        sh.advance_to(t)
        coll.add(sh.effort(), sh.velocity(), dt)
    return coll
