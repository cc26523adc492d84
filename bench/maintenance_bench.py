"""Predictive-maintenance bench: emulated sessions (no DDS, faster than real time) scored against the
emulator's truth. Motion: the periodic exercise routine (squat + sway + arm swings,
``humanoid_twin.maintenance._exercise``), not walking. Sensor noise as in docs/emulator.md.

    python bench/maintenance_bench.py [--nominal-hours 1.0] [--write]

Reports: detection delay of a 20 % friction step per joint (onset from the truth file), false alarms
per hour in the nominal session, RUL error on a slow friction ramp, and whether the faulty joint is
ranked first in the schedule. ``--write`` replaces the "Predictive maintenance" section of
docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import json
import re
import time
from pathlib import Path

from humanoid_twin.emulator import EmulatedRobot, EmulatorConfig
from humanoid_twin.maintenance import HealthMonitor
from humanoid_twin.maintenance._exercise import run_exercise

HIDDEN = {
    "friction": {"uniform": [0.0, 0.1]},
    "damping": {"uniform": [0.0, 0.2]},
    "armature_scale": {"normal": [1.0, 0.05]},
    "mass_scale": {"normal": [1.0, 0.03]},
    "strength_scale": {"uniform": [0.95, 1.05]},
}
NOISE = {"position": 0.0005, "velocity": 0.01, "effort": 0.2}
DOCS = Path(__file__).resolve().parents[1] / "docs" / "benchmarks.md"
HEADING = "## Predictive maintenance"


def robot(seed: int, faults: list[dict[str, object]]) -> EmulatedRobot:
    return EmulatedRobot(
        EmulatorConfig.from_dict({"seed": seed, "hidden": HIDDEN, "noise": NOISE, "faults": faults})
    )


def step_case(joint: str, seed: int, onset: float = 30.0, duration: float = 60.0) -> dict[str, object]:
    f = robot(seed, []).truth().joints[joint].friction
    rob = robot(seed, [{"kind": "friction_growth", "joint": joint, "start": onset, "magnitude": 0.2 * f}])
    truth_onset = rob.truth().faults[0].start
    mon = HealthMonitor()
    run_exercise(rob, mon, duration)
    own = [a for a in mon.alarms if a.joint == joint]
    others = sorted({a.joint for a in mon.alarms if a.joint != joint})
    rep = mon.report()
    first = rep.schedule[0].joint if rep.schedule else None
    return {
        "joint": joint,
        "seed": seed,
        "friction": f,
        "delay": (min(a.time for a in own) - truth_onset) if own else None,
        "other_alarms": others,
        "ranked_first": first == joint,
    }


def nominal_case(hours: float, seed: int) -> dict[str, object]:
    rob = robot(seed, [])
    mon = HealthMonitor()
    t = time.monotonic()
    run_exercise(rob, mon, hours * 3600.0)
    return {
        "hours": hours,
        "alarms": len(mon.alarms),
        "joints": sorted({a.joint for a in mon.alarms}),
        "per_hour": len(mon.alarms) / hours,
        "wall": time.monotonic() - t,
    }


def rul_case(joint: str, seed: int, duration: float = 1200.0) -> dict[str, object]:
    """Friction grows linearly from 60 s by +200 % over 1800 s: +100 % (the service limit) at 960 s."""
    f = robot(seed, []).truth().joints[joint].friction
    rob = robot(
        seed,
        [{"kind": "friction_growth", "joint": joint, "start": 60.0, "ramp": 1800.0, "magnitude": 2.0 * f}],
    )
    mon = HealthMonitor()
    rows = []
    for t_eval in (600.0, 750.0, 900.0):
        run_exercise(rob, mon, t_eval - rob.time)
        rep = mon.report()
        j = rep.joint(joint)
        base = j.friction_baseline or f
        # truth: the nominal model's friction + the baseline offset reach 2× baseline when the
        # added friction equals the baseline (the emulator adds 2 f over 1800 s from 60 s)
        t_true = 60.0 + 1800.0 * base / (2.0 * f)
        rul = j.rul_friction
        rows.append(
            {
                "t": t_eval,
                "rul_s": None if rul is None else rul.median * 3600.0,
                "band_s": None if rul is None else (rul.low * 3600.0, rul.high * 3600.0),
                "true_s": t_true - t_eval,
                "first": rep.schedule[0].joint if rep.schedule else None,
            }
        )
    return {"joint": joint, "rows": rows}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--nominal-hours", type=float, default=1.0)
    ap.add_argument("--write", action="store_true")
    args = ap.parse_args()
    out: dict[str, object] = {}
    out["steps"] = [
        step_case(j, s)
        for j, s in (
            ("right_knee", 3),
            ("left_knee", 5),
            ("right_hip_pitch", 7),
            ("right_elbow", 3),
            ("torso_yaw", 11),
        )
    ]
    print(json.dumps(out["steps"], indent=1), flush=True)
    out["rul"] = rul_case("right_knee", 3)
    print(json.dumps(out["rul"], indent=1), flush=True)
    out["nominal"] = nominal_case(args.nominal_hours, 21)
    print(json.dumps(out["nominal"], indent=1), flush=True)
    Path(__file__).with_name("out").mkdir(exist_ok=True)
    Path(__file__).with_name("out").joinpath("maintenance_bench.json").write_text(json.dumps(out, indent=1))
    if args.write:
        write_docs(out)


def write_docs(out: dict[str, object]) -> None:
    lines = [
        HEADING,
        "",
        "`python bench/maintenance_bench.py --write` (emulator in-process, 500 Hz, sensor noise, "
        "hidden offsets; motion: the periodic exercise routine, not walking). 20 % friction step:",
        "",
        "| joint | seed | delay [s] | other joints alarmed | ranked first |",
        "|---|---|---|---|---|",
    ]
    for s in out["steps"]:  # type: ignore[union-attr]
        d = "missed" if s["delay"] is None else f"{s['delay']:.1f}"
        lines.append(
            f"| {s['joint']} | {s['seed']} | {d} | {', '.join(s['other_alarms']) or 'none'} | "
            f"{s['ranked_first']} |"
        )
    n = out["nominal"]
    lines += [
        "",
        f"Nominal session: {n['hours']:.2f} h emulated, {n['alarms']} alarms "  # type: ignore[index]
        f"({n['per_hour']:.1f}/h; joints: {', '.join(n['joints']) or 'none'}), {n['wall']:.0f} s wall.",
        "",  # type: ignore[index]
        "RUL (friction ramp +200 % over 1800 s from 60 s on right_knee; service limit +100 %):",
        "",
        "| t [s] | RUL median [s] | band [s] | true [s] | ranked first |",
        "|---|---|---|---|---|",
    ]
    for r in out["rul"]["rows"]:  # type: ignore[index]
        med = "–" if r["rul_s"] is None else f"{r['rul_s']:.0f}"
        band = "–" if r["band_s"] is None else f"{r['band_s'][0]:.0f}–{r['band_s'][1]:.0f}"
        lines.append(f"| {r['t']:.0f} | {med} | {band} | {r['true_s']:.0f} | {r['first']} |")
    section = "\n".join(lines) + "\n"
    text = DOCS.read_text(encoding="utf-8") if DOCS.exists() else ""
    pat = re.compile(rf"^{re.escape(HEADING)}\n.*?(?=^## |\Z)", re.S | re.M)
    text = pat.sub(section + "\n", text) if pat.search(text) else text.rstrip("\n") + "\n\n" + section
    DOCS.write_text(text, encoding="utf-8")


if __name__ == "__main__":
    main()
