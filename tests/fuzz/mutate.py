"""Broken and hostile SQL made from real migrations: truncations and token mutations.

A crude tokenizer of our own (not the project's: the fuzz test must not share the code it
tests) cuts a migration into words, quoted names, strings, dollar quotes, comments and
punctuation. Each mutation is named, so a failing case says what was done to the file.
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass

# Names a person could give a column, table, enum label or folder, written to end whatever
# context they land in: a comment (newline, CR, U+2028, */), a string or identifier (quotes,
# backticks, ]), a dollar quote ($$, $down$), a T-SQL batch (GO) or line continuation (\).
HOSTILE = (
    "x\nDROP TABLE IF EXISTS canary;--",
    "x\r\nDROP TABLE canary; --",
    "a\rb",
    "line\u2028separator",
    "para\u2029graph",
    "*/ DROP TABLE canary; /*",
    "/* open",
    "$$",
    "x$$; DROP TABLE canary; $$",
    "$down$",
    "$down$; DROP TABLE canary; DO $down$ BEGIN",
    "'",
    "it''s",
    "x'); DROP TABLE canary; --",
    '"',
    'a""b',
    "`",
    "a`; DROP TABLE canary; --",
    "]",
    "a]; DROP TABLE canary; --",
    "[",
    "\\",
    "back\\slash\\",
    "trail\\\n",
    "--",
    "-- comment",
    ";",
    "a;b",
    "#hash",
    "\nGO\n",
    "\t",
    " ",
    "",
    "\u202eevil",
    "𝒳astral",
    "é",
    "%s{0}${x}",
    "E'",
    "N'",
    "$1",
    "nul\x00byte",
    "n" * 5000,
    "é" * 700,
)

TOKEN = re.compile(
    r"""(?P<ws>\s+)
    |(?P<comment>--[^\n]*|/\*(?:.|\n)*?(?:\*/|\Z))
    |(?P<dollar>\$[A-Za-z_]*\$)
    |(?P<string>[EeNn]?'(?:[^']|'')*'?)
    |(?P<qident>"(?:[^"]|"")*"?|`(?:[^`]|``)*`?|\[[^\]\n]*\]?)
    |(?P<word>[A-Za-z_][A-Za-z0-9_$]*)
    |(?P<number>\d+(?:\.\d+)?)
    |(?P<punct>.)""",
    re.X | re.S,
)
NAMES = ("word", "qident")


@dataclass(frozen=True)
class Token:
    kind: str
    start: int
    end: int


def tokens(text: str) -> list[Token]:
    out = []
    for m in TOKEN.finditer(text):
        kind = m.lastgroup or "punct"
        if kind != "ws":
            out.append(Token(kind, m.start(), m.end()))
    return out


def _bare(name: str) -> str:
    if name[:1] in ('"', "`", "[") and len(name) >= 2:
        return name[1:-1]
    return name


def quote_name(name: str, dialect: str) -> str:
    """``name`` as a legal quoted identifier of ``dialect``."""
    if dialect == "mysql":
        return "`" + name.replace("`", "``") + "`"
    if dialect == "tsql":
        return "[" + name.replace("]", "]]") + "]"
    return '"' + name.replace('"', '""') + '"'


def quote_string(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


@dataclass
class Mutant:
    """The text being mutated and what was done to it."""

    text: str
    dialect: str
    rng: random.Random
    done: list[str]
    donors: tuple[str, ...] = ()  # other migrations to take statements from

    def _pick(self, kinds: tuple[str, ...] = ()) -> Token | None:
        found = [t for t in tokens(self.text) if not kinds or t.kind in kinds]
        return self.rng.choice(found) if found else None

    def _splice(self, start: int, end: int, new: str) -> None:
        self.text = self.text[:start] + new + self.text[end:]

    # -- token mutations
    def drop(self) -> None:
        t = self._pick()
        if t is not None:
            self._splice(t.start, t.end, "")
            self.done.append(f"dropped {t.kind} at {t.start}")

    def duplicate(self) -> None:
        t = self._pick()
        if t is not None:
            self._splice(t.end, t.end, " " + self.text[t.start : t.end])
            self.done.append(f"duplicated {t.kind} at {t.start}")

    def swap(self) -> None:
        toks = tokens(self.text)
        if len(toks) < 2:
            return
        i = self.rng.randrange(len(toks) - 1)
        j = i + 1 if self.rng.random() < 0.6 else self.rng.randrange(i + 1, len(toks))
        a, b = toks[i], toks[j]
        ta, tb = self.text[a.start : a.end], self.text[b.start : b.end]
        self.text = self.text[: a.start] + tb + self.text[a.end : b.start] + ta + self.text[b.end :]
        self.done.append(f"swapped tokens at {a.start} and {b.start}")

    def hostile_name(self) -> None:
        """Every occurrence of one name becomes a hostile name: quoted (a legal name) or
        raw (broken SQL)."""
        t = self._pick(NAMES)
        if t is None:
            return
        old = _bare(self.text[t.start : t.end])
        name = self.rng.choice(HOSTILE)
        new = quote_name(name, self.dialect) if self.rng.random() < 0.8 else name
        same = [u for u in tokens(self.text) if u.kind in NAMES]
        for u in reversed(same):  # the name everywhere it is written, bare or quoted
            if _bare(self.text[u.start : u.end]) == old:
                self._splice(u.start, u.end, new)
        self.done.append(f"renamed {old[:40]!r} to {new[:40]!r}")

    def hostile_string(self) -> None:
        t = self._pick(("string",))
        if t is None:
            return self.hostile_name()
        new = quote_string(self.rng.choice(HOSTILE))
        self._splice(t.start, t.end, new)
        self.done.append(f"string at {t.start} became {new[:40]!r}")
        return None

    def insert_raw(self) -> None:
        at = self.rng.randrange(len(self.text) + 1)
        new = self.rng.choice((*HOSTILE, ";", ";;", "(", ")", ",", "/*", "*/", "'", "$$"))
        self._splice(at, at, new)
        self.done.append(f"inserted {new[:40]!r} at {at}")

    # -- statement mutations: a history that no longer adds up
    def _statements(self) -> list[tuple[int, int]]:
        spans, start = [], None
        for t in tokens(self.text):
            if start is None:
                start = t.start
            if t.kind == "punct" and self.text[t.start] == ";":
                spans.append((start, t.end))
                start = None
        return spans

    def drop_statement(self) -> None:
        spans = self._statements()
        if spans:
            a, b = self.rng.choice(spans)
            self._splice(a, b, "")
            self.done.append(f"dropped the statement at {a}")

    def repeat_statement(self) -> None:
        spans = self._statements()
        if spans:
            a, b = self.rng.choice(spans)
            at = self.rng.choice(spans)[1]
            self._splice(at, at, "\n" + self.text[a:b])
            self.done.append(f"repeated the statement at {a} after {at}")

    def swap_statements(self) -> None:
        spans = self._statements()
        if len(spans) >= 2:
            (a, b), (c, d) = sorted(self.rng.sample(spans, 2))
            t = self.text
            self.text = t[:a] + t[c:d] + t[b:c] + t[a:b] + t[d:]
            self.done.append(f"swapped the statements at {a} and {c}")

    def foreign_statement(self) -> None:
        """A statement of another migration (maybe of another engine) spliced in."""
        if not self.donors:
            return
        donor = self.rng.choice(self.donors)
        spans = Mutant(donor, self.dialect, self.rng, [])._statements()
        if spans:
            a, b = self.rng.choice(spans)
            at = self.rng.choice([0, *(e for _, e in self._statements())])
            self._splice(at, at, "\n" + donor[a:b] + "\n")
            self.done.append(f"inserted at {at} a statement from elsewhere: {donor[a:b][:60]!r}")

    def line_ends(self) -> None:
        """Windows or classic Mac line ends (a lone CR ends a -- comment in PostgreSQL)."""
        end = self.rng.choice(("\r\n", "\r"))
        self.text = self.text.replace("\n", end)
        self.done.append(f"line ends {end!r}")

    def repeat_file(self) -> None:
        self.text = self.text + "\n" + self.text
        self.done.append("the whole file twice")

    # -- truncations (applied last)
    def cut_anywhere(self) -> None:
        at = self.rng.randrange(len(self.text) + 1)
        self.text = self.text[:at]
        self.done.append(f"truncated at character {at}")

    def cut_mid_token(self, kinds: tuple[str, ...] = (), what: str = "token") -> None:
        found = [t for t in tokens(self.text) if t.end - t.start >= 2]
        found = [t for t in found if not kinds or t.kind in kinds]
        if not found:
            return self.cut_anywhere()
        t = self.rng.choice(found)
        at = self.rng.randrange(t.start + 1, t.end)
        self.text = self.text[:at]
        self.done.append(f"truncated mid-{what} ({t.kind}) at character {at}")
        return None

    def cut_mid_quote(self) -> None:
        self.cut_mid_token(("string", "qident", "comment"), "quote")

    def cut_mid_dollar(self) -> None:
        opening = [m.end() for m in re.finditer(r"\$[A-Za-z_]*\$", self.text)]
        if not opening:
            return self.cut_mid_quote()
        at = self.rng.choice(opening)
        at = self.rng.randrange(at, min(len(self.text), at + 200) + 1)
        self.text = self.text[:at]
        self.done.append(f"truncated mid-dollar-quote at character {at}")
        return None


EDITS = (
    "drop",
    "duplicate",
    "swap",
    "hostile_name",
    "hostile_name",
    "hostile_string",
    "insert_raw",
)
CUTS = ("cut_anywhere", "cut_mid_token", "cut_mid_quote", "cut_mid_dollar")


def mutate(
    text: str, dialect: str, rng: random.Random, donors: tuple[str, ...] = ()
) -> tuple[bytes, list[str]]:
    """Up to three edits, a truncation half the time; rarely a byte no text file holds."""
    m = Mutant(text, dialect, rng, [], donors)
    for _ in range(rng.randint(0, 3)):
        getattr(m, rng.choice(EDITS))()
    if rng.random() < 0.5 or not m.done:
        getattr(m, rng.choice(CUTS))()
    data = m.text.encode("utf-8", "surrogatepass")
    roll = rng.random()
    if roll < 0.03 and data:  # cut at a byte, maybe inside a UTF-8 sequence
        at = rng.randrange(len(data))
        data = data[:at]
        m.done.append(f"truncated at byte {at}")
    elif roll < 0.05:
        at = rng.randrange(len(data) + 1)
        data = data[:at] + rng.choice((b"\xff", b"\xc3", b"\x00", b"\xed\xa0\x80")) + data[at:]
        m.done.append(f"inserted a byte no UTF-8 text holds at byte {at}")
    return data, m.done
