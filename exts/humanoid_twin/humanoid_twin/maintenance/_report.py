"""Health results, the maintenance schedule, and writing them (JSON + Markdown), atomically."""

from __future__ import annotations

import json
import math
import statistics
from dataclasses import asdict, dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, Literal

from .._files import temp_beside
from ..errors import TwinError

__all__ = [
    "REPORT_FILE",
    "SCHEDULE_FILE",
    "Alarm",
    "JointHealth",
    "MaintenanceError",
    "MaintenanceReport",
    "RemainingLife",
    "ScheduleItem",
    "write_schedule",
]

SCHEDULE_FILE = "maintenance_schedule.json"
REPORT_FILE = "maintenance_report.md"
SCHEDULE_FORMAT = 1
OFF_PATH_WARN = 0.05
"""Above this fraction of samples without their commands, reports and the CLI warn."""


NO_COMMANDS = (
    "no joint commands came with the joint states, so the shadow model could not follow the robot and "
    "no friction was estimated: have the robot publish the targets it applies and name that topic in "
    "the session's [topics] servo_targets (or record it), see docs/maintenance.md"
)


NO_SAMPLES = (
    "no joint states arrived, so nothing was measured or judged: check that the robot publishes them on "
    "the session's [topics] joint_states, on the same ROS_DOMAIN_ID"
)


NOT_JUDGED = (
    "the stream ended before the warm-up and the healthy baseline were complete, so no joint's friction "
    "was judged: analyse a longer recording (or monitor longer) than"
)
"""Followed by how long: the seconds of motion they need, else "[detection] warmup + baseline"."""


NONE_MONITORED = (
    "no joint moved enough during the healthy baseline to be monitored, so no joint's friction was "
    "judged (each joint's note says how much it moved): monitor while the robot moves, e.g. the "
    "exercise routine"
)


def stream_warning(
    samples: int,
    commands: int,
    off_path: int,
    judged: bool = True,
    monitored: int | None = None,
    *,
    joints: int | None = None,
    needed: float | None = None,
) -> str | None:
    """One line when no joint state arrived, or when they came without any command; else the
    reasons that apply, joined: the stream ended before the baseline was complete (not ``judged``;
    ``needed``: the seconds of motion warm-up and baseline take), no joint could be ``monitored``
    (their count, when known) or fewer than half of the ``joints``, more than ``OFF_PATH_WARN`` of
    the samples could not be used for friction (see :attr:`MaintenanceReport.off_path`). None when
    none applies."""
    if not samples:
        return NO_SAMPLES
    if not commands:
        return NO_COMMANDS
    reasons = []
    if not judged:
        how_long = (
            "[detection] warmup + baseline" if needed is None else f"the {needed:g} s of motion they need"
        )
        reasons.append(f"{NOT_JUDGED} {how_long}")
    elif monitored == 0:
        reasons.append(NONE_MONITORED)
    elif monitored is not None and joints is not None and monitored < joints / 2:
        reasons.append(
            f"only {monitored} of {joints} joints moved enough during the healthy baseline to be "
            "monitored; the others' friction was not judged (each joint's note says how much it moved): "
            "analyse a motion that moves them, e.g. the exercise routine (`humanoid-twin emulate "
            "--exercise`)"
        )
    fraction = off_path / samples
    if fraction > OFF_PATH_WARN:
        reasons.append(
            f"{fraction:.0%} of the samples could not be used for friction: their commands were lost or "
            "late (a twin process that falls behind the robot loses messages: give it a core, or turn "
            "off its predictions)"
        )
    return "; also ".join(reasons) or None


class MaintenanceError(TwinError):
    """Health analysis cannot be done (e.g. a recording without the needed topics) or written."""


@dataclass(frozen=True)
class Alarm:
    """A friction-drift alarm on one joint."""

    joint: str
    time: float
    """Stream time of the alarm [s] (the joint-state stamp)."""
    elapsed: float
    """Time since the first sample [s]."""
    statistic: Literal["cusum", "ewma", "shewhart"]
    value: float
    """The statistic's value when it crossed its limit [-]."""
    friction: float
    """Estimated friction at reference conditions [N·m] (nominal model friction + identified offset)."""
    baseline: float
    """The same at the healthy baseline [N·m]."""

    @property
    def rise(self) -> float:
        """Relative friction rise [-]."""
        return (self.friction - self.baseline) / self.baseline if self.baseline > 0 else math.inf


@dataclass(frozen=True)
class RemainingLife:
    """Remaining useful life [h of operation] with an uncertainty band (inf = not limiting)."""

    median: float
    low: float
    high: float
    basis: str
    """What it comes from (model and duty)."""


@dataclass(frozen=True)
class JointHealth:
    """Usage, condition and prognosis of one joint."""

    joint: str
    hours: float
    """Operating time observed [h]."""
    revolutions: float
    """Output revolutions [rev]."""
    angle: float
    """Angle travelled [rad]."""
    cycles: float
    """Load cycles counted (reversals / 2) [-]."""
    torque_rms: float
    """[N·m]"""
    torque_peak: float
    """[N·m]"""
    torque_cubic_mean: float
    """Harmonic-drive equivalent torque T_av [N·m]."""
    mean_speed: float
    """Output mean speed [rpm]."""
    temperature: float
    """Estimated winding temperature now [°C]."""
    temperature_peak: float
    """[°C]"""
    bearing_load: float
    """Equivalent dynamic bearing load P [N]."""
    bearing_l10h: float
    """ISO 281 L10h at the observed duty [h]."""
    harmonic_drive_l10h: float
    """Wave-generator L10 at the observed duty [h]."""
    life_used: float
    """Fraction of the limiting L10 life consumed (Miner) [-]."""
    monitored: bool
    """Friction drift is estimated for this joint (it moved enough during the baseline)."""
    friction: float | None
    """Estimated friction at reference conditions now [N·m]."""
    friction_baseline: float | None
    friction_rise: float | None
    """Relative rise over the baseline [-]."""
    alarm: bool
    rul_friction: RemainingLife | None
    """Hours until the friction reaches the service limit, from its trend (None: no rising trend)."""
    rul_life: RemainingLife
    """Hours until the limiting component's L10 (band: Weibull L5–L50) at the observed duty."""
    rul_planned: RemainingLife | None
    """The same at the planned duty, when one was given."""
    note: str = ""
    """Why friction drift is not judged for this joint (e.g. too little motion), or empty."""
    shares_with: tuple[str, ...] = ()
    """For an alarmed joint of the closed leg chain: the other chain joints whose friction rose too
    (they alarmed as well, or rose by at least ``isolation`` of this joint's rise). In double support
    one joint's extra friction shows in the others (both hip rolls carry it alike), so inspect them
    as well."""
    detectable_rise: float | None = None
    """Smallest friction rise [-] (of the reference friction) the alarms find within the report's
    ``detection_time``, from the noise of this joint's estimate now (None: not monitored). Smaller rises
    are found later, if at all. In the closed leg chain a joint's estimate carries only part of its own
    step, so there the true figure is larger."""


@dataclass(frozen=True)
class ScheduleItem:
    """One maintenance action."""

    rank: int
    joint: str
    action: str
    due_in_hours: float
    """Operating hours from the report until it is due [h]."""
    due_at: str | None
    """ISO 8601 UTC date it is due, assuming continuous operation from the report's creation."""
    reason: str
    severity: Literal["alarm", "warning", "planned"]


@dataclass(frozen=True)
class MaintenanceReport:
    """What :func:`analyze_recording` and :meth:`HealthMonitor.report` return."""

    created: str
    """ISO 8601 UTC creation time."""
    source: str
    """Recording path or ``live``."""
    duration: float
    """Stream time analysed [s]."""
    samples: int
    joints: tuple[JointHealth, ...]
    alarms: tuple[Alarm, ...]
    schedule: tuple[ScheduleItem, ...]
    config: str
    """The maintenance config file used."""
    off_path: int = 0
    """Samples not used for friction: the shadow model lacked their commands (lost or late messages;
    a twin process that falls behind the robot)."""
    commands: int = 0
    """Joint commands (or servo targets) received; without any the shadow cannot follow the robot."""
    judged: bool = True
    """False when the stream ended before the warm-up and baseline were complete: nothing was judged."""
    detection_time: float | None = None
    """[s] after its onset within which a friction step of a joint's ``detectable_rise`` alarms."""
    needed: float | None = None
    """[s] of motion the warm-up and the healthy baseline take before anything is judged."""

    @property
    def off_path_fraction(self) -> float:
        return self.off_path / self.samples if self.samples else 0.0

    @property
    def warning(self) -> str | None:
        """See :func:`stream_warning`."""
        return stream_warning(
            self.samples,
            self.commands,
            self.off_path,
            self.judged,
            self.monitored,
            joints=len(self.joints),
            needed=self.needed,
        )

    @property
    def monitored(self) -> int:
        """How many joints were monitored for friction drift."""
        return sum(j.monitored for j in self.joints)

    @property
    def nothing_due(self) -> str:
        """The sentence for an empty schedule, saying when friction was not judged."""
        unjudged = "" if self.judged and self.monitored else " (friction was not judged: see the warning)"
        return f"Nothing is due within the planning horizon{unjudged}."

    @property
    def sensitivity(self) -> str | None:
        """One line on the friction rises the alarms find within ``detection_time``: the median of the
        monitored joints' ``detectable_rise``, and the joints that need more than twice it (None:
        nothing monitored)."""
        found = {j.joint: j.detectable_rise for j in self.joints if j.detectable_rise is not None}
        if not found or self.detection_time is None:
            return None
        median = statistics.median(found.values())
        weak = sorted(((v, k) for k, v in found.items() if v > 2.0 * median), reverse=True)
        line = (
            f"friction rises found within {self.detection_time:.0f} s: +{median:.0%} and more (median of "
            f"{len(found)} joints)"
        )
        if weak:
            line += "; " + ", ".join(f"{k} +{v:.0%}" for v, k in weak)
        return line

    def joint(self, name: str) -> JointHealth:
        for j in self.joints:
            if j.joint == name:
                return j
        raise KeyError(name)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready (infinities become null)."""
        d = asdict(self)
        d["format"] = SCHEDULE_FORMAT
        d["warning"] = self.warning  # why the stream limited the analysis, or None
        for a, alarm in zip(d["alarms"], self.alarms, strict=True):
            a["rise"] = alarm.rise
        return _finite(d)  # type: ignore[no-any-return]

    def to_markdown(self) -> str:
        """A readable report: schedule, alarms, per-joint health."""
        out = [
            "# Maintenance report",
            "",
            f"Source: `{self.source}` · {self.duration / 3600.0:.3f} h analysed ({self.samples} samples) · "
            f"created {self.created} · config `{self.config}`",
            "",
        ]
        if self.warning is not None:
            out += [f"**{self.warning}**", ""]
        out += [
            "## Schedule",
            "",
        ]
        if self.schedule:
            out += ["| # | joint | action | due in [h] | due at | why |", "|---|---|---|---|---|---|"]
            for s in self.schedule:
                out.append(
                    f"| {s.rank} | {s.joint} | {s.action} | {_num(s.due_in_hours)} | {s.due_at or '–'} | "
                    f"{s.reason} |"
                )
        else:
            out.append(self.nothing_due)
        out += ["", "## Alarms", ""]
        if self.alarms:
            out += [
                "| joint | t [s] | statistic | value | friction [N·m] | baseline [N·m] | rise |",
                "|---|---|---|---|---|---|---|",
            ]
            for a in self.alarms:
                out.append(
                    f"| {a.joint} | {a.elapsed:.1f} | {a.statistic} | {a.value:.1f} | {a.friction:.3f} | "
                    f"{a.baseline:.3f} | {a.rise:+.0%} |"
                )
        else:
            out.append("None.")
        found = f"(within {self.detection_time:.0f} s)" if self.detection_time is not None else ""
        out += [
            "",
            "## Joints",
            "",
            "| joint | rev | cycles | τ rms / peak [N·m] | T_av [N·m] | T wind now / peak [°C] | "
            f"L10h bearing / HD [h] | life used | friction [N·m] (rise) | finds a rise ≥ {found} | "
            "RUL [h] (band) |",
            "|---|---|---|---|---|---|---|---|---|---|---|",
        ]
        for j in self.joints:
            if j.friction is None:
                fr = "–"
                if j.note.startswith(f"not monitored: {NO_COMMANDS}"):
                    fr = "– (no commands)"
                elif j.note.startswith("not monitored"):
                    fr = "– (model error)" if "model error" in j.note else "– (not excited)"
            else:
                fr = f"{j.friction:.3f} ({(j.friction_rise or 0.0):+.0%})"
            rul = j.rul_friction if j.rul_friction is not None else j.rul_life
            found_rise = "–" if j.detectable_rise is None else f"+{j.detectable_rise:.0%}"
            out.append(
                f"| {j.joint}{' ⚠' if j.alarm else ''} | {j.revolutions:.1f} | {j.cycles:.0f} | "
                f"{j.torque_rms:.1f} / {j.torque_peak:.1f} | {j.torque_cubic_mean:.1f} | "
                f"{j.temperature:.1f} / {j.temperature_peak:.1f} | {_num(j.bearing_l10h)} / "
                f"{_num(j.harmonic_drive_l10h)} | {j.life_used:.2e} | {fr} | {found_rise} | "
                f"{_num(rul.median)} ({_num(rul.low)}–{_num(rul.high)}) |"
            )
        return "\n".join(out) + "\n"


def _num(x: float) -> str:
    if not math.isfinite(x):
        return "∞"
    return f"{x:.3g}" if abs(x) < 1e5 else f"{x:.2e}"


def _finite(obj: Any) -> Any:
    if isinstance(obj, float):
        return obj if math.isfinite(obj) else None
    if isinstance(obj, dict):
        return {k: _finite(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [_finite(v) for v in obj]
    return obj


def due_date(created: str, hours: float) -> str | None:
    """``created`` + ``hours`` as ISO 8601 (None when not finite or too far)."""
    if not math.isfinite(hours) or hours > 1e6:
        return None
    t = datetime.fromisoformat(created) + timedelta(hours=hours)
    return t.isoformat(timespec="seconds")


def now_iso() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def write_schedule(report: MaintenanceReport, out_dir: str | Path) -> tuple[Path, Path]:
    """Write ``maintenance_schedule.json`` and ``maintenance_report.md`` into ``out_dir``.

    Both are rendered first, then written to temporary files in ``out_dir`` and renamed into place;
    on any failure the temporary files are removed and nothing half-written is left.

    Raises:
        MaintenanceError: the folder cannot be created or written.
    """
    out = Path(out_dir)
    payload = {
        SCHEDULE_FILE: json.dumps(report.to_dict(), indent=2, allow_nan=False) + "\n",
        REPORT_FILE: report.to_markdown(),
    }
    for name in payload:  # before anything is written: a later failure would leave one file new
        if (out / name).is_dir():
            raise MaintenanceError(f"{out / name}: a folder is in the way of the {name}; move it")
    tmps: list[Path] = []
    try:
        out.mkdir(parents=True, exist_ok=True)
        for name, text in payload.items():
            tmp = temp_beside(out / name)
            tmps.append(tmp)
            tmp.write_text(text, encoding="utf-8")
        for tmp_path, name in zip(tmps, payload, strict=True):
            tmp_path.replace(out / name)
    except OSError as err:
        for leftover in tmps:
            leftover.unlink(missing_ok=True)
        raise MaintenanceError(
            f"{out}: cannot write the maintenance schedule ({err.strerror or err})"
        ) from err
    return out / SCHEDULE_FILE, out / REPORT_FILE
