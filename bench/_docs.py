"""Write one bench's section into docs/benchmarks.md without touching the other sections."""

from __future__ import annotations

from pathlib import Path

DOC = Path(__file__).resolve().parents[1] / "docs" / "benchmarks.md"


def write_section(heading: str, body: str) -> Path:
    """Replace the ``## heading`` section of docs/benchmarks.md (up to the next ``## ``) or append it.

    The file is re-read right before writing so concurrent writers of other sections are kept.
    """
    text = DOC.read_text(encoding="utf-8") if DOC.exists() else "# Benchmarks\n"
    lines = text.splitlines(keepends=True)
    title = f"## {heading}\n"
    block = title + "\n" + body.rstrip("\n") + "\n\n"
    try:
        start = lines.index(title)
    except ValueError:
        out = text.rstrip("\n") + "\n\n" + block
    else:
        end = next((i for i in range(start + 1, len(lines)) if lines[i].startswith("## ")), len(lines))
        out = "".join(lines[:start]) + block + "".join(lines[end:])
    DOC.write_text(out.rstrip("\n") + "\n", encoding="utf-8")
    return DOC
