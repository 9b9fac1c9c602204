"""``path:line:col: CODE message``, one finding per line (SPEC §5)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from minlint.core.findings import Finding


def line(finding: Finding) -> str:
    # A message is one line; a stray newline would split a finding in two for
    # every tool that parses this format line by line.
    message = " ".join(finding.message.splitlines())
    return f"{finding.path}:{finding.line}:{finding.column}: {finding.code} {message}"


def render(findings: Sequence[Finding], root: Path | None = None) -> str:
    return "".join(line(f) + "\n" for f in findings)
