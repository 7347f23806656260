"""Database URLs: read strictly enough to refuse a broken one in one sentence, and shown
only with every secret they hold masked.

One module for the CLI, ``verify``, ``rollback`` and the language server, so that a URL is
masked the same way wherever it is printed or logged. Masking never raises: it works on
the text, not on a parse, because the URLs that most need it are the broken ones.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from urllib.parse import unquote

__all__ = [
    "MASK",
    "DatabaseUrl",
    "UrlError",
    "is_secret_key",
    "mask_url",
    "parse",
    "printable",
    "scrub",
    "secrets_of",
]

MASK = "****"

# Every scheme Prisma connects with, and the engine it names (prisma-engines:
# schema-engine/core/src/lib.rs connector_for_connection_string; Accelerate's prisma://).
SCHEMES = {
    "postgresql": "postgres",
    "postgres": "postgres",
    "mysql": "mysql",
    "file": "sqlite",
    "sqlserver": "sqlserver",
    "mongodb": "mongodb",
    "mongodb+srv": "mongodb",
    "prisma": "accelerate",
    "prisma+postgres": "accelerate",
}
_SHOWN_SCHEMES = "postgresql://, mysql://, sqlserver://, mongodb://, prisma:// or file:"
# Schemes whose URL is JDBC-like (``sqlserver://host:port;database=…;user=…``), not a URL
_JDBC_LIKE = frozenset({"sqlserver"})
# Schemes that name Prisma's own servers (Accelerate), never the user's database host
_PRISMA_HOSTED = frozenset({"prisma", "prisma+postgres"})

# Parameter names whose value is a secret, compared lower-cased without "-", "_" and ".".
# Paths (sslcert, sslkey, sslrootcert, sslidentity) are not secrets and stay readable;
# a value that is itself key material (-----BEGIN ...) is masked whatever its name.
_SECRET_KEYS = frozenset(
    {
        "password",
        "pass",
        "passwd",
        "pwd",
        "sslpassword",
        "token",
        "secret",
        "apikey",
        "accesstoken",
        "authtoken",
        "refreshtoken",
        "clientsecret",
        "secretkey",
        "accesskey",
        "privatekey",
        "sessiontoken",
        "sig",
        "signature",
        "auth",
        "credentials",
    }
)
_SECRET_ENDINGS = ("password", "passwd", "secret", "token", "apikey", "privatekey")
_KEY_MATERIAL = "-----BEGIN"

_SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.\-]*://")
_URL_IN_TEXT = re.compile(r"""[A-Za-z][A-Za-z0-9+.\-]*://[^\s"'`<>]+""")
_PARAM = re.compile(r"(?P<key>[A-Za-z][\w.\-]*)=(?P<value>(?:\{[^}]*\}?)?[^&;#\s\"'`]*)")
_CONTROL = re.compile(r"[\x00-\x1f\x7f\u2028\u2029]")
_PORT = re.compile(r"\d{1,5}")


class UrlError(ValueError):
    """A database URL that cannot be used, in one sentence that holds no secret."""


@dataclass(frozen=True)
class DatabaseUrl:
    """A parsed database URL; ``user``, ``password``, ``database`` and params decoded."""

    text: str
    scheme: str
    engine: str
    user: str | None
    password: str | None
    hosts: tuple[tuple[str, int | None], ...]  # ("", None) for a socket or a file
    database: str
    params: tuple[tuple[str, str], ...]

    @property
    def host(self) -> str:
        return self.hosts[0][0] if self.hosts else ""

    @property
    def port(self) -> int | None:
        return self.hosts[0][1] if self.hosts else None

    @property
    def is_file(self) -> bool:
        """A database file on this machine (SQLite's ``file:``)."""
        return self.scheme == "file"

    @property
    def is_prisma_hosted(self) -> bool:
        """Prisma's servers (``prisma://``, ``prisma+postgres://``), not the user's host."""
        return self.scheme in _PRISMA_HOSTED

    def param(self, key: str) -> str | None:
        """The last value of ``key`` (exact name, as Prisma reads them)."""
        found = [v for k, v in self.params if k == key]
        return found[-1] if found else None


# -- parsing ------------------------------------------------------------------------------


def parse(url: str, what: str = "the database URL") -> DatabaseUrl:
    """Parse ``url``; ``what`` names it in the one-sentence :class:`UrlError`."""
    shown = mask_url(url)
    control = _CONTROL.search(url)
    if control is not None:
        char = control.group()
        name = "NUL" if char == "\0" else f"U+{ord(char):04X}"
        raise UrlError(f"{what} ({shown}) holds a control character ({name})")
    if url.startswith("file:"):
        return DatabaseUrl(url, "file", "sqlite", None, None, (("", None),), url[5:], ())
    match = _SCHEME.match(url)
    if match is None:
        raise UrlError(
            f"{what} ({shown}) is not a database URL: it should start with {_SHOWN_SCHEMES}"
        )
    scheme = match.group()[:-3].lower()
    engine = SCHEMES.get(scheme)
    if engine is None:
        raise UrlError(
            f"{what} ({shown}) starts with {scheme}://, which is not a database Prisma "
            f"connects to ({_SHOWN_SCHEMES})"
        )
    rest = url[match.end() :]
    if scheme in _JDBC_LIKE:
        return _parse_sqlserver(url, scheme, rest, what, shown)
    netloc, path, query = _split_rest(rest)
    userinfo, at, hostlist = netloc.rpartition("@")
    user, colon, password = userinfo.partition(":") if at else ("", "", "")
    hosts = tuple(_host(part, what, shown) for part in hostlist.split(","))
    params = tuple(
        (unquote(k), unquote(v)) for k, _, v in (p.partition("=") for p in query.split("&") if p)
    )
    return DatabaseUrl(
        url,
        scheme,
        engine,
        unquote(user) if at else None,
        unquote(password) if colon else None,
        hosts,
        unquote(path.lstrip("/")),
        params,
    )


def _split_rest(rest: str) -> tuple[str, str, str]:
    """(netloc, path, query) of what follows ``scheme://``; the fragment is dropped."""
    rest = rest.split("#", 1)[0]
    rest, _, query = rest.partition("?")
    netloc, slash, path = rest.partition("/")
    return netloc, slash + path, query


def _host(part: str, what: str, shown: str) -> tuple[str, int | None]:
    if part.startswith("["):
        close = part.find("]")
        if close < 0:
            raise UrlError(f"{what} ({shown}) has an unclosed [ in its host")
        host, after = part[: close + 1], part[close + 1 :]
        if after and not after.startswith(":"):
            raise UrlError(f"{what} ({shown}) has text after the ] of its host")
        port_text = after[1:]
    else:
        if "[" in part or "]" in part:
            raise UrlError(f"{what} ({shown}) has a [ or ] out of place in its host")
        host, _, port_text = part.partition(":")
    if not port_text:
        return unquote(host), None
    if not _PORT.fullmatch(port_text) or int(port_text) > 65535:
        raise UrlError(f"{what} ({shown}) has a port that is not a number from 0 to 65535")
    return unquote(host), int(port_text)


def _parse_sqlserver(url: str, scheme: str, rest: str, what: str, shown: str) -> DatabaseUrl:
    """``sqlserver://HOST[:PORT];key=value;...`` (Prisma's SQL Server format)."""
    hostport, _, tail = rest.partition(";")
    params = tuple(
        (k.strip().lower(), v.strip().removeprefix("{").removesuffix("}"))
        for k, _, v in (p.partition("=") for p in _sqlserver_parts(tail) if p.strip())
    )
    found = dict(params)
    hosts = (_host(hostport, what, shown),)
    return DatabaseUrl(
        url,
        scheme,
        "sqlserver",
        found.get("user") or found.get("username"),
        found.get("password"),
        hosts,
        found.get("database", ""),
        params,
    )


def _sqlserver_parts(tail: str) -> list[str]:
    """Split on ``;`` outside ``{...}`` (SQL Server quotes a value holding ``;`` so)."""
    parts: list[str] = []
    current: list[str] = []
    depth = 0
    for char in tail:
        if char == "{":
            depth += 1
        elif char == "}" and depth:
            depth -= 1
        if char == ";" and not depth:
            parts.append("".join(current))
            current = []
        else:
            current.append(char)
    parts.append("".join(current))
    return parts


# -- masking ------------------------------------------------------------------------------


def is_secret_key(key: str) -> bool:
    """Whether a URL parameter named ``key`` holds a secret (any case, any separator)."""
    name = re.sub(r"[-_.]", "", key.lower())
    return name in _SECRET_KEYS or name.endswith(_SECRET_ENDINGS)


def printable(text: str) -> str:
    """``text`` with control characters written as escapes, fit for one line of output."""
    return _CONTROL.sub(lambda m: repr(m.group())[1:-1], text)


def mask_url(url: str) -> str:
    """The URL, printable, with its password and every secret parameter as ****.

    Works on text that is no valid URL too: the user part is masked up to the last ``@``
    before the query, so a password holding ``@`` or ``/`` is masked whole.
    """
    text = printable(url)
    match = _SCHEME.match(text)
    if match is not None:
        start = match.end()
        end = min((i for i in (text.find(c, start) for c in "?#") if i >= 0), default=len(text))
        at = text.rfind("@", start, end)
        if at >= 0:
            user, colon, _ = text[start:at].partition(":")
            if colon:
                text = f"{text[:start]}{user}:{MASK}{text[at:]}"
    return _mask_params(text)


def _mask_params(text: str) -> str:
    def one(m: re.Match[str]) -> str:
        key, value = m.group("key"), m.group("value")
        if value and (is_secret_key(key) or _KEY_MATERIAL in unquote(value)):
            return f"{key}={MASK}"
        return m.group()

    return _PARAM.sub(one, text)


def secrets_of(url: str) -> list[str]:
    """Every secret ``url`` holds (password, secret parameters), raw and decoded,
    longest first; read from the text, so a broken URL gives its secrets too."""
    found: set[str] = set()
    match = _SCHEME.match(url)
    if match is not None:
        start = match.end()
        end = min((i for i in (url.find(c, start) for c in "?#") if i >= 0), default=len(url))
        at = url.rfind("@", start, end)
        if at >= 0:
            _, colon, password = url[start:at].partition(":")
            if colon:
                found.add(password)
    for m in _PARAM.finditer(url):
        value = m.group("value")
        if value and (is_secret_key(m.group("key")) or _KEY_MATERIAL in unquote(value)):
            found.add(value)
            if value.startswith("{") and value.endswith("}"):
                found.add(value[1:-1])
    found |= {unquote(s) for s in found}
    found |= {unquote(s.replace("+", " ")) for s in found}
    return sorted((s for s in found if s), key=len, reverse=True)


def scrub(text: str, url: str | None = None, *others: str | None) -> str:
    """``text`` with no secret of ``url`` (and ``others``) left, nor of any URL in it.

    Each given URL becomes its masked form; its secrets, raw or decoded, become ****
    after ``:`` + before ``@`` or after ``=``, and as whole words when 4 characters or
    longer: a password ``p`` must not turn every ``p`` of Prisma's messages into ****,
    nor ``postgres`` the word ``postgresql``. Then any other URL and any ``key=value``
    with a secret key found in the text is masked too.
    """
    for given in _present(url, *others):
        text = text.replace(given, mask_url(given))
        for secret in secrets_of(given):
            text = text.replace(f":{secret}@", f":{MASK}@")
            after = rf"={re.escape(secret)}(?![A-Za-z0-9_])"
            text = re.sub(after, f"={MASK}", text)
            if len(secret) >= 4:
                bare = rf"(?<![A-Za-z0-9_]){re.escape(secret)}(?![A-Za-z0-9_])"
                text = re.sub(bare, MASK, text)
    text = _URL_IN_TEXT.sub(lambda m: mask_url(m.group()), text)
    return _mask_params(text)


def _present(*urls: str | None) -> Iterable[str]:
    return sorted({u for u in urls if u}, key=len, reverse=True)
