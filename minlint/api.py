"""The one way in: every front end checks code through this module.

``check_paths`` (a user's paths) and ``check_files`` (files a front end has
already collected, with an editor's unsaved buffers) run the engine and the
one ``finish`` step, so the CLI, the language server, the flake8 plugin,
``minlint fix`` and ``minlint inventory`` report the same findings for the
same code and configuration. A front end only says what differs for it
(``Options``): flags over the configuration, whether it applies ``# noqa``
itself (flake8), whether to read the cache, and, for ``fix`` and
``inventory``, a ``visit`` that is told each disclosure's evidence while its
analysis is alive.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING

from minlint.core.findings import Finding
from minlint.policy.pack import Policy
from minlint.project.collect import collect
from minlint.project.config import Config, find_config
from minlint.project.index import Project, SourceFile
from minlint.run.engine import analyse
from minlint.run.finish import NoqaMode, finish
from minlint.run.liveness import covers_project, min902
from minlint.run.noqa import Suppression
from minlint.run.seeds import Visit

if TYPE_CHECKING:  # the analysis loads libcst: a run answered from the cache never does
    from minlint.analysis.liveness import Entry, Location

__all__ = ["Options", "PolicyView", "Report", "check_files", "check_paths", "check_text", "configure", "show_policy"]


@dataclass(frozen=True)
class Options:
    """What a front end says on top of the configuration of the code it checks."""

    policy: str | None = None  # --policy: a pack name or path, over [tool.minlint] policy
    select: Sequence[str] | None = None
    ignore: Sequence[str] | None = None
    exclude: Sequence[str] | None = None  # added to the configuration's
    jobs: int = 0  # 0: one worker per CPU
    cache: bool = True
    cache_dir: Path | None = None  # --cache-dir, over [tool.minlint] cache-dir
    baseline: Path | None = None
    noqa: NoqaMode = "apply"  # "flake8": flake8 applies noqa comments; only MIN901 is added
    syntax: bool = True  # MIN999 for files no analysis needed (flake8 reports E999 itself)
    whole: bool = False  # read modules whole, one tree each (fix edits them)
    # MIN902 (SPEC 10): after a run over a whole project that configures a
    # pack, report the pack's entries that matched nothing (check, baseline,
    # the language server and flake8; not fix or inventory, which report code)
    liveness: bool = False


@dataclass
class Report:
    findings: list[Finding]
    files: int  # files checked
    config: Config
    policy: Policy
    texts: dict[str, str] = field(default_factory=dict)  # display path -> the text checked
    suppressed: list[tuple[Finding, Suppression]] = field(default_factory=list)
    baselined: int = 0  # findings a baseline hid


def configure(paths: Sequence[str], options: Options = Options()) -> Config:
    """The configuration for *paths*: ``[tool.minlint]`` of the nearest
    pyproject.toml above the first path, with the front end's flags on top."""
    start = Path(paths[0]) if paths else Path(".")
    config = find_config(start if start.exists() else Path("."))
    return config.with_overrides(policy=options.policy, select=options.select, ignore=options.ignore,
                                 exclude=options.exclude)


def check_paths(paths: Sequence[str], options: Options = Options(), *, visit: Visit | None = None,
                config: Config | None = None) -> Report:
    """Check the Python files under *paths*, as ``minlint check PATHS`` does."""
    config = config if config is not None else configure(paths, options)
    if options.liveness and not covers_project(paths, config.root):
        options = replace(options, liveness=False)  # part of a project: "matched nothing" means nothing
    return check_files(collect(paths, config), config, options, visit=visit)


def check_files(files: Sequence[SourceFile], config: Config, options: Options = Options(), *,
                overrides: Mapping[Path, str] | None = None, visit: Visit | None = None,
                policy: Policy | None = None) -> Report:
    """Check *files* of one project under *config*; *overrides* stand in for
    files on disk (an editor's unsaved buffers). With ``options.liveness``
    the files are the whole project (MIN902)."""
    policy = policy if policy is not None else config.load_policy()
    texts_in = dict(overrides) if overrides else None
    gate = options.liveness and config.policy_source is not None
    # one index for the analysis and MIN902: the texts are read once
    project = Project(files, config.root, policy, texts_in, whole=options.whole) if gate else None
    by_path, texts = analyse(files, config.root, policy, texts_in, jobs=options.jobs,
                             use_cache=options.cache,
                             cache_dir=options.cache_dir or config.cache_dir, syntax=options.syntax, visit=visit,
                             whole=options.whole, project=project)
    hidden: list[tuple[Finding, Suppression]] = []
    if project is not None:
        unmatched, hidden = min902(project, config, policy)
        for f in unmatched:
            by_path.setdefault(f.path, []).append(f)
    done = finish(by_path, texts, config, noqa_mode=options.noqa, baseline=options.baseline)
    return Report(done.findings, len(files), config, policy, texts, done.suppressed + hidden, done.baselined)


def check_text(text: str, filename: str, options: Options = Options(), *, config: Config | None = None) -> Report:
    """Check *text* as the content of *filename* (piped on stdin: ``minlint
    check - --stdin-filename X``, flake8's ``--stdin-display-name X -``).

    The text stands in for the file in the file's project, as an editor's
    unsaved buffer does, so its checks and helpers in other modules count; the
    findings are those of that one file, reported under *filename*."""
    import os

    from minlint.core.paths import real
    from minlint.project.collect import display_path

    path = Path(filename)
    config = config if config is not None else configure([filename], options)
    files = collect([str(config.root)], config) if config.root.is_dir() else []
    display = display_path(Path(os.path.normpath(path)))
    wanted = real(path) if path.exists() else None
    files = [f for f in files if wanted is None or real(f.path) != wanted]
    files.append(SourceFile(path, display))
    report = check_files(files, config, options, overrides={path: text})
    report.findings = [f for f in report.findings if f.path == display]
    report.files = 1
    return report


@dataclass
class PolicyView:
    """``minlint policy show``: the merged policy, every entry that can match
    code with where it matched (at most *limit* places, and how many more)."""

    config: Config
    policy: Policy
    entries: list[tuple[Entry, list[Location], int]]
    files: int  # files looked at


def show_policy(paths: Sequence[str], options: Options = Options(), *, limit: int = 5) -> PolicyView:
    """Where each entry of the policy of *paths*' project matches its code.
    Never from the cache: the same answer as MIN902 gives."""
    from minlint.analysis.liveness import Liveness, entries
    from minlint.project.index import Project

    config = configure(paths, options)
    policy = config.load_policy()
    files = collect(paths, config)
    liveness = Liveness(Project(files, config.root, policy))
    out = []
    for entry in entries(policy):
        found = liveness.matches(entry)
        out.append((entry, found[:limit], max(0, len(found) - limit)))
    return PolicyView(config, policy, out, len(files))
