"""The live ROS 2 bridge: robot ⇄ :class:`~humanoid_twin.twin.DigitalTwin`.

Threads (see ``docs/ros.md``):

* the *sync executor* (a ``SingleThreadedExecutor`` on the bridge's own rclpy ``Context``) runs the
  joint-state and base callbacks, the staleness timer and the command republisher. Callbacks only
  convert the message (no per-element Python loops) and call :meth:`DigitalTwin.update`;
* the *worker* thread publishes predictions at ``rates.prediction`` and, every
  ``1 / rates.diagnostics`` seconds, ``/diagnostics``, the metrics log line and the Prometheus
  snapshot; a slow prediction never delays the mirror;
* the optional recorder has its own node and executor thread (raw subscriptions, no deserialization);
* Prometheus serves ``/metrics`` from its own HTTP thread, bound to loopback.

Timers run on the steady clock; published stamps are ROS time (``/clock`` under ``use_sim_time``).
"""

from __future__ import annotations

import logging
import math
import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..errors import DependencyError, TwinError
from ..twin import METRIC_SERIES, BaseState, DigitalTwin, JointCommand, JointState, UpdateResult
from .config import BridgeConfig, QosConfig
from .convert import (
    DIAGNOSTIC_OK,
    DIAGNOSTIC_STALE,
    DIAGNOSTIC_WARN,
    base_state_from_odometry,
    diagnostics_from_values,
    joint_command_from_msg,
    joint_command_to_msg,
    joint_state_from_msg,
    prediction_to_joint_state,
    prediction_to_trajectory,
    seconds_to_stamp,
)

try:
    import rclpy
    from diagnostic_msgs.msg import DiagnosticArray
    from rclpy.clock import Clock, JumpThreshold
    from rclpy.clock_type import ClockType
    from rclpy.duration import Duration
    from rclpy.executors import ExternalShutdownException, SingleThreadedExecutor
    from rclpy.parameter import Parameter
    from rclpy.qos import DurabilityPolicy, HistoryPolicy, QoSProfile, ReliabilityPolicy
    from sensor_msgs.msg import JointState as JointStateMsg
    from trajectory_msgs.msg import JointTrajectory
except ImportError as err:  # pragma: no cover
    raise DependencyError.missing(err.name or "rclpy", "ros") from err

__all__ = ["BridgeStatus", "RosClock", "TwinBridge", "qos_profile"]

_log = logging.getLogger(__name__)
_metrics_log = logging.getLogger(__name__ + ".metrics")


def qos_profile(q: QosConfig) -> QoSProfile:
    """A :class:`QosConfig` → rclpy ``QoSProfile``."""
    return QoSProfile(
        depth=q.depth,
        history=HistoryPolicy.KEEP_LAST if q.history == "keep_last" else HistoryPolicy.KEEP_ALL,
        reliability=ReliabilityPolicy.RELIABLE
        if q.reliability == "reliable"
        else ReliabilityPolicy.BEST_EFFORT,
        durability=DurabilityPolicy.VOLATILE
        if q.durability == "volatile"
        else DurabilityPolicy.TRANSIENT_LOCAL,
    )


class RosClock:
    """A twin clock [s] that reads the bridge node's ROS clock once bound (``time.time`` before).

    Under ``use_sim_time`` build the twin with it so latency and metric stamps are on ``/clock``:
    ``clock = RosClock(); twin = DigitalTwin(model, clock=clock); TwinBridge(twin, cfg, clock=clock)``.
    """

    def __init__(self) -> None:
        self._clock: Clock | None = None

    def bind(self, clock: Clock | None) -> None:
        self._clock = clock

    def __call__(self) -> float:
        c = self._clock
        if c is None:
            return time.time()
        return float(c.now().nanoseconds) * 1e-9


@dataclass(frozen=True)
class BridgeStatus:
    """Bridge-side counters (the twin's own are in :class:`~humanoid_twin.twin.TwinMetrics`)."""

    stale: bool
    """No joint state arrived for ``sync.stale_after`` (steady clock), or none yet."""
    receive_age: float
    """[s] since the last joint state arrived (inf before the first)."""
    joint_states: int
    """Joint-state messages received."""
    base_states: int
    stale_events: int
    """Times the bridge went stale after having data."""
    recoveries: int
    """Times data came back after being stale."""
    clock_jumps: int
    """ROS clock jumps seen (backwards, or a clock-type change)."""
    callback_errors: int
    """Unexpected exceptions in callbacks (logged, never propagated)."""
    predictions_published: int
    prediction_errors: int
    diagnostics_published: int
    commands_published: int
    recorded: int
    """Messages written to the recording (0 when not recording)."""


_BRIDGE_SERIES: dict[str, tuple[bool, str]] = {
    # BridgeStatus field → (monotonic counter?, help), exported as twin_bridge_<field>
    "stale": (False, "1 while no joint state arrived for stale_after"),
    "receive_age": (False, "Time since the last joint state arrived [s]"),
    "joint_states": (True, "Joint-state messages received by the bridge"),
    "base_states": (True, "Odometry messages received by the bridge"),
    "stale_events": (True, "Times the bridge went stale after having data"),
    "recoveries": (True, "Times data came back after being stale"),
    "clock_jumps": (True, "ROS clock jumps seen"),
    "callback_errors": (True, "Unexpected exceptions in callbacks"),
    "predictions_published": (True, "Predictions published"),
    "prediction_errors": (True, "Predictions that failed"),
    "diagnostics_published": (True, "/diagnostics messages published"),
    "commands_published": (True, "Commands published"),
    "recorded": (True, "Messages written to the recording"),
}


_REJECT_HINTS = {
    "unknown_name": "; set [twin] ignore_unknown_joints = true to drop joints the model does not have",
    "wrong_length": "; position, velocity and effort must each be empty or as long as name",
    "out_of_order": "; the robot's stamps go backwards (several publishers on one topic?)",
    "clock_jump": "; the robot's clock jumped ([twin] max_clock_jump)",
}


def _period(rate: float) -> float:
    return 1.0 / rate


class TwinBridge:
    """Connects a :class:`DigitalTwin` to a ROS 2 graph (see the module docstring for threads).

    Args:
        twin: the twin to feed.
        config: topics, QoS, rates, ...; default ``BridgeConfig()``.
        clock: a :class:`RosClock` the twin was built with, bound to the node clock on start.
        record: output ``.mcap``; overrides ``config.recording.path`` (None keeps it, "" disables).
        on_stale: called with True when the bridge turns stale and False when it recovers (from the
            executor thread; keep it short).

    Use as a context manager, or call :meth:`start` and :meth:`stop`.
    """

    def __init__(
        self,
        twin: DigitalTwin,
        config: BridgeConfig | None = None,
        *,
        clock: RosClock | None = None,
        record: str | Path | None = None,
        on_stale: Callable[[bool], None] | None = None,
    ) -> None:
        self.twin = twin
        self.config = config or BridgeConfig()
        self._ros_clock = clock
        rec = self.config.recording.path if record is None else str(record)
        self.recording_path: Path | None = Path(rec) if rec else None
        self._on_stale = on_stale
        self._context: Any = None
        self._node: Any = None
        self._executor: Any = None
        self._thread: threading.Thread | None = None
        self._worker: threading.Thread | None = None
        self._stop = threading.Event()
        self._recorder: Any = None
        self._rec_node: Any = None
        self._rec_executor: Any = None
        self._rec_thread: threading.Thread | None = None
        self._prom_server: Any = None
        self._prom_thread: threading.Thread | None = None
        self._started = False
        # bridge state (written by the executor thread; read anywhere)
        self._last_rx: float | None = None
        self._stale = True
        self._had_data = False
        self._n_js = 0
        self._n_base = 0
        self._stale_events = 0
        self._recoveries = 0
        self._clock_jumps = 0
        self._callback_errors = 0
        self._n_pred = 0
        self._n_pred_err = 0
        self._n_diag = 0
        self._n_cmd = 0
        self._command: JointCommand | None = None
        self._cmd_lock = threading.Lock()
        self._jump_handle: Any = None
        self._last_error_log = 0.0
        self._last_rejected = 0.0
        self._rejected_log: dict[str, tuple[float, int]] = {}
        """Reject reason → (monotonic time of its last warning, rejections since)."""
        # listeners sorted once by what they take (the joint-state callback is a 500 Hz+ hot path)
        self._state_listeners: list[Callable[[JointState], None]] = []
        self._command_listeners: list[Callable[[JointCommand], None]] = []
        self._base_listeners: list[Callable[[BaseState], None]] = []
        self._value_sources: list[Callable[[], dict[str, float]]] = []

    def add_listener(self, listener: Any) -> None:
        """Also feed ``listener`` (e.g. a :class:`~humanoid_twin.maintenance.HealthMonitor`): its
        optional ``on_joint_state(JointState)`` is called for every received joint state after the
        twin's update (executor thread), ``on_command(JointCommand)`` for every command sent,
        ``on_base(BaseState)`` for every base odometry message, and the flat ``values()`` it returns
        join ``/diagnostics`` and the Prometheus metrics."""
        if hasattr(listener, "on_joint_state"):
            self._state_listeners.append(listener.on_joint_state)
        if hasattr(listener, "on_command"):
            self._command_listeners.append(listener.on_command)
        if hasattr(listener, "on_base"):
            self._base_listeners.append(listener.on_base)
        if hasattr(listener, "values"):
            self._value_sources.append(listener.values)

    # ------------------------------------------------------------ lifecycle

    @property
    def node(self) -> Any:
        """The rclpy node (None before :meth:`start`)."""
        return self._node

    @property
    def context(self) -> Any:
        """The bridge's own rclpy ``Context`` (None before :meth:`start`)."""
        return self._context

    @property
    def prometheus_port(self) -> int | None:
        """The port ``/metrics`` is served on (None when disabled or not started)."""
        return None if self._prom_server is None else int(self._prom_server.server_port)

    def now(self) -> float:
        """ROS time [s] of the node clock (``/clock`` under use_sim_time)."""
        return float(self._node.get_clock().now().nanoseconds) * 1e-9

    def start(self) -> TwinBridge:
        """Create the context, node, endpoints, threads and servers. Idempotent."""
        if self._started:
            return self
        cfg = self.config
        self._context = rclpy.Context()
        # no rclpy signal handlers: signals stay the application's (Ctrl-C is a KeyboardInterrupt in
        # the main thread, on which the CLI stops the bridge and writes its results)
        rclpy.init(
            context=self._context,
            domain_id=cfg.ros.domain_id,
            signal_handler_options=rclpy.signals.SignalHandlerOptions.NO,
        )
        try:
            self._create_node()
            self._executor = SingleThreadedExecutor(context=self._context)
            self._executor.add_node(self._node)
            if cfg.prometheus.enabled:  # first: a port in use must not leave an empty recording behind
                self._start_prometheus()
            if self.recording_path is not None:
                self._start_recorder()
        except BaseException:
            if self._prom_server is not None:
                self._prom_server.shutdown()
                self._prom_server.server_close()
                self._prom_server = None
            self._shutdown_ros()
            raise
        self._stop.clear()
        self._thread = threading.Thread(
            target=self._spin, args=(self._executor,), name="twin-sync", daemon=True
        )
        self._thread.start()
        self._worker = threading.Thread(target=self._work, name="twin-worker", daemon=True)
        self._worker.start()
        self._started = True
        _log.info(
            "twin bridge up: node %r, domain %s, joint states on %r, use_sim_time=%s, base: %s",
            self._node.get_fully_qualified_name(),
            self._context.get_domain_id(),
            self._node.resolve_topic_name(cfg.topics.joint_states),
            cfg.ros.use_sim_time,
            self.twin.base_mode,
        )
        return self

    def stop(self) -> None:
        """Stop threads, finish the recording, close servers and the context. Idempotent."""
        self._stop.set()
        if self._worker is not None:
            self._worker.join(timeout=10)
            self._worker = None
        if self._prom_server is not None:
            self._prom_server.shutdown()
            self._prom_server.server_close()
            self._prom_server = None
        self._shutdown_ros()
        for t in (self._thread, self._rec_thread):
            if t is not None:
                t.join(timeout=10)
        self._thread = self._rec_thread = None
        if self._recorder is not None:
            self._recorder.close()
            _log.info(
                "recording closed: %s (%d messages)",
                self.recording_path,
                self._recorder.recorder.message_count,
            )
        if self._ros_clock is not None:
            self._ros_clock.bind(None)
        self._started = False

    def _shutdown_ros(self) -> None:
        for ex in (self._executor, self._rec_executor):
            if ex is not None:
                ex.shutdown(timeout_sec=2)
        if self._context is not None and self._context.ok():
            self._context.try_shutdown()

    def __enter__(self) -> TwinBridge:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def _spin(self, executor: Any) -> None:
        try:
            while self._context.ok() and not self._stop.is_set():
                executor.spin_once(timeout_sec=0.1)
        except ExternalShutdownException:
            pass
        except Exception:  # the executor thread must not die silently
            _log.exception("ROS executor stopped on an unexpected error")

    # ------------------------------------------------------------ endpoints

    def _create_node(self) -> None:
        cfg = self.config
        topics, qos = cfg.topics, cfg.qos
        overrides = [Parameter("use_sim_time", Parameter.Type.BOOL, cfg.ros.use_sim_time)]
        self._node = rclpy.create_node(
            cfg.ros.node_name,
            namespace=cfg.ros.namespace or None,
            context=self._context,
            parameter_overrides=overrides,
        )
        node = self._node
        if self._ros_clock is not None:
            self._ros_clock.bind(node.get_clock())
        steady = Clock(clock_type=ClockType.STEADY_TIME)
        node.create_subscription(
            JointStateMsg, topics.joint_states, self._on_joint_state, qos_profile(qos.joint_states)
        )
        if topics.base_odometry:
            try:
                from nav_msgs.msg import Odometry
            except ImportError as err:
                raise DependencyError.missing("nav_msgs", "ros") from err
            node.create_subscription(
                Odometry, topics.base_odometry, self._on_odometry, qos_profile(qos.base_odometry)
            )
        if topics.servo_targets:
            node.create_subscription(
                JointStateMsg, topics.servo_targets, self._on_servo_targets, qos_profile(qos.servo_targets)
            )
        self._cmd_pub = node.create_publisher(
            JointStateMsg, topics.joint_command, qos_profile(qos.joint_command)
        )
        self._pred_pub = (
            node.create_publisher(JointStateMsg, topics.predictions, qos_profile(qos.predictions))
            if topics.predictions
            else None
        )
        self._traj_pub = (
            node.create_publisher(
                JointTrajectory, topics.predicted_trajectory, qos_profile(qos.predicted_trajectory)
            )
            if topics.predicted_trajectory
            else None
        )
        self._diag_pub = node.create_publisher(
            DiagnosticArray, topics.diagnostics, qos_profile(qos.diagnostics)
        )
        node.create_timer(_period(cfg.rates.staleness_check), self._check_stale, clock=steady)
        if cfg.rates.command > 0:
            node.create_timer(_period(cfg.rates.command), self._republish_command, clock=steady)
        self._jump_handle = node.get_clock().create_jump_callback(
            JumpThreshold(min_forward=None, min_backward=Duration(nanoseconds=-1), on_clock_change=True),
            post_callback=self._on_clock_jump,
        )

    def _start_recorder(self) -> None:
        from .record import McapRecorder, SessionRecorder

        cfg = self.config
        t = cfg.topics
        types = {
            "joint_states": "sensor_msgs/msg/JointState",
            "joint_command": "sensor_msgs/msg/JointState",
            "predictions": "sensor_msgs/msg/JointState",
            "predicted_trajectory": "trajectory_msgs/msg/JointTrajectory",
            "base_odometry": "nav_msgs/msg/Odometry",
            "servo_targets": "sensor_msgs/msg/JointState",
            "diagnostics": "diagnostic_msgs/msg/DiagnosticArray",
            "clock": "rosgraph_msgs/msg/Clock",
        }
        keys = cfg.recording.topics or tuple(types)
        if not cfg.ros.use_sim_time and not cfg.recording.topics:
            keys = tuple(k for k in keys if k != "clock")
        overrides = [Parameter("use_sim_time", Parameter.Type.BOOL, cfg.ros.use_sim_time)]
        self._rec_node = rclpy.create_node(
            cfg.ros.node_name + "_recorder",
            namespace=cfg.ros.namespace or None,
            context=self._context,
            parameter_overrides=overrides,
        )
        topics: dict[str, str] = {}
        qos: dict[str, QoSProfile] = {}
        for key in keys:
            name = getattr(t, key)
            if not name:
                continue
            resolved = self._rec_node.resolve_topic_name(name)
            topics[resolved] = types[key]
            qos[resolved] = qos_profile(getattr(cfg.qos, key))
        assert self.recording_path is not None
        mcap = McapRecorder(
            self.recording_path,
            flush_period=cfg.recording.flush_period,
            metadata={"node": cfg.ros.node_name, "use_sim_time": str(cfg.ros.use_sim_time)},
        )
        self._recorder = SessionRecorder(self._rec_node, mcap, topics, qos)
        self._rec_executor = SingleThreadedExecutor(context=self._context)
        self._rec_executor.add_node(self._rec_node)
        self._rec_thread = threading.Thread(
            target=self._spin, args=(self._rec_executor,), name="twin-recorder", daemon=True
        )
        self._rec_thread.start()
        _log.info("recording %d topics to %s", len(topics), self.recording_path)

    def _start_prometheus(self) -> None:
        try:
            from prometheus_client import CollectorRegistry, start_http_server
        except ImportError as err:
            raise DependencyError.missing("prometheus_client", "ros") from err
        registry = CollectorRegistry(auto_describe=False)
        registry.register(_TwinCollector(self))
        p = self.config.prometheus
        try:
            self._prom_server, self._prom_thread = start_http_server(p.port, addr=p.host, registry=registry)
        except OSError as err:
            raise TwinError(
                f"cannot serve Prometheus metrics on {p.host}:{p.port} ({err.strerror}); "
                "set [prometheus] port = 0 to pick a free port"
            ) from err

    # ------------------------------------------------------------ callbacks (executor thread)

    def _callback_failed(self, where: str) -> None:
        self._callback_errors += 1
        now = time.monotonic()
        if now - self._last_error_log > 1.0:
            self._last_error_log = now
            _log.exception(
                "unexpected error in the %s callback (counted, %d so far)", where, self._callback_errors
            )

    def _on_joint_state(self, msg: JointStateMsg) -> None:
        received = time.monotonic()
        self._last_rx = received
        self._n_js += 1
        if self._stale:
            self._set_stale(False)
        try:
            js = joint_state_from_msg(msg, received, strict=False)
            result = self.twin.update(js)
            if not result.accepted:
                self._log_rejected(result)
            for on_state in self._state_listeners:
                on_state(js)
        except Exception:
            self._callback_failed("joint state")

    def _log_rejected(self, result: UpdateResult) -> None:
        """One warning per reason at once, then at most one every 10 s with the count since: a robot
        whose every message is rejected is told why (the stale and rate lines say nothing of it)."""
        reason = result.reason.value if result.reason is not None else "?"
        now = time.monotonic()
        last, count = self._rejected_log.get(reason, (-math.inf, 0))
        count += 1
        if now - last < 10.0:
            self._rejected_log[reason] = (last, count)
            return
        self._rejected_log[reason] = (now, 0)
        _log.warning(
            "joint state rejected (%s%s): %s%s",
            reason,
            f", {count} in the last 10 s" if count > 1 else "",
            result.detail or "no detail",
            _REJECT_HINTS.get(reason, ""),
        )

    def _on_odometry(self, msg: Any) -> None:
        self._n_base += 1
        try:
            base = base_state_from_odometry(msg)
            self.twin.update_base(base)
            for on_base in self._base_listeners:
                on_base(base)
        except Exception:
            self._callback_failed("odometry")

    def _on_servo_targets(self, msg: JointStateMsg) -> None:
        try:
            command = joint_command_from_msg(msg)
            self.twin.note_command(command)
            for on_command in self._command_listeners:
                on_command(command)
        except Exception:
            self._callback_failed("servo targets")

    def _set_stale(self, stale: bool) -> None:
        self._stale = stale
        if stale:
            if self._had_data:
                self._stale_events += 1
                _log.warning(
                    "joint states stale: none on %r for %.0f ms (the robot stopped publishing, the network"
                    " stalled, or this machine is overloaded; the mirror holds its last state and resumes"
                    " with the next message; [sync] stale_after sets the limit)",
                    self.config.topics.joint_states,
                    1e3 * self.config.sync.stale_after,
                )
        else:
            if self._had_data:
                self._recoveries += 1
                _log.info("joint states back on %r", self.config.topics.joint_states)
            self._had_data = True
        if self._on_stale is not None and self._had_data:
            try:
                self._on_stale(stale)
            except Exception:
                self._callback_failed("on_stale")

    def _check_stale(self) -> None:
        last = self._last_rx
        if not self._stale and last is not None and time.monotonic() - last > self.config.sync.stale_after:
            self._set_stale(True)

    def _on_clock_jump(self, jump: Any) -> None:
        self._clock_jumps += 1
        _log.warning("ROS clock jumped by %.3f s", jump.delta.nanoseconds * 1e-9)

    def _republish_command(self) -> None:
        with self._cmd_lock:
            cmd = self._command
        if cmd is None:
            return
        try:
            msg = joint_command_to_msg(cmd)
            msg.header.stamp = self._node.get_clock().now().to_msg()
            self._cmd_pub.publish(msg)
            self._n_cmd += 1
        except Exception:
            self._callback_failed("command republish")

    # ------------------------------------------------------------ commands

    def send_command(self, command: JointCommand, *, note: bool = True) -> None:
        """Publish ``command`` on ``joint_command`` now (thread-safe).

        With ``note`` the twin holds its targets (:meth:`DigitalTwin.note_command`), so published
        predictions roll out under it. Raises :class:`~humanoid_twin.ros.convert.MessageError` for
        wrong array lengths and :class:`~humanoid_twin.errors.PhysicsError` for unknown joints.
        """
        if not self._started:
            raise TwinError("the bridge is not started; call TwinBridge.start() before send_command()")
        msg = joint_command_to_msg(command)
        if note:
            self.twin.note_command(command)
        for on_command in self._command_listeners:
            on_command(command)
        with self._cmd_lock:
            self._command = command
        self._cmd_pub.publish(msg)
        self._n_cmd += 1

    # ------------------------------------------------------------ worker (predictions, diagnostics)

    def _work(self) -> None:
        rates = self.config.rates
        publishes = self._pred_pub is not None or self._traj_pub is not None
        pred_period = _period(rates.prediction) if rates.prediction > 0 and publishes else 0.0
        diag_period = _period(rates.diagnostics)
        now = time.monotonic()
        next_pred = now + (pred_period or math.inf)
        next_diag = now + diag_period
        while not self._stop.is_set():
            due = min(next_pred, next_diag)
            if self._stop.wait(max(0.0, due - time.monotonic())):
                break
            now = time.monotonic()
            if now >= next_pred:
                next_pred = max(next_pred + pred_period, now)
                self._publish_prediction()
            if now >= next_diag:
                next_diag = max(next_diag + diag_period, now)
                self._publish_diagnostics()

    def _publish_prediction(self) -> None:
        if self._stale or not math.isfinite(self.twin.last_stamp):  # nothing mirrored: nothing to predict
            return
        try:
            pred = self.twin.predict(None, self.config.sync.prediction_horizon)
            if self._pred_pub is not None:
                self._pred_pub.publish(prediction_to_joint_state(pred))
            if self._traj_pub is not None:
                self._traj_pub.publish(prediction_to_trajectory(pred))
            self._n_pred += 1
        except Exception:
            self._n_pred_err += 1
            self._callback_failed("prediction")

    def status(self) -> BridgeStatus:
        """Bridge-side counters now."""
        last = self._last_rx
        return BridgeStatus(
            stale=self._stale,
            receive_age=math.inf if last is None else time.monotonic() - last,
            joint_states=self._n_js,
            base_states=self._n_base,
            stale_events=self._stale_events,
            recoveries=self._recoveries,
            clock_jumps=self._clock_jumps,
            callback_errors=self._callback_errors,
            predictions_published=self._n_pred,
            prediction_errors=self._n_pred_err,
            diagnostics_published=self._n_diag,
            commands_published=self._n_cmd,
            recorded=0 if self._recorder is None else self._recorder.recorder.message_count,
        )

    def values(self) -> dict[str, float]:
        """The twin's flat metrics plus the bridge's counters (``bridge.*``), as on ``/diagnostics``."""
        out = self.twin.metrics_at(self.now() if self._node is not None else None).as_dict()
        st = self.status()
        for k, v in st.__dict__.items():
            out["bridge." + k] = float(v)
        for source in self._value_sources:
            out.update(source())
        return out

    def _publish_diagnostics(self) -> None:
        try:
            values = self.values()
            st = self.status()
            if st.stale:
                level, message = (
                    DIAGNOSTIC_STALE,
                    "no joint states" if not self._had_data else "joint states stale",
                )
            elif values.get("rejected", 0.0) > self._last_rejected:
                level, message = DIAGNOSTIC_WARN, "rejected joint states (see rejected.*)"
            else:
                level, message = DIAGNOSTIC_OK, "in sync"
            self._last_rejected = values.get("rejected", 0.0)
            msg = diagnostics_from_values(
                values, self.now(), hardware_id=self.twin.model.name, level=level, message=message
            )
            msg.header.stamp = seconds_to_stamp(self.now())
            self._diag_pub.publish(msg)
            self._n_diag += 1
            _metrics_log.info(
                "%s: rate %.0f Hz, latency p50/p99 %.2f/%.2f ms, rejected %d, dropped %d, stale %s",
                message,
                values.get("receive_rate_hz", math.nan),
                1e3 * values.get("latency.stamp_to_applied.p50_s", math.nan),
                1e3 * values.get("latency.stamp_to_applied.p99_s", math.nan),
                values.get("rejected", 0),
                values.get("dropped", 0),
                st.stale,
            )
        except Exception:
            self._callback_failed("diagnostics")


class _TwinCollector:
    """Prometheus collector reading a fresh snapshot at each scrape."""

    def __init__(self, bridge: TwinBridge) -> None:
        self._bridge = bridge

    def collect(self) -> Any:
        from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily

        b = self._bridge
        series = dict(METRIC_SERIES)
        try:
            rows = b.twin.metrics.series()
        except Exception:  # a scrape must not kill the HTTP thread
            _log.exception("cannot snapshot twin metrics for Prometheus")
            rows = []
        for k, v in b.status().__dict__.items():
            rows.append((f"twin_bridge_{k}", {}, float(v)))
            series[f"twin_bridge_{k}"] = _BRIDGE_SERIES.get(k, (False, k))
        for source in b._value_sources:
            try:
                for key, value in source().items():
                    name = "twin_" + re.sub(r"[^a-zA-Z0-9_]", "_", key)
                    rows.append((name, {}, float(value)))
                    series.setdefault(name, (False, f"{key} (see docs/maintenance.md)"))
            except Exception:
                _log.exception("cannot read a listener's values for Prometheus")
        families: dict[str, tuple[list[str], list[tuple[dict[str, str], float]]]] = {}
        for name, labels, value in rows:
            keys, samples = families.setdefault(name, ([], []))
            for key in labels:
                if key not in keys:
                    keys.append(key)
            samples.append((labels, value))
        for name, (keys, samples) in families.items():
            counter, doc = series.get(name, (False, name))
            kind = CounterMetricFamily if counter else GaugeMetricFamily
            fam = kind(name, doc, labels=keys)
            for labels, value in samples:
                fam.add_metric([labels.get(k, "") for k in keys], value)
            yield fam
