"""The placeholder a NOT NULL column whose values are lost gets, read off its type."""

from __future__ import annotations

import pytest

from prisma_down.core.catalog import Catalog
from prisma_down.core.placeholders import placeholder
from prisma_down.core.schema import Enum, QName


@pytest.mark.parametrize(
    ("type_text", "value"),
    [
        ("TEXT", "''"),
        ("VARCHAR(191)", "''"),
        ("character varying(10)", "''"),
        ("CITEXT", "''"),
        ("INTEGER", "0"),
        ("DECIMAL(65,30)", "0"),
        ("DOUBLE PRECISION", "0"),
        ("BOOLEAN", "false"),
        ("TIMESTAMP(3)", "'1970-01-01 00:00:00'"),
        ("TIMESTAMPTZ(6)", "'1970-01-01 00:00:00+00'"),
        ("timestamp(3) with time zone", "'1970-01-01 00:00:00+00'"),
        ("DATE", "'1970-01-01'"),
        ("INTERVAL", "'0'"),
        ("UUID", "'00000000-0000-0000-0000-000000000000'"),
        ("JSONB", "'{}'"),
        ("BYTEA", "''"),
        ("TEXT[]", "'{}'"),
        ('"Role"', "'it''s'"),
        ('"public"."Role"', "'it''s'"),
        ('"Role"[]', "'{}'"),
        ("INET", None),
        ("TSVECTOR", None),
        ('"Email"', None),  # a domain or composite type: not known to take any value
        ('"other"."Role"', None),
    ],
)
def test_placeholder_by_type(type_text: str, value: str | None) -> None:
    cat = Catalog(enums={QName("", "Role"): Enum(QName("", "Role"), ("it's", "B"))})
    assert placeholder(type_text, cat) == value
