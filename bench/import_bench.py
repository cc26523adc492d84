#!/usr/bin/env python
"""URDF → USD import benchmark: humanoid_twin against NVIDIA's urdf-usd-converter, whole process.

Each conversion is a fresh subprocess (interpreter start-up, imports, read, write), timed by wall clock,
several repeats per file with the two tools interleaved (order alternating each repeat), after one untimed
warm-up run of each so that both read the meshes from the page cache. The ratio is
``median(theirs) / median(ours)``: above 1 means humanoid_twin is faster.

urdf-usd-converter bundles its own OpenUSD (through usd-exchange), which conflicts with usd-core, so it
lives in its own venv, ``bench/.venvs/urdf-usd-converter`` (git-ignored), created here when missing.
Both outputs are then checked in this environment with every validator in ``pxr.UsdValidation``'s
registry, on the stage opened from the root layer (payloads loaded).

Run ``python bench/import_bench.py --help``. Results are written to the terminal (and ``--json OUT``);
``docs/benchmarks.md`` quotes them. Exit status: 0 unless something crashed (a conversion failed, the
peer's venv could not be made); a missed speed target is reported, not an error.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import resource
import shutil
import statistics
import subprocess
import sys
import sysconfig
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

REPO = Path(__file__).resolve().parents[1]
BENCH = REPO / "bench"
PEER_VENV = BENCH / ".venvs" / "urdf-usd-converter"
OURS_VENV = BENCH / ".venvs" / "humanoid-twin"
PEER_SPEC = "urdf-usd-converter"
PEER_SCRIPT = "urdf_usd_converter"
OUT_ROOT = BENCH / "out" / "import"
HUMANOID = REPO / "urdf" / "humanoid.urdf"
QUICK_ICUB = ("iCubGazeboV2_5", "left_hand_mk3")
TARGET = 3.0
"""The issue's target: humanoid_twin at least this many times faster than the peer on every file."""

console = Console(width=None if sys.stdout.isatty() else 130)
err = Console(stderr=True, width=None if sys.stderr.isatty() else 130)


class BenchError(Exception):
    """Something the benchmark cannot go on without (one line, says what to do)."""


# ------------------------------------------------------------------ inputs


@dataclass(frozen=True)
class Case:
    """One URDF to convert, with the folder of each ROS package it references."""

    name: str
    urdf: Path
    packages: dict[str, Path]


_PACKAGE_URI = re.compile(r"""package://([^/"'\s]+)/([^"'\s]+)""")


def package_dirs(urdf: Path) -> dict[str, Path]:
    """Folder of each ``package://NAME/...`` package in ``urdf``, found as ROS tools would without an index.

    A package's folder is the nearest ancestor of the URDF's folder (itself included) under which the
    first path referenced in that package exists.
    """
    first_rel: dict[str, str] = {}
    for m in _PACKAGE_URI.finditer(urdf.read_text(encoding="utf-8", errors="replace")):
        first_rel.setdefault(m.group(1), m.group(2))
    found: dict[str, Path] = {}
    for name, rel in first_rel.items():
        for folder in (urdf.parent.resolve(), *urdf.parent.resolve().parents):
            if (folder / rel).exists():
                found[name] = folder
                break
        else:
            raise BenchError(f"{urdf}: package {name!r} not found above the file (looked for {rel!r})")
    return found


def find_cases(quick: bool, only: Sequence[str]) -> tuple[list[Case], list[str]]:
    """The bundled humanoid, then the icub-models robots (sorted); notes on what was skipped."""
    cases: list[Case] = []
    notes: list[str] = []
    if HUMANOID.is_file():
        cases.append(Case("humanoid", HUMANOID, package_dirs(HUMANOID)))
    else:
        notes.append(f"{HUMANOID.relative_to(REPO)} is missing: the bundled humanoid was skipped")
    try:
        import icub_models
    except ImportError:
        notes.append("icub-models is not installed (pip install icub-models): the iCub set was skipped")
    else:
        names = sorted(icub_models.get_robot_names())
        if quick:
            names = [n for n in QUICK_ICUB if n in names]
        for n in names:
            path = Path(icub_models.get_model_file(n))
            cases.append(Case(n, path, package_dirs(path)))
    if only:
        cases = [c for c in cases if any(o.lower() in c.name.lower() for o in only)]
    return cases, notes


# ------------------------------------------------------------------ the two tools


def _run_quiet(cmd: Sequence[str | Path], **kw: Any) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(c) for c in cmd], capture_output=True, text=True, check=False, **kw)


def _make_venv(venv: Path) -> None:
    r = _run_quiet([sys.executable, "-m", "venv", "--clear", venv])
    if r.returncode != 0:
        raise BenchError(f"python -m venv {venv} failed (exit {r.returncode}): {r.stderr.strip()[-500:]}")


def ensure_peer(venv: Path, spec: str) -> Path:
    """The peer's console script, installing ``spec`` into ``venv`` first if it is not there (idempotent)."""
    script = venv / "bin" / PEER_SCRIPT
    if script.is_file():
        return script
    err.print(f"[bold]creating {venv} and installing {spec} (once)…[/]")
    python = venv / "bin" / "python"
    if not python.is_file():
        _make_venv(venv)
    pip = subprocess.run(
        [str(python), "-m", "pip", "install", "--disable-pip-version-check", spec], check=False
    )
    if pip.returncode != 0 or not script.is_file():
        raise BenchError(
            f"pip install {spec!r} into {venv} failed (exit {pip.returncode}); see pip's output above. "
            f"PyPI must be reachable; delete {venv} and retry, or pass --peer-spec to pin another version"
        )
    return script


_OPENUSD = "'OpenUSD': '.'.join(map(str, Usd.GetVersion()))"


def _versions(python: Path, code: str, broken: str) -> dict[str, str]:
    """What ``code`` prints as JSON in ``python``; ``broken`` (+ its stderr) when it fails."""
    r = _run_quiet([python, "-c", code])
    if r.returncode != 0:
        raise BenchError(f"{broken}: {r.stderr.strip()[-300:]}")
    return dict(json.loads(r.stdout))


def peer_versions(venv: Path) -> dict[str, str]:
    code = (
        "import importlib.metadata as m, json; from pxr import Usd; "
        "print(json.dumps({p: m.version(p) for p in ('urdf-usd-converter', 'usd-exchange', "
        f"'newton-usd-schemas')}} | {{{_OPENUSD}}}))"
    )
    broken = f"the peer's venv {venv} is broken (delete it to rebuild)"
    return _versions(venv / "bin" / "python", code, broken)


def ensure_ours(venv: Path) -> Path:
    """This working tree installed (not editable) with ``[usd]`` in its own clean venv, as the peer is;
    returns its ``humanoid-twin`` script. The package is reinstalled on every run, its dependencies once.

    The bench's own interpreter may carry start-up hooks (``.pth`` files of other packages, 0.03–0.05 s
    on this machine) that a user's venv does not; both tools are timed in a venv of their own.
    """
    python = venv / "bin" / "python"
    script = venv / "bin" / "humanoid-twin"
    if not python.is_file():
        err.print(f"[bold]creating {venv} and installing humanoid-twin[usd] (once)…[/]")
        _make_venv(venv)
    steps = [] if script.is_file() else [[f"{REPO}[usd]"]]
    steps.append(["--no-deps", "--force-reinstall", str(REPO)])
    for extra in steps:
        pip = _run_quiet([python, "-m", "pip", "install", "--quiet", "--disable-pip-version-check", *extra])
        if pip.returncode != 0 or not script.is_file():
            raise BenchError(
                f"pip install {' '.join(extra)} into {venv} failed (exit {pip.returncode}): "
                f"{pip.stderr.strip()[-400:]}; delete {venv} and retry"
            )
    return script


def ours_versions(python: Path) -> dict[str, str]:
    code = (
        "import json, humanoid_twin; from pxr import Usd; print(json.dumps({'humanoid_twin': "
        f"humanoid_twin.__version__, {_OPENUSD}}}))"
    )
    return _versions(python, code, f"{python} cannot import humanoid_twin and pxr")


def ours_cli() -> Path | None:
    """The ``humanoid-twin`` console script of this interpreter if ``humanoid-twin import --help`` works.

    Taken from this interpreter's scripts folder rather than ``PATH``, where a version manager's shim (a
    shell script, ~0.15 s) may stand in front of it and would be timed too.
    """
    script = Path(sysconfig.get_path("scripts")) / "humanoid-twin"
    if not script.is_file():
        found = shutil.which("humanoid-twin")
        if found is None:
            return None
        script = Path(found)
    r = _run_quiet([script, "import", "--help"])
    return script if r.returncode == 0 else None


Command = Callable[[Case, Path], list[str]]


def ours_command(mode: str, venv: Path) -> tuple[str, Command, Path]:
    """How humanoid_twin is run (its CLI in its own venv, this interpreter's CLI, or ``bench/_ours.py``)
    and the interpreter that runs it."""
    python = Path(sys.executable)
    if mode == "venv":
        cli: Path | None = ensure_ours(venv)
        python = venv / "bin" / "python"
    else:
        cli = ours_cli() if mode in ("auto", "cli") else None
    if mode == "cli" and cli is None:
        raise BenchError(
            "`humanoid-twin import --help` does not work here; install the package or use --ours runner"
        )

    def pkg_args(case: Case) -> list[str]:
        # The package's own folder, as the peer gets it (``--package NAME=DIR``).
        return [str(d) for _, d in sorted(case.packages.items())]

    if cli is not None:

        def cli_cmd(case: Case, out: Path) -> list[str]:
            args = [str(cli), "import", str(case.urdf), "-o", str(out / f"{case.name}.usda")]
            for p in pkg_args(case):
                args += ["--package-path", p]
            return args

        label = f"{cli.name} import" + (f" ({venv})" if mode == "venv" else "")
        return label, cli_cmd, python

    def runner_cmd(case: Case, out: Path) -> list[str]:
        return [
            sys.executable,
            str(BENCH / "_ours.py"),
            str(case.urdf),
            str(out / f"{case.name}.usda"),
            *pkg_args(case),
        ]

    return "python bench/_ours.py", runner_cmd, python


def theirs_command(script: Path) -> Command:
    def cmd(case: Case, out: Path) -> list[str]:
        args = [str(script), str(case.urdf), str(out)]
        for name, folder in sorted(case.packages.items()):
            args += ["--package", f"{name}={folder}"]
        return args

    return cmd


def root_layer(tool: str, case: Case, out: Path) -> Path:
    if tool == "ours":
        return out / f"{case.name}.usda"
    found = sorted(p for p in out.iterdir() if p.suffix in (".usda", ".usd", ".usdc"))
    if len(found) != 1:
        raise BenchError(f"urdf-usd-converter wrote {len(found)} top-level USD files in {out}, expected 1")
    return found[0]


# ------------------------------------------------------------------ timing


@dataclass
class Sample:
    wall: float
    """[s] wall clock of the whole subprocess."""
    cpu: float
    """[s] user + system CPU time of the subprocess."""
    stderr: str = ""
    """What the conversion printed on stderr (its warnings)."""


class ConversionFailed(Exception):
    pass


def _env() -> dict[str, str]:
    env = dict(os.environ)
    for var in ("PYTHONPATH", "VIRTUAL_ENV", "ROS_PACKAGE_PATH", "PYTHONSTARTUP"):
        env.pop(var, None)  # neither tool gets hints the other lacks; packages are passed explicitly
    return env


def run_once(cmd: list[str], out: Path, env: dict[str, str]) -> Sample:
    """Run one conversion into a fresh ``out`` folder and time it."""
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir(parents=True)
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    r = subprocess.run(cmd, capture_output=True, text=True, env=env, check=False)
    wall = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if r.returncode != 0:
        tail = (r.stderr.strip() or r.stdout.strip()).splitlines()[-3:]
        raise ConversionFailed(f"exit {r.returncode}: {' | '.join(tail)}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return Sample(wall, cpu, r.stderr)


FLOOR_STEPS = {
    "python -c pass": "pass",
    "+ import pxr (Usd, UsdGeom, UsdPhysics, UsdShade)": "from pxr import Usd, UsdGeom, UsdPhysics, UsdShade",
}
"""What every conversion pays before reading a byte of URDF, measured in each tool's environment."""


def floors(pythons: dict[str, Path], repeat: int, env: dict[str, str]) -> dict[str, dict[str, float]]:
    """Median wall time [s] of each of :data:`FLOOR_STEPS` in each interpreter (interleaved)."""
    samples: dict[str, dict[str, list[float]]] = {t: {k: [] for k in FLOOR_STEPS} for t in pythons}
    for _ in range(repeat + 1):  # the first round warms up and is dropped
        for step, code in FLOOR_STEPS.items():
            for tool, python in pythons.items():
                t0 = time.perf_counter()
                r = subprocess.run([str(python), "-c", code], capture_output=True, env=env, check=False)
                samples[tool][step].append(time.perf_counter() - t0)
                if r.returncode != 0:
                    raise BenchError(f"{python} -c {code!r} failed: {r.stderr.decode()[-300:]}")
    return {t: {k: statistics.median(v[1:]) for k, v in steps.items()} for t, steps in samples.items()}


def warm(
    pythons: dict[str, Path], cases: list[Case], repeat: int, warmup: int, out: Path, env: dict[str, str]
) -> dict[str, dict[str, dict[str, Any]]]:
    """Each tool in one process of its own that loads the tool once and converts every file ``warmup`` +
    ``repeat`` times (``bench/_warm.py``): the conversion alone, as inside Isaac Sim with OpenUSD loaded.
    Returns tool → file → ``{"wall": [s], "cpu": [s]}`` or ``{"error": ...}``."""
    doc = json.dumps(
        [
            {"name": c.name, "urdf": str(c.urdf), "packages": {k: str(v) for k, v in c.packages.items()}}
            for c in cases
        ]
    )
    found: dict[str, dict[str, dict[str, Any]]] = {}
    for tool, python in pythons.items():
        shutil.rmtree(out / "warm" / tool, ignore_errors=True)
        cmd = [str(python), str(BENCH / "_warm.py"), tool, str(repeat), str(warmup), str(out / "warm")]
        r = subprocess.run(cmd, input=doc, capture_output=True, text=True, env=env, check=False)
        if r.returncode != 0:
            raise BenchError(f"bench/_warm.py {tool} failed (exit {r.returncode}): {r.stderr.strip()[-300:]}")
        found[tool] = json.loads(r.stdout)
    return found


def _warm_median(w: dict[str, dict[str, Any]], name: str, key: str = "wall") -> float | None:
    v = w.get(name, {}).get(key)
    return statistics.median(v) if v else None


def warm_table(w: dict[str, dict[str, dict[str, Any]]], cases: list[Case], repeat: int) -> Table:
    t = Table(title=f"URDF → USD inside one warm process (tool loaded), median of {repeat} \\[s]")
    for col in ("file", "ours \\[s]", "theirs \\[s]", "ratio", "CPU ratio"):
        t.add_column(col, justify="left" if col == "file" else "right", no_wrap=True)
    for c in cases:
        o, th = _warm_median(w["ours"], c.name), _warm_median(w["theirs"], c.name)
        oc, tc = _warm_median(w["ours"], c.name, "cpu"), _warm_median(w["theirs"], c.name, "cpu")
        ratio = th / o if o and th else None
        rs = "—" if ratio is None else f"[{'green' if ratio >= TARGET else 'red'}]{ratio:.2f}×[/]"
        cr = "—" if not (oc and tc) else f"{tc / oc:.2f}×"
        t.add_row(c.name, _s(o), _s(th), rs, cr)
    return t


def floor_table(fl: dict[str, dict[str, float]]) -> Table:
    t = Table(title="start-up floor, median \\[s]")
    t.add_column("step")
    for tool in fl:
        t.add_column(tool, justify="right")
    for step in FLOOR_STEPS:
        t.add_row(step, *(f"{fl[tool][step]:.3f}" for tool in fl))
    return t


# ------------------------------------------------------------------ validation


def validate(stage_file: Path) -> dict[str, Any]:
    """Every validator in ``pxr.UsdValidation``'s registry on the stage; counts by type, and what it holds."""
    from pxr import Usd, UsdGeom, UsdPhysics, UsdValidation

    stage = Usd.Stage.Open(str(stage_file), Usd.Stage.LoadAll)
    validators = UsdValidation.ValidationRegistry().GetOrLoadAllValidators()
    problems = UsdValidation.ValidationContext(validators).Validate(stage)
    counts = {"errors": 0, "warnings": 0}
    by_name: dict[str, int] = {}
    first: dict[str, str] = {}
    for p in problems:
        kind = p.GetType()
        if kind == UsdValidation.ValidationErrorType.Error:
            counts["errors"] += 1
        elif kind == UsdValidation.ValidationErrorType.Warn:
            counts["warnings"] += 1
        else:
            continue
        name = p.GetIdentifier()
        by_name[name] = by_name.get(name, 0) + 1
        first.setdefault(name, p.GetErrorAsString()[:300])
    # What the composed stage shows, instance proxies included (prototypes and abstract prims excluded).
    prims = list(stage.Traverse(Usd.TraverseInstanceProxies(Usd.PrimDefaultPredicate)))
    return {
        **counts,
        "by_name": by_name,
        "first_message": first,
        "validators": len(validators),
        "prims": len(prims),
        "rigid_bodies": sum(p.HasAPI(UsdPhysics.RigidBodyAPI) for p in prims),
        "joints": sum(p.IsA(UsdPhysics.Joint) for p in prims),
        "colliders": sum(p.HasAPI(UsdPhysics.CollisionAPI) for p in prims),
        "meshes": sum(p.IsA(UsdGeom.Mesh) for p in prims),
        "bytes": sum(f.stat().st_size for f in stage_file.parent.rglob("*") if f.is_file()),
    }


# ------------------------------------------------------------------ report


@dataclass
class Result:
    case: Case
    ours: list[Sample] = field(default_factory=list)
    theirs: list[Sample] = field(default_factory=list)
    failed: dict[str, str] = field(default_factory=dict)
    checks: dict[str, dict[str, Any]] = field(default_factory=dict)

    def median(self, tool: str) -> float | None:
        s = getattr(self, tool)
        return statistics.median(x.wall for x in s) if s and tool not in self.failed else None

    def best(self, tool: str) -> float | None:
        s = getattr(self, tool)
        return min(x.wall for x in s) if s and tool not in self.failed else None

    @property
    def ratio(self) -> float | None:
        o, t = self.median("ours"), self.median("theirs")
        return t / o if o and t else None

    @property
    def cpu_ratio(self) -> float | None:
        """median CPU time (user + system) of theirs / of ours: less sensitive to a busy machine."""
        if self.failed or not self.ours or not self.theirs:
            return None
        o = statistics.median(x.cpu for x in self.ours)
        t = statistics.median(x.cpu for x in self.theirs)
        return t / o if o > 0 else None

    def warnings(self, tool: str) -> list[str]:
        """The warning lines the tool printed on stderr in its last run (a skipped mesh shows here)."""
        s = getattr(self, tool)
        if not s:
            return []
        return [ln.strip() for ln in s[-1].stderr.splitlines() if re.search(r"warn|fail|error", ln, re.I)]

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.case.name,
            "urdf": str(self.case.urdf),
            "packages": {k: str(v) for k, v in self.case.packages.items()},
            "ours_s": [round(s.wall, 4) for s in self.ours],
            "theirs_s": [round(s.wall, 4) for s in self.theirs],
            "ours_cpu_s": [round(s.cpu, 4) for s in self.ours],
            "theirs_cpu_s": [round(s.cpu, 4) for s in self.theirs],
            "ours_median_s": self.median("ours"),
            "theirs_median_s": self.median("theirs"),
            "ours_best_s": self.best("ours"),
            "theirs_best_s": self.best("theirs"),
            "ratio": self.ratio,
            "cpu_ratio": self.cpu_ratio,
            "failed": self.failed,
            "stderr_warnings": {t: self.warnings(t) for t in ("ours", "theirs")},
            "validation": self.checks,
        }


def _s(v: float | None) -> str:
    return "—" if v is None else f"{v:.3f}"


def _check(c: dict[str, Any] | None) -> str:
    if c is None:
        return "—"
    if "crash" in c:
        return "[red]crash[/]"
    colour = "red" if c["errors"] else "green"
    return f"[{colour}]{c['errors']}[/]" + (f" [dim]+{c['warnings']}w[/]" if c["warnings"] else "")


def table(results: list[Result], repeat: int) -> Table:
    t = Table(title=f"URDF → USD, whole process, median of {repeat} \\[s]")
    for col in ("file", "ours \\[s]", "theirs \\[s]", "ratio", "CPU ratio", "errors ours/theirs"):
        t.add_column(col, justify="left" if col == "file" else "right", no_wrap=True)
    t.add_column("bodies/joints/meshes ours | theirs", justify="right", no_wrap=True)
    for r in results:
        ratio = r.ratio
        rs = "—" if ratio is None else f"[{'green' if ratio >= TARGET else 'red'}]{ratio:.2f}×[/]"
        cr = "—" if r.cpu_ratio is None else f"{r.cpu_ratio:.2f}×"

        def counts(tool: str, r: Result = r) -> str:
            c = r.checks.get(tool)
            return "—" if not c or "crash" in c else f"{c['rigid_bodies']}/{c['joints']}/{c['meshes']}"

        ours = _s(r.median("ours")) if "ours" not in r.failed else "[red]failed[/]"
        theirs = _s(r.median("theirs")) if "theirs" not in r.failed else "[red]failed[/]"
        t.add_row(
            r.case.name,
            ours,
            theirs,
            rs,
            cr,
            f"{_check(r.checks.get('ours'))} / {_check(r.checks.get('theirs'))}",
            f"{counts('ours')} | {counts('theirs')}",
        )
    return t


def machine() -> dict[str, Any]:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem = None
    try:
        mem = round(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30, 1)
    except (ValueError, OSError):
        pass
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "memory_gib": mem,
        "os": platform.platform(),
        "python": platform.python_version(),
    }


# ------------------------------------------------------------------ main


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(
        prog="python bench/import_bench.py",
        description="Time URDF → USD (whole process) for humanoid_twin and NVIDIA's urdf-usd-converter "
        "on the bundled humanoid and the icub-models robots, interleaved in one run, and print the ratio "
        f"(target ≥ {TARGET:g}× on every file).",
    )
    p.add_argument(
        "--repeat", type=int, default=5, help="timed runs per tool and file (default 5; 3 with --quick)"
    )
    p.add_argument("--warmup", type=int, default=1, help="untimed runs per tool and file first (default 1)")
    p.add_argument("--quick", action="store_true", help=f"only the humanoid and {', '.join(QUICK_ICUB)}")
    p.add_argument(
        "--only", action="append", default=[], metavar="NAME", help="files whose name contains NAME"
    )
    p.add_argument("--json", type=Path, metavar="OUT", help="also write the results as JSON here")
    p.add_argument(
        "--ours",
        choices=("venv", "auto", "cli", "runner"),
        default="venv",
        help="run humanoid_twin's CLI installed from this tree in its own clean venv (default, as the peer "
        "runs), this interpreter's CLI, bench/_ours.py (library calls), or this CLI when it works (auto)",
    )
    p.add_argument("--ours-venv", type=Path, default=OURS_VENV, help=f"our venv (default {OURS_VENV})")
    p.add_argument("--peer-venv", type=Path, default=PEER_VENV, help=f"the peer's venv (default {PEER_VENV})")
    p.add_argument(
        "--peer-spec", default=PEER_SPEC, help=f"what pip installs there if missing (default {PEER_SPEC})"
    )
    p.add_argument("--out", type=Path, default=OUT_ROOT, help=f"where outputs go (default {OUT_ROOT})")
    p.add_argument("--no-validate", action="store_true", help="skip the UsdValidation pass")
    p.add_argument(
        "--warm",
        action="store_true",
        help="also time the conversion alone: each tool in one process, loaded once (bench/_warm.py)",
    )
    args = p.parse_args(argv)
    if args.quick and args.repeat == p.get_default("repeat"):
        args.repeat = 3
    if args.repeat < 1 or args.warmup < 0:
        p.error("--repeat must be ≥ 1 and --warmup ≥ 0")
    return args


def bench(args: argparse.Namespace) -> int:
    cases, notes = find_cases(args.quick, args.only)
    for n in notes:
        err.print(f"[yellow]note:[/] {n}")
    if not cases:
        raise BenchError("no URDF to convert (see the notes above)")
    peer = ensure_peer(args.peer_venv, args.peer_spec)
    ours_label, ours_cmd, ours_python = ours_command(args.ours, args.ours_venv)
    theirs_cmd = theirs_command(peer)
    versions = {"ours": ours_versions(ours_python), "theirs": peer_versions(args.peer_venv)}
    err.print(f"ours:   {ours_label}  {versions['ours']}")
    err.print(f"theirs: {peer.name}  {versions['theirs']}")
    env = _env()
    commands = {"ours": ours_cmd, "theirs": theirs_cmd}
    results: list[Result] = []
    for i, case in enumerate(cases, 1):
        res = Result(case)
        outs = {tool: args.out / tool / case.name for tool in commands}
        with err.status(f"[{i}/{len(cases)}] {case.name}"):
            for rep in range(-args.warmup, args.repeat):
                order = ("ours", "theirs") if rep % 2 == 0 else ("theirs", "ours")
                for tool in order:
                    if tool in res.failed:
                        continue
                    try:
                        sample = run_once(commands[tool](case, outs[tool]), outs[tool], env)
                    except ConversionFailed as e:
                        res.failed[tool] = str(e)
                        err.print(f"[red]{case.name}: {tool} failed[/] {e}", highlight=False)
                        continue
                    if rep >= 0:
                        getattr(res, tool).append(sample)
            if not args.no_validate:
                for tool in commands:
                    if tool in res.failed:
                        continue
                    try:
                        res.checks[tool] = validate(root_layer(tool, case, outs[tool]))
                    except Exception as e:  # a stage that cannot even be opened is a result, not a crash
                        res.checks[tool] = {"crash": f"{type(e).__name__}: {e}"}
        results.append(res)
        ours_s, theirs_s = _s(res.median("ours")), _s(res.median("theirs"))
        err.print(f"[{i}/{len(cases)}] {case.name}: ours {ours_s} s, theirs {theirs_s} s", highlight=False)

    console.print(table(results, args.repeat))
    with err.status("start-up floor"):
        fl = floors({"ours": ours_python, "theirs": args.peer_venv / "bin" / "python"}, args.repeat, env)
    console.print(floor_table(fl))
    warm_s: dict[str, dict[str, dict[str, Any]]] | None = None
    if args.warm:
        pythons = {"ours": ours_python, "theirs": args.peer_venv / "bin" / "python"}
        with err.status("warm, in-process"):
            warm_s = warm(pythons, cases, args.repeat, max(args.warmup, 1), args.out, env)
        console.print(warm_table(warm_s, cases, args.repeat))
        for tool, files in warm_s.items():
            for name, v in files.items():
                if "error" in v:
                    console.print(f"[red]{name} {tool} (warm) failed:[/] {v['error']}", highlight=False)
    ratios = [r.ratio for r in results if r.ratio is not None]
    min_ratio = min(ratios) if ratios else None
    if min_ratio is not None:
        worst = min((r for r in results if r.ratio is not None), key=lambda r: r.ratio or 0.0)
        verdict = (
            "[green]holds[/]" if min_ratio >= TARGET and len(ratios) == len(results) else "[red]missed[/]"
        )
        console.print(
            f"minimum ratio {min_ratio:.2f}× ({worst.case.name}); "
            f"target ≥ {TARGET:g}× on every file: {verdict}"
        )
    for r in results:
        for tool, c in r.checks.items():
            if "crash" in c:
                console.print(
                    f"[red]{r.case.name} {tool}: validation crashed:[/] {c['crash']}", highlight=False
                )
            for name, n in c.get("by_name", {}).items():
                console.print(
                    f"[dim]{r.case.name} {tool}:[/] {n}× {c['first_message'][name]}", highlight=False
                )
    for r in results:
        for tool in ("ours", "theirs"):
            w = r.warnings(tool)
            if w:
                console.print(
                    f"[yellow]{r.case.name} {tool} warned {len(w)}×:[/] {w[0][:200]}", highlight=False
                )
    for n in notes:
        console.print(f"[yellow]note:[/] {n}")
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        doc = {
            "date": time.strftime("%Y-%m-%d %H:%M:%S %z"),
            "machine": machine(),
            "versions": versions,
            "ours_command": ours_label,
            "theirs_command": f"{PEER_SCRIPT} URDF OUTDIR --package NAME=DIR",
            "repeat": args.repeat,
            "warmup": args.warmup,
            "target": TARGET,
            "min_ratio": min_ratio,
            "startup_floor_s": fl,
            "warm_s": warm_s,
            "notes": notes,
            "files": [r.to_json() for r in results],
        }
        args.json.write_text(json.dumps(doc, indent=2) + "\n", encoding="utf-8")
        err.print(f"wrote {args.json}")
    return 1 if any(r.failed for r in results) else 0


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    try:
        return bench(args)
    except BenchError as e:
        err.print(f"[bold red]error:[/] {e}", highlight=False)
        return 2
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
