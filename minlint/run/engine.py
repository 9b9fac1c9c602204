"""One run: files -> project index -> seeds analysed (from the cache where
nothing they read changed) -> raw findings by path.

``minlint.api`` is the way in: the CLI, the flake8 plugin, the language
server, ``fix`` and ``inventory`` call it, and it calls ``analyse`` and then
``finish`` (``minlint.run.finish``).
"""

from __future__ import annotations

import re
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from pathlib import Path

from minlint.core.findings import Finding
from minlint.parse.source import Unreadable
from minlint.policy.pack import Policy
from minlint.project.config import Config
from minlint.project.index import Project, SourceFile
from minlint.run.cache import Cache, digest, finding_from_dict, finding_to_dict
from minlint.run.parallel import collections_by_hand, run_seeds, run_syntax
from minlint.run.seeds import Visit
from minlint.run.syntax import min999


@dataclass
class Result:
    findings: list[Finding]  # final: suppressed, selected, sorted
    files: int


def analyse(
    files: Sequence[SourceFile],
    root: Path,
    policy: Policy,
    overrides: dict[Path, str] | None = None,
    *,
    jobs: int = 1,
    use_cache: bool = False,
    cache_dir: Path | None = None,
    syntax: bool = True,
    visit: Visit | None = None,
    whole: bool = False,
    checked: Collection[Path] | None = None,
    project: Project | None = None,
) -> tuple[dict[str, list[Finding]], dict[str, str]]:
    """Every finding of the project before deduplication, suppression and selection, by path;
    and the text of each file that was read (for suppressions). *overrides*
    holds texts that stand in for files on disk (an editor's unsaved buffers).
    ``syntax=False`` skips the MIN999 syntax check of files no analysis read
    (for a caller that reports broken files itself, as flake8 does).

    Each seed (a file that can hold a disclosure) is analysed on its own,
    with a fresh analysis over the shared index: its result depends only on
    what it read, which makes the result independent of the order seeds are
    analysed in (so ``--jobs N`` prints what ``--jobs 1`` prints) and lets
    the cache reuse it while what it read is unchanged.

    *visit* is told each disclosure's evidence and findings while its
    analysis is alive (``inventory``, ``fix``): every seed is then analysed
    here, none taken from the cache. *whole* reads modules whole, one tree
    each, as ``fix`` edits them.

    *files* is the whole project (SPEC 10: a file is checked in its project);
    files marked ``excluded`` are read for their definitions only (SPEC 8.7).
    *checked* (None: every file not excluded) are the files a caller reports
    on: only they get the syntax pass; every seed of the project is still
    analysed, since its findings can land in any file it reads.
    """
    # *project*: an index its caller built over the same files (MIN902 reads it too)
    project = project if project is not None else Project(files, root, policy, overrides, whole=whole)
    # entries are keyed by text hashes, so an editor's unsaved buffers can
    # use the cache too: nothing computed from them is taken for the disk's
    cache = Cache(root, policy.digest, enabled=use_cache, directory=cache_dir)
    hashes = {f.path: digest(t) for f, t in ((f, project.texts.get(f.path)) for f in project.files) if t is not None}
    displays = {f.path: f.display for f in project.files}
    # which files are excluded changes who calls whom (SPEC 8.7): part of the layout
    layout = digest("\n".join(sorted(f.display + ("\0excluded" if f.excluded else "") for f in project.files)))
    findings: list[Finding] = []

    seeds = project.seeds()
    # only a file whose text changed since the last run can change where a
    # name is found: the cached answers hold for every other file
    changed = [p for p, h in hashes.items() if cache.files.get(displays[p]) != h]
    by_display = {d: p for p, d in displays.items()}
    todo: list[SourceFile] = []
    for seed in seeds:
        entry = cache.seed(seed.display) if visit is None else None
        if entry is not None and _fresh(entry, project, hashes, displays, by_display, layout, seed, changed):
            findings.extend(finding_from_dict(d) for d in entry["findings"])
        else:
            todo.append(seed)
    with collections_by_hand():
        results = list(run_seeds(project, policy, todo, root, overrides, jobs, visit))
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
    wanted = set(checked) if checked is not None else None
    unchecked: list[SourceFile] = []
    for f in project.files if syntax else ():
        if f.path in seed_paths or f.path not in project.texts or f.excluded:
            continue
        if wanted is not None and f.path not in wanted:
            continue
        known = cache.syntax.get(hashes[f.path], False) if cache.enabled else False
        if known is False:
            unchecked.append(f)
        elif isinstance(known, list):
            findings.append(min999(f.display, Unreadable(int(known[0]), int(known[1]), str(known[2]))))
    for f, problem in run_syntax(project, unchecked, jobs):
        cache.put_syntax(hashes[f.path], [problem.line, problem.column, problem.reason] if problem else None)
        if problem is not None:
            findings.append(min999(f.display, problem))
    for path, exc in project.unreadable.items():
        if path not in project.texts:  # could not even be read
            findings.append(min999(displays[path], exc))
    cache.save(set(hashes.values()), {displays[p]: h for p, h in hashes.items()})

    by_path: dict[str, list[Finding]] = {}
    for finding in findings:
        by_path.setdefault(finding.path, []).append(finding)
    texts = {displays[p]: t for p, t in project.texts.items()}
    return by_path, texts


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


def check(paths: Sequence[str], config: Config, policy: Policy, *, jobs: int = 1, use_cache: bool = False) -> Result:
    """Check *paths* under one configuration (what ``minlint.api`` does for each project)."""
    from minlint.project.collect import collect
    from minlint.run.finish import finish

    files = collect(paths, config)
    by_path, texts = analyse(files, config.root, policy, jobs=jobs, use_cache=use_cache, cache_dir=config.cache_dir)
    return Result(finish(by_path, texts, config).findings, len(files))
