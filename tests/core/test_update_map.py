"""core/update_map.py and value_map.read_where: which UPDATEs map values, and their inverse."""

from __future__ import annotations

import pytest

from prisma_down.core.update_map import _mapping
from prisma_down.core.value_map import read_where


@pytest.mark.parametrize(
    ("text", "pair"),
    [
        ("'fulfills' WHERE \"type\" = 'embodies'", ("'embodies'", "'fulfills'")),
        ("'b'::\"E\" WHERE (type) = 'a'::\"E\";", ("'a'", "'b'")),
        ("('b') WHERE \"t\".\"type\" = 'a'", ("'a'", "'b'")),
    ],
)
def test_set_where_is_one_pair_and_identity(text: str, pair: tuple[str, str]) -> None:
    m = read_where(text, "type")
    assert m is not None and m.pairs == (pair,) and m.identity_else


@pytest.mark.parametrize(
    "text",
    [
        "'b' WHERE \"other\" = 'a'",  # another column decides
        "'b' WHERE \"type\" = 'a' AND \"id\" > 3",  # only some rows
        "'b' WHERE \"type\" IN ('a', 'c')",
        'lower("type") WHERE "type" = \'a\'',  # not a literal
    ],
)
def test_other_shapes_are_not_a_mapping(text: str) -> None:
    assert read_where(text, "type") is None


def test_update_statements() -> None:
    found = _mapping('UPDATE "edges" SET "type" = \'fulfills\' WHERE "type" = \'embodies\';')
    assert found is not None and found[1] == "type"
    assert found[2].inverse().pairs == (("'fulfills'", "'embodies'"),)
    case = "UPDATE o SET k = CASE k WHEN 'a' THEN 'b' END"
    assert _mapping(case) is not None
    assert _mapping(case + " WHERE id = 1") is None  # a CASE on some rows only
    assert _mapping("UPDATE o SET k = CASE k WHEN 'a' THEN 'b' END FROM p") is None
