#!/usr/bin/env python3
"""Write every corpus history's down.sql files under one folder, to compare two versions.

    python scripts/corpus_downs.py OUTDIR [--corpus DIR]

writes ``OUTDIR/<provider>/<history>/<migration>/down.sql`` exactly as ``prisma-down
generate`` would write it (the same ``core.down.generate`` on the history's own dialect).
Run it on two versions of the code and ``diff -r`` the folders: a change that is meant to
keep generated files as they are must leave no difference. A migration whose generation
fails gets ``down.sql.error`` instead, holding the one-line reason; a history that cannot
be read gets ``<history>.error``. Prints the number of files written and the time taken.

The corpus is read in place (``../shared/corpus`` from the repository root by default);
nothing is written into it.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
DEFAULT_CORPUS = REPO.parent / "shared" / "corpus"


def _histories(corpus: Path) -> list[tuple[str, Path]]:
    """(provider, history folder) for every folder holding at least one migration.sql."""
    out = []
    for provider in sorted(p for p in corpus.iterdir() if p.is_dir()):
        for history in sorted(h for h in provider.iterdir() if h.is_dir()):
            if any(history.glob("*/migration.sql")):
                out.append((provider.name, history))
    return out


def write_all(corpus: Path, out: Path) -> tuple[int, int]:
    """Generate every down.sql of ``corpus`` under ``out``: (files written, failures)."""
    from prisma_down.core.analysis import Analyzer
    from prisma_down.core.down import generate
    from prisma_down.core.history import load_history

    written = failed = 0
    for provider, folder in _histories(corpus):
        target = out / provider / folder.name
        target.mkdir(parents=True, exist_ok=True)
        try:
            history = load_history(folder)
        except Exception as e:  # recorded; the other histories go on
            (target.parent / f"{folder.name}.error").write_text(f"{type(e).__name__}: {e}\n")
            failed += 1
            continue
        texts = [m.up.text for m in history.migrations]
        analyses = Analyzer(history.dialect).analyse(texts)
        for m, analysis in zip(history.migrations, analyses, strict=True):
            where = target / m.name
            where.mkdir(parents=True, exist_ok=True)
            try:
                text = generate(m.name, m.up.text, analysis, history.dialect)
            except Exception as e:  # recorded; the others go on
                (where / "down.sql.error").write_text(f"{type(e).__name__}: {e}\n")
                failed += 1
                continue
            (where / "down.sql").write_bytes(text.encode("utf-8"))
            written += 1
    return written, failed


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("out", type=Path, help="folder to write the down.sql files under")
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    args = parser.parse_args(argv)
    if not args.corpus.is_dir():
        print(f"corpus_downs: no corpus at {args.corpus}", file=sys.stderr)
        return 2
    started = time.perf_counter()
    written, failed = write_all(args.corpus, args.out)
    took = time.perf_counter() - started
    print(f"{written} down.sql written, {failed} failed, in {took:.1f} s under {args.out}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
