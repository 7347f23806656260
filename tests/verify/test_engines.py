"""``verify`` tells engines apart in one table (``verify.engines``), nowhere else.

Pure: no database is started. The table's contents are checked against the core's dialect
names, and the verify package's source is read for engine-name comparisons.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from prisma_down.core.project import DIALECTS
from prisma_down.verify import engines
from prisma_down.verify.target import VerifyError

VERIFY = Path(engines.__file__).parent
NAMES = {*DIALECTS, *DIALECTS.values(), "postgresql", "mariadb"}


def _engine_names(node: ast.expr) -> list[str]:
    """The engine names a comparison operand spells out: a string, or a tuple/list/set of them."""
    items = node.elts if isinstance(node, ast.Tuple | ast.List | ast.Set) else [node]
    return [i.value for i in items if isinstance(i, ast.Constant) and str(i.value).lower() in NAMES]


def comparisons(path: Path) -> list[str]:
    """``file:line: the comparison`` for each comparison with an engine name in ``path``."""
    tree = ast.parse(path.read_text(), str(path))
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Compare) and any(
            _engine_names(x) for x in (node.left, *node.comparators)
        ):
            found.append(f"{path.name}:{node.lineno}: {ast.unparse(node)}")
    return found


def test_no_module_of_verify_compares_an_engine_name() -> None:
    modules = sorted(VERIFY.glob("*.py"))
    assert len(modules) > 10
    assert [c for m in modules for c in comparisons(m)] == []


def test_the_check_sees_a_comparison(tmp_path: Path) -> None:
    sample = tmp_path / "sample.py"
    sample.write_text('if dialect == "mysql" or kind in ("postgres", "sqlite"):\n    pass\n')
    assert len(comparisons(sample)) == 2


def test_every_engine_is_a_dialect_the_core_reads() -> None:
    assert set(engines.ENGINES) <= set(DIALECTS.values())
    for dialect, engine in engines.ENGINES.items():
        assert engine.private is not None, dialect
        assert (engine.given is None) == (engine.schemes == ()), dialect


@pytest.mark.parametrize("dialect", sorted(set(DIALECTS.values()) - set(engines.ENGINES)))
def test_an_engine_without_a_target_is_one_sentence_naming_those_there_are(dialect: str) -> None:
    with pytest.raises(VerifyError) as raised:
        engines.target(dialect, None, False)
    said = str(raised.value)
    assert f"the {dialect} provider has no server" in said
    assert all(e.name in said and e.server in said for e in engines.ENGINES.values())
