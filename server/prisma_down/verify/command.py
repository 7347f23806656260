"""``prisma-down verify``: prove the down.sql files on disk on a throwaway database.

For each migration, on one database that replays the history in order: snapshot, apply
migration.sql, apply down.sql, compare with the snapshot, apply migration.sql again, compare
with the state after the first up (:func:`prisma_down.verify.roundtrip.verify_history`).
With ``partial``, first from every state a failed run of migration.sql can leave
(:mod:`prisma_down.verify.partial`), starting afresh after a trial that went wrong.

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
from prisma_down.urls import scrub
from prisma_down.verify import engines
from prisma_down.verify import partial as partial_states
from prisma_down.verify.roundtrip import NO_DOWN, Verdict, verify_history
from prisma_down.verify.target import Target, VerifyError, one_line

_PROGRESS_FROM = 10  # more migrations than this: a progress line per migration on stderr


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
        with engines.target(history.dialect, database_url, reuse) as target:
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


__all__ = ["verify"]
