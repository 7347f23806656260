"""The package's shape: no import cycle, adapters above the core, every engine in its dialect.

Imports are read from the sources (``ast``): at module level, inside functions and under
TYPE_CHECKING alike, since a cycle through any of them is a cycle to a reader. The
import-linter contracts in pyproject.toml say the same for CI's ``lint-imports``; these tests
also hold the contracts' list of generic modules to the modules that exist.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import tomllib

import prisma_down

PACKAGE = Path(prisma_down.__file__).parent
ROOT = PACKAGE.parents[1]
DIALECTS = "prisma_down.core.dialects"
ENGINES = ("postgres", "cockroach", "mysql", "sqlite", "tsql")


def modules() -> dict[str, Path]:
    out = {}
    for path in PACKAGE.rglob("*.py"):
        parts = ["prisma_down", *path.relative_to(PACKAGE).with_suffix("").parts]
        if parts[-1] == "__init__":
            parts.pop()
        out[".".join(parts)] = path
    return out


def imports(mods: dict[str, Path]) -> dict[str, set[str]]:
    """Which of ``mods`` each module imports (the deepest module each import names)."""
    graph: dict[str, set[str]] = {m: set() for m in mods}
    for name, path in mods.items():
        package = name if path.name == "__init__.py" else name.rpartition(".")[0]
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            targets: list[str] = []
            if isinstance(node, ast.Import):
                targets = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    parts = package.split(".")[: len(package.split(".")) - node.level + 1]
                    base = ".".join([*parts, base] if base else parts)
                targets = [f"{base}.{a.name}" for a in node.names]
            for t in targets:
                while t and t not in mods:
                    t = t.rpartition(".")[0]
                if t and t != name:
                    graph[name].add(t)
    return graph


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One import cycle, as the path that closes it; None when there is none."""
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    path: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        path.append(node)
        for nxt in sorted(graph[node]):
            if state.get(nxt) == 1:
                return [*path[path.index(nxt) :], nxt]
            if nxt not in state and (found := visit(nxt)):
                return found
        path.pop()
        state[node] = 2
        return None

    for start in sorted(graph):
        if start not in state and (found := visit(start)):
            return found
    return None


def _dialect_of(module: str) -> str | None:
    """The dialect package ``module`` belongs to, if any."""
    if not module.startswith(DIALECTS + "."):
        return None
    return module.split(".")[3]


def _in_core(module: str) -> bool:
    return module == "prisma_down.core" or module.startswith("prisma_down.core.")


GRAPH = imports(modules())


def test_the_graph_sees_imports_inside_functions() -> None:
    """The walk must see a function-level import (the dialect registry's packages load
    lazily, but dialect packages import their own modules inside functions)."""
    assert "prisma_down.core.dialects.mysql.read" in GRAPH["prisma_down.core.dialects.mysql"]


def test_no_import_cycle() -> None:
    assert find_cycle(GRAPH) is None, " -> ".join(find_cycle(GRAPH) or [])


def test_find_cycle_finds_one() -> None:
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b"}, "b": set()}) is None


def test_the_core_imports_no_adapter() -> None:
    """Layers: cli, lsp, verify and the other top-level modules use the core, never the
    other way round (the root package, for ``__version__``, is no adapter)."""
    wrong = [
        (m, t)
        for m, targets in GRAPH.items()
        if _in_core(m)
        for t in targets
        if not _in_core(t) and t != "prisma_down"
    ]
    assert wrong == []


def test_the_generic_core_imports_no_dialect_package() -> None:
    wrong = [
        (m, t)
        for m, targets in GRAPH.items()
        if _in_core(m) and _dialect_of(m) is None
        for t in targets
        if _dialect_of(t) is not None
    ]
    assert wrong == []


def test_dialect_packages_import_no_other_dialect() -> None:
    wrong = [
        (m, t)
        for m, targets in GRAPH.items()
        if _dialect_of(m) is not None
        for t in targets
        if _dialect_of(t) not in (None, _dialect_of(m))
    ]
    assert wrong == []


def test_every_engine_has_its_package() -> None:
    assert {m.split(".")[3] for m in GRAPH if _dialect_of(m)} == set(ENGINES)


def test_the_contracts_name_every_generic_core_module() -> None:
    """import-linter's forbidden contract lists the generic core by name: a new module of
    core/ must be added to it, or it would go unchecked in CI."""
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    contracts = config["tool"]["importlinter"]["contracts"]
    forbidden = next(c for c in contracts if c["type"] == "forbidden")
    listed = set(forbidden["source_modules"])
    generic = {
        ".".join(m.split(".")[:3])
        for m in GRAPH
        if m.startswith("prisma_down.core.") and not m.startswith(DIALECTS)
    }
    assert generic == listed
    assert set(forbidden["forbidden_modules"]) == {f"{DIALECTS}.{e}" for e in ENGINES}


# -- engine names compared in generic code
_NAMES = "postgres|postgresql|cockroachdb|cockroach|mysql|mariadb|sqlite|tsql|sqlserver|mssql"
_WRITTEN_OUT = (
    rf"""(?:==|!=)\s*["'](?:{_NAMES})["']"""
    rf"""|["'](?:{_NAMES})["']\s*(?:==|!=)"""
    rf"""|\bin\s*[(\[{{][^)\]}}]*["'](?:{_NAMES})["']"""
)
_COMPARISON = re.compile(
    _WRITTEN_OUT + r"""|\b(?:dialect|provider|engine)\s*(?:==|!=|in\b|not\s+in\b)"""
)


_LITERAL = re.compile(_WRITTEN_OUT)  # an engine's name, written out


def engine_comparisons(text: str, literal_only: bool = False) -> list[str]:
    """Lines of ``text`` that compare something with an engine's name (``literal_only``:
    with the name written out, not a variable called dialect, provider or engine)."""
    pattern = _LITERAL if literal_only else _COMPARISON
    return [line.strip() for line in text.splitlines() if pattern.search(line)]


def test_engine_comparisons_are_found() -> None:
    assert engine_comparisons('if dialect == "mysql":\n    pass') == ['if dialect == "mysql":']
    assert engine_comparisons('x = cat.name in ("postgres", "cockroachdb")') != []
    assert engine_comparisons("if d.names_ignore_case:") == []


def test_no_engine_name_comparison_outside_the_dialects() -> None:
    """The generic core asks its Dialect; only core/dialects/ and the provider mapping in
    core/project.py know engines by name."""
    allowed = {PACKAGE / "core" / "project.py"}
    found = {
        str(path.relative_to(PACKAGE)): hits
        for module, path in modules().items()
        if _in_core(module) and _dialect_of(module) is None and path not in allowed
        if (hits := engine_comparisons(path.read_text(encoding="utf-8")))
    }
    assert found == {}


def test_no_engine_name_written_out_in_the_adapters() -> None:
    """The adapters (CLI, language server, verify, rollback, URLs) compare no engine's name
    either: they ask a Dialect, or a table named for what it decides (``urls``)."""
    found = {
        str(path.relative_to(PACKAGE)): hits
        for module, path in modules().items()
        if not _in_core(module)
        if (hits := engine_comparisons(path.read_text(encoding="utf-8"), literal_only=True))
    }
    assert found == {}
