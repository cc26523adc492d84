"""The seam between the twin and a physics engine: the :class:`Backend` protocol.

A backend holds one simulated robot (its "live" state) and can roll copies of arbitrary states forward
in batches without touching that live state. The twin (:class:`~humanoid_twin.twin.DigitalTwin`) only
talks to this protocol; :class:`humanoid_twin.physics.mujoco.MujocoBackend` is the default engine and
a second engine plugs in by implementing the same methods (``tests/physics/test_backend_contract.py``
is the suite every backend must pass).

Conventions (shared with :mod:`humanoid_twin.twin._types`):

- joint vectors are ordered by :attr:`Backend.joint_names`: the model's actuated (non-mimic 1-DoF)
  joints in tree order; mimic joints follow their leader and never appear in states;
- a command's **position** entries are position targets of position drives [rad] or [m], its
  **velocity** entries velocity targets of velocity drives [rad/s] or [m/s], its **effort** entries
  feed-forward generalized forces [N·m] or [N] added on the joint; joints a command does not name
  keep their previous target ("hold last target");
- a state whose ``targets`` is None means "the drives hold the current position" (targets = ``q``
  for position drives, 0 for velocity drives);
- a prediction's samples start with the initial state (``times[0] == start``) and are spaced by
  ``every`` physics steps.

Importing this module imports no engine.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol, runtime_checkable

import numpy as np
from numpy.typing import NDArray

from ..twin._types import JointCommand, Prediction, RobotState

__all__ = ["Backend", "Commands", "Snapshot"]

Commands = JointCommand | Sequence[JointCommand | None] | NDArray[np.float64] | None
"""What :meth:`Backend.rollout` accepts as commands for a batch of ``B`` rollouts:

- ``None``: every rollout holds its initial state's targets;
- one :class:`JointCommand`: applied to every rollout, held for the whole horizon;
- a sequence of ``B`` commands (or None), one per rollout, each held for the whole horizon;
- an array of drive targets in :attr:`Backend.joint_names` order, shape ``(n,)``, ``(B, n)``,
  ``(B, 1, n)`` (held) or ``(B, T, n)`` with ``T == n_steps`` (one row per physics step); ``NaN``
  entries mean "hold this joint's target from the initial state".
"""


class Snapshot(Protocol):
    """An opaque copy of a backend's complete live state (physics and drive targets)."""


@runtime_checkable
class Backend(Protocol):
    """One simulated robot behind a small interface: load, set/get state, step, batch rollout, fork.

    A backend instance is **not** thread-safe: use one instance per thread (see :meth:`fork`); the
    twin serializes access with its own locks.
    """

    @property
    def timestep(self) -> float:
        """Physics step [s]."""
        ...

    @property
    def joint_names(self) -> tuple[str, ...]:
        """The joints states and commands refer to, in vector order."""
        ...

    @property
    def floating_base(self) -> bool:
        """True when the root is free (states carry a :class:`BaseState`), False when welded."""
        ...

    def set_state(self, state: RobotState) -> None:
        """Make ``state`` the live state: joint positions/velocities, base (when floating and not
        None; a None base leaves the base as it is), drive targets (``state.targets``, or hold ``q``),
        time = ``state.stamp``. Feed-forward efforts are cleared.

        Raises:
            PhysicsError: the joint names differ from :attr:`joint_names` or a vector has the wrong length.
        """
        ...

    def get_state(self) -> RobotState:
        """The live state, with the drive targets currently held in ``targets``."""
        ...

    def step(self, command: JointCommand | None = None, n: int = 1) -> RobotState:
        """Apply ``command`` (merged into the held targets; None keeps them) and advance the live
        state by ``n`` physics steps; return the new state.

        Raises:
            PhysicsError: the command names a joint the robot has not, or has the wrong lengths.
        """
        ...

    def rollout(
        self,
        states: Sequence[RobotState],
        commands: Commands,
        n_steps: int,
        *,
        every: int = 1,
    ) -> list[Prediction]:
        """Roll each of ``states`` forward ``n_steps`` physics steps under ``commands`` (see
        :data:`Commands`), independently, without touching the live state.

        Returns one :class:`Prediction` per state with ``n_steps // every + 1`` samples at
        ``state.stamp + k · every · timestep``; ``n_steps`` must be a multiple of ``every``.
        Deterministic: the same inputs give bit-identical outputs, and a batch equals the same
        rollouts done one by one.
        """
        ...

    def fork(self) -> Backend:
        """An independent backend on the same model with a copy of the live state (for another thread)."""
        ...

    def snapshot(self) -> Snapshot:
        """A copy of the live state that :meth:`restore` brings back exactly."""
        ...

    def restore(self, snapshot: Snapshot) -> None:
        """Bring back a :meth:`snapshot` of this backend (or of a fork of it)."""
        ...

    def rest_height(
        self, q: NDArray[np.float64], quat: tuple[float, float, float, float] = (1.0, 0.0, 0.0, 0.0)
    ) -> float:
        """Height [m] of the root above z = 0 at which the robot, its root oriented ``quat``
        ``(w, x, y, z)`` (default upright) with joints at ``q``, touches the ground with its lowest
        collider (0 for a fixed base)."""
        ...
