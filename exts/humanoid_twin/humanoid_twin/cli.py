"""The ``humanoid-twin`` command line: a thin shell over the library.

This is the only module that prints, sets exit codes or shows progress. Library errors
(:class:`~humanoid_twin.errors.TwinError`) become one red line and exit code 1; ``--debug`` shows the
traceback instead.
"""

from __future__ import annotations

import contextlib
import logging
import math
import os
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Literal, NoReturn

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table
from rich.tree import Tree

from . import __version__
from .errors import ConfigError, TwinError, named_after
from .model import ImportOptions, JointType, RobotModel

if TYPE_CHECKING:
    import threading
    from collections.abc import Iterator

    from rich.live import Live

    from .maintenance import MaintenanceReport
    from .ros.bridge import TwinBridge
    from .ros.config import BridgeConfig
    from .scenarios import ScenarioResult
    from .session import Session
    from .twin import TwinConfig

app = typer.Typer(
    name="humanoid-twin",
    help="Open digital twin for humanoid robots: URDF → USD → MuJoCo, live ROS 2 sync, prediction.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
# Wide enough for the joint table when output is piped (rich falls back to 80 columns then).
console = Console(width=None if sys.stdout.isatty() else 140)
err_console = Console(stderr=True, width=None if sys.stderr.isatty() else 200)


class _State:
    debug = False


def _fail(message: str, code: int = 1) -> NoReturn:
    err_console.print(f"[bold red]error:[/] {escape(message)}", highlight=False, soft_wrap=True)
    raise typer.Exit(code)


def _print_version(value: bool) -> None:
    if value:  # eager: before the command is looked up, so `humanoid-twin --version` alone works
        console.print(f"humanoid-twin {__version__}")
        raise typer.Exit(0)


@app.callback()
def _main(
    debug: Annotated[bool, typer.Option("--debug", help="Show tracebacks and debug logs.")] = False,
    version: Annotated[
        bool,
        typer.Option("--version", help="Print the version and exit.", callback=_print_version, is_eager=True),
    ] = False,
) -> None:
    _State.debug = debug
    logging.basicConfig(
        level=logging.DEBUG if debug else logging.WARNING, format="%(levelname)s %(name)s: %(message)s"
    )


# ------------------------------------------------------------------ loading


PackagePathOpt = Annotated[
    list[Path] | None,
    typer.Option(
        "--package-path",
        "-p",
        help="Folder searched for package:// URIs (a package or a folder of packages); repeatable. "
        "ROS_PACKAGE_PATH is searched too when set.",
    ),
]


def load_robot(path: Path, package_paths: list[Path] | None) -> RobotModel:
    """Read a URDF, xacro or USD file into a RobotModel (the CLI's package paths)."""
    from .description import read_robot

    return read_robot(path, package_paths or ())


# ------------------------------------------------------------------ import


@app.command("import")
def import_cmd(
    ctx: typer.Context,
    robot: Annotated[
        Path,
        typer.Argument(
            help="The robot's URDF (or .xacro, or a USD of ours to re-export: options not given are "
            "those it was imported with)."
        ),
    ],
    output: Annotated[
        Path, typer.Option("--output", "-o", help="The USD file to write (.usda, .usdc or .usd).")
    ],
    package_path: PackagePathOpt = None,
    fix_base: Annotated[
        bool, typer.Option("--fix-base/--floating-base", help="Weld the root link to the world.")
    ] = ImportOptions.fix_base,
    merge_fixed_joints: Annotated[
        bool,
        typer.Option(
            "--merge-fixed-joints/--keep-fixed-joints",
            help="Merge massless frame links on fixed joints into their parent (dont_collapse honoured).",
        ),
    ] = ImportOptions.merge_fixed_joints,
    collision_from_visuals: Annotated[
        bool, typer.Option(help="Use visual geometry as colliders for links that have none.")
    ] = ImportOptions.collision_from_visuals,
    self_collision: Annotated[
        bool,
        typer.Option(
            help="Let the robot's links collide with each other (not those touching at the rest pose)."
        ),
    ] = ImportOptions.self_collision,
    replace_cylinders_with_capsules: Annotated[
        bool, typer.Option(help="Collider cylinders become capsules.")
    ] = ImportOptions.replace_cylinders_with_capsules,
    drive_type: Annotated[
        str, typer.Option(help="Joint drives: position (PD), velocity (D only) or none.")
    ] = ImportOptions.drive_type,
    drive_stiffness: Annotated[
        float, typer.Option(help="Drive position gain \\[N·m/rad or N/m].")
    ] = ImportOptions.drive_stiffness,
    drive_damping: Annotated[
        float, typer.Option(help="Drive velocity gain \\[N·m·s/rad or N·s/m].")
    ] = ImportOptions.drive_damping,
    drive_kind: Annotated[
        str, typer.Option(help="UsdPhysics drive type: force or acceleration.")
    ] = ImportOptions.drive_kind,
    armature: Annotated[float, typer.Option(help="Rotor inertia on actuated joints \\[kg·m²].")] = (
        ImportOptions.armature
    ),
    density: Annotated[
        float, typer.Option(help="Density for links with geometry but no inertial \\[kg/m³].")
    ] = ImportOptions.density,
    flat: Annotated[
        bool, typer.Option("--flat", help="Write one file instead of the layered asset.")
    ] = False,
    mjcf: Annotated[
        Path | None, typer.Option("--mjcf", help="Also write the MuJoCo model (MJCF XML) here.")
    ] = None,
) -> None:
    """Convert a URDF into the canonical layered UsdPhysics asset (and optionally MJCF)."""
    with _errors(), _flags():
        options = ImportOptions(
            fix_base=fix_base,
            merge_fixed_joints=merge_fixed_joints,
            collision_from_visuals=collision_from_visuals,
            self_collision=self_collision,
            replace_cylinders_with_capsules=replace_cylinders_with_capsules,
            drive_type=drive_type,  # type: ignore[arg-type]  # validated by ImportOptions
            drive_stiffness=drive_stiffness,
            drive_damping=drive_damping,
            drive_kind=drive_kind,  # type: ignore[arg-type]
            armature=armature,
            density=density,
        )
        if output.suffix.lower() not in (".usd", ".usda", ".usdc"):
            _fail(f"{output}: the output must end in .usda, .usd or .usdc (got {output.suffix!r})", 2)
        with console.status(f"reading {robot}"):
            model = load_robot(robot, package_path)
        from .description import USD_SUFFIXES
        from .usd import write_usd

        if robot.suffix.lower() in USD_SUFFIXES:  # a re-export keeps the options it was made with
            import dataclasses

            from .usd import recorded_options

            recorded = recorded_options(robot)
            if recorded is not None:
                given = {
                    f.name: getattr(options, f.name)
                    for f in dataclasses.fields(options)
                    if _given(ctx, f.name)
                }
                options = dataclasses.replace(recorded, **given)

        staged = None
        if mjcf is not None:  # built and staged first: a robot MuJoCo refuses leaves no USD behind
            from ._files import stage_text
            from .physics.mujoco import mjcf as mjcf_text

            with console.status(f"building {mjcf}"):
                try:
                    text = mjcf_text(model, options)
                except TwinError as err:
                    _fail(f"{robot}: cannot build the MuJoCo model: {err}")
            try:
                if mjcf.is_dir():
                    raise IsADirectoryError(21, "Is a directory")
                staged = stage_text(mjcf, text)
            except OSError as err:
                _fail(f"{mjcf}: cannot write the MJCF ({err.strerror or err}); choose a file you can write")
        try:
            with console.status(f"writing {output}"):
                asset = write_usd(model, output, options, layered=not flat)
            if staged is not None and mjcf is not None:
                os.replace(staged, mjcf)
        finally:
            if staged is not None:
                staged.unlink(missing_ok=True)
        _print_summary(model, brief=True)
        files = ", ".join(str(f) for f in asset.files)
        if asset.textures:
            n = len(asset.textures)
            files += f" and {n} texture image{'s' if n > 1 else ''} in {asset.textures[0].parent}"
        console.print(f"[green]wrote[/] {files}")
        if mjcf is not None:
            console.print(f"[green]wrote[/] {mjcf}")


# ------------------------------------------------------------------ inspect


@app.command()
def inspect(
    file: Annotated[Path, typer.Argument(help="A URDF, xacro or USD file.")],
    package_path: PackagePathOpt = None,
    validate: Annotated[
        bool,
        typer.Option(
            help="For USD: run every UsdValidation validator, list the errors and exit 1 if there are any "
            "(a linter's exit code; --no-validate only shows the robot)."
        ),
    ] = True,
) -> None:
    """Show a robot: tree of links and joints, masses, limits, DoF, warnings."""
    from .description import USD_SUFFIXES

    with _errors():
        model = load_robot(file, package_path)
        _print_tree(model)
        _print_joints(model)
        _print_summary(model, brief=False)
        if file.suffix.lower() in USD_SUFFIXES:
            from .usd import recorded_options

            recorded = recorded_options(file)
            if recorded is not None:  # what the twin and a re-export of this asset run with
                console.print(f"imported with {escape(repr(recorded))}", highlight=False, soft_wrap=True)
        if validate and file.suffix.lower() in USD_SUFFIXES:
            from .usd import validate_stage

            problems = validate_stage(file)
            if problems:
                console.print(f"[red]{len(problems)} validation error(s):[/]")
                for p in problems:
                    console.print(f"  [red]•[/] {escape(str(p))}", highlight=False)
                raise typer.Exit(1)
            console.print("[green]USD validation: no errors[/]")


def _fmt(v: float | None, unit: str = "", scale: float = 1.0) -> str:
    if v is None or not math.isfinite(v):
        return "—"
    return f"{v * scale:.4g}{unit}"


def _print_tree(model: RobotModel) -> None:
    def label(link_name: str) -> str:
        link = model.link(link_name)
        tag = " [dim](frame)[/]" if link.is_frame else f" [dim]{link.mass:.3g} kg[/]"
        if link.inertial is not None and link.inertial.repaired:
            tag += " [yellow](inertia repaired)[/]"
        return f"[bold]{escape(link_name)}[/]{tag}"

    tree = Tree(label(model.root.name))
    nodes = {model.root.name: tree}
    for j in model.walk():
        nodes[j.child] = nodes[j.parent].add(f"[cyan]{escape(j.name)}[/] ({j.type.value}) → {label(j.child)}")
    console.print(tree)


def _print_joints(model: RobotModel) -> None:
    t = Table(title="joints (angles in degrees, prismatic in metres)", show_lines=False)
    for col in ("joint", "type", "lower", "upper", "effort", "velocity", "damping", "friction", "mimic"):
        t.add_column(col, justify="left" if col in ("joint", "type", "mimic") else "right", no_wrap=True)
    for j in model.walk():
        if j.type is JointType.FIXED:
            continue
        ang = j.type.is_angular
        unit = ""
        scale = 180.0 / math.pi if ang else 1.0
        lim = j.limit
        t.add_row(
            j.name,
            j.type.value,
            _fmt(j.lower, unit, scale),
            _fmt(j.upper, unit, scale),
            _fmt(lim.effort if lim else None, " N·m" if ang else " N"),
            _fmt(lim.velocity if lim else None, " rad/s" if ang else " m/s"),
            _fmt(j.dynamics.damping if j.dynamics else None),
            _fmt(j.dynamics.friction if j.dynamics else None),
            f"{j.mimic.joint} ×{j.mimic.multiplier:g}" if j.mimic else "",
        )
    console.print(t)


def _print_summary(model: RobotModel, *, brief: bool) -> None:
    frames = sum(1 for lk in model.links if lk.is_frame)
    by_type: dict[str, int] = {}
    for j in model.joints:
        by_type[j.type.value] = by_type.get(j.type.value, 0) + 1
    t = Table(title=f"robot {model.name!r}", show_header=False)
    t.add_column("", style="bold")
    t.add_column("")
    t.add_row("source", str(model.source or "—"))
    t.add_row("links", f"{len(model.links)} ({frames} frames)")
    t.add_row("joints", ", ".join(f"{n} {k}" for k, n in sorted(by_type.items())) or "none")
    t.add_row("actuated joints", str(len(model.actuated_joints)))
    t.add_row("DoF (joints)", str(model.dof))
    t.add_row("total mass", f"{model.total_mass:.3f} kg")
    t.add_row("root link", model.root.name)
    console.print(t)
    if model.warnings:
        shown = model.warnings if not brief else model.warnings[:10]
        console.print(f"[yellow]{len(model.warnings)} warning(s):[/]")
        for w in shown:
            console.print(f"  [yellow]•[/] {escape(str(w))}", highlight=False)
        if len(shown) < len(model.warnings):
            console.print(f"  … and {len(model.warnings) - len(shown)} more (see `humanoid-twin inspect`)")


# ------------------------------------------------------------------ live twin


def _wall_clock(key: str) -> bool:
    """A metric measured against the wall clock (meaningless in a replay)."""
    return key.startswith("latency.") or key in ("receive_rate_hz", "staleness_s")


def _status_table(values: dict[str, float], title: str, *, live: bool = True) -> Table:
    """The live status: rates, latency, counts, prediction error (mean RMS over joints).

    ``live`` False (a replay): without the wall-clock rows (receive rate, latency, staleness) and the
    bridge's counters, which a replay does not have."""

    def g(key: str) -> float:
        v = values.get(key, math.nan)
        return float(v) if v is not None else math.nan

    def ms(key: str) -> str:
        v = g(key)
        return "—" if not math.isfinite(v) else f"{1e3 * v:.2f} ms"

    t = Table(title=title, show_header=False, min_width=60)
    t.add_column("", style="bold")
    t.add_column("", justify="right")
    stale = g("stale") > 0
    t.add_row("state", "[red]STALE[/]" if stale else "[green]in sync[/]")
    t.add_row("joint states received / accepted", f"{g('received'):.0f} / {g('accepted'):.0f}")
    if live:
        t.add_row("receive rate", f"{g('receive_rate_hz'):.0f} Hz")
        t.add_row(
            "latency stamp→applied p50 / p99",
            f"{ms('latency.stamp_to_applied.p50_s')} / {ms('latency.stamp_to_applied.p99_s')}",
        )
    t.add_row(
        "rejected / dropped / out-of-order",
        f"{g('rejected'):.0f} / {g('dropped'):.0f} / {values.get('rejected.out_of_order', 0):.0f}",
    )
    if live:
        t.add_row("staleness", ms("staleness_s"))
    for key in sorted(k for k in values if k.startswith("prediction_error.rms.") and k.endswith(".mean")):
        horizon = key.removeprefix("prediction_error.rms.").removesuffix(".mean")
        v = g(key)
        t.add_row(f"prediction error RMS @ {horizon}", "—" if not math.isfinite(v) else f"{v * 1e3:.2f} mrad")
    if not live:
        return t
    t.add_row("predictions published", f"{g('bridge.predictions_published'):.0f}")
    t.add_row("commands sent", f"{g('bridge.commands_published'):.0f}")
    if "bridge.recorded" in values:
        t.add_row("messages recorded", f"{g('bridge.recorded'):.0f}")
    return t


@app.command()
def run(
    config: Annotated[
        Path | None,
        typer.Option(
            "--config", "-c", help="Session TOML (\\[robot], \\[twin], bridge tables; docs/ros.md)."
        ),
    ] = None,
    duration: Annotated[
        float | None, typer.Option(help="Stop after this many seconds (default: Ctrl-C).")
    ] = None,
    record: Annotated[Path | None, typer.Option(help="Record the session to this .mcap file.")] = None,
) -> None:
    """Run the twin on a live ROS 2 robot: mirror joint_states, publish predictions and /diagnostics."""
    with _errors():
        if duration is not None and not (math.isfinite(duration) and duration > 0):
            _fail(f"--duration must be seconds > 0 (leave it out to run until Ctrl-C); got {duration:g}", 2)
        stop = _stop_on_sigterm()  # before anything starts: a stop during start-up is honoured too
        session = _live_session(config, predictions=True, record=record)
        bridge = session.bridge
        if bridge.recording_path is not None and bridge.recording_path.exists():
            _fail(
                f"{bridge.recording_path}: the recording exists; give a new file (--record or "
                "[recording] path) or move it away (a session never overwrites one)",
                2,
            )
        bridge.start()
        console.print(
            f"twin for [bold]{session.model.name}[/] up; base: {session.twin.base_mode}; "
            f"metrics on {_host_port(bridge.config.prometheus.host, bridge.prometheus_port)}; Ctrl-C stops"
        )
        t0 = time.monotonic()
        hinted = False
        try:
            with _live(_status_table(bridge.values(), "twin")) as live:
                while not stop.is_set() and (duration is None or time.monotonic() - t0 < duration):
                    stop.wait(0.5)
                    live.update(_status_table(bridge.values(), "twin"))
                    if (
                        not hinted
                        and time.monotonic() - t0 > _NO_ROBOT_HINT
                        and bridge.status().joint_states == 0
                    ):
                        hinted = True  # said once, while it runs: the table alone shows only zeros
                        within = f" for {_NO_ROBOT_HINT:g} s"
                        console.print(f"[yellow]warning:[/] {escape(_no_robot(bridge, '--config', within))}")
        except KeyboardInterrupt:
            console.print("[yellow]stopping[/]")
        finally:
            bridge.stop()
        if bridge.recording_path is not None:
            console.print(f"[green]recorded[/] {bridge.recording_path}")
        if bridge.status().joint_states == 0:
            console.print(f"[yellow]warning:[/] {escape(_no_robot(bridge, '--config'))}", highlight=False)


@app.command()
def demo(
    duration: Annotated[
        float, typer.Option(help="Stop after this many seconds; 0 runs until Ctrl-C.")
    ] = 20.0,
    out: Annotated[Path, typer.Option(help="Folder for the recording, truth file and summary.")] = Path(
        "out/demo"
    ),
    domain_id: Annotated[
        int | None, typer.Option(help="ROS_DOMAIN_ID (default: yours, else random 1–101).")
    ] = None,
    walk: Annotated[
        bool, typer.Option("--walk", help="The emulated robot walks (instead of standing and waving).")
    ] = False,
    exercise: Annotated[
        bool,
        typer.Option(
            "--exercise",
            help="The emulated robot runs the maintenance diagnostic routine (a recording for "
            "`humanoid-twin maintenance`: every joint moves, servo targets recorded).",
        ),
    ] = False,
) -> None:
    """Emulated humanoid + live twin + recording, with a live status table. No hardware, no GPU."""
    from .demo import Demo

    with _errors():
        if not (duration == 0 or (math.isfinite(duration) and duration > 0)):
            _fail(f"--duration must be seconds > 0, or 0 to run until Ctrl-C; got {duration:g}", 2)
        if walk and exercise:
            _fail("--walk and --exercise exclude each other; pick one", 2)
        d = Demo(out, domain_id=domain_id, walk=walk, exercise=exercise)
        stop = _stop_on_sigterm()  # before the emulator starts: a stop during start-up is honoured too
        try:
            with console.status("starting the emulator and the twin (ROS 2 discovery takes a few seconds)"):
                d.start()
            console.print(
                f"emulator and twin up on ROS_DOMAIN_ID={d.domain_id} (loopback only); Ctrl-C stops"
            )
            try:
                with _live(_status_table(d.values(), "demo")) as live:
                    last = 0.0
                    while not stop.is_set() and (duration <= 0 or d.elapsed < duration):
                        d.tick()
                        if d.elapsed - last >= 0.5:
                            last = d.elapsed
                            live.update(_status_table(d.values(), f"demo — {d.elapsed:.0f} s"))
                        time.sleep(0.005)
            except KeyboardInterrupt:
                console.print("[yellow]stopping[/]")
        finally:
            result = d.stop()
        console.print(_status_table(result.values, "demo summary"))
        lag = result.values.get("latency.stamp_to_applied.p50_s")
        if isinstance(lag, float) and lag > _BUSY_LATENCY:
            console.print(
                f"[yellow]note:[/] the twin ran {lag:.2f} s behind the robot (median): it could not keep "
                f"up with 500 Hz here, where the emulator, the twin and its recorder share "
                f"{os.cpu_count() or 1} cores (the walking demo needs the most); the twin's rates on a "
                "free core: docs/benchmarks.md"
            )
        console.print(f"[green]wrote[/] {result.recording}, {result.truth}, {result.summary}")


_BUSY_LATENCY = 0.1
"""[s] a demo whose median stamp → applied latency exceeds this fell behind (it is ≈ 1 ms on a free core)."""


@app.command()
def replay(
    recording: Annotated[Path, typer.Argument(help="An .mcap file or a rosbag2 folder.")],
    config: Annotated[
        Path | None,
        typer.Option("--config", "-c", "--session-config", help="Session TOML (robot, topics, twin)."),
    ] = None,
    speed: Annotated[
        float, typer.Option(help="1 = real time, N = N× faster, 0 = as fast as possible.")
    ] = 0.0,
    horizon: Annotated[
        float | None, typer.Option(help="Prediction horizon \\[s] (default from config).")
    ] = None,
    summary: Annotated[Path | None, typer.Option(help="Write the final metrics here as JSON.")] = None,
) -> None:
    """Replay a recording into the twin, deterministically; print what the twin saw and predicted."""
    import json

    from .ros.replay import ReplaySource
    from .session import load_robot, load_session_config, scored_twin_config
    from .twin import DigitalTwin

    with _errors():
        if not (math.isfinite(speed) and speed >= 0):
            _fail(f"--speed must be 0 (as fast as possible) or a factor > 0, got {speed:g}", 2)
        if horizon is not None and not (math.isfinite(horizon) and 0 < horizon <= 10):
            _fail(f"--horizon must be within (0, 10] s, got {horizon:g}", 2)
        if summary is not None:  # before the replay, not after it
            try:
                summary.parent.mkdir(parents=True, exist_ok=True)
            except OSError as err:
                _fail(f"--summary {summary}: cannot make its folder ({err.strerror or err})", 2)
            if summary.is_dir():
                _fail(f"--summary {summary} is a folder; give a .json file", 2)
        cfg = load_session_config(config)
        source = ReplaySource(recording, cfg.bridge)  # None: the default topics, as recorded
        model, options = load_robot(cfg.robot, source=cfg.source)
        reach = horizon if horizon is not None else source.config.sync.prediction_horizon
        with named_after(cfg.source, "twin", (ConfigError,)):
            twin = DigitalTwin(model, options=options, config=scored_twin_config(cfg.twin, reach))
        with console.status(f"replaying {recording}"):
            result = source.run(twin, speed=speed, horizon=horizon, keep_predictions=False)
        # the wall-clock metrics (receive rate, latencies, staleness) say nothing of a replay
        values = {k: v for k, v in twin.metrics_at(twin.last_stamp).as_dict().items() if not _wall_clock(k)}
        t = Table(title=f"replay of {recording.name}", show_header=False)
        t.add_column("", style="bold")
        t.add_column("", justify="right")
        t.add_row("messages", str(result.messages))
        t.add_row("joint states / accepted", f"{result.joint_states} / {result.accepted}")
        t.add_row("commands", str(result.commands))
        t.add_row("predictions", str(result.prediction_count))
        t.add_row("recording span / wall time", f"{result.duration:.2f} s / {result.wall_time:.2f} s")
        console.print(t)
        console.print(_status_table(values, "twin metrics at the end", live=False))
        if summary is not None:
            clean = {k: (v if math.isfinite(v) else None) for k, v in values.items()}
            from ._files import write_text_atomic

            write_text_atomic(summary, json.dumps(clean, indent=2, sort_keys=True))
            console.print(f"[green]wrote[/] {summary}")


@app.command()
def emulate(
    config: Annotated[
        Path | None, typer.Option("--config", "-c", help="Emulator TOML (docs/emulator.md).")
    ] = None,
    duration: Annotated[float | None, typer.Option(help="Emulator seconds to run (default: Ctrl-C).")] = None,
    speed: Annotated[
        float | None, typer.Option(help="Emulator seconds per wall second (uses /clock).")
    ] = None,
    truth: Annotated[
        Path | None, typer.Option(help="Write the hidden parameters and faults here (JSON).")
    ] = None,
    seed: Annotated[
        int | None,
        typer.Option(help="Seed of the hidden offsets, noise and network draws (overrides the config)."),
    ] = None,
    walk: Annotated[
        bool,
        typer.Option("--walk", help="Walk a closed lap instead of standing (publishes targets and base)."),
    ] = False,
    walk_straight: Annotated[
        bool,
        typer.Option("--walk-straight", help="Walk straight ahead for ever (endurance motion; as --walk)."),
    ] = False,
    exercise: Annotated[
        bool,
        typer.Option(
            "--exercise", help="Run the maintenance diagnostic routine (feet planted; publishes its targets)."
        ),
    ] = False,
    session_config: Annotated[
        Path | None,
        typer.Option(
            "--session-config",
            help="Session TOML whose \\[robot] (URDF, options) is emulated (default: the bundled humanoid).",
        ),
    ] = None,
) -> None:
    """Run the robot emulator: the humanoid (or a session's robot) in MuJoCo with hidden offsets,
    noise, latency and faults."""
    import dataclasses

    from .emulator import EmulatedRobot, EmulatorConfig, load_emulator_config, run_emulator
    from .session import ensure_local_ros, load_robot, load_session_config

    with _errors():
        cfg = load_emulator_config(config) if config is not None else EmulatorConfig()
        if speed is not None:
            cfg = dataclasses.replace(cfg, speed=speed, clock="sim" if speed != 1 else cfg.clock)
        if truth is not None:
            cfg = dataclasses.replace(cfg, truth_file=truth)
        if seed is not None:
            cfg = dataclasses.replace(cfg, seed=seed)
        picked: list[Literal["walk", "walk_straight", "exercise"]] = []
        picked += ["walk"] if walk else []
        picked += ["walk_straight"] if walk_straight else []
        picked += ["exercise"] if exercise else []
        if len(picked) > 1:
            _fail("--walk, --walk-straight and --exercise exclude each other; pick one", 2)
        if picked:  # a motion of its own: its targets (and a walker's base) published for the twin
            walking = picked[0] != "exercise"
            cfg = dataclasses.replace(
                cfg, motion=picked[0], publish_targets=True, publish_base=cfg.publish_base or walking
            )
        robot = None
        about = str(config) if config is not None else None  # names the emulator file in its errors
        if session_config is not None:
            session = load_session_config(session_config)
            if session.robot.urdf:  # another robot: its zero pose in its limits, lowest collider on the floor
                model, options = load_robot(session.robot, source=session.source)
                with named_after(about, kinds=(ConfigError,)):  # [hidden.joints] of another robot
                    robot = EmulatedRobot(cfg, robot=model, options=options)
        if cfg.domain_id is None:
            ensure_local_ros()
        stop = _stop_on_sigterm(sigint=True)  # the first Ctrl-C ends the run with its summary
        until = f" for {duration:g} s" if duration is not None else ""
        try:
            with named_after(about if robot is None else None, kinds=(ConfigError,)):  # robot built inside
                result = run_emulator(
                    cfg,
                    duration=duration,
                    stop_event=stop,
                    robot=robot,
                    on_ready=lambda: console.print(f"emulator running{until}; Ctrl-C stops"),
                )
        except KeyboardInterrupt:  # a second Ctrl-C
            stop.set()
            return
        console.print(
            f"emulated {result.sim_time:.1f} s in {result.wall_time:.1f} s: published {result.published}, "
            f"dropped {result.dropped}, commands {result.commands}, rejected {result.rejected}"
            + (f"; truth in {result.truth_file}" if result.truth_file else "")
        )


# ------------------------------------------------------------------ what-if


@app.command()
def whatif(
    scenario: Annotated[
        str,
        typer.Argument(
            help="A scenario TOML, or the name of a ready one: walk_faster, stairs_slip, shelf_reach."
        ),
    ],
    from_: Annotated[
        str | None,
        typer.Option(
            "--from",
            help="Fork from: nominal, live (the robot of --session-config, over ROS 2), or REC.mcap@T "
            "(T seconds after the recording's first message).",
        ),
    ] = None,
    out: Annotated[Path | None, typer.Option(help="Folder for report.html, plots and result.json.")] = None,
    session_config: Annotated[
        Path | None,
        typer.Option(
            help="Session TOML: the robot (default: the bundled humanoid), and for --from live or a "
            "recording its topics (and ROS domain)."
        ),
    ] = None,
    wait: Annotated[
        float | None,
        typer.Option(
            help="--from live: seconds to wait for the robot's joint states (default 15).", show_default=False
        ),
    ] = None,
) -> None:
    """Ask the twin a risky question: run a scenario's variants against its baseline and compare.

    With --from live the twin connects to the robot over ROS 2 (--session-config), mirrors it until
    its joint states arrive, and forks from that state."""
    from .scenarios import load_scenario, run_scenario
    from .scenarios._config import READY_DIR

    with _errors():
        if wait is not None and not (math.isfinite(wait) and wait > 0):
            _fail(f"--wait must be a number of seconds > 0, got {wait:g}", 2)
        path = Path(scenario)
        if not path.is_file() and (READY_DIR / f"{scenario}.toml").is_file():
            path = READY_DIR / f"{scenario}.toml"
        if not path.is_file():
            ready = ", ".join(sorted(p.stem for p in READY_DIR.glob("*.toml")))
            _fail(f"{scenario}: no such scenario file; ready scenarios: {ready}")
        if from_ == "live" or (from_ is None and load_scenario(path).fork.origin == "live"):
            result = _whatif_live(path, session_config, out, 15.0 if wait is None else wait)
        else:
            if wait is not None:
                _fail(
                    "--wait applies to --from live only (a recording or the nominal state needs no wait)", 2
                )
            robot, options, topics, twin_config = _recorded_session(session_config)
            with console.status(f"running {path.name}"):
                result = run_scenario(
                    path,
                    source=from_,
                    out_dir=out,
                    robot=robot,
                    topics=topics,
                    options=options,
                    twin_config=twin_config,
                )
        console.print(f"[bold]{escape(result.question)}[/]")
        rows = result.rows()
        if rows:
            t = Table(title=f"{result.name} (from {result.source}; differences to the baseline in brackets)")
            for col in rows[0]:
                t.add_column(escape(col), justify="left" if col == "variant" else "right")
            for row in rows:
                t.add_row(*(escape(v) for v in row.values()))
            console.print(t)
        console.print(f"[bold]answer:[/] {escape(result.answer())}", highlight=False)
        if result.warning is not None:
            console.print(f"[yellow]warning:[/] {escape(result.warning)}", highlight=False)
        if result.report is not None:
            console.print(f"[green]wrote[/] {result.report}")


def _whatif_live(path: Path, session_config: Path | None, out: Path | None, wait: float) -> ScenarioResult:
    """Mirror the live robot until its joint states arrive (at most ``wait`` s), then run the scenario
    forked from the twin's state; the bridge stops afterwards."""
    from .scenarios import run_scenario

    session = _live_session(session_config, metrics=False)
    bridge = session.bridge
    stop = _stop_on_sigterm()
    bridge.start()
    try:
        topic = bridge.config.topics.joint_states
        with console.status(f"waiting for joint states on {topic!r}"):
            deadline = time.monotonic() + wait
            while bridge.status().joint_states < 10 and time.monotonic() < deadline and not stop.is_set():
                stop.wait(0.05)
        if bridge.status().joint_states < 10:
            _fail(f"--from live: {_no_robot(bridge, '--session-config', f' within {wait:g} s')}")
        with console.status(f"running {path.name} from the live state"):
            return run_scenario(path, source="live", twin=session.twin, out_dir=out)
    finally:
        bridge.stop()


# ------------------------------------------------------------------ maintenance


@app.command()
def maintenance(
    recording: Annotated[
        Path | None, typer.Argument(help="A recorded session (.mcap or rosbag2 folder) to analyse.")
    ] = None,
    live: Annotated[
        bool, typer.Option("--live", help="Monitor the live robot on ROS 2 (session --session-config).")
    ] = False,
    config: Annotated[
        Path | None, typer.Option("--config", "-c", help="Maintenance TOML (default: the bundled one).")
    ] = None,
    session_config: Annotated[
        Path | None,
        typer.Option(help="Session TOML (robot, topics) for --live and the recorded topics."),
    ] = None,
    duration: Annotated[float | None, typer.Option(help="--live: stop after this many seconds.")] = None,
    walking: Annotated[
        bool,
        typer.Option(
            "--walking", help="The robot walks: longer warm-up/baseline, shorter motion check (docs)."
        ),
    ] = False,
    predictions: Annotated[
        bool,
        typer.Option(
            "--predictions",
            help="--live: also publish the twin's predictions (off: the monitor does not use them, "
            "and a process that falls behind loses the samples it needs).",
        ),
    ] = False,
    out: Annotated[
        Path, typer.Option(help="Folder for maintenance_schedule.json and maintenance_report.md.")
    ] = Path("out/maintenance"),
) -> None:
    """Joint health, wear, alarms and a maintenance schedule, from a recording or the live robot."""
    from .maintenance import (
        MaintenanceConfig,
        analyze_recording,
        load_maintenance_config,
        monitored_joints,
        write_schedule,
    )

    with _errors():
        if (recording is None) == (not live):
            _fail("give either a recording or --live", 2)
        if recording is not None and (duration is not None or predictions):
            _fail("--duration and --predictions apply to --live only; a recording is analysed whole", 2)
        if out.exists() and not out.is_dir():  # before minutes of analysis, not after
            _fail(f"--out {str(out)!r} is a file; give a folder for the schedule and report", 2)
        _writable_folder(out, "--out")
        if recording is not None:
            robot, options, topics, twin_config = _recorded_session(session_config)
            mcfg: MaintenanceConfig | Path | None = config
            if walking:  # resolved for the recorded robot's joints (None: the bundled humanoid's)
                names = monitored_joints(robot) if robot is not None else None
                mcfg = load_maintenance_config(config, names).for_walking()
            with console.status(f"analysing {recording}"):
                report = analyze_recording(
                    recording, mcfg, robot=robot, options=options, topics=topics, feet=twin_config.feet
                )
        else:
            report = _live_maintenance(
                config, session_config, duration, walking=walking, predictions=predictions
            )
        t = Table(title=f"maintenance schedule ({report.source}, {report.duration:.0f} s analysed)")
        for col in ("rank", "joint", "action", "due in \\[h]", "severity", "why"):
            t.add_column(col, justify="right" if col in ("rank", "due in \\[h]") else "left")
        for item in report.schedule:
            due = "now" if item.due_in_hours <= 0 else f"{item.due_in_hours:.3g}"
            t.add_row(str(item.rank), item.joint, item.action, due, item.severity, escape(item.reason))
        console.print(t)
        if not report.schedule and report.judged:
            console.print(report.nothing_due)
        if report.sensitivity is not None:
            console.print(escape(report.sensitivity))
        if report.alarms:
            console.print(
                f"[red]{len(report.alarms)} alarm(s)[/] on {sorted({a.joint for a in report.alarms})}"
            )
        if report.warning is not None:
            console.print(f"[yellow]warning:[/] {escape(report.warning)}")
        paths = write_schedule(report, out)
        console.print(f"[green]wrote[/] {', '.join(str(p) for p in paths)}")


def _live_maintenance(
    config: Path | None,
    session_config: Path | None,
    duration: float | None,
    *,
    walking: bool = False,
    predictions: bool = False,
) -> MaintenanceReport:
    """Run a HealthMonitor on the live joint states (the bridge's twin) until Ctrl-C or duration;
    the twin's predictions are off unless ``predictions``. SIGTERM stops it like Ctrl-C."""
    from .maintenance import HealthMonitor, load_maintenance_config, monitored_joints

    session = _live_session(session_config, predictions=predictions)
    mcfg = None
    if config is not None or walking:
        mcfg = load_maintenance_config(config, monitored_joints(session.model))
        mcfg = mcfg.for_walking() if walking else mcfg
    monitor = HealthMonitor(
        session.model,
        mcfg,
        options=session.options,
        timestep=session.twin.config.timestep,
        feet=session.twin.config.feet,
    )
    bridge = session.bridge
    bridge.add_listener(monitor)
    stop = _stop_on_sigterm()
    bridge.start()
    console.print("monitoring joint health on the live robot; Ctrl-C stops and writes the schedule")
    try:
        stop.wait(duration)
    except KeyboardInterrupt:
        pass
    finally:
        bridge.stop()
    return monitor.report()


_NO_ROBOT_HINT = 5.0
"""[s] a running twin that has heard no joint state this long says where it listens (topic, domain)."""


def _host_port(host: str, port: int | None) -> str:
    """``host:port`` as a URL would write it (IPv6 in brackets); '—' without a port."""
    if port is None:
        return "—"
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"


def _no_robot(bridge: TwinBridge, option: str, within: str = "") -> str:
    """Where a bridge listened in vain (for how long: ``within``), and what to do (``option``: the CLI
    option naming the session TOML)."""
    configured = bridge.config.ros.domain_id
    domain = str(configured) if configured is not None else os.environ.get("ROS_DOMAIN_ID", "0")
    return (
        f"no joint states arrived on {bridge.config.topics.joint_states!r}{within} (ROS_DOMAIN_ID={domain}): "
        f"start the robot (or `humanoid-twin emulate`) on that domain, or name its topic in {option} "
        "[topics] joint_states"
    )


def _recorded_session(
    session_config: Path | None,
) -> tuple[RobotModel | None, ImportOptions | None, BridgeConfig | None, TwinConfig]:
    """The robot, its import options ([robot.options]), the topics and the twin settings (its foot
    frames) ``session_config`` gives for a recording (without one: the bundled humanoid, its standing
    options, the default topics and twin)."""
    from .twin import TwinConfig

    if session_config is None:
        return None, None, None, TwinConfig()
    from .session import load_robot, load_session_config

    session = load_session_config(session_config)
    robot, options = load_robot(session.robot, source=session.source)
    return robot, options, session.bridge, session.twin


def _live_session(
    session_config: Path | None,
    *,
    predictions: bool = False,
    record: Path | None = None,
    metrics: bool = True,
) -> Session:
    """The session (robot, twin, bridge) of ``session_config`` on the live ROS 2 graph (loopback unless the
    config names a domain), not started, recording to ``record``; the twin's predictions off unless
    ``predictions``; no Prometheus endpoint unless ``metrics`` (a what-if is not a service)."""
    import dataclasses

    from .ros.config import BridgeConfig
    from .session import ensure_local_ros, load_session_config, open_session

    cfg = load_session_config(session_config)
    if cfg.bridge is None or cfg.bridge.ros.domain_id is None:
        ensure_local_ros()
    if not predictions or not metrics:
        bridge = cfg.bridge or BridgeConfig()
        if not predictions:
            bridge = bridge.with_overrides(rates={"prediction": 0.0})
        if not metrics:
            bridge = bridge.with_overrides(prometheus={"enabled": False})
        cfg = dataclasses.replace(cfg, bridge=bridge)
    return open_session(cfg, record=record)


@contextlib.contextmanager
def _live(table: Table) -> Iterator[Live]:
    """A live-updating status table; piped (not a terminal), its last frame gets the newline rich
    leaves out, so what follows (stopping, the summary) starts on a line of its own."""
    from rich.live import Live

    try:
        with Live(table, console=console, refresh_per_second=2) as live:
            yield live
    finally:
        if not console.is_terminal:
            console.line()


def _writable_folder(folder: Path, option: str) -> None:
    """Check that a file can be written in ``folder`` before a long run whose result would otherwise be
    lost at the end (one-line error naming ``option`` if not). Folders made for the check are removed
    again: a run that fails later leaves nothing behind."""
    from ._files import temp_beside

    made: list[Path] = []
    try:
        for f in reversed((folder, *folder.parents)):
            if not f.exists():
                f.mkdir()
                made.append(f)
        temp_beside(folder / "probe").unlink()
    except OSError as err:
        why = err.strerror or str(err)
        _fail(f"{option} {str(folder)!r}: cannot write there ({why}); give a writable folder", 2)
    finally:
        for f in reversed(made):
            with contextlib.suppress(OSError):
                f.rmdir()


def _stop_on_sigterm(*, sigint: bool = False) -> threading.Event:
    """An event set by SIGTERM (a service manager's stop): long-running commands end as on Ctrl-C.
    With ``sigint`` the first Ctrl-C sets it too (the command ends normally, with its summary) and
    a second one interrupts at once."""
    import signal
    import threading

    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    if sigint:

        def on_sigint(signum: int, frame: object) -> None:
            if stop.is_set():
                raise KeyboardInterrupt
            stop.set()

        signal.signal(signal.SIGINT, on_sigint)
    return stop


# ------------------------------------------------------------------ errors


def _given(ctx: typer.Context, name: str) -> bool:
    """Whether the option ``name`` was given on the command line (not left at its default); by the
    source's name, as typer may bring its own copy of click."""
    source = ctx.get_parameter_source(name)
    return source is not None and source.name == "COMMANDLINE"


@contextlib.contextmanager
def _flags() -> Iterator[None]:
    """Name an :class:`ImportOptions` field in an error by its command-line flag (``--drive-type``)."""
    try:
        yield
    except ConfigError as err:
        name, _, rest = str(err).partition(" ")
        if name not in ImportOptions.__dataclass_fields__:
            raise
        raise ConfigError(f"--{name.replace('_', '-')} {rest}") from err


class _errors:
    """Turn library errors into one line and an exit code (a traceback only under --debug)."""

    def __enter__(self) -> None:
        return None

    def __exit__(
        self, et: type[BaseException] | None, ev: BaseException | None, tb: object
    ) -> Literal[False]:
        if ev is None or isinstance(ev, typer.Exit | typer.Abort | KeyboardInterrupt | SystemExit):
            return False
        if _State.debug:
            return False
        if isinstance(ev, TwinError):
            _fail(str(ev))
        if isinstance(ev, OSError):
            _fail(f"{ev.filename or ''}: {ev.strerror or ev}".lstrip(": "))
        _fail(f"internal error {type(ev).__name__}: {ev} (rerun with --debug for the traceback)", 3)


def main() -> None:
    """Console entry point."""
    try:
        app()
    except KeyboardInterrupt:
        err_console.print("[yellow]interrupted[/]")
        sys.exit(130)


if __name__ == "__main__":
    main()
