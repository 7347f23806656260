"""What ``verify`` reports: a line per migration and a summary, or JSON; and whether it failed."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from prisma_down.verify import partial as partial_states
from prisma_down.verify.roundtrip import NO_DOWN, RowsReport, Verdict
from prisma_down.verify.target import one_line
from prisma_down.verify.withrows import STOPPED, STOPPED_CLEAN, STOPPED_HALFWAY

FAILING = frozenset(
    {
        "mismatch",
        "down-failed",
        "reapply-failed",
        "reapply-mismatch",
        *partial_states.FAILING,
        *STOPPED,
    }
)


def failed(verdicts: Sequence[Verdict]) -> bool:
    return any(v.status in FAILING for v in verdicts)


def as_json(verdicts: Sequence[Verdict]) -> list[dict[str, Any]]:
    """One object per migration; with partial states, ``partial_states`` (how many were
    tried) and ``partial`` (each that failed: ``applied``, ``statements``,
    ``stopped_before_line``, ``status``, ``differences``, ``error``); with rows, ``rows``
    (:func:`rows_json`)."""
    out: list[dict[str, Any]] = []
    for v in verdicts:
        item: dict[str, Any] = {
            "migration": v.name,
            "status": v.status,
            "differences": list(v.differences),
            "error": v.error,
        }
        if v.rows is not None:
            item["rows"] = rows_json(v.rows)
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


def rows_json(rows: RowsReport) -> dict[str, Any]:
    """``inserted`` (table → rows generated before the migration), ``refused`` (rows the
    engine refused: ``table``, ``rows``, ``error``), ``compared_tables`` (tables held to
    their rows), ``lost`` (what loses-data steps lost), ``up_error`` (migration.sql failed
    on the rows: verified on empty tables instead)."""
    return {
        "inserted": dict(rows.inserted),
        "refused": [{"table": t, "rows": n, "error": e} for t, n, e in rows.refused],
        "compared_tables": rows.compared,
        "lost": list(rows.lost),
        "up_error": rows.up_error,
    }


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
    STOPPED_CLEAN: "down.sql failed and stopped cleanly (the database is as it was before "
    "down.sql)",
    STOPPED_HALFWAY: "down.sql failed and stopped halfway (the database is neither as before "
    "nor as after down.sql)",
}


def as_text(verdicts: Sequence[Verdict]) -> list[str]:
    lines: list[str] = []
    for v in verdicts:
        line = f"{v.name}: {_SAY.get(v.status, v.status)}"
        if v.error:
            line += f": {one_line(v.error)}"
        lines.append(line)
        lines.extend(f"  - {d}" for d in v.differences)
        if v.rows is not None:
            lines.extend(_rows_lines(v.rows))
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
    with_rows = [v.rows for v in verdicts if v.rows is not None]
    if any(r.inserted or r.refused for r in with_rows):
        summary += "; " + _rows_summary(verdicts, with_rows)
    lines.append(summary)
    return lines


def _rows_lines(rows: RowsReport) -> list[str]:
    """What the rows showed, under a migration's line: only what is worth reading."""
    out = []
    if rows.up_error:
        out.append(
            f"  rows: migration.sql fails on them ({rows.up_error}): verified on empty tables"
        )
    for table, n, error in rows.refused:
        out.append(f"  rows: {n} refused by {table}: {error}")
    out.extend(f"  lost (loses-data): {what}" for what in rows.lost)
    return out


def _rows_summary(verdicts: Sequence[Verdict], rows: Sequence[RowsReport]) -> str:
    inserted = sum(n for r in rows for _, n in r.inserted)
    refused = sum(n for r in rows for _, n, _ in r.refused)
    clean = sum(1 for v in verdicts if v.status == STOPPED_CLEAN)
    halfway = sum(1 for v in verdicts if v.status == STOPPED_HALFWAY)
    text = f"with rows: {inserted} generated"
    if refused:
        text += f", {refused} refused"
    if clean or halfway:
        text += f"; down.sql stopped cleanly {clean}, halfway {halfway}"
    lost = sum(1 for r in rows if r.lost)
    if lost:
        text += f"; {lost} lost data where a step said so"
    empty = sum(1 for r in rows if r.up_error)
    if empty:
        text += f"; {empty} verified on empty tables (migration.sql fails on rows)"
    return text


__all__ = ["FAILING", "as_json", "as_text", "failed", "rows_json"]
