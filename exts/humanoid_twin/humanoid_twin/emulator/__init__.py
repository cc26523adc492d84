"""The robot emulator: a stand-in for the physical humanoid, in its own process.

:class:`EmulatedRobot` (no ROS) is MuJoCo physics with hidden parameter offsets, faults and noisy
sensors; :func:`run_emulator` wraps it in a ROS 2 node that publishes ``sensor_msgs/JointState`` and
obeys ``joint_command``. Run it with ``python -m humanoid_twin.emulator --config emu.toml``.
``mujoco`` and ``rclpy`` are imported only when a robot is built or the node runs.
"""

from .config import (
    FAULT_KINDS as FAULT_KINDS,
)
from .config import (
    TYPICAL_CONFIG_PATH as TYPICAL_CONFIG_PATH,
)
from .config import (
    EmulatorConfig as EmulatorConfig,
)
from .config import (
    Fault as Fault,
)
from .config import (
    HiddenParameters as HiddenParameters,
)
from .config import (
    Latency as Latency,
)
from .config import (
    SensorNoise as SensorNoise,
)
from .config import (
    Spread as Spread,
)
from .config import (
    Topics as Topics,
)
from .config import (
    load_emulator_config as load_emulator_config,
)
from .config import (
    typical_config as typical_config,
)
from .node import (
    EmulatorSummary as EmulatorSummary,
)
from .node import (
    run_emulator as run_emulator,
)
from .plant import (
    EmulatedRobot as EmulatedRobot,
)
from .plant import (
    JointTruth as JointTruth,
)
from .plant import (
    LinkTruth as LinkTruth,
)
from .plant import (
    Truth as Truth,
)

__all__ = [
    "FAULT_KINDS",
    "TYPICAL_CONFIG_PATH",
    "EmulatedRobot",
    "EmulatorConfig",
    "EmulatorSummary",
    "Fault",
    "HiddenParameters",
    "JointTruth",
    "Latency",
    "LinkTruth",
    "SensorNoise",
    "Spread",
    "Topics",
    "Truth",
    "load_emulator_config",
    "run_emulator",
    "typical_config",
]
