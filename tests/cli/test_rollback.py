"""``prisma-down rollback`` against a fake ``prisma`` that records how it was called.

Here the database is never touched: the fake answers ``migrate status`` from a file and
every other command with Prisma's success line. ``tests/verify/test_rollback.py`` runs the
same command against real databases.
"""

from __future__ import annotations

import json
import os
import pty
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.cli.prisma_standin import launchers

REPO = Path(__file__).resolve().parents[2]
BLOG = REPO / "examples" / "blog"
LAST = "20240402084500_add_post_slug"
DROP_BIO = "20240215090000_drop_user_bio"
LOCAL_URL = "postgresql://app:hunter2secret@localhost:5432/blog?schema=public"
REMOTE_URL = "postgresql://app:hunter2secret@db.example.com:5432/blog"

FAKE_PRISMA = """#!{python}
import json, pathlib, sys
here = pathlib.Path(__file__).resolve().parent
args = sys.argv[1:]
with open(here / "calls.jsonl", "a") as f:
    f.write(json.dumps(args) + "\\n")
fail = here / "fail"
if fail.exists() and " ".join(args).startswith(fail.read_text().strip()):
    if "--rolled-back" in args:
        print("Error: P3012", file=sys.stderr)
        print("Migration `{{}}` cannot be rolled back because it is not in a failed state."
              .format(args[args.index("--rolled-back") + 1]), file=sys.stderr)
    else:
        print("Error: P1001: Can't reach database server", file=sys.stderr)
    sys.exit(1)
if args[:2] == ["migrate", "status"]:
    status = here / "status"
    print(status.read_text() if status.exists() else "Database schema is up to date!")
    sys.exit(1 if status.exists() else 0)
say = here / "say"
if say.exists():
    print(say.read_text(), file=sys.stderr)
print("Script executed successfully." if args[0] == "db" else "Migration marked rolled back.")
"""

FAILED = """
8 migrations found in prisma/migrations
Following migration have failed:
{name}

During development if the failed migration(s) have not been deployed to a production \
database you can then fix the migration(s) and run prisma migrate dev.
"""
PENDING = """
8 migrations found in prisma/migrations
Following migrations have not yet been applied:
{names}

To apply migrations in development run prisma migrate dev.
To apply migrations in production run prisma migrate deploy.
"""


@pytest.fixture
def app(tmp_path: Path) -> Path:
    launchers(tmp_path / "launchers")
    root = tmp_path / "app"
    shutil.copytree(BLOG, root)
    (root / "package.json").write_text('{"name": "app"}\n')
    bin_dir = root / "node_modules" / ".bin"
    bin_dir.mkdir(parents=True)
    fake = bin_dir / "prisma"
    fake.write_text(FAKE_PRISMA.format(python=sys.executable))
    fake.chmod(0o755)
    (root / "node_modules" / "prisma").mkdir()
    (root / "node_modules" / "prisma" / "package.json").write_text('{"version": "6.19.0"}\n')
    proc = run(root, "generate", url=None)
    assert proc.returncode == 0, proc.stderr
    return root


def env_for(root: Path, url: str | None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    env |= {"PYTHONIOENCODING": "utf-8", "XDG_CACHE_HOME": str(root / ".test-cache")}
    env["PATH"] = f"{root.parent / 'launchers'}{os.pathsep}{env.get('PATH', '')}"
    if url is not None:
        env["DATABASE_URL"] = url
    return env


def run(
    root: Path, *args: str, url: str | None = LOCAL_URL, stdin: str = ""
) -> subprocess.CompletedProcess[str]:
    proc = subprocess.run(
        [sys.executable, "-m", "prisma_down.cli", *args],
        cwd=root,
        input=stdin,
        capture_output=True,
        text=True,
        env=env_for(root, url),
        timeout=60,
    )
    assert "Traceback" not in proc.stdout + proc.stderr
    assert "hunter2" not in proc.stdout + proc.stderr
    return proc


def run_in_terminal(
    root: Path, *args: str, answer: str, extra: dict[str, str] | None = None
) -> tuple[int, str, str]:
    """Run with stdin a terminal, typing ``answer``; returns (code, stdout, stderr)."""
    master, slave = pty.openpty()
    proc = subprocess.Popen(
        [sys.executable, "-m", "prisma_down.cli", *args],
        cwd=root,
        stdin=slave,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env_for(root, LOCAL_URL) | (extra or {}),
    )
    os.close(slave)
    os.write(master, answer.encode())
    try:
        out, err = proc.communicate(timeout=60)
    finally:
        os.close(master)
    assert "Traceback" not in out + err and "hunter2" not in out + err
    return proc.returncode, out, err


def calls(root: Path) -> list[list[str]]:
    log = root / "node_modules" / ".bin" / "calls.jsonl"
    if not log.exists():
        return []
    return scripts([json.loads(line) for line in log.read_text().splitlines()])


def say_status(root: Path, text: str) -> None:
    (root / "node_modules" / ".bin" / "status").write_text(text)


def expected(name: str, schema: bool = True, failed: bool = False) -> list[list[str]]:
    """status, then: failed, down.sql and resolve; applied (PostgreSQL), one script."""
    flag = ["--schema", "prisma/schema.prisma"] if schema else []
    if failed:
        return [
            ["migrate", "status", *flag],
            ["db", "execute", "--file", f"prisma/migrations/{name}/down.sql", *flag],
            ["migrate", "resolve", "--rolled-back", name, *flag],
        ]
    script = f"node_modules/.cache/prisma-down/rollback/{name}.SCRIPT.sql"
    return [["migrate", "status", *flag], ["db", "execute", "--file", script, *flag]]


def scripts(found: list[list[str]]) -> list[list[str]]:
    """The calls with the rollback script's random part replaced by SCRIPT."""
    out = []
    for call in found:
        call = list(call)
        if "--file" in call:
            at = call.index("--file") + 1
            if "/rollback/" in call[at]:
                call[at] = re.sub(r"\.[^./]+\.sql$", ".SCRIPT.sql", call[at])
        out.append(call)
    return out


def test_yes_runs_one_script_for_the_applied_last_migration(app: Path) -> None:
    proc = run(app, "rollback", "--yes")
    assert proc.returncode == 0, proc.stderr
    assert calls(app) == expected(LAST)
    assert "Script executed successfully." in proc.stdout
    assert f"rolled back {LAST}" in proc.stderr
    script = next((app / "node_modules" / ".cache" / "prisma-down" / "rollback").iterdir())
    text = script.read_text()
    assert text.startswith(f"-- prisma-down rollback of {LAST}")
    assert text.index("BEGIN;") < text.index('ALTER TABLE "Post"') < text.index("UPDATE")
    assert text.rstrip().endswith("COMMIT;")


def test_failed_migration_runs_down_sql_then_resolve(app: Path) -> None:
    say_status(app, FAILED.format(name=LAST))
    proc = run(app, "rollback", "--yes")
    assert proc.returncode == 0, proc.stderr
    assert calls(app) == expected(LAST, failed=True)
    assert "Migration marked rolled back." in proc.stdout
    assert "postgresql://app:****@localhost:5432/blog" in proc.stderr


def test_named_migration_the_last_one_applied(app: Path) -> None:
    later = sorted(p.name for p in (app / "prisma" / "migrations").iterdir() if p.is_dir())[-3:]
    say_status(app, PENDING.format(names="\n".join(later)))
    proc = run(app, "rollback", DROP_BIO, "--yes")
    assert proc.returncode == 0, proc.stderr
    assert calls(app) == expected(DROP_BIO)


def test_named_migration_with_later_ones_applied_is_refused(app: Path) -> None:
    proc = run(app, "rollback", DROP_BIO, "--yes")
    assert proc.returncode == 2
    assert f"{DROP_BIO} is not the last migration applied ({LAST} is)" in proc.stderr
    assert calls(app) == expected(LAST)[:1]  # the status only


def test_named_by_its_folder(app: Path) -> None:
    proc = run(app, "rollback", f"prisma/migrations/{LAST}", "--yes")
    assert proc.returncode == 0, proc.stderr
    assert calls(app) == expected(LAST)


def test_prisma_7_gets_no_schema_flag(app: Path) -> None:
    (app / "node_modules" / "prisma" / "package.json").write_text('{"version": "7.0.1"}\n')
    assert run(app, "rollback", "--yes").returncode == 0
    assert calls(app) == expected(LAST, schema=False)


def test_database_url_from_dotenv(app: Path) -> None:
    (app / ".env").write_text(f'DATABASE_URL="{REMOTE_URL}"\n')
    proc = run(app, "rollback", url=None, stdin="y\n")
    assert proc.returncode == 2
    assert "db.example.com" in proc.stderr and "--yes" in proc.stderr
    assert calls(app) == []


def test_prompt_yes(app: Path) -> None:
    code, out, err = run_in_terminal(app, "rollback", answer="y\n")
    assert code == 0, err
    assert "Run these? [y/N]" in out
    assert f"  {LAST} (applied):\n    npx prisma db execute --file node_modules/.cache/" in err
    assert ".sql --schema prisma/schema.prisma\n" in err
    assert calls(app) == expected(LAST)


@pytest.mark.parametrize("answer", ["n\n", "\n"])
def test_prompt_no(app: Path, answer: str) -> None:
    code, out, err = run_in_terminal(app, "rollback", answer=answer)
    assert code == 1
    assert "Run these? [y/N]" in out
    assert "Nothing done." in err
    assert calls(app) == expected(LAST)[:1]  # the status only


def test_no_terminal_without_yes_refuses(app: Path) -> None:
    proc = run(app, "rollback", stdin="y\n")
    assert proc.returncode == 2
    assert proc.stderr.endswith("--yes to run these commands\n")
    assert calls(app) == expected(LAST)[:1]


def test_remote_database_refused_without_yes(app: Path) -> None:
    proc = run(app, "rollback", url=REMOTE_URL)
    assert proc.returncode == 2
    assert proc.stderr.count("prisma-down:") == 1
    assert "postgresql://app:****@db.example.com:5432/blog" in proc.stderr
    assert calls(app) == []
    proc = run(app, "rollback", "--yes", url=REMOTE_URL)
    assert proc.returncode == 0
    assert calls(app) == expected(LAST)


@pytest.mark.parametrize(
    "url",
    [
        "postgresql://u:hunter2secret@127.0.0.1/db",
        "postgresql://u:hunter2secret@[::1]:5432/db",
        "postgresql://u@localhost/db?host=/var/run/postgresql",
        "mysql://u:hunter2secret@remote.example/db?socket=/tmp/mysql.sock",
        "file:./dev.db",
    ],
)
def test_local_databases(app: Path, url: str) -> None:
    code, _, err = run_in_terminal_with(app, url)
    assert code == 0, err
    assert calls(app) == expected(LAST)


def run_in_terminal_with(app: Path, url: str) -> tuple[int, str, str]:
    (app / ".env").write_text(f"DATABASE_URL={url}\n")
    master, slave = pty.openpty()
    env = env_for(app, None)
    proc = subprocess.Popen(
        [sys.executable, "-m", "prisma_down.cli", "rollback"],
        cwd=app,
        stdin=slave,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    os.close(slave)
    os.write(master, b"yes\n")
    try:
        out, err = proc.communicate(timeout=60)
    finally:
        os.close(master)
    assert "hunter2" not in out + err
    return proc.returncode, out, err


def test_prisma_refusal_is_passed_through(app: Path) -> None:
    say_status(app, FAILED.format(name=LAST))
    (app / "node_modules" / ".bin" / "fail").write_text("migrate resolve\n")
    proc = run(app, "rollback", "--yes")
    assert proc.returncode == 1
    assert "Error: P3012" in proc.stderr
    assert f"Migration `{LAST}` cannot be rolled back" in proc.stderr
    assert f"down.sql ran, but Prisma still records {LAST} as failed" in proc.stderr
    assert calls(app) == expected(LAST, failed=True)


def test_failing_down_sql_stops_before_resolve(app: Path) -> None:
    say_status(app, FAILED.format(name=LAST))
    (app / "node_modules" / ".bin" / "fail").write_text("db\n")
    proc = run(app, "rollback", "--yes")
    assert proc.returncode == 1
    assert calls(app) == expected(LAST, failed=True)[:2]


def test_unreadable_status_stops_before_anything_runs(app: Path) -> None:
    (app / "node_modules" / ".bin" / "fail").write_text("migrate status\n")
    proc = run(app, "rollback", "--yes")
    assert proc.returncode == 2
    assert "could not read the migration status from Prisma" in proc.stderr
    assert calls(app) == expected(LAST)[:1]


def test_missing_down_sql(app: Path) -> None:
    (app / "prisma" / "migrations" / LAST / "down.sql").unlink()
    proc = run(app, "rollback", "--yes")
    assert proc.returncode == 2
    assert "prisma-down generate" in proc.stderr
    assert calls(app) == expected(LAST)[:1]


def test_unknown_migration(app: Path) -> None:
    proc = run(app, "rollback", "nope", "--yes")
    assert proc.returncode == 2
    assert proc.stderr == "prisma-down: there is no migration named nope\n"


def test_name_that_looks_like_an_option_never_reaches_prisma(app: Path) -> None:
    """Prisma's parser reads `--rolled-back -x` as a missing value and `-x` as its own
    option, and has no `--` for an option's value: the name is refused."""
    migrations = app / "prisma" / "migrations"
    shutil.copytree(migrations / LAST, migrations / "-20990101000000_sneaky")
    (migrations / "-20990101000000_sneaky" / "down.sql").unlink()
    assert run(app, "generate").returncode == 0
    proc = run(app, "rollback", "--yes", "--", "-20990101000000_sneaky")
    assert proc.returncode == 2
    assert proc.stderr.startswith("prisma-down: the migration folder -20990101000000_sneaky")
    assert len(proc.stderr.splitlines()) == 1
    assert calls(app) == []


# -- which database: the URL Prisma will use ---------------------------------------------------

REMOTE_SCHEMA = """datasource db {
  provider = "postgresql"
  url      = "postgresql://app:hunter2secret@db.example.com:5432/blog" // a literal
}
"""


def set_datasource(app: Path, block: str) -> None:
    """Replace the schema's datasource block with ``block``."""
    schema = app / "prisma" / "schema.prisma"
    text = schema.read_text()
    start = text.index("datasource db {")
    end = text.index("}", start) + 1
    schema.write_text(text[:start] + block.strip() + text[end:])


def test_literal_remote_url_in_schema_wins_over_local_database_url(app: Path) -> None:
    set_datasource(app, REMOTE_SCHEMA)
    code, _, err = run_in_terminal(app, "rollback", answer="y\n")
    assert code == 2
    assert "postgresql://app:****@db.example.com:5432/blog is not on this machine" in err
    assert calls(app) == []


def test_direct_url_is_the_one_migrate_uses(app: Path) -> None:
    set_datasource(
        app,
        'datasource db {\n  provider = "postgresql"\n  url = env("DATABASE_URL")\n'
        '  directUrl = env("DIRECT_URL")\n}',
    )
    (app / ".env").write_text(f"DIRECT_URL={REMOTE_URL}\n")
    code, _, err = run_in_terminal(app, "rollback", answer="y\n")
    assert code == 2
    assert "db.example.com" in err and calls(app) == []


def test_dotenv_values_are_expanded(app: Path) -> None:
    set_datasource(app, 'datasource db {\n  provider = "postgresql"\n  url = env("APP_DB")\n}')
    (app / "prisma" / ".env").write_text(
        'APP_DB="postgresql://app:${DB_PASSWORD}@${DB_HOST}:5432/blog"\n'
        "DB_PASSWORD=hunter2secret\nDB_HOST=localhost # local\n"
    )
    code, _, err = run_in_terminal(app, "rollback", answer="y\n")
    assert code == 0, err
    assert "on postgresql://app:****@localhost:5432/blog, newest first:" in err
    assert calls(app) == expected(LAST)


def test_environment_wins_over_dotenv(app: Path) -> None:
    set_datasource(app, 'datasource db {\n  provider = "postgresql"\n  url = env("APP_DB")\n}')
    (app / ".env").write_text(f"APP_DB={LOCAL_URL}\n")
    code, _, err = run_in_terminal(app, "rollback", answer="y\n", extra={"APP_DB": REMOTE_URL})
    assert code == 2
    assert "db.example.com" in err and calls(app) == []


PRISMA_7_CONFIG = """import 'dotenv/config'
import {{ defineConfig, env }} from 'prisma/config'
// datasource: {{ url: "postgresql://localhost/commented-out" }},
export default defineConfig({{
  schema: 'prisma/schema.prisma',
  datasource: {{
    url: {url},
  }},
}})
"""


@pytest.mark.parametrize(
    ("url", "extra", "local"),
    [
        ('env("CONFIG_DB")', {"CONFIG_DB": REMOTE_URL}, False),
        ('env("CONFIG_DB")', {"CONFIG_DB": LOCAL_URL}, True),
        ("process.env.MIGRATE_URL!", {"MIGRATE_URL": REMOTE_URL}, False),
        ("process.env['MIGRATE_URL'] ?? 'postgresql://app@db.example.com/blog'", {}, False),
        ("process.env['MIGRATE_URL'] ?? 'postgresql://app@db.example.com/blog'",
         {"MIGRATE_URL": "postgresql://app@127.0.0.1/blog"}, True),
        ("buildUrl()", {}, False),  # not readable without running it: not known to be local
    ],
)  # fmt: skip
def test_prisma_config_datasource_url(
    app: Path, url: str, extra: dict[str, str], local: bool
) -> None:
    """Prisma 7: the config's datasource.url, whatever DATABASE_URL (local here) says."""
    (app / "node_modules" / "prisma" / "package.json").write_text('{"version": "7.0.1"}\n')
    (app / "prisma.config.ts").write_text(PRISMA_7_CONFIG.format(url=url))
    code, _, err = run_in_terminal(app, "rollback", answer="y\n", extra=extra)
    if local:
        assert code == 0, err
        assert calls(app) == expected(LAST, schema=False)
    else:
        assert code == 2
        assert "on this machine: pass --yes" in err and calls(app) == []


def test_prisma_config_datasource_from_dotenv(app: Path) -> None:
    (app / "prisma.config.ts").write_text(PRISMA_7_CONFIG.format(url='env("CONFIG_DB")'))
    (app / ".env").write_text(f"CONFIG_DB={REMOTE_URL}\n")
    proc = run(app, "rollback")
    assert proc.returncode == 2
    assert "postgresql://app:****@db.example.com:5432/blog is not on this machine" in proc.stderr


# -- broken URLs and secrets ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "said"),
    [
        ("[bad", "is not a database URL"),
        ("postgresql://app:hunter2secret@[bad/blog", "unclosed ["),
        ("postgresql://app:hunter2secret@localhost:abc/blog", "port"),
        ("postgresql://app:hunter2secret@localhost/blog\x00", "control character (NUL)"),
        ("redis://app:hunter2secret@localhost/0", "not a database Prisma connects to"),
    ],
)
def test_broken_database_url_is_one_sentence(app: Path, url: str, said: str) -> None:
    (app / ".env").write_text(f'DATABASE_URL="{url}"\n')
    proc = run(app, "rollback", "--yes", url=None)
    assert proc.returncode == 2
    assert proc.stderr.startswith("prisma-down: DATABASE_URL in .env (")
    assert proc.stderr.count("\n") == 1 and said in proc.stderr
    assert "\x00" not in proc.stderr
    assert calls(app) == []


def test_secret_url_parameters_are_masked(app: Path) -> None:
    url = "postgresql://app@localhost:5432/blog?sslpassword=hunter2ssl&Password=hunter2pw"
    proc = run(app, "rollback", "--yes", url=url)
    assert proc.returncode == 0, proc.stderr
    assert "blog?sslpassword=****&Password=****, newest first:" in proc.stderr


def test_prisma_output_never_shows_a_password(app: Path) -> None:
    """What Prisma prints is passed on masked: its URL, another URL, the bare password."""
    (app / "node_modules" / ".bin" / "say").write_text(
        f"Datasource: {LOCAL_URL}\nlogin hunter2secret failed\n"
        "also postgresql://other:hunter2other@db.example.com/x?sslpassword=hunter2ssl\n"
        "shadow login hunter2shadow failed\n"
    )
    (app / ".env").write_text("SHADOW_URL=postgresql://s:hunter2shadow@localhost/shadow\n")
    proc = run(app, "rollback", "--yes")
    assert proc.returncode == 0, proc.stderr
    assert "Datasource: postgresql://app:****@localhost:5432/blog?schema=public" in proc.stderr
    assert "login **** failed" in proc.stderr and "shadow login **** failed" in proc.stderr
    assert "also postgresql://other:****@db.example.com/x?sslpassword=****" in proc.stderr


# -- the project's package manager --------------------------------------------------------


@pytest.mark.parametrize(
    ("lockfile", "runner"),
    [
        ("bun.lock", ["bunx", "prisma"]),
        ("bun.lockb", ["bunx", "prisma"]),
        ("pnpm-lock.yaml", ["pnpm", "exec", "prisma"]),
        ("yarn.lock", ["yarn", "prisma"]),
        ("package-lock.json", ["npx", "prisma"]),
        (None, ["npx", "prisma"]),
    ],
)
def test_commands_use_the_package_manager_of_the_lockfile(
    app: Path, lockfile: str | None, runner: list[str]
) -> None:
    if lockfile is not None:
        (app / lockfile).write_text("")
    say_status(app, FAILED.format(name=LAST))
    proc = run(app, "rollback", "--yes")
    assert proc.returncode == 0, proc.stderr
    shown = " ".join(runner)
    assert f"    {shown} db execute --file prisma/migrations/{LAST}/down.sql" in proc.stderr
    assert f"    {shown} migrate resolve --rolled-back {LAST}" in proc.stderr
    log = app.parent / "launchers" / "launchers.jsonl"
    ran = [json.loads(line) for line in log.read_text().splitlines()]
    assert [call[: len(runner) + 2] for call in ran] == [
        [*runner, "migrate", "status"],
        [*runner, "db", "execute"],
        [*runner, "migrate", "resolve"],
    ]
    # the header of generated files names the same runner, for both cases
    (app / "prisma" / "migrations" / LAST / "down.sql").unlink()
    assert run(app, "generate").returncode == 0
    head = (app / "prisma" / "migrations" / LAST / "down.sql").read_text().splitlines()[1:3]
    assert head == [
        f'-- Applied: prisma-down rollback "{LAST}" (this file and its history row in one go)',
        f"-- Failed: {shown} db execute --file <this file>, then {shown} migrate resolve "
        f'--rolled-back "{LAST}"',
    ]


def test_lockfile_above_the_project_and_the_package_manager_field(app: Path) -> None:
    (app.parent / "pnpm-lock.yaml").write_text("")  # a monorepo's root
    from prisma_down.prisma_cli import package_manager

    assert package_manager(app) == "pnpm"
    (app.parent / "pnpm-lock.yaml").unlink()
    (app / "package.json").write_text('{"name": "app", "packageManager": "yarn@4.1.0"}\n')
    assert package_manager(app) == "yarn"


def test_a_package_manager_that_is_not_installed_is_one_sentence(app: Path) -> None:
    (app / "bun.lock").write_text("")
    env_path = str(app.parent / "empty")
    (app.parent / "empty").mkdir()
    proc = subprocess.run(
        [sys.executable, "-m", "prisma_down.cli", "rollback", "--yes"],
        cwd=app, capture_output=True, text=True,
        env=env_for(app, LOCAL_URL) | {"PATH": env_path},
    )  # fmt: skip
    assert proc.returncode == 2
    assert proc.stderr == (
        "prisma-down: this project runs Prisma with `bunx` (from its lockfile), but bunx is "
        "not installed or not on PATH\n"
    )
    assert calls(app) == []
