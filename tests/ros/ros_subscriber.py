"""Subscribe to a topic in a separate process; print "READY" when matched, then "MSG <repr>" for the first
message and "COUNT <n>" after --seconds. Used by the ROS tests to check what the bridge publishes."""

from __future__ import annotations

import argparse
import importlib
import sys
import time

import rclpy
from rclpy.executors import SingleThreadedExecutor


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("topic")
    ap.add_argument("msg_type", help="e.g. diagnostic_msgs/msg/DiagnosticArray")
    ap.add_argument("--seconds", type=float, default=3.0)
    a = ap.parse_args()
    pkg, kind, name = a.msg_type.split("/")
    cls = getattr(importlib.import_module(f"{pkg}.{kind}"), name)
    rclpy.init()
    node = rclpy.create_node("test_subscriber")
    got: list[object] = []
    node.create_subscription(cls, a.topic, got.append, 10)
    ex = SingleThreadedExecutor()
    ex.add_node(node)
    deadline = time.monotonic() + 20
    while node.count_publishers(a.topic) == 0 and time.monotonic() < deadline:
        ex.spin_once(timeout_sec=0.05)
    print("READY", flush=True)
    end = time.monotonic() + a.seconds
    printed = False
    while time.monotonic() < end:
        ex.spin_once(timeout_sec=0.05)
        if got and not printed:
            print("MSG " + repr(got[0]).replace("\n", " "), flush=True)
            printed = True
    print(f"COUNT {len(got)}", flush=True)
    node.destroy_node()
    rclpy.shutdown()
    return 0


if __name__ == "__main__":
    sys.exit(main())
