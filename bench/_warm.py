"""Time URDF → USD conversions inside one process that has already loaded its tool (used by
``import_bench.py --warm``), as an importer runs inside Isaac Sim with OpenUSD loaded.

Usage: ``python bench/_warm.py {ours|theirs} REPEAT WARMUP OUT_DIR < cases.json`` where cases.json is a
list of ``{"name", "urdf", "packages": {NAME: DIR}}``. Prints ``{name: {"wall": [s...], "cpu": [s...]}}``
as JSON on stdout; a conversion that raises is ``{"error": "..."}`` for that file. Each conversion writes
into a folder of its own (OpenUSD keeps open layers by path within a process); our mesh cache is
cleared before each, so both tools read every mesh every time.
"""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

Convert = Callable[[dict[str, Any], Path], None]


def _ours() -> Convert:
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from _ours import main  # the same library calls the whole-process runner makes

    from humanoid_twin.meshes import clear_mesh_cache

    def convert(case: dict[str, Any], out: Path) -> None:
        clear_mesh_cache()  # every conversion reads its meshes, as the peer's does
        if main([case["urdf"], str(out / f"{case['name']}.usda"), *case["packages"].values()]) != 0:
            raise RuntimeError("bench/_ours.py returned non-zero")

    return convert


def _theirs() -> Convert:
    import usdex.core
    from urdf_usd_converter import Converter

    usdex.core.activateDiagnosticsDelegate()  # as its CLI does: warnings only
    usdex.core.setDiagnosticsLevel(usdex.core.DiagnosticsLevel.eWarning)

    def convert(case: dict[str, Any], out: Path) -> None:
        packages = [{"name": n, "path": p} for n, p in case["packages"].items()]
        if not Converter(ros_packages=packages).convert(Path(case["urdf"]), out):
            raise RuntimeError("Converter.convert returned nothing")

    return convert


def main(argv: list[str]) -> int:
    if len(argv) != 4 or argv[0] not in ("ours", "theirs"):
        sys.stderr.write(__doc__ or "")
        return 2
    tool, repeat, warmup, root = argv[0], int(argv[1]), int(argv[2]), Path(argv[3])
    cases = json.load(sys.stdin)
    convert = _ours() if tool == "ours" else _theirs()
    results: dict[str, dict[str, Any]] = {}
    for case in cases:
        wall: list[float] = []
        cpu: list[float] = []
        try:
            for rep in range(-warmup, repeat):
                out = root / tool / case["name"] / f"run{rep + warmup}"
                out.mkdir(parents=True, exist_ok=True)
                w0, c0 = time.perf_counter(), time.process_time()
                convert(case, out)
                if rep >= 0:
                    wall.append(time.perf_counter() - w0)
                    cpu.append(time.process_time() - c0)
        except Exception as e:  # a failed file is a result for the table, not the end of the run
            results[case["name"]] = {"error": f"{type(e).__name__}: {e}"[:300]}
            continue
        results[case["name"]] = {"wall": wall, "cpu": cpu}
    json.dump(results, sys.stdout)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
