"""The one message-state step every front end shares: raw findings of a run
in, the findings to show out.

In order: one finding per (code, place) (``dedupe``), ``# noqa`` with MIN901
(``minlint.run.noqa``; under flake8, which applies ``# noqa`` itself, only
the MIN901 findings), ``select``/``ignore``/``per-file-ignores``, the
baseline, then the contract's order (path, line, column, code). The CLI, the
language server, the flake8 plugin, ``fix`` and ``inventory`` all call it
(through ``minlint.api``), so they cannot disagree on what is reported.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Literal

from minlint.core.codes import message
from minlint.core.findings import Finding
from minlint.project.config import Config
from minlint.run import noqa

NOQA = re.compile(r"#\s*noqa", re.IGNORECASE)
# a noqa that names a MIN code needs a reason even where there is no finding;
# any other noqa matters only in files that have findings
# (as two searches: the one pattern `noqa:[^\n]*MIN` ran to the end of the
# line from every `noqa:` on it, quadratic in a line of them, issue 15)
_NOQA_COLON = re.compile(r"#\s*noqa\s*:", re.IGNORECASE)
_MIN = re.compile("MIN", re.IGNORECASE)


def names_min(text: str) -> bool:
    """Whether a ``noqa:`` comment is followed by ``MIN`` on its line. Linear:
    the first ``noqa:`` of a line ends before any later one, so only it needs
    the search to the end of that line."""
    pos = 0
    while (m := _NOQA_COLON.search(text, pos)) is not None:
        eol = text.find("\n", m.end())
        eol = len(text) if eol < 0 else eol
        if _MIN.search(text, m.end(), eol) is not None:
            return True
        pos = eol
    return False

NoqaMode = Literal["apply", "flake8", "off"]


@dataclass
class Finished:
    findings: list[Finding]  # what to show: suppressed, selected, baselined, sorted
    # what a noqa comment hides, with the comment (a reviewer wants to see them)
    suppressed: list[tuple[Finding, noqa.Suppression]] = field(default_factory=list)
    baselined: int = 0  # findings the baseline hid


def finish(
    by_path: Mapping[str, list[Finding]],
    texts: Mapping[str, str],
    config: Config,
    *,
    noqa_mode: NoqaMode = "apply",
    baseline: Path | None = None,
) -> Finished:
    out: list[Finding] = []
    suppressed: list[tuple[Finding, noqa.Suppression]] = []
    paths = set(by_path) | {p for p, t in texts.items() if noqa_mode != "off" and names_min(t)}
    for path in sorted(paths):
        findings = dedupe(by_path.get(path, []))
        text = texts.get(path)
        if text is not None and noqa_mode == "apply" and NOQA.search(text):
            # a file that could not be checked is never silenced by a comment in it
            unchecked = [f for f in findings if f.code == "MIN999"]
            kept, hidden, extra = noqa.partition([f for f in findings if f.code != "MIN999"], text, path)
            findings = kept + extra + unchecked
            suppressed.extend(hidden)
        elif noqa_mode == "flake8":
            # flake8 reports E902/E999 and applies noqa comments itself; it cannot see a missing reason
            findings = [f for f in findings if f.code != "MIN999"]
            if text is not None and NOQA.search(text):
                lines: dict[int, set[str]] = {}
                for f in findings:
                    lines.setdefault(f.line, set()).add(f.code)
                findings = findings + noqa.unreasoned(text, path, lines)
        out.extend(f for f in findings if config.is_selected(f.code, path))
    out.sort(key=Finding.sort_key)
    baselined = 0
    if baseline is not None:
        from minlint.run.baseline import filter_new

        new = filter_new(out, baseline)
        baselined = len(out) - len(new)
        out = new
    return Finished(out, suppressed, baselined)


def dedupe(findings: Iterable[Finding]) -> list[Finding]:
    """One finding per (code, line): a field used twice on one line is one
    finding. The merged finding is the first of its group in a fixed order
    (so the result does not depend on the order findings arrived in, from
    the cache or from workers), with the union of the group's fields, its
    text made again from its params. Linear in the number of findings."""
    groups: dict[tuple[str, int, str], list[Finding]] = {}
    for f in findings:
        groups.setdefault((f.path, f.line, f.code), []).append(f)
    out: list[Finding] = []
    for group in groups.values():
        if len(group) == 1:
            out.append(group[0])
            continue
        group.sort(key=_merge_order)
        first = group[0]
        fields = tuple(dict.fromkeys(x for f in group for x in f.fields))
        if fields == first.fields:
            out.append(first)
            continue
        params = dict(first.params)
        params.pop("category", None)  # a category is said of one field only
        merged = tuple(params.items())
        out.append(replace(first, fields=fields, params=merged, message=message(first.code, params, fields)))
    out.sort(key=Finding.sort_key)
    return out


def _merge_order(f: Finding) -> tuple[int, int, int, str, str, str, tuple[str, ...]]:
    return (f.column, f.end_line, f.end_column, f.message, f.function or "", f.guard or "", f.fields)
