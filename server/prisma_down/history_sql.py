"""The script that rolls back an applied migration: its down.sql and Prisma's history row.

What Prisma's schema engine does with ``_prisma_migrations`` (prisma/prisma-engines):

- The table (``create_migrations_table`` in
  ``schema-engine/connectors/sql-schema-connector/src/flavour/{postgres,mysql,sqlite}.rs``):
  ``id``, ``checksum``, ``finished_at``, ``migration_name``, ``logs``, ``rolled_back_at``,
  ``started_at``, ``applied_steps_count``; one row per attempt to apply a migration.
- ``migrate deploy`` (``schema-engine/commands/src/commands/apply_migrations.rs``) applies
  every migration folder that has no row with ``rolled_back_at`` NULL, and refuses to run
  at all while a row has neither ``finished_at`` nor ``rolled_back_at`` (a failed one,
  P3009, printing its ``logs``).
- ``migrate resolve --rolled-back`` (``schema-engine/commands/src/commands/
  mark_migration_rolled_back.rs``) refuses a migration with no row (P3011) or whose rows
  all have ``finished_at`` (P3012: "not in a failed state"); otherwise it sets
  ``rolled_back_at`` to now on each row with neither (``mark_migration_rolled_back_by_id``
  in ``src/sql_migration_persistence.rs``: one ``UPDATE … SET rolled_back_at``). The row
  stays, as an audit trail.
- ``logs`` holds the error of a failed attempt (``record_failed_step``);
  ``applied_steps_count`` is raised once when the script ran (``record_successful_step``);
  no decision reads it.

So an applied migration is rolled back, by Prisma's own rules, by setting
``rolled_back_at`` on its rows, exactly as ``resolve`` marks a failed one: ``migrate
deploy`` then applies it again. Each script first checks that the migration has such a
row, and stops (changing nothing) with ``PRISMA_DOWN_NOT_APPLIED`` in its error otherwise.

What is atomic where:

- PostgreSQL: the whole script (check, down.sql, history update) is one transaction
  (``prisma db execute`` sends it as one simple query; it also says ``BEGIN``/``COMMIT``):
  if any statement fails, nothing changes. A ``BEGIN``/``COMMIT`` of down.sql itself is
  left out (a ``COMMIT`` would end the transaction early); a statement PostgreSQL does
  not run in a transaction (``CONCURRENTLY``, ``VACUUM``) is refused before anything runs.
- MySQL/MariaDB: every DDL statement commits on its own, so nothing makes the script
  atomic. The order is the safe one: check, then mark the row *failed* (``finished_at``
  NULL, a note in ``logs``), then down.sql, then ``prisma migrate resolve
  --rolled-back``. If down.sql stops halfway, the history says "failed", which is true:
  ``migrate deploy`` refuses to run over it, and ``prisma-down rollback`` again runs
  down.sql (guarded, it runs from a half-done state) and resolves.
- SQLite: DDL is transactional, but ``PRAGMA foreign_keys=OFF`` (which a table
  redefinition needs) is a no-op inside a transaction, and a ``DROP TABLE`` would then
  delete rows through ``ON DELETE CASCADE``. So no transaction: the MySQL order.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from prisma_down.core.escape import comment, dollar_tag, identifier, literal
from prisma_down.core.statements import split

__all__ = ["ATOMIC", "GUARD_MARK", "ScriptError", "applied_script"]

GUARD_MARK = "PRISMA_DOWN_NOT_APPLIED"
ATOMIC = frozenset({"postgres"})  # one transaction; the others end with migrate resolve

_TRANSACTION = re.compile(
    r"(?is)\s*(BEGIN|START\s+TRANSACTION|COMMIT|END)\b\s*(WORK|TRANSACTION)?\s*$"
)
_NOT_IN_TRANSACTION = re.compile(
    r"(?is)^\s*(ROLLBACK|SAVEPOINT|RELEASE|PREPARE\s+TRANSACTION|VACUUM|"
    r"(CREATE|DROP|REINDEX)\b[^;]*\bCONCURRENTLY\b|ALTER\s+SYSTEM|CREATE\s+DATABASE)"
)


class ScriptError(Exception):
    """down.sql cannot run as this script: one sentence, nothing runs."""


def applied_script(dialect: str, name: str, down_text: str) -> str:
    """The script rolling the applied migration ``name`` back with ``down_text``.

    Raises:
        ScriptError: the dialect has no such script, or down.sql holds a statement the
            PostgreSQL transaction cannot hold.
    """
    table = identifier("_prisma_migrations", dialect)
    column = {c: identifier(c, dialect) for c in ("migration_name", "rolled_back_at")}
    where = (
        f"{column['migration_name']} = {literal(name, dialect)} "
        f"AND {column['rolled_back_at']} IS NULL"
    )
    if dialect in ATOMIC:
        return _postgres(name, down_text, table, where)
    check = _APPLIED_CHECKS.get(dialect)
    if check is not None:
        return _ordered(dialect, name, down_text, table, where, check)
    raise ScriptError(
        "rolling back an applied migration is supported on PostgreSQL, MySQL and SQLite; "
        "on this provider run down.sql and mark the migration by hand"
    )


def _postgres(name: str, down_text: str, table: str, where: str) -> str:
    body = _one_transaction(down_text)
    check = (
        f"  IF NOT EXISTS (SELECT 1 FROM {table} WHERE {where}) THEN\n"
        f"    RAISE EXCEPTION '{GUARD_MARK}: % has no row in _prisma_migrations that is not "
        f"rolled back', {literal(name, 'postgres')};\n"
        "  END IF;\n"
    )
    tag = dollar_tag(check, "prisma_down")
    return (
        f"-- prisma-down rollback of {comment(name)}: its down.sql and its _prisma_migrations "
        "rows, in one transaction\n"
        "BEGIN;\n"
        f"DO {tag} BEGIN\n{check}END {tag};\n\n"
        f"{body.rstrip()}\n\n"
        "-- what `prisma migrate resolve --rolled-back` does to a failed row\n"
        f'UPDATE {table} SET "rolled_back_at" = now() WHERE {where};\n'
        "COMMIT;\n"
    )


def _one_transaction(down_text: str) -> str:
    """down.sql with its own BEGIN/COMMIT left out; a statement no transaction may hold
    refused."""
    script = split(down_text, "postgres")
    text = down_text
    for st in reversed(script.statements):
        line = script.lines.position(st.span.start).line + 1
        if _NOT_IN_TRANSACTION.match(st.text):
            first = " ".join(st.text.split()[:4])
            raise ScriptError(
                f"down.sql line {line} ({comment(first)} …) cannot run inside a transaction, "
                "and the rollback runs as one: run it by hand, then this again"
            )
        if _TRANSACTION.fullmatch(st.text):
            kept = (
                f"-- ({comment(st.text.strip())} of down.sql line {line}: the whole script "
                "is one transaction)"
            )
            text = text[: st.span.start] + kept + text[st.span.end :]
    return text


def _mysql_check(table: str, where: str, note: str) -> tuple[str, str]:
    """Stop unless the row is applied (a prepared statement naming a missing table), and
    the logs with ``note`` appended."""
    check = (
        f"SET @prisma_down := IF(EXISTS (SELECT 1 FROM {table} WHERE {where}), "
        f"'DO 0', 'SELECT 1 FROM {GUARD_MARK}');\n"
        "PREPARE prisma_down FROM @prisma_down;\n"
        "EXECUTE prisma_down;\n"
        "DEALLOCATE PREPARE prisma_down;\n"
    )
    return check, f"CONCAT(COALESCE(`logs`, ''), {note})"


def _sqlite_check(table: str, where: str, note: str) -> tuple[str, str]:
    """Stop unless the row is applied (a CHECK named for the reason fails), and the logs
    with ``note`` appended."""
    guard = '"prisma_down_guard"'
    check = (
        f'CREATE TEMP TABLE {guard} ("applied" INTEGER CONSTRAINT {GUARD_MARK} '
        'CHECK ("applied"));\n'
        f"INSERT INTO {guard} SELECT EXISTS (SELECT 1 FROM {table} WHERE {where});\n"
        f"DROP TABLE {guard};\n"
    )
    return check, f"COALESCE(\"logs\", '') || {note}"


# engines without one transaction for DDL: how the script checks the row is applied
_APPLIED_CHECKS = {"mysql": _mysql_check, "sqlite": _sqlite_check}


def _ordered(
    dialect: str,
    name: str,
    down_text: str,
    table: str,
    where: str,
    applied: Callable[[str, str, str], tuple[str, str]],
) -> str:
    """MySQL and SQLite: check, mark the row failed, down.sql (then migrate resolve)."""
    note = literal(
        f"\nprisma-down rollback: finished_at cleared before running down.sql of {name}; "
        "if this row is still failed, down.sql stopped: run prisma-down rollback again",
        dialect,
    )
    check, logs = applied(table, where, note)
    finished, log_column = identifier("finished_at", dialect), identifier("logs", dialect)
    return (
        f"-- prisma-down rollback of {comment(name)}: each statement commits on its own here; "
        "the row is marked failed first, then\n"
        "-- down.sql runs, then `prisma migrate resolve --rolled-back` marks it rolled back\n"
        f"{check}"
        f"UPDATE {table} SET {finished} = NULL, {log_column} = {logs} WHERE {where};\n\n"
        f"{down_text.rstrip()}\n"
    )
