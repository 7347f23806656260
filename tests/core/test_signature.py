"""A routine's key is its input argument types, as DROP FUNCTION names it."""

from __future__ import annotations

import pytest

from prisma_down.core.read.postgres.signature import signature_key


@pytest.mark.parametrize(
    ("group", "key"),
    [
        ("(item_id integer)", "(integer)"),
        ("(integer)", "(integer)"),
        ("(int4)", "(integer)"),
        ("(a text, OUT b text)", "(text)"),
        ("(IN a varchar(10), INOUT b int)", "(character varying, integer)"),
        ('("MyType"[], p double precision DEFAULT 1.5)', '("MyType"[], double precision)'),
        (
            "(character varying, x timestamp with time zone = now())",
            "(character varying, timestamp with time zone)",
        ),
        ("(VARIADIC xs numeric(10, 2)[])", "(numeric[])"),
        ("()", "()"),
    ],
)
def test_signature_key(group: str, key: str) -> None:
    assert signature_key(group).name == key
