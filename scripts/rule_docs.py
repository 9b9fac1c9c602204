"""Rewrite the defaults block of every rule page from the default pack.

    python scripts/rule_docs.py          # rewrite docs/rules/*.md
    python scripts/rule_docs.py --check  # exit 1 when a page is out of date
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from minlint.core.codes import CODES
from minlint.report.ruledefaults import with_block

PAGES = Path(__file__).resolve().parents[1] / "docs" / "rules"


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--check", action="store_true", help="only report pages that are out of date")
    args = p.parse_args()
    stale = []
    for code in CODES:
        path = PAGES / f"{code}.md"
        old = path.read_text(encoding="utf-8")
        new = with_block(old, code)
        if new != old:
            stale.append(path.name)
            if not args.check:
                path.write_text(new, encoding="utf-8")
    if stale:
        print(("out of date: " if args.check else "rewrote: ") + ", ".join(stale))
    return 1 if stale and args.check else 0


if __name__ == "__main__":
    sys.exit(main())
