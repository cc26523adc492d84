"""Convert one URDF with humanoid_twin's library calls (used by import_bench.py when the CLI is missing).

Usage: ``python bench/_ours.py ROBOT.urdf OUT.usda [PACKAGE_DIR ...]``. Whole process: this is what the
benchmark times, so it imports only what a conversion needs.
"""

from __future__ import annotations

import sys
from pathlib import Path


def main(argv: list[str]) -> int:
    if len(argv) < 2:
        sys.stderr.write(__doc__ or "")
        return 2
    from humanoid_twin.model import ImportOptions
    from humanoid_twin.urdf import read_urdf
    from humanoid_twin.usd import write_usd

    urdf, out = Path(argv[0]), Path(argv[1])
    model = read_urdf(urdf, package_paths=[Path(p) for p in argv[2:]])
    write_usd(model, out, ImportOptions())
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
