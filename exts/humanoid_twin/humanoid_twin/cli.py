"""The ``humanoid-twin`` command line: a thin shell over the library.

This is the only module that prints, sets exit codes or shows progress. Library errors
(:class:`~humanoid_twin.errors.TwinError`) become one red line and exit code 1; ``--debug`` shows the
traceback instead.
"""

from __future__ import annotations

import logging
import math
import sys
from pathlib import Path
from typing import Annotated, NoReturn

import typer
from rich.console import Console
from rich.table import Table
from rich.tree import Tree

from . import __version__
from .errors import DescriptionError, TwinError
from .model import ImportOptions, JointType, RobotModel

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
    err_console.print(f"[bold red]error:[/] {message}", highlight=False, soft_wrap=True)
    raise typer.Exit(code)


@app.callback()
def _main(
    debug: Annotated[bool, typer.Option("--debug", help="Show tracebacks and debug logs.")] = False,
    version: Annotated[bool, typer.Option("--version", help="Print the version and exit.")] = False,
) -> None:
    _State.debug = debug
    logging.basicConfig(
        level=logging.DEBUG if debug else logging.WARNING, format="%(levelname)s %(name)s: %(message)s"
    )
    if version:
        console.print(f"humanoid-twin {__version__}")
        raise typer.Exit(0)


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
    """Read a URDF, xacro or USD file into a RobotModel (CLI helper)."""
    if not path.exists():
        raise DescriptionError("file not found; check the path", file=path)
    suffix = "".join(path.suffixes[-2:]).lower() if path.suffix.lower() == ".xacro" else path.suffix.lower()
    if suffix in (".usd", ".usda", ".usdc", ".usdz"):
        from .usd import read_usd

        return read_usd(path)
    from .urdf import read_urdf

    return read_urdf(path, package_paths=package_paths or ())


# ------------------------------------------------------------------ import


@app.command("import")
def import_cmd(
    robot: Annotated[Path, typer.Argument(help="The robot's URDF (or .xacro, or a USD to re-export).")],
    output: Annotated[Path, typer.Option("--output", "-o", help="The USD file to write (.usda or .usd).")],
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
        bool, typer.Option(help="Let the robot's links collide with each other.")
    ] = ImportOptions.self_collision,
    replace_cylinders_with_capsules: Annotated[
        bool, typer.Option(help="Collider cylinders become capsules.")
    ] = ImportOptions.replace_cylinders_with_capsules,
    drive_type: Annotated[
        str, typer.Option(help="Joint drives: position (PD), velocity (D only) or none.")
    ] = ImportOptions.drive_type,
    drive_stiffness: Annotated[
        float, typer.Option(help="Drive position gain [N·m/rad or N/m].")
    ] = ImportOptions.drive_stiffness,
    drive_damping: Annotated[
        float, typer.Option(help="Drive velocity gain [N·m·s/rad or N·s/m].")
    ] = ImportOptions.drive_damping,
    drive_kind: Annotated[
        str, typer.Option(help="UsdPhysics drive type: force or acceleration.")
    ] = ImportOptions.drive_kind,
    armature: Annotated[float, typer.Option(help="Rotor inertia on actuated joints [kg·m²].")] = (
        ImportOptions.armature
    ),
    density: Annotated[
        float, typer.Option(help="Density for links with geometry but no inertial [kg/m³].")
    ] = ImportOptions.density,
    flat: Annotated[
        bool, typer.Option("--flat", help="Write one file instead of the layered asset.")
    ] = False,
    mjcf: Annotated[
        Path | None, typer.Option("--mjcf", help="Also write the MuJoCo model (MJCF XML) here.")
    ] = None,
) -> None:
    """Convert a URDF into the canonical layered UsdPhysics asset (and optionally MJCF)."""
    with _errors():
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
        from .usd import write_usd

        with console.status(f"writing {output}"):
            asset = write_usd(model, output, options, layered=not flat)
        if mjcf is not None:
            from .physics.mujoco import build_spec

            with console.status(f"writing {mjcf}"):
                spec = build_spec(model, options)
                mjcf.parent.mkdir(parents=True, exist_ok=True)
                mjcf.write_text(spec.to_xml(), encoding="utf-8")
        _print_summary(model, brief=True)
        files = ", ".join(str(f) for f in asset.files)
        console.print(f"[green]wrote[/] {files}")
        if mjcf is not None:
            console.print(f"[green]wrote[/] {mjcf}")


# ------------------------------------------------------------------ inspect


@app.command()
def inspect(
    file: Annotated[Path, typer.Argument(help="A URDF, xacro or USD file.")],
    package_path: PackagePathOpt = None,
    validate: Annotated[
        bool, typer.Option(help="For USD: run every UsdValidation validator and list errors.")
    ] = True,
) -> None:
    """Show a robot: tree of links and joints, masses, limits, DoF, warnings."""
    with _errors():
        model = load_robot(file, package_path)
        _print_tree(model)
        _print_joints(model)
        _print_summary(model, brief=False)
        if validate and file.suffix.lower() in (".usd", ".usda", ".usdc", ".usdz"):
            from .usd import validate_stage

            problems = validate_stage(file)
            if problems:
                console.print(f"[red]{len(problems)} validation error(s):[/]")
                for p in problems:
                    console.print(f"  [red]•[/] {p}", highlight=False)
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
        return f"[bold]{link_name}[/]{tag}"

    tree = Tree(label(model.root.name))
    nodes = {model.root.name: tree}
    for j in model.walk():
        nodes[j.child] = nodes[j.parent].add(f"[cyan]{j.name}[/] ({j.type.value}) → {label(j.child)}")
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
            console.print(f"  [yellow]•[/] {w}", highlight=False)
        if len(shown) < len(model.warnings):
            console.print(f"  … and {len(model.warnings) - len(shown)} more (see `humanoid-twin inspect`)")


# ------------------------------------------------------------------ errors


class _errors:
    """Turn library errors into one line and an exit code (a traceback only under --debug)."""

    def __enter__(self) -> None:
        return None

    def __exit__(self, et: type[BaseException] | None, ev: BaseException | None, tb: object) -> bool:
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
