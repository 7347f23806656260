"""``prisma-down generate``, unchanged, with a note of every statement the renderer produced.

Run as a script (``python recorder.py generate --stdout PATH``): it calls the CLI's own
``main`` after wrapping ``core.down.generate``, the ``render_all`` and ``preflight`` it calls
(and PostgreSQL's ``preflight_pg.frame``, which adds BEGIN, the preflight and COMMIT), and
``core.lint.vouch``, which stamps the text with generate's verdict (a comment), and
writes ``[{"name", "rendered", "text" | "error"}]`` to the file ``PRISMA_DOWN_FUZZ_RECORD``
names.
The fuzz test then splits what the CLI printed and compares it with ``rendered``: a check
from outside, apart from the one ``generate`` makes itself.
"""

from __future__ import annotations

import json
import os
import sys
from typing import Any

from prisma_down import cli
from prisma_down.core import down, lint, preflight_pg

RECORD_VARIABLE = "PRISMA_DOWN_FUZZ_RECORD"


def main() -> int:
    record: list[dict[str, Any]] = []
    current: list[str] = []
    render_all, generate = down.render_all, down.generate  # type: ignore[attr-defined]
    preflight = down.preflight  # type: ignore[attr-defined]

    def rendering(changes: Any, dialect: str) -> list[str]:
        out = render_all(changes, dialect)
        current.extend(out)
        return out

    def checking(checks: Any, dialect: str) -> list[str]:
        out = preflight(checks, dialect)
        current[:0] = out  # written at the top of down.sql, before every inverse
        return out

    def generating(name: str, up_text: str, analysis: Any, dialect: str, *rest: Any) -> str:
        current.clear()
        entry: dict[str, Any] = {"name": name, "rendered": current}
        record.append(entry)
        try:
            entry["text"] = text = generate(name, up_text, analysis, dialect, *rest)
        except Exception as e:
            entry["error"] = f"{type(e).__name__}: {e}"
            raise
        finally:
            entry["rendered"] = list(current)
        return text

    frame = preflight_pg.frame

    def framing(parts: Any, checks: Any) -> Any:
        """PostgreSQL's BEGIN, preflight and COMMIT are statements generate writes too."""
        out, how = frame(parts, checks)
        current[:] = [sql for _, statements in out for sql in statements]
        return out, how

    vouch = lint.vouch

    def vouching(text: str, *rest: Any) -> str:
        """The text printed is the one stamped: the same statements, one comment longer."""
        out = vouch(text, *rest)
        if record and record[-1].get("text") == text:
            record[-1]["text"] = out
        return out

    lint.vouch = vouching
    down.render_all = rendering  # type: ignore[attr-defined]
    preflight_pg.frame = framing
    down.preflight = checking  # type: ignore[attr-defined]
    down.generate = generating
    try:
        return cli.main(sys.argv[1:])
    finally:
        with open(os.environ[RECORD_VARIABLE], "w", encoding="utf-8") as f:
            json.dump(record, f)


if __name__ == "__main__":
    sys.exit(main())
