"""urls.scrub: a password never shows, and nothing else is eaten with it."""

from __future__ import annotations

import pytest

from prisma_down.urls import scrub


@pytest.mark.parametrize(
    ("url", "text", "shown"),
    [
        (  # a one-letter password: only where it is a password
            "postgresql://u:p@localhost:5432/db",
            "npm error npx canceled: prisma at postgresql://u:p@localhost:5432/db",
            "npm error npx canceled: prisma at postgresql://u:****@localhost:5432/db",
        ),
        (  # the usual local URL: the word goes, postgresql stays
            "postgresql://postgres:postgres@localhost:5432/db",
            'password authentication failed for user "postgres" (postgresql)',
            'password authentication failed for user "****" (postgresql)',
        ),
        (  # percent-encoded in the URL, decoded in a message
            "postgresql://u:s3cr%40t!@db.example.com/app",
            "login s3cr@t! rejected; url postgresql://u:s3cr%40t!@db.example.com/app",
            "login **** rejected; url postgresql://u:****@db.example.com/app",
        ),
        (  # a password= parameter
            "mysql://root@localhost/app?password=hunter22",
            "Access denied (using password hunter22)",
            "Access denied (using password ****)",
        ),
        ("postgresql://localhost/app", "nothing to hide here", "nothing to hide here"),
    ],
)
def test_scrub(url: str, text: str, shown: str) -> None:
    assert scrub(text, url) == shown
