"""The catalog's reverse lookups answer what a scan of the whole catalog answered, in the
same order, on catalogs replayed from the corpus; and a catalog is left as it was when
another is derived from it."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from prisma_down.core import changes as ch
from prisma_down.core.analysis import Analyzer, replay
from prisma_down.core.catalog import (
    Catalog,
    comments_on,
    constraint_named,
    type_refers,
)
from prisma_down.core.catalog.holds import _found
from prisma_down.core.history import load_history
from prisma_down.core.schema import Column, Columns, Constraint, Index, Opaque, QName, Table
from prisma_down.core.statements import split
from tests.core.scans import (
    comments_by_scan,
    constraint_named_by_scan,
    found_by_scan,
)

CORPUS = Path(__file__).parents[2].parent / "shared" / "corpus"
HISTORIES = sorted(p for p in CORPUS.glob("*/*") if list(p.rglob("migration.sql")))
DIALECTS = {"postgresql": "postgres", "mysql": "mysql", "sqlite": "sqlite", "sqlserver": "tsql"}


def catalogs(history: Path, every: int = 40) -> Iterator[Catalog]:
    """Every ``every``-th catalog of a corpus history, and the last."""
    dialect = DIALECTS[history.parent.name]
    loaded = load_history(history, dialect)
    analyses = Analyzer(dialect).analyse([m.up.text for m in loaded.migrations])
    for i, a in enumerate(analyses):
        if i % every == 0 or i == len(analyses) - 1:
            yield a.after


def check_lookups(cat: Catalog) -> None:
    tables = list(cat.tables.values())
    for t in tables:
        assert cat.foreign_keys_to(t.name) == [
            (o.name, k)
            for o in tables
            for k in o.constraints
            if k.kind == "f" and k.ref_table == t.name and o.name != t.name
        ]
        assert cat.table_indexes(t.name) == [ix for tb, ix in cat.indexes.values() if tb == t.name]
        assert cat.objects_on(t.name) == [o for o in cat.objects.values() if o.table == t.name]
        assert cat.owned_sequences(t.name) == [
            o for (kind, _, tb), o in cat.objects.items() if kind == "sequence" and tb == t.name
        ]
        for k in t.constraints:
            name = QName(t.name.schema, k.name)
            assert constraint_named(cat, name) == constraint_named_by_scan(cat, name)
        for c in t.columns:
            assert t.column(c.name) == next(x for x in t.columns if x.name == c.name)
    types = {type_base_of(c) for t in tables for c in t.columns} | set(cat.enums)
    for name in types:
        assert cat.enum_columns(name) == [
            (t.name, c) for t in tables for c in t.columns if type_refers(c.type, name)
        ]
    for (kind, target), _ in cat.comments.items():
        for k in (kind, "TABLE", "VIEW"):
            assert comments_on(cat, k, target) == comments_by_scan(cat, k, target)
    for guard in guards(cat):
        assert _found(guard, cat) == found_by_scan(guard, cat), guard
    assert cat.tables.temporaries() == [t.name for t in tables if t.prefix == "TEMPORARY"]


def type_base_of(c: Column) -> QName:
    from prisma_down.core.catalog import type_base

    return type_base(c.type)[0]


def guards(cat: Catalog) -> Iterator[ch.Guard]:
    """Guards of every kind about what the catalog holds, in and out of its schemas, in
    upper case (MySQL compares without case), and about what it does not hold."""
    names = [*[t.name for t in cat.tables.values()][:40], QName("", "Nope"), QName("x", "Y")]
    for schema in {n.schema for n in names} | {None}:
        for n in names:
            yield ch.Guard("table", (n.name,), False, schema)
            t = cat.tables.get(n)
            for c in (*(t.columns if t else ())[:3], Column("nope", "int")):
                for name in (c.name, c.name.upper()):
                    yield ch.Guard("column", (n.name, name), False, schema)
            for k in (*(t.constraints if t else ()), Constraint("nope", "u")):
                for kind in ("constraint", "index"):
                    yield ch.Guard(kind, (n.name, k.name), False, schema)
                    yield ch.Guard(kind, (k.name,), False, schema)
                    yield ch.Guard(kind, (k.name.upper(),), False, schema)
        for _, ix in list(cat.indexes.values())[:40]:
            for kind in ("constraint", "index"):
                yield ch.Guard(kind, (ix.table.name, ix.name.name), False, schema)
                yield ch.Guard(kind, (ix.name.name,), False, schema)
        for e in [*list(cat.enums.values())[:20], None]:
            name = e.name.name if e else "Nope"
            yield ch.Guard("type", (name,), False, schema)
            for v in (*(e.values if e else ())[:3], "NOPE"):
                yield ch.Guard("value", (name, v), False, schema)
        for kind, n, tb in [*list(cat.objects)[:40], ("view", QName("", "nope"), None)]:
            yield ch.Guard("sequence", (n.name,), False, schema)
            yield ch.Guard("type", (n.name,), False, schema)
            yield ch.Guard("object", (kind, n.name), False, schema)
            if tb is not None:
                yield ch.Guard("object", (kind, n.name, tb.name), False, schema)
            yield ch.Guard("extension", (n.name,), False, schema)


@pytest.mark.parametrize("history", HISTORIES, ids=lambda p: p.name[:40])
def test_lookups_answer_what_a_scan_answered(history: Path) -> None:
    for cat in catalogs(history):
        check_lookups(cat)


def snapshot(cat: Catalog) -> tuple[object, ...]:
    return tuple(
        list(m.items()) for m in (cat.tables, cat.indexes, cat.enums, cat.objects, cat.comments)
    )


def test_a_catalog_is_unchanged_by_those_derived_from_it() -> None:
    history = CORPUS / "postgresql" / "amelioro__ameliorate--src-db-migrations"
    loaded = load_history(history, "postgres")
    texts = [m.up.text for m in loaded.migrations]
    analyzer = Analyzer("postgres")
    half = analyzer.analyse(texts[: len(texts) // 2])[-1].after
    before, lookups = snapshot(half), lookups_of(half)
    cat = half
    for text in texts[len(texts) // 2 :]:
        cat = replay(text, "postgres", cat).after
        if m := loaded.migrations[0].down:
            cat = replay(m.text, "postgres", cat).after
    assert cat.tables != half.tables
    assert snapshot(half) == before
    assert lookups_of(half) == lookups
    check_lookups(half)


def lookups_of(cat: Catalog) -> list[object]:
    return [
        (cat.foreign_keys_to(n), cat.table_indexes(n), cat.objects_on(n), cat.enum_columns(n))
        for n in cat.tables
    ]


def test_hand_built_catalog_with_every_kind_of_entry() -> None:
    """Comments, sequences, triggers, renamed tables: what the corpus has little of."""
    sql = """
    CREATE TYPE "Mood" AS ENUM ('HAPPY', 'SAD');
    CREATE TABLE "A" ("id" SERIAL PRIMARY KEY, "mood" "Mood", "moods" "Mood"[]);
    CREATE TABLE "B" ("id" INT PRIMARY KEY, "a" INT REFERENCES "A"("id"), "b" INT,
        CONSTRAINT "B_b_fkey" FOREIGN KEY ("b") REFERENCES "B"("id"));
    CREATE UNIQUE INDEX "B_a_key" ON "B"("a");
    CREATE TEMPORARY TABLE "T" ("x" INT);
    COMMENT ON TABLE "A" IS 'a';
    COMMENT ON COLUMN "A"."mood" IS 'm';
    COMMENT ON COLUMN "B"."a" IS 'ba';
    COMMENT ON INDEX "B_a_key" IS 'k';
    CREATE VIEW "V" AS SELECT * FROM "A";
    COMMENT ON VIEW "V" IS 'v';
    ALTER TABLE "A" RENAME TO "A2";
    ALTER TABLE "A2" RENAME COLUMN "mood" TO "feeling";
    ALTER INDEX "B_a_key" RENAME TO "B_a_key2";
    ALTER TYPE "Mood" RENAME TO "Feeling";
    """
    cat = Catalog()
    for st in split(sql, "postgres").statements:  # every catalog along the way
        step = replay(st.text, "postgres", cat)
        assert not step.steps[0].problems, (st.text, step.steps[0].problems)
        cat = step.after
        check_lookups(cat)
    assert [t for t, _ in cat.foreign_keys_to(QName("", "A2"))] == [QName("", "B")]
    assert [c.name for _, c in cat.enum_columns(QName("", "Feeling"))] == ["feeling", "moods"]
    assert list(cat.comments) == [
        ("TABLE", '"A2"'),
        ("COLUMN", '"A2"."feeling"'),
        ("COLUMN", '"B"."a"'),
        ("INDEX", '"B_a_key2"'),
        ("VIEW", '"V"'),
    ]
    assert [o.name.name for o in cat.owned_sequences(QName("", "A2"))] == ["A_id_seq"]
    dropped = replay('DROP TABLE "A2" CASCADE;', "postgres", cat).after
    check_lookups(dropped)
    assert dropped.foreign_keys_to(QName("", "A2")) == []
    assert ("COLUMN", '"A2"."feeling"') not in dropped.comments


def test_wide_table_columns() -> None:
    """More columns than a tuple keeps: found by name, changed one at a time, in order."""
    cols = [Column(f"c{i}", "int") for i in range(Columns.SMALL + 10)]
    t = Table(QName("", "W"), cols)
    assert t.cols.names() is not None
    wider = t.cols.appended(Column("z", "text"))
    assert [c.name for c in wider][-2:] == ["c73", "z"]
    renamed = wider.mapped("c5", lambda c: Column("five", c.type))
    assert [c.name for c in renamed][4:7] == ["c4", "five", "c6"]
    assert renamed.get("five") == Column("five", "int") and renamed.get("c5") is None
    assert [c.name for c in renamed.without("c0")][:2] == ["c1", "c2"]
    assert [c.name for c in t.cols] == [c.name for c in cols]  # untouched
    assert t.cols == tuple(cols) and tuple(cols) == t.cols
    clash = wider.mapped("c6", lambda c: Column("c7", c.type))  # two of one name: a tuple
    assert clash.names() is None and [c.name for c in clash][6:8] == ["c7", "c7"]
    assert clash.without("c7").get("c7") is None


def test_indexes_and_objects_follow_a_renamed_table() -> None:
    a, b = QName("", "A"), QName("", "B")
    cat = Catalog(
        tables={a: Table(a, [Column("id", "int")], (Constraint("A_pkey", "p", ("id",)),))},
        indexes={QName("", "ix"): (a, Index(QName("", "ix"), a, ()))},
        objects={("trigger", QName("", "t"), a): Opaque("trigger", QName("", "t"), "x", a)},
    )
    from prisma_down.core.catalog import apply

    moved = apply(cat, ch.RenameTable(a, b))
    assert moved.table_indexes(b)[0].table == b and moved.table_indexes(a) == []
    assert list(moved.objects) == [("trigger", QName("", "t"), b)]
    assert constraint_named(moved, QName("", "A_pkey")) == (b, Constraint("A_pkey", "p", ("id",)))
    check_lookups(moved)
    check_lookups(cat)
