"""``prisma-down verify``: prove the down.sql files on disk on a throwaway database.

For each migration, on one database that replays the history in order: snapshot, apply
migration.sql, apply down.sql, compare with the snapshot, apply migration.sql again, compare
with the state after the first up (:func:`prisma_down.verify.roundtrip.verify_history`).
With ``partial``, first from every state a failed run of migration.sql can leave
(:mod:`prisma_down.verify.partial`), starting afresh after a trial that went wrong.

The database is, by default, one nobody else sees: SQLite in a temporary file, PostgreSQL
or MariaDB as a private server started from the locally installed programs in a temporary
folder and removed afterwards. ``--database-url`` names a disposable database instead; it
must hold no tables (``_prisma_migrations`` aside) unless ``reuse`` is given, in which case
it is emptied first. Whatever the history created is removed at the end either way.
"""

from __future__ import annotations

import contextlib
import tempfile
import uuid
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

from prisma_down.core.history import History, Migration
from prisma_down.urls import scrub
from prisma_down.verify import inventory
from prisma_down.verify import partial as partial_states
from prisma_down.verify.roundtrip import Verdict, verify_history
from prisma_down.verify.target import Target, VerifyError, need_driver, one_line

FAILING = frozenset(
    {"mismatch", "down-failed", "reapply-failed", "reapply-mismatch", *partial_states.FAILING}
)
NO_DOWN = "no-down"
_MIGRATIONS_TABLE = inventory.MIGRATIONS_TABLE
_PROGRESS_FROM = 10  # more migrations than this: a progress line per migration on stderr


# -- the run ------------------------------------------------------------------------------


def verify(
    history: History,
    only: str | None = None,
    database_url: str | None = None,
    reuse: bool = False,
    progress: Callable[[str], None] | None = None,
    partial: bool = False,
) -> list[Verdict]:
    """Verify every migration (or only ``only``, after replaying the ones before it).

    ``partial``: also from every state a failed run of migration.sql can leave.
    """
    migrations = history.migrations
    if only is not None:
        index = history.index_of(only)
        if index is None:
            raise VerifyError(f"there is no migration named {only}")
        replay, checked = migrations[:index], migrations[index : index + 1]
    else:
        replay, checked = (), migrations
    try:
        with _target(history.dialect, database_url, reuse) as target:
            return _run(target, replay, checked, progress, history.dialect if partial else None)
    except VerifyError as error:
        raise VerifyError(scrub(str(error), database_url)) from None


def _run(
    target: Target,
    replay: Sequence[Migration],
    checked: Sequence[Migration],
    progress: Callable[[str], None] | None,
    partial: str | None = None,
) -> list[Verdict]:
    """``partial``: the dialect, when partial states are tried too."""
    for m in replay:
        error = m.up.error or target.apply(target.conn, m.up.text)
        if error is not None:
            raise VerifyError(
                f"{m.name}/migration.sql failed on {target.label}, so the history cannot be "
                f"replayed: {one_line(error)}"
            )
    out: list[Verdict] = []
    total = len(checked)
    show = progress if progress is not None and total > _PROGRESS_FROM else None
    done = [m.up.text for m in replay]
    for i, m in enumerate(checked, 1):
        verdict = _one(target, m, partial, done)
        out.append(verdict)
        done.append(m.up.text)
        if show is not None:
            show(f"[{i}/{total}] {m.name} ... {verdict.status}")
    return out


def _one(target: Target, m: Migration, partial: str | None, done: Sequence[str]) -> Verdict:
    """One migration on ``target``, which holds ``done`` (the up scripts before it)."""
    if m.up.error is not None:
        return Verdict(m.name, "up-failed", error=m.up.error)
    if m.down is None or m.down.error is not None:
        reason = "no down.sql" if m.down is None else f"down.sql unreadable: {m.down.error}"
        error = target.apply(target.conn, m.up.text)  # later migrations build on it
        if error is not None:
            return Verdict(m.name, "up-failed", error=error)
        return Verdict(m.name, NO_DOWN, error=reason)
    if partial is not None:

        def restart() -> None:
            target.reset(target.conn)
            for text in done:
                target.apply(target.conn, text)  # one that failed fails as it did at first

        return partial_states.verify_partial(
            target.conn,
            m.name,
            m.up.text,
            m.down.text,
            partial,
            target.apply,
            target.snapshot,
            target.diff,
            restart,
        )
    return verify_history(
        target.conn,
        [(m.name, m.up.text, m.down.text)],
        target.apply,
        snapshot=target.snapshot,
        diff=target.diff,
    )[0]


# -- databases ----------------------------------------------------------------------------


@contextlib.contextmanager
def _target(dialect: str, url: str | None, reuse: bool) -> Iterator[Target]:
    if dialect not in ("postgres", "mysql", "sqlite"):
        raise VerifyError(
            f"verify runs migrations on PostgreSQL, MySQL/MariaDB or SQLite; the {dialect} "
            "provider has no server prisma-down can start"
        )
    if url is not None:
        from prisma_down.verify.given import given

        with given(dialect, url, reuse) as target:
            yield target
    elif dialect == "sqlite":
        with _sqlite() as target:
            yield target
    elif dialect == "postgres":
        with _private_postgres() as target:
            yield target
    else:
        with _private_mariadb() as target:
            yield target


@contextlib.contextmanager
def _sqlite() -> Iterator[Target]:
    from prisma_down.verify import sqlite

    with tempfile.TemporaryDirectory(prefix="prisma-down-verify-") as folder:
        conn = sqlite.connect(Path(folder) / "verify.db")
        try:
            yield Target(conn, sqlite.apply, sqlite.snapshot, sqlite.diff, "SQLite", reset_sqlite)
        finally:
            conn.close()


@contextlib.contextmanager
def _private_postgres() -> Iterator[Target]:
    need_driver("psycopg")
    from prisma_down.verify import snapshot as pg_snapshot
    from prisma_down.verify.postgres import PostgresServer, PostgresUnavailable, apply

    server = PostgresServer()
    try:
        server.start()
    except PostgresUnavailable as error:
        raise VerifyError(_first_line(str(error))) from None
    try:
        server.create_database("verify")
        with server.connect("verify") as conn:
            yield Target(
                conn, apply, pg_snapshot.snapshot, pg_snapshot.diff, "PostgreSQL", reset_postgres
            )
    finally:
        server.stop()


@contextlib.contextmanager
def _private_mariadb() -> Iterator[Target]:
    need_driver("pymysql")
    from prisma_down.verify import mysql_snapshot
    from prisma_down.verify.mariadb import MariaDBServer, MariaDBUnavailable, apply

    server = MariaDBServer()
    try:
        server.start()
    except MariaDBUnavailable as error:
        message = _first_line(str(error)).rstrip(".")
        raise VerifyError(f"{message}, or pass --database-url") from None
    try:
        server.create_database("verify")
        conn = server.connect("verify")
        try:
            yield Target(
                conn,
                apply,
                mysql_snapshot.snapshot,
                mysql_snapshot.diff,
                "MariaDB",
                inventory.my_empty,
            )
        finally:
            conn.close()
    finally:
        server.stop()


def reset_sqlite(conn: Any) -> None:
    """Drop every table, view, index and trigger of a SQLite database."""
    rows = conn.execute(
        "SELECT type, name FROM sqlite_master WHERE name NOT LIKE 'sqlite\\_%' ESCAPE '\\' "
        "AND type IN ('table', 'view') ORDER BY type DESC"
    ).fetchall()
    conn.execute("PRAGMA foreign_keys=OFF")
    try:
        for kind, name in rows:
            quoted = '"' + str(name).replace('"', '""') + '"'
            conn.execute(f"DROP {kind.upper()} IF EXISTS {quoted}")
    finally:
        conn.execute("PRAGMA foreign_keys=ON")


def _first_line(text: str) -> str:
    return text.strip().splitlines()[0] if text.strip() else text


_SYSTEM_SCHEMAS = (
    "n.nspname NOT IN ('pg_catalog', 'information_schema') "
    "AND n.nspname NOT LIKE 'pg\\_toast%' AND n.nspname NOT LIKE 'pg\\_temp\\_%'"
)


def reset_postgres(conn: Any, keep: Sequence[str] = ("public",)) -> None:
    """Empty a PostgreSQL database: every user schema dropped, ``keep`` made again, empty."""
    _pg_empty(conn, keep)


def _pg_schemas(conn: Any) -> list[str]:
    rows = conn.execute(
        f"SELECT n.nspname FROM pg_namespace n WHERE {_SYSTEM_SCHEMAS} ORDER BY 1"
    ).fetchall()
    return [r[0] for r in rows]


def _pg_empty(conn: Any, keep: Sequence[str]) -> None:
    """Drop every user schema (and all in it), then recreate the ones in ``keep``, empty;
    ``_prisma_migrations`` tables are set aside and put back."""
    from psycopg.sql import SQL, Identifier

    aside = f"prisma_down_keep_{uuid.uuid4().hex[:8]}"
    held = [
        r[0]
        for r in conn.execute(
            "SELECT n.nspname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
            f"WHERE c.relname = '{_MIGRATIONS_TABLE}' AND c.relkind IN ('r', 'p') "
            f"AND {_SYSTEM_SCHEMAS}"
        ).fetchall()
    ]
    with conn.transaction():
        if held:
            conn.execute(SQL("CREATE SCHEMA {}").format(Identifier(aside)))
        for i, schema in enumerate(held):
            table = Identifier(schema, _MIGRATIONS_TABLE)
            conn.execute(SQL("ALTER TABLE {} SET SCHEMA {}").format(table, Identifier(aside)))
            conn.execute(
                SQL("ALTER TABLE {} RENAME TO {}").format(
                    Identifier(aside, _MIGRATIONS_TABLE), Identifier(f"t{i}")
                )
            )
        for schema in _pg_schemas(conn):
            if schema != aside:
                conn.execute(SQL("DROP SCHEMA {} CASCADE").format(Identifier(schema)))
        for schema in keep:
            conn.execute(SQL("CREATE SCHEMA IF NOT EXISTS {}").format(Identifier(schema)))
        for i, schema in enumerate(held):
            conn.execute(SQL("CREATE SCHEMA IF NOT EXISTS {}").format(Identifier(schema)))
            moved = Identifier(aside, f"t{i}")
            conn.execute(SQL("ALTER TABLE {} SET SCHEMA {}").format(moved, Identifier(schema)))
            conn.execute(
                SQL("ALTER TABLE {} RENAME TO {}").format(
                    Identifier(schema, f"t{i}"), Identifier(_MIGRATIONS_TABLE)
                )
            )
        if held:
            conn.execute(SQL("DROP SCHEMA {}").format(Identifier(aside)))


# -- output -------------------------------------------------------------------------------


def failed(verdicts: Sequence[Verdict]) -> bool:
    return any(v.status in FAILING for v in verdicts)


def as_json(verdicts: Sequence[Verdict]) -> list[dict[str, Any]]:
    """One object per migration; with partial states, ``partial_states`` (how many were
    tried) and ``partial`` (each that failed: ``applied``, ``statements``,
    ``stopped_before_line``, ``status``, ``differences``, ``error``)."""
    out: list[dict[str, Any]] = []
    for v in verdicts:
        item: dict[str, Any] = {
            "migration": v.name,
            "status": v.status,
            "differences": list(v.differences),
            "error": v.error,
        }
        if isinstance(v, partial_states.PartialVerdict):
            item["partial_states"] = len(v.trials)
            item["partial"] = [
                {
                    "applied": t.applied,
                    "statements": t.total,
                    "stopped_before_line": t.line,
                    "status": t.status,
                    "differences": list(t.differences),
                    "error": t.error,
                }
                for t in v.trials
                if t.failed
            ]
        out.append(item)
    return out


_SAY = {
    "restored": "restored",
    "mismatch": "down.sql does not restore the schema",
    "down-failed": "down.sql failed",
    "reapply-failed": "migration.sql failed when applied again after down.sql",
    "reapply-mismatch": "migration.sql applied again after down.sql gives a different schema",
    "up-failed": "migration.sql failed, not verified",
    partial_states.PARTIAL_MISMATCH: "down.sql does not restore the schema after a partial "
    "migration",
    partial_states.PARTIAL_DOWN_FAILED: "down.sql failed after a partial migration",
    NO_DOWN: "not verified",
}


def as_text(verdicts: Sequence[Verdict]) -> list[str]:
    lines: list[str] = []
    for v in verdicts:
        line = f"{v.name}: {_SAY.get(v.status, v.status)}"
        if v.error:
            line += f": {one_line(v.error)}"
        lines.append(line)
        lines.extend(f"  - {d}" for d in v.differences)
    restored = sum(1 for v in verdicts if v.status == "restored")
    bad = sum(1 for v in verdicts if v.status in FAILING)
    skipped = len(verdicts) - restored - bad
    summary = f"{len(verdicts)} migration{'' if len(verdicts) == 1 else 's'}: {restored} restored"
    summary += f", {bad} failed"
    if skipped:
        summary += f", {skipped} not verified"
    trials = [t for v in verdicts if isinstance(v, partial_states.PartialVerdict) for t in v.trials]
    if trials:
        bad_trials = sum(1 for t in trials if t.failed)
        summary += f"; {len(trials)} partial state{'' if len(trials) == 1 else 's'} tried"
        summary += f", {bad_trials} failed"
    lines.append(summary)
    return lines


__all__ = [
    "FAILING",
    "NO_DOWN",
    "VerifyError",
    "as_json",
    "as_text",
    "failed",
    "reset_postgres",
    "reset_sqlite",
    "verify",
]
