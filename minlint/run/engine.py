"""One run: files -> project index -> rules -> findings.

The CLI, the flake8 plugin and the language server all call ``analyse``, so
they report the same findings on the same tree; they differ only in who
applies ``# noqa`` (flake8 does it itself) and which files they print.
"""

from __future__ import annotations

import ast
import gc
import multiprocessing
import os
import re
import symtable
import sys
import threading
import time
import warnings
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING

from minlint.core.findings import Finding
from minlint.core.paths import real
from minlint.parse import deepstack
from minlint.parse.source import Unreadable, parse_module
from minlint.policy.pack import Policy
from minlint.project.config import Config
from minlint.project.index import Deps, Project, SourceFile
from minlint.run import noqa
from minlint.run.cache import Cache, digest, finding_from_dict, finding_to_dict

if TYPE_CHECKING:  # the analysis loads libcst: imported where a seed is analysed, so a cached run never does
    from minlint.analysis.disclosures import Analysis, Disclosure
    from minlint.checks import Raw
    from minlint.facts.module import ModuleFacts

NOQA = re.compile(r"#\s*noqa", re.IGNORECASE)
# a noqa that names a MIN code needs a reason even where there is no finding;
# any other noqa matters only in files that have findings
NOQA_MIN = re.compile(r"#\s*noqa\s*:[^\n]*MIN", re.IGNORECASE)


# Measured: 2,200 implicitly concatenated strings (the stdlib's pydoc_data)
# need a recursion limit of about 9,000 to generate code for; the stack is
# reserved, not committed, so a large one costs nothing until used.
ANALYSIS_STACK_BYTES = 512 * 1024 * 1024
ANALYSIS_RECURSION_LIMIT = 60_000


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
            # without exclude globs only a folder's or file's own name can
            # exclude it once the folder walked from is kept: a regex on the
            # name instead of a path computation per file
            excluded = (config.is_excluded_name if not config.exclude and not config.is_excluded(given)
                        else config.is_excluded)
            for base, name, is_link in _walk(given, excluded):
                if not name.endswith(".py"):
                    continue
                p = base / name
                if excluded(p):
                    continue
                identity = real(p) if is_link else Path(os.path.abspath(p))
                out.setdefault(identity, SourceFile(p, display_path(Path(os.path.normpath(p)))))
        elif not config.is_excluded(given):
            # a file named explicitly is checked whatever its name (as flake8 does)
            out.setdefault(_identity(given), SourceFile(given, display_path(Path(os.path.normpath(given)))))
    return sorted(out.values(), key=lambda f: f.display)


def _walk(top: Path, excluded: Callable[[Path], bool]) -> Iterator[tuple[Path, str, bool]]:
    """(folder, name, is a symlink) of each file under *top*, as ``os.walk``
    without following links visits them (a folder's files, then the folders
    not excluded, by name); the symlink flag comes free with the directory
    entry."""
    try:
        with os.scandir(top) as it:
            entries = sorted(it, key=lambda e: e.name)
    except OSError:
        return
    folders = []
    for entry in entries:
        try:
            is_dir = entry.is_dir()
        except OSError:
            is_dir = False
        if is_dir:
            folders.append(entry)
        else:
            yield top, entry.name, entry.is_symlink()
    for entry in folders:
        folder = top / entry.name
        if not excluded(folder) and not entry.is_symlink():
            yield from _walk(folder, excluded)


def _identity(path: Path) -> Path:
    """The key that makes a file named twice one file: its absolute path,
    resolved only for a symlink (resolving every file costs a system call
    per path component)."""
    return real(path) if path.is_symlink() else Path(os.path.abspath(path))


def analyse(
    files: Sequence[SourceFile],
    root: Path,
    policy: Policy,
    overrides: dict[Path, str] | None = None,
    *,
    jobs: int = 1,
    use_cache: bool = False,
    syntax: bool = True,
) -> tuple[dict[str, list[Finding]], dict[str, str]]:
    """Every finding of the project before suppression and selection, by path;
    and the text of each file that was read (for suppressions). *overrides*
    holds texts that stand in for files on disk (an editor's unsaved buffers).
    ``syntax=False`` skips the MIN999 syntax check of files no analysis read
    (for a caller that reports broken files itself, as flake8 does).

    Each seed (a file that can hold a disclosure) is analysed on its own,
    with a fresh analysis over the shared index: its result depends only on
    what it read, which makes the result independent of the order seeds are
    analysed in (so ``--jobs N`` prints what ``--jobs 1`` prints) and lets
    the cache reuse it while what it read is unchanged.
    """
    project = Project(files, root, policy, overrides)
    # entries are keyed by text hashes, so an editor's unsaved buffers can
    # use the cache too: nothing computed from them is taken for the disk's
    cache = Cache(root, policy.digest, enabled=use_cache)
    hashes = {f.path: digest(t) for f, t in ((f, project.texts.get(f.path)) for f in project.files) if t is not None}
    displays = {f.path: f.display for f in project.files}
    layout = digest("\n".join(sorted(displays.values())))
    findings: list[Finding] = []

    seeds = project.seeds()
    # only a file whose text changed since the last run can change where a
    # name is found: the cached answers hold for every other file
    changed = [p for p, h in hashes.items() if cache.files.get(displays[p]) != h]
    by_display = {d: p for p, d in displays.items()}
    todo: list[SourceFile] = []
    for seed in seeds:
        entry = cache.seed(seed.display)
        if entry is not None and _fresh(entry, project, hashes, displays, by_display, layout, seed, changed):
            findings.extend(finding_from_dict(d) for d in entry["findings"])
        else:
            todo.append(seed)
    with _collections_by_hand():
        results = list(_run_seeds(project, policy, todo, root, overrides, jobs))
    for seed, seed_findings, deps in results:
        findings.extend(seed_findings)
        if not cache.enabled:
            continue  # the entry's word lists cost a search each: only worth it to keep them
        cache.put_seed(seed.display, {
            "hash": hashes.get(seed.path), "layout": layout,
            "deps": {displays[p]: hashes.get(p) for p in sorted(deps.files, key=lambda p: displays[p])},
            "words": {w: sorted(displays[p] for p in project.files_with(w)) for w in sorted(deps.words)},
            "findings": [finding_to_dict(f) for f in seed_findings],
        })

    # files no analysis needed are still checked for syntax: a broken file is
    # a MIN999 finding wherever it is (Python's parser is ten times cheaper than libcst)
    seed_paths = {s.path for s in seeds}
    unchecked: list[SourceFile] = []
    for f in project.files if syntax else ():
        if f.path in seed_paths or f.path not in project.texts:
            continue
        known = cache.syntax.get(hashes[f.path], False) if cache.enabled else False
        if known is False:
            unchecked.append(f)
        elif isinstance(known, list):
            findings.append(_min999(f.display, Unreadable(int(known[0]), int(known[1]), str(known[2]))))
    for f, problem in _run_syntax(project, unchecked, jobs):
        cache.put_syntax(hashes[f.path], [problem.line, problem.column, problem.reason] if problem else None)
        if problem is not None:
            findings.append(_min999(f.display, problem))
    for path, exc in project.unreadable.items():
        if path not in project.texts:  # could not even be read
            findings.append(_min999(displays[path], exc))
    cache.save(set(hashes.values()), {displays[p]: h for p, h in hashes.items()})

    by_path: dict[str, list[Finding]] = {}
    for finding in findings:
        by_path.setdefault(finding.path, []).append(finding)
    texts = {displays[p]: t for p, t in project.texts.items()}
    return {p: _dedupe(fs) for p, fs in by_path.items()}, texts


def _fresh(
    entry: dict[str, object], project: Project, hashes: dict[Path, str], displays: dict[Path, str],
    by_display: dict[str, Path], layout: str, seed: SourceFile, changed: list[Path],
) -> bool:
    if entry.get("hash") != hashes.get(seed.path) or entry.get("layout") != layout:
        return False
    deps = entry.get("deps")
    words = entry.get("words")
    if not isinstance(deps, dict) or not isinstance(words, dict):
        return False
    for display, h in deps.items():
        path = by_display.get(display)
        if path is None or hashes.get(path) != h:
            return False
    for word, where in words.items():
        if not isinstance(where, list):
            return False
        if not changed:
            continue
        pattern = re.compile(rf"\b{re.escape(word)}\b")
        for path in changed:
            if bool(pattern.search(project.texts[path])) != (displays[path] in where):
                return False
    return True


def seed_results(project: Project, policy: Policy, seed: SourceFile) -> Iterator[tuple[Analysis, Disclosure, list[Raw]]]:
    """Each disclosure of a seed with what the rules say of it, from a fresh
    analysis over the shared index (so the result depends only on what this
    seed's analysis reads). ``minlint check`` and ``minlint fix`` both run
    this loop, so they cannot disagree on what is a finding."""
    from minlint.analysis.disclosures import Analysis
    from minlint.checks import RULES

    analysis = Analysis(project, policy)
    module = project.facts(seed)
    if module is None:
        return
    for disclosure in analysis.disclosures(module):
        raw: list[Raw] = []
        for rule in RULES:
            raw.extend(rule.check(analysis, disclosure))
        yield analysis, disclosure, raw


def analyse_seed(project: Project, policy: Policy, seed: SourceFile) -> tuple[list[Finding], Deps]:
    deps = Deps()
    project.track(deps)
    try:
        # libcst's code generation and visitors recurse once per level of
        # nesting; on a big stack with a raised limit, deep trees that parse
        # are analysed too
        findings = deepstack.run(
            lambda: [_finding(r) for _, _, raw in seed_results(project, policy, seed) for r in raw],
            ANALYSIS_STACK_BYTES, ANALYSIS_RECURSION_LIMIT)
    except RecursionError:
        # libcst's own code generation and visitors recurse once per level of
        # nesting: a tree that parses can still be too deep to walk
        findings = [_min999(seed.display, Unreadable(1, 1, "nested too deeply to analyse (Python's recursion "
                                                        "limit); split the deepest expression"))]
    finally:
        project.track(None)
    for path in deps.files:
        problem = project.unreadable.get(path) or deps.unparsed.get(path)
        if problem is not None and path in project.texts:
            findings.append(_min999(project.display(path), problem))
    return findings, deps


# -- parallel work ---------------------------------------------------------------
# Seeds are independent, so any split gives the same findings as one process.
# Where the platform can fork (and no other thread could hold a lock across
# the fork), workers start as copies of this process: the index with every
# text already read, nothing pickled but the findings. Elsewhere they start
# fresh and build their own index (libcst trees do not cross processes
# cheaply).

# Parsed trees held between seeds, in characters of the parts parsed: libcst
# holds 60 to 400 bytes per character (400 on Django's largest test module),
# so at most about 200 MB. Measured on the Django-based worst case with
# --jobs 1, modules read in parts: 2 M characters 21.6 s and 324 MB peak,
# 1 M 24.5 s and 245 MB, 0.5 M 24.4 s and 193 MB (what one seed holds at
# once, and the largest seed, are the floor).
TREE_BUDGET = 500_000
PARALLEL_SEEDS = 8
PARALLEL_FILES = 200
_worker: tuple[Project, Policy] | None = None
# Each of n processes holds its own index and analysis besides its trees:
# measured on the Django-based worst case with --jobs 2, half the budget each
# peaked at 316-324 MB over the process tree, a quarter at 284-292 MB, in
# the same time (20 s).
_shared_budget = TREE_BUDGET // 4
_texts: list[tuple[SourceFile, str]] = []  # the syntax pass's input, inherited by forked workers


@contextmanager
def _collections_by_hand() -> Iterator[None]:
    """Python's cycle collector off while seeds are analysed; `_trim` runs it.

    Every libcst node is a tracked container, so the collector's automatic
    passes walk the held trees again and again as new ones are built: on the
    Django-based worst case they were 45% of the run. Instead, every
    ``COLLECT_EVERY`` seeds one collection looks at what those seeds built
    and the survivors are frozen (moved where collections do not look). A forgotten tree is freed
    by reference counting (`ModuleFacts.release`), so little garbage can hide
    among frozen objects; a full collection every few budgets' worth of
    forgotten source bounds it anyway."""
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        gc.unfreeze()
        if was:
            gc.enable()


FULL_COLLECTION_BUDGETS = 8
COLLECT_EVERY = 8  # seeds: a collection of young objects costs about a millisecond however few there are


def _trim(project: Project, budget: int) -> None:
    """Forget the trees beyond *budget*, then collect and freeze (see
    `_collections_by_hand`)."""
    project.trim(budget)
    project.seeds_since_collection += 1
    if project.forgotten_chars - project.collected_chars >= FULL_COLLECTION_BUDGETS * max(budget, 1):
        project.collected_chars = project.forgotten_chars
        gc.unfreeze()
    elif project.seeds_since_collection < COLLECT_EVERY:
        return  # what the last seeds built stays young (not frozen) until the next collection
    project.seeds_since_collection = 0
    gc.collect()
    gc.freeze()


def _context() -> multiprocessing.context.BaseContext:
    if sys.platform == "linux" and threading.active_count() == 1:
        return multiprocessing.get_context("fork")
    return multiprocessing.get_context("spawn" if sys.platform == "win32" else "forkserver")


def _init_worker(files: Sequence[SourceFile], root: Path, policy: Policy, overrides: dict[Path, str] | None,
                 budget: int) -> None:
    global _worker, _shared_budget
    _shared_budget = budget
    _worker = (Project(files, root, policy, overrides), policy)
    gc.disable()  # as in the parent (a forked worker inherits it): see _collections_by_hand
    _watch_parent()


def _watch_parent() -> None:
    """A worker whose run was killed must not compute on for minutes."""
    parent = os.getppid()

    def watch() -> None:
        while True:
            time.sleep(1.0)
            if os.getppid() != parent:
                os._exit(1)

    threading.Thread(target=watch, name="minlint-orphan-watch", daemon=True).start()


def _seed_job(seed: SourceFile) -> tuple[SourceFile, list[Finding], Deps]:
    assert _worker is not None
    project, policy = _worker
    found, deps = analyse_seed(project, policy, seed)
    _trim(project, _shared_budget)
    return seed, found, deps


def _syntax_job(chunk: list[tuple[SourceFile, str]]) -> list[tuple[SourceFile, Unreadable | None]]:
    _watch_parent_once()
    return [(f, syntax_problem(text)) for f, text in chunk]


def _syntax_slice(part: tuple[int, int]) -> list[tuple[int, Unreadable]]:
    """In a forked worker: the problems of every *step*-th inherited text from *start*."""
    _watch_parent_once()
    start, step = part
    out = []
    for i in range(start, len(_texts), step):
        problem = syntax_problem(_texts[i][1])
        if problem is not None:
            out.append((i, problem))
    return out


_watching = False


def _watch_parent_once() -> None:
    global _watching
    if not _watching and multiprocessing.parent_process() is not None:
        _watching = True
        _watch_parent()


def _jobs(jobs: int) -> int:
    return jobs if jobs > 0 else (os.cpu_count() or 1)


def _run_seeds(
    project: Project, policy: Policy, todo: list[SourceFile], root: Path, overrides: dict[Path, str] | None,
    jobs: int,
) -> Iterable[tuple[SourceFile, list[Finding], Deps]]:
    global _worker, _shared_budget
    n = _jobs(jobs)
    if n <= 1 or len(todo) < PARALLEL_SEEDS:
        for seed in todo:
            found, deps = analyse_seed(project, policy, seed)
            _trim(project, TREE_BUDGET)
            yield seed, found, deps
        return
    _shared_budget = TREE_BUDGET // (2 * n)
    ctx = _context()
    if ctx.get_start_method() == "fork":
        # this process takes every n-th seed itself and n - 1 forked copies
        # the rest: a copy holds the index this process holds, so one fewer
        # copy is one index fewer in memory, for the same parallelism
        _worker = (project, policy)
        mine, theirs = todo[::n], [s for i, s in enumerate(todo) if i % n]
        try:
            with ctx.Pool(n - 1, initializer=_watch_parent) as pool:
                results = pool.imap(_seed_job, theirs, chunksize=max(1, len(theirs) // ((n - 1) * 4)))
                for seed in mine:
                    yield _seed_job(seed)
                yield from results
        finally:
            _worker = None
        return
    with ctx.Pool(n, initializer=_init_worker,
                  initargs=(project.files, root, policy, overrides, _shared_budget)) as pool:
        yield from pool.imap(_seed_job, todo, chunksize=max(1, len(todo) // (n * 4)))


def _run_syntax(project: Project, files: list[SourceFile], jobs: int) -> Iterable[tuple[SourceFile, Unreadable | None]]:
    global _texts
    n = _jobs(jobs)
    pairs = [(f, project.texts[f.path]) for f in files]
    if n <= 1 or len(pairs) < PARALLEL_FILES:
        return _syntax_job(pairs)
    ctx = _context()
    parts = n * 4
    if ctx.get_start_method() == "fork":
        _texts = pairs
        try:
            with ctx.Pool(n) as pool:
                problems = dict(p for found in pool.map(_syntax_slice, [(i, parts) for i in range(parts)])
                                for p in found)
        finally:
            _texts = []
        return [(f, problems.get(i)) for i, (f, _) in enumerate(pairs)]
    chunks = [pairs[i::parts] for i in range(parts)]
    with ctx.Pool(n) as pool:
        return [r for part in pool.map(_syntax_job, chunks) for r in part]


def _min999(display: str, exc: Unreadable) -> Finding:
    return Finding(display, exc.line, exc.column, "MIN999", f"cannot check this file: {exc.reason}",
                   exc.line, exc.column + 1)


def syntax_problem(text: str) -> Unreadable | None:
    """The MIN999 of a file no analysis needed. Python's own parser is ten
    times cheaper than libcst; only when it refuses does the full guarded
    parse decide, so that syntax newer than this interpreter is not reported
    as broken. ``symtable`` runs that parser without building the Python
    objects of an ``ast`` tree (a third cheaper); it also refuses a few
    programs the parser accepts (``nonlocal`` at module level), so a refusal
    is asked again of ``ast`` before the guarded parse."""
    with _WARNINGS_LOCK, warnings.catch_warnings():
        # the checked code's warnings (invalid escapes) are not ours to print
        warnings.simplefilter("ignore")
        try:
            symtable.symtable(text, "<checked>", "exec")
            return None
        except (SyntaxError, ValueError, RecursionError, MemoryError):
            pass
        try:
            ast.parse(text)
            return None
        except (SyntaxError, ValueError, RecursionError, MemoryError):
            pass
    try:
        parse_module(text)
    except Unreadable as exc:
        return exc
    return None


_WARNINGS_LOCK = threading.Lock()  # catch_warnings swaps process-wide state


def _finding(r: Raw) -> Finding:
    module: ModuleFacts = r.module
    line, col, end_line, end_col = module.positions.span(r.node)
    lines = module.text.splitlines()
    source = lines[line - 1].strip() if 0 < line <= len(lines) else ""
    return Finding(module.display, line, col, r.code, r.message, end_line, end_col, r.scope, r.fields,
                   r.guard, source)


def _dedupe(findings: Iterable[Finding]) -> list[Finding]:
    """One finding per (code, line): a field used twice on one line is one finding."""
    merged: dict[tuple[str, int, str], Finding] = {}
    for f in sorted(findings, key=Finding.sort_key):
        key = (f.path, f.line, f.code)
        first = merged.get(key)
        if first is None:
            merged[key] = f
            continue
        fields = tuple(dict.fromkeys(first.fields + tuple(x for x in f.fields if x not in first.fields)))
        if fields != first.fields and " reaches " in first.message:
            # "'a', 'b' reach <the first disclosure>"
            tail = first.message.split(" reaches ", 1)[1]
            message = ", ".join(f"'{x}'" for x in fields) + " reach " + tail
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
        if text is not None and apply_noqa and NOQA.search(text):
            # a file that could not be checked is never silenced by a comment in it
            unchecked = [f for f in findings if f.code == "MIN999"]
            findings = noqa.apply([f for f in findings if f.code != "MIN999"], text, path) + unchecked
        out.extend(f for f in findings if config.is_selected(f.code, path))
    return sorted(out, key=Finding.sort_key)


def check(paths: Sequence[str], config: Config, policy: Policy, *, jobs: int = 1, use_cache: bool = False) -> Result:
    files = collect(paths, config)
    by_path, texts = analyse(files, config.root, policy, jobs=jobs, use_cache=use_cache)
    return Result(finish(by_path, texts, config), len(files))
