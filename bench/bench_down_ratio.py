#!/usr/bin/env python3
"""What every down.sql adds to ``check``: trigger.dev with and without them, in CPU time.

    python bench/bench_down_ratio.py [--repeat 10] [--history DIR] [--tree SERVER_DIR ...]
                                     [--out FILE]

Copies the history (trigger.dev, 820 migrations, by default) twice to a temporary folder,
lets ``generate`` write every down.sql into one copy, then times ``check --no-cache --format
json --fail-on never`` on both, in fresh processes, interleaved: each round runs every
``--tree`` on the copy without down.sql, then on the copy with them, so a change in the
machine's load falls on all of them alike. Reported per tree: the best user CPU time (from
``os.wait4``) and the best wall-clock time of ``--repeat`` rounds, and their ratios with /
without (issue 11's target: at most 1.5). The load average is printed before and after.

``--tree`` names a ``server`` folder of some checkout, put first on ``PYTHONPATH`` (default:
this checkout's). The JSON output of every tree must be byte-identical on each copy; the
script stops if it is not. Standard library only; nothing is written outside a temporary
folder and ``--out``.
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
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
TRIGGER = (
    REPO.parent
    / "shared/corpus/postgresql"
    / "triggerdotdev__trigger.dev--internal-packages-database-prisma-migrations"
)


def run(tree: Path, *args: str) -> tuple[float, float, bytes]:
    """User CPU seconds, wall seconds and stdout of ``prisma_down.cli`` from ``tree``."""
    env = dict(os.environ, PYTHONPATH=str(tree))
    start = time.perf_counter()
    proc = subprocess.Popen(
        [sys.executable, "-m", "prisma_down.cli", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        env=env,
    )
    assert proc.stdout is not None
    out = proc.stdout.read()
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    code = os.waitstatus_to_exitcode(status)
    if code not in (0, 1):
        sys.exit(f"prisma-down {' '.join(args)} from {tree} failed ({code})")
    return usage.ru_utime, wall, out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--repeat", type=int, default=10)
    ap.add_argument("--history", type=Path, default=TRIGGER)
    ap.add_argument("--tree", type=Path, action="append", default=[])
    ap.add_argument("--out", type=Path)
    args = ap.parse_args()
    trees = [t.resolve() for t in args.tree] or [REPO / "server"]
    if not args.history.is_dir():
        sys.exit(f"no history at {args.history}")
    with tempfile.TemporaryDirectory(prefix="down-ratio-") as tmp:
        without, with_ = Path(tmp) / "without", Path(tmp) / "with"
        shutil.copytree(args.history, without, ignore=shutil.ignore_patterns("down.sql"))
        shutil.copytree(without, with_)
        run(trees[0], "generate", str(with_))
        downs = len(list(with_.glob("*/down.sql")))
        load_before = os.getloadavg()
        times: dict[tuple[int, str], list[tuple[float, float]]] = {}
        outputs: dict[str, bytes] = {}
        for _ in range(args.repeat):
            for i, tree in enumerate(trees):
                for name, folder in (("without", without), ("with", with_)):
                    user, wall, out = run(
                        tree, "check", str(folder), "--no-cache", "--format", "json",
                        "--fail-on", "never",
                    )  # fmt: skip
                    if outputs.setdefault(name, out) != out:
                        sys.exit(f"check output on the copy {name} down.sql differs: {tree}")
                    times.setdefault((i, name), []).append((user, wall))
        load_after = os.getloadavg()
    print(f"{args.history.name}: {downs} down.sql, best of {args.repeat}, interleaved")
    print(f"load average before {load_before[0]:.2f}, after {load_after[0]:.2f}")
    rows = []
    for i, tree in enumerate(trees):
        best = {
            name: (min(u for u, _ in times[(i, name)]), min(w for _, w in times[(i, name)]))
            for name in ("without", "with")
        }
        (u0, w0), (u1, w1) = best["without"], best["with"]
        row = {
            "tree": str(tree),
            "user_without": round(u0, 3),
            "user_with": round(u1, 3),
            "user_ratio": round(u1 / u0, 3),
            "wall_without": round(w0, 3),
            "wall_with": round(w1, 3),
            "wall_ratio": round(w1 / w0, 3),
        }
        rows.append(row)
        print(
            f"{tree}\n  user {u0:.3f} s -> {u1:.3f} s ({u1 / u0:.2f}x)   "
            f"wall {w0:.3f} s -> {w1:.3f} s ({w1 / w0:.2f}x)   target <= 1.5x: "
            + ("MET" if u1 / u0 <= 1.5 else "NOT MET")
        )
    if args.out:
        args.out.write_text(
            json.dumps(
                {
                    "history": args.history.name,
                    "down_sql": downs,
                    "repeat": args.repeat,
                    "load": [round(load_before[0], 2), round(load_after[0], 2)],
                    "trees": rows,
                },
                indent=2,
            )
            + "\n"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
