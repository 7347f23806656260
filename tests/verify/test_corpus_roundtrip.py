"""Every PostgreSQL history of the shared corpus, migration by migration, on a real server.

For each migration: first every state a failed run of migration.sql can leave (nothing
applied, or up to each COMMIT), the generated down.sql from there, compare with the
schema before; then snapshot, apply migration.sql, apply the down.sql, compare, apply
migration.sql again, compare. The figures are printed at the end of the run.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from prisma_down.core.analysis import Analyzer
from prisma_down.core.down import generate
from prisma_down.core.history import load_history
from prisma_down.core.inverse import Risk
from prisma_down.verify.partial import FAILING as PARTIAL_FAILING
from prisma_down.verify.partial import verify_partial_history
from prisma_down.verify.postgres import PostgresServer, apply
from prisma_down.verify.postgres_target import reset_postgres
from prisma_down.verify.snapshot import snapshot
from prisma_down.verify.snapshot_diff import diff
from tests.verify.conftest import require_corpus
from tests.verify.histories import extra_histories

CORPUS = Path(__file__).resolve().parents[2].parent / "shared" / "corpus" / "postgresql"
FIGURES: list[dict[str, object]] = []


def _histories() -> list[Path]:
    """The shared corpus's histories, then those of ``PRISMA_DOWN_EXTRA_CORPUS`` if set."""
    if not CORPUS.is_dir():
        return extra_histories("postgresql")
    shared = (p for p in CORPUS.iterdir() if p.is_dir() and any(p.glob("*/migration.sql")))
    return sorted(shared) + extra_histories("postgresql")


def test_corpus_is_present() -> None:
    require_corpus(CORPUS, _histories())
    assert len(_histories()) >= 10


@pytest.mark.parametrize("history_dir", _histories(), ids=lambda p: p.name[:60])
def test_history_round_trips(pg_server: PostgresServer, history_dir: Path) -> None:
    history = load_history(history_dir)
    analyses = Analyzer().analyse([m.up.text for m in history.migrations])
    items = [
        (m.name, m.up.text, generate(m.name, m.up.text, a, "postgres"))
        for m, a in zip(history.migrations, analyses, strict=True)
    ]
    risks = Counter(
        max((s.risk for s in a.steps), key=lambda r: r.rank, default=Risk.EXACT).value
        for a in analyses
    )
    db = "corpus_" + str(abs(hash(history_dir.name)))
    pg_server.create_database(db)
    try:
        with pg_server.connect(db) as conn:
            verdicts = verify_partial_history(
                conn, items, "postgres", apply, snapshot, diff, reset_postgres
            )
    finally:
        pg_server.drop_database(db)
    status = Counter(v.status for v in verdicts)
    checked = len(verdicts) - status["up-failed"]
    trials = [t for v in verdicts for t in v.trials]
    FIGURES.append(
        {
            "history": history_dir.name,
            "migrations": len(verdicts),
            "restored": status["restored"],
            "checked": checked,
            "up-failed": status["up-failed"],
            "partial-states": len(trials),
            "partial-restored": sum(1 for t in trials if t.status == "restored"),
            "partial-failed": sum(1 for t in trials if t.failed),
            **{f"risk:{k}": v for k, v in risks.items()},
            "failures": [
                f"{v.status} {v.name}: {v.error or '; '.join(v.differences)}"[:300]
                for v in verdicts
                if not v.ok
            ],
        }
    )
    # migration.sql itself may only fail for want of an extension this server lacks
    for v in verdicts:
        if v.status == "up-failed":
            assert "is not available" in (v.error or ""), f"{v.name}: {v.error}"
    assert status["restored"] >= 0.99 * checked, [v for v in verdicts if not v.ok]
    # a partial state may only go wrong where the complete round trip already does
    assert not [v for v in verdicts if v.status in PARTIAL_FAILING], [
        (v.name, v.error, v.differences) for v in verdicts if v.status in PARTIAL_FAILING
    ]


def test_corpus_total(capsys: pytest.CaptureFixture[str]) -> None:
    """Runs after the histories (file order): the 99% bar over all migrations together."""
    if not FIGURES:
        pytest.skip("no history ran")
    restored = sum(int(f["restored"]) for f in FIGURES)  # type: ignore[call-overload]
    checked = sum(int(f["checked"]) for f in FIGURES)  # type: ignore[call-overload]
    assert restored >= 0.99 * checked
    states, back, failed = (
        sum(int(f[k]) for f in FIGURES)  # type: ignore[call-overload]
        for k in ("partial-states", "partial-restored", "partial-failed")
    )
    migrations = sum(int(f["migrations"]) for f in FIGURES)  # type: ignore[call-overload]
    with capsys.disabled():
        print(
            f"\nPostgreSQL corpus, partial states: {migrations} migrations, {states} partial "
            f"states tried, {back} restored, {failed} failed (each failure is listed with "
            "its history in the round-trip table)"
        )
