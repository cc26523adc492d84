"""Settings of the twin core (the ROS side reads them from the ``[twin]`` table of its TOML file)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from .._toml import check_number
from ..errors import ConfigError
from ..model.kinematics import FEET

__all__ = ["BaseAssumption", "TwinConfig"]

BaseAssumption = Literal["floating", "fixed"]


@dataclass(frozen=True)
class TwinConfig:
    """How the twin mirrors, validates, predicts and measures. Times are seconds on the twin's clock."""

    timestep: float = 0.002
    """Physics step [s] of the backend the twin builds (ignored when a backend is given). Default 2 ms."""
    base: BaseAssumption = "floating"
    """'floating' (default): the root is free; it is mirrored from :class:`BaseState` (odometry/IMU)
    when the robot reports it, and until then assumed at rest on flat ground at z = 0: turned so the
    ``feet`` soles are flat (as at the zero pose; upright without those frames),
    its height chosen so the lowest collider touches the ground at the current joint positions.
    'fixed': the root is welded to the world (no ground contact, no base motion); base states are
    ignored (counted as ``base_ignored``)."""
    stale_after: float = 0.1
    """[s] the mirror is stale when the newest applied measurement is older than this. Default 0.1."""
    max_clock_jump: float = 0.5
    """[s] a message whose stamp advanced more than this beyond what its local receive time advanced
    since the last applied message, or went backwards while lagging the receive time by more than
    this, is a clock jump: rejected. A stamp that advanced less but not backwards (a paused simulator,
    a stalled sender or receiver) is not a jump. Needs ``JointState.received``. Default 0.5."""
    clock_jump_confirm: int = 3
    """After this many consecutive clock-jump rejections that agree with each other the twin adopts
    the new timeline (counted as a clock reset; its history and tracked predictions are dropped).
    Default 3."""
    error_horizons: tuple[float, ...] = (0.1, 0.5, 1.0)
    """[s] horizons at which tracked predictions are compared with later measurements."""
    error_window: float = 10.0
    """[s] rolling window (twin clock) of the prediction-error statistics. Default 10."""
    window: float = 1.0
    """[s] rolling window (local monotonic clock) of rates and latency percentiles. Default 1."""
    max_tracked_predictions: int = 64
    """Predictions kept for error scoring; older ones are dropped unscored. Default 64."""
    prediction_dt: float | None = None
    """[s] default sample interval of predictions (rounded to whole physics steps); None: every step."""
    velocity_from_differences: bool = True
    """When a joint state carries no velocity: True (default) estimates it by finite differences
    with the previous sample of the same joint (0 after a gap longer than ``stale_after``); False
    sets it to 0."""
    ignore_unknown_joints: bool = False
    """False (default): a message naming a joint the model has not is rejected (``unknown_name``).
    True: such entries are dropped (counted in ``unknown_entries``) and the rest applied."""
    nthread: int | None = None
    """Threads for batch predictions; None: one per CPU core."""
    feet: tuple[str, ...] = FEET
    """The robot's sole frames (links), which an assumed base lays flat (see ``base``); default
    ``("left_foot", "right_foot")``, the bundled humanoid's. Another robot names its own (a G1:
    ``["left_ankle_roll_link", "right_ankle_roll_link"]``); without them its assumed base stays
    upright, and a 0.5° lean of the real robot put the G1's forks on its toes or heels. Names the
    robot lacks are an error, unless they are the default."""

    def __post_init__(self) -> None:
        for name in ("timestep", "stale_after", "max_clock_jump", "error_window", "window"):
            check_number(f"twin {name} [s]", getattr(self, name), positive=True)
        if self.prediction_dt is not None:
            check_number("twin prediction_dt [s]", self.prediction_dt, positive=True)
        if self.base not in ("floating", "fixed"):
            raise ConfigError(f"twin base {self.base!r} is not one of 'floating', 'fixed'")
        for h in self.error_horizons:
            check_number("twin error_horizons entry [s]", h, positive=True)
        if list(self.error_horizons) != sorted(set(self.error_horizons)):
            raise ConfigError(
                f"twin error_horizons must be increasing and distinct, got {self.error_horizons!r}"
            )
        if not (isinstance(self.clock_jump_confirm, int) and self.clock_jump_confirm >= 1):
            raise ConfigError(
                f"twin clock_jump_confirm must be an integer ≥ 1, got {self.clock_jump_confirm!r}"
            )
        if not (isinstance(self.max_tracked_predictions, int) and self.max_tracked_predictions >= 0):
            raise ConfigError(
                f"twin max_tracked_predictions must be an integer ≥ 0, got {self.max_tracked_predictions!r}"
            )
        if (
            not isinstance(self.feet, tuple)
            or not self.feet
            or not all(isinstance(f, str) and f for f in self.feet)
        ):
            raise ConfigError(f"twin feet must be a non-empty list of link names, got {self.feet!r}")
        if self.nthread is not None and not (isinstance(self.nthread, int) and self.nthread >= 0):
            raise ConfigError(f"twin nthread must be an integer ≥ 0 or None, got {self.nthread!r}")
