"""Capacity bench: how many robots at 500 Hz one twin process keeps in sync with zero loss.

One twin process hosts N ``DigitalTwin`` + ``TwinBridge`` pairs (robot i in namespace ``/robot_i``:
joint states on ``/robot_i/joint_states``, predictions at the default rate and horizon, diagnostics at
1 Hz, Prometheus off). Publishers send the bundled humanoid's 27 joints at 500 Hz per robot for
``--seconds``, stamped with their wall clock, in two layouts:

* ``procs``: one publisher process per robot (what N real robots look like, but on this 2-core
  machine the N publisher processes compete with the twin for the CPU);
* ``single``: one publisher process with N publishers (less overhead on the shared machine).

For N = 1, 2, 3, 4, 6, 8, ... (until a layout fails: loss > 0, a robot's receive rate below
``--min-rate-ratio`` × 500 Hz, or pooled p99 latency above ``--p99-limit``) it reports per N and layout:
received / expected, loss, p50/p99 latency (twin wall clock after ``DigitalTwin.update`` returned −
header stamp), the receive rate, the CPU of the twin process and of the publishers, predictions
published per robot per second, and the machine's load; then the largest N with zero loss.

    python bench/capacity_bench.py [--seconds 5] [--max-n 16] [--layouts procs,single]
                                   [--prediction-rates default,0] [--write]

Children are always killed (each run is bounded). ``--write`` replaces the "Twin: capacity" section of
docs/benchmarks.md. Internal subcommands: ``_twin`` (the twin process), ``_pub`` (a publisher process).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import selectors
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

RATE = 500.0
"""[Hz] per robot."""
SCRIPT = Path(__file__).resolve()
HEADING = "Twin: capacity"


def _topic(i: int) -> str:
    return f"/robot_{i}/joint_states"


def _cpu() -> float:
    t = os.times()
    return t.user + t.system


def _machine_busy() -> tuple[float, float]:
    """(busy, total) jiffies of all CPUs from /proc/stat."""
    with open("/proc/stat", encoding="ascii") as f:
        parts = [float(x) for x in f.readline().split()[1:]]
    idle = parts[3] + parts[4]
    return sum(parts) - idle, sum(parts)


def _proc_cpu(pid: int) -> float:
    """CPU time [s] (user + system, all threads) of process ``pid`` from /proc."""
    with open(f"/proc/{pid}/stat", encoding="ascii") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (float(fields[11]) + float(fields[12])) / os.sysconf("SC_CLK_TCK")


def _loadavg() -> float:
    with open("/proc/loadavg", encoding="ascii") as f:
        return float(f.read().split()[0])


def _readline(stream: Any, timeout: float) -> str | None:
    sel = selectors.DefaultSelector()
    sel.register(stream, selectors.EVENT_READ)
    try:
        if not sel.select(timeout=timeout):
            return None
        return str(stream.readline())
    finally:
        sel.close()


# ---------------------------------------------------------------- twin process


class _TimedTwin:
    """Wraps a DigitalTwin: wall clock − stamp after each update returned."""

    def __init__(self, twin: Any) -> None:
        self._twin = twin
        self.latencies: list[float] = []

    def update(self, js: Any, base: Any = None) -> Any:
        r = self._twin.update(js, base)
        self.latencies.append(time.time() - js.stamp)
        return r

    def __getattr__(self, name: str) -> Any:
        return getattr(self._twin, name)


def twin_main(n: int, domain: int, prediction_rate: float | None, executor: str) -> int:
    """Host N twins + bridges; commands on stdin: ``mark``, ``cpu``, ``report`` (prints JSON, exits).

    ``executor="events"`` is an experiment: it swaps the bridge's ``SingleThreadedExecutor`` for
    rclpy's ``rclpy.experimental.EventsExecutor`` (not what the bridge ships with).
    """
    import numpy as np

    if executor == "events":
        from rclpy.experimental import EventsExecutor  # type: ignore[attr-defined]

        import humanoid_twin.ros.bridge as bridge_module

        bridge_module.SingleThreadedExecutor = EventsExecutor  # type: ignore[attr-defined,assignment]

    from humanoid_twin.robots.humanoid import STANDING_OPTIONS, load_humanoid
    from humanoid_twin.ros.bridge import TwinBridge
    from humanoid_twin.ros.config import BridgeConfig
    from humanoid_twin.twin import DigitalTwin

    model = load_humanoid()
    twins: list[_TimedTwin] = []
    bridges: list[Any] = []
    for i in range(n):
        twin = _TimedTwin(DigitalTwin(model, options=STANDING_OPTIONS))
        cfg = BridgeConfig().with_overrides(
            ros={"domain_id": domain, "namespace": f"/robot_{i}"}, prometheus={"enabled": False}
        )
        if prediction_rate is not None:
            cfg = cfg.with_overrides(rates={"prediction": prediction_rate})
        bridges.append(TwinBridge(twin, cfg).start())  # type: ignore[arg-type]
        twins.append(twin)
    print("READY", flush=True)
    marks: dict[str, tuple[float, float, int]] = {}
    try:
        while True:
            line = _readline(sys.stdin, 120.0)
            if not line:
                return 1
            cmd = line.strip()
            marks[cmd] = (time.monotonic(), _cpu(), sum(b.status().predictions_published for b in bridges))
            if cmd == "report":
                break
        t0, c0, p0 = marks["mark"]
        t1, c1, p1 = marks.get("cpu", marks["report"])
        lat = [np.array(t.latencies) * 1e3 for t in twins]
        pooled = np.concatenate(lat) if lat else np.zeros(0)
        out = {
            "received": [len(x) for x in lat],
            "p50_ms": float(np.percentile(pooled, 50)) if pooled.size else float("nan"),
            "p99_ms": float(np.percentile(pooled, 99)) if pooled.size else float("nan"),
            "max_ms": float(pooled.max()) if pooled.size else float("nan"),
            "p99_worst_robot_ms": max((float(np.percentile(x, 99)) for x in lat if x.size), default=0.0),
            "cpu": (c1 - c0) / (t1 - t0),
            "predictions_per_robot_s": (p1 - p0) / (t1 - t0) / n,
            "rejected": sum(t.metrics.rejected_total for t in twins),
            "callback_errors": sum(b.status().callback_errors for b in bridges),
        }
        print("RESULT " + json.dumps(out), flush=True)
    finally:
        for b in bridges:
            b.stop()
    return 0


# ---------------------------------------------------------------- publisher process


def pub_main(robots: list[int], rate: float, seconds: float, domain: int) -> int:
    """Publish 27-joint states at ``rate`` for each robot; READY when matched, waits for GO on stdin."""
    import array
    import math

    import rclpy
    from rclpy.qos import HistoryPolicy, QoSProfile, ReliabilityPolicy
    from sensor_msgs.msg import JointState

    from humanoid_twin.robots.humanoid import JOINT_NAMES

    rclpy.init(domain_id=domain)
    node = rclpy.create_node(f"capacity_pub_{robots[0]}")
    qos = QoSProfile(depth=1000, reliability=ReliabilityPolicy.RELIABLE, history=HistoryPolicy.KEEP_LAST)
    pubs = [node.create_publisher(JointState, _topic(i), qos) for i in robots]
    deadline = time.monotonic() + 60
    while any(p.get_subscription_count() < 1 for p in pubs):
        if time.monotonic() > deadline:
            print("NO SUBSCRIBER", flush=True)
            return 2
        time.sleep(0.02)
    time.sleep(0.3)
    print("READY", flush=True)
    line = _readline(sys.stdin, 120.0)
    if not line or line.strip() != "GO":
        return 3
    msgs = []
    for _ in robots:
        m = JointState()
        m.name = list(JOINT_NAMES)
        msgs.append(m)
    n = len(JOINT_NAMES)
    count = round(rate * seconds)
    period = 1.0 / rate
    c0 = _cpu()
    t0 = time.monotonic()
    late = 0
    for k in range(count):
        delay = t0 + k * period - time.monotonic()
        if delay > 0:
            time.sleep(delay)
        elif delay < -period:
            late += 1
        q = array.array("d", [0.1 * math.sin(0.01 * k + j) for j in range(n)])
        for m, p in zip(msgs, pubs, strict=True):
            m.position = q
            ns = time.time_ns()
            m.header.stamp.sec, m.header.stamp.nanosec = divmod(ns, 1_000_000_000)
            p.publish(m)
    dur = time.monotonic() - t0
    out = {"sent": count, "seconds": dur, "cpu": _cpu() - c0, "late_ticks": late}
    print("DONE " + json.dumps(out), flush=True)
    time.sleep(1.0)  # let reliable retransmissions finish before the writers go away
    node.destroy_node()
    rclpy.shutdown()
    return 0


# ---------------------------------------------------------------- orchestration


def _spawn(args: list[str], env: dict[str, str]) -> subprocess.Popen[str]:
    """A child running this script; its stderr is appended to bench/out/capacity/stderr.log."""
    out = SCRIPT.parent / "out" / "capacity"
    out.mkdir(parents=True, exist_ok=True)
    with open(out / "stderr.log", "a", encoding="utf-8") as err:
        return subprocess.Popen(
            [sys.executable, str(SCRIPT), *args],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=err,
            text=True,
            env=env,
        )


def _expect(p: subprocess.Popen[str], prefix: str, timeout: float) -> str:
    assert p.stdout is not None
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        line = _readline(p.stdout, max(0.0, deadline - time.monotonic()))
        if not line:
            break
        if line.startswith(prefix):
            return line[len(prefix) :].strip()
    raise RuntimeError(f"no {prefix!r} from child {p.args!r} within {timeout} s (exit {p.poll()})")


def _send(p: subprocess.Popen[str], text: str) -> None:
    assert p.stdin is not None
    p.stdin.write(text + "\n")
    p.stdin.flush()


def _kill(procs: list[subprocess.Popen[str]]) -> None:
    for p in procs:
        if p.poll() is None:
            p.kill()
    for p in procs:
        try:
            p.wait(timeout=10)
        except subprocess.TimeoutExpired:
            pass
        for s in (p.stdin, p.stdout):
            if s is not None:
                try:
                    s.close()
                except OSError:
                    pass


def run_one(
    n: int,
    layout: str,
    seconds: float,
    domain: int,
    prediction_rate: float | None = None,
    executor: str = "single",
) -> dict[str, Any]:
    """One twin process with N robots, publishers in ``layout``; returns the measurements."""
    env = dict(os.environ, ROS_DOMAIN_ID=str(domain), ROS_AUTOMATIC_DISCOVERY_RANGE="LOCALHOST")
    procs: list[subprocess.Popen[str]] = []
    try:
        extra = ["--executor", executor]
        if prediction_rate is not None:
            extra += ["--prediction-rate", str(prediction_rate)]
        twin = _spawn(["_twin", "--n", str(n), "--domain", str(domain), *extra], env)
        procs.append(twin)
        _expect(twin, "READY", 60 + 5 * n)
        groups = [[i] for i in range(n)] if layout == "procs" else [list(range(n))]
        pubs = []
        for g in groups:
            args = ["_pub", "--robots", ",".join(map(str, g)), "--seconds", str(seconds)]
            pubs.append(_spawn([*args, "--domain", str(domain)], env))
        procs.extend(pubs)
        for p in pubs:
            _expect(p, "READY", 90)
        load = _loadavg()
        busy0, total0 = _machine_busy()
        w0 = time.monotonic()
        cpu0 = [_proc_cpu(p.pid) for p in procs]
        _send(twin, "mark")
        for p in pubs:
            _send(p, "GO")
        done = [json.loads(_expect(p, "DONE ", seconds * 4 + 30)) for p in pubs]
        _send(twin, "cpu")
        busy1, total1 = _machine_busy()
        w1 = time.monotonic()
        cpu1 = [_proc_cpu(p.pid) for p in procs]
        time.sleep(1.5)  # drain: reliable retransmissions, queued callbacks
        _send(twin, "report")
        res = json.loads(_expect(twin, "RESULT ", 60))
    finally:
        _kill(procs)
    sent = [d["sent"] for d in done for _ in range(1 if layout == "procs" else n)]
    secs = [d["seconds"] for d in done for _ in range(1 if layout == "procs" else n)]
    received = res["received"]
    expected = round(RATE * seconds) * n
    rates = [r / s for r, s in zip(received, secs, strict=True)]
    return {
        "n": n,
        "layout": layout,
        "expected": expected,
        "sent": sum(sent),
        "received": sum(received),
        "loss": sum(sent) - sum(received),
        "min_rate": min(rates),
        "pub_rate": min(s / t for s, t in zip(sent, secs, strict=True)),
        "p50_ms": res["p50_ms"],
        "p99_ms": res["p99_ms"],
        "max_ms": res["max_ms"],
        "p99_worst_robot_ms": res["p99_worst_robot_ms"],
        "twin_cpu": (cpu1[0] - cpu0[0]) / (w1 - w0),
        "twin_cpu_self": res["cpu"],
        "pub_cpu": sum(b - a for a, b in zip(cpu0[1:], cpu1[1:], strict=True)) / (w1 - w0),
        "machine_busy": (busy1 - busy0) / max(1.0, total1 - total0) * (os.cpu_count() or 1),
        "predictions_per_robot_s": res["predictions_per_robot_s"],
        "rejected": res["rejected"],
        "callback_errors": res["callback_errors"],
        "load": load,
        "prediction_rate": prediction_rate,
        "executor": executor,
    }


def passes(row: dict[str, Any], min_rate_ratio: float, p99_limit: float) -> tuple[bool, str]:
    why = []
    if row["loss"] > 0 or row["received"] < row["expected"]:
        why.append(f"loss {row['expected'] - row['received']}")
    if row["min_rate"] < min_rate_ratio * RATE:
        why.append(f"rate {row['min_rate']:.0f} Hz")
    if row["p99_ms"] > p99_limit:
        why.append(f"p99 {row['p99_ms']:.0f} ms")
    return not why, ", ".join(why)


def _ramp(max_n: int) -> list[int]:
    out = [1, 2, 3, 4]
    while out[-1] + 2 <= max_n:
        out.append(out[-1] + 2)
    return [n for n in out if n <= max_n]


def _variant(layout: str, prediction_rate: float | None, executor: str = "single") -> str:
    out = layout if prediction_rate is None else f"{layout}, predictions {prediction_rate:g} Hz"
    return out if executor == "single" else f"{out}, EventsExecutor"


def table(rows: list[dict[str, Any]]) -> str:
    lines = [
        "| publishers | N | received / expected | loss | min rate per robot [Hz] | p50 / p99 [ms] | "
        "twin CPU | publishers CPU | machine busy | predictions per robot [Hz] | load | verdict |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|",
    ]
    for r in rows:
        lines.append(
            f"| {r['variant']} | {r['n']} | {r['received']} / {r['expected']} | {r['loss']} | "
            f"{r['min_rate']:.0f} | {r['p50_ms']:.2f} / {r['p99_ms']:.2f} | {100 * r['twin_cpu']:.0f} % | "
            f"{100 * r['pub_cpu']:.0f} % | {100 * r['machine_busy']:.0f} % | "
            f"{r['predictions_per_robot_s']:.1f} | {r['load']:.1f} | {r['verdict']} |"
        )
    return "\n".join(lines)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--seconds", type=float, default=5.0, help="publishing time per run [s]")
    ap.add_argument("--max-n", type=int, default=16)
    ap.add_argument("--ns", default="", help="comma-separated N list instead of the ramp 1,2,3,4,6,8,...")
    ap.add_argument("--layouts", default="procs,single")
    ap.add_argument(
        "--prediction-rates",
        default="default",
        help="comma-separated prediction rates [Hz] per robot to ramp each layout with: 'default' (the "
        "bridge's, 20 Hz), 0 (off) or 10–100; e.g. 'default,0'",
    )
    ap.add_argument(
        "--executors",
        default="single",
        help="'single' (the bridge as shipped) and/or 'events' (experiment: rclpy's EventsExecutor)",
    )
    ap.add_argument("--min-rate-ratio", type=float, default=0.98)
    ap.add_argument("--p99-limit", type=float, default=100.0, help="[ms] pooled p99 above this fails")
    ap.add_argument("--domain", type=int, default=0, help="ROS domain (default: random in 150–200)")
    ap.add_argument("--json", type=Path, default=None, help="also write every row here")
    ap.add_argument("--write", action="store_true", help="replace the section of docs/benchmarks.md")
    ap.add_argument(
        "--from-json", type=Path, default=None, help="no measuring: print/--write the rows of a --json file"
    )
    a = ap.parse_args()
    if a.from_json:
        return _report(json.loads(a.from_json.read_text(encoding="utf-8")), a)
    domain = a.domain or random.SystemRandom().randint(150, 200)
    ns = [int(x) for x in a.ns.split(",")] if a.ns else _ramp(a.max_n)
    preds = [None if x == "default" else float(x) for x in a.prediction_rates.split(",")]
    variants = [
        (layout, pred, ex)
        for ex in a.executors.split(",")
        for pred in preds
        for layout in a.layouts.split(",")
    ]
    rows: list[dict[str, Any]] = []
    alive = set(variants)
    load0 = _loadavg()
    for n in ns:
        for v in variants:
            layout, pred, ex = v
            if v not in alive:
                continue
            name = _variant(*v)
            try:
                row = run_one(n, layout, a.seconds, domain, pred, ex)
            except RuntimeError as err:
                print(f"N={n} {name}: failed to run: {err}", file=sys.stderr)
                alive.discard(v)
                continue
            ok, why = passes(row, a.min_rate_ratio, a.p99_limit)
            row["verdict"] = "ok" if ok else why
            row["variant"] = name
            rows.append(row)
            print(
                f"N={n:2d} {name}: recv {row['received']}/{row['expected']} loss {row['loss']} "
                f"rate≥{row['min_rate']:.0f} Hz (pub {row['pub_rate']:.0f}) "
                f"p50/p99 {row['p50_ms']:.2f}/{row['p99_ms']:.2f} ms "
                f"twin CPU {100 * row['twin_cpu']:.0f}% pubs {100 * row['pub_cpu']:.0f}% "
                f"machine {100 * row['machine_busy']:.0f}% pred {row['predictions_per_robot_s']:.1f} Hz "
                f"load {row['load']:.2f} → {row['verdict']}",
                flush=True,
            )
            if not ok:
                alive.discard(v)
        if not alive:
            break
    order = [_variant(*v) for v in variants]
    rows.sort(key=lambda r: (order.index(r["variant"]), r["n"]))
    if a.json:
        a.json.parent.mkdir(parents=True, exist_ok=True)
        a.json.write_text(json.dumps(rows, indent=1), encoding="utf-8")
    return _report(rows, a, load0)


def _report(rows: list[dict[str, Any]], a: argparse.Namespace, load0: float | None = None) -> int:
    """Print the table and the max N per row kind; with ``a.write`` replace the docs section."""
    summary: dict[str, tuple[int, int]] = {}
    for r in rows:  # rows of one kind are in ramp order; the ramp stopped at the first failure
        n0, n = summary.get(r["variant"], (0, 0))
        if r["loss"] == 0 and r["received"] >= r["expected"] and "rate" not in r["verdict"]:
            n0 = r["n"]
        if r["verdict"] == "ok":
            n = r["n"]
        summary[r["variant"]] = (n0, n)
    print(table(rows))
    for name, (n0, n) in summary.items():
        print(f"max N at {RATE:.0f} Hz ({name}): {n0} with zero loss, {n} also with p99 ≤ {a.p99_limit:g} ms")
    if a.write:
        sys.path.insert(0, str(SCRIPT.parent))
        from _docs import write_section

        first = rows[0]["load"] if rows else 0.0
        write_section(HEADING, _doc(rows, summary, a, first if load0 is None else load0))
    return 0


def _doc(
    rows: list[dict[str, Any]], best: dict[str, tuple[int, int]], a: argparse.Namespace, load0: float
) -> str:
    verdicts = "\n".join(
        f"- {k}: **{n0}** with zero loss at the full rate, {n} also with p99 ≤ {a.p99_limit:g} ms"
        for k, (n0, n) in best.items()
    )
    loads = [r["load"] for r in rows]
    return f"""`python bench/capacity_bench.py --write` — how many robots at {RATE:.0f} Hz one twin process
keeps in sync with zero loss. One twin process hosts N `DigitalTwin` + `TwinBridge` pairs (robot i in
namespace `/robot_i`, each bridge with its own rclpy context, executor thread and worker thread;
predictions at the default 20 Hz × 0.5 s horizon unless the row says otherwise, diagnostics at 1 Hz,
staleness checks at 200 Hz, Prometheus off). Every robot sends the bundled humanoid's 27 joints at
{RATE:.0f} Hz (reliable, keep_last 1000) for {a.seconds:g} s. Two publisher layouts: `procs` = one
publisher process per robot (as N robots would be), `single` = one process with N publishers (less
CPU taken from the twin on this 2-core machine). A run fails on any loss, a robot's receive rate
below {a.min_rate_ratio:g} × {RATE:.0f} Hz, or pooled p99 latency above {a.p99_limit:g} ms; the ramp
(N = 1, 2, 3, 4, 6, 8, …) stops per row kind at the first failure. Latency = twin wall clock after
`DigitalTwin.update` returned − header stamp (publisher's wall clock). CPU = user + system time / wall
time over the publishing window (100 % = one core, 200 % = the whole machine), from `/proc/<pid>/stat`
for the twin and the publishers and from `/proc/stat` for the machine ("machine busy": every process).
1-min load average {load0:.2f} at the start, {min(loads, default=0):.2f}–{max(loads, default=0):.2f}
before each run (2 cores), {time.strftime("%Y-%m-%d")}.

{table(rows)}

Max N robots at {RATE:.0f} Hz:

{verdicts}

Caveats: this machine has 2 cores, shared by the twin process, the publishers (one Python process per
robot in `procs`) and whatever else runs (the `load` column is the 1-min load average before each
run; above ~2 other jobs were competing and "machine busy" shows the cores saturated), so the numbers
are a lower bound for a twin host whose robots are other machines. "predictions per robot" shows the
prediction worker falling behind its rate when the CPU is short (it skips; the mirror does not wait
for it). Rows marked "predictions 0 Hz" turn the bridge's predictions off (`[rates] prediction = 0`);
rows marked "EventsExecutor" are an experiment (`--executors events`): the bench swaps the bridge's
`rclpy` `SingleThreadedExecutor` for `rclpy.experimental.EventsExecutor`, which the bridge does not
ship with. What limits a twin process is Python: each bridge's executor runs its callbacks (and
`SingleThreadedExecutor` rebuilds its wait set on every `spin_once`) under the one GIL shared by all
robots, and each 20 Hz × 0.5 s prediction costs ≈ 10 ms (rollout, `Prediction`, a 250-point
`JointTrajectory`), so the twin process cannot use much more than one core; compare the rows with and
without predictions and with either executor.
"""


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "_twin":
        p = argparse.ArgumentParser()
        p.add_argument("_cmd")
        p.add_argument("--n", type=int, required=True)
        p.add_argument("--domain", type=int, required=True)
        p.add_argument("--prediction-rate", type=float, default=None)
        p.add_argument("--executor", default="single", choices=["single", "events"])
        x = p.parse_args()
        sys.exit(twin_main(x.n, x.domain, x.prediction_rate, x.executor))
    if len(sys.argv) > 1 and sys.argv[1] == "_pub":
        p = argparse.ArgumentParser()
        p.add_argument("_cmd")
        p.add_argument("--robots", required=True)
        p.add_argument("--seconds", type=float, required=True)
        p.add_argument("--rate", type=float, default=RATE)
        p.add_argument("--domain", type=int, required=True)
        x = p.parse_args()
        sys.exit(pub_main([int(r) for r in x.robots.split(",")], x.rate, x.seconds, x.domain))
    sys.exit(main())
