"""Time 64 forks × 1 s through the twin's batch path against raw ``mujoco.rollout``, 1 and 2 threads.

Both roll the bundled humanoid (floating base on the floor, 2 ms step, 500 steps) from 64 copies of the
same mirrored state under 64 different commands (left elbow targets spread over its range), held for the
whole horizon. Raw: a persistent ``mujoco.rollout.Rollout(nthread=k)`` given ready-made initial-state and
control arrays. Ours: ``DigitalTwin.predict_batch(commands, 1 s)`` — state copy under the lock, command
merging, the same ``Rollout`` call, and 64 immutable :class:`Prediction` objects with every step.
Interleaved, median of ``--repeat``.

    python bench/batch_bench.py [--repeat 10] [--no-write]
"""

from __future__ import annotations

import argparse
import statistics
import time

import mujoco
import numpy as np
from mujoco import rollout

from humanoid_twin.robots import humanoid as H
from humanoid_twin.twin import DigitalTwin, JointCommand, JointState, TwinConfig

B = 64
HORIZON = 1.0


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=10)
    ap.add_argument("--no-write", action="store_true", help="do not update docs/benchmarks.md")
    args = ap.parse_args()

    model = H.load_humanoid()
    twins = {
        k: DigitalTwin(
            model, options=H.STANDING_OPTIONS, config=TwinConfig(timestep=H.STANDING_TIMESTEP, nthread=k)
        )
        for k in (1, 2)
    }
    names = twins[1].joint_names
    q = np.array([H.NOMINAL_POSE.get(n, 0.0) for n in names])
    for tw in twins.values():
        for i in range(20):
            tw.update(JointState(0.002 * (i + 1), names, q))
    targets = np.linspace(-1.5, 0.0, B)
    cmds = [JointCommand(0.0, ("left_elbow",), position=np.array([t])) for t in targets]
    steps = round(HORIZON / twins[1].timestep)

    be = twins[1].backend
    m = be.mj_model  # type: ignore[attr-defined]
    spec = int(mujoco.mjtState.mjSTATE_FULLPHYSICS)
    init = np.empty(mujoco.mj_stateSize(m, spec))
    mujoco.mj_getState(m, be.mj_data, init, spec)  # type: ignore[attr-defined]
    init_b = np.tile(init, (B, 1))
    ctrl = np.tile(np.array(be.mj_data.ctrl), (B, 1))  # type: ignore[attr-defined]
    ctrl[:, be.names.actuator["left_elbow"]] = targets  # type: ignore[attr-defined]
    ctrl = ctrl[:, None, :]
    warm = np.zeros((1, m.nv))
    raws = {k: (rollout.Rollout(nthread=k), [mujoco.MjData(m) for _ in range(k)]) for k in (1, 2)}

    def raw(k: int) -> np.ndarray:
        r, datas = raws[k]
        state, _ = r.rollout(m, datas, init_b, ctrl, nstep=steps, initial_warmstart=warm)
        return state

    def ours(k: int) -> list:
        return twins[k].predict_batch(cmds, HORIZON)

    # Same result check.
    st = raw(2)
    preds = ours(2)
    adr = [be.names.qpos_adr[n] for n in names]  # type: ignore[attr-defined]
    for i in (0, B - 1):
        assert np.allclose(preds[i].q[-1], st[i, -1, 1 + np.array(adr)], atol=1e-9), "batch paths disagree"

    times: dict[str, list[float]] = {f"{w}{k}": [] for w in ("raw", "ours") for k in (1, 2)}
    runs = [("raw", 1), ("ours", 1), ("raw", 2), ("ours", 2)]
    for i in range(args.repeat + 1):
        for w, k in runs[:: 1 if i % 2 else -1]:
            t = time.perf_counter()
            raw(k) if w == "raw" else ours(k)
            if i:  # the first round warms up
                times[f"{w}{k}"].append(time.perf_counter() - t)
    med = {key: statistics.median(v) for key, v in times.items()}
    ov1, ov2 = med["ours1"] / med["raw1"], med["ours2"] / med["raw2"]
    sp_raw, sp_ours = med["raw1"] / med["raw2"], med["ours1"] / med["ours2"]
    for key, v in med.items():
        print(f"{key:6s} {v * 1e3:9.1f} ms")
    print(f"overhead ours/raw: 1 thread {ov1:.3f}, 2 threads {ov2:.3f}  (target ≤ 1.10)")
    print(f"speed-up 2 vs 1 thread: raw {sp_raw:.2f}×, ours {sp_ours:.2f}×  (target ≥ 1.8×)")
    if not args.no_write:
        import os

        from _docs import write_section

        load = os.getloadavg()[0]

        def ok(good: bool) -> str:
            return "met" if good else "missed"

        cores = os.cpu_count()
        body = f"""`python bench/batch_bench.py` — {B} forks of the mirrored humanoid × 1 s ({steps} steps of
2 ms, floating base on the floor, {B} different held commands) through `DigitalTwin.predict_batch`
against raw `mujoco.rollout.Rollout(nthread=k).rollout(...)` on ready-made arrays. Interleaved runs,
median of {args.repeat} (1-min load average {load:.2f} on {cores} cores); the two paths give the same
states (checked).

| threads | raw `mujoco.rollout` [ms] | `twin.predict_batch` [ms] | overhead ours/raw |
|---:|---:|---:|---:|
| 1 | {med["raw1"] * 1e3:.1f} | {med["ours1"] * 1e3:.1f} | {ov1:.3f} |
| 2 | {med["raw2"] * 1e3:.1f} | {med["ours2"] * 1e3:.1f} | {ov2:.3f} |

- Overhead target ≤ 1.10: 1 thread {ok(ov1 <= 1.10)}, 2 threads {ok(ov2 <= 1.10)}.
- Speed-up 2 vs 1 thread: raw {sp_raw:.2f}×, ours {sp_ours:.2f}× (target ≥ 1.8×: {ok(sp_ours >= 1.8)}).
  The machine has 2 cores shared with whatever else runs; the speed-up is bounded by the raw one."""
        print("wrote", write_section("Twin: batch of 64 forks × 1 s vs raw mujoco.rollout", body))


if __name__ == "__main__":
    main()
