"""The emulated network link: delay, jitter without reordering, drops, reproducibility."""

from __future__ import annotations

import numpy as np
import pytest

from humanoid_twin.emulator import Latency
from humanoid_twin.emulator._network import DelayLine


def _run(latency: Latency, seed: int, n: int = 5000, period: float = 0.002) -> tuple[list[int], list[float]]:
    line: DelayLine[int] = DelayLine(latency, np.random.default_rng(seed))
    dues: list[float] = []
    for k in range(n):
        due = line.send(k * period, k)
        if due is not None:
            dues.append(due - k * period)
    out = line.pop_due(float("inf"))
    assert line.stats.sent == len(out) and line.stats.sent + line.stats.dropped == n
    return out, dues


def test_zero_latency_passes_everything_at_once() -> None:
    line: DelayLine[str] = DelayLine(Latency(), np.random.default_rng(0))
    assert line.send(1.0, "a") == 1.0
    assert line.next_due() == 1.0
    assert line.pop_due(0.999) == [] and line.pop_due(1.0) == ["a"] and len(line) == 0


def test_delay_statistics_and_order() -> None:
    out, delays = _run(Latency(mean=0.003, jitter=0.001), seed=1)
    assert out == sorted(out) and len(out) == 5000  # FIFO: jitter delays, never reorders
    d = np.array(delays)
    assert d.min() >= 0.0
    assert d.mean() == pytest.approx(0.003, abs=3e-4)  # FIFO holding adds a little to the mean
    assert 0.0005 < d.std() < 0.0012


def test_drops_at_the_configured_rate_and_repeat_with_the_seed() -> None:
    out_a, delays_a = _run(Latency(mean=0.001, jitter=0.0005, drop=0.1), seed=5)
    out_b, delays_b = _run(Latency(mean=0.001, jitter=0.0005, drop=0.1), seed=5)
    assert out_a == out_b and delays_a == delays_b
    assert 0.08 < 1 - len(out_a) / 5000 < 0.12
    out_c, _ = _run(Latency(mean=0.001, jitter=0.0005, drop=0.1), seed=6)
    assert out_c != out_a
