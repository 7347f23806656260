"""SQLite round trips on a real SQLite (Python's sqlite3, a file per history).

Every fixture history and every SQLite history of the shared corpus, migration by
migration: snapshot, migration.sql, generated down.sql, compare, migration.sql again,
compare (``verify_history``). The corpus figures are printed at the end of the run. The CLI's
``check`` and ``generate`` run over every corpus history too.
"""

from __future__ import annotations

import shutil
import sqlite3
from collections import Counter
from pathlib import Path

import pytest

from prisma_down.cli import main
from prisma_down.core.analysis import Analyzer
from prisma_down.core.down import generate
from prisma_down.core.history import load_history
from prisma_down.core.inverse import Risk
from prisma_down.verify.roundtrip import verify_history
from prisma_down.verify.sqlite import apply, connect, diff, normalise, snapshot
from tests.core.fixture_cases import load, names
from tests.verify.conftest import require_corpus
from tests.verify.histories import extra_histories

CORPUS = Path(__file__).resolve().parents[2].parent / "shared" / "corpus" / "sqlite"
FIGURES: list[dict[str, object]] = []


def _histories() -> list[Path]:
    """The shared corpus's histories, then those of ``PRISMA_DOWN_EXTRA_CORPUS`` if set."""
    if not CORPUS.is_dir():
        return extra_histories("sqlite")
    shared = (p for p in CORPUS.iterdir() if p.is_dir() and any(p.glob("*/migration.sql")))
    return sorted(shared) + extra_histories("sqlite")


def _corpus_or_skip() -> None:
    require_corpus(CORPUS, _histories())


# -- the snapshot sees what matters ---------------------------------------------------------


def _schema(tmp_path: Path, sql: str) -> object:
    conn = connect(tmp_path / f"{abs(hash(sql))}.db")
    assert apply(conn, sql) is None
    return snapshot(conn)


@pytest.mark.parametrize(
    ("a", "b", "words"),
    [
        ('CREATE TABLE "t" ("a" TEXT, "b" INT)', 'CREATE TABLE "t" ("b" INT, "a" TEXT)', "order"),
        ('CREATE TABLE "t" ("a" TEXT)', 'CREATE TABLE "t" ("a" TEXT NOT NULL)', "not_null"),
        (
            'CREATE TABLE "t" ("a" TEXT DEFAULT 1)',
            'CREATE TABLE "t" ("a" TEXT DEFAULT 2)',
            "default",
        ),
        ('CREATE TABLE "t" ("a" INTEGER PRIMARY KEY)', 'CREATE TABLE "t" ("a" INTEGER)', "pk"),
        (
            'CREATE TABLE "t" ("a" INTEGER PRIMARY KEY AUTOINCREMENT)',
            'CREATE TABLE "t" ("a" INTEGER PRIMARY KEY)',
            "definition",
        ),
        (
            'CREATE TABLE "u" ("id" INT PRIMARY KEY); CREATE TABLE "t" ("a" INT REFERENCES "u" '
            '("id") ON DELETE CASCADE)',
            'CREATE TABLE "u" ("id" INT PRIMARY KEY); CREATE TABLE "t" ("a" INT REFERENCES "u" '
            '("id"))',
            "foreign keys",
        ),
        (
            'CREATE TABLE "t" ("a" INT); CREATE INDEX "i" ON "t"("a")',
            'CREATE TABLE "t" ("a" INT); CREATE UNIQUE INDEX "i" ON "t"("a")',
            "index",
        ),
        ('CREATE TABLE "t" ("a" INT CHECK (a > 0))', 'CREATE TABLE "t" ("a" INT)', "definition"),
    ],
)
def test_snapshot_tells_apart(tmp_path: Path, a: str, b: str, words: str) -> None:
    found = diff(_schema(tmp_path, a), _schema(tmp_path, b))  # type: ignore[arg-type]
    assert found and words in " ".join(found), found


def test_index_differences_read_as_sql_not_python(tmp_path: Path) -> None:
    a = 'CREATE TABLE "t" ("a" INT, "b" INT); CREATE INDEX "i" ON "t"("a")'
    b = 'CREATE TABLE "t" ("a" INT, "b" INT); CREATE UNIQUE INDEX "i" ON "t"("a", "b" DESC)'
    assert diff(_schema(tmp_path, a), _schema(tmp_path, b)) == [  # type: ignore[arg-type]
        'index "i" is CREATE INDEX "i" ON "t"("a") before, '
        'CREATE UNIQUE INDEX "i" ON "t"("a", "b" DESC) after'
    ]
    # the ones SQLite makes for a UNIQUE constraint have no SQL of their own
    c = 'CREATE TABLE "t" ("a" INT, "b" INT, UNIQUE ("a"))'
    d = 'CREATE TABLE "t" ("a" INT, "b" INT, UNIQUE ("a", "b"))'
    found = diff(_schema(tmp_path, c), _schema(tmp_path, d))  # type: ignore[arg-type]
    assert any(
        f == 'index "sqlite_autoindex_t_1" is UNIQUE on "t" ("a") (a UNIQUE constraint\'s) '
        'before, UNIQUE on "t" ("a", "b") (a UNIQUE constraint\'s) after'
        for f in found
    ), found


def test_snapshot_ignores_layout_and_quoting(tmp_path: Path) -> None:
    a = 'CREATE TABLE "t" (\n    "a" TEXT NOT NULL, -- why\n    [b] int\n)'
    b = "create table t (a TEXT not null, `b` INT)"
    assert diff(_schema(tmp_path, a), _schema(tmp_path, b)) == []  # type: ignore[arg-type]
    assert normalise(a) == normalise(b)


def test_a_failing_script_leaves_nothing_behind(tmp_path: Path) -> None:
    conn = connect(tmp_path / "x.db")
    assert apply(conn, 'CREATE TABLE "t" ("a" INT)') is None
    before = snapshot(conn)
    err = apply(conn, 'PRAGMA foreign_keys=OFF; DROP TABLE "t"; INSERT INTO "nope" VALUES (1)')
    assert err is not None and "no such table" in err
    assert diff(before, snapshot(conn)) == []
    assert conn.execute("PRAGMA foreign_keys").fetchone() == (1,)


# -- fixtures ------------------------------------------------------------------------------


@pytest.mark.parametrize("name", names("sqlite"))
def test_fixture_is_restored(tmp_path: Path, name: str) -> None:
    case = load(name, "sqlite")
    conn = connect(tmp_path / "history.db")
    verdicts = verify_history(conn, case.migrations(), apply, snapshot, diff)
    bad = [v for v in verdicts if not v.ok]
    assert not bad, "\n".join(
        f"{v.name}: {v.status} {v.error or ''} {'; '.join(v.differences)}" for v in bad
    )


def test_redefinition_keeps_the_rows(tmp_path: Path) -> None:
    """Data survives a redefinition and its undo: the point of reading it as one change."""
    case = load("redefine_change_type", "sqlite")
    (init, _), (change, _) = [(m.up.text, m) for m in case.history.migrations]
    conn = connect(tmp_path / "rows.db")
    assert apply(conn, init) is None
    conn.execute("INSERT INTO \"User\" (email) VALUES ('a@b.c')")
    conn.execute("INSERT INTO \"Post\" (id, title, views, authorId) VALUES ('p1', 'Hi', 7, 1)")
    assert apply(conn, change) is None
    assert apply(conn, case.downs[-1]) is None
    assert conn.execute('SELECT id, title, views, "authorId" FROM "Post"').fetchall() == [
        ("p1", "Hi", 7, 1)
    ]
    assert conn.execute("PRAGMA foreign_key_check").fetchall() == []


# -- the corpus ----------------------------------------------------------------------------


def test_corpus_is_present() -> None:
    _corpus_or_skip()
    assert sum(len(list(h.glob("*/migration.sql"))) for h in _histories()) >= 100


@pytest.mark.parametrize("history_dir", _histories(), ids=lambda p: p.name[:60])
def test_history_round_trips(tmp_path: Path, history_dir: Path) -> None:
    history = load_history(history_dir, "sqlite")
    analyses = Analyzer("sqlite").analyse([m.up.text for m in history.migrations])
    items = [
        (m.name, m.up.text, generate(m.name, m.up.text, a, "sqlite"))
        for m, a in zip(history.migrations, analyses, strict=True)
    ]
    risks = Counter(
        max((s.risk for s in a.steps), key=lambda r: r.rank, default=Risk.EXACT).value
        for a in analyses
    )
    conn = connect(tmp_path / "history.db")
    try:
        verdicts = verify_history(conn, items, apply, snapshot, diff)
    finally:
        conn.close()
    status = Counter(v.status for v in verdicts)
    checked = len(verdicts) - status["up-failed"]
    FIGURES.append(
        {
            "history": history_dir.name,
            "migrations": len(verdicts),
            "restored": status["restored"],
            "checked": checked,
            "up-failed": status["up-failed"],
            **{f"risk:{k}": v for k, v in risks.items()},
            "failures": [
                f"{v.status} {v.name}: {v.error or '; '.join(v.differences)}"[:300]
                for v in verdicts
                if not v.ok
            ],
        }
    )
    assert status["up-failed"] == 0, [v for v in verdicts if v.status == "up-failed"]
    assert status["restored"] >= 0.99 * checked, [v for v in verdicts if not v.ok]


def test_corpus_total() -> None:
    """Runs after the histories (file order): the 99% bar over all migrations together."""
    if not FIGURES:
        pytest.skip("no history ran")
    restored = sum(int(f["restored"]) for f in FIGURES)  # type: ignore[call-overload]
    checked = sum(int(f["checked"]) for f in FIGURES)  # type: ignore[call-overload]
    assert checked >= 100
    assert restored >= 0.99 * checked


@pytest.mark.parametrize("history_dir", _histories(), ids=lambda p: p.name[:60])
def test_cli_check_and_generate(
    tmp_path: Path, history_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The CLI over a copy of each history: it finishes, writes every down.sql, and the
    down.sql files it wrote replay over the catalog without a down-does-not-restore."""
    project = tmp_path / "prisma" / "migrations"
    shutil.copytree(history_dir, project)
    assert main(["check", str(tmp_path), "--fail-on", "never"]) == 0
    assert main(["generate", str(tmp_path)]) == 0
    migrations = sorted(p for p in project.iterdir() if (p / "migration.sql").is_file())
    assert all((p / "down.sql").is_file() for p in migrations)
    capsys.readouterr()
    assert main(["check", str(tmp_path), "--format", "json", "--fail-on", "never"]) == 0
    out = capsys.readouterr().out
    assert "down-does-not-restore" not in out
    assert "missing-down-sql" not in out


def test_sqlite3_has_drop_column() -> None:
    assert sqlite3.sqlite_version_info >= (3, 35, 0)
