"""Seeds analysed in parallel, and memory kept bounded between seeds.

Seeds are independent, so any split gives the same findings as one process.
Where the platform can fork (and no other thread could hold a lock across
the fork), workers start as copies of this process: the index with every
text already read, nothing pickled but the findings. Elsewhere they start
fresh and build their own index (libcst trees do not cross processes
cheaply).
"""

from __future__ import annotations

import gc
import multiprocessing
import os
import signal
import sys
import threading
import time
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

from minlint.core.findings import Finding
from minlint.parse.source import Unreadable
from minlint.policy.pack import Policy
from minlint.project.index import Deps, Project, SourceFile
from minlint.run.seeds import Visit, analyse_seed
from minlint.run.syntax import syntax_problem

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
def collections_by_hand() -> Iterator[None]:
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


def trim(project: Project, budget: int) -> None:
    """Forget the trees beyond *budget*, then collect and freeze (see
    `collections_by_hand`)."""
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
    gc.disable()  # as in the parent (a forked worker inherits it): see collections_by_hand
    _watch_parent()


def _watch_parent() -> None:
    """A worker whose run was killed must not compute on for minutes; one
    whose run was interrupted leaves it to the parent (Ctrl-C reaches the
    whole process group: the parent prints one line and ends the pool)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
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
    trim(project, _shared_budget)
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


def worker_count(jobs: int) -> int:
    return jobs if jobs > 0 else (os.cpu_count() or 1)


def run_seeds(
    project: Project, policy: Policy, todo: list[SourceFile], root: Path, overrides: dict[Path, str] | None,
    jobs: int, visit: Visit | None = None,
) -> Iterable[tuple[SourceFile, list[Finding], Deps]]:
    """Each seed of *todo* analysed, in this process or in workers. A *visit*
    (told each disclosure's evidence) needs the analyses here: in process."""
    global _worker, _shared_budget
    n = worker_count(jobs)
    if n <= 1 or len(todo) < PARALLEL_SEEDS or visit is not None:
        for seed in todo:
            found, deps = analyse_seed(project, policy, seed, visit)
            if not project.whole:  # a module read whole is edited by fix: one tree for the whole run
                trim(project, TREE_BUDGET)
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


def run_syntax(project: Project, files: list[SourceFile], jobs: int) -> Iterable[tuple[SourceFile, Unreadable | None]]:
    global _texts
    n = worker_count(jobs)
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
