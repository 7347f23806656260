"""Fuzz: truncated, mutated and hostile corpus migrations through ``generate --stdout`` and
``check``, run as the user runs them (a subprocess each, with a timeout).

Each batch (``cases.py``) is generated, then down.sql files are written beside its
migrations (as generated, mutated, or none) and it is checked. A run must end within its
timeout, without a traceback, with an exit code it documents; ``generate --stdout`` must
print exactly the down.sql files it rendered, each of which must split back into exactly
the statements the renderer produced (recorded by ``recorder.py``). A failing batch is run
again case by case to name the case.

Seeded: ``PRISMA_DOWN_FUZZ_SEED`` reproduces a run; ``PRISMA_DOWN_FUZZ_BATCHES`` (per
provider) makes it longer.
"""

from __future__ import annotations

import json
import os
import random
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import pytest

from prisma_down.core.escape import comment
from prisma_down.core.statements import split
from prisma_down.display import printable
from tests.fuzz.cases import Batch, describe, fail, histories, make_batch, seed
from tests.fuzz.mutate import mutate
from tests.fuzz.run import PER_CASE_SECONDS, Ended, masked, run

BATCHES = int(os.environ.get("PRISMA_DOWN_FUZZ_BATCHES", "") or 24)
GENERATE = ["generate", "--stdout", "."]
CHECK = ["check", "--format", "json", "--no-cache", "."]
FINDING_KEYS = {"rule", "severity", "path", "line", "column", "end_line", "end_column"}


@dataclass
class Outcome:
    failures: list[str] = field(default_factory=list)
    refused: list[str] = field(default_factory=list)  # generate's own refusals (exit 2)
    cases: int = 0
    downs: int = 0  # down.sql files written before check


def test_cli_survives_broken_and_hostile_migrations(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    found = histories()
    rng = random.Random(seed())
    jobs: list[tuple[Path, Batch, int]] = []
    for label, hs in found.items():
        for _ in range(BATCHES):
            batch = make_batch(rng, label, rng.choice(hs), rng.randint(5, 12))
            jobs.append((tmp_path / f"{len(jobs):03d}-{label}", batch, rng.getrandbits(32)))
    began = time.monotonic()
    with ThreadPoolExecutor(2) as pool:  # the machine has two cores
        outcomes = list(pool.map(lambda job: _fuzz(*job), jobs))
    cases = sum(o.cases for o in outcomes)
    refused = [r for o in outcomes for r in o.refused]
    with capsys.disabled():
        print(
            f"\nfuzz (seed {seed()}): {len(jobs)} batches, {cases} mutated migrations through "
            f"generate --stdout and check ({sum(o.downs for o in outcomes)} down.sql beside "
            f"them), {time.monotonic() - began:.0f} s; generate refused {len(refused)}"
        )
        for r in refused[:10]:
            print(f"  {r}")
    fail([f for o in outcomes for f in o.failures])


def _fuzz(where: Path, batch: Batch, salt: int) -> Outcome:
    out = Outcome(cases=len(batch.cases()))
    root = batch.write(where)
    record = where.with_suffix(".json")
    gen = run(GENERATE, root, 2 * PER_CASE_SECONDS, record)
    problem = gen.problem((0, 2))
    if problem is not None:
        out.failures.append(_name_cases(batch, GENERATE, problem))
        return out
    rows: list[dict[str, Any]] = json.loads(record.read_text(encoding="utf-8"))
    out.failures += _compare(batch, gen, rows, out)
    rng = random.Random(salt)
    for row in rows:
        target = batch.migrations / row["name"] / "down.sql"
        if "text" not in row or target.exists() or rng.random() < 0.2:
            continue
        text = row["text"]
        data = mutate(text, batch.dialect, rng)[0] if rng.random() < 0.4 else text.encode()
        target.write_bytes(data)
        out.downs += 1
    check = run(CHECK, root, 2 * PER_CASE_SECONDS)
    problem = check.problem((0, 1, 2)) or _findings_problem(root, check)
    if problem is not None:
        out.failures.append(_name_cases(batch, CHECK, problem))
    return out


def _compare(batch: Batch, gen: Ended, rows: list[dict[str, Any]], out: Outcome) -> list[str]:
    """What ``generate --stdout`` printed against what its renderer produced."""
    problems = []
    sections, every = [], []
    for row in rows:
        path = f"prisma/migrations/{row['name']}/down.sql"
        if "text" not in row:
            skipped = f"skipped {printable(path.replace('down.sql', 'migration.sql'))}: "
            if skipped not in gen.stderr:
                said = f"generate raised {row['error']} for {row['name']!r} unsaid"
                problems.append(f"{said}\n{_about(batch, row['name'])}")
            out.refused.append(f"{batch.label} {row['name']!r}: {row['error']}")
            continue
        sections.append(f"-- ==> {comment(printable(path))} <==\n{row['text']}")
        every += row["rendered"]
        if (crash := masked(row["text"])) is not None:
            problems.append(
                f"{path}: a crash written as prose: {crash!r}\n{_about(batch, row['name'])}"
            )
        script = split(row["text"], batch.dialect)
        found = [s.text for s in script.statements]
        if found != row["rendered"] or script.unterminated is not None:
            first = next(
                (i for i, (a, b) in enumerate(zip(found, row["rendered"], strict=False)) if a != b),
                min(len(found), len(row["rendered"])),
            )
            problems.append(
                f"{path}: re-split gives {len(found)} statements, the renderer wrote "
                f"{len(row['rendered'])}; first difference at {first + 1}: "
                f"{found[first : first + 1]!r} vs {row['rendered'][first : first + 1]!r}\n"
                + _about(batch, row["name"])
            )
    if batch.dialect != "tsql":  # the whole output, read as one script, runs nothing else
        whole = [s.text for s in split(gen.stdout, batch.dialect).statements]
        if whole != every:
            extra = next((s for s in whole if s not in every), None)
            said = f"generate --stdout, read as SQL, holds other statements: {extra!r}"
            problems.append(f"{said}\n{describe(batch)}")
    if gen.stdout != "".join(sections):
        said = "generate --stdout printed other text than the down.sql it rendered"
        problems.append(f"{said}\n{describe(batch)}")
    return problems


def _about(batch: Batch, name: str) -> str:
    """The failure report of the migration folder ``name``: its files, what was done."""
    entry = next((e for e in batch.entries if e.folder == name), None)
    return describe(batch, entry)


def _findings_problem(root: Path, check: Ended) -> str | None:
    if check.code == 2:
        return None
    if (crash := masked(check.stdout)) is not None:
        return f"{check.command}: a crash reported as a finding: {crash!r}"
    try:
        findings = json.loads(check.stdout)
    except ValueError as e:
        return f"{check.command}: its output is not JSON ({e}): {check.stdout[:500]!r}"
    for f in findings:
        if not set(f) >= FINDING_KEYS:
            return f"{check.command}: a finding without {FINDING_KEYS - set(f)}: {f}"
        start, end = (f["line"], f["column"]), (f["end_line"], f["end_column"])
        path = root / f["path"]
        lines = path.read_bytes().count(b"\n") + 1 if path.is_file() else None
        if min(*start, *end) < 1 or end < start or (lines and end[0] > lines):
            return f"{check.command}: a finding out of its file ({lines} lines): {f}"
    return None


def _name_cases(batch: Batch, args: list[str], problem: str) -> str:
    """The batch's failure, with the cases that fail alone named (each with its files)."""
    named = []
    assert batch.root is not None
    for i, case in enumerate(batch.cases()):
        folder = batch.migrations / case.folder
        down = folder / "down.sql"  # as the batch run had it: check runs after down.sql
        now = replace(case, down=down.read_bytes() if down.is_file() else None)
        alone = batch.alone(now)
        root = alone.write(batch.root.with_name(f"{batch.root.name}-alone-{i}"))
        ended = run(args, root, PER_CASE_SECONDS)
        why = ended.problem((0, 1, 2))
        if why is None and args is CHECK:
            why = _findings_problem(root, ended)
        if why is not None:
            named.append(f"{why}\n{describe(alone, alone.entries[-1])}")
    if named:
        return "\n\n".join(named)
    return f"{problem}\n(no case fails alone)\n{describe(batch)}"
