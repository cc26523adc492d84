"""Twin health metrics: the immutable :class:`TwinMetrics` snapshot and the collector behind it.

Definitions:

- **received**: every joint-state message given to :meth:`DigitalTwin.update`; **accepted** ones
  were applied; **rejected** ones are counted by reason (:class:`RejectReason`). **invalid** is the
  sum of the malformed-message reasons (non-finite, unknown name, wrong length, duplicate name, bad
  stamp); out-of-order, duplicate-stamp and clock-jump rejections are counted apart.
- **dropped** is inferred (``JointState`` has no sequence number): the period of each joint set is
  the median of its last 50 stamp intervals; an interval longer than 1.5 periods but not longer than
  ``stale_after`` counts ``round(interval / period) − 1`` dropped messages (none while the stamps
  come in bursts, median under half the mean interval). Longer silences are **outages** (the
  publisher vanished), counted once each, not as drops.
- **latency**: stamp → applied (twin clock at apply − header stamp; includes transport and clock
  offset) and receive → applied (local monotonic; the twin's own processing), p50/p99/max over the
  last ``window`` seconds.
- **receive rate** [Hz]: messages received in the last ``window`` seconds / ``window``.
- **staleness** [s]: age of the newest applied measurement.
- **prediction error**: each tracked prediction, at each horizon ``h`` it covers, is compared with
  the measured joint positions interpolated linearly to ``start + h`` (and itself interpolated to
  that time); RMS and max |error| per joint over the last ``error_window`` seconds of twin time.
"""

from __future__ import annotations

import enum
import heapq
import math
import time
from collections import deque
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

import numpy as np
from numpy.typing import NDArray

from ..model.transforms import FloatArray
from ._types import Prediction

__all__ = ["METRIC_SERIES", "RejectReason", "TwinMetrics"]


class RejectReason(enum.StrEnum):
    """Why :meth:`DigitalTwin.update` rejected a message (the state is left untouched)."""

    NON_FINITE = "non_finite"
    """A position, velocity or base value is NaN or infinite."""
    UNKNOWN_NAME = "unknown_name"
    """A joint name the model has not (see ``TwinConfig.ignore_unknown_joints``)."""
    WRONG_LENGTH = "wrong_length"
    """position/velocity/effort lengths differ from the number of names, or no names at all."""
    DUPLICATE_NAME = "duplicate_name"
    """The same joint twice in one message."""
    BAD_STAMP = "bad_stamp"
    """The stamp is not a finite number."""
    DUPLICATE = "duplicate"
    """Same stamp as the last applied sample of these joints (a resend)."""
    OUT_OF_ORDER = "out_of_order"
    """Older than the last applied sample of these joints."""
    CLOCK_JUMP = "clock_jump"
    """The stamp clock jumped against the receive clock by more than ``max_clock_jump``."""

    @property
    def invalid(self) -> bool:
        """True for malformed messages (as opposed to ordering and clock problems)."""
        return self in _INVALID


_INVALID = frozenset(
    {
        RejectReason.NON_FINITE,
        RejectReason.UNKNOWN_NAME,
        RejectReason.WRONG_LENGTH,
        RejectReason.DUPLICATE_NAME,
        RejectReason.BAD_STAMP,
    }
)


def _hz(h: float) -> str:
    return f"{h:g}s"


@dataclass(frozen=True)
class TwinMetrics:
    """A snapshot of the twin's health. Immutable; arrays are read-only."""

    stamp: float
    """Twin-clock time of the snapshot [s]."""
    joint_names: tuple[str, ...]
    base_mode: str
    """Which base the twin assumes (see :attr:`DigitalTwin.base_mode`)."""
    received: int
    accepted: int
    rejected: Mapping[str, int]
    """Rejected messages by :class:`RejectReason` value (every reason present, 0 when none)."""
    dropped: int
    """Inferred lost messages (see the module docstring)."""
    outages: int
    """Silences longer than ``stale_after``."""
    clock_resets: int
    """Times the twin adopted a new timeline after a confirmed clock jump."""
    unknown_entries: int
    """Entries naming unknown joints dropped under ``ignore_unknown_joints``."""
    base_received: int
    base_rejected: int
    """Base states rejected (non-finite, out of order) or ignored under a fixed base."""
    receive_rate: float
    """[Hz] joint-state messages received over the last window."""
    latency_stamp_p50: float
    """[s] header stamp → applied, median over the last window (NaN when none)."""
    latency_stamp_p99: float
    latency_stamp_max: float
    latency_receive_p50: float
    """[s] local receive → applied, median over the last window (NaN when not measured)."""
    latency_receive_p99: float
    latency_receive_max: float
    staleness: float
    """[s] age of the newest applied measurement (inf before the first)."""
    stale: bool
    horizons: tuple[float, ...]
    """[s] prediction-error horizons."""
    error_rms: FloatArray
    """(H, n) RMS prediction error per horizon and joint [rad] or [m] (NaN when not scored yet)."""
    error_max: FloatArray
    """(H, n) max |prediction error| per horizon and joint."""
    error_count: NDArray[np.int64]
    """(H,) scored predictions per horizon in the window."""
    predictions: int
    """Predictions made so far (single and batch)."""

    @property
    def invalid(self) -> int:
        """Malformed messages (sum of the invalid reasons)."""
        return sum(v for k, v in self.rejected.items() if RejectReason(k).invalid)

    @property
    def rejected_total(self) -> int:
        return sum(self.rejected.values())

    @property
    def rejected_reasons(self) -> str:
        """``'duplicate 7191, unknown_name 3'``: the reasons that rejected anything, for messages."""
        return ", ".join(f"{k} {v}" for k, v in self.rejected.items() if v)

    def as_dict(self) -> dict[str, float]:
        """Flat ``key → value`` for ``/diagnostics`` and logs. Keys are dotted, units in the last part
        (``_s``, ``_hz``); per-joint prediction errors are ``prediction_error.rms.<h>s.<joint>``."""
        out: dict[str, float] = {
            "received": self.received,
            "accepted": self.accepted,
            "rejected": self.rejected_total,
            "invalid": self.invalid,
            "dropped": self.dropped,
            "outages": self.outages,
            "clock_resets": self.clock_resets,
            "unknown_entries": self.unknown_entries,
            "base_received": self.base_received,
            "base_rejected": self.base_rejected,
            "receive_rate_hz": self.receive_rate,
            "latency.stamp_to_applied.p50_s": self.latency_stamp_p50,
            "latency.stamp_to_applied.p99_s": self.latency_stamp_p99,
            "latency.stamp_to_applied.max_s": self.latency_stamp_max,
            "latency.receive_to_applied.p50_s": self.latency_receive_p50,
            "latency.receive_to_applied.p99_s": self.latency_receive_p99,
            "latency.receive_to_applied.max_s": self.latency_receive_max,
            "staleness_s": self.staleness,
            "stale": float(self.stale),
            "predictions": self.predictions,
        }
        for reason, n in self.rejected.items():
            out[f"rejected.{reason}"] = n
        for i, h in enumerate(self.horizons):
            key = _hz(h)
            out[f"prediction_error.count.{key}"] = int(self.error_count[i])
            rms = self.error_rms[i]
            out[f"prediction_error.rms.{key}.mean"] = (
                float(np.sqrt(np.mean(rms**2))) if self.error_count[i] else math.nan
            )
            for j, name in enumerate(self.joint_names):
                out[f"prediction_error.rms.{key}.{name}"] = float(rms[j])
                out[f"prediction_error.max.{key}.{name}"] = float(self.error_max[i, j])
        return {k: float(v) for k, v in out.items()}

    def series(self) -> list[tuple[str, dict[str, str], float]]:
        """``(name, labels, value)`` triples for Prometheus: names are ``twin_<key>`` with labels
        ``reason``, ``horizon`` [s] and ``joint`` instead of dotted parts."""
        rows: list[tuple[str, dict[str, str], float]] = []
        for key, value in self.as_dict().items():
            if key.startswith(("rejected.", "prediction_error.")):
                continue
            rows.append(("twin_" + key.replace(".", "_"), {}, value))
        for reason, n in self.rejected.items():
            rows.append(("twin_rejected_by_reason", {"reason": reason}, float(n)))
        for i, h in enumerate(self.horizons):
            hl = f"{h:g}"
            rows.append(("twin_prediction_error_count", {"horizon": hl}, float(self.error_count[i])))
            for j, name in enumerate(self.joint_names):
                lab = {"horizon": hl, "joint": name}
                rows.append(("twin_prediction_error_rms", lab, float(self.error_rms[i, j])))
                rows.append(("twin_prediction_error_max", dict(lab), float(self.error_max[i, j])))
        return rows


METRIC_SERIES: Mapping[str, tuple[bool, str]] = MappingProxyType(
    {
        # name → (monotonic counter?, help); a counter is exported as <name>_total
        "twin_received": (True, "Joint-state messages given to the twin"),
        "twin_accepted": (True, "Joint-state messages applied"),
        "twin_rejected": (True, "Joint-state messages rejected, all reasons"),
        "twin_rejected_by_reason": (True, "Joint-state messages rejected, by reason"),
        "twin_invalid": (True, "Malformed joint-state messages (the invalid reasons)"),
        "twin_dropped": (True, "Joint-state messages inferred lost from gaps in the stamps"),
        "twin_outages": (True, "Silences longer than stale_after"),
        "twin_clock_resets": (True, "New timelines adopted after a confirmed clock jump"),
        "twin_unknown_entries": (True, "Entries naming unknown joints, dropped"),
        "twin_base_received": (True, "Base states given to the twin"),
        "twin_base_rejected": (True, "Base states rejected or ignored"),
        "twin_predictions": (True, "Predictions made (single and batch)"),
        "twin_receive_rate_hz": (False, "Joint-state messages received per second over the last window [Hz]"),
        "twin_latency_stamp_to_applied_p50_s": (False, "Header stamp to applied, median [s]"),
        "twin_latency_stamp_to_applied_p99_s": (False, "Header stamp to applied, 99th percentile [s]"),
        "twin_latency_stamp_to_applied_max_s": (False, "Header stamp to applied, maximum [s]"),
        "twin_latency_receive_to_applied_p50_s": (False, "Local receive to applied, median [s]"),
        "twin_latency_receive_to_applied_p99_s": (False, "Local receive to applied, 99th percentile [s]"),
        "twin_latency_receive_to_applied_max_s": (False, "Local receive to applied, maximum [s]"),
        "twin_staleness_s": (False, "Age of the newest applied measurement [s]"),
        "twin_stale": (False, "1 while the twin's data is stale"),
        "twin_prediction_error_count": (False, "Predictions scored per horizon in the error window"),
        "twin_prediction_error_rms": (False, "RMS prediction error per horizon and joint [rad or m]"),
        "twin_prediction_error_max": (False, "Largest prediction error per horizon and joint [rad or m]"),
    }
)
"""Every series :meth:`TwinMetrics.series` yields, for an exporter: counter or gauge, and its help."""


def _pct(values: deque[tuple[float, float]], since: float) -> tuple[float, float, float]:
    a = np.array([v for t, v in values if t >= since])
    if a.size == 0:
        return math.nan, math.nan, math.nan
    p50, p99 = np.percentile(a, (50, 99))
    return float(p50), float(p99), float(a.max())


@dataclass(order=True)
class _Due:
    due: float
    seq: int
    horizon: int = field(compare=False)
    prediction: Prediction = field(compare=False)


class MetricsCollector:
    """Mutable counters behind :class:`TwinMetrics`; not thread-safe (the twin holds its lock)."""

    def __init__(
        self,
        joint_names: tuple[str, ...],
        horizons: tuple[float, ...],
        window: float,
        error_window: float,
        max_tracked: int,
    ) -> None:
        self.joint_names = joint_names
        self.horizons = horizons
        self.window = window
        self.error_window = error_window
        self.max_tracked = max_tracked
        self.received = 0
        self.accepted = 0
        self.rejected = dict.fromkeys((r.value for r in RejectReason), 0)
        self.dropped = 0
        self.outages = 0
        self.clock_resets = 0
        self.unknown_entries = 0
        self.base_received = 0
        self.base_rejected = 0
        self.predictions = 0
        self._arrivals: deque[float] = deque(maxlen=100_000)
        self._lat_stamp: deque[tuple[float, float]] = deque(maxlen=20_000)
        self._lat_recv: deque[tuple[float, float]] = deque(maxlen=20_000)
        self._history: deque[tuple[float, FloatArray]] = deque(maxlen=4096)
        self._due: list[_Due] = []
        self._seq = 0
        self._errors: list[deque[tuple[float, FloatArray]]] = [deque(maxlen=10_000) for _ in horizons]

    # ------------------------------------------------------------ sync

    def arrival(self, mono: float) -> None:
        self.received += 1
        self._arrivals.append(mono)

    def reject(self, reason: RejectReason) -> None:
        self.rejected[reason.value] += 1

    def applied(self, stamp: float, q: FloatArray, mono: float, wall: float, received: float | None) -> None:
        """An accepted measurement: record latency, keep ``q`` for error scoring, score due predictions."""
        self.accepted += 1
        self._lat_stamp.append((mono, wall - stamp))
        if received is not None:
            self._lat_recv.append((mono, mono - received))
        self._history.append((stamp, q))
        self._score(stamp)

    def reset_timeline(self) -> None:
        self._history.clear()
        self._due.clear()
        for e in self._errors:
            e.clear()

    # ------------------------------------------------------------ prediction error

    def track(self, prediction: Prediction) -> None:
        """Remember ``prediction`` to score it at every horizon it covers."""
        if self.max_tracked == 0:
            return
        end = float(prediction.times[-1])
        for i, h in enumerate(self.horizons):
            due = prediction.start + h
            if due <= end + 1e-9:
                self._seq += 1
                heapq.heappush(self._due, _Due(due, self._seq, i, prediction))
        # Bound memory: drop the entries due last when too many predictions are pending.
        limit = self.max_tracked * max(1, len(self.horizons))
        if len(self._due) > limit:
            self._due = heapq.nsmallest(limit, self._due)
            heapq.heapify(self._due)

    def _measured_at(self, t: float) -> FloatArray | None:
        hist = self._history
        # Walk back from the newest sample to the pair bracketing t.
        later: tuple[float, FloatArray] | None = None
        for k in range(len(hist) - 1, -1, -1):
            s, q = hist[k]
            if s <= t:
                if s == t or later is None:
                    return q if s == t else None
                s1, q1 = later
                w = (t - s) / (s1 - s)
                return (1.0 - w) * q + w * q1
            later = (s, q)
        return None

    def _score(self, newest: float) -> None:
        while self._due and self._due[0].due <= newest:
            item = heapq.heappop(self._due)
            measured = self._measured_at(item.due)
            if measured is None:
                continue
            p = item.prediction
            pos = (
                (item.due - p.start) / (p.times[-1] - p.start) * (len(p.times) - 1)
                if len(p.times) > 1
                else 0.0
            )
            k = min(int(pos), len(p.times) - 2) if len(p.times) > 1 else 0
            if len(p.times) > 1:
                w = pos - k
                predicted = (1.0 - w) * p.q[k] + w * p.q[k + 1]
            else:
                predicted = p.q[0]
            self._errors[item.horizon].append((item.due, predicted - measured))

    # ------------------------------------------------------------ snapshot

    def snapshot(
        self, *, stamp: float, newest: float, staleness: float, stale_after: float, base_mode: str
    ) -> TwinMetrics:
        mono = time.monotonic()
        since = mono - self.window
        rate = sum(1 for t in self._arrivals if t >= since) / self.window
        ls = _pct(self._lat_stamp, since)
        lr = _pct(self._lat_recv, since)
        n = len(self.joint_names)
        h = len(self.horizons)
        rms = np.full((h, n), math.nan)
        mx = np.full((h, n), math.nan)
        count = np.zeros(h, dtype=np.int64)
        for i, errs in enumerate(self._errors):
            rows = [e for t, e in errs if t >= newest - self.error_window]
            if rows:
                a = np.stack(rows)
                rms[i] = np.sqrt(np.mean(a**2, axis=0))
                mx[i] = np.abs(a).max(axis=0)
                count[i] = len(rows)
        for arr in (rms, mx, count):
            arr.setflags(write=False)
        return TwinMetrics(
            stamp=stamp,
            joint_names=self.joint_names,
            base_mode=base_mode,
            received=self.received,
            accepted=self.accepted,
            rejected=MappingProxyType(dict(self.rejected)),
            dropped=self.dropped,
            outages=self.outages,
            clock_resets=self.clock_resets,
            unknown_entries=self.unknown_entries,
            base_received=self.base_received,
            base_rejected=self.base_rejected,
            receive_rate=rate,
            latency_stamp_p50=ls[0],
            latency_stamp_p99=ls[1],
            latency_stamp_max=ls[2],
            latency_receive_p50=lr[0],
            latency_receive_p99=lr[1],
            latency_receive_max=lr[2],
            staleness=staleness,
            stale=staleness > stale_after,
            horizons=self.horizons,
            error_rms=rms,
            error_max=mx,
            error_count=count,
            predictions=self.predictions,
        )
