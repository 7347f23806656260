"""What ``verify`` reports: a line per migration and a summary, or JSON; and whether it failed."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from prisma_down.verify import partial as partial_states
from prisma_down.verify.roundtrip import NO_DOWN, Verdict
from prisma_down.verify.target import one_line

FAILING = frozenset(
    {"mismatch", "down-failed", "reapply-failed", "reapply-mismatch", *partial_states.FAILING}
)


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


__all__ = ["FAILING", "as_json", "as_text", "failed"]
