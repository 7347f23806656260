"""What every database ``verify`` runs on offers, and the one error it raises."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any


class VerifyError(Exception):
    """One sentence for the user (exit code 2); never holds a password."""


@dataclass(frozen=True)
class Target:
    """A database to verify on: how to run a script, read and compare its schema."""

    conn: Any
    apply: Callable[[Any, str], str | None]
    snapshot: Callable[[Any], Any]
    diff: Callable[[Any, Any], list[str]]
    label: str  # for messages, password masked
    reset: Callable[[Any], None]  # empty the database (``_prisma_migrations`` kept)


def need_driver(module: str) -> None:
    """The database driver ``module`` must be installed: say how to install it."""
    try:
        __import__(module)
    except ImportError:
        raise VerifyError(
            f"the Python driver {module} is missing: pip install 'prisma-down[verify]'"
        ) from None


def one_line(text: str) -> str:
    return " ".join(text.split())
