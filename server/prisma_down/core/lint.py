"""A whole history through the engine: contexts per migration, then the rules over them.

Adapters (CLI, language server) call ``analyse_history`` then ``run_rules``; editor buffers
that differ from the disk are passed as ``overrides``. A down.sql whose stamp vouches for
it (``core.down.vouches``: ``generate`` replayed it and ``vouch`` found the replay adds no
finding) is not replayed: the findings are the same, for a fraction of the time.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import replace
from pathlib import Path

from prisma_down.core import changes as ch
from prisma_down.core.analysis import Analyzer, ScriptAnalysis, UpAnalysis, sha256
from prisma_down.core.down import stamped, vouches
from prisma_down.core.findings import Finding
from prisma_down.core.history import History, Migration
from prisma_down.core.pmap import PMap
from prisma_down.core.rules import RULES
from prisma_down.core.rules.context import MigrationContext, Origin, OriginKey
from prisma_down.core.statements import Comment, Script, Statement

_IGNORE = re.compile(r"prisma-down-ignore(-file)?(?:\s+([\w,\s-]+))?", re.I)


ContextMemo = dict[object, object]


def analyse_history(
    history: History,
    analyzer: Analyzer,
    overrides: Mapping[Path, str] | None = None,
    archive_suffix: str = "_archived",
    memo: ContextMemo | None = None,
    trust: bool = True,
) -> list[MigrationContext]:
    """One context per migration. With ``memo`` (kept by the caller between runs), an
    unchanged migration reuses its context: an edit costs the edited migration and a
    dictionary lookup for each of the others. Without ``trust`` every down.sql is replayed,
    vouched for or not (``check --recheck``)."""
    overrides = overrides or {}
    memo = memo if memo is not None else {}
    paths = [_paths(m, memo) for m in history.migrations]
    ups = [
        overrides.get(up_path, m.up.text)
        for m, (up_path, _) in zip(history.migrations, paths, strict=True)
    ]
    analyses = analyzer.analyse(ups)
    chains = analyzer.chain(ups)  # the digests are cached: cheap
    befores = [analyzer.dialect, *chains[:-1]]
    origins: PMap[OriginKey, Origin] = PMap()
    out: list[MigrationContext] = []
    fresh: ContextMemo = {}
    for m, up_text, up, chain, before, (up_path, down_path) in zip(
        history.migrations, ups, analyses, chains, befores, paths, strict=True
    ):
        down_text = overrides.get(down_path)
        if down_text is None and m.down is not None:
            down_text = m.down.text if m.down.error is None else None
        key = ("ctx", id(up), down_text, archive_suffix, id(m), trust)
        hit = memo.get(key)
        if isinstance(hit, tuple) and hit[0] is up and hit[1] is m:
            ctx = hit[2]
            made = ctx.origins  # a PMap, made below in an earlier run
            origins = made if isinstance(made, PMap) else PMap(made)
        else:
            # where each table and column was last created, up to and with this migration:
            # a persistent map sharing all but this migration's entries with the one before
            origins = origins.update(_layer(m, up, up_path, memo, fresh).items())
            # the same up analysis (``id(up)`` in the key) is the same chain: so is the verdict
            have = down_text is not None
            vouched = have and trust and vouches(down_text or "", chain, analyzer.dialect)
            down = analyzer.replay_down(up, down_text or "") if have and not vouched else None
            ctx = MigrationContext(
                m,
                up_text,
                up,
                down_text,
                down,
                origins,
                archive_suffix,
                up_path,
                down_path,
                vouched,
                chain,
                before,
            )
        fresh[key] = (up, m, ctx)
        fresh[("paths", id(m))] = (m, (up_path, down_path))
        out.append(ctx)
    memo.clear()
    memo.update(fresh)
    return out


def _paths(m: Migration, memo: ContextMemo) -> tuple[Path, Path]:
    hit = memo.get(("paths", id(m)))
    if isinstance(hit, tuple) and hit[0] is m:
        return hit[1]  # type: ignore[no-any-return]
    return m.up.path, m.directory / "down.sql"


def _layer(
    m: Migration, up: ScriptAnalysis, path: Path, memo: ContextMemo, fresh: ContextMemo
) -> Mapping[OriginKey, Origin]:
    """The tables and columns one migration creates."""
    key = ("layer", id(up), path)
    hit = memo.get(key)
    if isinstance(hit, tuple) and hit[0] is up:
        fresh[key] = hit
        return hit[1]  # type: ignore[no-any-return]
    layer: dict[OriginKey, Origin] = {}
    for step in up.steps:
        for change in step.reading.changes:
            here = Origin(m.name, path, step.statement.span, up.script.lines)
            if isinstance(change, ch.CreateTable):
                layer[("table", str(change.table.name))] = here
                for col in change.table.columns:
                    layer[("column", str(change.table.name), col.name)] = here
            elif isinstance(change, ch.AddColumn):
                layer[("column", str(change.table), change.column.name)] = here
    fresh[key] = (up, layer)
    return layer


RuleMemo = dict[tuple[object, ...], tuple[MigrationContext, list[Finding]]]


def run_rules(
    contexts: list[MigrationContext],
    severities: Mapping[str, str] | None = None,
    memo: RuleMemo | None = None,
    ignore: Mapping[str, tuple[str, ...]] | None = None,
) -> list[Finding]:
    """Findings of every enabled rule, with suppression comments honoured, in file order.

    With ``memo``, a migration whose analysis objects are unchanged (the Analyzer hands back
    the same ones) reuses its findings: an editor re-checks only what an edit touched.
    ``ignore`` (the config's ``"ignore"``) silences the named rules ("*": all) on the named
    migrations, in both of their files.
    """
    severities = severities or {}
    ignore = ignore or {}
    found: list[Finding] = []
    fresh: RuleMemo = {}
    for ctx in contexts:
        key = (
            id(ctx.up),
            id(ctx.replayed),
            ctx.vouched,
            ctx.down_text,
            ctx.archive_suffix,
            ctx.up_text,
        )
        hit = memo.get(key) if memo is not None else None
        if hit is not None and hit[0].up is ctx.up and hit[0].replayed is ctx.replayed:
            findings = hit[1]
        else:
            findings = _check(ctx, severities)
        fresh[key] = (ctx, findings)
        silenced = ignore.get(ctx.migration.name)
        if silenced:
            findings = [f for f in findings if not ("*" in silenced or f.rule in silenced)]
        found.extend(findings)
    if memo is not None:
        memo.clear()
        memo.update(fresh)
    return sorted(found, key=Finding.sort_key)


def _check(ctx: MigrationContext, severities: Mapping[str, str]) -> list[Finding]:
    if ctx.vouched:
        ctx = ctx.unreplayed()  # its replay adds no finding: ``vouch`` made sure when it wrote it
    found: list[Finding] = []
    ignored = _suppressions(ctx)
    for rule, (check, default, _) in RULES.items():
        severity = severities.get(rule, default)
        if severity == "off":
            continue
        for f in check(ctx):
            if _suppressed(f, ignored):
                continue
            if severity != f.severity:
                f = replace(f, severity=severity)
            found.append(f)
    return found


def vouch(
    text: str,
    entry: UpAnalysis | MigrationContext,
    chain: str,
    analyzer: Analyzer | None = None,
) -> str:
    """``text``, the down.sql ``generate`` rendered for ``entry``, stamped with the verdict
    that lets ``check`` trust it (``core.down.stamped``) when its replay adds no finding: the
    stamped text replayed over the migration's analysis, the way ``analyse_history`` does,
    must give every rule the same findings as the text alone, none of them in down.sql (so
    no problem, no difference, nothing unreadable, nothing a comment in it could silence).
    Else ``text`` as it is, replayed in full by every check.

    ``chain``: the history's chain hash up to and with this migration (``Analyzer.chain``;
    a context carries its own). ``analyzer``: the one that analysed the history, if at hand.
    """
    if not chain:
        return text
    analyzer = analyzer if analyzer is not None else Analyzer(entry.up.before.dialect.name)
    out = stamped(text, chain, analyzer.dialect)
    replayed = analyzer.replay_down(entry.up, out)
    m, paths = entry.migration, (entry.up_path, entry.down_path)
    full = MigrationContext(m, entry.up_text, entry.up, out, replayed, {}, "_archived", *paths)
    found = _raw(full)
    if found != _raw(full.unreplayed()) or any(f.path == entry.down_path for f in found):
        return text
    return out


def chained(before: str, up_text: str) -> str:
    """The chain hash of a migration whose text is ``up_text``, after ``before`` (a context's
    ``chain_before``): as ``Analyzer.chain`` makes it, for a text not analysed in a history
    yet (a quick fix's rewritten migration.sql)."""
    return sha256(before + "\0" + sha256(up_text))


def _raw(ctx: MigrationContext) -> list[Finding]:
    """Every rule's findings at its default severity, nothing suppressed."""
    return [f for check, _, _ in RULES.values() for f in check(ctx)]


def baselined(history: History, baseline: str | None) -> frozenset[str] | None:
    """The migrations a baseline covers: it and every one before it (None: the baseline
    names no migration of this history; empty: no baseline)."""
    if baseline is None:
        return frozenset()
    index = history.index_of(baseline)
    if index is None:
        return None
    return frozenset(m.name for m in history.migrations[: index + 1])


Suppression = tuple[Path, int, int, frozenset[str]]  # file, span, rules ('*' = all)


def _suppressions(ctx: MigrationContext) -> list[Suppression]:
    out: list[Suppression] = []
    scripts: list[tuple[Path, Script]] = [(ctx.up_path, ctx.up.script)]
    if ctx.down is not None:
        scripts.append((ctx.down_path, ctx.down.script))
    for path, script in scripts:
        if not _may_suppress(script.text):
            continue  # one look at the text instead of one per comment
        owners: dict[Comment, list[Statement]] | None = None
        for comment in script.comments:
            m = _IGNORE.search(comment.text)
            if m is None:
                continue
            rules = frozenset(r for r in re.split(r"[\s,]+", (m.group(2) or "").strip()) if r)
            rules = rules or frozenset({"*"})
            if m.group(1):
                out.append((path, 0, len(script.text) + 1, rules))
                continue
            if owners is None:  # the statements each comment belongs to, found once
                owners = {}
                for st in script.statements:
                    for c in dict.fromkeys((*st.comments, *st.trailing)):
                        owners.setdefault(c, []).append(st)
            for st in owners.get(comment, []):
                out.append((path, st.span.start, st.span.end, rules))
    return out


def _may_suppress(text: str) -> bool:
    """Whether ``text`` may hold a suppression comment: a case-insensitive regex search is
    slow over a long file, and ``-down-`` (whose letters only their ASCII forms match without
    regard to case) must be in every match."""
    return "-down-" in text.lower() and _IGNORE.search(text) is not None


def _suppressed(f: Finding, ignored: list[Suppression]) -> bool:
    for path, start, end, rules in ignored:
        if path == f.path and start <= f.span.start < end and ("*" in rules or f.rule in rules):
            return True
    return False
