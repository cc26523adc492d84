"""The digital twin: mirror the measured robot into a physics backend, predict from forks of it.

Thread model: every public method may be called from any thread (the ROS executor thread and the
user's). A state lock guards the mirror and the metrics and is held only for microseconds per call;
predictions copy the mirrored state under it, then roll out on a separate *predictor* backend (a
fork of the live one) under a second lock, so a long prediction never delays :meth:`update`, and the
live mirror is never stepped by a prediction.
"""

from __future__ import annotations

import logging
import math
import threading
import time
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
from numpy.typing import NDArray

from ..errors import ConfigError, PhysicsError
from ..model import ImportOptions, RobotModel
from ..model.kinematics import FEET, FlatFeet
from ..model.transforms import FloatArray
from ._config import TwinConfig
from ._metrics import MetricsCollector, RejectReason, TwinMetrics
from ._types import BaseState, JointCommand, JointState, Prediction, RobotState, frozen_array

if TYPE_CHECKING:
    from ..physics.backend import Backend, Commands

__all__ = ["DigitalTwin", "UpdateResult"]

_log = logging.getLogger(__name__)


BASE_MIRRORED = "floating, mirrored from odometry"
BASE_ASSUMED = "floating, assumed at rest on flat ground with the feet flat (no odometry yet)"
BASE_ASSUMED_UPRIGHT = (
    "floating, assumed at rest on flat ground and upright (no foot frames to lay flat: name the robot's "
    "sole links in [twin] feet; no odometry yet)"
)
BASE_FIXED = "fixed: root welded to the world (no base motion, no ground contact)"


@dataclass(frozen=True)
class UpdateResult:
    """What :meth:`DigitalTwin.update` did with one message."""

    accepted: bool
    reason: RejectReason | None = None
    """Why it was rejected (None when accepted)."""
    stamp: float = math.nan
    """The message stamp [s]."""
    joints: int = 0
    """Joints updated (0 when rejected)."""
    detail: str = ""
    """One line naming the offending joint or value, for logs."""


class _Period:
    """Median of the last 50 stamp intervals of one joint set (recomputed every 10 samples); 0 while
    unknown, and while the stamps come in bursts (median under half the mean interval: stamps taken
    when a batch was logged or forwarded, not when each sample was measured) — then a gap says
    nothing about lost messages, and none are inferred from it."""

    __slots__ = ("_gaps", "_since", "period")

    def __init__(self) -> None:
        self._gaps: deque[float] = deque(maxlen=50)
        self._since = 0
        self.period = 0.0

    def add(self, gap: float) -> None:
        self._gaps.append(gap)
        self._since += 1
        if len(self._gaps) >= 10 and (self._since >= 10 or self.period == 0.0):
            gaps = np.fromiter(self._gaps, dtype=float, count=len(self._gaps))  # one conversion for both
            median = float(np.median(gaps))
            self.period = median if median >= 0.5 * float(gaps.mean()) else 0.0
            self._since = 0


class DigitalTwin:
    """A live twin of one robot.

    Args:
        model: the robot.
        backend: the physics backend (its live state becomes the mirror); None builds a
            :class:`~humanoid_twin.physics.mujoco.MujocoBackend` from ``model``, ``options`` and
            ``config`` (``config.base`` decides floating vs fixed base and the floor).
        options: import options for the backend the twin builds; default :class:`ImportOptions`.
        config: :class:`TwinConfig`; default ``TwinConfig()``.
        clock: the twin clock [s] (ROS time: wall clock, or ``/clock`` under ``use_sim_time``) used
            for the stamp → applied latency and :meth:`staleness` with no argument is *not* on it
            (see there); default ``time.time``.

    Raises:
        ConfigError: ``config.base`` disagrees with the given backend; ``config.feet`` names a link
            the robot lacks.
        DependencyError, PhysicsError: the default backend cannot be built.
    """

    def __init__(
        self,
        model: RobotModel,
        *,
        backend: Backend | None = None,
        options: ImportOptions | None = None,
        config: TwinConfig | None = None,
        clock: Callable[[], float] | None = None,
    ) -> None:
        self._config = config or TwinConfig()
        cfg = self._config
        self._options: ImportOptions | None = None
        if backend is None:
            import dataclasses

            from ..physics.mujoco import MujocoBackend

            opts = dataclasses.replace(options or ImportOptions(), fix_base=cfg.base == "fixed")
            self._options = opts
            backend = MujocoBackend(
                model, opts, timestep=cfg.timestep, floor=cfg.base == "floating", nthread=cfg.nthread
            )
        else:
            from ..physics.backend import Backend as _Backend

            if not isinstance(backend, _Backend):
                raise ConfigError(
                    f"backend {type(backend).__name__!r} does not implement the Backend protocol"
                )
            if backend.floating_base != (cfg.base == "floating"):
                raise ConfigError(
                    f"twin base is {cfg.base!r} but the backend's base is "
                    f"{'floating' if backend.floating_base else 'fixed'}; set TwinConfig(base=...) to match"
                )
        missing = [f for f in cfg.feet if not model.has_link(f)]
        if missing and cfg.feet != FEET:  # the default may be absent: the base then stays upright
            parents = {j.parent for j in model.joints}
            leaves = [lk.name for lk in model.links if lk.name not in parents]
            raise ConfigError(
                f"twin feet: robot {model.name!r} has no link {missing[0]!r}; name its sole links "
                f"(its end links: {', '.join(leaves)})"
            )
        self._model = model
        self._flat_feet = FlatFeet(model, cfg.feet)  # places an assumed base (no odometry) with its feet flat
        self._backend: Backend = backend
        self._clock = clock or time.time
        self._lock = threading.RLock()
        self._predict_lock = threading.Lock()
        self._predictor: Backend | None = None
        names = backend.joint_names
        self._names = names
        self._index = {n: i for i, n in enumerate(names)}
        self._idx_cache: dict[tuple[str, ...], NDArray[np.intp] | None] = {}
        n = len(names)
        init = backend.get_state()
        self._q = np.array(init.q, dtype=np.float64)
        self._qd = np.zeros(n)
        self._targets: FloatArray | None = None
        self._jstamp = np.full(n, -math.inf)
        self._stamp = -math.inf
        self._last_mono: float | None = None
        self._last_recv: float | None = None
        self._last_stamp_recv: float | None = None
        self._pending_jump: tuple[float, float, int] | None = None
        self._base: BaseState | None = None
        self._base_seen = False
        self._base_stamp = -math.inf
        self._intervals: dict[tuple[str, ...], _Period] = {}
        self._metrics = MetricsCollector(
            names, cfg.error_horizons, cfg.window, cfg.error_window, cfg.max_tracked_predictions
        )
        self._state_cache: RobotState | None = None
        self._dirty = True

    # ------------------------------------------------------------ properties

    @property
    def config(self) -> TwinConfig:
        return self._config

    @property
    def model(self) -> RobotModel:
        return self._model

    @property
    def options(self) -> ImportOptions | None:
        """The import options the twin built its backend with (drive gains, armature…); None when a
        backend was given."""
        return self._options

    @property
    def backend(self) -> Backend:
        """The live backend, holding the mirrored state (synchronized when accessed). Do not step it
        while the twin runs; use :meth:`predict`."""
        with self._lock:
            if self._dirty:
                self._backend.set_state(self._current())
                self._dirty = False
            return self._backend

    @property
    def joint_names(self) -> tuple[str, ...]:
        """Order of every joint vector the twin returns."""
        return self._names

    @property
    def timestep(self) -> float:
        """Physics step [s]."""
        return self._backend.timestep

    @property
    def base_mode(self) -> str:
        """Which base the twin assumes: :data:`BASE_MIRRORED` once a base state was applied,
        :data:`BASE_ASSUMED` before (:data:`BASE_ASSUMED_UPRIGHT` for a robot without the foot frames),
        :data:`BASE_FIXED` under ``TwinConfig(base='fixed')``."""
        if not self._backend.floating_base:
            return BASE_FIXED
        if self._base_seen:
            return BASE_MIRRORED
        return BASE_ASSUMED if self._flat_feet.has_feet else BASE_ASSUMED_UPRIGHT

    @property
    def last_stamp(self) -> float:
        """Stamp [s] of the newest applied joint state (−inf before the first)."""
        return self._stamp

    # ------------------------------------------------------------ update

    def _indices(self, names: tuple[str, ...]) -> NDArray[np.intp] | None:
        idx = self._idx_cache.get(names)
        if idx is None and names not in self._idx_cache:
            try:
                idx = np.fromiter((self._index[n] for n in names), dtype=np.intp, count=len(names))
            except KeyError:
                idx = None
            if len(self._idx_cache) > 64:
                self._idx_cache.clear()
            self._idx_cache[names] = idx
        return idx

    def update(self, joint_state: JointState, base: BaseState | None = None) -> UpdateResult:
        """Mirror a measured joint state (and optionally the base) into the twin.

        Joints the message does not name keep their values. A rejected message is counted (see
        :class:`RejectReason`) and leaves the state untouched; a rejected joint state also drops
        ``base``. Never raises for bad input.
        """
        mono = time.monotonic()
        with self._lock:
            self._metrics.arrival(mono)
            result = self._update_joints(joint_state, mono)
            if not result.accepted:
                self._metrics.reject(result.reason or RejectReason.BAD_STAMP)
                _log.debug("joint state rejected: %s %s", result.reason, result.detail)
                return result
            if base is not None:
                self._apply_base(base)
            self._push()
            return result

    def _reject(self, reason: RejectReason, stamp: float, detail: str) -> UpdateResult:
        return UpdateResult(False, reason, stamp, 0, detail)

    def _update_joints(self, js: JointState, mono: float) -> UpdateResult:
        cfg = self._config
        stamp = js.stamp
        try:
            stamp = float(stamp)
        except (TypeError, ValueError):
            return self._reject(RejectReason.BAD_STAMP, math.nan, f"stamp {js.stamp!r}")
        if not math.isfinite(stamp):
            return self._reject(RejectReason.BAD_STAMP, stamp, f"stamp {stamp!r}")
        names = tuple(js.names)
        try:
            pos = np.asarray(js.position, dtype=np.float64)
            vel = None if js.velocity is None else np.asarray(js.velocity, dtype=np.float64)
            eff = None if js.effort is None else np.asarray(js.effort, dtype=np.float64)
        except (TypeError, ValueError) as err:
            return self._reject(RejectReason.WRONG_LENGTH, stamp, f"arrays not numeric: {err}")
        n = len(names)
        # ROS allows empty velocity/effort arrays meaning "not reported".
        if vel is not None and vel.size == 0 and n:
            vel = None
        if eff is not None and eff.size == 0 and n:
            eff = None
        if (
            n == 0
            or pos.shape != (n,)
            or (vel is not None and vel.shape != (n,))
            or (eff is not None and eff.shape != (n,))
        ):
            return self._reject(
                RejectReason.WRONG_LENGTH,
                stamp,
                f"{n} names, position {pos.shape}, velocity {None if vel is None else vel.shape}, "
                f"effort {None if eff is None else eff.shape}",
            )
        if len(set(names)) != n:
            dup = next(x for x in names if names.count(x) > 1)
            return self._reject(RejectReason.DUPLICATE_NAME, stamp, f"joint {dup!r} twice")
        idx = self._indices(names)
        if idx is None:
            unknown = [x for x in names if x not in self._index]
            if not cfg.ignore_unknown_joints:
                return self._reject(RejectReason.UNKNOWN_NAME, stamp, f"unknown joints {unknown!r}")
            keep = np.array([x in self._index for x in names])
            if not keep.any():
                return self._reject(RejectReason.UNKNOWN_NAME, stamp, f"unknown joints {unknown!r}")
            self._metrics.unknown_entries += len(unknown)
            names = tuple(x for x, k in zip(names, keep, strict=True) if k)
            pos = pos[keep]
            vel = None if vel is None else vel[keep]
            idx = self._indices(names)
            assert idx is not None
        if not np.isfinite(pos).all() or (vel is not None and not np.isfinite(vel).all()):
            bad = [x for x, p in zip(names, pos, strict=True) if not math.isfinite(p)]
            return self._reject(
                RejectReason.NON_FINITE, stamp, f"non-finite values for {bad or 'velocity'!r}"
            )
        last = float(self._jstamp[idx].max())
        # Clock jump: the stamp clock ran ahead of the receive clock, or went back while the receive
        # clock ran on. A stamp clock that advanced less but not backwards is a pause (a paused
        # simulator, a stalled sender or receiver), not a jump.
        recv = js.received
        if recv is not None and self._last_recv is not None and self._last_stamp_recv is not None:
            skew = (stamp - self._last_stamp_recv) - (recv - self._last_recv)
            if skew > cfg.max_clock_jump or (skew < -cfg.max_clock_jump and stamp < self._last_stamp_recv):
                if not self._confirm_jump(stamp, recv):
                    return self._reject(
                        RejectReason.CLOCK_JUMP, stamp, f"stamp clock jumped by {skew:+.3f} s"
                    )
                last = -math.inf
        self._pending_jump = None
        if stamp < last:
            return self._reject(RejectReason.OUT_OF_ORDER, stamp, f"stamp {stamp!r} < last {last!r}")
        if stamp == last:
            return self._reject(RejectReason.DUPLICATE, stamp, f"stamp {stamp!r} repeated")
        # Accepted: dropped-message inference, velocity, apply.
        if math.isfinite(last):
            self._count_gap(names, stamp - last)
        if vel is None:
            prev = self._jstamp[idx]
            dt = stamp - prev
            if cfg.velocity_from_differences:
                ok = np.isfinite(dt) & (dt > 0) & (dt <= cfg.stale_after)
                vel = np.where(ok, (pos - self._q[idx]) / np.where(ok, dt, 1.0), 0.0)
            else:
                vel = np.zeros(len(names))
        self._q[idx] = pos
        self._qd[idx] = vel
        self._jstamp[idx] = stamp
        self._stamp = max(self._stamp, stamp)
        self._last_mono = mono
        if recv is not None:
            self._last_recv = recv
            self._last_stamp_recv = stamp
        self._state_cache = None
        self._metrics.applied(stamp, self._q.copy(), mono, self._clock(), recv)
        return UpdateResult(True, None, stamp, len(names))

    def _confirm_jump(self, stamp: float, recv: float) -> bool:
        """Count a clock-jumped message toward adopting its timeline; True when adopted."""
        cfg = self._config
        pend = self._pending_jump
        if pend is not None:
            p_stamp, p_recv, count = pend
            consistent = stamp > p_stamp and abs((stamp - p_stamp) - (recv - p_recv)) <= cfg.max_clock_jump
            count = count + 1 if consistent else 1
        else:
            count = 1
        self._pending_jump = (stamp, recv, count)
        if count <= cfg.clock_jump_confirm:
            return False
        _log.warning("twin clock reset: adopting the new timeline at stamp %.6f", stamp)
        self._pending_jump = None
        self._jstamp[:] = -math.inf
        self._stamp = -math.inf
        self._intervals.clear()
        self._metrics.clock_resets += 1
        self._metrics.reset_timeline()
        return True

    def _count_gap(self, names: tuple[str, ...], gap: float) -> None:
        entry = self._intervals.get(names)
        if entry is None:
            entry = self._intervals[names] = _Period()
        if gap > self._config.stale_after:
            self._metrics.outages += 1
            return
        period = entry.period
        if period > 0 and gap > 1.5 * period:
            self._metrics.dropped += max(0, round(gap / period) - 1)
        entry.add(gap)

    def update_base(self, base: BaseState) -> UpdateResult:
        """Mirror the base pose/twist (odometry, IMU). Rejected (counted in ``base_rejected``) when
        non-finite, older than the last base state, or the twin's base is fixed."""
        with self._lock:
            ok = self._apply_base(base)
            if ok:
                self._push()
            return UpdateResult(ok, None if ok else RejectReason.NON_FINITE, base.stamp, 0)

    def _apply_base(self, base: BaseState) -> bool:
        m = self._metrics
        m.base_received += 1
        if not self._backend.floating_base:
            m.base_rejected += 1
            return False
        try:
            values = np.array(
                [base.stamp, *base.position, *base.quat, *base.linear_velocity, *base.angular_velocity],
                dtype=np.float64,
            )
        except (TypeError, ValueError):
            m.base_rejected += 1
            return False
        if values.shape != (14,) or not np.isfinite(values).all() or np.linalg.norm(values[4:8]) < 1e-9:
            m.base_rejected += 1
            return False
        if base.stamp < self._base_stamp:
            m.base_rejected += 1
            return False
        self._base = base
        self._base_stamp = base.stamp
        self._base_seen = True
        self._state_cache = None
        return True

    def _push(self) -> None:
        # The live backend is brought up to date lazily (see ``backend``): updates stay cheap.
        self._dirty = True

    # ------------------------------------------------------------ commands and state

    def note_command(self, command: JointCommand) -> None:
        """Tell the twin which command the robot was sent: its position/velocity targets become the
        mirror's held drive targets (used by :meth:`predict` with no command). Feed-forward effort is
        not held.

        Raises:
            PhysicsError: the command names an unknown joint or has wrong lengths.
        """
        with self._lock:
            self._backend.set_state(self._current())
            new = self._backend.step(command, 0)
            self._targets = np.array(new.targets) if new.targets is not None else None
            self._state_cache = None
            self._push()

    def _assumed_base(self) -> BaseState:
        """At rest on the floor with the feet flat (the base turned so the soles are oriented as at the
        zero pose; upright for a robot without its ``TwinConfig.feet`` frames): a base placed
        upright over bent legs would start a prediction on its toes or heels."""
        stamp = self._stamp if math.isfinite(self._stamp) else 0.0
        quat = self._flat_feet(dict(zip(self._names, self._q.tolist(), strict=True)))
        height = self._backend.rest_height(self._q, quat)
        return BaseState(stamp, (0.0, 0.0, height), quat)

    def _current(self) -> RobotState:
        if self._state_cache is None:
            base = None
            if self._backend.floating_base:
                base = self._base if self._base is not None else self._assumed_base()
            stamp = self._stamp if math.isfinite(self._stamp) else 0.0
            self._state_cache = RobotState(
                stamp=stamp,
                joint_names=self._names,
                q=frozen_array(self._q),
                qd=frozen_array(self._qd),
                base=base,
                targets=None if self._targets is None else frozen_array(self._targets),
            )
        return self._state_cache

    def get_state(self) -> RobotState:
        """The mirrored state (stamp = newest applied measurement; 0 before the first). Under an assumed
        base the base is at rest on the ground with the feet flat."""
        with self._lock:
            return self._current()

    # ------------------------------------------------------------ prediction

    def _steps(self, horizon: float, dt: float | None) -> tuple[int, int]:
        h = self.timestep
        if not (isinstance(horizon, int | float) and math.isfinite(horizon) and horizon > 0):
            raise PhysicsError(f"prediction horizon must be a finite number > 0 [s], got {horizon!r}")
        dt = dt if dt is not None else self._config.prediction_dt
        every = 1 if dt is None else max(1, round(dt / h))
        n = max(1, math.ceil(horizon / (every * h) - 1e-9)) * every
        return n, every

    def _predictor_backend(self) -> Backend:
        if self._predictor is None:
            with self._lock:
                self._predictor = self._backend.fork()
        return self._predictor

    def predict(
        self,
        command: JointCommand | None = None,
        horizon: float = 1.0,
        *,
        dt: float | None = None,
        track: bool = True,
    ) -> Prediction:
        """Roll the current mirrored state forward ``horizon`` [s] under ``command`` (merged into the
        held targets and held constant; None: the held targets) without disturbing the mirror.

        Args:
            dt: sample interval [s] of the result, rounded to whole physics steps; default
                ``config.prediction_dt`` (None: every step). The horizon is rounded up to whole samples.
            track: keep the prediction to score it against later measurements (prediction-error
                metrics). Pass False for what-if commands the robot will not receive.

        Returns:
            a :class:`Prediction` starting at the mirrored state's stamp (``times[0]``).

        Raises:
            PhysicsError: bad horizon/dt, or the command names an unknown joint.
        """
        n, every = self._steps(horizon, dt)
        with self._lock:
            state = self._current()
            resets = self._metrics.clock_resets
        with self._predict_lock:
            pred = self._predictor_backend().rollout([state], command, n, every=every)[0]
        with self._lock:
            self._metrics.predictions += 1
            # Measurements that arrived during the rollout are fine; a clock reset is not (the
            # prediction's times belong to the old timeline).
            if track and self._metrics.clock_resets == resets:
                self._metrics.track(pred)
        return pred

    def predict_batch(
        self, commands: Commands, horizon: float, *, dt: float | None = None, batch: int | None = None
    ) -> list[Prediction]:
        """Many rollouts from the current mirrored state at once (multi-threaded), one per command.

        Args:
            commands: a sequence of commands (or None) — one rollout each — or an array of drive
                targets ``(B, n)`` / ``(B, T, n)`` in :attr:`joint_names` order (NaN: hold);
                see :data:`~humanoid_twin.physics.backend.Commands`.
            batch: number of rollouts when ``commands`` is None or a single command.

        Predictions from a batch are not tracked for error metrics.
        """
        n, every = self._steps(horizon, dt)
        if isinstance(commands, np.ndarray):
            b = commands.shape[0] if commands.ndim >= 2 else (batch or 1)
        elif commands is None or isinstance(commands, JointCommand):
            b = batch or 1
        else:
            b = len(commands)
        with self._lock:
            state = self._current()
        with self._predict_lock:
            preds = self._predictor_backend().rollout([state] * b, commands, n, every=every)
        with self._lock:
            self._metrics.predictions += len(preds)
        return preds

    def rollout_from(
        self, states: Sequence[RobotState], commands: Commands, horizon: float, *, dt: float | None = None
    ) -> list[Prediction]:
        """Batch rollouts from given states (not the mirror), e.g. for replay analysis."""
        n, every = self._steps(horizon, dt)
        with self._predict_lock:
            return self._predictor_backend().rollout(states, commands, n, every=every)

    # ------------------------------------------------------------ health

    def staleness(self, now: float | None = None) -> float:
        """Age [s] of the newest applied joint state: ``now − stamp`` when ``now`` (twin clock) is
        given, else local monotonic time since it was applied. inf before the first."""
        with self._lock:
            if now is not None:
                return now - self._stamp if math.isfinite(self._stamp) else math.inf
            if self._last_mono is None:
                return math.inf
            return time.monotonic() - self._last_mono

    def is_stale(self, now: float | None = None) -> bool:
        """True when :meth:`staleness` exceeds ``config.stale_after``."""
        return self.staleness(now) > self._config.stale_after

    def metrics_at(self, now: float | None = None) -> TwinMetrics:
        """A :class:`TwinMetrics` snapshot; ``now`` (twin clock) as in :meth:`staleness`."""
        with self._lock:
            stale = self.staleness(now)
            return self._metrics.snapshot(
                stamp=self._clock() if now is None else now,
                newest=self._stamp if math.isfinite(self._stamp) else 0.0,
                staleness=stale,
                stale_after=self._config.stale_after,
                base_mode=self.base_mode,
            )

    @property
    def metrics(self) -> TwinMetrics:
        """:meth:`metrics_at` with staleness on the local clock."""
        return self.metrics_at(None)

    def reset_clock(self) -> None:
        """Forget stamps (e.g. after a ``/clock`` reset or a replay restart): the next message is
        accepted whatever its stamp; history and tracked predictions are dropped. Counted as a clock reset."""
        with self._lock:
            self._jstamp[:] = -math.inf
            self._stamp = -math.inf
            self._pending_jump = None
            self._last_recv = self._last_stamp_recv = None
            self._intervals.clear()
            self._metrics.clock_resets += 1
            self._metrics.reset_timeline()
            self._base_stamp = -math.inf
            self._state_cache = None
