"""drop-without-rename: DROP TABLE / DROP COLUMN destroys data a rename would keep.

The archive pattern: rename ``x`` to ``x_archived`` in migration.sql, rename it back in
down.sql; drop the archive in a later migration once nobody needs it.
"""

from __future__ import annotations

from collections.abc import Iterator

from prisma_down.core import changes as ch
from prisma_down.core.analysis import Step
from prisma_down.core.findings import Finding
from prisma_down.core.rules.context import MigrationContext, finding, related

RULE = "drop-without-rename"
SEVERITY = "warning"
SUMMARY = "DROP TABLE / DROP COLUMN loses data that renaming to an archive name would keep."


def check(ctx: MigrationContext) -> Iterator[Finding]:
    suffix = ctx.archive_suffix
    for step in ctx.up.steps:
        for change in step.reading.changes:
            if isinstance(change, ch.DropTable):
                if change.name.name.endswith(suffix) or change.name not in ctx.up.before.tables:
                    continue  # an archive already, or made by this very migration
                msg = (
                    f'DROP TABLE "{change.name.name}" deletes its rows for good: rename it to '
                    f'"{change.name.name}{suffix}" instead and rename it back in down.sql'
                )
                yield _report(ctx, step, msg, ("table", str(change.name)), change.name.name)
            elif isinstance(change, ch.DropColumn):
                before = ctx.up.before.tables.get(change.table)
                if change.name.endswith(suffix) or before is None or not before.column(change.name):
                    continue
                msg = (
                    f'DROP COLUMN "{change.table.name}"."{change.name}" deletes its values for '
                    f'good: rename it to "{change.name}{suffix}" instead and rename it back '
                    "in down.sql"
                )
                yield _report(
                    ctx, step, msg, ("column", str(change.table), change.name), change.name
                )
            elif isinstance(change, ch.RedefineTable):  # SQLite: columns left out are dropped
                yield from _left_out(ctx, step, change)


def _left_out(ctx: MigrationContext, step: Step, change: ch.RedefineTable) -> Iterator[Finding]:
    table = change.table.name
    before = ctx.up.before.tables.get(table)
    if before is None:
        return  # made by this very migration
    copied = {old for _, old in change.copied}
    for col in before.columns:
        if col.name in copied or col.name.endswith(ctx.archive_suffix):
            continue
        msg = (
            f'the redefinition of "{table.name}" drops column "{table.name}"."{col.name}" and '
            f'deletes its values for good: keep it as "{col.name}{ctx.archive_suffix}" instead '
            "and rename it back in down.sql"
        )
        yield _report(ctx, step, msg, ("column", str(table), col.name), col.name)


def _report(
    ctx: MigrationContext, step: Step, msg: str, origin_key: tuple[str, ...], name: str
) -> Finding:
    """A finding on the dropping statement, pointing at where the dropped thing was created."""
    origin = ctx.origins.get(origin_key)
    rel = (related(origin, f'"{name}" is created here'),) if origin else ()
    return finding(
        RULE,
        SEVERITY,
        ctx.up_path,
        ctx.up.script.lines,
        step.statement.span,
        msg,
        ctx.migration.name,
        rel,
    )
