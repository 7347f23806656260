"""What a database the user names already holds, said in one line and dropped exactly.

``verify --database-url`` needs an empty database: it refuses one that holds any object a
person made (tables aside from ``_prisma_migrations``, but also schemas, types, sequences,
routines, views, triggers, events, extensions beyond ``plpgsql`` …) unless ``--reuse``, and
then drops what it listed and nothing else: schemas other than the ones it keeps go whole
(with what is in them), objects in kept schemas one by one, never the kept schema itself,
nothing outside the database. The same inventory empties the database between trials and
at the end, so what a history created is all that goes.

Each drop statement is written by the database (``format('%I')``, ``regprocedure``), so a
name needs no quoting here.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from prisma_down.urls import printable

MIGRATIONS_TABLE = "_prisma_migrations"
_NAMES_SHOWN = 2  # per kind, in the one-line description
_SHOWN = (  # the order kinds are named in
    "schema",
    "extension",
    "table",
    "foreign table",
    "view",
    "materialized view",
    "sequence",
    "type",
    "domain",
    "function",
    "procedure",
    "aggregate",
    "trigger",
    "event trigger",
    "event",
)


@dataclass(frozen=True)
class Item:
    """One object: its kind, its name as shown, the schema it lives in (None for a schema
    or a database-wide object), the statement that drops it (None: never dropped)."""

    kind: str
    name: str
    schema: str | None
    drop: str | None
    step: int  # drop order: event triggers first, so none fires on the others


def describe(items: Sequence[Item]) -> str:
    """``1 schema ("billing"), 2 sequences ("billing.a", "billing.b"), 1 type (...)``."""
    counts = Counter(i.kind for i in items)
    parts = []
    for kind in sorted(counts, key=lambda k: _SHOWN.index(k) if k in _SHOWN else len(_SHOWN)):
        names = [printable(i.name).replace('"', '\\"') for i in items if i.kind == kind]
        shown = ", ".join(f'"{n}"' for n in names[:_NAMES_SHOWN])
        if len(names) > _NAMES_SHOWN:
            shown += f" and {len(names) - _NAMES_SHOWN} more"
        parts.append(f"{counts[kind]} {_plural(kind, counts[kind])} ({shown})")
    return ", ".join(parts)


def _plural(kind: str, count: int) -> str:
    if count == 1:
        return kind
    if kind.endswith(("s", "x")):
        return kind + "es"
    if kind.endswith("y") and kind[-2:-1] not in "aeiou":
        return kind[:-1] + "ies"
    return kind + "s"


def undroppable(items: Sequence[Item]) -> list[Item]:
    return [i for i in items if i.drop is None]


# -- PostgreSQL ---------------------------------------------------------------------------

_SYSTEM = (
    "n.nspname NOT IN ('pg_catalog', 'information_schema') "
    "AND n.nspname !~ '^pg_(toast|temp_|toast_temp_)'"
)


def _own(catalog: str, oid: str) -> str:
    """An object on its own: not a member of an extension (the extension is listed, its
    members go with it), nor an internal part of another object (a range type's
    constructors and multirange type, which go with the range)."""
    return (
        f"NOT EXISTS (SELECT 1 FROM pg_depend e WHERE e.classid = '{catalog}'::regclass "
        f"AND e.objid = {oid} AND e.deptype IN ('e', 'i'))"
    )


def _in_schema(kind: str, step: int, table: str, alias: str, name: str, ns: str, drop: str) -> str:
    """A query for one kind of object that lives in a schema (``kind`` a word or a CASE)."""
    kind = kind if kind.startswith("CASE") else f"'{kind}'"
    return (
        f"SELECT {kind}, n.nspname || '.' || {alias}.{name}, n.nspname, {drop}, {step} "
        f"FROM {table} {alias} JOIN pg_namespace n ON n.oid = {alias}.{ns} "
        f"WHERE {_SYSTEM} AND {_own(table, f'{alias}.oid')}"
    )


def _named(kind: str, what: str, table: str, alias: str, ns: str, name: str, step: int) -> str:
    drop = f"format('DROP {what} IF EXISTS %I.%I CASCADE', n.nspname, {alias}.{name})"
    return _in_schema(kind, step, table, alias, name, ns, drop)


_RELATION_KINDS = {  # relkind: (kind, DROP what)
    "r": ("table", "TABLE"),
    "p": ("table", "TABLE"),
    "f": ("foreign table", "FOREIGN TABLE"),
    "v": ("view", "VIEW"),
    "m": ("materialized view", "MATERIALIZED VIEW"),
    "S": ("sequence", "SEQUENCE"),
}
_RELATION_STEP = {"view": 3, "materialized view": 3, "table": 4, "foreign table": 4}


def _relations() -> list[str]:
    owned = (  # a serial or identity sequence goes with its table
        "EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_class'::regclass "
        "AND d.objid = c.oid AND d.refclassid = 'pg_class'::regclass "
        "AND d.deptype IN ('a', 'i'))"
    )
    out = []
    for relkind, (kind, what) in _RELATION_KINDS.items():
        drop = f"format('DROP {what} IF EXISTS %I.%I CASCADE', n.nspname, c.relname)"
        query = _in_schema(kind, _RELATION_STEP.get(kind, 5), "pg_class", "c", "relname",
                           "relnamespace", drop)  # fmt: skip
        query += f" AND c.relkind = '{relkind}'"
        if relkind in "rp":
            query += f" AND c.relname <> '{MIGRATIONS_TABLE}'"
        if relkind == "S":
            query += f" AND NOT {owned}"
        out.append(query)
    return out


def _on_table(kind: str, table: str, alias: str, name: str, rel: str, what: str, step: int) -> str:
    """Triggers, rules and policies: shown as ``name on schema.table``."""
    return (
        f"SELECT '{kind}', {alias}.{name} || ' on ' || n.nspname || '.' || c.relname, "
        f"n.nspname, format('DROP {what} IF EXISTS %I ON %I.%I CASCADE', {alias}.{name}, "
        f"n.nspname, c.relname), {step} FROM {table} {alias} "
        f"JOIN pg_class c ON c.oid = {alias}.{rel} "
        f"JOIN pg_namespace n ON n.oid = c.relnamespace "
        f"WHERE {_SYSTEM} AND {_own(table, f'{alias}.oid')}"
    )


def _database_wide() -> list[str]:
    def one(kind: str, table: str, name: str, drop: str, step: int, where: str = "") -> str:
        user = f"x.oid >= 16384 AND {_own(table, 'x.oid')}"  # FirstNormalObjectId
        return f"SELECT '{kind}', {name}, NULL, {drop}, {step} FROM {table} x WHERE {user}{where}"

    return [
        one("event trigger", "pg_event_trigger", "x.evtname",
            "format('DROP EVENT TRIGGER IF EXISTS %I CASCADE', x.evtname)", 0),
        one("subscription", "pg_subscription", "x.subname", "NULL", 1,
            " AND x.subdbid = (SELECT oid FROM pg_database WHERE datname = current_database())"),
        one("publication", "pg_publication", "x.pubname",
            "format('DROP PUBLICATION IF EXISTS %I', x.pubname)", 1),
        one("cast", "pg_cast", "format('%s AS %s', x.castsource::regtype, x.casttarget::regtype)",
            "format('DROP CAST IF EXISTS (%s AS %s) CASCADE', x.castsource::regtype, "
            "x.casttarget::regtype)", 9),
        one("foreign server", "pg_foreign_server", "x.srvname",
            "format('DROP SERVER IF EXISTS %I CASCADE', x.srvname)", 10),
        one("foreign-data wrapper", "pg_foreign_data_wrapper", "x.fdwname",
            "format('DROP FOREIGN DATA WRAPPER IF EXISTS %I CASCADE', x.fdwname)", 10),
        one("extension", "pg_extension", "x.extname",
            "format('DROP EXTENSION IF EXISTS %I CASCADE', x.extname)", 11,
            " AND x.extname <> 'plpgsql'"),
        one("language", "pg_language", "x.lanname",
            "format('DROP LANGUAGE IF EXISTS %I CASCADE', x.lanname)", 14),
        "SELECT 'large object', x.oid::text, NULL, format('SELECT lo_unlink(%s)', x.oid), 13 "
        "FROM pg_largeobject_metadata x",
    ]  # fmt: skip


def _pg_query() -> str:
    routine = (
        "CASE p.prokind WHEN 'p' THEN 'procedure' WHEN 'a' THEN 'aggregate' ELSE 'function' END"
    )
    routines = (
        f"SELECT {routine}, n.nspname || '.' || p.proname, n.nspname, "
        f"format('DROP %s IF EXISTS %s CASCADE', upper({routine}), p.oid::regprocedure), 7 "
        f"FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace "
        f"WHERE {_SYSTEM} AND {_own('pg_proc', 'p.oid')}"
    )
    types = _in_schema(
        "CASE t.typtype WHEN 'd' THEN 'domain' ELSE 'type' END",
        8,
        "pg_type",
        "t",
        "typname",
        "typnamespace",
        "format('DROP %s IF EXISTS %I.%I CASCADE', "
        "CASE t.typtype WHEN 'd' THEN 'DOMAIN' ELSE 'TYPE' END, n.nspname, t.typname)",
    )
    types += (  # a standalone composite type, not a table's row type
        " AND t.typcategory <> 'A' AND (t.typtype IN ('b', 'd', 'e', 'r') OR (t.typtype = 'c' "
        "AND (SELECT relkind FROM pg_class WHERE oid = t.typrelid) = 'c'))"
    )
    operators = _in_schema(
        "operator", 7, "pg_operator", "o", "oprname", "oprnamespace",
        "format('DROP OPERATOR IF EXISTS %s CASCADE', o.oid::regoperator)",
    )  # fmt: skip
    families = [
        _in_schema(
            kind, 7, table, "f", name, ns,
            f"format('DROP {what} IF EXISTS %I.%I USING %I CASCADE', n.nspname, f.{name}, "
            f"(SELECT amname FROM pg_am WHERE oid = f.{method}))",
        )
        for kind, what, table, name, ns, method in (
            ("operator family", "OPERATOR FAMILY", "pg_opfamily", "opfname", "opfnamespace",
             "opfmethod"),
            ("operator class", "OPERATOR CLASS", "pg_opclass", "opcname", "opcnamespace",
             "opcmethod"),
        )
    ]  # fmt: skip
    named = [
        _named(kind, what, table, "x", ns, name, step)
        for kind, what, table, name, ns, step in (
            ("collation", "COLLATION", "pg_collation", "collname", "collnamespace", 7),
            ("conversion", "CONVERSION", "pg_conversion", "conname", "connamespace", 7),
            ("statistics object", "STATISTICS", "pg_statistic_ext", "stxname", "stxnamespace",
             6),
            ("text search configuration", "TEXT SEARCH CONFIGURATION", "pg_ts_config",
             "cfgname", "cfgnamespace", 7),
            ("text search dictionary", "TEXT SEARCH DICTIONARY", "pg_ts_dict", "dictname",
             "dictnamespace", 7),
            ("text search parser", "TEXT SEARCH PARSER", "pg_ts_parser", "prsname",
             "prsnamespace", 7),
            ("text search template", "TEXT SEARCH TEMPLATE", "pg_ts_template", "tmplname",
             "tmplnamespace", 7),
        )
    ]  # fmt: skip
    on_tables = [
        _on_table("trigger", "pg_trigger", "t", "tgname", "tgrelid", "TRIGGER", 2)
        + " AND NOT t.tgisinternal",
        _on_table("rule", "pg_rewrite", "r", "rulename", "ev_class", "RULE", 2)
        + " AND r.rulename <> '_RETURN'",
        _on_table("policy", "pg_policy", "p", "polname", "polrelid", "POLICY", 2),
    ]
    schemas = (
        "SELECT 'schema', n.nspname, NULL, format('DROP SCHEMA IF EXISTS %I CASCADE', n.nspname), "
        f"12 FROM pg_namespace n WHERE {_SYSTEM} AND {_own('pg_namespace', 'n.oid')}"
    )
    parts = [
        schemas,
        *_relations(),
        types,
        routines,
        operators,
        *families,
        *named,
        *on_tables,
        *_database_wide(),
    ]
    return " UNION ALL ".join(f"({p})" for p in parts) + " ORDER BY 5, 1, 2"


_PG_QUERY = _pg_query()


def pg_keep(conn: Any, schema: str) -> list[str]:
    """The schemas an inventory keeps: ``public``, Prisma's ``schema``, and any holding a
    ``_prisma_migrations`` table (each is emptied, never dropped)."""
    rows = conn.execute(
        "SELECT n.nspname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
        f"WHERE c.relname = '{MIGRATIONS_TABLE}' AND c.relkind IN ('r', 'p') AND {_SYSTEM}"
    ).fetchall()
    return sorted({"public", schema, *(r[0] for r in rows)})


def pg_inventory(conn: Any, keep: Sequence[str]) -> list[Item]:
    """Every object a person made in the database; ``keep`` schemas are not listed
    themselves (their contents are)."""
    rows = conn.execute(_PG_QUERY).fetchall()
    items = [Item(str(k), str(name), s, d, int(step)) for k, name, s, d, step in rows]
    return [i for i in items if not (i.kind == "schema" and i.name in keep)]


def pg_drop(conn: Any, items: Sequence[Item]) -> None:
    """Drop ``items`` in one transaction: a listed schema whole, the rest one by one (what
    lives in a schema that goes is not dropped twice)."""
    gone = {i.name for i in items if i.kind == "schema"}
    with conn.transaction():
        for item in sorted(items, key=lambda i: i.step):
            if item.drop is not None and (item.schema is None or item.schema not in gone):
                conn.execute(item.drop)


# -- MySQL / MariaDB ----------------------------------------------------------------------


def _q(name: object) -> str:
    return "`" + str(name).replace("`", "``") + "`"


def my_inventory(conn: Any) -> list[Item]:
    """Every object in the connection's database (``_prisma_migrations`` aside)."""
    with conn.cursor() as cur:
        cur.execute("SELECT DATABASE()")
        database = _q(cur.fetchone()[0])
        queries = (
            "SELECT 'event', event_name, NULL FROM information_schema.events "
            "WHERE event_schema = DATABASE()",
            "SELECT 'trigger', trigger_name, event_object_table FROM information_schema.triggers "
            "WHERE trigger_schema = DATABASE()",
            "SELECT table_type, table_name, NULL FROM information_schema.tables "
            f"WHERE table_schema = DATABASE() AND table_name <> '{MIGRATIONS_TABLE}'",
            "SELECT routine_type, routine_name, NULL FROM information_schema.routines "
            "WHERE routine_schema = DATABASE() AND routine_type <> 'PACKAGE BODY'",
        )
        rows: list[tuple[Any, ...]] = []
        for query in queries:
            cur.execute(query)
            rows.extend(cur.fetchall())
    items = []
    for raw_kind, name, table in rows:
        kind = _MY_KINDS.get(str(raw_kind).upper())
        if kind is None:
            continue  # a temporary table: gone with the session
        what, step = _MY_DROPS[kind]
        target = f"{database}.{_q(name)}"
        on = f" (on {table})" if table else ""
        items.append(Item(kind, f"{name}{on}", None, f"DROP {what} IF EXISTS {target}", step))
    return sorted(items, key=lambda i: (i.step, i.name))


_MY_KINDS = {
    "EVENT": "event",
    "TRIGGER": "trigger",
    "BASE TABLE": "table",
    "SYSTEM VERSIONED": "table",
    "VIEW": "view",
    "SEQUENCE": "sequence",
    "FUNCTION": "function",
    "PROCEDURE": "procedure",
    "PACKAGE": "package",
}
_MY_DROPS = {  # kind: (DROP what, step)
    "event": ("EVENT", 0),
    "trigger": ("TRIGGER", 2),
    "view": ("VIEW", 3),
    "table": ("TABLE", 4),
    "sequence": ("SEQUENCE", 5),
    "function": ("FUNCTION", 7),
    "procedure": ("PROCEDURE", 7),
    "package": ("PACKAGE", 7),
}


def my_drop(conn: Any, items: Sequence[Item]) -> None:
    """Drop ``items`` (foreign keys unchecked meanwhile, so the order of tables is free)."""
    with conn.cursor() as cur:
        cur.execute("SET FOREIGN_KEY_CHECKS = 0")
        try:
            for item in items:
                if item.drop is not None:
                    cur.execute(item.drop)
        finally:
            cur.execute("SET FOREIGN_KEY_CHECKS = 1")


def my_empty(conn: Any) -> None:
    """Drop everything in the database but ``_prisma_migrations``."""
    my_drop(conn, my_inventory(conn))
