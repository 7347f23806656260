"""Find a project's Prisma migrations folder and its database provider.

Prisma's own rules are followed where they can be read without running code:
``prisma.config.ts`` (``migrations.path``) names the folder, else it sits next to the
schema, by default ``prisma/migrations``. The config file is TypeScript, so it is read as
text: only a plain string literal (or ``path.join`` of literals) counts as a path.
"""

from __future__ import annotations

import json
import os
import posixpath
import re
from collections import deque
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType

__all__ = [
    "CONFIG_CANDIDATES",
    "DIALECTS",
    "LOCK_FILE",
    "MIGRATION_FILE",
    "Located",
    "ProjectError",
    "locate",
    "provider_dialect",
    "read_provider",
]

LOCK_FILE = "migration_lock.toml"
MIGRATION_FILE = "migration.sql"

DIALECTS: Mapping[str, str] = MappingProxyType(
    {
        "postgresql": "postgres",
        "cockroachdb": "cockroachdb",
        "mysql": "mysql",
        "sqlite": "sqlite",
        "sqlserver": "tsql",
        "mssql": "tsql",  # what Prisma writes into migration_lock.toml for SQL Server
    }
)

# Prisma's discovery order (packages/config/src/loadConfigFromFile.ts): Prisma 7 names
# first, then the legacy ones; extensions in c12's order.
_EXTENSIONS = (".js", ".ts", ".mjs", ".cjs", ".mts", ".cts")
_CONFIG_BASENAMES = ("prisma7.config", ".config/prisma7")
_LEGACY_BASENAMES = ("prisma.config", ".config/prisma", ".config/prisma.config")
CONFIG_CANDIDATES: tuple[str, ...] = (
    *(base + ext for base in _CONFIG_BASENAMES for ext in _EXTENSIONS),
    *(
        name
        for base in _LEGACY_BASENAMES
        for name in (
            *(base + ext for ext in _EXTENSIONS),
            *(f"{base}/index{ext}" for ext in _EXTENSIONS),
        )
    ),
)

_Token = tuple[str, str]  # (kind, value): kind is "name", "str", "expr" or "punct"

_SKIP_DIRS = frozenset({"node_modules", ".git", ".hg", ".svn"})
_SEARCH_DEPTH = 6
_SEARCH_LIMIT = 20_000  # folders visited by the downward search, to stay fast in huge trees


class ProjectError(Exception):
    """A project problem, worded as one sentence a TypeScript developer can act on."""


@dataclass(frozen=True)
class Located:
    """Where a project's migrations live, and how that was decided."""

    migrations_dir: Path
    only_migration: str | None = None
    config_file: Path | None = None


def provider_dialect(provider: str) -> str:
    """Map a Prisma provider name to the dialect the engine speaks."""
    dialect = DIALECTS.get(provider.strip().lower())
    if dialect is None:
        accepted = ", ".join(f'"{name}"' for name in DIALECTS)
        raise ProjectError(
            f'Unsupported database provider "{provider}": prisma-down works with {accepted}.'
        )
    return dialect


_PROVIDER_LINE = re.compile(r"""^[ \t]*provider[ \t]*=[ \t]*(?:"([^"\n]*)"|'([^'\n]*)')""", re.M)


def read_provider(migrations_dir: Path) -> str | None:
    """The raw ``provider`` from ``migration_lock.toml``; None when absent or unreadable."""
    try:
        text = (migrations_dir / LOCK_FILE).read_bytes().decode("utf-8", "replace")
    except OSError:
        return None
    match = _PROVIDER_LINE.search(text.lstrip("\ufeff"))
    if match is None:
        return None
    return match.group(1) if match.group(1) is not None else match.group(2)


def locate(path: Path, migrations_path: str | None = None) -> Located:
    """Find the migrations folder for any file or folder inside a project.

    Args:
        path: a file or folder the user is working in.
        migrations_path: an explicit setting; relative to ``path`` when relative.

    Raises:
        ProjectError: the path does not exist, or no migrations folder was found.
    """
    if not os.path.lexists(path):
        raise ProjectError(f"No such file or folder: {path}")
    start = Path(os.path.abspath(path)).resolve()
    folder = start if start.is_dir() else start.parent

    if migrations_path is not None:
        chosen = (folder / Path(migrations_path).expanduser()).resolve()
        only = folder.name if _is_migration(folder) and folder.parent == chosen else None
        return Located(chosen, only)

    if _is_migrations_folder(folder):
        return Located(folder)
    if _is_migration(folder):
        return Located(folder.parent, folder.name)

    for level in (folder, *folder.parents):
        found = _at_level(level)
        if found is not None:
            return found

    below = _search_below(folder)
    if below is not None:
        return Located(below)
    raise ProjectError(
        f"No Prisma migrations folder found for {path}: looked for prisma/migrations and "
        "for a prisma.config.ts with migrations.path in that folder and every folder above "
        f"it, and for a folder holding {LOCK_FILE} below it."
    )


def _is_migration(folder: Path) -> bool:
    return os.path.lexists(folder / MIGRATION_FILE)


def _is_migrations_folder(folder: Path) -> bool:
    if (folder / LOCK_FILE).is_file():
        return True
    try:
        with os.scandir(folder) as entries:
            return any(
                entry.is_dir() and os.path.lexists(os.path.join(entry.path, MIGRATION_FILE))
                for entry in entries
            )
    except OSError:
        return False


def _at_level(level: Path) -> Located | None:
    """Apply Prisma's rules in one folder: config file, package.json, prisma/migrations."""
    config = next((level / c for c in CONFIG_CANDIDATES if (level / c).is_file()), None)
    if config is not None:
        named = _from_config(config)
        if named is not None:
            return Located(named, None, config)
    else:
        package = level / "package.json"
        from_package = _from_package_json(package)
        if from_package is not None:
            return Located(from_package, None, package)
    default = level / "prisma" / "migrations"
    if default.is_dir():
        return Located(default.resolve())
    return None


def _from_config(config: Path) -> Path | None:
    """The folder a config file names statically, or None to fall back to the defaults."""
    try:
        source = config.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return None
    # Prisma resolves relative paths against the config file's own folder, also for
    # .config/prisma.ts (transformPathsInConfigToAbsolute: path.dirname(resolvedPath)).
    base = config.parent
    tokens = _tokenize(source)
    migrations = _property(tokens, "migrations")
    if migrations is not None:
        if _token_at(tokens, migrations) != ("punct", "{"):
            return None  # `migrations: someVariable`: not readable statically
        inner = _property(tokens, "path", migrations + 1, _matching_brace(tokens, migrations))
        if inner is not None:
            value = _static_path(tokens, inner, base)
            return None if value is None else (base / value).resolve()
    return _next_to_schema(tokens, base)


def _next_to_schema(tokens: list[_Token], base: Path) -> Path | None:
    """Without migrations.path, Prisma keeps migrations next to the schema."""
    at = _property(tokens, "schema")
    value = None if at is None else _static_path(tokens, at, base)
    if value is None:
        return None
    schema = (base / value).resolve()
    folder = schema.parent if schema.suffix == ".prisma" else schema
    candidate = folder / "migrations"
    return candidate if candidate.is_dir() else None


def _from_package_json(package: Path) -> Path | None:
    """Prisma 6 and earlier read ``"prisma": {"schema": ...}`` from package.json."""
    try:
        data = json.loads(package.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    prisma = data.get("prisma") if isinstance(data, dict) else None
    schema = prisma.get("schema") if isinstance(prisma, dict) else None
    if not isinstance(schema, str) or not schema:
        return None
    resolved = (package.parent / schema).resolve()
    folder = resolved.parent if resolved.suffix == ".prisma" else resolved
    candidate = folder / "migrations"
    return candidate if candidate.is_dir() else None


def _search_below(folder: Path) -> Path | None:
    """The nearest folder below ``folder`` holding migration_lock.toml (breadth first)."""
    queue: deque[tuple[Path, int]] = deque([(folder, 0)])
    visited = 0
    while queue and visited < _SEARCH_LIMIT:
        current, depth = queue.popleft()
        visited += 1
        if depth > 0 and (current / LOCK_FILE).is_file():
            return current
        if depth == _SEARCH_DEPTH:
            continue
        try:
            with os.scandir(current) as entries:
                names = sorted(
                    e.name
                    for e in entries
                    if e.name not in _SKIP_DIRS and e.is_dir(follow_symlinks=False)
                )
        except OSError:
            continue
        queue.extend((current / name, depth + 1) for name in names)
    return None


# --- a tolerant reader for the few TypeScript shapes a Prisma config uses -------------

_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", "b": "\b", "f": "\f", "v": "\v", "0": "\0"}
_JOIN_CALLS = frozenset({"join", "path.join", "posix.join", "path.posix.join"})
_DIRNAME = frozenset({"__dirname", "import.meta.dirname"})


def _tokenize(source: str) -> list[_Token]:
    """Split JS/TS into names, strings and punctuation; comments and spaces vanish."""
    tokens: list[_Token] = []
    i, n = 0, len(source)
    while i < n:
        char = source[i]
        if char.isspace():
            i += 1
        elif source.startswith("//", i):
            end = source.find("\n", i)
            i = n if end < 0 else end
        elif source.startswith("/*", i):
            end = source.find("*/", i + 2)
            i = n if end < 0 else end + 2
        elif char in "'\"`":
            i = _read_string(source, i, tokens)
        elif char.isalnum() or char in "_$":
            end = i + 1
            while end < n and (source[end].isalnum() or source[end] in "_$"):
                end += 1
            tokens.append(("name", source[i:end]))
            i = end
        else:
            tokens.append(("punct", char))
            i += 1
    return tokens


def _read_string(source: str, start: int, tokens: list[_Token]) -> int:
    """Append one string token; a template with ``${}`` becomes an opaque "expr"."""
    quote, i, n = source[start], start + 1, len(source)
    parts: list[str] = []
    plain = True
    while i < n and source[i] != quote:
        char = source[i]
        if char == "\\" and i + 1 < n:
            escaped = source[i + 1]
            parts.append(_ESCAPES.get(escaped, "" if escaped == "\n" else escaped))
            plain = plain and escaped not in "xu"  # \x.. and \u.... are not decoded
            i += 2
        elif char == "\n" and quote != "`":
            break  # unterminated: JS strings end at the line
        elif quote == "`" and source.startswith("${", i):
            plain, depth, i = False, 1, i + 2
            while i < n and depth:
                depth += {"{": 1, "}": -1}.get(source[i], 0)
                i += 1
        else:
            parts.append(char)
            i += 1
    closed = i < n and source[i] == quote
    tokens.append(("str" if plain and closed else "expr", "".join(parts)))
    return i + 1 if closed else i


def _token_at(tokens: list[_Token], index: int) -> _Token:
    return tokens[index] if 0 <= index < len(tokens) else ("end", "")


def _matching_brace(tokens: list[_Token], open_at: int) -> int:
    depth = 0
    for index in range(open_at, len(tokens)):
        kind, value = tokens[index]
        if kind == "punct" and value in "{[(":
            depth += 1
        elif kind == "punct" and value in "}])":
            depth -= 1
            if depth == 0:
                return index
    return len(tokens)


def _property(tokens: list[_Token], key: str, start: int = 0, end: int | None = None) -> int | None:
    """Index of the value of the shallowest ``key:`` property in ``tokens[start:end]``."""
    end = len(tokens) if end is None else end
    best: tuple[int, int] | None = None
    depth = 0
    for index in range(start, end):
        kind, value = tokens[index]
        if kind == "punct" and value in "{[(":
            depth += 1
        elif kind == "punct" and value in "}])":
            depth -= 1
        elif (
            kind in ("name", "str")
            and value == key
            and _token_at(tokens, index + 1) == ("punct", ":")
            and _token_at(tokens, index - 1) in (("punct", "{"), ("punct", ","))
            and (best is None or depth < best[0])
        ):
            best = (depth, index + 2)
    return None if best is None else best[1]


def _static_path(tokens: list[_Token], at: int, base: Path) -> str | None:
    """A string literal, or ``path.join`` of literals and ``__dirname``; else None."""
    kind, value = _token_at(tokens, at)
    if kind == "str":
        return value if _ends_value(tokens, at + 1) else None
    callee, index = _dotted_name(tokens, at)
    if callee not in _JOIN_CALLS or _token_at(tokens, index) != ("punct", "("):
        return None
    parts: list[str] = []
    index += 1
    while _token_at(tokens, index) != ("punct", ")"):
        kind, value = _token_at(tokens, index)
        name, after = _dotted_name(tokens, index)
        if kind == "str":
            parts.append(value)
            index += 1
        elif name in _DIRNAME and not parts:
            parts.append(str(base))
            index = after
        else:
            return None
        if _token_at(tokens, index) == ("punct", ","):
            index += 1
        elif _token_at(tokens, index) != ("punct", ")"):
            return None
    if not parts or not _ends_value(tokens, index + 1):
        return None
    return posixpath.join(*parts)


def _dotted_name(tokens: list[_Token], at: int) -> tuple[str, int]:
    names: list[str] = []
    index = at
    while _token_at(tokens, index)[0] == "name":
        names.append(tokens[index][1])
        index += 1
        if _token_at(tokens, index) != ("punct", ".") or _token_at(tokens, index + 1)[0] != "name":
            break
        index += 1
    return ".".join(names), index


def _ends_value(tokens: list[_Token], index: int) -> bool:
    return _token_at(tokens, index) in (("punct", ","), ("punct", "}"), ("end", ""))
