"""``--format github``: GitHub Actions workflow commands, one annotation a finding.

``::error file=app.py,line=3,col=5,endLine=3,endColumn=20,title=MIN101::message``
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from minlint.core.codes import describe
from minlint.core.findings import Finding
from minlint.report.sarif import relative_path

# Workflow commands have three annotation levels; SARIF has "note" where
# GitHub says "notice".
_COMMAND = {"error": "error", "warning": "warning", "note": "notice", "none": "notice"}


def escape_data(value: str) -> str:
    # '%' first, or the escapes added below would be escaped again.
    return value.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(value: str) -> str:
    # ':' ends the property list and ',' separates properties.
    return escape_data(value).replace(":", "%3A").replace(",", "%2C")


def _file(f: Finding, root: Path | None) -> str:
    # GitHub matches annotations against paths relative to the workspace.
    rel = relative_path(f.path, root)
    return rel.as_posix() if rel is not None else f.path


def annotation(f: Finding, root: Path | None = None) -> str:
    props = [
        ("file", _file(f, root)),
        ("line", str(f.line)),
        ("col", str(f.column)),
        ("endLine", str(max(f.end_line or f.line, f.line))),
    ]
    if f.end_column:
        props.append(("endColumn", str(f.end_column)))
    props.append(("title", f.code))
    command = _COMMAND.get(describe(f.code).level, "error")
    joined = ",".join(f"{key}={escape_property(value)}" for key, value in props)
    return f"::{command} {joined}::{escape_data(f.message)}"


def render(findings: Sequence[Finding], root: Path | None = None) -> str:
    return "".join(annotation(f, root) + "\n" for f in findings)
