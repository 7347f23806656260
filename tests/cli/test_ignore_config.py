"""``"ignore"`` in .prisma-down.json: exactly the named rule, on exactly that migration."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest

from prisma_down.core.settings import Settings, parse
from tests.cli.workflow import blog, findings, run

DROP_BIO = "20240215090000_drop_user_bio"
SLUG = "20240402084500_add_post_slug"


def counts(rows: list[dict[str, object]]) -> Counter[tuple[object, object]]:
    return Counter((r["migration"], r["rule"]) for r in rows)


def test_ignore_silences_exactly_the_named_rule_on_exactly_that_migration(tmp_path: Path) -> None:
    app = blog(tmp_path)
    before = counts(findings(app))
    assert before[(DROP_BIO, "drop-without-rename")] == 1
    assert before[(DROP_BIO, "missing-down-sql")] == 1
    (app / ".prisma-down.json").write_text(
        json.dumps({"ignore": {DROP_BIO: ["drop-without-rename"], SLUG: ["*"]}})
    )
    after = counts(findings(app))
    expected = before.copy()
    del expected[(DROP_BIO, "drop-without-rename")]
    for key in [k for k in expected if k[0] == SLUG]:
        del expected[key]
    assert after == expected
    # the text output too, and the cache does not answer with the old findings
    text = run(app, "check", "--fail-on", "never").stdout
    assert "drop-without-rename" not in text and SLUG not in text
    assert f"{DROP_BIO} has no down.sql" in text


def test_ignore_also_covers_the_migrations_down_sql(tmp_path: Path) -> None:
    app = blog(tmp_path)
    folder = app / "prisma" / "migrations" / DROP_BIO
    (folder / "down.sql").write_text("-- a person's down.sql that restores nothing\n")
    assert counts(findings(app))[(DROP_BIO, "down-does-not-restore")] == 1
    (app / ".prisma-down.json").write_text(
        json.dumps({"ignore": {DROP_BIO: ["down-does-not-restore"]}})
    )
    assert counts(findings(app))[(DROP_BIO, "down-does-not-restore")] == 0


@pytest.mark.parametrize(
    ("raw", "said", "kept"),
    [
        ({"ignore": {"a": ["nope"]}}, "unknown rule 'nope'", {}),
        ({"ignore": {"a": "missing-down-sql"}}, None, {"a": ("missing-down-sql",)}),
        ({"ignore": ["a"]}, "must map migration names", {}),
        ({"ignore": {"../x": ["*"]}}, "not a migration folder name", {}),
        ({"ignore": {"a": [1]}}, "must be a list of rule ids", {}),
        ({"baseline": 7}, "baseline must be the name", {}),
    ],
)
def test_bad_entries_are_reported_and_dropped(
    raw: dict[str, object], said: str | None, kept: dict[str, tuple[str, ...]]
) -> None:
    told: list[str] = []
    settings = parse(raw, told.append)
    assert settings.ignore == kept and settings.baseline is None
    assert (said is None and not told) or (said is not None and said in told[0])


def test_settings_repr_is_stable_for_the_cache_key() -> None:
    one = parse({"ignore": {"a": ["stale-down-sql", "missing-down-sql"]}}, print)
    two = parse({"ignore": {"a": ["missing-down-sql", "stale-down-sql"]}}, print)
    assert repr(one) == repr(two) and one != Settings()


def _git(cwd: Path, *args: str) -> None:
    import subprocess

    subprocess.run(
        ["git", "-c", "user.name=t", "-c", "user.email=t@example.com", *args],
        cwd=cwd, check=True, capture_output=True,
    )  # fmt: skip


def test_an_inline_comment_in_a_committed_migration_gets_a_hint(tmp_path: Path) -> None:
    app = blog(tmp_path)
    _git(app, "init", "-q")
    _git(app, "add", "-A")
    _git(app, "commit", "-qm", "history")
    committed = app / "prisma" / "migrations" / DROP_BIO / "migration.sql"
    text = committed.read_text()
    line = text[: text.index("ALTER TABLE")].count("\n") + 1
    committed.write_text(
        text.replace("ALTER TABLE", "-- prisma-down-ignore drop-without-rename\nALTER TABLE", 1)
    )
    new = app / "prisma" / "migrations" / "20990101000000_drop_title"
    new.mkdir()
    (new / "migration.sql").write_text(
        '-- prisma-down-ignore drop-without-rename\nALTER TABLE "Post" DROP COLUMN "title";\n'
    )
    proc = run(app, "check", "--fail-on", "never")
    hints = [x for x in proc.stderr.splitlines() if x.startswith("hint: ")]
    assert hints == [
        f"hint: prisma/migrations/{DROP_BIO}/migration.sql:{line}:1: {DROP_BIO} is committed: "
        "once applied, editing its migration.sql changes the checksum Prisma verifies and "
        f'makes down.sql stale. Put "ignore": {{"{DROP_BIO}": ["drop-without-rename"]}} in '
        ".prisma-down.json instead (the editor's Ignore quick fix writes it)"
    ]
    # the comments still work, in both
    rows = findings(app)
    assert not [r for r in rows if r["rule"] == "drop-without-rename"]
    # outside a git repository: no hint
    (app / ".git").rename(app / "not-git")
    assert "hint: " not in run(app, "check", "--fail-on", "never").stderr


def test_a_migration_committed_with_its_comment_gets_no_hint(tmp_path: Path) -> None:
    """A revert migration carries its own ignore comment from the start: its checksum
    never changed, so there is nothing to warn about once it is committed."""
    app = blog(tmp_path)
    assert run(app, "revert", SLUG).returncode == 0
    (new,) = (app / "prisma" / "migrations").glob("*_revert_add_post_slug")
    assert "prisma-down-ignore-file" in (new / "migration.sql").read_text()
    _git(app, "init", "-q")
    _git(app, "add", "-A")
    _git(app, "commit", "-qm", "history")
    proc = run(app, "check", "--fail-on", "never")
    assert "hint: " not in proc.stderr
    # the same comment added to it again later is a change: hinted
    text = (new / "migration.sql").read_text()
    (new / "migration.sql").write_text(text + "-- prisma-down-ignore irreversible-statement\n")
    hints = [x for x in run(app, "check", "--fail-on", "never").stderr.splitlines()]
    assert [x.split(": ")[1].rsplit(":", 2)[0] for x in hints if x.startswith("hint: ")] == [
        f"prisma/migrations/{new.name}/migration.sql"
    ]
