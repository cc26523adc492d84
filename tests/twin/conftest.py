"""Shared inputs of the twin tests: the bundled humanoid and a stub backend with a known trajectory."""

from __future__ import annotations

import functools
from collections.abc import Sequence

import numpy as np
import pytest

from humanoid_twin.robots import humanoid as H
from humanoid_twin.twin import DigitalTwin, JointState, Prediction, RobotState, TwinConfig

pytest.importorskip("mujoco")


@functools.cache
def humanoid_model():
    return H.load_humanoid()


def make_twin(**config) -> DigitalTwin:
    return DigitalTwin(humanoid_model(), options=H.STANDING_OPTIONS, config=TwinConfig(nthread=2, **config))


@pytest.fixture
def twin() -> DigitalTwin:
    return make_twin()


def nominal(names: Sequence[str]) -> np.ndarray:
    return np.array([H.NOMINAL_POSE.get(n, 0.0) for n in names])


def js(twin: DigitalTwin, stamp: float, q=None, **kw) -> JointState:
    return JointState(stamp, twin.joint_names, nominal(twin.joint_names) if q is None else q, **kw)


class RampBackend:
    """A fixed-base stub backend whose predictions are ``q(t) = q0 + slope · (t − start)``."""

    def __init__(self, names: tuple[str, ...], slope: np.ndarray, timestep: float = 0.01) -> None:
        self._names = names
        self._slope = slope
        self._dt = timestep
        self._state = RobotState(0.0, names, np.zeros(len(names)), np.zeros(len(names)))

    timestep = property(lambda self: self._dt)
    joint_names = property(lambda self: self._names)
    floating_base = property(lambda self: False)

    def set_state(self, state):
        self._state = state

    def get_state(self):
        return self._state

    def step(self, command=None, n=1):
        return self._state

    def rollout(self, states, commands, n_steps, *, every=1):
        out = []
        for s in states:
            t = np.arange(n_steps // every + 1) * every * self._dt
            q = s.q[None, :] + t[:, None] * self._slope[None, :]
            out.append(Prediction(s.stamp, s.stamp + t, self._names, q, np.zeros_like(q)))
        return out

    def fork(self):
        return RampBackend(self._names, self._slope, self._dt)

    def snapshot(self):
        return self._state

    def restore(self, snapshot):
        self._state = snapshot

    def rest_height(self, q):
        return 0.0
