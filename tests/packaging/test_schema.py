"""The JSON schema of ``.prisma-down.json`` says what the tools accept.

For every key the tools read, a value the schema accepts is one ``core/settings.py`` takes
without a report, and a value it rejects is one settings.py reports and ignores. (The
schema also flags keys no tool reads, such as a misspelt ``migrationPath``, which the tools
pass over in silence.) VS Code gets it through ``jsonValidation``; other editors through
``$schema``, which the tools accept.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from referencing import Registry, Resource

from prisma_down.core import settings
from prisma_down.core.rules import RULES
from tests.cli.test_cli import run
from tests.packaging.conftest import REPO

SCHEMAS = REPO / "client-vscode" / "schemas"
SCHEMA = json.loads((SCHEMAS / "prisma-down.schema.json").read_text())

ACCEPTED: list[dict[str, Any]] = [
    {},
    {"$schema": "./node_modules/prisma-down/prisma-down.schema.json"},
    {"migrationsPath": "db/migrations"},
    {"dialect": "postgresql"},
    {"dialect": "mssql"},
    {"rules": {"drop-without-rename": "off", "irreversible-statement": "error"}},
    {"rules": {rule: "info" for rule in RULES}},
    {"archiveSuffix": "_old"},
    {"archiveSuffix": "archive2"},
    {"verify": {"databaseUrl": "postgresql://me@localhost:5432/scratch", "partial": True}},
    {"verify": {"databaseUrl": None}},
    {"verify": {"empty": True}},
]
REJECTED: list[dict[str, Any]] = [
    {"migrationsPath": ""},
    {"migrationsPath": "   "},
    {"migrationsPath": 3},
    {"dialect": "oracle"},
    {"rules": []},
    {"rules": {"no-such-rule": "off"}},
    {"rules": {"missing-down-sql": "fatal"}},
    {"archiveSuffix": ""},
    {"archiveSuffix": "-old"},
    {"archiveSuffix": "___"},
    {"verify": {"databaseUrl": "localhost:5432"}},
    {"verify": {"partial": "yes"}},
    {"verify": {"empty": "no"}},
]


def reports(value: dict[str, Any]) -> list[str]:
    said: list[str] = []
    settings.parse(value, said.append)
    return said


@pytest.mark.parametrize("value", ACCEPTED, ids=json.dumps)
def test_what_the_schema_accepts_the_tools_take_silently(value: dict[str, Any]) -> None:
    jsonschema.Draft7Validator(SCHEMA).validate(value)
    assert reports(value) == []


@pytest.mark.parametrize("value", REJECTED, ids=json.dumps)
def test_what_the_schema_rejects_the_tools_report(value: dict[str, Any]) -> None:
    assert not jsonschema.Draft7Validator(SCHEMA).is_valid(value)
    assert reports(value) != []


def test_the_schema_names_every_rule_and_dialect() -> None:
    assert sorted(SCHEMA["properties"]["rules"]["properties"]) == sorted(RULES)
    assert SCHEMA["properties"]["dialect"]["enum"] == list(settings._DIALECTS)
    assert SCHEMA["definitions"]["level"]["enum"] == list(settings._LEVELS)
    assert not jsonschema.Draft7Validator(SCHEMA).is_valid({"migrationPath": "db"})


def test_vscode_validates_both_files_with_it() -> None:
    manifest = json.loads((REPO / "client-vscode" / "package.json").read_text())
    urls = {v["fileMatch"]: v["url"] for v in manifest["contributes"]["jsonValidation"]}
    assert set(urls) == {".prisma-down.json", "package.json"}
    for url in urls.values():
        assert (REPO / "client-vscode" / url).is_file(), url
    # package.json: the prismaDown key, through a $ref to the same schema.
    wrapper = json.loads((REPO / "client-vscode" / urls["package.json"]).read_text())
    base = "file:///schemas/"
    validator = jsonschema.Draft7Validator(
        {**wrapper, "$id": base + "package-json.schema.json"},
        registry=Registry().with_resources(
            [(base + "prisma-down.schema.json", Resource.from_contents(SCHEMA))]
        ),
    )
    validator.validate({"name": "app", "prismaDown": {"dialect": "sqlite"}})
    assert not validator.is_valid({"name": "app", "prismaDown": {"dialect": "oracle"}})


def test_the_cli_accepts_a_dollar_schema_key(tmp_path: Path) -> None:
    migration = tmp_path / "prisma" / "migrations" / "1_init"
    migration.mkdir(parents=True)
    (migration / "migration.sql").write_text('CREATE TABLE "T" ("id" INT);\n')
    (migration.parent / "migration_lock.toml").write_text('provider = "postgresql"\n')
    (tmp_path / ".prisma-down.json").write_text(
        json.dumps({"$schema": "./node_modules/prisma-down/prisma-down.schema.json"})
    )
    done = run(tmp_path, "check", "--no-cache")
    assert done.returncode == 0
    assert done.stderr == ""
