"""Physics backends for the twin.

Each engine lives in its own subpackage and is the only place that imports its runtime:
:mod:`humanoid_twin.physics.mujoco` builds a MuJoCo model from a
:class:`~humanoid_twin.model.RobotModel` with ``mujoco.MjSpec``. Importing this package imports no
engine.
"""

__all__: list[str] = []
