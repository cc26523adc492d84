"""The inertia policy, in one place, for every reader (URDF, other tools' USD; see docs: "Inertia
policy" in the URDF reader's page).

* Negative mass: error (the validate pass).
* A tensor with a principal moment below ``-(NEGATIVE_TOLERANCE · max|moment| + ABSOLUTE_TOLERANCE)``:
  error, it is not a physical inertia (the validate pass) — unless the link is *negligible*, lighter
  than ``NEGLIGIBLE_MASS_FRACTION`` of the whole robot: then its negative moments are treated like
  slightly negative ones below (raised to the floor, triangle restored), with a warning. A tensor
  so wrong on a link that weighs nothing against the robot cannot change its motion, and refusing
  the robot for it (TIAGo's 1 mg antenna) helps nobody; on a heavy link it stays an error.
* Otherwise, on a link with mass > 0, the tensor is repaired in its principal frame and the link
  is named in a warning:
    - moments that are (nearly) zero or slightly negative are raised to a floor of
      ``max(FLOOR_RELATIVE · largest moment, FLOOR_PER_KG · mass)`` [kg·m²];
    - when the triangle inequality fails (``I1 + I2 < I3`` for sorted moments), the deficit is split
      equally between the two smaller moments (plus a margin of ``TRIANGLE_MARGIN · I3`` so rounding
      cannot re-open it), the least change that makes the tensor physical.
  The principal axes are kept; the tensor is rebuilt from them.
* A massless link keeps its tensor as written (it is a frame, or the writer's density rule applies);
  a non-physical one becomes zero.

The readers report every repair in one warning (:func:`repairs_warning`) and keep each link's on
:attr:`~humanoid_twin.model.Inertial.repaired`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .._text import first_few

__all__ = [
    "FLOOR_PER_KG",
    "FLOOR_RELATIVE",
    "NEGATIVE_TOLERANCE",
    "NEGLIGIBLE_MASS_FRACTION",
    "InertiaCheck",
    "check_inertia",
    "repairs_warning",
    "six",
]

Six = tuple[float, float, float, float, float, float]

NEGATIVE_TOLERANCE = 1e-6
"""Principal moments down to ``-1e-6 ×`` the largest one count as rounding noise around zero."""
ABSOLUTE_TOLERANCE = 1e-12
"""… and moments down to ``-1e-12`` [kg·m²] whatever the scale (round-off in tiny tensors)."""
FLOOR_RELATIVE = 1e-6
"""Repaired zero moments become at least this fraction of the largest moment."""
FLOOR_PER_KG = 1e-8
"""… and at least this many [kg·m²] per kg of mass (a sphere of radius ≈ 0.16 mm)."""
TRIANGLE_MARGIN = 1e-9
"""Triangle violations smaller than this fraction of the largest moment are rounding noise."""
NEGLIGIBLE_MASS_FRACTION = 1e-3
"""A link lighter than this fraction of the robot's total mass is negligible: a non-physical tensor on
it is repaired, not refused (70 g on a 70 kg robot)."""


@dataclass(frozen=True)
class InertiaCheck:
    moments: tuple[float, float, float]
    """Principal moments, ascending [kg·m²]."""
    not_psd: bool
    """A moment is clearly negative: not a physical inertia (an error)."""
    repaired: Six | None
    """The repaired ``(ixx, ixy, ixz, iyy, iyz, izz)``, or None when nothing needed repair."""
    reason: str
    """What the repair did, for the warning ('' when nothing)."""


def _tensor(i: Six) -> np.ndarray:
    ixx, ixy, ixz, iyy, iyz, izz = i
    return np.array([[ixx, ixy, ixz], [ixy, iyy, iyz], [ixz, iyz, izz]], dtype=np.float64)


def check_inertia(mass: float, inertia: Six, robot_mass: float = 0.0) -> InertiaCheck:
    """Classify ``inertia`` [kg·m²] of a link of ``mass`` [kg] and compute its repair.

    ``robot_mass`` is the whole robot's mass [kg], which decides whether the link is negligible
    (0: unknown, no link is)."""
    vals, vecs = np.linalg.eigh(_tensor(inertia))
    moments = (float(vals[0]), float(vals[1]), float(vals[2]))
    scale = max(abs(v) for v in moments)
    reasons: list[str] = []
    if moments[0] < -(NEGATIVE_TOLERANCE * scale + ABSOLUTE_TOLERANCE):
        if not mass < NEGLIGIBLE_MASS_FRACTION * robot_mass:
            return InertiaCheck(moments, True, None, "")
        shown = ", ".join(f"{m:.3g}" for m in moments)
        reasons.append(
            f"its principal moments ({shown}) kg·m² are not physical, but it weighs {mass:.3g} kg, under "
            f"{NEGLIGIBLE_MASS_FRACTION:.1%} of the robot's {robot_mass:.3g} kg"
        )
        if mass <= 0:
            reasons.append("replaced the tensor by zero")
            return InertiaCheck(moments, False, (0.0,) * 6, " and ".join(reasons))
    if mass <= 0:
        return InertiaCheck(moments, False, None, "")
    floor = max(FLOOR_RELATIVE * scale, FLOOR_PER_KG * mass)
    fixed = [max(v, 0.0) for v in moments]
    if min(fixed) < floor * 0.5:
        fixed = [max(v, floor) for v in fixed]
        which = "negative" if moments[0] < 0 else "zero"
        reasons.append(f"raised {which} principal moments to {floor:.3g} kg·m²")
    a, b, c = fixed  # ascending: eigh sorts and the floor keeps the order
    if a + b < c * (1.0 - TRIANGLE_MARGIN):
        half = 0.5 * (c * (1.0 + TRIANGLE_MARGIN) - a - b)
        fixed = [a + half, b + half, c]
        reasons.append(
            f"raised the two smaller principal moments by {half:.3g} kg·m² each to satisfy I1 + I2 ≥ I3"
        )
    if not reasons:
        return InertiaCheck(moments, False, None, "")
    return InertiaCheck(moments, False, six(vecs @ np.diag(fixed) @ vecs.T), "; ".join(reasons))


def repairs_warning(repairs: list[tuple[str, str]]) -> str | None:
    """One warning for the ``(link name, reason)`` repairs of a robot, naming the first three
    (None when there are none)."""
    if not repairs:
        return None
    if len(repairs) == 1:
        name, reason = repairs[0]
        return f"Repaired the inertia of link {name!r}: {reason}."
    shown = first_few([f"{name!r} ({reason})" for name, reason in repairs])
    return f"Repaired the inertia of {len(repairs)} links: {shown}."


def six(tensor: np.ndarray) -> Six:
    """A symmetric 3×3 inertia tensor as URDF's ``(ixx, ixy, ixz, iyy, iyz, izz)``."""
    return (
        float(tensor[0, 0]),
        float(tensor[0, 1]),
        float(tensor[0, 2]),
        float(tensor[1, 1]),
        float(tensor[1, 2]),
        float(tensor[2, 2]),
    )
