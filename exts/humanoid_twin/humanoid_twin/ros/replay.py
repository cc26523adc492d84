"""Replay a recorded session (MCAP file or rosbag2 folder) into a :class:`DigitalTwin`, deterministically.

Replay is in-process (no DDS): messages are read in file order, deserialized with
``rclpy.serialization`` and converted by :mod:`humanoid_twin.ros.convert`. The replay timeline is the
recording's log time; ``JointState.received`` is set from it, and predictions are made every
``1 / prediction_rate`` seconds *of log time*, after every message up to that time was applied. So
two replays of the same file into two fresh twins give identical states and predictions, at any
speed (``speed`` only paces the wall clock: 1 = real time, N = N× faster, 0 or inf = as fast as
possible). ``on_message`` can republish the raw messages to ROS (see :func:`republisher`).
"""

from __future__ import annotations

import logging
import math
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from .._text import first_few
from ..errors import DependencyError
from ..twin import DigitalTwin, Prediction
from .config import BridgeConfig
from .convert import base_state_from_odometry, joint_command_from_msg, joint_state_from_msg
from .record import RawMessage, RecordingError, iter_raw_messages, message_class

try:
    from rclpy.serialization import deserialize_message
except ImportError as err:  # pragma: no cover
    raise DependencyError.missing("rclpy", "ros") from err

__all__ = ["ReplayResult", "ReplaySource", "iter_recording", "republisher"]

_log = logging.getLogger(__name__)


def iter_recording(path: str | Path) -> Iterator[RawMessage]:
    """Raw messages of an ``.mcap`` file (tolerating truncation) or a rosbag2 folder (via ``rosbags``)."""
    p = Path(path)
    if not p.exists():
        raise RecordingError(f"{p}: no such recording; give an .mcap file or a rosbag2 folder")
    if p.is_file():
        yield from iter_raw_messages(p)
        return
    if not (p / "metadata.yaml").is_file():
        inside = sorted(q.name for q in p.iterdir() if q.suffix in (".mcap", ".db3"))
        hint = ""
        if inside:
            hint = f" (it holds {first_few(inside)}: run `ros2 bag reindex` on it, or give an .mcap itself)"
        raise RecordingError(
            f"{p}: a folder without metadata.yaml, so not a rosbag2 bag{hint}; give an .mcap file or a "
            "rosbag2 folder"
        )
    try:
        from rosbags.rosbag2 import Reader
        from rosbags.rosbag2.errors import ReaderError
    except ImportError as err:  # pragma: no cover
        raise DependencyError.missing("rosbags", "ros") from err
    try:
        with Reader(p) as reader:
            for conn, timestamp, data in reader.messages():
                yield RawMessage(
                    conn.topic, conn.msgtype, bytes(data), timestamp, timestamp, conn.msgdef.data
                )
    except (ReaderError, OSError) as err:
        files = sorted(p.glob("*.mcap"))  # a killed `ros2 bag record -s mcap`: its file reads to the cut
        hint = f"; give its .mcap file itself ({files[0]}): it is read up to any cut" if files else ""
        said = " ".join(str(err).split())  # a YAML parser's message spans lines
        said = said if len(said) <= 200 else said[:197] + "..."
        raise RecordingError(f"{p}: not a readable rosbag2 folder ({said}){hint}") from err


def _same_topic(a: str, b: str) -> bool:
    return a.lstrip("/") == b.lstrip("/")


ROBOT_TOPICS = {
    "base_odometry": ("base_pose", "nav_msgs/msg/Odometry"),
    "servo_targets": ("joint_targets", "sensor_msgs/msg/JointState"),
}
"""``[topics]`` key → (topic, type) a robot walking on its own publishes under the emulator's default
names (``humanoid-twin demo --walk`` records them): read by :class:`ReplaySource` when no config
names topics."""


@dataclass
class ReplayResult:
    """What a replay did."""

    messages: int = 0
    """Messages read (all topics)."""
    joint_states: int = 0
    accepted: int = 0
    """Joint states the twin accepted."""
    base_states: int = 0
    commands: int = 0
    predictions: list[tuple[float, Prediction]] = field(default_factory=list)
    """``(log time [s], prediction)`` in order (empty when ``keep_predictions`` is False)."""
    prediction_count: int = 0
    duration: float = 0.0
    """Log-time span replayed [s]."""
    wall_time: float = 0.0
    """[s]"""
    stopped: bool = False
    """True when stopped early by the ``stop`` event."""


_MOSTLY = 0.5
"""A replay whose twin accepted fewer than this fraction of the joint states warns."""

_DUPLICATES = (
    ": their header stamps are 0 or repeat, and the twin orders states by header stamp; record with "
    "the robot's stamps (the replay, a fork from it and the maintenance analysis see the first state only)"
)


class ReplaySource:
    """A recording to replay into a twin.

    Args:
        path: an ``.mcap`` file (possibly truncated) or a rosbag2 folder.
        config: topic names (``topics.joint_states``, ``joint_command``, ``base_odometry``) and the
            default prediction rate and horizon; default ``BridgeConfig()``, with the base odometry
            and servo targets of :data:`ROBOT_TOPICS` when the recording holds them.

    Raises:
        RecordingError: the file cannot be read or has no joint states on the configured topic.
    """

    def __init__(self, path: str | Path, config: BridgeConfig | None = None) -> None:
        self.path = Path(path)
        self.config = config or BridgeConfig()
        t = self.config.topics
        topics: dict[str, str] = {}
        first_seen: dict[str, float] = {}
        start: int | None = None
        for m in iter_recording(self.path):
            start = m.log_time if start is None else start
            if m.topic not in topics:
                topics[m.topic] = m.msg_type
                first_seen[m.topic] = (m.log_time - start) * 1e-9
        self.topics = topics
        """Topic → message type found in the recording."""
        self.first_seen = first_seen
        """Topic → seconds from the recording's first message (any topic) to its first on that topic."""
        if config is None:
            found = {
                key: name
                for key, (name, kind) in ROBOT_TOPICS.items()
                if any(_same_topic(x, name) and k == kind for x, k in topics.items())
            }
            if found:
                self.config = replace(self.config, topics=replace(self.config.topics, **found))
                t = self.config.topics
        joint_states = self._find(t.joint_states, required=True)
        assert joint_states is not None  # required: _find raised otherwise
        self.joint_states_topic: str = joint_states
        self.command_topic = self._find(t.joint_command)
        self.targets_topic = self._find(t.servo_targets) if t.servo_targets else None
        self.base_topic = self._find(t.base_odometry) if t.base_odometry else None

    def _find(self, name: str, required: bool = False) -> str | None:
        for topic in self.topics:
            if _same_topic(topic, name):
                return topic
        if required:
            if not self.topics:
                raise RecordingError(f"{self.path}: the recording holds no messages at all")
            found = ", ".join(sorted(self.topics))
            twin_said = {self.config.topics.predictions, self.config.topics.joint_command}
            states = sorted(  # measured states: not what the twin itself published or commanded
                k
                for k, v in self.topics.items()
                if v.endswith("JointState") and not any(_same_topic(k, x) for x in twin_said)
            )
            if not states:
                raise RecordingError(
                    f"{self.path}: no robot joint states in the recording (topics: {found}); record the "
                    f"robot's sensor_msgs/JointState topic too ({name!r} unless [topics] joint_states "
                    "names another)"
                )
            states = [k for k in states if k.endswith(name.lstrip("/"))] or states  # /robot1/joint_states
            which = f"[topics] joint_states = {states[0]!r}" if len(states) == 1 else "[topics] joint_states"
            raise RecordingError(
                f"{self.path}: no messages on {name!r} (topics in the recording: {found}); set {which} in "
                "the session TOML (--session-config)"
            )
        return None

    def run(
        self,
        twin: DigitalTwin,
        *,
        speed: float = 0.0,
        prediction_rate: float | None = None,
        horizon: float | None = None,
        keep_predictions: bool = True,
        on_prediction: Callable[[float, Prediction], None] | None = None,
        on_message: Callable[[RawMessage], None] | None = None,
        stop: threading.Event | None = None,
    ) -> ReplayResult:
        """Feed the recording into ``twin``.

        Args:
            speed: 1 = real time, N = N× faster, 0 or inf = as fast as possible (default).
            prediction_rate: predictions per second of log time [Hz]; default ``rates.prediction``
                (0 = none).
            horizon: prediction horizon [s]; default ``sync.prediction_horizon``.
            on_prediction: called with ``(log time [s], prediction)``.
            on_message: called with every raw message before it is applied (e.g. :func:`republisher`);
                setting ``stop`` there ends the replay before that message is applied.
            stop: set it to stop early.
        """
        rate = self.config.rates.prediction if prediction_rate is None else prediction_rate
        h = self.config.sync.prediction_horizon if horizon is None else horizon
        period = 1.0 / rate if rate > 0 else math.inf
        paced = 0 < speed < math.inf
        wanted = {self.joint_states_topic, self.command_topic, self.targets_topic, self.base_topic} - {None}
        from sensor_msgs.msg import JointState as JointStateMsg

        odom_cls: Any = message_class("nav_msgs/msg/Odometry") if self.base_topic else None
        result = ReplayResult()
        wall0 = time.monotonic()
        t0: float | None = None
        bad_commands, first_bad = 0, ""  # recorded commands the twin refused (e.g. another robot's joints)
        first_names: list[str] = []  # the joints the first joint state names
        next_pred = math.inf
        last = 0.0
        for m in iter_recording(self.path):
            if stop is not None and stop.is_set():
                result.stopped = True
                break
            result.messages += 1
            t = m.log_time * 1e-9
            if t0 is None:
                t0 = t
                next_pred = t0 + period
            last = t
            # Predictions due before this message see every message logged before their time.
            while t >= next_pred:
                self._predict(twin, next_pred, h, result, keep_predictions, on_prediction)
                next_pred += period
            if paced:
                delay = wall0 + (t - t0) / speed - time.monotonic()
                if delay > 0:
                    time.sleep(delay)
            if on_message is not None:
                on_message(m)
                if stop is not None and stop.is_set():  # stopped at this message: not applied
                    result.stopped = True
                    break
            if m.topic not in wanted:
                continue
            if m.topic == self.joint_states_topic:
                msg = deserialize_message(m.data, JointStateMsg)
                if not result.joint_states:
                    first_names = list(msg.name)
                result.joint_states += 1
                if twin.update(joint_state_from_msg(msg, t, strict=False)).accepted:
                    result.accepted += 1
            elif m.topic == self.command_topic or m.topic == self.targets_topic:
                cmd = joint_command_from_msg(deserialize_message(m.data, JointStateMsg))
                try:
                    twin.note_command(cmd)
                    result.commands += 1
                except Exception as err:  # a bad recorded command must not end the replay
                    if not bad_commands:
                        first_bad = f"the first at {t - (t0 if t0 is not None else t):.3f} s: {err}"
                    bad_commands += 1
            elif m.topic == self.base_topic:
                twin.update_base(base_state_from_odometry(deserialize_message(m.data, odom_cls)))
                result.base_states += 1
        if bad_commands:
            _log.warning("%s: %d recorded commands not applied (%s)", self.path, bad_commands, first_bad)
        if result.joint_states == 0 and not result.stopped:
            raise RecordingError(f"{self.path}: no joint states could be read on {self.joint_states_topic!r}")
        rejected = result.joint_states - result.accepted  # (a feed that is no twin accepts every one)
        reasons = twin.metrics.rejected_reasons if rejected else ""
        if rejected and not result.accepted:  # e.g. the recording of another robot
            known = {j.name for j in twin.model.joints}
            unknown = [n for n in first_names if n not in known]
            if unknown and not twin.config.ignore_unknown_joints:
                raise RecordingError(
                    f"{self.path}: the twin rejected all {result.joint_states} joint states ({reasons}): "
                    f"they name joints robot {twin.model.name!r} has not ({first_few(unknown)}); give the "
                    "recorded robot in the session TOML's [robot], or set [twin] ignore_unknown_joints = "
                    "true to leave those joints out"
                )
            none = f": none of the joints they name is robot {twin.model.name!r}'s" if unknown else ""
            raise RecordingError(
                f"{self.path}: the twin rejected all {result.joint_states} joint states it was given "
                f"({reasons}){none}; give the recorded robot in the session TOML's [robot]"
            )
        elif rejected and result.accepted < _MOSTLY * result.joint_states:
            _log.warning(
                "%s: the twin rejected %d of %d joint states (%s)%s",
                self.path,
                rejected,
                result.joint_states,
                reasons,
                _DUPLICATES if twin.metrics.rejected.get("duplicate", 0) else "",
            )
        result.duration = 0.0 if t0 is None else last - t0
        result.wall_time = time.monotonic() - wall0
        return result

    @staticmethod
    def _predict(
        twin: DigitalTwin,
        t: float,
        horizon: float,
        result: ReplayResult,
        keep: bool,
        callback: Callable[[float, Prediction], None] | None,
    ) -> None:
        if not math.isfinite(twin.last_stamp):
            return
        pred = twin.predict(None, horizon)
        result.prediction_count += 1
        if keep:
            result.predictions.append((t, pred))
        if callback is not None:
            callback(t, pred)


def republisher(node: Any, qos_depth: int = 100) -> Callable[[RawMessage], None]:
    """An ``on_message`` hook publishing each raw message on its topic via ``node`` (no re-serialization)."""
    pubs: dict[str, Any] = {}

    def publish(m: RawMessage) -> None:
        pub = pubs.get(m.topic)
        if pub is None:
            pub = pubs[m.topic] = node.create_publisher(message_class(m.msg_type), m.topic, qos_depth)
        pub.publish(m.data)

    return publish
