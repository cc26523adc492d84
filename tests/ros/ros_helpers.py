"""Helpers of the ROS tests (imported by conftest and the test modules)."""

from __future__ import annotations

import os
import selectors
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from humanoid_twin.ros.config import BridgeConfig

HERE = Path(__file__).parent


class Procs:
    """Starts helper scripts in separate processes; kills every one of them in teardown."""

    def __init__(self) -> None:
        self.procs: list[subprocess.Popen[str]] = []

    def start(self, script: str, *args: str) -> subprocess.Popen[str]:
        p = subprocess.Popen(
            [sys.executable, str(HERE / script), *args],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=os.environ.copy(),
        )
        self.procs.append(p)
        return p

    def wait_line(self, p: subprocess.Popen[str], prefix: str, timeout: float = 30.0) -> str:
        """Read stdout lines until one starts with ``prefix`` (bounded)."""
        assert p.stdout is not None
        deadline = time.monotonic() + timeout
        sel = selectors.DefaultSelector()
        sel.register(p.stdout, selectors.EVENT_READ)
        while time.monotonic() < deadline:
            if not sel.select(timeout=max(0.0, deadline - time.monotonic())):
                break
            line = p.stdout.readline()
            if not line:
                break
            if line.startswith(prefix):
                return line.strip()
        err = p.stderr.read() if p.poll() is not None and p.stderr else ""
        raise AssertionError(f"{prefix!r} not seen from helper within {timeout} s; stderr: {err[-2000:]}")

    def kill_all(self) -> None:
        for p in self.procs:
            if p.poll() is None:
                p.kill()
            try:
                p.wait(timeout=10)
            except subprocess.TimeoutExpired:
                pass
            for stream in (p.stdout, p.stderr):
                if stream is not None:
                    stream.close()


def wait_for(predicate: Callable[[], bool], timeout: float, period: float = 0.01) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(period)
    return bool(predicate())


def bridge_config(domain: int, tag: str, **topics: str) -> BridgeConfig:
    """A bridge config on ``domain`` with a free Prometheus port and topic names under ``tag`` (other
    jobs on this machine may share the domain id); ``topics`` adds or replaces names."""
    from humanoid_twin.ros.config import BridgeConfig

    names = {k: f"{tag}/{k}" for k in ("joint_states", "diagnostics", "joint_command")}
    return BridgeConfig().with_overrides(
        ros={"domain_id": domain}, prometheus={"port": 0}, topics={**names, **topics}
    )
