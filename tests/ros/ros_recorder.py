"""Record /joint_states to an MCAP file in a separate process until killed (the kill -9 test).

Usage: python ros_recorder.py OUT.mcap [--flush-period S]. Prints "READY" once a publisher matched.
"""

from __future__ import annotations

import argparse
import sys
import time

import rclpy
from rclpy.executors import SingleThreadedExecutor

from humanoid_twin.ros.record import McapRecorder, SessionRecorder


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("out")
    ap.add_argument("--flush-period", type=float, default=1.0)
    a = ap.parse_args()
    rclpy.init()
    node = rclpy.create_node("test_recorder")
    rec = SessionRecorder(
        node,
        McapRecorder(a.out, flush_period=a.flush_period),
        {"/joint_states": "sensor_msgs/msg/JointState"},
    )
    ex = SingleThreadedExecutor()
    ex.add_node(node)
    deadline = time.monotonic() + 20
    while node.count_publishers("/joint_states") == 0 and time.monotonic() < deadline:
        ex.spin_once(timeout_sec=0.05)
    print("READY", flush=True)
    try:
        while True:
            ex.spin_once(timeout_sec=0.1)
    finally:
        rec.close()


if __name__ == "__main__":
    sys.exit(main())
