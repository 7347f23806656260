#!/usr/bin/env python3
"""How ``prisma-down check`` grows: with the history's length, and with one migration's size.

    python bench/bench_scale.py [--only trigger,history,tables,columns] [--sizes 500,5000]
                                [--repeat N] [--timeout S] [--out bench/results/scale.json]

* **trigger**: ``check --no-cache`` on trigger.dev (820 migrations) as it is, and on a copy
  where ``generate`` wrote every down.sql; the ratio must stay under 1.5.
* **history**: synthetic histories (``bench/synth_history.py history N``), every down.sql
  generated first; seconds and peak RSS of ``check --no-cache`` for each N. 5,000 must take
  under 10x the 500 time and under 400 MB.
* **tables** / **models** / **columns**: one migration of N ``CREATE TABLE`` (100k is 20 MB),
  of N Prisma models (tables, then unique indexes, then foreign keys), or of N ``ADD COLUMN``
  on one table; ``check --no-cache`` seconds and peak RSS.

Each command runs in a fresh process (``sys.executable -m prisma_down.cli``, so
``PYTHONPATH`` picks the code measured), best wall-clock of ``--repeat``; peak RSS is the
child's ``ru_maxrss`` from ``os.wait4``. A run past ``--timeout`` is killed and reported
as such. Standard library only; nothing is written outside a temporary folder and ``--out``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
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
SYNTH = REPO / "bench" / "synth_history.py"


def cli(*args: str) -> list[str]:
    return [sys.executable, "-m", "prisma_down.cli", *args]


def run(cmd: list[str], timeout: float) -> tuple[float, float, int | None]:
    """Seconds, peak RSS in MB, exit code (None: killed at the timeout)."""
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = start + timeout
    while True:
        pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
        if pid:
            break
        if time.perf_counter() > deadline:
            proc.kill()
            _, status, usage = os.wait4(proc.pid, 0)
            return time.perf_counter() - start, usage.ru_maxrss / 1024, None
        time.sleep(0.01)
    seconds = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode not in (0, 1):
        err = proc.stderr.read().decode() if proc.stderr else ""
        sys.exit(f"{' '.join(cmd)} failed ({proc.returncode}): {err[-2000:]}")
    return seconds, usage.ru_maxrss / 1024, proc.returncode


def best(cmd: list[str], repeat: int, timeout: float) -> dict[str, object]:
    runs = [run(cmd, timeout) for _ in range(repeat)]
    killed = [r for r in runs if r[2] is None]
    if killed:
        return {"seconds": None, "timeout": timeout, "peak_rss_mb": round(killed[0][1], 1)}
    seconds, rss, _ = min(runs)
    return {"seconds": round(seconds, 3), "peak_rss_mb": round(rss, 1)}


def check(folder: Path) -> list[str]:
    return cli("check", str(folder), "--no-cache", "--format", "json", "--fail-on", "never")


def generate(folder: Path) -> None:
    subprocess.run(cli("generate", str(folder)), check=True, capture_output=True)


def synth(kind: str, n: int, folder: Path) -> None:
    subprocess.run([sys.executable, str(SYNTH), kind, str(n), str(folder)], check=True)


def bench_trigger(tmp: Path, repeat: int, timeout: float) -> dict[str, object]:
    copy = tmp / "trigger"
    shutil.copytree(TRIGGER, copy)
    without = best(check(copy), repeat, timeout)
    generate(copy)
    with_downs = best(check(copy), repeat, timeout)
    ratio = None
    if without["seconds"] and with_downs["seconds"]:
        ratio = round(float(with_downs["seconds"]) / float(without["seconds"]), 2)  # type: ignore[arg-type]
    return {"without_down": without, "with_down": with_downs, "ratio": ratio}


def bench_history(tmp: Path, sizes: list[int], repeat: int, timeout: float) -> dict[str, object]:
    out: dict[str, object] = {}
    for n in sizes:
        folder = tmp / f"history{n}"
        synth("history", n, folder)
        generate(folder)
        out[str(n)] = best(check(folder), repeat, timeout)
        print(f"  history {n}: {out[str(n)]}", file=sys.stderr)
        shutil.rmtree(folder)
    return out


def bench_one(
    tmp: Path, kind: str, sizes: list[int], repeat: int, timeout: float
) -> dict[str, object]:
    out: dict[str, object] = {}
    for n in sizes:
        folder = tmp / f"{kind}{n}"
        synth(kind, n, folder)
        size = sum(p.stat().st_size for p in folder.rglob("migration.sql"))
        out[str(n)] = {"mb": round(size / 1e6, 1), **best(check(folder), repeat, timeout)}
        print(f"  {kind} {n}: {out[str(n)]}", file=sys.stderr)
        shutil.rmtree(folder)
    return out


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--only", default="trigger,history,tables,models,columns")
    p.add_argument("--sizes", default="500,1000,2000,5000", help="history lengths")
    p.add_argument("--tables", default="8000,100000,123000")
    p.add_argument("--columns", default="450000")
    p.add_argument("--models", default="8000")
    p.add_argument("--repeat", type=int, default=1)
    p.add_argument("--timeout", type=float, default=600)
    p.add_argument("--out", type=Path, default=REPO / "bench" / "results" / "scale.json")
    args = p.parse_args()
    only = set(args.only.split(","))
    ints = lambda s: [int(x) for x in s.split(",") if x]  # noqa: E731
    result: dict[str, object] = {
        "machine": {
            "nproc": os.cpu_count(),
            "python": platform.python_version(),
            "load": os.getloadavg(),
            "date": time.strftime("%Y-%m-%d %H:%M"),
        }
    }
    with tempfile.TemporaryDirectory(prefix="bench-scale-") as name:
        tmp = Path(name)
        if "trigger" in only:
            result["trigger"] = bench_trigger(tmp, args.repeat, args.timeout)
            print(f"trigger.dev: {result['trigger']}", file=sys.stderr)
        if "history" in only:
            result["history"] = bench_history(tmp, ints(args.sizes), args.repeat, args.timeout)
        if "tables" in only:
            result["tables"] = bench_one(tmp, "tables", ints(args.tables), 1, args.timeout)
        if "models" in only:
            result["models"] = bench_one(tmp, "models", ints(args.models), 1, args.timeout)
        if "columns" in only:
            result["columns"] = bench_one(tmp, "columns", ints(args.columns), 1, args.timeout)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
