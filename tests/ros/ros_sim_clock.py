"""A simulator stand-in run as a separate process by tests/ros/test_sim_time.py: publishes ``/clock``
(rosgraph_msgs/Clock) and joint states stamped on that clock.

Usage: python ros_sim_clock.py --start 1000 --rate HZ --names a,b [--topic T] [--after S] [--max-seconds S]

Sim time runs at 1x wall time from ``--start`` [s]. Every tick publishes ``/clock`` then a JointState
(positions 0.1 sin(0.01 i + k)) stamped with the same sim time. On SIGUSR2 the simulation pauses for
``--pause`` seconds (nothing published, sim time stands still: "PAUSED <stamp>", then "RESUMED <stamp>"
and it goes on from there). On SIGUSR1 the clock is reset to
``--reset-to`` (a jump backwards), "RESET <first stamp>" is printed, and ``--after`` seconds later
"DONE <sent> <last stamp> <last i>" is printed and the process exits. Prints "READY" once the joint-state
topic and ``/clock`` have subscribers. Bounded by ``--max-seconds``.
"""

from __future__ import annotations

import argparse
import array
import math
import signal
import sys
import time

import rclpy
from rclpy.qos import HistoryPolicy, QoSProfile, ReliabilityPolicy
from rosgraph_msgs.msg import Clock
from sensor_msgs.msg import JointState


def _set(stamp: object, t: float) -> None:
    ns = round(t * 1e9)
    stamp.sec, stamp.nanosec = divmod(ns, 1_000_000_000)  # type: ignore[attr-defined]


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--start", type=float, default=1000.0)
    ap.add_argument("--reset-to", type=float, default=0.0)
    ap.add_argument("--rate", type=float, default=200.0)
    ap.add_argument("--topic", default="joint_states")
    ap.add_argument("--names", default="j0,j1")
    ap.add_argument("--after", type=float, default=2.0, help="seconds published after the reset")
    ap.add_argument("--pause", type=float, default=1.0, help="seconds the simulation pauses on SIGUSR2")
    ap.add_argument("--max-seconds", type=float, default=60.0)
    a = ap.parse_args()
    names = a.names.split(",")
    reset_requested = False
    pause_requested = False

    def on_usr1(signum: int, frame: object) -> None:
        nonlocal reset_requested
        reset_requested = True

    def on_usr2(signum: int, frame: object) -> None:
        nonlocal pause_requested
        pause_requested = True

    signal.signal(signal.SIGUSR1, on_usr1)
    signal.signal(signal.SIGUSR2, on_usr2)
    rclpy.init()
    node = rclpy.create_node("sim_clock")
    qos = QoSProfile(depth=1000, reliability=ReliabilityPolicy.RELIABLE, history=HistoryPolicy.KEEP_LAST)
    clock_pub = node.create_publisher(
        Clock, "/clock", QoSProfile(depth=10, reliability=ReliabilityPolicy.RELIABLE)
    )
    js_pub = node.create_publisher(JointState, a.topic, qos)
    deadline = time.monotonic() + 30
    while js_pub.get_subscription_count() < 1 or clock_pub.get_subscription_count() < 1:
        if time.monotonic() > deadline:
            print("NO SUBSCRIBER", flush=True)
            return 2
        time.sleep(0.02)
    time.sleep(0.3)  # let the matched readers finish discovery on their side too
    print("READY", flush=True)
    period = 1.0 / a.rate
    t0 = time.monotonic()
    origin, origin_sim = t0, a.start  # sim = origin_sim + (mono - origin)
    end = t0 + a.max_seconds
    reset_at: float | None = None
    sent = 0
    i = 0
    sim = a.start
    n = len(names)
    while True:
        target = t0 + i * period
        delay = target - time.monotonic()
        if delay > 0:
            time.sleep(delay)
        now = time.monotonic()
        if pause_requested:
            pause_requested = False
            print(f"PAUSED {sim:.9f}", flush=True)
            time.sleep(a.pause)
            resumed = time.monotonic()
            origin, origin_sim = resumed, sim + period  # sim time stood still during the pause
            t0 += resumed - now  # keep the tick schedule
            now = resumed
            print(f"RESUMED {origin_sim:.9f}", flush=True)
        if reset_requested and reset_at is None:
            reset_at = now
            origin, origin_sim = now, a.reset_to
        sim = origin_sim + (now - origin)
        clock = Clock()
        _set(clock.clock, sim)
        clock_pub.publish(clock)
        msg = JointState()
        _set(msg.header.stamp, sim)
        msg.name = names
        msg.position = array.array("d", [0.1 * math.sin(0.01 * i + k) for k in range(n)])
        js_pub.publish(msg)
        sent += 1
        if reset_at == now:
            print(f"RESET {sim:.9f}", flush=True)
        if (reset_at is not None and now - reset_at >= a.after) or now > end:
            break
        i += 1
    time.sleep(0.5)
    print(f"DONE {sent} {sim:.9f} {i}", flush=True)
    node.destroy_node()
    rclpy.shutdown()
    return 0


if __name__ == "__main__":
    sys.exit(main())
