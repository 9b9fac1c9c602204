"""The files of a run: the Python files under the paths a user named, minus excludes."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path, PurePath

from minlint.core.errors import UsageError
from minlint.core.paths import real
from minlint.project.config import Config, config_at, project_config
from minlint.project.index import SourceFile


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


# -- projects (SPEC 10) --------------------------------------------------------

@dataclass
class Unit:
    """One project of a run: analysed as a whole, reported on for the files named.

    *files* is every Python file of the project (the folders of nested
    projects, with their own [tool.minlint], are theirs, not this one's);
    those matched by `exclude` are marked and read for their definitions
    only. *checked* are the files under the paths the user named that are
    not excluded: only their findings are shown. *unreadable* are the
    folders (and named files) under those paths that could not be listed
    or looked at: one MIN999 each."""

    config: Config
    files: list[SourceFile] = field(default_factory=list)
    checked: list[SourceFile] = field(default_factory=list)
    unreadable: list[tuple[str, str]] = field(default_factory=list)  # (display, reason)


@dataclass
class _Tree:
    files: list[tuple[Path, PurePath, bool]] = field(default_factory=list)  # (path, relative, is a symlink)
    nested: list[tuple[Path, PurePath]] = field(default_factory=list)  # folders that are projects of their own
    unreadable: list[tuple[Path, str]] = field(default_factory=list)


def _reason(exc: OSError) -> str:
    return f"cannot list this folder ({exc.strerror or type(exc).__name__})"


def _walk_tree(top: Path) -> _Tree:
    """Every file under *top* except in the folders always skipped, stopping
    at folders that are projects of their own; folders that cannot be
    listed are recorded, never skipped in silence (issue 14 item 8)."""
    tree = _Tree()
    stack: list[tuple[Path, PurePath]] = [(top, PurePath())]
    while stack:
        folder, rel = stack.pop()
        try:
            with os.scandir(folder) as it:
                entries = sorted(it, key=lambda e: e.name)
        except OSError as exc:
            tree.unreadable.append((folder, _reason(exc)))
            continue
        # a folder below the top with a [tool.minlint] of its own is another
        # project: found from the listing, so only folders that hold a
        # pyproject.toml cost a look inside it
        if folder is not top and any(e.name == "pyproject.toml" for e in entries) and config_at(folder) is not None:
            tree.nested.append((folder, rel))
            continue
        subfolders: list[tuple[Path, PurePath]] = []
        for entry in entries:
            try:
                is_dir = entry.is_dir()
            except OSError:
                is_dir = False
            if not is_dir:
                if entry.name.endswith(".py"):
                    tree.files.append((folder / entry.name, rel / entry.name, entry.is_symlink()))
                continue
            if entry.is_symlink() or _ALWAYS_NAME(entry.name):
                continue
            subfolders.append((folder / entry.name, rel / entry.name))
        stack.extend(reversed(subfolders))
    return tree


def _ALWAYS_NAME(name: str) -> bool:
    return Config.is_excluded_name(Path(name))


def _spelling(root: Path, cwd: Path) -> Path:
    """How files of a project nobody named are shown: from the folder minlint
    runs in when the project is under it (as ``minlint check .`` there shows
    them), else absolute."""
    try:
        return Path(os.path.relpath(root, cwd)) if root == cwd or cwd in root.parents else root
    except ValueError:  # another drive
        return root


def _files(tree: _Tree, top: Path, spelled: Path, config: Config) -> dict[Path, SourceFile]:
    """The files of a walk by identity (the real path for a symlink, else the
    path under the real *top*: no system call per file), shown from *spelled*."""
    out: dict[Path, SourceFile] = {}
    for p, rel, is_link in tree.files:
        key = real(p) if is_link else top / rel
        excluded = bool(config.exclude) and config.is_excluded(p)  # the walk skipped the built-in folders
        out.setdefault(key, SourceFile(p, display_path(Path(os.path.normpath(spelled / rel))), excluded))
    return out


def project_files(config: Config, spelled: Path | None = None) -> list[SourceFile]:
    """Every Python file of *config*'s project (not those of nested
    projects), the ones matched by `exclude` marked: what the flake8 plugin,
    the language server and ``check_text`` analyse a file among."""
    root = config.root
    spelled = spelled if spelled is not None else _spelling(root, real(Path.cwd()))
    files = _files(_walk_tree(root), real(root), spelled, config)
    return sorted(files.values(), key=lambda f: f.display)


def plan(paths: Sequence[str], configure: Callable[[Config], Config]) -> list[Unit]:
    """The projects of the paths a user named, each with every file of it
    and the files to report on (SPEC 10). *configure* puts the front end's
    flags over each project's configuration."""
    cwd = real(Path.cwd())
    units: dict[Path, Unit] = {}
    every: dict[Path, dict[Path, SourceFile]] = {}  # per project root: the whole project, once walked
    named: dict[Path, dict[Path, SourceFile]] = {}  # per project root: the files to report on

    def unit_for(config: Config) -> Unit:
        unit = units.get(config.root)
        if unit is None:
            unit = units[config.root] = Unit(configure(config))
            named[config.root] = {}
        return unit

    def named_folder(given: Path, spelled: Path, config: Config) -> None:
        unit = unit_for(config)
        top = real(given)
        if top != unit.config.root and unit.config.is_excluded(given):
            return
        tree = _walk_tree(given)
        files = _files(tree, top, spelled, unit.config)
        if top == unit.config.root:
            every.setdefault(top, files)
        for key, f in files.items():
            if not f.excluded:
                named[config.root].setdefault(key, f)
        for folder, reason in tree.unreadable:
            if not unit.config.is_excluded(folder):
                rel = folder.relative_to(given) if folder != given else PurePath()
                unit.unreadable.append((display_path(Path(os.path.normpath(spelled / rel))), reason))
        for folder, rel in tree.nested:
            nested = config_at(folder)
            if nested is not None:
                named_folder(folder, spelled / rel, nested)

    for raw in paths:
        given = Path(raw)
        try:
            present = given.exists() or given.is_symlink()
            is_dir = given.is_dir()
        except OSError as exc:
            # under a folder that cannot be listed: the file is there, or
            # may be, and cannot be checked (issue 14 item 8)
            unit = unit_for(project_config(given, cwd))
            unit.unreadable.append((display_path(Path(os.path.normpath(given))),
                                    f"cannot look at this file ({exc.strerror or type(exc).__name__})"))
            continue
        if not present:
            raise UsageError(f"{raw}: no such file or directory")
        config = project_config(given, cwd)
        if is_dir:
            named_folder(given, given, config)
            continue
        unit = unit_for(config)
        if not unit.config.is_excluded(given):
            # a file named explicitly is checked whatever its name (as flake8 does)
            named[config.root].setdefault(real(given), SourceFile(given, display_path(Path(os.path.normpath(given)))))

    for root, unit in units.items():
        files = every.get(root)
        if files is None:
            files = _files(_walk_tree(root), root, _spelling(root, cwd), unit.config)
        files = dict(files)
        files.update(named[root])  # a file named stands in, as named, for the same file found by the walk
        unit.files = sorted(files.values(), key=lambda f: f.display)
        unit.checked = sorted(named[root].values(), key=lambda f: f.display)
    return list(units.values())
