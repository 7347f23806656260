"""The composite GitHub Action (``action.yml``), its ``run:`` steps run as a runner would.

No ``act``: each step's ``if:`` and ``env:`` expressions are evaluated here (only the
forms the action uses: ``inputs.X``, ``github.action_path``, ``steps.ID.outputs.X``, and
``inputs.X == 'true'``; anything else fails the test), its script runs with GitHub's
``bash --noprofile --norc -eo pipefail``, in a stand-in runner environment
(``GITHUB_WORKSPACE``, ``RUNNER_TEMP``, one ``GITHUB_OUTPUT`` file per step, …) on a clean
clone of this repository as the action's checkout. ``uses:`` steps are not run; their
``with:`` values are evaluated and checked.
"""

from __future__ import annotations

import json
import re
import subprocess
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml

from tests.cli.test_formats import DATA, parse_command
from tests.packaging.conftest import REPO, system_python
from tests.packaging.test_npm import pyproject_version

EXPRESSION = re.compile(r"\$\{\{\s*(.*?)\s*\}\}")


@dataclass
class Runner:
    """The runner's side of one job: the action's inputs, each step's outputs, files."""

    action: Path
    workspace: Path
    temp: Path
    env: Mapping[str, str]
    inputs: dict[str, str]
    outputs: dict[str, dict[str, str]] = field(default_factory=dict)

    def value(self, expr: str) -> str:
        m = re.fullmatch(r"inputs\.([\w-]+)", expr)
        if m:
            return self.inputs[m.group(1)]
        if expr == "github.action_path":
            return str(self.action)
        m = re.fullmatch(r"steps\.([\w-]+)\.outputs\.([\w-]+)", expr)
        if m:
            return self.outputs.get(m.group(1), {}).get(m.group(2), "")
        raise AssertionError(f"an expression this stand-in runner does not know: {expr}")

    def substitute(self, text: str) -> str:
        return EXPRESSION.sub(lambda m: self.value(m.group(1)), text)

    def condition(self, expr: str | None) -> bool:
        if expr is None:
            return True
        m = re.fullmatch(r"([\w.-]+) == '([^']*)'", EXPRESSION.sub(r"\1", expr).strip())
        assert m, f"a condition this stand-in runner does not know: {expr}"
        return self.value(m.group(1)) == m.group(2)

    def run(self, step: Mapping[str, Any]) -> subprocess.CompletedProcess[str]:
        assert step["shell"] == "bash"
        output = self.temp / f"output-{len(self.outputs)}"
        output.write_text("")
        script = self.temp / "step.sh"
        script.write_text(step["run"])
        env = {
            **self.env,
            "GITHUB_ACTIONS": "true",
            "CI": "true",
            "GITHUB_WORKSPACE": str(self.workspace),
            "GITHUB_ACTION_PATH": str(self.action),
            "RUNNER_TEMP": str(self.temp),
            "RUNNER_OS": "Linux",
            "GITHUB_OUTPUT": str(output),
            "GITHUB_ENV": str(self.temp / "env"),
            "GITHUB_PATH": str(self.temp / "path"),
            "GITHUB_STEP_SUMMARY": str(self.temp / "summary"),
            **{k: self.substitute(str(v)) for k, v in step.get("env", {}).items()},
        }
        done = subprocess.run(
            ["bash", "--noprofile", "--norc", "-eo", "pipefail", str(script)],
            cwd=self.workspace,
            env=env,
            capture_output=True,
            text=True,
            timeout=600,
        )
        self.outputs[step.get("id", f"step{len(self.outputs)}")] = dict(
            line.split("=", 1) for line in output.read_text().splitlines() if "=" in line
        )
        return done


def action() -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load((REPO / "action.yml").read_text())
    return loaded


def defaults(**given: str) -> dict[str, str]:
    inputs = {name: str(spec.get("default", "")) for name, spec in action()["inputs"].items()}
    assert set(given) <= set(inputs)
    return inputs | given


def test_action_yml_is_a_composite_action_with_the_documented_inputs() -> None:
    spec = action()
    assert spec["runs"]["using"] == "composite"
    assert set(spec["inputs"]) == {"path", "fail-on", "since", "sarif", "version", "python"}
    for step in spec["runs"]["steps"]:
        if "run" in step:
            assert step["shell"] == "bash"
            # Inputs reach scripts through env, never spliced into the script text.
            assert "${{" not in step["run"], step["name"]


@pytest.fixture
def workspace(tmp_path: Path) -> Path:
    """A checked-out repository holding a Prisma project (warnings: no down.sql yet)."""
    from tests.cli.test_formats import HISTORY

    root = tmp_path / "workspace"
    migrations = root / "prisma" / "migrations"
    for name, sql in HISTORY.items():
        (migrations / name).mkdir(parents=True)
        (migrations / name / "migration.sql").write_text(sql)
    (migrations / "migration_lock.toml").write_text('provider = "postgresql"\n')
    return root


def test_the_actions_steps_in_a_stand_in_runner(
    clean_clone: Path, workspace: Path, tmp_path: Path
) -> None:
    temp = tmp_path / "runner-temp"
    temp.mkdir()
    # A hand-written down.sql that does not undo its migration: an error.
    (workspace / "prisma" / "migrations" / "20240104000000_add_name" / "down.sql").write_text(
        'ALTER TABLE "User" ADD COLUMN "nickname" TEXT;\n'
    )
    python = system_python()
    env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path / "home"), "LANG": "C.UTF-8"}
    steps = action()["runs"]["steps"]
    runner = Runner(clean_clone, workspace, temp, env, defaults(sarif="true", python=python))

    install = runner.run(steps[0])
    assert install.returncode == 0, install.stdout + install.stderr
    exe = runner.outputs["install"]["prisma-down"]
    assert Path(exe).is_file() and Path(exe).is_relative_to(temp)
    assert install.stdout.strip().endswith(f"prisma-down {pyproject_version()}")

    # sarif: 'true' -> the report is written, and the upload step would get its path.
    assert runner.condition(steps[1].get("if"))
    sarif = runner.run(steps[1])
    assert sarif.returncode == 0, sarif.stderr
    report = Path(runner.outputs["sarif"]["sarif-file"])
    log = json.loads(report.read_text())
    jsonschema.Draft4Validator(json.loads((DATA / "sarif-schema-2.1.0.json").read_text())).validate(
        log
    )
    assert {r["ruleId"] for r in log["runs"][0]["results"]} >= {"missing-down-sql"}
    upload = steps[2]
    assert upload["uses"].startswith("github/codeql-action/upload-sarif@")
    assert runner.condition(upload.get("if"))
    assert runner.substitute(upload["with"]["sarif_file"]) == str(report)
    assert runner.substitute(action()["outputs"]["sarif-file"]["value"]) == str(report)

    # The check: one workflow command per finding; fails on errors only (the default).
    check = runner.run(steps[3])
    assert check.returncode == 1, check.stderr  # the hand-written down.sql
    lines = check.stdout.splitlines()
    assert {parse_command(line)[0] for line in lines} == {"error", "warning"}
    files = {parse_command(line)[1]["file"] for line in lines}
    assert all((workspace / f).is_file() for f in files)


def test_the_check_step_honours_fail_on_and_skips_sarif(
    clean_clone: Path, workspace: Path, tmp_path: Path
) -> None:
    temp = tmp_path / "runner-temp"
    temp.mkdir()
    env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path / "home"), "LANG": "C.UTF-8"}
    steps = action()["runs"]["steps"]
    python = system_python()
    for fail_on, code in (("error", 0), ("warning", 1), ("never", 0)):
        runner = Runner(clean_clone, workspace, temp, env, defaults(python=python))
        runner.inputs["fail-on"] = fail_on
        if not (temp / "prisma-down-venv").is_dir():
            assert runner.run(steps[0]).returncode == 0
        else:  # installed by the first round: the step's output as it had written it
            runner.outputs["install"] = {
                "prisma-down": str(temp / "prisma-down-venv/bin/prisma-down")
            }
        assert not runner.condition(steps[1].get("if"))  # sarif defaults to 'false'
        assert not runner.condition(steps[2].get("if"))
        check = runner.run(steps[3])
        assert check.returncode == code, (fail_on, check.stdout, check.stderr)
        assert all(parse_command(line) for line in check.stdout.splitlines())
