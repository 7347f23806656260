"""``prisma-down baseline``: an old history adopted without noise, new migrations still checked."""

from __future__ import annotations

import json
import shutil
from collections import Counter
from pathlib import Path

from tests.cli.workflow import TRIGGER, add_migration, blog, findings, run
from tests.verify.conftest import require_corpus

DROP = 'ALTER TABLE "User" DROP COLUMN "name";\n'


def test_trigger_dev_after_baseline_has_no_findings_and_a_new_drop_has_exactly_its_own(
    tmp_path: Path,
) -> None:
    require_corpus(TRIGGER.parent.parent, [TRIGGER] if TRIGGER.is_dir() else [])
    project = tmp_path / "trigger"
    migrations = project / "prisma" / "migrations"
    shutil.copytree(TRIGGER, migrations)
    (project / "package.json").write_text('{"name": "trigger"}\n')
    before = findings(project)
    assert len(before) > 1000  # the noise the baseline is for (1,109 warnings)

    proc = run(project, "baseline")
    assert proc.returncode == 0, proc.stderr
    last = sorted(p.name for p in migrations.iterdir() if p.is_dir())[-1]
    assert json.loads((project / ".prisma-down.json").read_text()) == {"baseline": last}
    text = run(project, "check", "--no-cache")
    assert text.returncode == 0, text.stderr
    assert text.stdout == "0 migrations checked (820 under the baseline): 0 errors, 0 warnings\n"
    assert findings(project) == []

    # one new migration: exactly the findings it has without any baseline
    new = "20990101000000_drop_user_name"
    add_migration(migrations, new, DROP)
    after = findings(project)
    (project / ".prisma-down.json").unlink()
    alone = [r for r in findings(project) if r["migration"] == new]
    assert after == alone
    assert Counter(r["rule"] for r in after) == {"missing-down-sql": 1, "drop-without-rename": 1}


def test_generate_skips_baselined_migrations_unless_named(tmp_path: Path) -> None:
    app = blog(tmp_path)
    migrations = app / "prisma" / "migrations"
    assert run(app, "baseline", "20240215090000_drop_user_bio").returncode == 0
    proc = run(app, "generate")
    assert proc.returncode == 0, proc.stderr
    written = sorted(p.parent.name for p in migrations.glob("*/down.sql"))
    assert written == [
        "20240301120000_add_editor_role",
        "20240318101500_remove_moderator_role",
        "20240402084500_add_post_slug",
    ]
    named = run(app, "generate", "prisma/migrations/20240105093000_init")
    assert named.returncode == 0, named.stderr
    assert (migrations / "20240105093000_init" / "down.sql").is_file()


def test_check_of_a_named_baselined_migration_shows_its_findings(tmp_path: Path) -> None:
    app = blog(tmp_path)
    assert run(app, "baseline").returncode == 0
    assert findings(app) == []
    rows = findings(app, "prisma/migrations/20240215090000_drop_user_bio")
    assert {r["rule"] for r in rows} == {"missing-down-sql", "drop-without-rename"}


def test_baseline_keeps_the_other_settings_and_package_json(tmp_path: Path) -> None:
    app = blog(tmp_path)
    package = app / "package.json"
    package.write_text(
        '{\n    "name": "app",\n    "prismaDown": {"rules": {"missing-down-sql": "off"}}\n}\n'
    )
    assert run(app, "baseline", "20240105093000_init").returncode == 0
    data = json.loads(package.read_text())
    assert data == {
        "name": "app",
        "prismaDown": {
            "rules": {"missing-down-sql": "off"},
            "baseline": "20240105093000_init",
        },
    }
    assert package.read_text().startswith('{\n    "name"')  # its indentation kept
    assert not (app / ".prisma-down.json").exists()


def test_bad_baseline_is_said_and_ignored(tmp_path: Path) -> None:
    app = blog(tmp_path)
    (app / ".prisma-down.json").write_text('{"baseline": "20990101000000_nope"}\n')
    proc = run(app, "check", "--fail-on", "never")
    assert proc.returncode == 0
    assert "baseline '20990101000000_nope' names no migration" in proc.stderr
    assert "8 migrations checked: 0 errors, 10 warnings" in proc.stdout


def test_baseline_of_an_unknown_name_writes_nothing(tmp_path: Path) -> None:
    app = blog(tmp_path)
    proc = run(app, "baseline", "nope")
    assert proc.returncode == 2
    assert proc.stderr == "prisma-down: there is no migration named nope under .\n"
    assert not (app / ".prisma-down.json").exists()


def test_a_config_that_is_not_json_is_left_alone(tmp_path: Path) -> None:
    app = blog(tmp_path)
    (app / ".prisma-down.json").write_text("{not json\n")
    proc = run(app, "baseline")
    assert proc.returncode == 2
    assert "is not valid JSON" in proc.stderr and proc.stderr.count("\n") <= 2
    assert (app / ".prisma-down.json").read_text() == "{not json\n"
