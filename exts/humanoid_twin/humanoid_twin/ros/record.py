"""Record a live ROS 2 session to MCAP (``ros2`` profile, ``ros2msg`` schemas, CDR messages).

The file is what ``ros2 bag record -s mcap`` writes, minus the ``metadata.yaml`` folder wrapper:
profile ``ros2``; one schema per message type with encoding ``ros2msg`` whose text is the type's
``.msg`` definition followed by each dependency as ``====…`` (80 ``=``) + ``MSG: pkg/Type`` blocks;
channels with message encoding ``cdr``; messages are the CDR bytes exactly as received from DDS
(raw subscriptions: nothing is deserialized or re-serialized). It opens in Foxglove, with the
``mcap`` reader (+ ``mcap_ros2`` decoder), and with ``rosbags`` (which reads bare ``.mcap`` files).

Durability: the writer closes its chunk and flushes the file every ``flush_period`` seconds, so a
``kill -9`` loses at most that much. Such a file has no summary or footer; :func:`iter_raw_messages`
reads it up to the last complete chunk and :func:`recover_mcap` rewrites it into a complete file for
readers that need the footer (``rosbags``).
"""

from __future__ import annotations

import importlib
import logging
import struct
import sys
import threading
import time
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..errors import DependencyError, TwinError

try:
    from mcap.exceptions import InvalidMagic, McapError
    from mcap.records import Channel, Message, Schema
    from mcap.stream_reader import StreamReader
    from mcap.writer import CompressionType, Writer
except ImportError as err:  # pragma: no cover
    raise DependencyError.missing("mcap", "ros") from err

__all__ = [
    "McapRecorder",
    "RawMessage",
    "RecordingError",
    "SessionRecorder",
    "iter_raw_messages",
    "message_class",
    "message_definition",
    "recover_mcap",
    "serialize",
]

_log = logging.getLogger(__name__)

_SEPARATOR = "=" * 80


class RecordingError(TwinError):
    """A recording cannot be written or read."""


# --- message types ------------------------------------------------------------------------------


def message_class(msg_type: str) -> type:
    """``"sensor_msgs/msg/JointState"`` → the generated Python class."""
    try:
        pkg, kind, name = msg_type.split("/")
        return getattr(importlib.import_module(f"{pkg}.{kind}"), name)  # type: ignore[no-any-return]
    except (ValueError, ImportError, AttributeError) as err:
        raise RecordingError(
            f"unknown ROS message type {msg_type!r}; expected 'package/msg/Name' of an installed package"
        ) from err


def _share_dirs() -> list[Path]:
    dirs = [Path(sys.prefix) / "share"]
    for entry in sys.path:
        p = Path(entry).parent.parent.parent / "share"  # <prefix>/lib/pythonX.Y/site-packages
        if p not in dirs:
            dirs.append(p)
    return dirs


def _msg_text(msg_type: str) -> str:
    pkg, kind, name = msg_type.split("/")
    for share in _share_dirs():
        f = share / pkg / kind / f"{name}.msg"
        if f.is_file():
            return f.read_text(encoding="utf-8")
    raise RecordingError(
        f"no .msg definition for {msg_type!r} under {[str(d) for d in _share_dirs()]}; "
        "install the message package's wheel"
    )


def _referenced_types(obj: Any, out: set[str]) -> None:
    if isinstance(obj, str):
        if obj.count("/") == 2 and "/msg/" in obj:
            out.add(obj)
    elif isinstance(obj, tuple | list):
        for item in obj:
            _referenced_types(item, out)


_DEFINITIONS: dict[str, str] = {}
_DEFINITIONS_LOCK = threading.Lock()
_STORE: Any = None


def _typestore(msg_type: str) -> Any:
    """A ``rosbags`` typestore with ``msg_type`` and its dependencies, from the installed ``.msg`` files."""
    global _STORE
    try:
        from rosbags.typesys import Stores, get_types_from_msg, get_typestore
    except ImportError as err:  # pragma: no cover
        raise DependencyError.missing("rosbags", "ros") from err
    with _DEFINITIONS_LOCK:
        if _STORE is None:
            _STORE = get_typestore(Stores.EMPTY)
        store = _STORE
        pending = [msg_type]
        while pending:
            name = pending.pop()
            if name in store.fielddefs:
                continue
            types = get_types_from_msg(_msg_text(name), name)
            store.register(types)
            refs: set[str] = set()
            _referenced_types(list(types.values()), refs)
            pending.extend(r for r in refs if r not in store.fielddefs)
        return store


def message_definition(msg_type: str) -> str:
    """The ``ros2msg`` schema text of ``msg_type`` with its dependencies, from the installed ``.msg`` files.

    Parsing and formatting are done by ``rosbags.typesys`` (the same code that reads it back).
    """
    if msg_type not in _DEFINITIONS:
        text, _ = _typestore(msg_type).generate_msgdef(msg_type, ros_version=2)
        _DEFINITIONS[msg_type] = text
    return _DEFINITIONS[msg_type]


def serialize(msg: object, msg_type: str) -> bytes:
    """CDR bytes of an rclpy message, as they travel on the wire.

    ``rclpy.serialization.serialize_message`` (rclpy 9 / Fast DDS 3) returns a few uninitialized
    bytes past the end of the CDR payload; strict readers (``rosbags``) reject them, so the payload
    is cut at the end that ``rosbags`` decodes and padded with zeros to 4 bytes like DDS does.
    """
    from rclpy.serialization import serialize_message

    data = serialize_message(msg)
    store = _typestore(msg_type)
    msgdef = store.get_msgdef(msg_type)
    func = msgdef.deserialize_cdr_le if data[1] else msgdef.deserialize_cdr_be
    _, pos = func(memoryview(data)[4:], 0, msgdef.cls, store)
    end = 4 + int(pos)
    out: bytes = bytes(data[:end]) + b"\0" * (-end % 4)
    return out


# --- writing ------------------------------------------------------------------------------------


def _compression() -> CompressionType:
    try:
        import zstandard  # noqa: F401
    except ImportError:
        return CompressionType.NONE
    return CompressionType.ZSTD


class McapRecorder:
    """Thread-safe MCAP writer of CDR-serialized ROS 2 messages.

    ``write`` may be called from any thread (e.g. several subscription callbacks); a background thread
    closes the chunk and flushes the file every ``flush_period`` [s] even when no message arrives.
    """

    def __init__(
        self,
        path: str | Path,
        *,
        flush_period: float = 1.0,
        metadata: Mapping[str, str] | None = None,
    ) -> None:
        self.path = Path(path)
        self.flush_period = flush_period
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._file = self.path.open("wb")
        except OSError as err:
            raise RecordingError(f"{self.path}: cannot create the recording ({err.strerror})") from err
        self._writer = Writer(self._file, chunk_size=4 * 1024 * 1024, compression=_compression())
        self._writer.start(profile="ros2", library="humanoid_twin")
        if metadata:
            self._writer.add_metadata("humanoid_twin", dict(metadata))
        self._lock = threading.Lock()
        self._schemas: dict[str, int] = {}
        self._channels: dict[str, int] = {}
        self._types: dict[str, str] = {}
        self._sequence: dict[int, int] = {}
        self._last_flush = time.monotonic()
        self._closed = False
        self.message_count = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._flush_loop, name="mcap-flush", daemon=True)
        self._thread.start()

    def add_topic(self, topic: str, msg_type: str, definition: str | None = None) -> None:
        """Declare a channel (``msg_type`` like ``sensor_msgs/msg/JointState``). Idempotent.

        ``definition`` is the ``ros2msg`` schema text; None → :func:`message_definition`.
        """
        with self._lock:
            if topic in self._channels:
                return
            if msg_type not in self._schemas:
                text = definition if definition is not None else message_definition(msg_type)
                data = text.encode("utf-8")
                self._schemas[msg_type] = self._writer.register_schema(
                    name=msg_type, encoding="ros2msg", data=data
                )
            cid = self._writer.register_channel(
                topic=topic, message_encoding="cdr", schema_id=self._schemas[msg_type], metadata={}
            )
            self._channels[topic] = cid
            self._types[topic] = msg_type
            self._sequence[cid] = 0

    def write(self, topic: str, data: bytes, log_time_ns: int, publish_time_ns: int | None = None) -> None:
        """Append one CDR message (``topic`` must have been added)."""
        with self._lock:
            if self._closed:
                return
            cid = self._channels[topic]
            seq = self._sequence[cid]
            self._sequence[cid] = seq + 1
            self._writer.add_message(
                channel_id=cid,
                log_time=log_time_ns,
                data=data,
                publish_time=log_time_ns if publish_time_ns is None else publish_time_ns,
                sequence=seq,
            )
            self.message_count += 1
            if time.monotonic() - self._last_flush >= self.flush_period:
                self._flush_locked()

    def write_message(self, topic: str, msg: object, log_time_ns: int) -> None:
        """Serialize ``msg`` (an rclpy message of the topic's type) with :func:`serialize` and append it."""
        self.write(topic, serialize(msg, self._types[topic]), log_time_ns)

    def _flush_locked(self) -> None:
        self._writer.flush()  # type: ignore[no-untyped-call]  # closes the chunk in progress and flushes the file object
        self._last_flush = time.monotonic()

    def flush(self) -> None:
        """Close the chunk in progress and flush the file now."""
        with self._lock:
            if not self._closed:
                self._flush_locked()

    def _flush_loop(self) -> None:
        period = self.flush_period / 2
        while not self._stop.wait(period):
            with self._lock:
                if self._closed:
                    return
                if time.monotonic() - self._last_flush >= self.flush_period:
                    self._flush_locked()

    def close(self) -> None:
        """Write the summary and footer and close the file. Idempotent."""
        self._stop.set()
        with self._lock:
            if self._closed:
                return
            self._closed = True
            try:
                self._writer.finish()  # type: ignore[no-untyped-call]
            finally:
                self._file.close()
        if self._thread is not threading.current_thread():
            self._thread.join(timeout=5)

    def __enter__(self) -> McapRecorder:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class SessionRecorder:
    """Records topics of a live ROS graph through raw subscriptions on an existing rclpy node.

    ``topics`` maps topic name → message type (``sensor_msgs/msg/JointState``); ``qos`` maps topic
    name → an rclpy ``QoSProfile`` (default: reliable, keep_last 100). Log times are the node's clock
    (ROS time: ``/clock`` under ``use_sim_time``) at arrival [ns].
    """

    def __init__(
        self,
        node: Any,
        recorder: McapRecorder,
        topics: Mapping[str, str],
        qos: Mapping[str, Any] | None = None,
        callback_group: Any = None,
    ) -> None:
        from rclpy.qos import HistoryPolicy, QoSProfile, ReliabilityPolicy

        self.node = node
        self.recorder = recorder
        self._subscriptions = []
        default = QoSProfile(
            depth=100, reliability=ReliabilityPolicy.RELIABLE, history=HistoryPolicy.KEEP_LAST
        )
        clock = node.get_clock()
        for topic, msg_type in topics.items():
            cls = message_class(msg_type)
            recorder.add_topic(topic, msg_type)

            def callback(data: bytes, topic: str = topic) -> None:
                recorder.write(topic, data, clock.now().nanoseconds)

            sub = node.create_subscription(
                cls,
                topic,
                callback,
                (qos or {}).get(topic, default),
                raw=True,
                callback_group=callback_group,
            )
            self._subscriptions.append(sub)

    def close(self) -> None:
        """Stop recording (destroys the subscriptions) and finish the file."""
        for sub in self._subscriptions:
            self.node.destroy_subscription(sub)
        self._subscriptions.clear()
        self.recorder.close()


# --- reading ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RawMessage:
    """One recorded message."""

    topic: str
    msg_type: str
    data: bytes
    """CDR bytes."""
    log_time: int
    """[ns] (ROS time at arrival)."""
    publish_time: int
    """[ns]"""
    definition: str = ""
    """The schema text (``ros2msg``) of ``msg_type``."""


def iter_raw_messages(path: str | Path, topics: Sequence[str] | None = None) -> Iterator[RawMessage]:
    """Messages of an MCAP file in file order, tolerating a truncated file (e.g. after ``kill -9``).

    Reading goes through ``mcap``'s stream reader; at a truncated record it stops after the last
    complete chunk and logs how it ended. A file that is not MCAP raises :class:`RecordingError`.
    """
    p = Path(path)
    wanted = set(topics) if topics is not None else None
    schemas: dict[int, Schema] = {}
    channels: dict[int, Channel] = {}
    try:
        f = p.open("rb")
    except OSError as err:
        raise RecordingError(f"{p}: cannot open the recording ({err.strerror})") from err
    count = 0
    with f:
        reader = StreamReader(f, record_size_limit=1 << 30)
        try:
            for record in reader.records:
                if isinstance(record, Schema):
                    schemas[record.id] = record
                elif isinstance(record, Channel):
                    channels[record.id] = record
                elif isinstance(record, Message):
                    channel = channels.get(record.channel_id)
                    if channel is None or (wanted is not None and channel.topic not in wanted):
                        continue
                    schema = schemas.get(channel.schema_id)
                    count += 1
                    yield RawMessage(
                        channel.topic,
                        schema.name if schema else "",
                        record.data,
                        record.log_time,
                        record.publish_time,
                        schema.data.decode("utf-8") if schema else "",
                    )
        except (McapError, ValueError, EOFError, struct.error) as err:  # the last three: a record cut short
            if isinstance(err, McapError | struct.error) and count == 0 and not channels:
                magic = isinstance(err, InvalidMagic)
                what = "it does not start with MCAP's magic bytes" if magic else _why(err)
                if p.stat().st_size == 0:
                    what = "it is empty"
                elif p.suffix == ".db3":
                    what = "a rosbag2 sqlite3 file: give its folder (with metadata.yaml)"
                raise RecordingError(f"{p}: not a readable MCAP file ({what})") from err
            _warn_truncated(p, err, count)


_TRUNCATED_WARNED: set[tuple[str, int, int]] = set()
"""(path, size, mtime) of truncated recordings already warned about: a file read twice (a replay scans
its topics first) warns once."""


def _why(err: BaseException) -> str:
    text = str(err)
    return f"{type(err).__name__}: {text}" if text else type(err).__name__


def _warn_truncated(path: Path, err: BaseException, count: int) -> None:
    try:
        st = path.stat()
        key = (str(path.resolve()), st.st_size, st.st_mtime_ns)
    except OSError:
        key = (str(path), -1, -1)
    if key in _TRUNCATED_WARNED:
        return
    _TRUNCATED_WARNED.add(key)
    _log.warning(
        "%s: the recording ends early (%s) after %d messages: it was not closed (the writer was killed or"
        " the disk filled); its messages up to there are used",
        path,
        _why(err),
        count,
    )


def recover_mcap(src: str | Path, dst: str | Path) -> int:
    """Rewrite a (possibly truncated) MCAP into a complete one (summary, footer); returns messages kept."""
    schemas: dict[str, str] = {}
    with McapRecorder(dst, flush_period=10.0) as out:
        for m in iter_raw_messages(src):
            if m.topic not in schemas:
                out.add_topic(m.topic, m.msg_type, m.definition or None)
                schemas[m.topic] = m.msg_type
            out.write(m.topic, m.data, m.log_time, m.publish_time)
        return out.message_count
