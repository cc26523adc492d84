"""The link between the emulated robot and its listeners: delay, jitter and drops (no ROS here)."""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass
from typing import Generic, TypeVar

import numpy as np

from .config import Latency

__all__ = ["DelayLine"]

T = TypeVar("T")


@dataclass
class _Stats:
    sent: int = 0
    """Messages accepted (published now or later)."""
    dropped: int = 0
    """Messages dropped."""


class DelayLine(Generic[T]):
    """A FIFO link: each message leaves ``mean + N(0, jitter)`` (clipped at 0) after its stamp, never
    before the message ahead of it; a fraction ``drop`` is lost.

    Every :meth:`send` consumes exactly two draws from ``rng`` (drop, delay), so the sequence of
    delays does not depend on the settings or on which messages were dropped.
    """

    def __init__(self, latency: Latency, rng: np.random.Generator) -> None:
        self.latency = latency
        self._rng = rng
        self._queue: deque[tuple[float, T]] = deque()
        self._last_due = -np.inf
        self.stats = _Stats()

    def send(self, stamp: float, item: T) -> float | None:
        """Queue ``item`` measured at ``stamp`` [s]; returns the time it leaves [s], None if dropped."""
        u, z = self._rng.random(), self._rng.standard_normal()
        if u < self.latency.drop:
            self.stats.dropped += 1
            return None
        due = max(self._last_due, stamp + max(0.0, self.latency.mean + self.latency.jitter * z))
        self._last_due = due
        self._queue.append((due, item))
        self.stats.sent += 1
        return due

    def next_due(self) -> float | None:
        """When the next queued message leaves [s]; None when the line is empty."""
        return self._queue[0][0] if self._queue else None

    def pop_due(self, now: float) -> list[T]:
        """The messages due at ``now`` [s], in order."""
        out: list[T] = []
        q = self._queue
        while q and q[0][0] <= now:
            out.append(q.popleft()[1])
        return out

    def __len__(self) -> int:
        return len(self._queue)
