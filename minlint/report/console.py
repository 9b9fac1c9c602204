"""What the text format adds on a terminal: ``--show-source`` (the offending
line with a caret under it, as ruff and flake8 show it) and ``--statistics``
(one line per code with its count, as ``ruff check --statistics`` prints)."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Mapping, Sequence
from pathlib import Path

from minlint.core.codes import describe
from minlint.core.findings import Finding
from minlint.report import text

# the line breaks libcst and the positions count (not form feeds or U+2028)
_LINE_BREAK = re.compile(r"\r\n|\r|\n")


def _source_line(finding: Finding, texts: Mapping[str, str]) -> str | None:
    source = texts.get(finding.path)
    if source is None:
        try:
            source = Path(finding.path).read_text(encoding="utf-8", errors="replace")
        except OSError:
            return None
    lines = _LINE_BREAK.split(source)
    return lines[finding.line - 1] if 0 < finding.line <= len(lines) else None


def with_source(findings: Sequence[Finding], texts: Mapping[str, str]) -> str:
    """Each finding's line, then its source line and a caret line marking
    the span (to the end of the line when the span goes on below)."""
    out: list[str] = []
    for f in findings:
        out.append(text.line(f) + "\n")
        source = _source_line(f, texts)
        if source is None:
            continue
        # tabs would put the caret elsewhere than the character it marks
        source = source.expandtabs(1)
        start = max(f.column - 1, 0)
        same_line = f.end_line in (None, f.line) and f.end_column is not None
        end = (f.end_column or 0) - 1 if same_line else len(source.rstrip())
        width = max(end - start, 1)
        out.append(f"    {source.rstrip()}\n    {' ' * start}{'^' * width}\n")
    return "".join(out)


def statistics(findings: Sequence[Finding]) -> str:
    """``count<TAB>code<TAB>summary`` per code, most frequent first."""
    counts = Counter(f.code for f in findings)
    width = len(str(max(counts.values()))) if counts else 1
    rows = sorted(counts.items(), key=lambda item: (-item[1], item[0]))
    return "".join(f"{n:>{width}}\t{code}\t{describe(code).summary}\n" for code, n in rows)
