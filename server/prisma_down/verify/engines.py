"""The engines verify runs on, by dialect name: the one place ``verify`` tells them apart.

A new engine is one module offering an :class:`~prisma_down.verify.target.Engine` (a
private throwaway database, and the one a ``--database-url`` names), plus a line here.
"""

from __future__ import annotations

from contextlib import AbstractContextManager

from prisma_down import urls
from prisma_down.verify import mysql_target, postgres_target, sqlite_target
from prisma_down.verify.target import Engine, Target, VerifyError

ENGINES: dict[str, Engine] = {
    "postgres": postgres_target.ENGINE,
    "mysql": mysql_target.ENGINE,
    "sqlite": sqlite_target.ENGINE,
}


def engine(dialect: str) -> Engine:
    """The engine that runs ``dialect``'s migrations, or a VerifyError saying there is none."""
    found = ENGINES.get(dialect)
    if found is None:
        names = [e.name if e.name == e.server else f"{e.name}/{e.server}" for e in ENGINES.values()]
        raise VerifyError(
            f"verify runs migrations on {_either(names)}; the {dialect} provider has no "
            "server prisma-down can start"
        )
    return found


def server(dialect: str) -> str:
    """The database server verify starts for ``dialect`` ("MariaDB" for mysql), for messages."""
    found = ENGINES.get(dialect)
    return found.server if found is not None else dialect


def target(dialect: str, url: str | None, reuse: bool) -> AbstractContextManager[Target]:
    """A throwaway database for ``dialect``'s migrations: a private one, or the one ``url``
    names when it is of the same engine."""
    chosen = engine(dialect)
    if url is None:
        return chosen.private()
    shown = urls.mask_url(url)
    scheme = url.partition("://")[0].lower() if "://" in url else None
    kind = next((d for d, e in ENGINES.items() if scheme in e.schemes), None)
    if kind is None:
        schemes = [f"{e.schemes[0]}://" for e in ENGINES.values() if e.schemes]
        raise VerifyError(f"--database-url must start with {_either(schemes)}, not {shown}")
    try:
        parsed = urls.parse(url, "--database-url")
    except urls.UrlError as error:
        raise VerifyError(str(error)) from None
    if kind != dialect or chosen.given is None:
        raise VerifyError(
            f"--database-url {shown} is a {ENGINES[kind].name} database but the migrations "
            f"are written for {dialect}"
        )
    return chosen.given(parsed, shown, reuse)


def _either(words: list[str]) -> str:
    """``a, b or c``."""
    return words[0] if len(words) == 1 else f"{', '.join(words[:-1])} or {words[-1]}"
