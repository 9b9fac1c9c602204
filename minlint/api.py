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
from minlint.project.collect import Unit, collect, plan, project_files
from minlint.project.config import Config, ConfigError, find_config
from minlint.project.index import Project, SourceFile
from minlint.run.engine import analyse
from minlint.run.finish import NoqaMode, finish
from minlint.run.liveness import covers_project, min902
from minlint.run.noqa import Suppression
from minlint.run.seeds import Visit

if TYPE_CHECKING:  # the analysis loads libcst: a run answered from the cache never does
    from minlint.analysis.liveness import Entry, Location

__all__ = ["Options", "PolicyView", "Report", "check_files", "check_paths", "check_text", "configure",
           "nothing_checked", "project_files", "show_policy"]


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
    # --exit-zero: a configuration that checks nothing is a warning, not a usage error
    allow_nothing: bool = False


@dataclass
class Report:
    findings: list[Finding]
    files: int  # files checked
    config: Config
    policy: Policy
    texts: dict[str, str] = field(default_factory=dict)  # display path -> the text checked
    suppressed: list[tuple[Finding, Suppression]] = field(default_factory=list)
    baselined: int = 0  # findings a baseline hid
    warnings: list[str] = field(default_factory=list)  # one line each (a configuration that checks nothing)
    # every project's pack, the first one's first (a run over a monorepo has several)
    packs: list[Policy] = field(default_factory=list)

    def guard_titles(self) -> dict[str, str]:
        """Custom guard codes' titles over every project's pack (SARIF rule names)."""
        return {g.code: g.title for p in (self.packs or [self.policy]) for g in p.guards if g.code}


def configure(paths: Sequence[str], options: Options = Options()) -> Config:
    """The configuration for *paths*: ``[tool.minlint]`` of the nearest
    pyproject.toml above the first path, with the front end's flags on top."""
    start = Path(paths[0]) if paths else Path(".")
    config = find_config(start if start.exists() else Path("."))
    return config.with_overrides(policy=options.policy, select=options.select, ignore=options.ignore,
                                 exclude=options.exclude)


def check_paths(paths: Sequence[str], options: Options = Options(), *, visit: Visit | None = None,
                config: Config | None = None) -> Report:
    """Check the Python files under *paths*, as ``minlint check PATHS`` does:
    each file in its own project (SPEC 10), under that project's
    configuration with the front end's flags on top; the findings of the
    files named. With *config*, the paths are one project under it, as they
    are collected (``fix``, ``inventory``)."""
    if config is not None:
        if options.liveness and not covers_project(paths, config.root):
            options = replace(options, liveness=False)  # part of a project: "matched nothing" means nothing
        return check_files(collect(paths, config), config, options, visit=visit)
    units = plan(paths, lambda c: c.with_overrides(policy=options.policy, select=options.select,
                                                   ignore=options.ignore, exclude=options.exclude))
    # MIN902 only for a project the paths cover whole: "matched nothing" in a
    # part of a project would mean "not looked at" (SPEC 10)
    reports = [check_unit(unit, replace(options, liveness=options.liveness and covers_project(paths, unit.config.root)),
                          visit=visit) for unit in units]
    if not reports:
        config = configure(paths, options)
        return Report([], 0, config, config.load_policy())
    first = reports[0]
    if len(reports) == 1:
        return first
    merged = Report(sorted((f for r in reports for f in r.findings), key=Finding.sort_key),
                    sum(r.files for r in reports), first.config, first.policy)
    for r in reports:
        merged.packs.append(r.policy)
        merged.texts.update(r.texts)
        merged.suppressed.extend(r.suppressed)
        merged.baselined += r.baselined
        merged.warnings.extend(r.warnings)
    return merged


def check_unit(unit: Unit, options: Options = Options(), *, visit: Visit | None = None) -> Report:
    """One project of a run: analysed whole, reported on for the files named
    (and one MIN999 for each folder under them that cannot be listed)."""
    from minlint.parse.source import Unreadable
    from minlint.run.syntax import min999

    config = unit.config
    policy = config.load_policy()
    report = check_files(unit.files, config, options, visit=visit, policy=policy,
                         checked=unit.checked, unreadable=[min999(d, Unreadable(1, 1, r)) for d, r in unit.unreadable])
    report.files = len(unit.checked)
    return report


def nothing_checked(config: Config, files: Sequence[SourceFile], policy: Policy) -> ConfigError | None:
    """A configuration under which nothing can ever be reported (issue 14
    item 5): no code selected, every file excluded, or per-file-ignores
    covering every code of every file. A gate that checks nothing must not
    pass as one that found nothing."""
    from minlint.core.codes import CODES

    codes = [*CODES, *(g.code for g in policy.guards if g.code)]
    if not any(config.is_selected(c) for c in codes):
        # no prefix of select names a code at all, or ignore takes back what it names
        named = any(c.startswith(p) or p == "ALL" for p in config.select for c in codes)
        key = "ignore" if named else "select"
        file, where = config.source_of(key)
        return ConfigError(file, where, "selects no rule code, so nothing would ever be reported",
                           "at least one MIN code selected (select = [\"MIN\"] is the default)")
    if files and all(f.excluded for f in files):
        file, where = config.source_of("exclude")
        return ConfigError(file, where, f"excludes every one of the project's {len(files)} Python files",
                           "globs that leave some file checked")
    if config.per_file_ignores:
        kept = [f for f in files if not f.excluded]
        if kept and not any(config.is_selected(c, f.display) for f in kept for c in codes):
            file, where = config.source_of("per-file-ignores")
            return ConfigError(file, where, "ignores every selected code in every file",
                               "globs and codes that leave some code checked somewhere")
    return None


def check_files(files: Sequence[SourceFile], config: Config, options: Options = Options(), *,
                overrides: Mapping[Path, str] | None = None, visit: Visit | None = None,
                policy: Policy | None = None, checked: Sequence[SourceFile] | None = None,
                unreadable: Sequence[Finding] = ()) -> Report:
    """Check *files*, one whole project, under *config*; *overrides* stand in for
    files on disk (an editor's unsaved buffers). Findings are those of
    *checked* (default: every file not excluded) and *unreadable*. Raises
    ConfigError when the configuration checks nothing, unless
    ``options.allow_nothing``."""
    from minlint.run.baseline import filter_new
    from minlint.run.cache import chosen_dir

    policy = policy if policy is not None else config.load_policy()
    warnings: list[str] = []
    problem = nothing_checked(config, files, policy)
    if problem is not None:
        if not options.allow_nothing:
            raise problem
        warnings.append(str(problem))
    shown = checked if checked is not None else [f for f in files if not f.excluded]
    texts_in = dict(overrides) if overrides else None
    gate = options.liveness and config.policy_source is not None
    # one index for the analysis and MIN902: the texts are read once
    project = Project(files, config.root, policy, texts_in, whole=options.whole) if gate else None
    by_path, texts = analyse(files, config.root, policy, texts_in, jobs=options.jobs,
                             use_cache=options.cache,
                             cache_dir=chosen_dir(options.cache_dir, config.cache_dir), syntax=options.syntax, visit=visit,
                             whole=options.whole, checked=[f.path for f in shown], project=project)
    for finding in unreadable:
        by_path.setdefault(finding.path, []).append(finding)
    hidden: list[tuple[Finding, Suppression]] = []
    unmatched: list[Finding] = []
    if project is not None:
        unmatched, hidden = min902(project, config, policy)
        for f in unmatched:
            by_path.setdefault(f.path, []).append(f)
    done = finish(by_path, texts, config, noqa_mode=options.noqa)
    # excluded files are not checked, and a run over one file reports that file (SPEC 8.7, 10);
    # MIN902 is reported in the pack or pyproject.toml, which is no Python file of the run
    keep = {f.display for f in shown} | {f.path for f in unreadable} | {f.path for f in unmatched}
    findings = [f for f in done.findings if f.path in keep]
    suppressed = [(f, s) for f, s in done.suppressed if f.path in keep] + hidden
    baselined = 0
    if options.baseline is not None:
        new = filter_new(findings, options.baseline)
        baselined, findings = len(findings) - len(new), new
    return Report(findings, len(shown), config, policy, texts, suppressed, baselined, warnings)


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
    if config is None:
        from minlint.project.config import project_config

        config = project_config(path).with_overrides(policy=options.policy, select=options.select,
                                                     ignore=options.ignore, exclude=options.exclude)
    files = project_files(config) if config.root.is_dir() else []
    display = display_path(Path(os.path.normpath(path)))
    wanted = real(path) if path.exists() else None
    files = [f for f in files if wanted is None or real(f.path) != wanted]
    me = SourceFile(path, display, config.is_excluded(path))
    files.append(me)
    report = check_files(files, config, options, overrides={path: text}, checked=[] if me.excluded else [me])
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
