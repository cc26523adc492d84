"""The live twin core: mirror measured joint states, predict, measure its own health.

:class:`DigitalTwin` is the front door; it runs on any :class:`~humanoid_twin.physics.backend.Backend`
(MuJoCo by default). The ROS 2 bridge, the recorder and the replay source feed it; nothing here
imports a runtime (the default backend is imported when the twin is built).
"""

from ._config import BaseAssumption as BaseAssumption
from ._config import TwinConfig as TwinConfig
from ._metrics import METRIC_SERIES as METRIC_SERIES
from ._metrics import RejectReason as RejectReason
from ._metrics import TwinMetrics as TwinMetrics
from ._twin import BASE_ASSUMED as BASE_ASSUMED
from ._twin import BASE_ASSUMED_UPRIGHT as BASE_ASSUMED_UPRIGHT
from ._twin import BASE_FIXED as BASE_FIXED
from ._twin import BASE_MIRRORED as BASE_MIRRORED
from ._twin import DigitalTwin as DigitalTwin
from ._twin import UpdateResult as UpdateResult
from ._types import BaseState as BaseState
from ._types import JointCommand as JointCommand
from ._types import JointState as JointState
from ._types import Prediction as Prediction
from ._types import RobotState as RobotState

__all__ = [
    "BASE_ASSUMED",
    "BASE_ASSUMED_UPRIGHT",
    "BASE_FIXED",
    "BASE_MIRRORED",
    "METRIC_SERIES",
    "BaseAssumption",
    "BaseState",
    "DigitalTwin",
    "JointCommand",
    "JointState",
    "Prediction",
    "RejectReason",
    "RobotState",
    "TwinConfig",
    "TwinMetrics",
    "UpdateResult",
]
