"""A persistent, insertion-ordered map: the catalog's storage.

A catalog is kept for every statement of a history (inverses and guards read the state just
before each one), so a change must not copy the whole schema: ``set`` and ``delete`` return
a new map that shares all but one path with the old one (a hash array mapped trie of
32-way tuples over small leaf dicts), and the old map stays as it was. Iteration follows
insertion order like a ``dict`` (a replaced key keeps its place), which the rendered
down.sql depends on. ``changed`` walks two versions of one map and skips every subtree
they share, so comparing a catalog with a descendant costs what differs between them.
"""

from __future__ import annotations

import operator
from collections.abc import Hashable, ItemsView, Iterable, Iterator, KeysView, Mapping, ValuesView
from typing import Any, Generic, TypeVar, overload

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")
D = TypeVar("D")
M = TypeVar("M", bound="PMap[Any, Any]")

_BITS = 5
_WIDTH = 1 << _BITS
_MASK = _WIDTH - 1
_LEAF = 32  # entries a leaf holds before it splits into a 32-way node
_DEPTH = 13  # 64-bit hashes are used up below this: leaves there only grow

# a node is a leaf ``dict[key, (seq, value)]`` or a tuple of _WIDTH children (node or None)
Entry = tuple[int, Any]
_EMPTY: dict[Any, Entry] = {}


# sorts (key, (seq, value)) items by (seq, value): seqs are unique, values never compared
_SEQ = operator.itemgetter(1)


def _leaves(node: Any) -> Iterator[dict[Any, Entry]]:
    stack = [node]
    while stack:
        n = stack.pop()
        if n.__class__ is tuple:
            stack.extend(c for c in n if c is not None)
        elif n:
            yield n


def _collect(node: Any) -> dict[Any, Entry]:
    if node is None:
        return {}
    if node.__class__ is dict:
        return node
    out: dict[Any, Entry] = {}
    for leaf in _leaves(node):
        out.update(leaf)
    return out


def _split(leaf: dict[Any, Entry], depth: int) -> tuple[Any, ...]:
    shift = _BITS * depth
    buckets: list[Any] = [None] * _WIDTH
    for key, entry in leaf.items():
        i = (hash(key) >> shift) & _MASK
        b = buckets[i]
        if b is None:
            buckets[i] = {key: entry}
        else:
            b[key] = entry
    for i, b in enumerate(buckets):
        if b is not None and len(b) > _LEAF and depth + 1 < _DEPTH:
            buckets[i] = _split(b, depth + 1)
    return tuple(buckets)


class PMap(Mapping[K, V], Generic[K, V]):
    """An immutable ordered map whose updates share structure with the map they came from.

    Subclasses may carry secondary indexes: they override ``_indexed`` to keep them in step
    with every ``set`` and ``delete``.
    """

    __slots__ = ("_len", "_next", "_order", "_root")

    def __init__(self, items: Mapping[K, V] | Iterable[tuple[K, V]] = ()) -> None:
        pairs = dict(items)  # a dict's own rules: a repeated key keeps its first place
        root: Any = {key: (seq, value) for seq, (key, value) in enumerate(pairs.items())}
        if len(root) > _LEAF:
            root = _split(root, 0)
        self._root = root
        self._len = self._next = len(pairs)
        self._order: tuple[K, ...] | None = None
        self._init_indexes()
        for key, value in pairs.items():
            self._indexed(key, None, value)

    # -- reading
    def _entry(self, key: Any) -> Entry | None:
        node = self._root
        h = hash(key)
        while node.__class__ is tuple:
            node = node[h & _MASK]
            if node is None:
                return None
            h >>= _BITS
        return node.get(key)  # type: ignore[no-any-return]

    @overload
    def get(self, key: K) -> V | None: ...
    @overload
    def get(self, key: K, default: D) -> V | D: ...
    def get(self, key: K, default: Any = None) -> Any:
        node = self._root  # _entry, inlined: the catalog's most frequent call
        if node.__class__ is tuple:
            h = hash(key)
            while node.__class__ is tuple:
                node = node[h & _MASK]
                if node is None:
                    return default
                h >>= _BITS
        e = node.get(key)
        return default if e is None else e[1]

    def __getitem__(self, key: K) -> V:
        e = self._entry(key)
        if e is None:
            raise KeyError(key)
        return e[1]  # type: ignore[no-any-return]

    def __contains__(self, key: object) -> bool:
        node = self._root
        if node.__class__ is tuple:
            h = hash(key)
            while node.__class__ is tuple:
                node = node[h & _MASK]
                if node is None:
                    return False
                h >>= _BITS
        return key in node

    def __len__(self) -> int:
        return self._len

    def seq(self, key: K) -> int:
        """Where ``key`` sits in insertion order (comparable within one map's lineage)."""
        e = self._entry(key)
        if e is None:
            raise KeyError(key)
        return e[0]

    def _ordered(self) -> list[tuple[K, Entry]]:
        """Entries by position (a leaf's own order is not: ``_set_at`` puts a key back)."""
        if self._root.__class__ is dict:
            out = list(self._root.items())
        else:
            out = []
            for leaf in _leaves(self._root):
                out.extend(leaf.items())
        out.sort(key=_SEQ)
        return out

    def __iter__(self) -> Iterator[K]:
        if self._order is None:
            self._order = tuple(k for k, _ in self._ordered())
        return iter(self._order)

    def items(self) -> ItemsView[K, V]:
        return _Items(self)

    def values(self) -> ValuesView[V]:
        return _Values(self)

    def keys(self) -> KeysView[K]:
        return KeysView(self)

    def in_order(self, keys: Iterable[K]) -> list[K]:
        """``keys`` (all in this map) sorted by insertion order."""
        return sorted(keys, key=self.seq)

    def changed(self, other: PMap[K, V]) -> set[K]:
        """Keys whose value is not the very same object in ``self`` and ``other``.

        Shared subtrees are skipped, so for two versions of one map this costs what
        differs. Equal but distinct values count as changed: callers compare them.
        """
        out: set[K] = set()
        stack = [(self._root, other._root)]
        while stack:
            x, y = stack.pop()
            if x is y:
                continue
            if x.__class__ is tuple and y.__class__ is tuple:
                stack.extend((a, b) for a, b in zip(x, y, strict=True) if a is not b)
                continue
            ex, ey = _collect(x), _collect(y)
            for key, e in ex.items():
                f = ey.get(key)
                if f is None or f[1] is not e[1]:
                    out.add(key)
            out.update(key for key in ey if key not in ex)
        return out

    # -- deriving
    def set(self: M, key: K, value: V) -> M:
        return self._put(key, value, None)

    def delete(self: M, key: K) -> M:
        """The map without ``key`` (itself when ``key`` is absent)."""
        old = self._entry(key)
        if old is None:
            return self
        root = self._remove(self._root, key, hash(key))
        new = self._derive(root, self._len - 1, self._next)
        new._indexed(key, old[1], None)
        return new

    def update(self: M, pairs: Iterable[tuple[K, V]]) -> M:
        out = self
        for key, value in pairs:
            out = out.set(key, value)
        return out

    def without(self: M, keys: Iterable[K]) -> M:
        out = self
        for key in keys:
            out = out.delete(key)
        return out

    def _set_at(self: M, key: K, value: V, seq: int) -> M:
        """Set ``key`` at position ``seq`` (a position taken from this map's lineage)."""
        return self._put(key, value, seq)

    def rekeyed(self: M, moves: Mapping[K, tuple[K, V] | None]) -> M:
        """Re-key entries as rebuilding a ``dict`` in order would: ``old -> (new, value)``,
        or ``None`` to drop it. A key several entries land on sits where the first of them
        sat and holds the value of the last."""
        if not moves:
            return self
        landing: dict[K, tuple[int, int, V]] = {}  # new key -> (first seq, last seq, value)
        for old, move in moves.items():
            if move is None:
                continue
            new, value = move
            seq = self.seq(old)
            hit = landing.get(new)
            if hit is None:
                landing[new] = (seq, seq, value)
            else:
                landing[new] = (
                    min(hit[0], seq),
                    max(hit[1], seq),
                    value if seq > hit[1] else hit[2],
                )
        out = self.without(moves)
        for new, (first, last, value) in landing.items():
            kept = out._entry(new)  # an entry that stays under its own key
            if kept is not None:
                first, value = min(first, kept[0]), value if last > kept[0] else kept[1]
            out = out._set_at(new, value, first)
        return out

    def _put(self: M, key: K, value: V, seq: int | None) -> M:
        h = hash(key)
        node = self._root
        path: list[tuple[tuple[Any, ...], int]] = []
        depth = 0
        while node.__class__ is tuple:
            i = (h >> (_BITS * depth)) & _MASK
            path.append((node, i))
            node = node[i]
            depth += 1
            if node is None:
                node = _EMPTY
                break
        old = node.get(key)
        if old is not None and old[1] is value and (seq is None or seq == old[0]):
            return self
        nxt = self._next
        if seq is None:
            seq = old[0] if old is not None else nxt
        nxt = max(nxt, seq + 1)
        leaf: Any = dict(node)
        leaf[key] = (seq, value)
        if len(leaf) > _LEAF and depth < _DEPTH:
            leaf = _split(leaf, depth)
        for parent, i in reversed(path):
            copy = list(parent)
            copy[i] = leaf
            leaf = tuple(copy)
        new = self._derive(leaf, self._len + (old is None), nxt)
        new._indexed(key, None if old is None else old[1], value)
        return new

    @staticmethod
    def _remove(node: Any, key: Any, h: int) -> Any:
        if node.__class__ is not tuple:
            leaf = dict(node)
            del leaf[key]
            return leaf or None
        i = h & _MASK
        copy = list(node)
        copy[i] = PMap._remove(node[i], key, h >> _BITS)
        return tuple(copy)

    def _derive(self: M, root: Any, length: int, nxt: int) -> M:
        new = object.__new__(type(self))
        new._root = _EMPTY if root is None else root
        new._len, new._next, new._order = length, nxt, None
        self._copy_indexes(new)
        return new

    # -- secondary indexes (subclasses)
    def _init_indexes(self) -> None:
        """Start empty indexes; ``__init__`` then reports every entry to ``_indexed``."""

    def _copy_indexes(self, new: Any) -> None:
        """Hand the (persistent) indexes to a derived map, which updates its own copy."""

    def _indexed(self, key: K, old: V | None, new: V | None) -> None:
        """Keep the indexes of this (just derived, not yet shared) map in step: ``key``
        went from ``old`` to ``new`` (``None``: absent)."""

    def __repr__(self) -> str:
        return f"{type(self).__name__}({dict(self.items())!r})"


class _Items(ItemsView[K, V]):
    _mapping: PMap[K, V]

    def __iter__(self) -> Iterator[tuple[K, V]]:
        for key, entry in self._mapping._ordered():
            yield key, entry[1]


class _Values(ValuesView[V]):
    _mapping: PMap[Any, V]

    def __iter__(self) -> Iterator[V]:
        for _, entry in self._mapping._ordered():
            yield entry[1]
