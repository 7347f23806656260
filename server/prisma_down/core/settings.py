"""Settings: one typed value read from the editor and from the project's config file.

The same keys everywhere (``prismaDown.*`` in an editor, the top level of
``.prisma-down.json`` or the ``prismaDown`` key of ``package.json``). A bad value is
reported and replaced by its default; it never stops the tool.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from prisma_down.core.files import read_regular, reason
from prisma_down.core.project import SETTING_NAMES, names_a_dialect

CONFIG_FILE = ".prisma-down.json"
_LEVELS = ("error", "warning", "info", "off")


@dataclass(frozen=True)
class Settings:
    migrations_path: str | None = None
    dialect: str | None = None
    rules: Mapping[str, str] = field(default_factory=dict)  # rule id → severity or "off"
    archive_suffix: str = "_archived"
    # verify.databaseUrl: a disposable database for the editor's verify commands. Out of
    # repr: it may hold a password, and a repr ends up in logs and cache keys.
    verify_database_url: str | None = field(default=None, repr=False)
    # verify.partial: the editor's verify also runs down.sql from every state a failed
    # migration.sql can leave, as ``prisma-down verify --partial`` does
    verify_partial: bool = False
    # baseline: the last migration of the history as adopted; it and the migrations before
    # it still build the schema but get no findings and no generated files (unless named)
    baseline: str | None = None
    # ignore: migration name → the rule ids silenced on it ("*": all), kept out of the
    # migration.sql (an inline comment would change the checksum Prisma verifies)
    ignore: Mapping[str, tuple[str, ...]] = field(default_factory=dict)  # sorted: in repr
    # verify.empty: the editor's verify puts no generated rows in the tables first, as
    # ``prisma-down verify --empty``
    verify_empty: bool = False
    # the project file these came from (None: defaults or the editor's); out of repr and
    # comparison: where the file is does not change what the settings mean
    source: Path | None = field(default=None, repr=False, compare=False)


def parse(raw: Any, report: Callable[[str], None], base: Settings | None = None) -> Settings:
    """Settings from a JSON-like mapping; every bad value is reported and ignored."""
    s = base or Settings()
    if raw is None or raw == [] or raw == "":  # Neovim sends an empty Lua table as []
        return s
    if not isinstance(raw, Mapping):
        report(f"prismaDown settings must be an object, not {type(raw).__name__}: ignored")
        return s
    path = raw.get("migrationsPath", s.migrations_path)
    if path is not None and (not isinstance(path, str) or not path.strip() or "\0" in path):
        report("prismaDown.migrationsPath must be a folder path: using the default")
        path = None
    dialect = raw.get("dialect", s.dialect)
    if dialect is not None and not names_a_dialect(dialect):
        report(
            f"prismaDown.dialect must be one of {', '.join(SETTING_NAMES)}: "
            f"{dialect!r} ignored, using migration_lock.toml"
        )
        dialect = None
    from prisma_down.core.rules import RULES  # here: reading settings must not load the engine

    rules = dict(s.rules)
    raw_rules = raw.get("rules", {})
    if not isinstance(raw_rules, Mapping):
        report("prismaDown.rules must map rule ids to error, warning, info or off: ignored")
        raw_rules = {}
    for rule, level in raw_rules.items():
        if rule not in RULES:
            report(f"prismaDown.rules: unknown rule {rule!r} ignored (rules: {', '.join(RULES)})")
        elif level not in _LEVELS:
            report(
                f"prismaDown.rules.{rule} must be error, warning, info or off: {level!r} ignored"
            )
        else:
            rules[rule] = level
    suffix = raw.get("archiveSuffix", s.archive_suffix)
    if not isinstance(suffix, str) or not suffix or not suffix.replace("_", "").isalnum():
        report("prismaDown.archiveSuffix must be letters, digits and _: using _archived")
        suffix = "_archived"
    url = _database_url(raw, s.verify_database_url, report)
    partial = _verify_option(raw, "partial", s.verify_partial)
    if not isinstance(partial, bool):
        report("prismaDown.verify.partial must be true or false: using false")
        partial = False
    baseline = raw.get("baseline", s.baseline)
    if baseline is not None and (not isinstance(baseline, str) or not _is_name(baseline)):
        report("prismaDown.baseline must be the name of a migration folder: ignored")
        baseline = None
    empty = _verify_option(raw, "empty", s.verify_empty)
    if not isinstance(empty, bool):
        report("prismaDown.verify.empty must be true or false: using false")
        empty = False
    return replace(
        s,
        baseline=baseline,
        ignore=_ignore(raw, s.ignore, RULES, report),
        migrations_path=path,
        dialect=dialect,
        rules=rules,
        archive_suffix=suffix,
        verify_database_url=url,
        verify_partial=partial,
        verify_empty=empty,
    )


def _is_name(value: str) -> bool:
    """A migration folder's name: one path segment, no NUL."""
    return bool(value) and value not in (".", "..") and not any(c in value for c in "/\\\0")


def _ignore(
    raw: Mapping[str, Any],
    default: Mapping[str, tuple[str, ...]],
    rules: Mapping[str, Any],
    report: Callable[[str], None],
) -> Mapping[str, tuple[str, ...]]:
    """``ignore``: ``{"<migration>": ["rule-id", ...]}``; bad entries reported and dropped."""
    if "ignore" not in raw:
        return default
    value = raw["ignore"]
    if value is None or value == []:
        return {}
    if not isinstance(value, Mapping):
        report("prismaDown.ignore must map migration names to lists of rule ids: ignored")
        return {}
    out: dict[str, tuple[str, ...]] = {}
    for name, ids in value.items():
        if not isinstance(name, str) or not _is_name(name):
            report(f"prismaDown.ignore: {name!r} is not a migration folder name: ignored")
            continue
        if isinstance(ids, str):
            ids = [ids]
        if not isinstance(ids, list) or not all(isinstance(i, str) for i in ids):
            report(f"prismaDown.ignore.{name} must be a list of rule ids: ignored")
            continue
        known = []
        for rule in ids:
            if rule == "*" or rule in rules:
                known.append(rule)
            else:
                report(
                    f"prismaDown.ignore.{name}: unknown rule {rule!r} ignored "
                    f"(rules: {', '.join(rules)})"
                )
        if known:
            out[name] = tuple(sorted(set(known)))
    return out


def _verify_option(raw: Mapping[str, Any], key: str, default: Any) -> Any:
    """``verify.<key>``, nested (as editors send it) or as the dotted key."""
    verify = raw.get("verify")
    if isinstance(verify, Mapping) and key in verify:
        return verify[key]
    return raw.get(f"verify.{key}", default)


def _database_url(
    raw: Mapping[str, Any], default: str | None, report: Callable[[str], None]
) -> str | None:
    """``verify.databaseUrl`` (nested, as editors send it, or the dotted key); never echoed."""
    missing = object()
    url = _verify_option(raw, "databaseUrl", missing)
    if url is missing:
        return default
    if url is None or url == "":
        return None
    if not isinstance(url, str) or "://" not in url:
        report("prismaDown.verify.databaseUrl must be a postgresql:// or mysql:// URL: ignored")
        return None
    return url.strip()


def find_config(start: Path) -> tuple[Path, Any] | None:
    """The nearest ``.prisma-down.json``, or ``package.json`` with a ``prismaDown`` key."""
    here = start if start.is_dir() else start.parent
    for folder in (here, *here.parents):
        candidate = folder / CONFIG_FILE
        if candidate.is_file():
            return candidate, _load(candidate)
        pkg = folder / "package.json"
        if pkg.is_file():
            data = _load(pkg)
            if isinstance(data, Mapping) and "prismaDown" in data:
                return pkg, data["prismaDown"]
    return None


def _load(path: Path) -> Any:
    try:
        return json.loads(read_regular(path))
    except OSError as e:
        return {"__error__": f"{path.name} cannot be read ({reason(e)})"}
    except ValueError as e:
        return {"__error__": f"{path.name} is not valid JSON ({e})"}


def load_project(
    start: Path, report: Callable[[str], None], base: Settings | None = None
) -> Settings:
    """Settings from the project's config file layered over ``base``."""
    found = find_config(start)
    if found is None:
        return base or Settings()
    path, raw = found
    if isinstance(raw, Mapping) and "__error__" in raw:
        report(str(raw["__error__"]))
        return base or Settings()
    return replace(parse(raw, lambda m: report(f"{path}: {m}"), base), source=path)
