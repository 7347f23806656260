"""The language server's modules: every feature registered from a static list, no cycles."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import prisma_down.lsp
from prisma_down.lsp import features
from prisma_down.lsp.server import create_server

LSP = Path(prisma_down.lsp.__file__).parent
FEATURE_MODULES = sorted(p.stem for p in (LSP / "features").glob("*.py") if p.stem != "__init__")


def _modules() -> dict[str, Path]:
    out = {}
    for path in LSP.rglob("*.py"):
        parts = ["prisma_down", "lsp", *path.relative_to(LSP).with_suffix("").parts]
        if parts[-1] == "__init__":
            parts.pop()
        out[".".join(parts)] = path
    return out


def imports(modules: dict[str, Path]) -> dict[str, set[str]]:
    """Which of ``modules`` each one imports: at module level, in functions, and under
    TYPE_CHECKING alike (a cycle through any of them is a cycle to a reader)."""
    graph: dict[str, set[str]] = {m: set() for m in modules}
    for name, path in modules.items():
        package = name if path.name == "__init__.py" else name.rpartition(".")[0]
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                graph[name] |= {a.name for a in node.names if a.name in modules}
            elif isinstance(node, ast.ImportFrom):
                target = node.module or ""
                if node.level:  # relative: from the package, one level up per dot after one
                    parts = package.split(".")[: len(package.split(".")) - node.level + 1]
                    target = ".".join([*parts, node.module] if node.module else parts)
                for alias in node.names:
                    sub = f"{target}.{alias.name}"
                    if sub in modules:
                        graph[name].add(sub)
                    elif target in modules:
                        graph[name].add(target)
    return graph


def cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One import cycle, as the path that closes it; None when there is none."""
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    path: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        path.append(node)
        for nxt in sorted(graph[node]):
            if state.get(nxt) == 1:
                return [*path[path.index(nxt) :], nxt]
            if nxt not in state and (found := visit(nxt)) is not None:
                return found
        path.pop()
        state[node] = 2
        return None

    for node in sorted(graph):
        if node not in state and (found := visit(node)) is not None:
            return found
    return None


def test_the_language_server_modules_import_no_cycle() -> None:
    found = cycle(imports(_modules()))
    assert found is None, "import cycle: " + " → ".join(found or [])


def test_the_cycle_finder_finds_one() -> None:
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert cycle(graph) == ["a", "b", "c", "a"]
    assert cycle({"a": {"b"}, "b": set()}) is None


def test_every_feature_module_is_registered() -> None:
    registered = {f.__module__.rpartition(".")[2] for f in features.FEATURES}
    assert registered == set(FEATURE_MODULES)
    ls = create_server()
    assert "textDocument/hover" in ls.protocol.fm.features
    assert "prismaDown.verifyMigration" in ls.protocol.fm.commands


def test_a_missing_feature_module_is_an_import_error() -> None:
    """Not a server that starts without its hovers, and says nothing."""
    for missing in ("hover", "verify"):
        code = (
            "import sys\n"
            f"sys.modules['prisma_down.lsp.features.{missing}'] = None\n"
            "import prisma_down.lsp.features\n"
        )
        out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
        assert out.returncode != 0, f"the server would start without {missing}"
        assert "ImportError" in out.stderr or "ModuleNotFoundError" in out.stderr
