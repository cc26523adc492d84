"""Time ``DigitalTwin.predict(command, 1 s)`` against a raw ``mujoco.mj_step`` loop on the same model.

Both start from the same mirrored state of the bundled humanoid (standing, floating base, 2 ms step,
500 steps). The raw loop is the floor: ``mj_setState`` + 500 × ``mj_step`` in Python, with no state
recorded. ``predict`` does everything a user gets: copy the mirrored state under the twin's lock,
roll out in C (``mujoco.rollout``), keep every step's joint positions/velocities and base pose, build
the immutable :class:`Prediction`, track it for error metrics. Interleaved, median of ``--repeat``.

    python bench/predict_bench.py [--repeat 30] [--no-write]
"""

from __future__ import annotations

import argparse
import statistics
import time

import mujoco
import numpy as np

from humanoid_twin.robots import humanoid as H
from humanoid_twin.twin import DigitalTwin, JointCommand, JointState, TwinConfig

HORIZON = 1.0


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=30)
    ap.add_argument("--no-write", action="store_true", help="do not update docs/benchmarks.md")
    args = ap.parse_args()

    twin = DigitalTwin(
        H.load_humanoid(),
        options=H.STANDING_OPTIONS,
        config=TwinConfig(timestep=H.STANDING_TIMESTEP, nthread=1),
    )
    names = twin.joint_names
    q = np.array([H.NOMINAL_POSE.get(n, 0.0) for n in names])
    for k in range(50):
        twin.update(JointState(0.002 * (k + 1), names, q))
    cmd = JointCommand(0.0, ("left_elbow", "right_elbow"), position=np.array([-0.8, -0.8]))
    steps = round(HORIZON / twin.timestep)

    backend = twin.backend  # synchronized live backend: same model, same state
    m = backend.mj_model  # type: ignore[attr-defined]
    d = mujoco.MjData(m)
    spec = int(mujoco.mjtState.mjSTATE_FULLPHYSICS)
    start = np.empty(mujoco.mj_stateSize(m, spec))
    mujoco.mj_getState(m, backend.mj_data, start, spec)  # type: ignore[attr-defined]
    ctrl = np.array(backend.mj_data.ctrl)  # type: ignore[attr-defined]
    for n in ("left_elbow", "right_elbow"):
        ctrl[backend.names.actuator[n]] = -0.8  # type: ignore[attr-defined]

    def raw() -> None:
        mujoco.mj_setState(m, d, start, spec)
        d.qacc_warmstart[:] = 0.0
        d.ctrl[:] = ctrl
        for _ in range(steps):
            mujoco.mj_step(m, d)

    def ours() -> None:
        twin.predict(cmd, HORIZON)

    # Same result check: the prediction's last sample equals the raw loop's end state.
    raw()
    p = twin.predict(cmd, HORIZON)
    adr = [backend.names.qpos_adr[n] for n in names]  # type: ignore[attr-defined]
    assert np.allclose(p.q[-1], d.qpos[adr], atol=1e-9), "predict and the raw loop disagree"

    t_raw, t_ours = [], []
    for _ in range(3):
        raw()
        ours()
    for i in range(args.repeat):
        for _name, fn, acc in (("raw", raw, t_raw), ("ours", ours, t_ours))[:: 1 if i % 2 else -1]:
            t = time.perf_counter()
            fn()
            acc.append(time.perf_counter() - t)
    mr, mo = statistics.median(t_raw), statistics.median(t_ours)
    ratio = mo / mr
    ratio_min = min(t_ours) / min(t_raw)
    print(f"raw mj_step loop : {mr * 1e3:8.3f} ms  ({steps} steps, {mr / steps * 1e6:.1f} µs/step)")
    print(f"twin.predict     : {mo * 1e3:8.3f} ms  (every step recorded)")
    print(f"ratio predict/raw: {ratio:.3f} median, {ratio_min:.3f} best-of  (target ≤ 1.10)")
    if not args.no_write:
        import os

        from _docs import write_section

        load = os.getloadavg()[0]

        cores = os.cpu_count()
        body = f"""`python bench/predict_bench.py` — `DigitalTwin.predict(command, 1 s)` on the bundled
humanoid (27 joints, floating base on the floor, 2 ms step, {steps} steps, every step returned) against a
raw Python `mj_step` loop over the same model from the same state (state set, no recording).
Interleaved runs, median of {args.repeat}, 1-min load average {load:.2f} on {cores} cores; both end in
the same state (checked).

| | median [ms] | per step [µs] |
|---|---:|---:|
| raw `mj_step` loop | {mr * 1e3:.2f} | {mr / steps * 1e6:.1f} |
| `twin.predict(command, 1 s)` | {mo * 1e3:.2f} | {mo / steps * 1e6:.1f} |

**Ratio predict / raw = {ratio:.3f}** of medians, {ratio_min:.3f} of best runs (target ≤ 1.10:
{"met" if ratio <= 1.10 else "missed"} on medians). On a loaded machine the medians swing by ±30 % from
run to run; the best-of ratio is the steadier one.
`predict` runs the rollout in C through a persistent `mujoco.rollout.Rollout` (no Python per step),
which is why it can be faster than the Python loop although it also copies the state after every step."""
        print("wrote", write_section("Twin: predict(command, 1 s) vs raw mj_step", body))


if __name__ == "__main__":
    main()
