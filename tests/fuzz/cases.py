"""Fuzz cases from the shared corpus: windows of real histories with mutated migrations.

A batch is one project: the ``prefix`` migrations of a corpus history as they are (so the
schema catalog holds something), then a window of the migrations after them, most of them
mutated (``mutate.py``). One ``check`` or ``generate`` call covers the whole batch; a case
that fails is then run alone (``alone``) to name it.
"""

from __future__ import annotations

import functools
import os
import random
from dataclasses import dataclass, field, replace
from pathlib import Path

import pytest

from tests.fuzz.mutate import mutate
from tests.verify.conftest import require_corpus

CORPUS = Path(__file__).resolve().parents[2].parent / "shared" / "corpus"
SEED_VARIABLE = "PRISMA_DOWN_FUZZ_SEED"
DEFAULT_SEED = 20_251_111
# provider label → (corpus folder, provider written in migration_lock.toml, dialect)
PROVIDERS = {
    "postgresql": ("postgresql", "postgresql", "postgres"),
    "cockroachdb": ("postgresql", "cockroachdb", "cockroachdb"),
    "mysql": ("mysql", "mysql", "mysql"),
    "sqlite": ("sqlite", "sqlite", "sqlite"),
    "sqlserver": ("sqlserver", "sqlserver", "tsql"),
}
# Folder names that end a comment, a string or a shell word if written as they are.
HOSTILE_FOLDERS = (
    "x\nDROP TABLE IF EXISTS canary;--",
    "a\rb",
    "it's",
    'say "hi"',
    "$down$",
    "-- x",
    "sep\u2028arator",
    "sp ace;",
    "back\\slash",
    "not utf-8 \udcff",
)


def seed() -> int:
    raw = os.environ.get(SEED_VARIABLE, "")
    return int(raw) if raw.strip() else DEFAULT_SEED


def histories() -> dict[str, list[Path]]:
    """Corpus histories per provider label; the test fails in CI when any is missing."""
    found: dict[str, list[Path]] = {}
    for label, (folder, _, _) in PROVIDERS.items():
        where = CORPUS / folder
        found[label] = sorted(
            h for h in (where.iterdir() if where.is_dir() else ()) if any(h.glob("*/migration.sql"))
        )
    every = [h for hs in found.values() for h in hs]
    require_corpus(CORPUS, every)
    for label, hs in found.items():
        require_corpus(CORPUS / PROVIDERS[label][0], hs)
    return found


@dataclass(frozen=True)
class Entry:
    """One migration folder of a batch; ``ops`` is empty for a migration left as it is."""

    folder: str
    up: bytes
    down: bytes | None
    ops: tuple[str, ...] = ()
    source: str = ""  # the corpus folder it came from

    @property
    def is_case(self) -> bool:
        return bool(self.ops)


@dataclass
class Batch:
    label: str
    history: Path
    entries: list[Entry]
    root: Path | None = None  # the project folder, once written
    notes: list[str] = field(default_factory=list)

    @property
    def dialect(self) -> str:
        return PROVIDERS[self.label][2]

    @property
    def migrations(self) -> Path:
        assert self.root is not None
        return self.root / "prisma" / "migrations"

    def cases(self) -> list[Entry]:
        return [e for e in self.entries if e.is_case]

    def write(self, root: Path) -> Path:
        """The project on disk: prisma/migrations with its lock file and every folder."""
        self.root = root
        migrations = self.migrations
        migrations.mkdir(parents=True)
        provider = PROVIDERS[self.label][1]
        (migrations / "migration_lock.toml").write_text(f'provider = "{provider}"\n')
        for e in self.entries:
            folder = migrations / os.fsdecode(os.fsencode(e.folder))
            folder.mkdir()
            (folder / "migration.sql").write_bytes(e.up)
            if e.down is not None:
                (folder / "down.sql").write_bytes(e.down)
        return root

    def alone(self, case: Entry) -> Batch:
        """This batch with ``case`` the only mutated migration, and nothing after it."""
        at = self.entries.index(case)
        before = [_original(e) for e in self.entries[:at]]
        return Batch(self.label, self.history, [*before, case])


def _original(e: Entry) -> Entry:
    if not e.is_case:
        return e
    source = Path(e.source)
    down = source / "down.sql"
    return replace(
        e,
        up=(source / "migration.sql").read_bytes(),
        down=down.read_bytes() if down.is_file() else None,
        ops=(),
    )


@functools.cache
def _every_migration() -> list[Path]:
    """Every migration folder of the corpus: statements from any engine to splice in."""
    return sorted(f.parent for f in CORPUS.glob("*/*/*/migration.sql"))


def _text(data: bytes) -> str:
    return data.decode("utf-8", "surrogateescape")


def make_batch(
    rng: random.Random, label: str, history: Path, window: int, prefix: int = 15
) -> Batch:
    """A window of ``history`` after up to ``prefix`` untouched migrations; each migration
    in the window is mutated with probability 0.8, and its down.sql (if any) sometimes."""
    folders = sorted(
        (f for f in history.iterdir() if (f / "migration.sql").is_file()),
        key=lambda f: os.fsencode(f.name),
    )
    start = rng.randrange(len(folders))
    first = max(0, start - rng.randint(0, prefix))
    dialect = PROVIDERS[label][2]
    others = [*rng.sample(folders, min(3, len(folders))), rng.choice(_every_migration())]
    donors = tuple(_text((f / "migration.sql").read_bytes()) for f in others)
    entries: list[Entry] = []
    for i, f in enumerate(folders[first : start + window]):
        up = (f / "migration.sql").read_bytes()
        down_path = f / "down.sql"
        down = down_path.read_bytes() if down_path.is_file() else None
        name = f"{i:03d}_{f.name}"
        if first + i < start or rng.random() < 0.2:
            entries.append(Entry(name, up, down, (), str(f)))
            continue
        up, ops = mutate(_text(up), dialect, rng, donors)
        if down is not None and rng.random() < 0.5:
            down, down_ops = mutate(_text(down), dialect, rng, donors)
            ops += [f"down.sql: {op}" for op in down_ops]
        if rng.random() < 0.05:
            hostile = rng.choice(HOSTILE_FOLDERS)
            name = f"{name}_{hostile}"
            ops.append(f"folder named {name!r}")
        entries.append(Entry(name, up, down, tuple(ops), str(f)))
    return Batch(label, history, entries)


def describe(batch: Batch, case: Entry | None = None, limit: int = 3000) -> str:
    """What a failure report shows: where the files are, what was done, what they hold."""
    lines = [
        f"seed {seed()} (set {SEED_VARIABLE} to reproduce)",
        f"{batch.label} batch from {batch.history} at {batch.root}",
    ]
    for e in [case] if case is not None else batch.cases():
        lines.append(f"  {e.folder!r} (from {e.source}): " + "; ".join(e.ops))
        if case is not None:
            lines.append(f"  migration.sql ({len(e.up)} bytes): {e.up[:limit]!r}")
            if e.down is not None:
                lines.append(f"  down.sql ({len(e.down)} bytes): {e.down[:limit]!r}")
    return "\n".join(lines)


def fail(failures: list[str]) -> None:
    if failures:
        pytest.fail(f"{len(failures)} fuzz failure(s):\n\n" + "\n\n".join(failures), False)
