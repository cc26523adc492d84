"""The emulator's ROS 2 process: the :class:`EmulatedRobot` behind real topics.

Publishes ``sensor_msgs/JointState`` on ``joint_states`` at the configured rate (stamp = measurement
time; publication delayed by the emulated network, some messages dropped), optionally the base as
``nav_msgs/Odometry``, and ``rosgraph_msgs/Clock`` on ``/clock`` in ``sim`` clock mode. Subscribes
``joint_command`` (``sensor_msgs/JointState``, position targets by name); joints not commanded hold
their targets. Message conversion goes through :mod:`humanoid_twin.ros.convert`.

Threads: rclpy's executor spins in a helper thread and only queues commands; the calling thread runs
physics, sensing and publishing, so the robot is touched by one thread only.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..errors import ConfigError, DependencyError, TwinError
from ..twin._types import JointState
from .config import EmulatorConfig
from .plant import EmulatedRobot, random_streams

__all__ = ["EmulatorSummary", "run_emulator"]

_log = logging.getLogger(__name__)

_MAX_SLEEP = 0.05  # [s] the loop wakes at least this often to notice a stop request
_LATE = 0.05  # [s] a tick more than this late (wall) counts as an overrun
STREAM_DEPTH = 1000
"""Publisher queue of joint_states, joint_targets and base_pose [messages] (1 s at 1 kHz)."""


@dataclass(frozen=True)
class EmulatorSummary:
    """What a finished :func:`run_emulator` did."""

    sim_time: float
    """Emulator time reached [s]."""
    wall_time: float
    """Wall time the loop ran [s]."""
    samples: int
    """Sensor samples taken (one per publish period)."""
    published: int
    """``joint_states`` messages published."""
    dropped: int
    """Samples the emulated network dropped."""
    commands: int
    """``joint_command`` messages applied."""
    rejected: int
    """Command messages or entries refused (malformed, unknown joint, non-finite value)."""
    overruns: int
    """Ticks that ran more than 50 ms behind their wall-clock time (the machine could not keep up)."""
    truth_file: Path | None
    """Where the truth JSON was written (None: not written)."""


def _import_ros() -> Any:
    try:
        import rclpy
        import rclpy.executors
        import rclpy.qos
        import rclpy.signals
        from rosgraph_msgs.msg import Clock
        from sensor_msgs.msg import JointState

        from ..ros import convert
    except ImportError as err:
        raise DependencyError.missing(err.name or "rclpy", "ros") from err
    return rclpy, Clock, JointState, convert


class _Counters:
    def __init__(self) -> None:
        self.commands = 0
        self.rejected = 0


def run_emulator(
    config: EmulatorConfig,
    *,
    duration: float | None = None,
    stop_event: threading.Event | None = None,
    robot: EmulatedRobot | None = None,
    on_ready: Callable[[], None] | None = None,
) -> EmulatorSummary:
    """Run the emulator node until ``duration`` emulator seconds have passed or ``stop_event`` is set.

    Writes the truth file (``config.truth_file``, with the stamp of emulator time 0) before the
    first message. The ROS domain is
    ``config.domain_id`` or ``ROS_DOMAIN_ID``; ``ROS_AUTOMATIC_DISCOVERY_RANGE`` is set to
    ``LOCALHOST`` in ``os.environ`` when unset. Installs no signal handlers: the caller sets
    ``stop_event`` on SIGINT/SIGTERM (``python -m humanoid_twin.emulator`` does).

    Args:
        config: the emulator config.
        duration: emulator time to run [s] (at ``speed`` N it takes duration / N wall seconds);
            None = until ``stop_event``.
        stop_event: set it (from any thread) to stop; the loop notices within 50 ms.
        robot: an already built robot (default: built from ``config``).
        on_ready: called once, when the node is up and the truth file written, just before the first
            sample (a CLI says "running" there, not before a config error).

    Raises:
        DependencyError: rclpy or the message packages are missing (``nav_msgs`` when
            ``publish_base`` is on).
        ConfigError: bad names in the config, the truth file cannot be written, or ``robot`` lacks
            the joints of the exercise routine (the bundled humanoid's).
        TwinError: the simulation diverged.
    """
    if duration is not None and not duration > 0:
        raise TwinError(f"duration must be > 0 [s] or None, got {duration!r}")
    rclpy, ClockMsg, JointStateMsg, convert = _import_ros()
    if config.publish_base and convert.Odometry is None:
        raise DependencyError.missing("nav_msgs", "ros")
    stop = stop_event if stop_event is not None else threading.Event()
    motion = None
    if config.motion in ("walk", "walk_straight"):
        from ..control import WALK_OPTIONS
        from ..control.emulator_motion import EmulatorWalk, walk_targets

        robot = robot if robot is not None else EmulatedRobot(config, options=WALK_OPTIONS)
        gait = EmulatorWalk(straight=config.motion == "walk_straight")
        motion = walk_targets(gait, model=robot.robot, initial=dict(robot.pose))
    elif config.motion == "exercise":
        from ..maintenance._exercise import exercise_motion

        motion = exercise_motion()
    robot = robot if robot is not None else EmulatedRobot(config)
    if config.motion == "exercise" and motion is not None:  # the humanoid's joints: never silently stand
        names, _ = motion(0.0)
        lacking = [n for n in names if n not in robot.joint_names]
        if lacking:
            raise ConfigError(
                f"motion {config.motion!r} is the bundled humanoid's routine; robot {robot.robot.name!r} "
                f"lacks its joint {lacking[0]!r} (and {len(lacking) - 1} more): use motion = 'stand' and "
                "drive it through joint_command"
            )

    os.environ.setdefault("ROS_AUTOMATIC_DISCOVERY_RANGE", "LOCALHOST")
    context = rclpy.Context()
    rclpy.init(
        context=context,
        domain_id=config.domain_id,
        signal_handler_options=rclpy.signals.SignalHandlerOptions.NO,
    )
    counters = _Counters()
    inbox: deque[Any] = deque()
    node = None
    executor = None
    spinner = None
    spinning = threading.Event()
    try:
        node = rclpy.create_node(config.node_name, context=context, start_parameter_services=False)

        def reliable(depth: int) -> Any:
            return rclpy.qos.QoSProfile(
                depth=depth,
                reliability=rclpy.qos.ReliabilityPolicy.RELIABLE,
                durability=rclpy.qos.DurabilityPolicy.VOLATILE,
                history=rclpy.qos.HistoryPolicy.KEEP_LAST,
            )

        qos = reliable(10)
        # the sample streams keep 1 s at 1 kHz: a reliable writer drops unacknowledged samples past its
        # depth, so with 10 a subscriber that stalls for 20 ms at 500 Hz would lose samples
        stream = reliable(STREAM_DEPTH)
        topics = config.topics
        js_pub = node.create_publisher(JointStateMsg, topics.joint_states, stream)
        clock_pub = node.create_publisher(ClockMsg, topics.clock, qos) if config.clock == "sim" else None
        odom_pub = (
            node.create_publisher(convert.Odometry, topics.base_pose, stream) if config.publish_base else None
        )
        targets_pub = (
            node.create_publisher(JointStateMsg, topics.joint_targets, stream)
            if config.publish_targets
            else None
        )

        def on_command(msg: Any) -> None:
            inbox.append(msg)

        node.create_subscription(JointStateMsg, topics.joint_command, on_command, qos)
        executor = rclpy.executors.SingleThreadedExecutor(context=context)
        executor.add_node(node)
        spinning.set()

        def spin() -> None:
            while spinning.is_set() and context.ok():
                try:
                    executor.spin_once(timeout_sec=_MAX_SLEEP)
                except Exception:  # keep the robot alive; log and go on
                    if spinning.is_set():
                        _log.exception("emulator: ROS executor error")

        spinner = threading.Thread(target=spin, name="emulator-ros-spin", daemon=True)
        spinner.start()
        _log.info(
            "emulator: %s publishing %s at %g Hz (clock %s, speed %g)",
            config.node_name,
            node.resolve_topic_name(topics.joint_states),
            config.rate,
            config.clock,
            config.speed,
        )
        return _loop(
            config,
            robot,
            duration,
            stop,
            inbox,
            counters,
            convert,
            js_pub,
            clock_pub,
            odom_pub,
            ClockMsg,
            motion,
            targets_pub,
            on_ready,
        )
    finally:
        spinning.clear()
        if spinner is not None:
            spinner.join(timeout=2.0)
        if executor is not None:
            executor.shutdown(timeout_sec=1.0)
        if node is not None:
            node.destroy_node()
        context.try_shutdown()


def _apply_commands(robot: EmulatedRobot, inbox: deque[Any], counters: _Counters, convert: Any) -> None:
    while inbox:
        msg = inbox.popleft()
        try:
            cmd = convert.joint_command_from_msg(msg)
        except TwinError as err:
            counters.rejected += 1
            if counters.rejected == 1 or counters.rejected % 100 == 0:
                _log.warning("emulator: joint_command refused (%d so far): %s", counters.rejected, err)
            continue
        if cmd.position is None:
            if cmd.names:
                counters.rejected += 1
            continue
        bad = robot.command(cmd.names, cmd.position)
        counters.commands += 1
        if bad:
            counters.rejected += len(bad)
            _log.debug("emulator: command entries ignored (unknown joint or not finite): %s", bad)


def _loop(
    config: EmulatorConfig,
    robot: EmulatedRobot,
    duration: float | None,
    stop: threading.Event,
    inbox: deque[Any],
    counters: _Counters,
    convert: Any,
    js_pub: Any,
    clock_pub: Any,
    odom_pub: Any,
    clock_msg: Any,
    motion: Callable[..., tuple[Sequence[str], Any]] | None = None,
    targets_pub: Any = None,
    on_ready: Callable[[], None] | None = None,
) -> EmulatorSummary:
    from ._network import DelayLine

    _, _, net_rng = random_streams(config.seed)
    line: DelayLine[tuple[Any, Any, Any]] = DelayLine(config.latency, net_rng)
    period = 1.0 / config.rate
    speed = config.speed
    t0 = robot.time
    # stamps: emulator time mapped to ROS wall time, or emulator time itself under /clock
    epoch = time.time() - t0 if config.clock == "wall" else 0.0
    truth_file = robot.write_truth(stamp_offset=epoch)  # before the first message
    if on_ready is not None:
        on_ready()
    wall0 = time.monotonic()
    tick = 1
    samples = published = overruns = 0
    end = t0 + duration if duration is not None else float("inf")

    def sim_now() -> float:
        return t0 + (time.monotonic() - wall0) * speed

    dt = config.timestep
    eps = 1e-6 * dt  # float slack between tick times and MuJoCo's accumulated data.time
    while not stop.is_set():
        t_tick = t0 + round(tick * period / dt) * dt  # samples fall on physics steps
        due = line.next_due()
        t_next = min(t_tick, due) if due is not None else t_tick
        if t_next > end + eps:
            break
        lag = sim_now() - t_next
        if lag < 0:
            time.sleep(min(-lag / speed, _MAX_SLEEP))
            continue
        if t_tick <= t_next:  # a sensor tick: physics, then a sample into the network
            if lag / speed > _LATE:
                overruns += 1
            if motion is not None:  # the robot's own gait first; commands from ROS on top
                names, targets = motion(robot.time, robot.base_state())  # balance on the IMU
                robot.command(names, targets)
            _apply_commands(robot, inbox, counters, convert)
            applied = None
            if targets_pub is not None:  # what the servos get from now to the next tick
                applied = JointState(
                    stamp=epoch + robot.time,
                    names=robot.joint_names,
                    position=robot.target_positions,
                )
            robot.advance_to(t_tick)
            sample = robot.measure()
            samples += 1
            base = robot.base_state() if odom_pub is not None else None
            if clock_pub is not None:
                clock_pub.publish(clock_msg(clock=convert.seconds_to_stamp(epoch + robot.time)))
            if epoch:
                sample = _restamp(sample, epoch)
                if base is not None:
                    base = _restamp(base, epoch)
            targets_msg = None if applied is None else convert.joint_state_to_msg(applied)
            line.send(robot.time, (convert.joint_state_to_msg(sample), base, targets_msg))
            tick += 1
        for msg, base, targets_msg in line.pop_due(t_next + eps):
            if targets_msg is not None:  # before the state measured under them
                targets_pub.publish(targets_msg)
            js_pub.publish(msg)
            published += 1
            if base is not None:
                odom_pub.publish(convert.base_state_to_odometry(base))
    return EmulatorSummary(
        sim_time=robot.time,
        wall_time=time.monotonic() - wall0,
        samples=samples,
        published=published,
        dropped=line.stats.dropped,
        commands=counters.commands,
        rejected=counters.rejected,
        overruns=overruns,
        truth_file=truth_file,
    )


def _restamp(value: Any, epoch: float) -> Any:
    from dataclasses import replace

    return replace(value, stamp=value.stamp + epoch)
