"""Work grows with what a migration does, not with the size of the schema around it.

No clocks: the engine's work is counted as the lines of ``prisma_down.core`` it executes
(``sys.settrace``), which is deterministic. Each test runs the same kind of input at two
sizes; linear work grows by the size factor, the quadratic work these replaced grew by
its square. The figures in seconds are in bench/README.md.
"""

from __future__ import annotations

import importlib.util
import sys
from collections.abc import Callable
from pathlib import Path
from types import FrameType
from typing import Any

from prisma_down import core
from prisma_down.core.analysis import Analyzer, replay
from prisma_down.core.catalog import Catalog
from prisma_down.core.compare import differences
from prisma_down.core.down import generate
from prisma_down.core.history import load_history
from prisma_down.core.lint import analyse_history, run_rules

CORE = str(Path(core.__file__).parent)
BENCH = Path(__file__).parents[2] / "bench" / "synth_history.py"


def work(run: Callable[[], Any]) -> int:
    """Lines of the engine executed by ``run()``."""
    lines = 0

    def local(frame: FrameType, event: str, arg: object) -> Any:
        nonlocal lines
        if event == "line":
            lines += 1
        return local

    def calls(frame: FrameType, event: str, arg: object) -> Any:
        return local if frame.f_code.co_filename.startswith(CORE) else None

    sys.settrace(calls)
    try:
        run()
    finally:
        sys.settrace(None)
    return lines


def synth() -> Any:
    """bench/synth_history.py, the generator the benchmarks use."""
    if "synth_history" not in sys.modules:
        spec = importlib.util.spec_from_file_location("synth_history", BENCH)
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        sys.modules["synth_history"] = module  # dataclasses look their module up
        spec.loader.exec_module(module)
    return sys.modules["synth_history"]


def test_one_migration_of_many_models_is_linear(tmp_path: Path) -> None:
    """Prisma's first migration of a big schema: tables, unique indexes, foreign keys."""
    counts = []
    for n in (100, 400):
        synth().models(n, tmp_path / str(n))
        text = next((tmp_path / str(n)).rglob("migration.sql")).read_text()
        counts.append(work(lambda text=text: replay(text, "postgres", Catalog())))
    assert counts[1] < 4.6 * counts[0], counts  # 4x the models; was 5.6x (a scan per index)


def test_many_columns_added_to_one_table_is_linear(tmp_path: Path) -> None:
    counts = []
    for n in (300, 1200):
        synth().columns(n, tmp_path / str(n))
        text = next((tmp_path / str(n)).rglob("migration.sql")).read_text()
        counts.append(work(lambda text=text: replay(text, "postgres", Catalog())))
    assert counts[1] < 4.8 * counts[0], counts  # was 8x (a scan of the columns per add)


def test_checking_a_history_with_its_down_sql_is_linear(tmp_path: Path) -> None:
    """``check`` of a history where every migration has its generated down.sql."""
    counts = []
    for n in (40, 160):
        folder = tmp_path / str(n)
        synth().history(n, folder, seed=3)
        history = load_history(folder, "postgres")
        analyses = Analyzer("postgres").analyse([m.up.text for m in history.migrations])
        for m, up in zip(history.migrations, analyses, strict=True):
            (m.directory / "down.sql").write_text(generate(m.name, m.up.text, up, "postgres"))
        history = load_history(folder, "postgres")

        def check(history: Any = history) -> None:
            run_rules(analyse_history(history, Analyzer("postgres")))

        counts.append(work(check))
    # 4x the history: 4.7x (a longer history's enums have more columns to restore); was 8.6x
    assert counts[1] < 5.6 * counts[0], counts


def test_comparing_costs_what_the_migration_touched() -> None:
    """Up then down on one table of a schema of 20 tables, then of 400: the same work."""
    counts = []
    for n in (20, 400):
        schema = "".join(
            f'CREATE TABLE "T{i}" ("id" INT PRIMARY KEY, "x" TEXT);\n' for i in range(n)
        )
        before = replay(schema, "postgres", Catalog()).after
        up = replay('ALTER TABLE "T7" ADD COLUMN "y" INT;', "postgres", before)
        down = replay('ALTER TABLE "T7" DROP COLUMN "y";', "postgres", up.after)
        counts.append(work(lambda a=before, b=down.after: differences(a, b)))
    assert counts[1] < 1.5 * counts[0], counts  # was 20x: every table compared


def test_suppression_comments_are_linear(tmp_path: Path) -> None:
    """Every statement with its own ``prisma-down-ignore`` comment."""
    counts = []
    for n in (100, 400):
        folder = tmp_path / str(n) / "001_drops"
        folder.mkdir(parents=True)
        (folder.parent / "migration_lock.toml").write_text('provider = "postgresql"\n')
        columns = ", ".join(f'"c{i}" INT' for i in range(n))
        drops = "".join(
            f'-- prisma-down-ignore drop-without-rename\nALTER TABLE "T" DROP COLUMN "c{i}";\n'
            for i in range(n)
        )
        (folder / "migration.sql").write_text(f'CREATE TABLE "T" ({columns});\n{drops}')
        history = load_history(folder.parent, "postgres")

        def check(history: Any = history) -> None:
            found = run_rules(analyse_history(history, Analyzer("postgres")))
            assert not [f for f in found if f.rule == "drop-without-rename"]

        counts.append(work(check))
    assert counts[1] < 4.6 * counts[0], (
        counts
    )  # was 6.6x: each comment looked for in every statement


def test_generating_a_history_is_linear(tmp_path: Path) -> None:
    """down.sql for every migration of a history (inverses, guards, rendering)."""
    counts = []
    for n in (50, 400):
        synth().history(n, tmp_path / str(n), seed=5)
        history = load_history(tmp_path / str(n), "postgres")

        def run(history: Any = history) -> None:
            analyses = Analyzer("postgres").analyse([m.up.text for m in history.migrations])
            for m, up in zip(history.migrations, analyses, strict=True):
                generate(m.name, m.up.text, up, "postgres")

        counts.append(work(run))
    # 8x the history: 10x (its enums have more columns to restore, as above); was 15.5x
    # (every catalog's tables scanned for temporary ones, every catalog entry per guard)
    assert counts[1] < 12 * counts[0], counts
