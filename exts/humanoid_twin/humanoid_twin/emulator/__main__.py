"""``python -m humanoid_twin.emulator --config emu.toml --duration 10``: run the robot emulator.

A process entry point (like the CLI's ``humanoid-twin emulate``): it owns the signals, the exit code
and the one-line error on stderr. SIGINT/SIGTERM stop the emulator cleanly.
"""

from __future__ import annotations

import argparse
import dataclasses
import logging
import signal
import sys
import threading
from collections.abc import Sequence
from pathlib import Path

from ..errors import TwinError
from .config import EmulatorConfig, load_emulator_config


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m humanoid_twin.emulator", description=__doc__)
    parser.add_argument("--config", type=Path, help="emulator TOML (default: nominal robot, 500 Hz)")
    parser.add_argument("--duration", type=float, help="emulator seconds to run (default: until Ctrl-C)")
    parser.add_argument("--speed", type=float, help="emulator seconds per wall second (implies clock = sim)")
    parser.add_argument("--seed", type=int, help="override the config's seed")
    walk = parser.add_mutually_exclusive_group()
    walk.add_argument("--walk", action="store_true", help="walk a closed lap instead of standing")
    walk.add_argument(
        "--walk-straight", action="store_true", help="walk straight ahead for ever (endurance motion)"
    )
    walk.add_argument(
        "--exercise", action="store_true", help="run the maintenance diagnostic routine (feet planted)"
    )
    parser.add_argument("--truth", type=Path, help="override the config's truth_file")
    parser.add_argument("--verbose", "-v", action="store_true", help="log at INFO level")
    args = parser.parse_args(argv)
    logging.getLogger().addHandler(logging.StreamHandler(sys.stderr))
    logging.getLogger().setLevel(logging.INFO if args.verbose else logging.WARNING)

    from .node import run_emulator

    try:
        config = load_emulator_config(args.config) if args.config is not None else EmulatorConfig()
        changes: dict[str, object] = {}
        if args.walk or args.walk_straight or args.exercise:
            changes.update(
                motion="walk" if args.walk else "walk_straight" if args.walk_straight else "exercise"
            )
        if args.speed is not None:
            changes.update(speed=args.speed, clock="sim")
        if args.seed is not None:
            changes.update(seed=args.seed)
        if args.truth is not None:
            changes.update(truth_file=args.truth)
        config = dataclasses.replace(config, **changes)  # type: ignore[arg-type]
        stop = threading.Event()

        def on_signal(signum: int, frame: object) -> None:
            stop.set()

        signal.signal(signal.SIGINT, on_signal)
        signal.signal(signal.SIGTERM, on_signal)
        summary = run_emulator(config, duration=args.duration, stop_event=stop)
    except TwinError as err:
        sys.stderr.write(f"error: {err}\n")
        return 1
    sys.stderr.write(
        f"emulator: {summary.sim_time:.3f} s emulated in {summary.wall_time:.3f} s; "
        f"{summary.published} joint_states published, {summary.dropped} dropped, "
        f"{summary.commands} commands, {summary.rejected} rejected, {summary.overruns} overruns\n"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
