#!/usr/bin/env python3
"""Snapshot what prisma-down writes and reports on every corpus history, to diff two versions.

    python bench/corpus_snapshot.py OUT [--corpus DIR]

For each history ``<corpus>/<dialect>/<name>`` it copies the history to a temporary folder,
runs ``check --no-cache --format json`` (the down.sql files it has), ``generate``, and
``check`` again (every down.sql now there), and writes under ``OUT/<dialect>/<name>/``:
``check-before.json``, ``generated/<migration>/down.sql`` for every file ``generate`` wrote,
and ``check-after.json``. Paths are made relative to the copy, so two snapshots (say one
run with ``PYTHONPATH=<other checkout>/server``) compare with ``diff -r``. The CLI runs as
``sys.executable -m prisma_down.cli``, so ``PYTHONPATH`` picks the code under test.
Standard library only; the corpus is never written to.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
CORPUS = REPO.parent / "shared" / "corpus"


def cli(*args: str) -> str:
    done = subprocess.run(
        [sys.executable, "-m", "prisma_down.cli", *args], capture_output=True, text=True
    )
    return f"exit {done.returncode}\n{done.stdout}\n--- stderr\n{done.stderr}"


def snapshot(history: Path, out: Path) -> None:
    with tempfile.TemporaryDirectory(prefix="snap-") as tmp:
        copy = Path(tmp) / "h"
        shutil.copytree(history, copy, symlinks=True)
        before = {p for p in copy.rglob("down.sql")}
        out.mkdir(parents=True, exist_ok=True)
        check = ("check", str(copy), "--no-cache", "--format", "json", "--fail-on", "never")
        (out / "check-before.json").write_text(cli(*check).replace(str(copy), "<h>"))
        (out / "generate.txt").write_text(cli("generate", str(copy)).replace(str(copy), "<h>"))
        for p in sorted(copy.rglob("down.sql")):
            if p not in before:
                dest = out / "generated" / p.relative_to(copy)
                dest.parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(p, dest)
        (out / "check-after.json").write_text(cli(*check).replace(str(copy), "<h>"))


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("out", type=Path)
    p.add_argument("--corpus", type=Path, default=CORPUS)
    p.add_argument("--only", help="substring of the histories to snapshot")
    args = p.parse_args()
    for history in sorted(args.corpus.glob("*/*")):
        if not history.is_dir() or (args.only and args.only not in str(history)):
            continue
        rel = history.relative_to(args.corpus)
        print(rel, file=sys.stderr)
        snapshot(history, args.out / rel)


if __name__ == "__main__":
    main()
