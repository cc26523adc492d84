"""What-if scenarios on the twin: fork a state, change the robot, its commands or its world, run every
variant as one batch rollout, and compare them with the unchanged baseline.

See ``docs/scenarios.md``. The public entry is :func:`run_scenario`; a scenario file is read by
:func:`load_scenario`. ``mujoco`` is imported only when a scenario runs.
"""

from ._config import Changes as Changes
from ._config import ScenarioConfig as ScenarioConfig
from ._config import Variant as Variant
from ._config import load_scenario as load_scenario
from ._config import parse_scenario as parse_scenario
from ._fork import Source as Source
from ._fork import parse_source as parse_source
from ._measures import Series as Series
from ._results import ReachResult as ReachResult
from ._results import ScenarioResult as ScenarioResult
from ._results import VariantResult as VariantResult
from ._results import comparison_rows as comparison_rows
from ._run import run_scenario as run_scenario

__all__ = [
    "Changes",
    "ReachResult",
    "ScenarioConfig",
    "ScenarioResult",
    "Series",
    "Source",
    "Variant",
    "VariantResult",
    "comparison_rows",
    "load_scenario",
    "parse_scenario",
    "run_scenario",
]
