"""MySQL down.sql files proven on a real MariaDB: every fixture and every corpus history.

One private server per session (the ``mariadb`` fixture of ``conftest.py``), a database per
history. For each migration: snapshot, migration.sql, the generated down.sql, compare,
migration.sql again, compare (``verify_history``), each script run one statement at a time
as Prisma does for MySQL. Without MariaDB the tests skip locally and fail in CI (env ``CI``
set).
"""

from __future__ import annotations

import uuid
from collections import Counter
from pathlib import Path

import pytest

from prisma_down.cli import main
from prisma_down.core.analysis import Analyzer
from prisma_down.core.down import generate
from prisma_down.core.history import load_history
from prisma_down.core.inverse import Risk
from prisma_down.verify.mariadb import MariaDBServer, apply
from prisma_down.verify.mysql_snapshot import diff, snapshot
from prisma_down.verify.roundtrip import Verdict, verify_history
from tests.core.fixture_cases import load, names
from tests.verify.conftest import require_corpus
from tests.verify.histories import extra_histories

CORPUS = Path(__file__).resolve().parents[2].parent / "shared" / "corpus" / "mysql"
CASES = names("mysql")
FIGURES: list[dict[str, object]] = []

# MySQL 8 functions a corpus migration calls that MariaDB lacks: stand-ins, created in the
# database before the history runs (they are in every snapshot, so they compare equal).
_MYSQL8_STAND_INS = (
    "CREATE FUNCTION IF NOT EXISTS BIN_TO_UUID(b BINARY(16)) RETURNS CHAR(36) DETERMINISTIC "
    "RETURN LOWER(CONCAT_WS('-', HEX(SUBSTR(b, 1, 4)), HEX(SUBSTR(b, 5, 2)), "
    "HEX(SUBSTR(b, 7, 2)), HEX(SUBSTR(b, 9, 2)), HEX(SUBSTR(b, 11, 6))))",
)


def _run(server: MariaDBServer, items: list[tuple[str, str, str]]) -> list[Verdict]:
    name = f"t_{uuid.uuid4().hex[:12]}"
    with server.database(name):
        conn = server.connect(name)
        try:
            with conn.cursor() as cur:
                if "mariadb" in server.version.lower():
                    for sql in _MYSQL8_STAND_INS:
                        cur.execute(sql)
            return verify_history(conn, items, apply, snapshot, diff)
        finally:
            conn.close()


def _explain(verdicts: list[Verdict]) -> str:
    return "\n".join(
        f"{v.name}: {v.status} {v.error or ''} {'; '.join(v.differences)}"
        for v in verdicts
        if not v.ok
    )


@pytest.mark.parametrize("name", CASES)
def test_fixture_is_restored(mariadb: MariaDBServer, name: str) -> None:
    """Every migration of every fixture, not only the last, comes back ``restored``."""
    verdicts = _run(mariadb, load(name, "mysql").migrations())
    assert all(v.ok for v in verdicts), _explain(verdicts)


def _histories() -> list[Path]:
    """The shared corpus's histories, then those of ``PRISMA_DOWN_EXTRA_CORPUS`` if set."""
    if not CORPUS.is_dir():
        return extra_histories("mysql")
    shared = (p for p in CORPUS.iterdir() if p.is_dir() and any(p.glob("*/migration.sql")))
    return sorted(shared) + extra_histories("mysql")


def test_corpus_is_present() -> None:
    require_corpus(CORPUS, _histories())
    assert len(_histories()) >= 2


@pytest.mark.parametrize("history_dir", _histories(), ids=lambda p: p.name[:60])
def test_history_round_trips(mariadb: MariaDBServer, history_dir: Path) -> None:
    history = load_history(history_dir)
    assert history.dialect == "mysql"
    analyses = Analyzer("mysql").analyse([m.up.text for m in history.migrations])
    items = [
        (m.name, m.up.text, generate(m.name, m.up.text, a, "mysql"))
        for m, a in zip(history.migrations, analyses, strict=True)
    ]
    risks = Counter(
        max((s.risk for s in a.steps), key=lambda r: r.rank, default=Risk.EXACT).value
        for a in analyses
    )
    verdicts = _run(mariadb, items)
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
    assert not status["up-failed"], _explain(verdicts)
    assert status["restored"] >= 0.99 * checked, _explain(verdicts)


def test_corpus_total() -> None:
    """Runs after the histories (file order): the 99% bar over all migrations together."""
    if not FIGURES:
        pytest.skip("no history ran")
    restored = sum(int(f["restored"]) for f in FIGURES)  # type: ignore[call-overload]
    checked = sum(int(f["checked"]) for f in FIGURES)  # type: ignore[call-overload]
    assert checked and restored >= 0.99 * checked


@pytest.mark.parametrize("history_dir", _histories(), ids=lambda p: p.name[:60])
def test_cli_over_the_corpus(
    history_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """``check`` and ``generate`` finish without a crash on every MySQL history."""
    copy = tmp_path / history_dir.name
    copy.mkdir()
    for item in history_dir.iterdir():
        if item.is_dir():
            (copy / item.name).mkdir()
            for f in item.iterdir():
                (copy / item.name / f.name).write_bytes(f.read_bytes())
        else:
            (copy / item.name).write_bytes(item.read_bytes())
    assert main(["check", str(copy), "--fail-on", "never"]) == 0
    assert main(["generate", str(copy)]) == 0
    written = sorted(copy.glob("*/down.sql"))
    assert len(written) == len(list(copy.glob("*/migration.sql")))
    assert main(["check", str(copy), "--format", "json", "--fail-on", "never"]) == 0
    out = capsys.readouterr().out
    assert "down-does-not-restore" not in out, out[-2000:]
