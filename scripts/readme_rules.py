"""Rewrite the README's "Rules" section from server/prisma_down/rule_docs.py (its one source).

Usage: python scripts/readme_rules.py [--check]   (--check: exit 1 if the README differs)
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "server"))

from prisma_down import rule_docs  # noqa: E402


def main() -> int:
    readme = ROOT / "README.md"
    text = readme.read_text(encoding="utf-8")
    new = re.sub(
        r"^## Rules\n.*?(?=^## )",
        lambda _m: rule_docs.readme_section() + "\n",
        text,
        count=1,
        flags=re.M | re.S,
    )
    if new == text:
        return 0
    if "--check" in sys.argv[1:]:
        print("README.md: the Rules section differs from rule_docs.py", file=sys.stderr)
        return 1
    readme.write_text(new, encoding="utf-8")
    print("README.md: Rules section rewritten", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
