"""``path:line:col: CODE message``, one finding per line (SPEC §5)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from minlint.core.escape import printable
from minlint.core.findings import Finding


def line(finding: Finding) -> str:
    # One finding is one line: a newline or escape sequence in a path or a
    # message (both come from the checked tree) is written as its escape.
    return f"{printable(finding.path)}:{finding.line}:{finding.column}: {finding.code} {printable(finding.message)}"


def render(findings: Sequence[Finding], root: Path | None = None) -> str:
    return "".join(line(f) + "\n" for f in findings)
