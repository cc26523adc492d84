"""What a scenario run returns: :class:`ScenarioResult`, :class:`VariantResult`, :class:`ReachResult`."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ._measures import Series

__all__ = ["ReachResult", "ScenarioResult", "VariantResult", "comparison_rows"]


@dataclass(frozen=True)
class ReachResult:
    """Can the hand reach the target standing? With the posture that does (or comes closest)."""

    reachable: bool
    """Reached within tolerance, balanced, collision-free, and stood ``verify`` seconds in MuJoCo."""
    distance_left: float
    """Hand-to-target distance of the best posture [m] (0 … tolerance when reached)."""
    spare_reach: float
    """How much further [m] the hand reaches beyond the target along the line from the shoulder (0 when
    not reachable)."""
    posture: Mapping[str, float]
    """Joint angles [rad] of the posture."""
    base: tuple[float, ...]
    """Pelvis pose (x, y, z [m], qw, qx, qy, qz) of the posture."""
    com_margin: float
    """CoM projection's distance inside the feet's support polygon [m] in the posture."""
    clearance: float
    """Smallest distance [m] between the robot's colliders and the shelf / each other (non-adjacent)."""
    within_limits: bool
    """Every joint angle within its limits."""
    stood: bool
    """The posture held under PD control for the verify time without falling."""
    hand_drift: float
    """Hand displacement [m] during the verification rollout, where the posture is held by plain joint
    PD (gravity sag and the body settling on its feet, 2–5 cm for the shelf scenario); a robot's
    controller corrects it, so it is shown, not part of the verdict (``tolerance`` is the IK's)."""
    stance_shift: float = 0.0
    """How far the feet stepped towards the target [m] (only when stepping is allowed)."""
    reason: str = ""
    """Why it is not reachable ('' when it is)."""


@dataclass(frozen=True)
class VariantResult:
    """The measures of one variant (or of the baseline)."""

    name: str
    changes: Mapping[str, Any]
    """The non-default :class:`~humanoid_twin.scenarios.Changes` (empty for the baseline)."""
    fell: bool
    fall_time: float | None
    """[s] after the fork (None: did not fall)."""
    min_support_margin: float
    """Smallest distance [m] of the CoM projection inside the support polygon of the foot contacts before
    any fall (negative: outside; NaN: never on its feet)."""
    peak_torque_ratio: float
    """Largest |joint torque| / the joint's effort limit."""
    peak_torque_joint: str
    peak_velocity_ratio: float
    """Largest |joint velocity| / the joint's velocity limit."""
    peak_velocity_joint: str
    limit_hits: int
    """Times a joint came within ``limit_margin`` of a position limit during the rollout (a joint that
    starts there counts only when it comes back after leaving)."""
    limit_hit_joints: tuple[str, ...]
    slip: float
    """Horizontal distance the feet moved while in contact [m] (sum of the feet)."""
    energy: float
    """∫ Σ |τ · q̇| dt over the joints [J]."""
    distance: float
    """Horizontal distance of the root from start to end (or to the fall) [m]."""
    duration: float
    """Simulated time [s]."""
    torque_ratio: Mapping[str, float] = field(repr=False)
    velocity_ratio: Mapping[str, float] = field(repr=False)
    series: Series = field(repr=False)
    reach: ReachResult | None = None
    fall_reason: str | None = None
    """Which fall test fired (None: did not fall): the root's tilt, its height, or the body that
    touched the ground."""


@dataclass(frozen=True)
class ScenarioResult:
    """A scenario run: the baseline, every variant, and where the report went."""

    name: str
    question: str
    kind: str
    source: str
    """Where it forked from: 'nominal', 'live' or 'REC.mcap@T'."""
    baseline: VariantResult
    variants: tuple[VariantResult, ...]
    out_dir: Path | None
    """The output folder (None when nothing was written)."""
    report: Path | None
    """The HTML report."""
    plots: tuple[Path, ...]
    wall_time: float
    """[s]"""
    measures: tuple[str, ...] | None = None
    """The scenario's ``[measures] report``: the columns :meth:`rows` shows by default (None: all)."""

    @property
    def all(self) -> tuple[VariantResult, ...]:
        """Baseline first, then the variants."""
        return (self.baseline, *self.variants)

    def rows(self, measures: tuple[str, ...] | None = None) -> list[dict[str, str]]:
        """The comparison table (see :func:`comparison_rows`), of ``measures`` (default
        :attr:`measures`, the scenario's ``[measures] report``)."""
        return comparison_rows(self, measures if measures is not None else self.measures)

    @property
    def warning(self) -> str | None:
        """One line when the baseline itself fell: every variant is then compared with a fall, and the
        question is not answered by this setup (None otherwise)."""
        b = self.baseline
        if not b.fell:
            return None
        why = f" ({b.fall_reason})" if b.fall_reason else ""
        hint = "check the fork state and the terrain"
        if self.kind == "walk":
            hint += (
                "; the gait walks open loop on flat ground: it drifts a few cm per metre, so with stairs "
                "keep [walk] distance to about 0.3 m, and it does not walk slopes"
            )
        return (
            f"the baseline itself fell at {b.fall_time:.2f} s{why}, so the variants are compared with a "
            f"fall: {hint}"
        )

    def answer(self) -> str:
        """A one-line answer to the question."""
        if self.kind == "reach":
            parts = []
            for v in self.all:
                r = v.reach
                if r is None:
                    continue
                if r.reachable:
                    parts.append(f"{v.name}: yes, {r.spare_reach * 100:.1f} cm to spare")
                else:
                    where = (
                        ""
                        if "from the target" in r.reason
                        else (f" (the hand ends {r.distance_left * 100:.1f} cm from the target)")
                    )
                    parts.append(f"{v.name}: no, {r.reason}{where}")
            return "; ".join(parts)
        fell = [v.name for v in self.all if v.fell]
        if not fell:
            return "no variant fell; " + ", ".join(
                f"{v.name}: margin {_cm(v.min_support_margin)}, peak torque {v.peak_torque_ratio:.0%}"
                for v in self.all
            )
        return "fell: " + ", ".join(
            f"{v.name} at {v.fall_time:.2f} s" + (f" ({v.fall_reason})" if v.fall_reason else "")
            for v in self.all
            if v.fell
        )


def _cm(v: float) -> str:
    return "—" if not math.isfinite(v) else f"{v * 100:.1f} cm"


def _delta(v: float, b: float, fmt: str) -> str:
    if not (math.isfinite(v) and math.isfinite(b)):
        return ""
    d = v - b
    return "" if abs(d) < 1e-12 else f" ({'+' if d > 0 else ''}{format(d, fmt)})"


COLUMNS: dict[str, tuple[str, ...]] = {
    "fall": ("fell",),
    "support_margin": ("min support margin [cm]",),
    "torque": ("peak torque / limit",),
    "velocity": ("peak velocity / limit",),
    "limits": ("limit hits",),
    "slip": ("foot slip [cm]",),
    "energy": ("energy [J]",),
}


def comparison_rows(result: ScenarioResult, measures: tuple[str, ...] | None = None) -> list[dict[str, str]]:
    """One row per variant (baseline first) of formatted cells, each with its difference to the baseline
    in parentheses; columns: 'variant', the chosen measures (default all), 'distance [m]', and for reach
    scenarios 'reachable', 'margin [cm]'."""
    from ._config import MEASURES

    chosen = measures or MEASURES
    b = result.baseline
    rows = []
    for v in result.all:
        row: dict[str, str] = {"variant": v.name}
        if result.kind == "reach" and v.reach is not None:
            r = v.reach
            row["reachable"] = "yes" if r.reachable else "no"
            row["margin [cm]"] = (
                f"+{r.spare_reach * 100:.1f} spare" if r.reachable else f"{r.distance_left * 100:.1f} short"
            )
            row["CoM margin [cm]"] = _cm(r.com_margin).replace(" cm", "")
        if "fall" in chosen:
            row["fell"] = f"yes at {v.fall_time:.2f} s" if v.fell else "no"
            if v.fell and v.fall_reason:
                row["fell"] += f" ({v.fall_reason})"
        if "support_margin" in chosen:
            row["min support margin [cm]"] = (
                f"{v.min_support_margin * 100:.1f}" if math.isfinite(v.min_support_margin) else "—"
            ) + _delta(v.min_support_margin * 100, b.min_support_margin * 100, ".1f")
        if "torque" in chosen:
            row["peak torque / limit"] = f"{v.peak_torque_ratio:.0%} {v.peak_torque_joint}".strip() + _delta(
                v.peak_torque_ratio * 100, b.peak_torque_ratio * 100, ".0f"
            ).replace(")", " pt)")
        if "velocity" in chosen:
            row["peak velocity / limit"] = (
                f"{v.peak_velocity_ratio:.0%} {v.peak_velocity_joint}".strip()
                + _delta(v.peak_velocity_ratio * 100, b.peak_velocity_ratio * 100, ".0f").replace(")", " pt)")
            )
        if "limits" in chosen:
            row["limit hits"] = f"{v.limit_hits}" + _delta(float(v.limit_hits), float(b.limit_hits), ".0f")
        if "slip" in chosen:
            row["foot slip [cm]"] = f"{v.slip * 100:.1f}" + _delta(v.slip * 100, b.slip * 100, ".1f")
        if "energy" in chosen:
            row["energy [J]"] = f"{v.energy:.0f}" + _delta(v.energy, b.energy, ".0f")
        row["distance [m]"] = f"{v.distance:.2f}"
        rows.append(row)
    return rows
