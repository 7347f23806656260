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
import re
import tempfile
import uuid
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, unquote, urlencode, urlsplit, urlunsplit

from prisma_down.core.history import History, Migration
from prisma_down.verify import partial as partial_states
from prisma_down.verify.roundtrip import Verdict, verify_history

FAILING = frozenset(
    {"mismatch", "down-failed", "reapply-failed", "reapply-mismatch", *partial_states.FAILING}
)
NO_DOWN = "no-down"
_MIGRATIONS_TABLE = "_prisma_migrations"
_PROGRESS_FROM = 10  # more migrations than this: a progress line per migration on stderr


class VerifyError(Exception):
    """One sentence for the user (exit code 2); never holds a password."""


@dataclass(frozen=True)
class Target:
    """A database to verify on: how to run a script, read and compare its schema."""

    conn: Any
    apply: Callable[[Any, str], str | None]
    snapshot: Callable[[Any], Any]
    diff: Callable[[Any, Any], list[str]]
    label: str  # for messages, password masked
    reset: Callable[[Any], None]  # empty the database (``_prisma_migrations`` kept)


# -- passwords ----------------------------------------------------------------------------


def mask_url(url: str) -> str:
    """The URL with its password (in the user part or a ``password=`` parameter) as ****."""
    parts = urlsplit(url)
    netloc = parts.netloc
    if "@" in netloc:
        userinfo, _, hostport = netloc.rpartition("@")
        if ":" in userinfo:
            user = userinfo.split(":", 1)[0]
            netloc = f"{user}:****@{hostport}"
    query = re.sub(r"(?i)((?:^|&)password=)[^&]*", r"\1****", parts.query)
    return urlunsplit((parts.scheme, netloc, parts.path, query, parts.fragment))


def password_of(url: str) -> str | None:
    try:
        parts = urlsplit(url)
        password = parts.password
    except ValueError:
        return None
    if password is None:
        for key, value in parse_qsl(parts.query):
            if key.lower() == "password":
                return value
    return password


def scrub(text: str, url: str | None) -> str:
    """``text`` with the URL's password, raw or decoded, replaced by ****.

    The URL itself becomes its masked form and ``:password@`` becomes ``:****@`` wherever
    they appear; the password alone is masked as a whole word, and only when it has 4
    characters or more: a password ``p`` must not turn every ``p`` of Prisma's messages
    into ****, nor ``postgres`` the word ``postgresql``.
    """
    if not url:
        return text
    text = text.replace(url, mask_url(url))
    password = password_of(url)
    if password:
        for form in sorted({password, unquote(password)}, key=len, reverse=True):
            if not form:
                continue
            text = text.replace(f":{form}@", ":****@")
            if len(form) >= 4:
                bare = rf"(?<![A-Za-z0-9_]){re.escape(form)}(?![A-Za-z0-9_])"
                text = re.sub(bare, "****", text)
    return text


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
                f"replayed: {_one_line(error)}"
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


def _one_line(text: str) -> str:
    return " ".join(text.split())


# -- databases ----------------------------------------------------------------------------


@contextlib.contextmanager
def _target(dialect: str, url: str | None, reuse: bool) -> Iterator[Target]:
    if dialect not in ("postgres", "mysql", "sqlite"):
        raise VerifyError(
            f"verify runs migrations on PostgreSQL, MySQL/MariaDB or SQLite; the {dialect} "
            "provider has no server prisma-down can start"
        )
    if url is not None:
        with _given(dialect, url, reuse) as target:
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


def _need(module: str) -> None:
    try:
        __import__(module)
    except ImportError:
        raise VerifyError(
            f"the Python driver {module} is missing: pip install 'prisma-down[verify]'"
        ) from None


@contextlib.contextmanager
def _private_postgres() -> Iterator[Target]:
    _need("psycopg")
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
    _need("pymysql")
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
                conn, apply, mysql_snapshot.snapshot, mysql_snapshot.diff, "MariaDB", _my_empty
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


@contextlib.contextmanager
def _given(dialect: str, url: str, reuse: bool) -> Iterator[Target]:
    scheme = urlsplit(url).scheme.lower()
    kind = {"postgresql": "postgres", "postgres": "postgres", "mysql": "mysql"}.get(scheme)
    shown = mask_url(url)
    if kind is None:
        raise VerifyError(f"--database-url must start with postgresql:// or mysql://, not {shown}")
    if kind != dialect:
        raise VerifyError(
            f"--database-url {shown} is a {'PostgreSQL' if kind == 'postgres' else 'MySQL'} "
            f"database but the migrations are written for {dialect}"
        )
    if kind == "postgres":
        with _given_postgres(url, shown, reuse) as target:
            yield target
    else:
        with _given_mysql(url, shown, reuse) as target:
            yield target


# PostgreSQL -------------------------------------------------------------------------------

_LIBPQ_PARAMS = {
    "host",
    "hostaddr",
    "port",
    "sslmode",
    "sslcert",
    "sslkey",
    "sslrootcert",
    "sslpassword",
    "connect_timeout",
    "application_name",
    "options",
    "password",
    "user",
    "dbname",
}
_SYSTEM_SCHEMAS = (
    "n.nspname NOT IN ('pg_catalog', 'information_schema') "
    "AND n.nspname NOT LIKE 'pg\\_toast%' AND n.nspname NOT LIKE 'pg\\_temp\\_%'"
)


def _pg_url(url: str) -> tuple[str, str]:
    """A URL libpq accepts (Prisma's own parameters dropped) and the schema Prisma would use."""
    parts = urlsplit(url)
    query = parse_qsl(parts.query, keep_blank_values=True)
    schema = next((v for k, v in query if k == "schema"), "") or "public"
    kept = [(k, v) for k, v in query if k in _LIBPQ_PARAMS]
    return urlunsplit(parts._replace(query=urlencode(kept))), schema


@contextlib.contextmanager
def _given_postgres(url: str, shown: str, reuse: bool) -> Iterator[Target]:
    _need("psycopg")
    import psycopg
    from psycopg import sql

    from prisma_down.verify import snapshot as pg_snapshot
    from prisma_down.verify.postgres import apply

    conninfo, schema = _pg_url(url)
    try:
        conn = psycopg.connect(conninfo, autocommit=True, connect_timeout=10)
    except psycopg.Error as error:
        raise VerifyError(
            f"could not connect to {shown}: {_one_line(scrub(str(error), url))}"
        ) from None
    try:
        schemas = _pg_schemas(conn)
        tables = _pg_tables(conn)
        if tables and not reuse:
            raise VerifyError(
                f"{shown} already holds tables ({_some(tables)}): verify needs an empty, "
                "disposable database; pass --reuse to let prisma-down empty this one first"
            )
        if tables:
            _pg_empty(conn, schemas)
        conn.execute(sql.SQL("CREATE SCHEMA IF NOT EXISTS {}").format(sql.Identifier(schema)))
        schemas = _pg_schemas(conn)
        conn.execute(sql.SQL("SET search_path TO {}").format(sql.Identifier(schema)))
        try:
            yield Target(
                conn,
                apply,
                pg_snapshot.snapshot,
                pg_snapshot.diff,
                shown,
                lambda c: _pg_empty(c, schemas),
            )
        finally:
            if not conn.closed and not conn.broken:
                with contextlib.suppress(psycopg.Error):
                    _pg_empty(conn, schemas)
    finally:
        conn.close()


def reset_postgres(conn: Any, keep: Sequence[str] = ("public",)) -> None:
    """Empty a PostgreSQL database: every user schema dropped, ``keep`` made again, empty."""
    _pg_empty(conn, keep)


def _pg_schemas(conn: Any) -> list[str]:
    rows = conn.execute(
        f"SELECT n.nspname FROM pg_namespace n WHERE {_SYSTEM_SCHEMAS} ORDER BY 1"
    ).fetchall()
    return [r[0] for r in rows]


def _pg_tables(conn: Any) -> list[str]:
    rows = conn.execute(
        "SELECT n.nspname || '.' || c.relname FROM pg_class c "
        "JOIN pg_namespace n ON n.oid = c.relnamespace "
        f"WHERE c.relkind IN ('r', 'p', 'v', 'm', 'f') AND {_SYSTEM_SCHEMAS} "
        f"AND c.relname <> '{_MIGRATIONS_TABLE}' ORDER BY 1"
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


# MySQL ------------------------------------------------------------------------------------


@contextlib.contextmanager
def _given_mysql(url: str, shown: str, reuse: bool) -> Iterator[Target]:
    _need("pymysql")
    import pymysql

    from prisma_down.verify import mysql_snapshot
    from prisma_down.verify.mariadb import apply

    parts = urlsplit(url)
    query = dict(parse_qsl(parts.query))
    database = unquote(parts.path.lstrip("/"))
    if not database:
        raise VerifyError(f"--database-url {shown} names no database")
    try:
        conn = pymysql.connect(
            host=parts.hostname or "localhost",
            port=parts.port or 3306,
            user=unquote(parts.username or "root"),
            password=unquote(parts.password or ""),
            database=database,
            unix_socket=query.get("socket"),
            autocommit=True,
            charset="utf8mb4",
            connect_timeout=10,
        )
    except pymysql.err.MySQLError as error:
        raise VerifyError(
            f"could not connect to {shown}: {_one_line(scrub(str(error), url))}"
        ) from None
    try:
        tables = _my_tables(conn)
        if tables and not reuse:
            raise VerifyError(
                f"{shown} already holds tables ({_some(tables)}): verify needs an empty, "
                "disposable database; pass --reuse to let prisma-down empty this one first"
            )
        if tables:
            _my_empty(conn)
        try:
            yield Target(
                conn, apply, mysql_snapshot.snapshot, mysql_snapshot.diff, shown, _my_empty
            )
        finally:
            if conn.open:
                with contextlib.suppress(pymysql.err.MySQLError):
                    _my_empty(conn)
    finally:
        with contextlib.suppress(Exception):
            conn.close()


def _my_rows(conn: Any, sql: str) -> list[tuple[Any, ...]]:
    with conn.cursor() as cur:
        cur.execute(sql)
        return list(cur.fetchall())


def _my_tables(conn: Any) -> list[str]:
    rows = _my_rows(
        conn,
        "SELECT table_name FROM information_schema.tables WHERE table_schema = DATABASE() "
        f"AND table_name <> '{_MIGRATIONS_TABLE}' ORDER BY 1",
    )
    return [str(r[0]) for r in rows]


def _my_empty(conn: Any) -> None:
    """Drop the database's tables, views and routines, ``_prisma_migrations`` kept."""

    def q(name: object) -> str:
        return "`" + str(name).replace("`", "``") + "`"

    views = _my_rows(
        conn,
        "SELECT table_name FROM information_schema.views WHERE table_schema = DATABASE()",
    )
    routines = _my_rows(
        conn,
        "SELECT routine_type, routine_name FROM information_schema.routines "
        "WHERE routine_schema = DATABASE()",
    )
    with conn.cursor() as cur:
        cur.execute("SET FOREIGN_KEY_CHECKS = 0")
        try:
            for (name,) in views:
                cur.execute(f"DROP VIEW IF EXISTS {q(name)}")
            for name in _my_tables(conn):
                cur.execute(f"DROP TABLE IF EXISTS {q(name)}")
            for kind, name in routines:
                cur.execute(f"DROP {kind} IF EXISTS {q(name)}")
        finally:
            cur.execute("SET FOREIGN_KEY_CHECKS = 1")


def _some(names: Sequence[str]) -> str:
    shown = ", ".join(names[:3])
    return shown + (f" and {len(names) - 3} more" if len(names) > 3 else "")


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
            line += f": {_one_line(v.error)}"
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
    "mask_url",
    "reset_postgres",
    "reset_sqlite",
    "scrub",
    "verify",
]
