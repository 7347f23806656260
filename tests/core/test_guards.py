"""Guards for half-applied migrations, in the catalog: which states, which guards, read back.

The real engine judges the same down.sql files in ``tests/verify/test_partial_postgres.py``;
here the catalog replays them, as ``prisma-down check`` does, so the two must agree.
"""

from __future__ import annotations

import pytest

from prisma_down.core import changes as ch
from prisma_down.core.analysis import Analyzer, ScriptAnalysis, Step, down_changes, flatten, replay
from prisma_down.core.catalog import Catalog, CatalogError, apply, holds
from prisma_down.core.compare import differences
from prisma_down.core.dialects import get
from prisma_down.core.down import generate
from prisma_down.core.guards import guard, stop_points
from prisma_down.core.guards.facts import _facts, _key
from prisma_down.core.guards.replay import _ended
from prisma_down.core.guards.replay import states_of as _states
from prisma_down.core.inverse import Inverse
from prisma_down.core.read import read_statement
from prisma_down.core.read.do_block import exists_query, guard_of
from prisma_down.core.render import render, render_all
from prisma_down.core.schema import Opaque, QName
from prisma_down.core.statements import split
from tests.core.fixture_cases import body, load, names

USER = (
    'CREATE TABLE "User" (\n    "id" SERIAL NOT NULL,\n    "email" TEXT NOT NULL,\n'
    '    "name" TEXT DEFAULT \'x\',\n    CONSTRAINT "User_pkey" PRIMARY KEY ("id")\n);\n'
)


def analyse(*ups: str, dialect: str = "postgres") -> list[ScriptAnalysis]:
    return Analyzer(dialect=dialect).analyse(list(ups))


def down_body(*ups: str, dialect: str = "postgres") -> str:
    analyses = analyse(*ups, dialect=dialect)
    return body(generate("m", ups[-1], analyses[-1], dialect))


def replays_back(
    analysis: ScriptAnalysis, up: str, down: str, dialect: str
) -> dict[int, list[str]]:
    """What the catalog finds wrong after each partial state of ``up`` and then ``down``.

    down.sql is read back from its text, as ``check`` reads it: renderer and reader meet.
    """
    texts = [st.text for st in split(up, dialect).statements]
    out: dict[int, list[str]] = {}
    for k in stop_points(texts, dialect):
        part = replay("".join(t + ";\n" for t in texts[:k]), dialect, analysis.before)
        back = replay(down, dialect, part.after)
        wrong = [p for s in back.steps for p in s.problems]
        wrong += [p for s in back.steps if s.reading.problem for p in [s.reading.problem]]
        wrong += differences(analysis.before, back.after)
        if wrong:
            out[k] = wrong
    return out


def partial_differences(
    analysis: ScriptAnalysis, pairs: list[tuple[Step, Inverse]], dialect: str
) -> dict[int, list[str]]:
    """For each partial state ``k``: what down.sql, replayed over the catalog, leaves wrong.

    The judge of ``guard``'s decisions, kept apart from them: a plain replay of each state.
    Errors (a change that does not fit, or that the database refuses for what depends on
    it) and differences from the schema before the migration, in ``core.compare``'s words;
    states restored exactly are left out.
    """
    states = _states(analysis)
    out: dict[int, list[str]] = {}
    for k in stop_points([s.statement.text for s in analysis.steps], dialect):
        cat = _ended(states[k])
        problems: list[str] = []
        for _, inv in pairs:
            for change in flatten(inv.changes, lambda: cat):  # noqa: B023 (read as it goes)
                refused = _blocked(change, cat)
                if refused is not None:
                    problems.append(refused)
                    continue
                try:
                    cat = apply(cat, change)
                except CatalogError as e:
                    problems.append(str(e))
        found = problems + differences(analysis.before, cat)
        if found:
            out[k] = found
    return out


def _blocked(change: ch.Change, cat: Catalog) -> str | None:
    """Why the database would refuse ``change`` in ``cat`` where the catalog lets it pass.

    A foreign key depends on the key and the table it references, an enum column on its
    type; the catalog drops such dependents along, the database stops without CASCADE.
    """
    if isinstance(change, ch.DropConstraint | ch.DropIndex):
        if isinstance(change, ch.DropConstraint):
            if change.cascade:
                return None
            t = cat.tables.get(change.table)
            k = t.constraint(change.name) if t is not None else None
            if t is None or k is None or k.kind not in "pu":
                return None
            table, columns = t.name, set(k.columns)
        else:
            hit = cat.indexes.get(change.name)
            if hit is None or not hit[1].unique:
                return None
            table, columns = hit[0], {e.column or "" for e in hit[1].elements}
        for other, fk in cat.foreign_keys_to(table):
            if set(fk.ref_columns) == columns:
                return f'foreign key "{fk.name}" on "{other.name}" depends on it'
        own = cat.tables[table].constraints
        if any(
            fk.kind == "f" and fk.ref_table == table and set(fk.ref_columns) == columns
            for fk in own
        ):
            return "a foreign key of its own table depends on it"
    elif isinstance(change, ch.DropTable) and not change.cascade:
        for other, fk in cat.foreign_keys_to(change.name):
            return f'foreign key "{fk.name}" on "{other.name}" depends on it'
    elif isinstance(change, ch.DropColumn) and not change.cascade:
        for other, fk in cat.foreign_keys_to(change.table):
            if change.name in fk.ref_columns:
                return f'foreign key "{fk.name}" on "{other.name}" depends on it'
    elif isinstance(change, ch.DropEnum) and cat.enum_columns(change.name):
        return f'columns of type "{change.name.name}" depend on it'
    return None


# -- which partial states ------------------------------------------------------------------


def test_stop_points_postgres_are_nothing_or_up_to_a_commit() -> None:
    texts = [
        'CREATE TABLE "a" ()',
        "BEGIN",
        "CREATE TYPE \"x\" AS ENUM ('a')",
        "COMMIT",
        "SELECT 1",
    ]
    assert stop_points(texts, "postgres") == [0, 4]
    assert stop_points(texts[:4], "postgres") == [0]  # the last COMMIT: nothing can fail after
    assert stop_points([], "postgres") == []


def test_stop_points_mysql_and_sqlite_are_every_prefix() -> None:
    texts = ["CREATE TABLE a (id INT)", "ALTER TABLE a ADD b INT", "DROP TABLE c"]
    assert stop_points(texts, "mysql") == [0, 1, 2]
    assert stop_points(texts, "sqlite") == [0, 1, 2]
    assert stop_points(texts, "tsql") == []
    assert stop_points(texts, "cockroachdb") == []


# -- every fixture, every partial state ------------------------------------------------------


@pytest.mark.parametrize("name", names("postgres"))
def test_every_partial_state_replays_to_the_schema_before(name: str) -> None:
    case = load(name)
    for m, analysis, down in zip(case.history.migrations, case.analyses, case.downs, strict=True):
        pairs = guard(analysis, down_changes(analysis), "postgres")
        assert partial_differences(analysis, pairs, "postgres") == {}, m.name
        assert replays_back(analysis, m.up.text, down, "postgres") == {}, m.name


@pytest.mark.parametrize("name", names("mysql"))
def test_mysql_guards_replay_to_the_schema_before(name: str) -> None:
    """The decision itself, for every MySQL prefix (rendering is core.mysql_guard's)."""
    case = load(name, "mysql")
    for m, analysis in zip(case.history.migrations, case.analyses, strict=True):
        pairs = guard(analysis, down_changes(analysis), "mysql")
        assert partial_differences(analysis, pairs, "mysql") == {}, m.name


@pytest.mark.parametrize("name", names("postgres"))
def test_facts_are_what_holds_finds(name: str) -> None:
    """The decision reads facts from a memo; ``holds`` decides the replay: they must agree."""
    case = load(name)
    asked = {
        g
        for analysis in case.analyses
        for _, inv in guard(analysis, down_changes(analysis), "postgres")
        for c in inv.changes
        for g in _guards(c)
    }
    for analysis in case.analyses:
        for cat in (analysis.before, analysis.after):
            facts = _facts(cat)
            for g in [*facts.values(), *asked]:
                known = _key(g, get("postgres")) in facts
                assert holds(g, cat) == (known != g.negated), g


def _guards(c: ch.Change) -> list[ch.Guard]:
    if not isinstance(c, ch.Guarded):
        return []
    return [c.guard, *(g for inner in c.changes for g in _guards(inner))]


# -- which guards ----------------------------------------------------------------------------


def test_a_complete_run_is_undone_as_before_and_nothing_else_changes() -> None:
    """Guards change the statements' form only: the same changes, each wrapped or not."""
    for name in names("postgres"):
        for analysis in load(name).analyses:
            plain = down_changes(analysis)
            guarded = guard(analysis, plain, "postgres")
            assert [s for s, _ in plain] == [s for s, _ in guarded]
            for (_, a), (_, b) in zip(plain, guarded, strict=True):
                assert (a.risk, a.note, len(a.changes)) == (b.risk, b.note, len(b.changes))
                # a change its inverse guarded already (a column filled back) passes as it is
                pairs = zip(b.changes, a.changes, strict=True)
                kept = [c if c == x else _unwrapped(c) for c, x in pairs]
                assert kept == list(a.changes)


def _unwrapped(c: ch.Change) -> ch.Change:
    while isinstance(c, ch.Guarded):
        (c,) = c.changes
    return c


def test_native_forms_where_postgres_has_them() -> None:
    down = down_body(
        USER,
        'ALTER TABLE "User" ADD COLUMN "bio" TEXT;\n'
        'CREATE INDEX "User_bio_idx" ON "User"("bio");\n'
        'ALTER TABLE "User" DROP COLUMN "email";\n'
        "CREATE TYPE \"Kind\" AS ENUM ('A');\n",
    )
    assert 'DROP TYPE IF EXISTS "Kind";' in down
    # (its values are lost: a placeholder fills existing rows, core.placeholders)
    assert 'ALTER TABLE "User" ADD COLUMN IF NOT EXISTS "email" TEXT NOT NULL DEFAULT \'\';' in down
    assert 'DROP INDEX IF EXISTS "User_bio_idx";' in down
    assert 'ALTER TABLE IF EXISTS "User" DROP COLUMN IF EXISTS "bio";' in down
    assert "DO $down" not in down  # (the preflight is a DO block of its own)


def test_a_label_guarded_by_its_absence_is_added_if_not_exists() -> None:
    """The guard 'the label is not there' is PostgreSQL's own ADD VALUE IF NOT EXISTS; it
    was once dropped on the way (the renderer ignored the flag the guard was folded into)."""
    guard = ch.Guard("value", ("Role", "OWNER"), True, "")
    add = ch.AddEnumValue(QName("", "Role"), "OWNER", after="ADMIN")
    assert render_all([ch.Guarded(guard, (add,))], "postgres") == [
        "ALTER TYPE \"Role\" ADD VALUE IF NOT EXISTS 'OWNER' AFTER 'ADMIN'"
    ]


def test_existence_checks_where_postgres_has_no_guarded_form() -> None:
    down = down_body(
        USER,
        'ALTER TABLE "User" RENAME COLUMN "name" TO "fullName";\n'
        'ALTER TABLE "User" ADD CONSTRAINT "User_email_key" UNIQUE ("email");\n'
        'ALTER TABLE "User" DROP CONSTRAINT "User_pkey";\n',
    )
    assert (
        "DO $down$ BEGIN\n"
        "  IF NOT EXISTS (SELECT 1 FROM pg_constraint WHERE conrelid = to_regclass('\"User\"') "
        "AND conname = 'User_pkey') THEN\n"
        '    ALTER TABLE "User" ADD CONSTRAINT "User_pkey" PRIMARY KEY ("id");\n'
        "  END IF;\n"
        "END $down$;"
    ) in down
    assert 'ALTER TABLE IF EXISTS "User" DROP CONSTRAINT IF EXISTS "User_email_key";' in down
    assert (
        "  IF EXISTS (SELECT 1 FROM information_schema.columns WHERE table_schema = "
        "current_schema() AND table_name = 'User' AND column_name = 'fullName') THEN\n"
        '    ALTER TABLE "User" RENAME COLUMN "fullName" TO "name";\n'
    ) in down


def test_a_column_the_migration_did_not_create_needs_no_guard() -> None:
    """Setting the default back on a column that was there all along changes nothing."""
    down = down_body(USER, 'ALTER TABLE "User" ALTER COLUMN "name" SET DEFAULT \'y\';\n')
    assert down.endswith('ALTER TABLE "User" ALTER COLUMN "name" SET DEFAULT \'x\';\n\nCOMMIT;\n')


def test_a_column_renamed_earlier_is_guarded_by_its_new_name() -> None:
    down = down_body(
        USER,
        'ALTER TABLE "User" RENAME COLUMN "name" TO "fullName";\n'
        'ALTER TABLE "User" ALTER COLUMN "fullName" SET DEFAULT \'y\';\n',
    )
    assert "column_name = 'fullName') THEN\n" in down
    assert '    ALTER TABLE "User" ALTER COLUMN "fullName" SET DEFAULT \'x\';\n' in down


def test_after_a_commit_the_statements_before_it_are_undone() -> None:
    """PostgreSQL: the state up to COMMIT is possible, so the enum's inverse must run there."""
    up = (
        'CREATE TABLE "Tag" ("id" INTEGER NOT NULL);\n'
        "BEGIN;\n"
        "CREATE TYPE \"Kind\" AS ENUM ('A');\n"
        "COMMIT;\n"
        'CREATE INDEX "Tag_id_idx" ON "Tag"("id");\n'
    )
    (a,) = analyse(up)
    assert stop_points([s.statement.text for s in a.steps], "postgres") == [0, 4]
    down = generate("m", up, a, "postgres")
    assert replays_back(a, up, down, "postgres") == {}
    assert 'DROP INDEX IF EXISTS "Tag_id_idx";' in down
    assert 'DROP TABLE IF EXISTS "Tag";' in down


def test_when_the_natural_guard_cannot_tell_another_fact_does() -> None:
    """DROP then CREATE of one table: its existence says nothing, its new column does.

    MySQL: after the DROP alone the table is gone; before it, it had no "b".
    """
    before = "CREATE TABLE `T` (`a` INTEGER NOT NULL);\n"
    up = "DROP TABLE `T`;\nCREATE TABLE `T` (`a` INTEGER NOT NULL, `b` INTEGER NULL);\n"
    a = analyse(before, up, dialect="mysql")[-1]
    pairs = guard(a, down_changes(a), "mysql")
    assert partial_differences(a, pairs, "mysql") == {}
    first = pairs[0][1].changes[0]
    assert isinstance(first, ch.Guarded)
    assert first.guard == ch.Guard("column", ("T", "b"), False, "")  # not "table T exists"


@pytest.mark.parametrize("dialect", ["sqlite", "tsql", "cockroachdb"])
def test_other_dialects_are_left_alone(dialect: str) -> None:
    up = 'CREATE TABLE "T" ("a" INTEGER);\n'
    (a,) = analyse(up, dialect=dialect)
    pairs = down_changes(a)
    assert guard(a, pairs, dialect) is pairs


# -- guards as SQL, and back -------------------------------------------------------------------

GUARDS = [
    ch.Guard("table", ("User",), False, ""),
    ch.Guard("table", ("Log",), True, "audit"),
    ch.Guard("column", ("User", 'say "hi"'), True, ""),
    ch.Guard("constraint", ("User", "User_pkey"), False, ""),
    ch.Guard("constraint", ("Log", "it's"), True, "audit"),
    ch.Guard("index", ("User", "User_email_key"), False, ""),
    ch.Guard("type", ("Role",), True, ""),
    ch.Guard("value", ("Role", "ADMIN"), False, ""),
    ch.Guard("extension", ("pg_trgm",), True, ""),
    ch.Guard("schema", ("audit",), False, ""),
    ch.Guard("sequence", ("invoice_seq",), False, "audit"),
    ch.Guard("object", ("view", "Published"), False, ""),
    ch.Guard("object", ("materialized view", "Stats"), True, ""),
    ch.Guard("object", ("function", "set_updated_at"), False, ""),
    ch.Guard("object", ("trigger", "Post_touch", "Post"), True, ""),
    ch.Guard("object", ("policy", "own_rows", "Post"), False, "audit"),
]


@pytest.mark.parametrize("g", GUARDS, ids=lambda g: f"{g.kind}-{'-'.join(g.names)}")
def test_exists_query_reads_back_as_its_guard(g: ch.Guard) -> None:
    assert guard_of(exists_query(g), g.negated) == g


def test_hand_written_guards_still_read_by_name_alone() -> None:
    g = guard_of("SELECT 1 FROM pg_constraint WHERE conname = 'x_fkey'", True)
    assert g == ch.Guard("constraint", ("x_fkey",), True, None)
    g = guard_of("SELECT 1 FROM pg_indexes WHERE indexname = 'x_idx'", False)
    assert g == ch.Guard("index", ("x_idx",), False, None)
    g = guard_of(
        "SELECT 1 FROM information_schema.columns WHERE table_schema = 'public' "
        "AND table_name = 'User' AND column_name = 'bio'",
        False,
    )
    assert g == ch.Guard("column", ("User", "bio"), False, "")


def test_nested_guards_render_as_one_condition_and_read_back() -> None:
    inner = ch.SetColumnDefault(QName("", "User"), "bio", None)
    wrapped = ch.Guarded(
        ch.Guard("table", ("User",), False, ""),
        (ch.Guarded(ch.Guard("value", ("Role", "A"), True, ""), (inner,)),),
    )
    sql = render(wrapped, "postgres")
    assert sql.count(" AND NOT EXISTS (") == 1 and sql.count("END IF;") == 1
    assert read_statement(sql, "postgres").changes == (wrapped,)


def test_dollar_tag_never_clashes_with_the_body() -> None:
    fn = 'CREATE FUNCTION "f"() RETURNS int LANGUAGE sql AS $down$ SELECT 1 $down$'
    change = ch.Guarded(
        ch.Guard("object", ("function", "f"), True, ""),
        (ch.CreateObject(Opaque("function", QName("", "f"), fn)),),
    )
    sql = render(change, "postgres")
    assert sql.startswith("DO $down1$ BEGIN") and sql.endswith("END $down1$")
    (read,) = read_statement(sql, "postgres").changes
    assert isinstance(read, ch.Guarded) and read.guard == change.guard


@pytest.mark.parametrize(
    ("sql", "guard_kind"),
    [
        ('ALTER TABLE IF EXISTS "User" DROP COLUMN IF EXISTS "bio"', "table"),
        ('ALTER INDEX IF EXISTS "a_idx" RENAME TO "b_idx"', "index"),
        ('ALTER VIEW IF EXISTS "v" RENAME TO "w"', "object"),
        ('ALTER SEQUENCE IF EXISTS "s" RENAME TO "t"', "sequence"),
    ],
)
def test_alter_if_exists_reads_as_guarded(sql: str, guard_kind: str) -> None:
    (change,) = read_statement(sql, "postgres").changes
    assert isinstance(change, ch.Guarded) and change.guard.kind == guard_kind


def test_alter_table_if_exists_on_a_missing_table_changes_nothing() -> None:
    (a,) = analyse('ALTER TABLE IF EXISTS "Gone" ADD COLUMN "x" TEXT;\n')
    assert a.after == Catalog()
    assert not [p for s in a.steps for p in s.problems]
