"""One run: files -> project index -> rules -> findings.

The CLI, the flake8 plugin and the language server all call ``analyse``, so
they report the same findings on the same tree; they differ only in who
applies ``# noqa`` (flake8 does it itself) and which files they print.
"""

from __future__ import annotations

import ast
import os
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from minlint import noqa
from minlint.analysis import Analysis
from minlint.checks import RULES, Raw
from minlint.config import Config
from minlint.facts import ModuleFacts
from minlint.findings import Finding
from minlint.index import Project, SourceFile
from minlint.policy import Policy
from minlint.source import Unreadable

NOQA_MIN = re.compile(r"#\s*noqa", re.IGNORECASE)


class UsageError(Exception):
    """A bad path or option: exit status 2 with this one line."""


@dataclass
class Result:
    findings: list[Finding]  # final: suppressed, selected, sorted
    files: int


def display_path(path: Path) -> str:
    text = path.as_posix()
    return text[2:] if text.startswith("./") else text


def collect(paths: Sequence[str], config: Config) -> list[SourceFile]:
    """The Python files under *paths*, as the user named them, minus excludes."""
    out: dict[Path, SourceFile] = {}
    for raw in paths:
        given = Path(raw)
        if not given.exists() and not given.is_symlink():
            raise UsageError(f"{raw}: no such file or directory")
        if given.is_dir():
            for dirpath, dirnames, filenames in os.walk(given, followlinks=False):
                base = Path(dirpath)
                dirnames[:] = sorted(d for d in dirnames if not config.is_excluded(base / d))
                for name in sorted(filenames):
                    p = base / name
                    if name.endswith(".py") and not config.is_excluded(p):
                        out.setdefault(p.resolve(), SourceFile(p, display_path(Path(os.path.normpath(p)))))
        elif not config.is_excluded(given):
            # a file named explicitly is checked whatever its name (as flake8 does)
            out.setdefault(given.resolve(), SourceFile(given, display_path(Path(os.path.normpath(given)))))
    return sorted(out.values(), key=lambda f: f.display)


def analyse(
    files: Sequence[SourceFile], root: Path, policy: Policy, overrides: dict[Path, str] | None = None
) -> tuple[dict[str, list[Finding]], dict[str, str]]:
    """Every finding of the project before suppression and selection, by path;
    and the text of each file that was read (for suppressions). *overrides*
    holds texts that stand in for files on disk (an editor's unsaved buffers)."""
    project = Project(files, root, policy, overrides)
    analysis = Analysis(project, policy)
    raw: list[Raw] = []
    for f in project.seeds():
        module = project.facts(f)
        if module is None:
            continue
        for disclosure in analysis.disclosures(module):
            for rule in RULES:
                raw.extend(rule.check(analysis, disclosure))
    by_path: dict[str, list[Finding]] = {}
    for r in raw:
        finding = _finding(r)
        by_path.setdefault(finding.path, []).append(finding)
    # files no analysis needed are still checked for syntax: a broken file is
    # a MIN999 finding wherever it is (ast is ten times cheaper than libcst)
    parsed = {m.path for m in project.parsed()}
    for f in project.files:
        if f.path in project.texts and f.path not in parsed and f.path not in project.unreadable:
            problem = syntax_problem(project.texts[f.path])
            if problem is not None:
                project.unreadable[f.path] = problem
    displays = {f.path: f.display for f in project.files}
    for path, exc in project.unreadable.items():
        display = displays[path]
        by_path.setdefault(display, []).append(Finding(
            display, exc.line, exc.column, "MIN999", f"cannot check this file: {exc.reason}",
            exc.line, exc.column + 1))
    texts = {displays[p]: t for p, t in project.texts.items()}
    return {p: _dedupe(fs) for p, fs in by_path.items()}, texts


def syntax_problem(text: str) -> Unreadable | None:
    try:
        ast.parse(text)
    except SyntaxError as exc:
        return Unreadable(exc.lineno or 1, exc.offset or 1, f"syntax error: {exc.msg}")
    except (ValueError, RecursionError, MemoryError) as exc:
        return Unreadable(1, 1, f"cannot parse: {str(exc).splitlines()[0] if str(exc) else type(exc).__name__}")
    return None


def _finding(r: Raw) -> Finding:
    module: ModuleFacts = r.module
    line, col, end_line, end_col = module.positions.span(r.node)
    lines = module.text.splitlines()
    source = lines[line - 1].strip() if 0 < line <= len(lines) else ""
    return Finding(module.display, line, col, r.code, r.message, end_line, end_col, r.scope, r.fields,
                   r.guard, source)


def _dedupe(findings: Iterable[Finding]) -> list[Finding]:
    """One finding per (code, line): a field used twice on one line is one finding."""
    merged: dict[tuple[int, str], Finding] = {}
    for f in sorted(findings, key=Finding.sort_key):
        key = (f.line, f.code)
        if key not in merged:
            merged[key] = f
        elif f.fields:
            first = merged[key]
            fields = tuple(dict.fromkeys(first.fields + f.fields))
            if fields != first.fields:
                names = ", ".join(repr(x) for x in fields)
                message = first.message
                if first.fields and message.startswith(repr(first.fields[0])):
                    message = names + message[len(repr(first.fields[0])):]
                merged[key] = replace(first, fields=fields, message=message)
    return list(merged.values())


def finish(
    by_path: dict[str, list[Finding]], texts: dict[str, str], config: Config, *, apply_noqa: bool = True
) -> list[Finding]:
    """Suppressions (with MIN901) and select/ignore, then the contract's order."""
    out: list[Finding] = []
    paths = set(by_path) | {p for p, t in texts.items() if NOQA_MIN.search(t)}
    for path in paths:
        findings = by_path.get(path, [])
        text = texts.get(path)
        if text is not None and apply_noqa and NOQA_MIN.search(text):
            findings = noqa.apply(findings, text, path)
        out.extend(f for f in findings if config.is_selected(f.code, path))
    return sorted(out, key=Finding.sort_key)


def check(paths: Sequence[str], config: Config, policy: Policy) -> Result:
    files = collect(paths, config)
    by_path, texts = analyse(files, config.root, policy)
    return Result(finish(by_path, texts, config), len(files))
