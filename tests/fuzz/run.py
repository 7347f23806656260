"""Running prisma-down's CLI on a fuzz batch as a subprocess, and judging how it ended."""

from __future__ import annotations

import os
import re
import resource
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

PER_CASE_SECONDS = 20.0
MEMORY = 2 << 30  # bytes of address space: a runaway is a MemoryError, not a swapping machine
RECORDER = Path(__file__).with_name("recorder.py")
# A reader or renderer that raised, caught and turned into text ("a reader bug must not
# take the editor down"): a crash all the same, only quieter. A renderer's refusal of a
# name no quoting can write (core.escape.UnsafeSQL, "cannot write …") is by design.
MASKED = re.compile(r"statement not understood \(\w+\)|-- cannot render \w+: (?!cannot write )")


def masked(text: str) -> str | None:
    """The first crash ``text`` reports as prose, or None."""
    m = MASKED.search(text)
    return None if m is None else text[max(0, m.start() - 200) : m.end() + 200]


def limit_memory() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY, MEMORY))


@dataclass(frozen=True)
class Ended:
    """How one CLI run ended: ``code`` None when it was killed at its timeout."""

    command: str
    code: int | None
    stdout: str
    stderr: str

    def problem(self, codes: tuple[int, ...]) -> str | None:
        """Why this run is a failure, or None: a hang, a traceback, an unexpected exit
        code, or exit 2 without its one ``prisma-down:`` sentence."""
        if self.code is None:
            return f"{self.command}: no answer within its timeout (a hang)"
        if "Traceback (most recent call last)" in self.stderr:
            return f"{self.command}: a Python traceback on stderr:\n{self.stderr[-4000:]}"
        if self.code not in codes:
            return f"{self.command}: exit code {self.code}, stderr: {self.stderr[-2000:]!r}"
        if self.code == 2 and not _explained(self.stderr):
            return f"{self.command}: exit code 2 without one sentence: {self.stderr[-2000:]!r}"
        return None


def _explained(stderr: str) -> bool:
    """One ``prisma-down:`` sentence, or (generate) ``skipped …`` lines, one per migration
    (a folder name may hold a line break: lines are not counted)."""
    if stderr.startswith("prisma-down: "):
        return stderr.count("prisma-down: ") == 1 and "skipped " not in stderr
    return stderr.startswith("skipped ")


def run(args: list[str], cwd: Path, timeout: float, record: Path | None = None) -> Ended:
    """``prisma-down ARGS`` in ``cwd`` (through ``recorder.py`` when ``record`` is given)."""
    entry = [str(RECORDER)] if record is not None else ["-m", "prisma_down.cli"]
    env = dict(os.environ)
    if record is not None:
        env["PRISMA_DOWN_FUZZ_RECORD"] = str(record)
    env.pop("PRISMA_DOWN_FUZZ_SEED", None)
    command = "prisma-down " + " ".join(args)
    try:
        done = subprocess.run(
            [sys.executable, *entry, *args],
            cwd=cwd,
            env=env,
            capture_output=True,
            timeout=timeout,
            check=False,
            preexec_fn=limit_memory,
        )
    except subprocess.TimeoutExpired as e:
        return Ended(command, None, _text(e.stdout), _text(e.stderr))
    return Ended(command, done.returncode, _text(done.stdout), _text(done.stderr))


def _text(data: bytes | str | None) -> str:
    if isinstance(data, str):
        return data
    return (data or b"").decode("utf-8", "backslashreplace")
