"""Comments, keyed by (kind, canonical target): they go and move with their object."""

from __future__ import annotations

from prisma_down.core import changes as ch
from prisma_down.core.catalog.maps import ObjectKey as ObjectKey
from prisma_down.core.catalog.maps import (
    relation_of,
)
from prisma_down.core.catalog.maps import type_base as type_base
from prisma_down.core.catalog.model import Catalog, with_maps
from prisma_down.core.names import comment_target

# -- comments: keyed by (kind, canonical target), they go and move with their object
_RELATIONS = ("TABLE", "VIEW", "MATERIALIZED VIEW", "FOREIGN TABLE")


def _on_relation(kind: str, target: str, relation: str) -> bool:
    """Whether a comment is on a column of ``relation`` (a canonical target)."""
    return relation_of(kind, target) == relation


def _commented(cat: Catalog, kind: str, target: str) -> list[tuple[str, str]]:
    """Keys of the comment on an object and, for a table or view, on its columns."""
    keys = [(kind, target)] if (kind, target) in cat.comments else []
    if kind in _RELATIONS:
        keys += cat.comments.on_columns_of(target)
    return keys


def comments_on(cat: Catalog, kind: str, target: str) -> list[ch.SetComment]:
    """The comment on an object, and on its columns for a table or view: to restore with it."""
    keys = cat.comments.in_order(_commented(cat, kind, target))
    return [ch.SetComment(k, t, cat.comments[(k, t)]) for k, t in keys]


def _move_comments(cat: Catalog, moves: list[tuple[str, str, str | None]]) -> Catalog:
    """Re-key the comments of renamed objects, ``(kind, old, new)``; forget dropped ones.

    A comment several moves reach takes the last one's word, as if each comment were
    checked against every move in turn.
    """
    comments = cat.comments
    reached = {key for kind, old, _ in moves for key in _commented(cat, kind, old)}
    rekey: dict[tuple[str, str], tuple[tuple[str, str], str] | None] = {}
    for k, t in reached:
        key: tuple[str, str] | None = (k, t)
        for kind, old, new in moves:
            if (k, t) == (kind, old):
                key = None if new is None else (k, new)
            elif kind in _RELATIONS and _on_relation(k, t, old):
                key = None if new is None else (k, new + t[len(old) :])
        if key != (k, t):
            rekey[(k, t)] = None if key is None else (key, comments[(k, t)])
    if not rekey:
        return cat
    moved = comments.rekeyed(rekey)
    touched = set(rekey) | {m[0] for m in rekey.values() if m is not None}
    if len(moved) == len(comments) and all(moved.get(k) == comments.get(k) for k in touched):
        return cat  # the same comments (a dict would compare equal): keep the catalog
    return with_maps(cat, comments=moved)


def follow_comments(cat: Catalog, before: Catalog, c: ch.Change) -> Catalog:
    """PostgreSQL drops an object's comment with it, and a rename keeps it: mirror both."""
    if not cat.comments:
        return cat
    moves: list[tuple[str, str, str | None]] = []
    if isinstance(c, ch.DropTable | ch.DropColumn | ch.DropIndex):
        # indexes that went with the table or column lose their comments too
        gone = [n for n in before.indexes.changed(cat.indexes) if n not in cat.indexes]
        moves += [("INDEX", comment_target(n), None) for n in before.indexes.in_order(gone)]
    if isinstance(c, ch.DropTable):
        moves.append(("TABLE", comment_target(c.name), None))
    elif isinstance(c, ch.DropColumn):
        moves.append(("COLUMN", comment_target(c.table, c.name), None))
    elif isinstance(c, ch.DropEnum):
        moves.append(("TYPE", comment_target(c.name), None))
    elif isinstance(c, ch.DropObject):
        moves.append((c.kind.upper(), comment_target(c.name), None))
    elif isinstance(c, ch.RenameTable):
        moves.append(("TABLE", comment_target(c.old), comment_target(c.new)))
    elif isinstance(c, ch.RenameColumn):
        moves.append(("COLUMN", comment_target(c.table, c.old), comment_target(c.table, c.new)))
    elif isinstance(c, ch.RenameIndex):
        moves.append(("INDEX", comment_target(c.old), comment_target(c.new)))
    elif isinstance(c, ch.RenameEnum):
        moves.append(("TYPE", comment_target(c.old), comment_target(c.new)))
    elif isinstance(c, ch.RenameObject):
        moves.append((c.kind.upper(), comment_target(c.old), comment_target(c.new)))
    return _move_comments(cat, moves) if moves else cat


def set_comment(cat: Catalog, c: ch.SetComment) -> Catalog:
    key = (c.target_kind, c.target)
    if c.text is None:
        return with_maps(cat, comments=cat.comments.delete(key))
    return with_maps(cat, comments=cat.comments.set(key, c.text))
