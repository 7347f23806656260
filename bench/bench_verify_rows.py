#!/usr/bin/env python3
"""What the rows cost ``verify``: a history with generated rows and with ``--empty``.

    python bench/bench_verify_rows.py [--history DIR ...] [--repeat 1] [--out FILE]
                                      [--only rows|empty]

Copies each history (trigger.dev, 820 migrations, by default) to a temporary folder without
its down.sql files, lets ``generate`` write every down.sql, then times ``verify --format
json`` and ``verify --empty --format json`` on it, in fresh processes, interleaved (rows,
empty, rows, empty ...), so a change in the machine's load falls on both alike. Reported per
history: the best wall-clock time of ``--repeat`` rounds of each, their ratio (issue 13's
target on trigger.dev: at most 2.5), and the statuses each run gave. ``--out`` keeps every
verdict (JSON), so the failures can be read by cause. ``--only`` runs one of the two.

Standard library only; nothing is written outside a temporary folder and ``--out``.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
TRIGGER = (
    REPO.parent
    / "shared/corpus/postgresql"
    / "triggerdotdev__trigger.dev--internal-packages-database-prisma-migrations"
)


def cli(*args: str) -> tuple[float, bytes]:
    """Wall seconds and stdout of ``prisma_down.cli`` from this checkout."""
    env = dict(os.environ, PYTHONPATH=str(REPO / "server"))
    start = time.perf_counter()
    proc = subprocess.run(
        [sys.executable, "-m", "prisma_down.cli", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        env=env,
        check=False,
    )
    wall = time.perf_counter() - start
    if proc.returncode not in (0, 1):
        sys.exit(f"prisma-down {' '.join(args)} failed ({proc.returncode})")
    return wall, proc.stdout


def prepared(history: Path, into: Path) -> Path | None:
    """A copy of ``history`` with a down.sql generated for every migration (None: not a
    migrations folder)."""
    if not any(history.glob("*/migration.sql")):
        return None
    copy = into / history.name
    shutil.copytree(history, copy, ignore=shutil.ignore_patterns("down.sql"))
    cli("generate", str(copy))
    return copy


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--history", type=Path, action="append", default=[])
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--only", choices=("rows", "empty"))
    parser.add_argument("--out", type=Path)
    args = parser.parse_args()
    histories = args.history or [TRIGGER]
    modes = [m for m in ("rows", "empty") if args.only in (None, m)]
    print(f"load average before: {os.getloadavg()}", flush=True)
    kept: dict[str, dict[str, object]] = {}
    with tempfile.TemporaryDirectory(prefix="bench-verify-rows-") as tmp:
        for history in histories:
            copy = prepared(history, Path(tmp))
            if copy is None:
                print(f"{history.name}: no migration.sql below it, left out", flush=True)
                continue
            best: dict[str, float] = {}
            for _ in range(args.repeat):
                for mode in modes:
                    flags = ["--empty"] if mode == "empty" else []
                    wall, out = cli("verify", str(copy), "--format", "json", *flags)
                    best[mode] = min(best.get(mode, wall), wall)
                    verdicts = json.loads(out)
                    kept.setdefault(history.name, {})[mode] = verdicts
            line = f"{history.name}: " + ", ".join(f"{m} {best[m]:.1f}s" for m in modes)
            if len(best) == 2:
                line += f", ratio {best['rows'] / best['empty']:.2f}"
            print(line, flush=True)
            for mode in modes:
                found = kept[history.name][mode]
                assert isinstance(found, list)
                print(f"  {mode}: {dict(Counter(v['status'] for v in found))}", flush=True)
            if args.out is not None:  # after each history: a long run keeps what it measured
                args.out.write_text(json.dumps(kept, indent=1))
    print(f"load average after: {os.getloadavg()}")


if __name__ == "__main__":
    main()
