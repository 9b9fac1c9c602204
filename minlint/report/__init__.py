"""Output formats: findings in, the text for stdout (and the stderr summary) out.

Reporters never sort, filter or deduplicate: the findings they get are final,
so every format shows the same findings in the same order.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

from minlint.core.findings import Finding
from minlint.report import github, jsonfmt, sarif, text

FORMATS = ("text", "json", "sarif", "github")

_RENDERERS: dict[str, Callable[[Sequence[Finding], Path | None], str]] = {
    "text": text.render,
    "json": jsonfmt.render,
    "sarif": sarif.render,
    "github": github.render,
}


def render(findings: Sequence[Finding], fmt: str, *, root: Path | None = None,
           titles: Mapping[str, str] | None = None) -> str:
    """The stdout text of *findings* in format *fmt* (one of `FORMATS`).

    *root* is the project root that SARIF URIs and GitHub annotation paths are
    made relative to; the current directory when None. *titles*: the policy's
    guard titles by code (SARIF rules of a pack's own codes).
    """
    try:
        renderer = _RENDERERS[fmt]
    except KeyError:
        raise ValueError(f"unknown format {fmt!r}; expected one of {', '.join(FORMATS)}") from None
    if fmt == "sarif":
        return sarif.render(findings, root, titles)
    return renderer(findings, root)


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


def summary(findings: Sequence[Finding], files_checked: int, baselined: int = 0) -> str:
    """The one-line stderr summary (no trailing newline).

    ``minlint: 3 findings (MIN101 ×2, MIN301) in 12 files; 2 more hidden by the baseline``
    """
    files = _plural(files_checked, "file")
    # a baseline that hides findings is debt a reader of the summary should see
    hidden = f"; {baselined} more hidden by the baseline" if baselined else ""
    if not findings:
        return f"minlint: no findings in {files}{hidden}"
    counts = Counter(f.code for f in findings)
    per_code = ", ".join(code if n == 1 else f"{code} ×{n}" for code, n in sorted(counts.items()))
    return f"minlint: {_plural(len(findings), 'finding')} ({per_code}) in {files}{hidden}"
