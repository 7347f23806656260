"""``prisma-down verify``: prove the down.sql files on disk on a throwaway database.

For each migration, on one database that replays the history in order: snapshot, apply
migration.sql, apply down.sql, compare with the snapshot, apply migration.sql again, compare
with the state after the first up (:func:`prisma_down.verify.roundtrip.verify_history`).
Unless ``empty``, every table is first topped up with generated rows, and down.sql must give
back the rows of the tables every step called exact
(:func:`prisma_down.verify.withrows.verify_with_rows`). With ``partial``, first from every
state a failed run of migration.sql can leave (:mod:`prisma_down.verify.partial`), starting
afresh after a trial that went wrong.

The database (:mod:`prisma_down.verify.engines`) is, by default, one nobody else sees:
SQLite in a temporary file, PostgreSQL or MariaDB as a private server started from the
locally installed programs in a temporary folder and removed afterwards.
``--database-url`` names a disposable database instead; it must hold no tables
(``_prisma_migrations`` aside) unless ``reuse`` is given, in which case it is emptied first.
Whatever the history created is removed at the end either way. The verdicts are printed by
:mod:`prisma_down.verify.output`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from prisma_down.core.history import History, Migration
from prisma_down.core.touched import TableRisks
from prisma_down.urls import scrub
from prisma_down.verify import engines
from prisma_down.verify import partial as partial_states
from prisma_down.verify.roundtrip import NO_DOWN, Verdict, verify_history
from prisma_down.verify.target import Target, VerifyError, one_line
from prisma_down.verify.withrows import verify_with_rows

_PROGRESS_FROM = 10  # more migrations than this: a progress line per migration on stderr


def verify(
    history: History,
    only: str | None = None,
    database_url: str | None = None,
    reuse: bool = False,
    progress: Callable[[str], None] | None = None,
    partial: bool = False,
    empty: bool = False,
) -> list[Verdict]:
    """Verify every migration (or only ``only``, after replaying the ones before it).

    ``partial``: also from every state a failed run of migration.sql can leave.
    ``empty``: no generated rows (the tables hold only what the migrations insert).
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
        with engines.target(history.dialect, database_url, reuse) as target:
            risks = None if empty or target.rows is None else _risks(history)
            dialect = history.dialect if partial else None
            return _run(target, replay, checked, progress, dialect, risks)
    except VerifyError as error:
        raise VerifyError(scrub(str(error), database_url)) from None


def _run(
    target: Target,
    replay: Sequence[Migration],
    checked: Sequence[Migration],
    progress: Callable[[str], None] | None,
    partial: str | None = None,
    risks: dict[str, TableRisks] | None = None,
) -> list[Verdict]:
    """``partial``: the dialect, when partial states are tried too; ``risks``: per
    migration, how surely each table gets its rows back (None: no rows)."""
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
        verdict = _one(target, m, partial, done, risks)
        out.append(verdict)
        done.append(m.up.text)
        if show is not None:
            show(f"[{i}/{total}] {m.name} ... {verdict.status}")
    return out


def _one(
    target: Target,
    m: Migration,
    partial: str | None,
    done: Sequence[str],
    risks: dict[str, TableRisks] | None = None,
) -> Verdict:
    """One migration on ``target``, which holds ``done`` (the up scripts before it)."""
    if m.up.error is not None:
        return Verdict(m.name, "up-failed", error=m.up.error)
    if m.down is None or m.down.error is not None:
        reason = "no down.sql" if m.down is None else f"down.sql unreadable: {m.down.error}"
        error = target.apply(target.conn, m.up.text)  # later migrations build on it
        if error is not None:
            return Verdict(m.name, "up-failed", error=error)
        return Verdict(m.name, NO_DOWN, error=reason)

    def restart() -> None:
        target.reset(target.conn)
        for text in done:
            target.apply(target.conn, text)  # one that failed fails as it did at first

    full: Callable[[], Verdict] | None = None
    if risks is not None and target.rows is not None:
        rows, up, down = target.rows, m.up.text, m.down.text
        found = risks.get(m.name, TableRisks({}))

        def with_rows() -> Verdict:
            return verify_with_rows(target, rows, m.name, up, down, found, restart)

        if partial is None:
            return with_rows()
        full = with_rows
    if partial is not None:
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
            full,
        )
    return verify_history(
        target.conn,
        [(m.name, m.up.text, m.down.text)],
        target.apply,
        snapshot=target.snapshot,
        diff=target.diff,
    )[0]


def _risks(history: History) -> dict[str, TableRisks]:
    """Per migration, the worst risk of the steps touching each table, from the engine's
    analysis of the whole history."""
    from prisma_down.core.analysis import Analyzer
    from prisma_down.core.touched import table_risks

    analyses = Analyzer(history.dialect).analyse([m.up.text for m in history.migrations])
    return {
        m.name: table_risks(a, history.dialect)
        for m, a in zip(history.migrations, analyses, strict=True)
    }


__all__ = ["verify"]
