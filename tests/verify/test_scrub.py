"""urls: a secret never shows, nothing else is eaten with it, and a broken URL is one
sentence that holds no secret."""

from __future__ import annotations

import pytest

from prisma_down.urls import UrlError, is_secret_key, mask_url, parse, scrub


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
        (  # sslpassword, in the URL and alone
            "postgresql://u@h/db?sslpassword=k3yp4ss&sslmode=require",
            "bad key passphrase k3yp4ss for postgresql://u@h/db?sslpassword=k3yp4ss&sslmode=require",
            "bad key passphrase **** for postgresql://u@h/db?sslpassword=****&sslmode=require",
        ),
        (  # a URL scrub was not given: masked all the same
            None,
            "Datasource at mysql://me:abc@db.example.com/x?Token=t0k3n&schema=s, password=zz",
            "Datasource at mysql://me:****@db.example.com/x?Token=****&schema=s, password=****",
        ),
        ("postgresql://localhost/app", "nothing to hide here", "nothing to hide here"),
    ],
)
def test_scrub(url: str | None, text: str, shown: str) -> None:
    assert scrub(text, url) == shown


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        ("postgresql://u:pw@h/db", "postgresql://u:****@h/db"),
        ("postgresql://u@h/db?PASSWORD=x&SslPassword=y", "postgresql://u@h/db?PASSWORD=****&SslPassword=****"),
        ("prisma://accelerate.prisma-data.net/?api_key=eyJh", "prisma://accelerate.prisma-data.net/?api_key=****"),
        ("postgresql://h/db?access_token=a&client-secret=b&pass=c", "postgresql://h/db?access_token=****&client-secret=****&pass=****"),
        # paths to key files are not secrets; key material written inline is
        ("postgresql://h/db?sslkey=/k/client.key&sslcert=/k/c.crt&sslrootcert=/k/ca.crt", "postgresql://h/db?sslkey=/k/client.key&sslcert=/k/c.crt&sslrootcert=/k/ca.crt"),
        ("postgresql://h/db?sslkey=-----BEGIN%20PRIVATE%20KEY-----abc", "postgresql://h/db?sslkey=****"),
        ("sqlserver://h:1433;database=d;user=sa;password={a;b}c;encrypt=true", "sqlserver://h:1433;database=d;user=sa;password=****;encrypt=true"),
        # broken URLs: still masked, the password whole even with / or @ in it
        ("postgresql://u:hunter2@[bad/db", "postgresql://u:****@[bad/db"),
        ("postgresql://u:ab/c@d@h:5432/db", "postgresql://u:****@h:5432/db"),
        ("postgresql://u:pw@h/db\x00\n", "postgresql://u:****@h/db\\x00\\n"),
    ],
)  # fmt: skip
def test_mask_url(url: str, shown: str) -> None:
    assert mask_url(url) == shown


@pytest.mark.parametrize(
    ("key", "secret"),
    [
        ("password", True),
        ("sslpassword", True),
        ("SSLPASSWORD", True),
        ("apiKey", True),
        ("auth_token", True),
        ("db.password", True),
        ("sslkey", False),
        ("sslcert", False),
        ("schema", False),
        ("connection_limit", False),
    ],
)
def test_secret_keys(key: str, secret: bool) -> None:
    assert is_secret_key(key) is secret


@pytest.mark.parametrize(
    ("url", "said"),
    [
        ("[bad", "is not a database URL"),
        ("postgresql://u:hunter2@[bad/db", "has an unclosed [ in its host"),
        ("postgresql://u:hunter2@h]x/db", "has a [ or ] out of place"),
        ("postgresql://u:hunter2@h:abc/db", "has a port that is not a number"),
        ("mysql://u:hunter2@h:70000/db", "has a port that is not a number"),
        ("postgresql://u:hunter2@h/db\x00", "holds a control character (NUL)"),
        ("redis://u:hunter2@h/0", "starts with redis://, which is not a database"),
    ],
)
def test_broken_urls_are_one_sentence_without_the_password(url: str, said: str) -> None:
    with pytest.raises(UrlError) as caught:
        parse(url, "DATABASE_URL")
    message = str(caught.value)
    assert message.startswith("DATABASE_URL (") and said in message
    assert "hunter2" not in message and "\n" not in message and "\x00" not in message


def test_parse() -> None:
    url = parse("postgresql://me:s%40t@h1:5432,[::1]:6543/app%20db?schema=s&host=/run")
    assert (url.engine, url.user, url.password, url.database) == ("postgres", "me", "s@t", "app db")
    assert url.hosts == (("h1", 5432), ("[::1]", 6543))
    assert (url.param("schema"), url.param("host"), url.param("nope")) == ("s", "/run", None)
    assert parse("file:./dev.db").engine == "sqlite"
    server = parse("sqlserver://db.example.com:1433;database=app;user=sa;password={x;y}")
    assert (server.host, server.port, server.user, server.password) == (
        "db.example.com",
        1433,
        "sa",
        "x;y",
    )
