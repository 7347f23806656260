"""What ``check`` prints for machines: JSON, GitHub workflow commands, SARIF, GitLab.

Every format takes the same rows (``cli._row``: 1-based ``line``/``column``, ``end_line``/
``end_column`` just past the finding, code points, absolute ``path``) and names each file
relative to the current folder (the repository root in CI), with ``/`` separators.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any
from urllib.parse import quote

from prisma_down import __version__, rule_docs
from prisma_down.core.rules import RULES
from prisma_down.display import show

FORMATS = ("json", "github", "sarif", "gitlab")
Row = Mapping[str, Any]

# SARIF 2.1.0 as OASIS published it (errata 01); tests/cli/data holds the schema.
SARIF_SCHEMA = (
    "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
)
_SARIF_LEVEL = {"error": "error", "warning": "warning", "info": "note"}
# GitHub's workflow commands: ::error, ::warning, ::notice.
_GITHUB_LEVEL = {"error": "error", "warning": "warning", "info": "notice"}
# GitLab's scale is info, minor, major, critical, blocker: an error blocks nothing by
# itself, it is the worst prisma-down reports.
_GITLAB_SEVERITY = {"error": "major", "warning": "minor", "info": "info"}


def render(fmt: str, rows: Iterable[Row]) -> str:
    """The whole output of ``check --format FMT`` for these findings."""
    rows = list(rows)
    if fmt == "json":
        shown = [
            {**r, "path": _os_relative(r["path"]), "url": rule_docs.url(r["rule"])} for r in rows
        ]
        return _dump(shown)
    if fmt == "github":
        return "".join(github_command(r) + "\n" for r in rows)
    if fmt == "sarif":
        return _dump(sarif(rows))
    if fmt == "gitlab":
        return _dump(gitlab(rows))
    raise ValueError(f"unknown format {fmt!r}")


def _dump(data: Any) -> str:
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"


def _os_relative(path: str) -> str:
    """As the text output names files: relative, in the platform's spelling, a name that
    is not UTF-8 escaped."""
    return show(path)


def relative(path: str, cwd: Callable[[], str] = os.getcwd) -> str:
    """``path`` relative to the current folder, ``/``-separated; absolute when outside it."""
    try:
        rel = os.path.relpath(path, cwd())
    except ValueError:  # another drive on Windows
        return Path(path).as_posix()
    if rel == os.pardir or rel.startswith(os.pardir + os.sep):
        return Path(path).as_posix()
    return Path(rel).as_posix()


# --- GitHub Actions -------------------------------------------------------------------
# The escaping of @actions/core (src/command.ts): data escapes % CR LF; property values
# also escape : and , (they separate properties).


def _escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(text: str) -> str:
    return _escape_data(text).replace(":", "%3A").replace(",", "%2C")


def github_command(row: Row) -> str:
    """One ``::error file=…,line=…,endLine=…,col=…,endColumn=…,title=…::message`` line."""
    props = {
        "file": relative(row["path"]),
        "line": row["line"],
        "endLine": row["end_line"],
        "col": row["column"],
        "endColumn": row["end_column"],
        "title": f"prisma-down {row['rule']}",
    }
    joined = ",".join(f"{k}={_escape_property(str(v))}" for k, v in props.items())
    return f"::{_GITHUB_LEVEL[row['severity']]} {joined}::{_escape_data(row['message'])}"


# --- SARIF 2.1.0 ----------------------------------------------------------------------


def _sarif_rule(rule: str) -> dict[str, Any]:
    _check, severity, summary = RULES[rule]
    return {
        "id": rule,
        "shortDescription": {"text": summary},
        "fullDescription": {"text": rule_docs.body(rule)},
        "help": {"text": rule_docs.body(rule), "markdown": rule_docs.section(rule)},
        "helpUri": rule_docs.url(rule),
        "defaultConfiguration": {"level": _SARIF_LEVEL[severity]},
    }


def _artifact(path: str) -> dict[str, str]:
    shown = relative(path)
    if Path(shown).is_absolute():
        return {"uri": Path(shown).as_uri()}
    return {"uri": quote(shown), "uriBaseId": "%SRCROOT%"}


def sarif(rows: Iterable[Row]) -> dict[str, Any]:
    """A SARIF log with one run: every rule (with its ``helpUri``), one result per row."""
    index = {rule: i for i, rule in enumerate(RULES)}
    results = [
        {
            "ruleId": r["rule"],
            "ruleIndex": index[r["rule"]],
            "level": _SARIF_LEVEL[r["severity"]],
            "message": {"text": r["message"]},
            "locations": [
                {
                    "physicalLocation": {
                        "artifactLocation": _artifact(r["path"]),
                        "region": {
                            "startLine": r["line"],
                            "startColumn": r["column"],
                            "endLine": r["end_line"],
                            "endColumn": r["end_column"],
                        },
                    }
                }
            ],
        }
        for r in rows
    ]
    root = Path.cwd().as_uri().rstrip("/") + "/"
    return {
        "$schema": SARIF_SCHEMA,
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "prisma-down",
                        "version": __version__,
                        "semanticVersion": __version__,
                        "informationUri": rule_docs.HOME,
                        "rules": [_sarif_rule(rule) for rule in RULES],
                    }
                },
                "originalUriBaseIds": {"%SRCROOT%": {"uri": root}},
                # cli._row counts code points, not SARIF's default UTF-16 code units
                "columnKind": "unicodeCodePoints",
                "results": results,
            }
        ],
    }


# --- GitLab code quality --------------------------------------------------------------
# The fields of docs.gitlab.com/ci/testing/code_quality/#implement-a-custom-tool
# (gitlab doc/ci/testing/code_quality.md): description, check_name, fingerprint,
# severity, location.path, location.lines.begin.


def gitlab(rows: Iterable[Row]) -> list[dict[str, Any]]:
    """A code quality report: one issue per row, each with a unique, stable fingerprint."""
    seen: dict[str, int] = {}
    issues = []
    for r in rows:
        path = relative(r["path"])
        # Stable across unrelated edits (no line number), unique within the report: the
        # n-th identical message in a file gets n in its key.
        key = "\0".join((r["rule"], path, r["message"]))
        seen[key] = seen.get(key, 0) + 1
        digest = hashlib.sha256(f"{key}\0{seen[key]}".encode()).hexdigest()
        issues.append(
            {
                "description": r["message"],
                "check_name": r["rule"],
                "fingerprint": digest,
                "severity": _GITLAB_SEVERITY[r["severity"]],
                "location": {"path": path, "lines": {"begin": r["line"], "end": r["end_line"]}},
            }
        )
    return issues
