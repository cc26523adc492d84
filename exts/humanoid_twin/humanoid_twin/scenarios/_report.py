"""The report of a scenario run: PNG plots (matplotlib, Agg), one self-contained HTML page (plots
embedded as base64), ``result.json``. The output folder is written atomically: everything goes into a
hidden temporary sibling folder that is renamed to the output folder at the end, so a failure leaves
nothing half-written."""

from __future__ import annotations

import base64
import dataclasses
import html
import json
import math
import os
import shutil
import uuid
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import ConfigError, DependencyError
from ._config import ScenarioConfig
from ._results import ScenarioResult, VariantResult, comparison_rows

__all__ = ["check_out_dir", "write_report"]

REPORT_NAME = "report.html"
RESULT_NAME = "result.json"


def check_out_dir(path: Path) -> Path:
    """``path`` if it can become the output folder (absent, or an empty folder); missing parent
    folders are made when the report is written.

    Raises:
        ConfigError: it is a file, a non-empty folder, or a file stands where a parent folder would.
    """
    if path.exists() and not path.is_dir():
        raise ConfigError(f"output folder {str(path)!r} is a file; choose another --out")
    if path.exists() and any(path.iterdir()):
        raise ConfigError(
            f"output folder {str(path)!r} exists and is not empty; choose another --out or remove it"
        )
    above = path.absolute().parent
    while not above.exists():
        above = above.parent
    if not above.is_dir():
        raise ConfigError(f"output folder {str(path)!r}: {str(above)!r} is a file, not a folder")
    return path


def _pyplot() -> Any:
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError as err:
        raise DependencyError.missing("matplotlib", "report") from err
    return plt


def _plots(result: ScenarioResult, folder: Path) -> list[Path]:
    plt = _pyplot()
    out: list[Path] = []
    runs = result.all

    def save(fig: Any, name: str) -> None:
        p = folder / name
        fig.tight_layout()
        fig.savefig(p, dpi=90)
        plt.close(fig)
        out.append(p)

    fig, axes = plt.subplots(2, 1, figsize=(8, 6), sharex=True)
    for v in runs:
        s = v.series
        axes[0].plot(s.times, s.support_margin * 100, label=v.name)
        axes[1].plot(s.times, s.base_height, label=v.name)
        if v.fell and v.fall_time is not None:
            for ax in axes:
                ax.axvline(v.fall_time, color="red", lw=0.8, ls=":")
    axes[0].axhline(0.0, color="k", lw=0.6)
    axes[0].set_ylabel("support margin [cm]")
    axes[1].set_ylabel("root height above feet [m]")
    axes[1].set_xlabel("time since fork [s]")
    axes[0].legend(fontsize=7, loc="best")
    axes[0].set_title(f"{result.name}: balance")
    save(fig, "balance.png")

    joints = list(result.baseline.torque_ratio)
    fig, ax = plt.subplots(figsize=(9, 4))
    width = 0.8 / max(1, len(runs))
    x = np.arange(len(joints))
    for i, v in enumerate(runs):
        ax.bar(x + i * width, [v.torque_ratio.get(j, math.nan) for j in joints], width, label=v.name)
    ax.axhline(1.0, color="red", lw=0.8)
    ax.set_xticks(x + 0.4 - width / 2, joints, rotation=70, fontsize=7)
    ax.set_ylabel("peak |torque| / limit")
    ax.legend(fontsize=7)
    ax.set_title("peak joint torque against the limit")
    save(fig, "torque.png")

    fig, ax = plt.subplots(figsize=(6, 5))
    for v in runs:
        xy = v.series.base_xy
        ax.plot(xy[:, 0], xy[:, 1], label=v.name)
    ax.set_xlabel("x [m]")
    ax.set_ylabel("y [m]")
    ax.set_aspect("equal", adjustable="datalim")
    ax.legend(fontsize=7)
    ax.set_title("root path (top view)")
    save(fig, "path.png")
    return out


def _json_value(v: Any) -> Any:
    if isinstance(v, float) and not math.isfinite(v):
        return None
    if isinstance(v, dict):
        return {k: _json_value(x) for k, x in v.items()}
    if isinstance(v, list | tuple):
        return [_json_value(x) for x in v]
    if isinstance(v, Path):
        return str(v)
    return v


def _variant_json(v: VariantResult) -> dict[str, Any]:
    d = {f.name: getattr(v, f.name) for f in dataclasses.fields(v) if f.name not in ("series", "reach")}
    d["torque_ratio"] = dict(v.torque_ratio)
    d["velocity_ratio"] = dict(v.velocity_ratio)
    d["changes"] = dict(v.changes)
    if v.reach is not None:
        d["reach"] = dataclasses.asdict(v.reach)
        d["reach"]["posture"] = dict(v.reach.posture)
    return _json_value(d)  # type: ignore[no-any-return]


def _html(result: ScenarioResult, cfg: ScenarioConfig, plots: list[Path]) -> str:
    rows = comparison_rows(result, cfg.measures.report)
    cols = list(rows[0])
    e = html.escape
    head = "".join(f"<th>{e(c)}</th>" for c in cols)
    body = "".join("<tr>" + "".join(f"<td>{e(r.get(c, ''))}</td>" for c in cols) + "</tr>" for r in rows)
    changes = "".join(
        f"<li><b>{e(v.name)}</b>: <code>{e(json.dumps(_json_value(dict(v.changes))))}</code></li>"
        for v in result.variants
    )
    imgs = "".join(
        f'<figure><img alt="{e(p.stem)}" src="data:image/png;base64,'
        f'{base64.b64encode(p.read_bytes()).decode("ascii")}"/><figcaption>{e(p.stem)}</figcaption></figure>'
        for p in plots
    )
    postures = ""
    if result.kind == "reach":
        items = []
        for v in result.all:
            if v.reach is None:
                continue
            angles = ", ".join(f"{k} {val:+.2f}" for k, val in v.reach.posture.items())
            items.append(
                f"<li><b>{e(v.name)}</b> ({e(v.reach.reason or 'reachable')}): "
                f"<small>{e(angles)}</small></li>"
            )
        postures = "<h2>Postures [rad]</h2><ul>" + "".join(items) + "</ul>"
    return (
        "<!DOCTYPE html><html><head><meta charset='utf-8'>"
        f"<title>{e(result.name)}</title><style>"
        "body{font-family:sans-serif;margin:2em;max-width:75em}table{border-collapse:collapse}"
        "td,th{border:1px solid #bbb;padding:.3em .6em;font-size:.9em}th{background:#eee}"
        "img{max-width:100%}figure{margin:1em 0}</style></head><body>"
        f"<h1>{e(result.name)}</h1><p><i>{e(result.question)}</i></p>"
        f"<p><b>Answer:</b> {e(result.answer())}</p>"
        + (f"<p><b>Warning:</b> {e(result.warning)}</p>" if result.warning else "")
        + f"<p>Forked from <code>{e(result.source)}</code>; {len(result.variants)} variant(s) and the "
        f"baseline simulated {result.baseline.duration:.2f} s each in one batch.</p>"
        f"<h2>Comparison with the baseline</h2><table><tr>{head}</tr>{body}</table>"
        f"<h2>Variants</h2><ul>{changes or '<li>none</li>'}</ul>{postures}"
        f"<h2>Plots</h2>{imgs}</body></html>"
    )


def write_report(result: ScenarioResult, cfg: ScenarioConfig, out: Path) -> ScenarioResult:
    """Write the plots, ``report.html`` and ``result.json`` to ``out`` atomically; the result with paths.

    Raises:
        ConfigError: the folder cannot be written.
        DependencyError: matplotlib is missing (``pip install 'humanoid-twin[report]'``).
    """
    check_out_dir(out)
    tmp = out.parent / f".{out.name}.tmp-{uuid.uuid4().hex[:8]}"
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        tmp.mkdir()
        plots = _plots(result, tmp)
        final_plots = tuple(out / p.name for p in plots)
        final = dataclasses.replace(result, out_dir=out, report=out / REPORT_NAME, plots=final_plots)
        (tmp / REPORT_NAME).write_text(_html(final, cfg, plots), encoding="utf-8")
        doc = {
            "name": result.name,
            "question": result.question,
            "kind": result.kind,
            "source": result.source,
            "answer": result.answer(),
            "warning": result.warning,
            "variants": [_variant_json(v) for v in result.all],
        }
        (tmp / RESULT_NAME).write_text(json.dumps(doc, indent=2, allow_nan=False), encoding="utf-8")
        if out.exists():
            out.rmdir()  # empty, checked above
        os.replace(tmp, out)
    except OSError as err:
        raise ConfigError(f"cannot write the report to {str(out)!r}: {err.strerror or err}") from err
    finally:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)
    return final
