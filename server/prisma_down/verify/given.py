"""``verify --database-url``: what every engine does with a disposable database the user names.

It must be empty: any object a person made (:mod:`prisma_down.verify.inventory`) stops the
run with one sentence saying what is there, unless ``reuse`` is given, in which case
exactly those objects are dropped first. Whatever the history creates is dropped between
trials and at the end, ``_prisma_migrations`` kept; a schema verify made for Prisma's
``?schema=`` goes at the end too. Which engine a URL names, and the engine's own way to
connect and empty, are in :mod:`prisma_down.verify.engines` and the engines' modules.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from prisma_down import urls
from prisma_down.verify import inventory
from prisma_down.verify.target import VerifyError, one_line


def check(found: Sequence[inventory.Item], shown: str, reuse: bool) -> None:
    """Refuse a database that is not empty, unless ``reuse``; never one holding what
    prisma-down does not drop."""
    kept = inventory.undroppable(found)
    if kept:
        raise VerifyError(
            f"the database {shown} holds {inventory.describe(kept)}, which prisma-down does "
            "not drop (dropping a subscription also drops its slot on the publishing server): "
            "verify needs an empty database"
        )
    if found and not reuse:
        raise VerifyError(
            f"the database {shown} holds {inventory.describe(found)}: verify needs an empty "
            "database; pass --reuse to drop them first"
        )


def unreachable(shown: str, url: str, error: BaseException) -> VerifyError:
    """The driver's connection error as one sentence, the URL's secrets scrubbed."""
    return VerifyError(f"could not connect to {shown}: {one_line(urls.scrub(str(error), url))}")


def emptying(shown: str, url: str, errors: Any, drop: Callable[[], None]) -> None:
    """Run ``drop``; a database error (one of ``errors``) becomes one sentence."""
    try:
        drop()
    except errors as error:
        message = one_line(urls.scrub(str(error), url))
        raise VerifyError(f"could not empty {shown}: {message}") from None
