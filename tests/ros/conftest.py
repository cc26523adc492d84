"""Fixtures of the ROS tests: a per-test DDS domain on localhost; helper processes always killed."""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterator

import pytest
from ros_helpers import Procs

pytest.importorskip("rclpy")


@pytest.fixture
def ros_domain(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> int:
    """A ROS_DOMAIN_ID in 1–101 derived from the test id and the xdist worker, discovery on localhost only."""
    key = request.node.nodeid + os.environ.get("PYTEST_XDIST_WORKER", "")
    domain = 1 + int(hashlib.sha1(key.encode()).hexdigest(), 16) % 101
    monkeypatch.setenv("ROS_DOMAIN_ID", str(domain))
    monkeypatch.setenv("ROS_AUTOMATIC_DISCOVERY_RANGE", "LOCALHOST")
    return domain


@pytest.fixture
def procs(ros_domain: int) -> Iterator[Procs]:
    helper = Procs()
    try:
        yield helper
    finally:
        helper.kill_all()
