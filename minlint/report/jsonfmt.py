"""``--format json``: one array of `Finding.to_json()` objects (SPEC §5)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

from minlint.core.findings import Finding


def render(findings: Sequence[Finding], root: Path | None = None) -> str:
    # Key order is the insertion order of to_json(), fixed by that method; ASCII
    # escapes keep the bytes the same whatever the console encoding is.
    return json.dumps([f.to_json() for f in findings], indent=2, ensure_ascii=True) + "\n"
