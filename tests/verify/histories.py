"""Histories on disk for the verify tests: written from text, or copied with every down.sql
generated, as a person running ``prisma-down generate`` then ``verify`` has them."""

from __future__ import annotations

import os
from pathlib import Path

from prisma_down.core.analysis import Analyzer
from prisma_down.core.down import generate
from prisma_down.core.history import History, load_history

PROVIDERS = {"postgres": "postgresql", "mysql": "mysql", "sqlite": "sqlite"}
SHARED = Path(__file__).resolve().parents[2].parent / "shared" / "corpus"
EXTRA_ENV = "PRISMA_DOWN_EXTRA_CORPUS"


def write(root: Path, dialect: str, migrations: dict[str, tuple[str, str | None]]) -> Path:
    """A migrations folder: ``name → (migration.sql, down.sql or None)``."""
    root.mkdir(parents=True, exist_ok=True)
    (root / "migration_lock.toml").write_text(f'provider = "{PROVIDERS[dialect]}"\n')
    for name, (up, down) in migrations.items():
        (root / name).mkdir()
        (root / name / "migration.sql").write_text(up)
        if down is not None:
            (root / name / "down.sql").write_text(down)
    return root


def with_generated_downs(source: History, into: Path) -> History:
    """A copy of ``source`` under ``into`` whose every down.sql is the one prisma-down
    generates (a down.sql the source holds is left out)."""
    dialect = source.dialect
    into.mkdir(parents=True, exist_ok=True)
    provider = source.provider or PROVIDERS.get(dialect, dialect)
    (into / "migration_lock.toml").write_text(f'provider = "{provider}"\n')
    analyses = Analyzer(dialect).analyse([m.up.text for m in source.migrations])
    for m, a in zip(source.migrations, analyses, strict=True):
        (into / m.name).mkdir()
        (into / m.name / "migration.sql").write_bytes(m.up.path.read_bytes())
        (into / m.name / "down.sql").write_text(generate(m.name, m.up.text, a, dialect))
    return load_history(into, dialect)


def corpus_histories(provider: str) -> list[Path]:
    """Every history of ``provider`` (postgresql, mysql, sqlite) in the shared corpus, then
    in the extra corpus named by ``PRISMA_DOWN_EXTRA_CORPUS`` (same layout) if set."""
    roots = [SHARED / provider]
    extra = os.environ.get(EXTRA_ENV)
    if extra:
        roots.append(Path(extra) / provider)
    out: list[Path] = []
    for root in roots:
        if root.is_dir():
            out += sorted(
                p for p in root.iterdir() if p.is_dir() and any(p.glob("*/migration.sql"))
            )
    return out


def extra_histories(provider: str) -> list[Path]:
    """Only the extra corpus's histories of ``provider`` (none when the variable is unset)."""
    extra = os.environ.get(EXTRA_ENV)
    if not extra or not (Path(extra) / provider).is_dir():
        return []
    root = Path(extra) / provider
    return sorted(p for p in root.iterdir() if p.is_dir() and any(p.glob("*/migration.sql")))
