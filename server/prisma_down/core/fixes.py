"""Quick-fix rewrites, as text: archive instead of drop, and the statements a down.sql forgot.

Pure functions of a MigrationContext; the language server only turns their results into
edits. What they write is Changes rendered by the engine's renderer (plus, in a split
``ALTER TABLE``, the person's other clauses as written); the archive rewrite is then read
back by the engine's reader over the catalog the statement finds, and a rewrite that does
not do what it stands for (an engine without that statement, a name already taken, a
name no quoting can write) is not offered.
"""

from __future__ import annotations

from contextlib import suppress
from dataclasses import replace

from prisma_down.core import changes as ch
from prisma_down.core import escape
from prisma_down.core.analysis import down_changes, flatten, replay
from prisma_down.core.catalog import Catalog, CatalogError, apply
from prisma_down.core.compare import differences
from prisma_down.core.down import generate, is_generated_unmodified
from prisma_down.core.lint import chained, vouch
from prisma_down.core.read import idioms, read_statement
from prisma_down.core.read.postgres import cursor
from prisma_down.core.read.tokens import ReadError
from prisma_down.core.render import render
from prisma_down.core.repair import repairs
from prisma_down.core.rules.context import MigrationContext
from prisma_down.core.statements import Statement, split
from prisma_down.core.text import Span


def _dialect(ctx: MigrationContext) -> str:
    return ctx.up.before.dialect.name


def _changes(ctx: MigrationContext, statement: Statement) -> tuple[ch.Change, ...]:
    step = next(s for s in ctx.up.steps if s.statement is statement)
    return step.reading.changes


# -- archive instead of drop
def _archivable(ctx: MigrationContext, change: ch.Change) -> bool:
    """The changes drop-without-rename reports (same conditions as the rule)."""
    suffix, before = ctx.archive_suffix, ctx.up.before
    if isinstance(change, ch.DropTable):
        return not change.name.name.endswith(suffix) and change.name in before.tables
    if isinstance(change, ch.DropColumn):
        table = before.tables.get(change.table)
        return (
            not change.name.endswith(suffix)
            and table is not None
            and table.column(change.name) is not None
        )
    return False


def archive_names(ctx: MigrationContext, statement: Statement) -> list[str]:
    """The tables / columns a DROP statement would lose, in order."""
    out = []
    for change in _changes(ctx, statement):
        if isinstance(change, ch.DropTable) and _archivable(ctx, change):
            out.append(change.name.name)
        elif isinstance(change, ch.DropColumn) and _archivable(ctx, change):
            out.append(change.name)
    return out


def _renames(ctx: MigrationContext, change: ch.Change) -> list[ch.Change]:
    """What an archived drop becomes, in order of preference; ``[change]`` if it stays.

    ``DROP TABLE IF EXISTS`` keeps its condition where the engine can say it (a guarded
    rename), else the table, which the history shows is there, is renamed plainly.
    ``DROP COLUMN IF EXISTS`` becomes a plain rename, as it always did.
    """
    if not _archivable(ctx, change):
        return [change]
    suffix = ctx.archive_suffix
    if isinstance(change, ch.DropTable):
        name = change.name
        plain = ch.RenameTable(name, name.renamed(name.name + suffix))
        if not change.if_exists:
            return [plain]
        guard = ch.Guard("table", (name.name,), False, name.schema)
        return [ch.Guarded(guard, (plain,)), plain]
    assert isinstance(change, ch.DropColumn)
    return [ch.RenameColumn(change.table, change.name, change.name + suffix)]


def _before(ctx: MigrationContext, statement: Statement) -> Catalog:
    """The catalog as ``statement`` finds it, replayed the way ``analysis.replay`` does."""
    cat = ctx.up.before
    for step in ctx.up.steps:
        if step.statement is statement:
            break
        for one in flatten(step.reading.changes, lambda: cat):  # noqa: B023 (read as it goes)
            with suppress(CatalogError):
                cat = apply(cat, one)
    return cat


def _applied(cat: Catalog, changes: list[ch.Change]) -> Catalog | None:
    try:
        for one in flatten(tuple(changes), lambda: cat):  # noqa: B023 (read as it goes)
            cat = apply(cat, one)
    except CatalogError:
        return None
    return cat


def _rendered(change: ch.Change, dialect: str, cat: Catalog) -> tuple[str, Catalog] | None:
    """The engine's SQL for ``change`` and the catalog it leaves, if it reads back as that
    change; else None."""
    try:
        sql = render(change, dialect)
    except (ValueError, escape.UnsafeSQL):
        return None
    after = _reads_back(sql, dialect, [change], cat)
    return None if after is None else (sql, after)


def _reads_back(sql: str, dialect: str, expected: list[ch.Change], cat: Catalog) -> Catalog | None:
    """What ``expected`` makes of ``cat``, if ``sql`` read by the engine's reader does the
    same; else None.

    Compared by effect, not by change: SQL Server reads a table's ``sp_rename`` as a rename
    of "an object", which its catalog resolves to the table.
    """
    texts = [st.text for st in split(sql, dialect).statements]
    readings = idioms(texts, [read_statement(t, dialect) for t in texts], dialect)
    got = [c for r in readings for c in r.changes]
    if any(r.problem is not None for r in readings) or any(
        isinstance(c, ch.Unsupported | ch.DataChange) for c in got
    ):
        return None
    want = _applied(cat, expected)
    have = _applied(cat, got) if want is not None else None
    if want is None or have is None or differences(want, have):
        return None
    return want


def archive_rewrite(ctx: MigrationContext, statement: Statement) -> str | None:
    """The statement's text with each reported DROP turned into a rename to the archive name.

    ``DROP TABLE X`` → the engine's table rename (``ALTER TABLE … RENAME TO``, MySQL's
    ``RENAME TABLE``, SQL Server's ``sp_rename``); a statement of column drops → one column
    rename (or drop, for the columns kept) per column. A multi-clause ``ALTER TABLE T DROP
    COLUMN a, ADD COLUMN b`` becomes one statement per clause, the drop a rename, the others
    as written. None when nothing is to archive or the engine cannot write the rewrite.
    """
    changes = _changes(ctx, statement)
    if not any(_archivable(ctx, c) for c in changes):
        return None
    if all(isinstance(c, ch.DropTable) for c in changes):
        kept = [c for c in changes if not _archivable(ctx, c)]
        archived = [c for c in changes if _archivable(ctx, c)]
        return _each_rendered(ctx, statement, [*kept, *archived])
    if all(isinstance(c, ch.DropColumn) for c in changes):
        return _each_rendered(ctx, statement, list(changes))
    # Other clauses stay as written where each reads alone; else all rendered (SQL Server's
    # ``DROP CONSTRAINT c, COLUMN a`` has clauses that are no statement of their own).
    return _clause_rewrite(ctx, statement, changes) or _each_rendered(ctx, statement, list(changes))


def _each_rendered(
    ctx: MigrationContext, statement: Statement, changes: list[ch.Change]
) -> str | None:
    """One statement per change, each archived drop as the first rename the engine writes.

    Each is read back over the catalog the one before it left.
    """
    dialect, cat = _dialect(ctx), _before(ctx, statement)
    out = []
    for change in changes:
        for candidate in _renames(ctx, change):
            done = _rendered(candidate, dialect, cat)
            if done is not None:
                out.append(done[0])
                cat = done[1]
                break
        else:
            return None
    return ";\n".join(out)


def _clause_rewrite(
    ctx: MigrationContext, statement: Statement, changes: tuple[ch.Change, ...]
) -> str | None:
    """``ALTER TABLE`` split per clause: the archived drops renamed, the rest as written."""
    dialect = _dialect(ctx)
    drops = {c.name: c for c in changes if isinstance(c, ch.DropColumn) and _archivable(ctx, c)}
    split_clauses = _alter_table_clauses(statement.text, dialect)
    if not drops or split_clauses is None:
        return None
    head, clauses = split_clauses
    before = cat = _before(ctx, statement)
    out = []
    for clause in clauses:
        name = _dropped_column(clause, dialect)
        if name is not None and name in drops:
            done = _rendered(_renames(ctx, drops[name])[0], dialect, cat)
            if done is None:
                return None
            out.append(done[0])
            cat = done[1]
        else:
            out.append(f"{head} {clause}")  # the person's own SQL, kept as written
    text = ";\n".join(out)
    expected = [c for x in changes for c in _renames(ctx, x)[:1]]
    return text if _reads_back(text, dialect, expected, before) is not None else None


def _alter_table_clauses(text: str, dialect: str) -> tuple[str, list[str]] | None:
    """``ALTER TABLE [IF EXISTS] [ONLY] name`` as written, and each action's source text."""
    try:
        c = cursor(text, dialect)
        c.expect("ALTER", "TABLE")
        c.if_exists()
        c.accept("ONLY")
        c.qname()
        c.accept_punct("*")
    except ReadError:
        return None
    first = c.peek()
    if first is None:
        return None
    head = text[: first.start].rstrip()
    clauses: list[str] = []
    depth, start, end = 0, first.start, first.start
    for tok in c.toks[c.i :]:
        if tok.kind == "punct" and tok.text in "([":
            depth += 1
        elif tok.kind == "punct" and tok.text in ")]":
            depth -= 1
        elif tok.kind == "punct" and tok.text == "," and depth == 0:
            clauses.append(text[start:end])
            start = -1
            continue
        if start == -1:
            start = tok.start
        end = tok.end
    if start != -1:
        clauses.append(text[start:end])
    return head, clauses


def _dropped_column(clause: str, dialect: str) -> str | None:
    try:
        c = cursor(clause, dialect)
        if not c.accept("DROP") or c.is_word("CONSTRAINT"):
            return None
        c.accept("COLUMN")
        c.if_exists()
        return c.name()
    except ReadError:
        return None


def archived_up(ctx: MigrationContext, statement: Statement, rewrite: str) -> tuple[Span, str]:
    """Where the rewrite goes (the statement up to, not including, its ``;``) and the new
    migration.sql text."""
    span = Span(statement.span.start, statement.span.start + len(statement.text))
    text = ctx.up_text[: span.start] + rewrite + ctx.up_text[span.end :]
    return span, text


def regenerated_down(ctx: MigrationContext, new_up: str) -> str | None:
    """down.sql for ``new_up`` if the current one is untouched generated output, else None."""
    if ctx.down_text is None or not is_generated_unmodified(ctx.down_text):
        return None
    dialect = _dialect(ctx)
    analysis = replay(new_up, dialect, ctx.up.before)
    text = generate(ctx.migration.name, new_up, analysis, dialect)
    chain = chained(ctx.chain_before, new_up) if ctx.chain_before else ""
    new = replace(ctx, up_text=new_up, up=analysis, replayed=None, vouched=False, chain=chain)
    return vouch(text, new, chain)  # as generate writes it once the rewrite is applied


# -- add the statements a down.sql forgot
def restoring_changes(ctx: MigrationContext) -> list[ch.Change]:
    """Inverse changes that, appended to down.sql, bring it closer to the schema before.

    Greedy: try the generated inverses in down order, keep each that lowers the number of
    differences, and go round again while any did; then the same with the changes a direct
    comparison of the two schemas suggests (``core.repair``).
    """
    if ctx.down is None:
        return []
    target, cat = ctx.up.before, ctx.down.after
    diffs = differences(target, cat)
    candidates = [c for _, inv in down_changes(ctx.up) for c in inv.changes]
    added: list[ch.Change] = []
    progress = True
    while diffs and progress:
        progress = False
        for change in candidates:
            if any(change is a for a in added):
                continue
            try:
                after = apply(cat, change)
            except CatalogError:
                continue
            left = differences(target, after)
            if len(left) < len(diffs):
                cat, diffs, progress = after, left, True
                added.append(change)
    if diffs:  # what the person's down.sql did differently: compare the schemas directly
        dialect = _dialect(ctx)
        for change in repairs(target, cat):
            if not _writable(change, dialect):
                continue
            try:
                after = apply(cat, change)
            except CatalogError:
                continue
            left = differences(target, after)
            if len(left) < len(diffs):
                cat, diffs = after, left
                added.append(change)
    return added


def _writable(change: ch.Change, dialect: str) -> bool:
    """Whether ``dialect`` has SQL for ``change``: ``core.repair`` compares schemas without
    knowing the engine, and SQLite has no ALTER COLUMN (the fix then raised ValueError, an
    internal error for the editor). A name no quoting can write is left to the edit, which
    refuses it in one sentence."""
    try:
        render(change, dialect)
    except escape.UnsafeSQL:
        return True
    except ValueError:
        return False
    return True


def restoring_text(ctx: MigrationContext, changes: list[ch.Change]) -> str:
    """The statements to append at the end of down.sql, one per line."""
    dialect = _dialect(ctx)
    lines = ["-- Added by prisma-down: what down.sql did not restore."]
    for change in changes:
        if isinstance(change, (ch.CreateIndex, ch.DropIndex)) and change.concurrently:
            change = replace(change, concurrently=False)  # not inside the script's transaction
        lines.append(render(change, dialect) + ";")
    existing = ctx.down_text or ""
    lead = "" if not existing else ("\n" if existing.endswith("\n") else "\n\n")
    return lead + "\n".join(lines) + "\n"
