"""Shared by the ``test_archive_*`` files: a two-migration history of one engine, and the
archive quick fix applied through a real client to every drop of its second migration."""

from __future__ import annotations

from pathlib import Path

from pytest_lsp import LanguageClient

from tests.lsp.test_code_actions import (
    _titled,
    actions,
    apply,
    cli_generate,
    notify_changed,
    wait_diagnostics,
)

MIGRATIONS = Path("prisma") / "migrations"
RULE = "drop-without-rename"


def write_history(root: Path, provider: str, ups: dict[str, str]) -> Path:
    """The migrations folder of a new project at ``root``."""
    migrations = root / MIGRATIONS
    migrations.mkdir(parents=True)
    (migrations / "migration_lock.toml").write_text(f'provider = "{provider}"\n')
    for name, sql in ups.items():
        (migrations / name).mkdir()
        (migrations / name / "migration.sql").write_text(sql)
    return migrations


def _count(n: int):  # type: ignore[no-untyped-def]
    return lambda ds: sum(x.code == RULE for x in ds) == n


async def archive_every_drop(client: LanguageClient, path: Path, drops: int) -> list[str]:
    """Apply "Keep the data" to the statement of each of the ``drops`` diagnostics (one per
    dropped table or column), bottom first (ranges above hold), with a generated down.sql
    beside; the titles offered, one per statement."""
    down = path.with_name("down.sql")
    down.write_text(cli_generate(path.parent))
    notify_changed(client, path, down)
    titles = []
    left = drops
    while left:
        diags = await wait_diagnostics(client, path, _count(left))
        last = max((x for x in diags if x.code == RULE), key=lambda x: x.range.start.line)
        fix = _titled(await actions(client, path, [last]), "Keep the data")
        assert len(fix) == 1, [a.title for a in fix]
        titles.append(fix[0].title)
        assert sorted(apply(client, fix[0].edit)) == [down, path]  # down.sql regenerated
        notify_changed(client, path, down)
        left -= sum(x.code == RULE and x.range == last.range for x in diags)
    await wait_diagnostics(client, path, _count(0))
    assert down.read_text() == cli_generate(path.parent)  # what generate writes for it
    return titles
