"""The files of a run: the Python files under the paths a user named, minus excludes."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path

from minlint.core.errors import UsageError
from minlint.core.paths import real
from minlint.project.config import Config
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
