"""ROS 2 adapter: message conversion, the live bridge, MCAP recording and replay.

This is the only subpackage that imports rclpy, ROS message packages, mcap, rosbags and
prometheus_client (the ``[ros]`` extra). Importing it without them raises
:class:`~humanoid_twin.errors.DependencyError`.
"""

from __future__ import annotations
