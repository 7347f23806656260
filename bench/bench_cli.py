#!/usr/bin/env python3
"""Benchmark the prisma-down CLI against squawk on the shared PostgreSQL corpus.

Run from the repository root with the project's virtualenv active:

    python bench/bench_cli.py [--corpus DIR] [--repeat N] [--out bench/results/cli.json]

For every PostgreSQL migration history in the corpus it times, best of N
wall-clock runs in fresh processes,

* ``prisma-down check <history> --format json --fail-on never``
* ``squawk --reporter json --assume-in-transaction <every migration.sql>``

and records the number of findings of each tool (total and per rule).  It then
times ``prisma-down generate <trigger.dev history> --stdout`` (output to
/dev/null).  Standard library only.
"""

from __future__ import annotations

import argparse
import collections
import datetime
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
DEFAULT_CORPUS = REPO.parent / "shared" / "corpus" / "postgresql"
GENERATE_HISTORY = "triggerdotdev__trigger.dev--internal-packages-database-prisma-migrations"
LANGFUSE_HISTORY = "langfuse__langfuse--packages-shared-prisma-migrations"
# Prisma sends each migration.sql to PostgreSQL as one multi-statement query,
# which PostgreSQL runs as one implicit transaction (this is why
# CREATE INDEX CONCURRENTLY fails in Prisma migrations that hold other
# statements).  So squawk is told each file runs inside a transaction.
SQUAWK_FLAGS = ["--reporter", "json", "--assume-in-transaction"]


def prisma_down_cmd() -> list[str]:
    script = Path(sys.executable).with_name("prisma-down")
    if script.exists():
        return [str(script)]
    return [sys.executable, "-m", "prisma_down.cli"]


def squawk_cmd() -> list[str]:
    found = Path(sys.executable).with_name("squawk")
    if found.exists():
        return [str(found)]
    which = shutil.which("squawk")
    if not which:
        sys.exit("squawk not found: install squawk-cli in this environment")
    return [which]


def run_best(
    cmd: list[str], repeat: int, stdout=subprocess.PIPE
) -> tuple[float, subprocess.CompletedProcess]:
    """Best wall-clock time of `repeat` fresh runs; returns (seconds, last result)."""
    best = float("inf")
    result = None
    for _ in range(repeat):
        start = time.perf_counter()
        result = subprocess.run(cmd, stdout=stdout, stderr=subprocess.PIPE, text=True)
        elapsed = time.perf_counter() - start
        best = min(best, elapsed)
    assert result is not None
    return best, result


def version(cmd: list[str]) -> str:
    out = subprocess.run([*cmd, "--version"], capture_output=True, text=True)
    return (out.stdout or out.stderr).strip()


def count_rules(findings: list[dict], key: str) -> dict[str, int]:
    counter = collections.Counter(str(f.get(key, "?")) for f in findings)
    return dict(sorted(counter.items(), key=lambda kv: (-kv[1], kv[0])))


def parse_json_list(text: str, tool: str, stderr: str) -> list[dict]:
    text = text.strip()
    if not text:
        return []
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise SystemExit(f"{tool}: output is not JSON ({exc}); stderr:\n{stderr[:2000]}") from None
    if isinstance(data, dict):  # tolerate a {"findings": [...]}-style wrapper
        for value in data.values():
            if isinstance(value, list):
                return value
        return []
    return data


def bench_history(history: Path, repeat: int, pd: list[str], sq: list[str]) -> dict | None:
    migration_files = sorted(history.glob("*/migration.sql"))
    if not migration_files:
        return None
    down_files = sorted(history.glob("*/down.sql"))

    # Cold: --no-cache, the engine reads everything. Cached: an unchanged project (one
    # warm-up run stores the results; the timed runs read them). Both are reported.
    pd_cmd = [*pd, "check", str(history), "--format", "json", "--fail-on", "never", "--no-cache"]
    pd_secs, pd_res = run_best(pd_cmd, repeat)
    cached_cmd = pd_cmd[:-1]
    with tempfile.TemporaryDirectory() as cache_home:
        os.environ["XDG_CACHE_HOME"] = cache_home
        try:
            run_best(cached_cmd, 1)
            cached_secs, cached_res = run_best(cached_cmd, repeat)
        finally:
            del os.environ["XDG_CACHE_HOME"]
    if cached_res.stdout != pd_res.stdout:
        raise SystemExit(f"cached check differs from a fresh one on {history.name}")
    if pd_res.returncode != 0:
        raise SystemExit(
            f"prisma-down check failed on {history.name} "
            f"(exit {pd_res.returncode}):\n{pd_res.stderr[:2000]}"
        )
    pd_findings = parse_json_list(pd_res.stdout, "prisma-down", pd_res.stderr)

    sq_cmd = sq + SQUAWK_FLAGS + [str(p) for p in migration_files]
    sq_secs, sq_res = run_best(sq_cmd, repeat)
    # squawk exits 1 when it reports violations; anything else with no JSON is a failure.
    if sq_res.returncode not in (0, 1):
        raise SystemExit(
            f"squawk failed on {history.name} (exit {sq_res.returncode}):\n{sq_res.stderr[:2000]}"
        )
    sq_findings = parse_json_list(sq_res.stdout, "squawk", sq_res.stderr)

    return {
        "history": history.name,
        "migrations": len(migration_files),
        "files": len(migration_files) + len(down_files),
        "down_sql_files": len(down_files),
        "prisma_down_seconds": round(pd_secs, 4),
        "squawk_seconds": round(sq_secs, 4),
        "ratio": round(pd_secs / sq_secs, 2) if sq_secs else None,
        "prisma_down_cached_seconds": round(cached_secs, 4),
        "cached_ratio": round(cached_secs / sq_secs, 2) if sq_secs else None,
        "prisma_down_findings": len(pd_findings),
        "prisma_down_findings_by_rule": count_rules(pd_findings, "rule"),
        "squawk_findings": len(sq_findings),
        "squawk_findings_by_rule": count_rules(sq_findings, "rule_name"),
        "squawk_exit_code": sq_res.returncode,
    }


def short(name: str, width: int = 44) -> str:
    return name if len(name) <= width else name[: width - 1] + "…"


def print_table(rows: list[dict], total: dict) -> None:
    header = (
        f"{'history':<44} {'migr':>5} {'files':>5} {'p-down s':>9} {'squawk s':>9} "
        f"{'ratio':>6} {'cached s':>9} {'ratio':>6} {'p-down #':>8} {'squawk #':>8}"
    )
    print(header)
    print("-" * len(header))
    for r in [*rows, total]:
        ratio = f"{r['ratio']:.2f}" if r["ratio"] is not None else "-"
        cached = r.get("prisma_down_cached_seconds")
        cached_s = f"{cached:>9.3f}" if cached is not None else f"{'-':>9}"
        cratio = f"{r['cached_ratio']:.2f}" if r.get("cached_ratio") is not None else "-"
        print(
            f"{short(r['history']):<44} {r['migrations']:>5} {r['files']:>5} "
            f"{r['prisma_down_seconds']:>9.3f} {r['squawk_seconds']:>9.3f} {ratio:>6} "
            f"{cached_s} {cratio:>6} "
            f"{r['prisma_down_findings']:>8} {r['squawk_findings']:>8}"
        )
        if r is rows[-1]:
            print("-" * len(header))


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument(
        "--corpus",
        type=Path,
        default=DEFAULT_CORPUS,
        help=f"folder of PostgreSQL histories (default: {DEFAULT_CORPUS})",
    )
    ap.add_argument(
        "--repeat", type=int, default=3, help="runs per command, best is kept (default: 3)"
    )
    ap.add_argument(
        "--out",
        type=Path,
        default=REPO / "bench" / "results" / "cli.json",
        help="JSON results file (default: bench/results/cli.json)",
    )
    args = ap.parse_args()
    if args.repeat < 1:
        ap.error("--repeat must be >= 1")
    corpus = args.corpus.resolve()
    if not corpus.is_dir():
        ap.error(f"corpus folder not found: {corpus}")

    pd, sq = prisma_down_cmd(), squawk_cmd()
    machine = {
        "nproc": os.cpu_count(),
        "python": platform.python_version(),
        "platform": platform.platform(),
        "prisma_down": version(pd),
        "squawk": version(sq),
        "prisma_down_cmd": " ".join(pd),
        "squawk_flags": " ".join(SQUAWK_FLAGS),
        "repeat": args.repeat,
        "date": datetime.date.today().isoformat(),
    }
    print(
        f"machine: nproc={machine['nproc']}  python {machine['python']}  "
        f"{machine['prisma_down']}  {machine['squawk']}  ({machine['platform']})"
    )
    print(f"corpus: {corpus}   best of {args.repeat} wall-clock runs, fresh processes")
    print(
        f"prisma-down check <history> --format json --fail-on never   vs   "
        f"squawk {' '.join(SQUAWK_FLAGS)} <*/migration.sql>\n"
    )

    rows = []
    for history in sorted(p for p in corpus.iterdir() if p.is_dir()):
        row = bench_history(history, args.repeat, pd, sq)
        if row is None:
            print(f"(skipped {history.name}: no */migration.sql)", file=sys.stderr)
            continue
        rows.append(row)

    pd_total = sum(r["prisma_down_seconds"] for r in rows)
    sq_total = sum(r["squawk_seconds"] for r in rows)
    total = {
        "history": "TOTAL",
        "migrations": sum(r["migrations"] for r in rows),
        "files": sum(r["files"] for r in rows),
        "prisma_down_seconds": round(pd_total, 4),
        "squawk_seconds": round(sq_total, 4),
        "ratio": round(pd_total / sq_total, 2) if sq_total else None,
        "prisma_down_cached_seconds": round(sum(r["prisma_down_cached_seconds"] for r in rows), 4),
        "cached_ratio": round(sum(r["prisma_down_cached_seconds"] for r in rows) / sq_total, 2)
        if sq_total
        else None,
        "prisma_down_findings": sum(r["prisma_down_findings"] for r in rows),
        "squawk_findings": sum(r["squawk_findings"] for r in rows),
    }
    print_table(rows, total)

    # Findings per rule, summed over the corpus.
    for tool, key in (
        ("prisma-down", "prisma_down_findings_by_rule"),
        ("squawk", "squawk_findings_by_rule"),
    ):
        counter: collections.Counter = collections.Counter()
        for r in rows:
            counter.update(r[key])
        total[key] = dict(counter.most_common())
        print(f"\n{tool} findings by rule (whole corpus):")
        for rule, n in counter.most_common():
            print(f"  {n:>6}  {rule}")

    target = None
    langfuse = next((r for r in rows if r["history"] == LANGFUSE_HISTORY), None)
    if langfuse:
        target = {
            "history": LANGFUSE_HISTORY,
            "migrations": langfuse["migrations"],
            "ratio": langfuse["ratio"],
            "cached_ratio": langfuse["cached_ratio"],
            "target_ratio": 2.0,
            "met": langfuse["ratio"] is not None and langfuse["ratio"] <= 2.0,
            "met_cached": langfuse["cached_ratio"] is not None and langfuse["cached_ratio"] <= 2.0,
        }
        print(
            f"\ntarget: langfuse ({langfuse['migrations']} migrations) prisma-down/squawk = "
            f"{langfuse['ratio']:.2f}x cold (target <= 2x: "
            f"{'MET' if target['met'] else 'NOT MET'}), {langfuse['cached_ratio']:.2f}x cached "
            f"({'MET' if target['met_cached'] else 'NOT MET'})"
        )

    generate = None
    gen_history = corpus / GENERATE_HISTORY
    if gen_history.is_dir():
        migrations = len(list(gen_history.glob("*/migration.sql")))
        with open(os.devnull, "w") as devnull:
            secs, res = run_best(
                [*pd, "generate", str(gen_history), "--stdout"], args.repeat, stdout=devnull
            )
        if res.returncode != 0:
            print(
                f"prisma-down generate exited {res.returncode}:\n{res.stderr[:2000]}",
                file=sys.stderr,
            )
        generate = {
            "history": GENERATE_HISTORY,
            "migrations": migrations,
            "seconds": round(secs, 4),
            "migrations_per_second": round(migrations / secs, 1),
            "exit_code": res.returncode,
        }
        print(
            f"\ngenerate --stdout on trigger.dev ({migrations} migrations): {secs:.3f} s best of "
            f"{args.repeat}, {migrations / secs:.0f} migrations/s"
        )
    else:
        print(f"\n(generate benchmark skipped: {gen_history} not found)", file=sys.stderr)

    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(
        json.dumps(
            {
                "machine": machine,
                "histories": rows,
                "total": total,
                "langfuse_target": target,
                "generate": generate,
            },
            indent=2,
        )
        + "\n"
    )
    print(f"\nwrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
