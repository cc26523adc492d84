"""Predictive maintenance: per-joint usage, winding temperature, life models, friction-drift alarms,
remaining useful life and a maintenance schedule. See ``docs/maintenance.md``.

``mujoco`` is imported only when a monitor sees its first joint state (the shadow model).
"""

from ._config import (
    DEFAULT_CONFIG_PATH as DEFAULT_CONFIG_PATH,
)
from ._config import (
    DetectionConfig as DetectionConfig,
)
from ._config import (
    JointParams as JointParams,
)
from ._config import (
    MaintenanceConfig as MaintenanceConfig,
)
from ._config import (
    PrognosisConfig as PrognosisConfig,
)
from ._config import (
    load_maintenance_config as load_maintenance_config,
)
from ._detect import Cusum as Cusum
from ._detect import Ewma as Ewma
from ._detect import FrictionRLS as FrictionRLS
from ._detect import FrictionWindow as FrictionWindow
from ._life import LoadCollective as LoadCollective
from ._life import ThermalModel as ThermalModel
from ._life import bearing_l10 as bearing_l10
from ._life import bearing_l10h as bearing_l10h
from ._life import harmonic_drive_l10 as harmonic_drive_l10
from ._life import harmonic_drive_l50 as harmonic_drive_l50
from ._life import inverse_gaussian_quantile as inverse_gaussian_quantile
from ._monitor import HealthMonitor as HealthMonitor
from ._monitor import analyze_recording as analyze_recording
from ._monitor import build_schedule as build_schedule
from ._monitor import monitored_joints as monitored_joints
from ._monitor import planned_duty as planned_duty
from ._report import Alarm as Alarm
from ._report import JointHealth as JointHealth
from ._report import MaintenanceError as MaintenanceError
from ._report import MaintenanceReport as MaintenanceReport
from ._report import RemainingLife as RemainingLife
from ._report import ScheduleItem as ScheduleItem
from ._report import write_schedule as write_schedule

__all__ = [
    "DEFAULT_CONFIG_PATH",
    "Alarm",
    "Cusum",
    "DetectionConfig",
    "Ewma",
    "FrictionRLS",
    "FrictionWindow",
    "HealthMonitor",
    "JointHealth",
    "JointParams",
    "LoadCollective",
    "MaintenanceConfig",
    "MaintenanceError",
    "MaintenanceReport",
    "PrognosisConfig",
    "RemainingLife",
    "ScheduleItem",
    "ThermalModel",
    "analyze_recording",
    "bearing_l10",
    "bearing_l10h",
    "build_schedule",
    "harmonic_drive_l10",
    "harmonic_drive_l50",
    "inverse_gaussian_quantile",
    "load_maintenance_config",
    "monitored_joints",
    "planned_duty",
    "write_schedule",
]
