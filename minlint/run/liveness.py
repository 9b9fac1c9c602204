"""MIN902 in a run: the pack's entries that matched nothing, as findings in
the pack (and pyproject.toml) files, with ``# noqa`` read from those files.

The engine's seeds can come from the cache; this step never does: it looks
at the project's texts itself (``minlint.analysis.liveness``), so what it
reports depends on the code and the pack only (SPEC 10).
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

from minlint.core.findings import Finding
from minlint.core.paths import real
from minlint.policy.pack import Policy
from minlint.project.config import Config
from minlint.project.index import Project
from minlint.run import noqa

__all__ = ["covers_project", "display_file", "min902"]


def covers_project(paths: Sequence[str], root: Path) -> bool:
    """Whether a run over *paths* is a run over the whole project at *root*
    (one of them is the root or a folder above it): only then can "matched
    nothing" be told from "not looked at"."""
    top = real(root)
    for raw in paths or ["."]:
        if raw == "-":
            continue
        given = real(Path(raw))
        if given == top or given in top.parents:
            return True
    return False


def display_file(file: str) -> str:
    """A pack's or pyproject's path as findings show paths: relative to the
    current folder when it lies under it, else absolute; POSIX separators."""
    path = Path(file)
    try:
        return real(path).relative_to(real(Path.cwd())).as_posix()
    except (ValueError, OSError):
        return Path(os.path.abspath(path)).as_posix()


def min902(project: Project, config: Config, policy: Policy) -> tuple[list[Finding], list[tuple[Finding, noqa.Suppression]]]:
    """MIN902 findings over the whole project *project* indexes, and those a
    ``# noqa`` on their line of the TOML file hides; a ``# noqa`` without a
    reason is MIN901 there, as in Python files (and still suppresses)."""
    # the analysis loads libcst: only a run that asks for MIN902 pays for it
    from minlint.analysis.liveness import Liveness
    from minlint.checks.liveness import unmatched

    found = unmatched(Liveness(project), policy, config, display_file)
    kept: list[Finding] = []
    hidden: list[tuple[Finding, noqa.Suppression]] = []
    unreasoned: dict[tuple[str, int], Finding] = {}
    for finding in found:
        sup = noqa.comment_in_toml(finding.source_line, finding.line) if "#" in finding.source_line else None
        if sup is None or not sup.matches(finding.code):
            kept.append(finding)
            continue
        hidden.append((finding, sup))
        if sup.reason is None:
            detail = f"# noqa for {finding.code} gives no reason; add one: # noqa: {finding.code} -- <why>"
            unreasoned.setdefault((finding.path, finding.line), Finding(
                finding.path, finding.line, sup.column, "MIN901", detail, finding.line, sup.end_column,
                source_line=finding.source_line, params=(("detail", detail),)))
    return kept + list(unreasoned.values()), hidden
