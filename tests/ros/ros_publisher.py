"""A small joint-state publisher run as a separate process by the ROS tests and the sync bench.

Usage: python ros_publisher.py --rate HZ --count N [--topic T] [--names a,b] [--mode normal|bad]
         [--wait-subscriber] [--linger S]
Prints "READY" once a subscriber matched, "DONE <sent>" at the end. Stamps are wall time (time.time()).
"""

from __future__ import annotations

import argparse
import array
import math
import sys
import time

import rclpy
from rclpy.qos import HistoryPolicy, QoSProfile, ReliabilityPolicy
from sensor_msgs.msg import JointState


def stamp(msg: JointState, t: float) -> None:
    ns = round(t * 1e9)
    msg.header.stamp.sec, msg.header.stamp.nanosec = divmod(ns, 1_000_000_000)


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rate", type=float, default=100.0)
    ap.add_argument("--count", type=int, default=100)
    ap.add_argument("--topic", default="joint_states")
    ap.add_argument("--names", default="")
    ap.add_argument("--mode", default="normal", choices=["normal", "bad"])
    ap.add_argument("--depth", type=int, default=1000)
    ap.add_argument("--wait-subscribers", type=int, default=1)
    ap.add_argument("--linger", type=float, default=0.5)
    ap.add_argument("--forever", action="store_true", help="publish until killed")
    a = ap.parse_args()
    names = a.names.split(",") if a.names else ["j0", "j1"]
    rclpy.init()
    node = rclpy.create_node("test_publisher")
    qos = QoSProfile(depth=a.depth, reliability=ReliabilityPolicy.RELIABLE, history=HistoryPolicy.KEEP_LAST)
    pub = node.create_publisher(JointState, a.topic, qos)
    deadline = time.monotonic() + 20
    while pub.get_subscription_count() < a.wait_subscribers:
        if time.monotonic() > deadline:
            print("NO SUBSCRIBER", flush=True)
            return 2
        time.sleep(0.02)
    time.sleep(0.3)  # let the matched readers finish discovery on their side too
    print("READY", flush=True)
    n = len(names)
    period = 1.0 / a.rate
    t0 = time.monotonic()
    sent = 0
    i = 0
    while a.forever or i < a.count:
        target = t0 + i * period
        delay = target - time.monotonic()
        if delay > 0:
            time.sleep(delay)
        msg = JointState()
        msg.name = names
        q = [0.1 * math.sin(0.01 * i + k) for k in range(n)]
        if a.mode == "bad":
            kind = i % 6
            if kind == 1:
                q[0] = math.nan
            elif kind == 2:
                msg.name = [*names[:-1], "no_such_joint"]
            elif kind == 3:
                q = q[:-1]
            elif kind == 4:
                stamp(msg, time.time() - 5.0)  # far out of order
        msg.position = array.array("d", q)
        if not (a.mode == "bad" and i % 6 == 4):
            stamp(msg, time.time())
        pub.publish(msg)
        sent += 1
        i += 1
        if a.mode == "bad" and i % 6 == 5:  # a burst of 20 back-to-back messages
            for _ in range(20):
                m = JointState()
                m.name = names
                m.position = array.array("d", [0.0] * n)
                stamp(m, time.time())
                pub.publish(m)
                sent += 1
    time.sleep(a.linger)
    print(f"DONE {sent}", flush=True)
    node.destroy_node()
    rclpy.shutdown()
    return 0


if __name__ == "__main__":
    sys.exit(main())
