"""core.pmap: a persistent map that behaves like a dict, leaves old versions alone, and
tells two versions apart by what they do not share."""

from __future__ import annotations

import random

import pytest

from prisma_down.core.pmap import PMap


class Clash:
    """A key whose hash many others share: entries pile up in the trie's deepest leaves."""

    def __init__(self, n: int) -> None:
        self.n = n

    def __hash__(self) -> int:
        return self.n % 3

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Clash) and other.n == self.n

    def __repr__(self) -> str:
        return f"Clash({self.n})"


def random_ops(seed: int, keys: list[object], steps: int = 4000) -> None:
    """Random sets and deletes on a dict and a PMap side by side; every kept version of
    the PMap still equals the dict it was taken with."""
    rnd = random.Random(seed)
    d: dict[object, int] = {}
    m: PMap[object, int] = PMap()
    kept: list[tuple[dict[object, int], PMap[object, int]]] = []
    for step in range(steps):
        key = rnd.choice(keys)
        if rnd.random() < 0.65:
            d[key] = step
            m = m.set(key, step)
        else:
            d.pop(key, None)
            m = m.delete(key)
        if step % 97 == 0:
            kept.append((dict(d), m))
    kept.append((dict(d), m))
    for snapshot, version in kept:
        assert list(version.items()) == list(snapshot.items())  # same order, as a dict
        assert len(version) == len(snapshot)
        for key in keys:
            assert (key in version) == (key in snapshot)
            assert version.get(key) == snapshot.get(key)


@pytest.mark.parametrize("seed", range(4))
def test_behaves_like_a_dict_and_old_versions_stay(seed: int) -> None:
    random_ops(seed, list(range(3000)))


def test_colliding_hashes() -> None:
    random_ops(7, [Clash(n) for n in range(300)], steps=2000)


def test_a_replaced_key_keeps_its_place_and_a_new_one_goes_last() -> None:
    m = PMap({"a": 1, "b": 2, "c": 3})
    assert list(m.set("a", 9).items()) == [("a", 9), ("b", 2), ("c", 3)]
    assert list(m.delete("a").set("a", 9)) == ["b", "c", "a"]
    assert list(m) == ["a", "b", "c"]  # untouched


def test_setting_the_same_value_is_the_same_map() -> None:
    value = object()
    m = PMap({1: value})
    assert m.set(1, value) is m
    assert m.delete(2) is m


def changed_by_hand(a: PMap[object, object], b: PMap[object, object]) -> set[object]:
    return {k for k in a.keys() | b.keys() if k not in a or k not in b or a[k] is not b[k]}


@pytest.mark.parametrize("seed", range(4))
def test_changed_is_every_key_whose_value_is_not_the_same(seed: int) -> None:
    rnd = random.Random(seed)
    base: PMap[object, object] = PMap((i, object()) for i in range(2000))
    for _ in range(20):
        other = base
        for _ in range(rnd.randrange(40)):
            k = rnd.randrange(2200)
            other = other.delete(k) if rnd.random() < 0.3 else other.set(k, object())
        assert base.changed(other) == changed_by_hand(base, other)
        assert other.changed(base) == changed_by_hand(other, base)
    unrelated = PMap((i, base[i]) for i in range(0, 2000, 2))  # no shared structure
    assert base.changed(unrelated) == changed_by_hand(base, unrelated)


def rebuilt(d: dict[int, str], moves: dict[int, tuple[int, str] | None]) -> dict[int, str]:
    """What rebuilding a dict in order with some keys moved gives (``catalog`` did this)."""
    out: dict[int, str] = {}
    for k, v in d.items():
        if k in moves:
            move = moves[k]
            if move is None:
                continue
            k, v = move
        out[k] = v
    return out


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize("size", [5, 40, 400])  # one leaf, and a trie
def test_rekeyed_is_a_dict_rebuilt_in_order(seed: int, size: int) -> None:
    rnd = random.Random(seed)
    d = {k: f"v{k}" for k in rnd.sample(range(size * 3 // 2), size)}
    moves: dict[int, tuple[int, str] | None] = {}
    for k in rnd.sample(sorted(d), max(2, size // 4)):
        moves[k] = None if rnd.random() < 0.3 else (rnd.randrange(size * 2), f"m{k}")
    got = PMap(d).rekeyed(moves)
    assert list(got.items()) == list(rebuilt(d, moves).items())


def test_in_order_sorts_by_insertion() -> None:
    m = PMap((k, k) for k in "zyxwv")
    assert m.in_order({"v", "z", "x"}) == ["z", "x", "v"]
