"""``check --format json|github|sarif|gitlab`` and ``explain``, through the real console script.

One small PostgreSQL history in a temp folder gives findings of every severity (error,
warning and, through ``.prisma-down.json``, info), and a migration folder whose name holds
the characters each format must escape (`` ``, ``,``, ``%``). SARIF is validated against
the OASIS schema and GitLab's report against the fields GitLab documents (``data/``).
"""

from __future__ import annotations

import json
import re
from collections import Counter
from pathlib import Path
from typing import Any
from urllib.parse import unquote

import jsonschema
import pytest

from prisma_down import report, rule_docs
from prisma_down.core.rules import RULES
from tests.cli.test_cli import REPO, run

DATA = Path(__file__).with_name("data")
ODD = "20240102000000_drop bio, 100%"  # a space, a comma and a percent sign to escape

HISTORY = {
    "20240101000000_init": 'CREATE TABLE "User" ("id" SERIAL PRIMARY KEY, "email" TEXT NOT NULL,'
    ' "bio" TEXT);\n',
    ODD: 'ALTER TABLE "User" DROP COLUMN "bio";\n',
    "20240103000000_lowercase": 'UPDATE "User" SET "email" = lower("email");\n',
    "20240104000000_add_name": 'ALTER TABLE "User" ADD COLUMN "name" TEXT;\n',
}


@pytest.fixture
def project(tmp_path: Path) -> Path:
    root = tmp_path / "app"
    migrations = root / "prisma" / "migrations"
    for name, sql in HISTORY.items():
        (migrations / name).mkdir(parents=True)
        (migrations / name / "migration.sql").write_text(sql)
    (migrations / "migration_lock.toml").write_text('provider = "postgresql"\n')
    # A hand-written down.sql that does not undo its migration: an error.
    (migrations / "20240104000000_add_name" / "down.sql").write_text(
        'ALTER TABLE "User" ADD COLUMN "nickname" TEXT;\n'
    )
    (root / ".prisma-down.json").write_text('{"rules": {"irreversible-statement": "info"}}\n')
    return root


def check(root: Path, fmt: str) -> tuple[str, int]:
    proc = run(root, "check", "--format", fmt, "--fail-on", "warning", "--no-cache")
    assert proc.stderr == "", proc.stderr
    return proc.stdout, proc.returncode


def findings(root: Path) -> list[dict[str, Any]]:
    out, code = check(root, "json")
    assert code == 1
    rows: list[dict[str, Any]] = json.loads(out)
    assert {r["severity"] for r in rows} == {"error", "warning", "info"}, rows
    return rows


def test_json_names_each_rules_documentation(project: Path) -> None:
    readme = (REPO / "README.md").read_text()
    for row in findings(project):
        assert row["url"] == rule_docs.DOCS + row["rule"]
        assert f"\n### {row['rule']}\n" in readme  # the anchor the URL points at


def test_sarif_validates_against_the_sarif_2_1_0_schema(project: Path) -> None:
    rows = findings(project)
    out, code = check(project, "sarif")
    assert code == 1
    log = json.loads(out)
    schema = json.loads((DATA / "sarif-schema-2.1.0.json").read_text())
    assert schema["id"].endswith("/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json")
    jsonschema.Draft4Validator(schema).validate(log)

    (run_,) = log["runs"]
    rules = run_["tool"]["driver"]["rules"]
    assert [r["id"] for r in rules] == list(RULES)
    assert all(r["helpUri"] == rule_docs.url(r["id"]) for r in rules)
    root = run_["originalUriBaseIds"]["%SRCROOT%"]["uri"]
    assert root == project.resolve().as_uri() + "/"
    results = run_["results"]
    assert len(results) == len(rows)
    for result, row in zip(results, rows, strict=True):
        assert result["ruleId"] == row["rule"]
        assert rules[result["ruleIndex"]]["id"] == row["rule"]
        assert result["message"]["text"] == row["message"]
        (where,) = result["locations"]
        location = where["physicalLocation"]
        assert location["artifactLocation"]["uriBaseId"] == "%SRCROOT%"
        assert unquote(location["artifactLocation"]["uri"]) == row["path"]
        assert (project / unquote(location["artifactLocation"]["uri"])).is_file()
        assert location["region"] == {
            "startLine": row["line"],
            "startColumn": row["column"],
            "endLine": row["end_line"],
            "endColumn": row["end_column"],
        }
    levels = Counter(r["level"] for r in results)
    assert set(levels) == {"error", "warning", "note"}


def test_sarif_is_valid_with_no_findings(tmp_path: Path) -> None:
    migrations = tmp_path / "prisma" / "migrations" / "1_init"
    migrations.mkdir(parents=True)
    (migrations / "migration.sql").write_text('CREATE TABLE "T" ("id" INT);\n')
    (migrations.parent / "migration_lock.toml").write_text('provider = "postgresql"\n')
    assert run(tmp_path, "generate").returncode == 0
    out, code = check(tmp_path, "sarif")
    assert code == 0
    log = json.loads(out)
    schema = json.loads((DATA / "sarif-schema-2.1.0.json").read_text())
    jsonschema.Draft4Validator(schema).validate(log)
    assert log["runs"][0]["results"] == []
    assert len(log["runs"][0]["tool"]["driver"]["rules"]) == len(RULES)


# What the Actions runner accepts (actions/runner ActionCommand.TryParseV2): "::" command,
# a space and comma-separated key=value properties, "::", the data; values unescaped.
COMMAND = re.compile(r"^::(?P<name>[a-z]+)(?: (?P<props>[^:]*))?::(?P<data>.*)$")


def _unescape(text: str, props: bool) -> str:
    pairs = [("%0D", "\r"), ("%0A", "\n")] + ([("%3A", ":"), ("%2C", ",")] if props else [])
    for code, char in [*pairs, ("%25", "%")]:
        text = text.replace(code, char)
    return text


def parse_command(line: str) -> tuple[str, dict[str, str], str]:
    m = COMMAND.match(line)
    assert m, f"not a workflow command: {line!r}"
    props: dict[str, str] = {}
    for pair in (m["props"] or "").split(","):
        key, eq, value = pair.partition("=")
        assert eq, f"a property without '=' in {line!r}"
        props[key] = _unescape(value, props=True)
    return m["name"], props, _unescape(m["data"], props=False)


def test_github_prints_one_workflow_command_per_finding(project: Path) -> None:
    rows = findings(project)
    out, code = check(project, "github")
    assert code == 1
    lines = out.splitlines()
    assert len(lines) == len(rows)
    level = {"error": "error", "warning": "warning", "info": "notice"}
    for line, row in zip(lines, rows, strict=True):
        name, props, message = parse_command(line)
        assert name == level[row["severity"]]
        assert props == {
            "file": row["path"],
            "line": str(row["line"]),
            "endLine": str(row["end_line"]),
            "col": str(row["column"]),
            "endColumn": str(row["end_column"]),
            "title": f"prisma-down {row['rule']}",
        }
        assert (project / props["file"]).is_file()
        assert message == row["message"]
    assert any(ODD in parse_command(line)[1]["file"] for line in lines)


def test_github_escapes_what_would_end_a_property_or_the_message() -> None:
    row = {
        "rule": "unreadable-statement",
        "severity": "error",
        "path": str(Path.cwd() / "a:b,c%d" / "migration.sql"),
        "line": 3,
        "column": 1,
        "end_line": 4,
        "end_column": 2,
        "message": "two\nlines, 100%: done\r",
    }
    line = report.github_command(row)
    assert "\n" not in line and "\r" not in line
    _name, props, message = parse_command(line)
    assert props["file"] == "a:b,c%d/migration.sql"
    assert message == row["message"]


def test_gitlab_report_has_gitlabs_code_quality_fields(project: Path) -> None:
    rows = findings(project)
    out, code = check(project, "gitlab")
    assert code == 1
    assert not out.startswith("\ufeff")  # GitLab's parser refuses a byte order mark
    issues = json.loads(out)
    jsonschema.Draft7Validator(
        json.loads((DATA / "gitlab-code-quality.schema.json").read_text())
    ).validate(issues)
    assert len({i["fingerprint"] for i in issues}) == len(issues) == len(rows)
    for issue, row in zip(issues, rows, strict=True):
        assert issue["check_name"] == row["rule"]
        assert issue["description"] == row["message"]
        assert issue["location"]["path"] == row["path"]
        assert issue["location"]["lines"]["begin"] == row["line"]
        assert (project / issue["location"]["path"]).is_file()
    severity = {"error": "major", "warning": "minor", "info": "info"}
    assert [i["severity"] for i in issues] == [severity[r["severity"]] for r in rows]


def test_gitlab_fingerprints_survive_a_shifted_line(project: Path) -> None:
    before = {i["check_name"]: i["fingerprint"] for i in json.loads(check(project, "gitlab")[0])}
    up = project / "prisma" / "migrations" / ODD / "migration.sql"
    up.write_text("-- a comment that moves the statement down\n" + up.read_text())
    after = {i["check_name"]: i["fingerprint"] for i in json.loads(check(project, "gitlab")[0])}
    assert after == before


def readme_sections() -> dict[str, str]:
    """Each rule's section of the README, as a person reads it there."""
    text = (REPO / "README.md").read_text()
    rules = text[text.index("\n## Rules\n") :]
    rules = rules[: rules.index("\n## ", 1)]
    return {
        m.group(1): m.group(0).rstrip("\n") + "\n"
        for m in re.finditer(r"^### (\S+)\n.*?(?=^### |\Z)", rules, flags=re.M | re.S)
    }


def test_explain_prints_the_rules_readme_section(tmp_path: Path) -> None:
    sections = readme_sections()
    assert sorted(sections) == sorted(RULES)
    for rule, section in sections.items():
        proc = run(tmp_path, "explain", rule)
        assert proc.returncode == 0, proc.stderr
        assert proc.stdout == section


def test_readme_rules_section_is_generated_from_rule_docs() -> None:
    """One source: ``python scripts/readme_rules.py`` rewrites the README section."""
    assert rule_docs.undocumented() == []
    assert "\n" + rule_docs.readme_section() + "\n" in (REPO / "README.md").read_text()


def test_explain_lists_the_rules_and_refuses_an_unknown_one(tmp_path: Path) -> None:
    listed = run(tmp_path, "explain")
    assert listed.returncode == 0
    assert [line.split(":")[0] for line in listed.stdout.splitlines()] == list(RULES)
    unknown = run(tmp_path, "explain", "no-such-rule")
    assert unknown.returncode == 2
    assert unknown.stdout == ""
    assert unknown.stderr.count("\n") == 1 and "no-such-rule" in unknown.stderr


def test_the_language_servers_links_are_the_same_urls() -> None:
    from prisma_down.lsp.convert import DOCS

    assert DOCS == rule_docs.DOCS
