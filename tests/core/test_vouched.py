"""A down.sql generate vouched for is trusted by check, and only while nothing changed.

``generate`` replays each file it writes and stamps those whose replay adds no finding
(``lint.vouch``); ``analyse_history`` then skips their replay. The findings must be exactly
those of the full replay (``trust=False``, ``check --recheck``): on every fixture history
here, and (``tests/cli/test_corpus_self_check.py``) on the corpus. Tampering with anything
the verdict depends on (the file's text, its header, an earlier migration.sql, the order,
the engine, the dialect) brings the full replay back, and with it the finding.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path

import pytest

from prisma_down.core import down as down_module
from prisma_down.core.analysis import Analyzer, analyse_ups, replay
from prisma_down.core.compare import differences
from prisma_down.core.down import generate, read_header, vouches
from prisma_down.core.escape import UnsafeSQL
from prisma_down.core.findings import Finding
from prisma_down.core.history import History, load_history
from prisma_down.core.lint import analyse_history, chained, run_rules, vouch
from prisma_down.core.rules.context import MigrationContext
from tests.core.fixture_cases import FIXTURES, names
from tests.core.test_rules import write_history

INIT = (
    'CREATE TABLE "User" (\n    "id" INTEGER NOT NULL,\n    "bio" TEXT,\n'
    '    CONSTRAINT "User_pkey" PRIMARY KEY ("id")\n);\n'
)
NARROW = 'ALTER TABLE "User" ALTER COLUMN "bio" SET DATA TYPE VARCHAR(10);\n'
WIDEN = 'ALTER TABLE "User" ALTER COLUMN "bio" SET DATA TYPE VARCHAR(20);\n'
DROP = 'ALTER TABLE "User" DROP COLUMN "bio";\n'
NOT_RESTORED = "down-does-not-restore"


def stamped_downs(history: History) -> dict[Path, str]:
    """What ``generate`` writes for every migration of ``history``, by down.sql path."""
    analyzer = Analyzer(history.dialect)
    ups = analyse_ups(history, analyzer)
    out = {}
    for entry, chain in zip(ups, analyzer.chain([u.up_text for u in ups]), strict=True):
        if entry.migration.up.error is not None:
            continue
        try:
            text = generate(entry.migration.name, entry.up_text, entry.up, history.dialect)
        except UnsafeSQL:
            continue
        out[entry.down_path] = vouch(text, entry, chain, analyzer)
    return out


def contexts(
    history: History, overrides: Mapping[Path, str] | None = None, trust: bool = True
) -> list[MigrationContext]:
    return analyse_history(history, Analyzer(history.dialect), overrides, trust=trust)


def both(
    history: History, overrides: Mapping[Path, str] | None = None
) -> tuple[list[Finding], list[Finding], list[MigrationContext]]:
    """Findings of the full replay, of the trusting one, and the trusting contexts."""
    trusting = contexts(history, overrides)
    trusted = run_rules(trusting)
    return run_rules(contexts(history, overrides, trust=False)), trusted, trusting


def write(tmp_path: Path, ups: Mapping[str, str]) -> Path:
    """A history on disk with every down.sql as generate writes it."""
    root = write_history(tmp_path, ups)
    for path, text in stamped_downs(load_history(root)).items():
        path.write_text(text, encoding="utf-8", newline="")
    return root


def vouched(root: Path, dialect: str | None = None) -> dict[str, bool]:
    return {c.migration.name: c.vouched for c in contexts(load_history(root, dialect))}


def lint(root: Path) -> list[Finding]:
    """The trusting check, asserted equal to the full replay."""
    full, trusted, _ = both(load_history(root))
    assert trusted == full
    return trusted


def verdict(text: str) -> str | None:
    header = read_header(text)
    assert header is not None
    return header.restores


def restores(findings: list[Finding], migration: str) -> bool:
    return not [f for f in findings if f.rule == NOT_RESTORED and f.migration == migration]


# -- the full path and the trusting path agree --------------------------------------------

CASES = [(d.name, n) for d in sorted(FIXTURES.iterdir()) if d.is_dir() for n in names(d.name)]


@pytest.mark.parametrize(("dialect", "name"), CASES, ids=[f"{d}/{n}" for d, n in CASES])
def test_trusting_check_finds_what_the_full_replay_finds(dialect: str, name: str) -> None:
    history = load_history(FIXTURES / dialect / name / "history", dialect)
    downs = stamped_downs(history)
    full, trusted, trusting = both(history, downs)
    assert trusted == full
    for ctx in trusting:
        text = downs.get(ctx.down_path)
        assert text is not None
        assert ctx.vouched == (verdict(text) is not None)
        if ctx.vouched:
            assert "down" not in ctx.__dict__, "a vouched down.sql was replayed"


def test_fixtures_are_vouched_for() -> None:
    """Not a vacuous comparison: nearly every generated file of the fixtures is trusted."""
    seen = trusted = 0
    for dialect, name in CASES:
        history = load_history(FIXTURES / dialect / name / "history", dialect)
        for ctx in contexts(history, stamped_downs(history)):
            seen += 1
            trusted += ctx.vouched
    assert seen > 300
    assert trusted >= 0.9 * seen, (trusted, seen)


def test_a_vouched_file_is_replayed_when_asked(tmp_path: Path) -> None:
    """The language server's links and lenses still get its statements: replayed on demand."""
    root = write(tmp_path, {"1_init": INIT, "2_drop": DROP})
    ctx = contexts(load_history(root))[-1]
    assert ctx.vouched and "down" not in ctx.__dict__
    assert ctx.down is not None and ctx.down_text is not None
    again = replay(ctx.down_text, "postgres", ctx.up.after, inverses=False)
    assert [s.statement.text for s in ctx.down.steps] == [s.statement.text for s in again.steps]
    assert differences(ctx.up.before, ctx.down.after) == []


# -- what generate stamps ------------------------------------------------------------------


def test_only_a_file_whose_replay_restores_is_stamped(tmp_path: Path) -> None:
    root = write_history(tmp_path, {"1_init": INIT, "2_drop": DROP})
    history = load_history(root)
    analyzer = Analyzer("postgres")
    ups = analyse_ups(history, analyzer)
    chain = analyzer.chain([u.up_text for u in ups])[-1]
    text = generate("2_drop", DROP, ups[-1].up, "postgres")
    assert verdict(vouch(text, ups[-1], chain, analyzer)) is not None
    wrong = text.replace('"bio" TEXT', '"bio" INTEGER')
    assert wrong != text
    assert vouch(wrong, ups[-1], chain, analyzer) == wrong  # replayed: does not restore
    unreadable = text.replace("COMMIT;", "COMMIT; SELECT 'never closed;")
    assert vouch(unreadable, ups[-1], chain, analyzer) == unreadable


# -- tampering brings the full replay back ---------------------------------------------------


def test_an_untouched_history_is_trusted(tmp_path: Path) -> None:
    root = write(tmp_path, {"1_init": INIT, "2_narrow": NARROW, "3_drop": DROP})
    assert vouched(root) == {"1_init": True, "2_narrow": True, "3_drop": True}
    assert [f for f in lint(root) if f.path.name == "down.sql"] == []


def test_an_edited_body_is_replayed(tmp_path: Path) -> None:
    root = write(tmp_path, {"1_init": INIT, "2_drop": DROP})
    path = root / "2_drop" / "down.sql"
    text = path.read_text()
    path.write_text(text.replace('"bio" TEXT', '"bio" INTEGER'), newline="")
    assert vouched(root)["2_drop"] is False
    assert not restores(lint(root), "2_drop")


def test_a_header_line_a_person_added_is_replayed(tmp_path: Path) -> None:
    """The body's own hash still matches: the verdict covers every character of the file."""
    root = write(tmp_path, {"1_init": INIT, "2_drop": DROP})
    path = root / "2_drop" / "down.sql"
    path.write_text('DROP TABLE "User";\n' + path.read_text(), newline="")
    assert vouched(root)["2_drop"] is False
    assert not restores(lint(root), "2_drop")


def test_an_earlier_migration_edited_is_replayed(tmp_path: Path) -> None:
    root = write(tmp_path, {"1_init": INIT, "2_drop": DROP})
    (root / "1_init" / "migration.sql").write_text(INIT.replace("TEXT", "VARCHAR(10)"))
    assert vouched(root) == {"1_init": False, "2_drop": False}
    assert not restores(lint(root), "2_drop")  # bio comes back TEXT, was VARCHAR(10)


def test_its_own_migration_edited_is_replayed(tmp_path: Path) -> None:
    root = write(tmp_path, {"1_init": INIT, "2_drop": DROP})
    (root / "2_drop" / "migration.sql").write_text(DROP + NARROW.replace('"bio"', '"id"'))
    assert vouched(root)["2_drop"] is False
    found = lint(root)
    assert {f.rule for f in found if f.migration == "2_drop"} >= {"stale-down-sql", NOT_RESTORED}


def test_a_migration_inserted_before_is_replayed(tmp_path: Path) -> None:
    root = write(tmp_path, {"1_init": INIT, "3_drop": DROP})
    (root / "2_narrow").mkdir()
    (root / "2_narrow" / "migration.sql").write_text(NARROW)
    assert vouched(root) == {"1_init": True, "2_narrow": False, "3_drop": False}
    assert not restores(lint(root), "3_drop")  # bio comes back TEXT, was VARCHAR(10)


def test_a_migration_removed_before_is_replayed(tmp_path: Path) -> None:
    root = write(tmp_path, {"1_init": INIT, "2_narrow": NARROW, "3_drop": DROP})
    (root / "2_narrow" / "migration.sql").unlink()
    (root / "2_narrow" / "down.sql").unlink()
    (root / "2_narrow").rmdir()
    assert vouched(root) == {"1_init": True, "3_drop": False}
    assert not restores(lint(root), "3_drop")  # bio comes back VARCHAR(10), was TEXT


def test_migrations_reordered_are_replayed(tmp_path: Path) -> None:
    root = write(tmp_path, {"1_init": INIT, "2_narrow": NARROW, "3_widen": WIDEN})
    (root / "3_widen").rename(root / "1a_widen")  # now applied before 2_narrow
    assert vouched(root) == {"1_init": True, "1a_widen": False, "2_narrow": False}
    found = lint(root)
    assert not restores(found, "1a_widen")  # back to VARCHAR(10), was TEXT
    assert not restores(found, "2_narrow")  # back to TEXT, was VARCHAR(20)


def test_another_engine_build_is_replayed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = write(tmp_path, {"1_init": INIT, "2_drop": DROP})
    path = root / "2_drop" / "down.sql"
    # what a build that judged wrongly would have written: a file that does not restore,
    # stamped with that build's verdict
    unstamped = re.sub(r" restores sha256=[0-9a-f]{64}", "", path.read_text())
    wrong = unstamped.replace('"bio" TEXT', '"bio" INTEGER')
    chain = Analyzer("postgres").chain([INIT, DROP])[-1]
    monkeypatch.setattr(down_module, "engine", lambda: "another build of prisma-down")
    path.write_text(down_module.stamped(wrong, chain, "postgres"), newline="")
    assert vouched(root)["2_drop"] is True  # that build trusts it
    monkeypatch.undo()
    assert vouched(root)["2_drop"] is False  # this one does not
    assert not restores(lint(root), "2_drop")


def test_the_engine_fingerprint_names_the_version(monkeypatch: pytest.MonkeyPatch) -> None:
    now = down_module.engine.__wrapped__()
    assert now == down_module.engine()
    monkeypatch.setattr(down_module, "__version__", "99.0.0")
    assert down_module.engine.__wrapped__() != now


def test_another_dialect_is_replayed(tmp_path: Path) -> None:
    root = write(tmp_path, {"1_init": INIT, "2_drop": DROP})
    assert vouched(root, "cockroachdb") == {"1_init": False, "2_drop": False}
    text = (root / "2_drop" / "down.sql").read_text()
    chain = Analyzer("postgres").chain([INIT, DROP])[-1]
    assert vouches(text, chain, "postgres") and not vouches(text, chain, "cockroachdb")


def test_recheck_replays_every_file(tmp_path: Path) -> None:
    root = write(tmp_path, {"1_init": INIT, "2_drop": DROP})
    for ctx in contexts(load_history(root), trust=False):
        assert not ctx.vouched and ctx.replayed is not None


# -- suppressions still work -----------------------------------------------------------------


def test_an_ignore_comment_added_by_a_person_is_honoured(tmp_path: Path) -> None:
    root = write(tmp_path, {"1_init": INIT, "2_drop": DROP})
    path = root / "2_drop" / "down.sql"
    broken = path.read_text().replace('"bio" TEXT', '"bio" INTEGER')
    path.write_text(broken, newline="")
    assert not restores(lint(root), "2_drop")
    path.write_text(f"-- prisma-down-ignore-file {NOT_RESTORED}\n" + broken, newline="")
    assert vouched(root)["2_drop"] is False
    assert restores(lint(root), "2_drop")


def test_an_ignore_comment_in_a_migration_is_honoured(tmp_path: Path) -> None:
    root = write(tmp_path, {"1_init": INIT, "2_drop": f"-- prisma-down-ignore\n{DROP}"})
    assert vouched(root)["2_drop"] is True
    assert [f for f in lint(root) if f.migration == "2_drop"] == []


def test_a_context_knows_its_chain_and_the_one_before(tmp_path: Path) -> None:
    """What a quick fix needs to stamp the down.sql of a migration.sql it rewrites."""
    root = write(tmp_path, {"1_init": INIT, "2_narrow": NARROW, "3_drop": DROP})
    found = contexts(load_history(root))
    chains = Analyzer("postgres").chain([INIT, NARROW, DROP])
    assert [c.chain for c in found] == chains
    assert [c.chain_before for c in found] == ["postgres", *chains[:-1]]
    assert all(chained(c.chain_before, c.up_text) == c.chain for c in found)
