"""Each rule's documentation, written once.

``prisma-down explain RULE`` prints it, every finding links to it (JSON ``url``, SARIF
``helpUri``, the editor's diagnostic link), and the README's "Rules" section is generated
from it (``python scripts/readme_rules.py``; a test fails when the README differs).
"""

from __future__ import annotations

from prisma_down.core.rules import RULES

# The README on GitHub: each rule is a "### <rule-id>" heading, so its anchor is the id.
DOCS = "https://github.com/prisma-down/prisma-down/blob/main/README.md#"
HOME = "https://github.com/prisma-down/prisma-down"

# What each rule reports and what to do about it, in Markdown; the severity is prefixed
# from the rule's own module (core/rules/*.py), so the two cannot disagree.
_TEXT: dict[str, str] = {
    "missing-down-sql": """\
the migration has no `down.sql`, so it cannot be rolled back. `prisma-down generate`
writes one.""",
    "drop-without-rename": """\
`DROP TABLE` / `DROP COLUMN` destroys data for good. The archive pattern keeps it:
rename `x` to `x_archived` in migration.sql, rename it back in down.sql, and drop the archive
in a later migration once nobody needs it.""",
    "irreversible-statement": """\
a statement no down.sql can undo: `UPDATE`, `DELETE`, `TRUNCATE`, `INSERT … SELECT`,
`DO` blocks that run code, function calls, or SQL prisma-down does not understand. `INSERT` of
literal rows with a known key is reversible (down.sql deletes exactly those rows). So is
`INSERT INTO t (cols) SELECT …` into a table that already existed, when the columns cover a
key of `t` (primary key, or a unique key of NOT NULL columns) whose values the query yields
again (no `random()`, `gen_random_uuid()`, `nextval`, `now()` or unknown function, no LIMIT)
and the query does not read `t`: a plain INSERT that succeeded met no row with those keys, so
down.sql deletes the rows whose key the query yields (`loses-data`: the query reads the data
of that moment, and rows added since with such a key go too). `ON CONFLICT`, `INSERT
IGNORE`, a volatile key or a query reading its target keep it irreversible. When rows of another
table point at those rows through a foreign key with `ON DELETE RESTRICT` or `NO ACTION`,
down.sql's preflight stops it before any change, naming the column to fix (PostgreSQL,
MariaDB/MySQL, and SQLite where foreign keys are enforced); on MySQL and SQLite only for a
referencing table that existed before the migration (their preflight cannot skip a table a
failed migration never created).""",
    "down-does-not-restore": """\
replaying migration.sql and then the existing down.sql over the schema the history
built does not give back the schema from before the migration; each difference is named
(`column "topics"."creatorId" is NOT NULL before, nullable after down.sql`). *Verify
down.sql* in an editor reports what a real database found under the same rule id, with the
source `prisma-down verify`.""",
    "stale-down-sql": """\
the down.sql was generated from a different migration.sql than the one there now.""",
    "unreadable-statement": """\
a statement (or a whole file: not UTF-8, binary, not a regular file, larger than
64 MiB, a link out of the migrations folder, in a folder that cannot be read or whose name
is not UTF-8) prisma-down cannot read. The rest of the file, and the other migrations, are
still analysed.""",
}


def url(rule: str) -> str:
    """The rule's documentation on the web (its README section)."""
    return DOCS + rule


def body(rule: str) -> str:
    """The rule's documentation without its heading: ``severity — text``."""
    return f"{RULES[rule][1]} — {_TEXT[rule]}"


def section(rule: str) -> str:
    """The rule's README section, heading included: what ``explain`` prints."""
    return f"### {rule}\n{body(rule)}\n"


def readme_section() -> str:
    """The README's whole "Rules" section, in the order of ``RULES``."""
    return "## Rules\n\n" + "\n".join(section(rule) for rule in RULES)


def undocumented() -> list[str]:
    """Rule ids without documentation, and documented ids that are no rule (both: none)."""
    return sorted(set(RULES) ^ set(_TEXT))
