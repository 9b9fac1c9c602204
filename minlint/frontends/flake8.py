"""The flake8 plugin: a thin adapter over the engine.

flake8 hands the plugin one file at a time, but a disclosure's checks and
fields can live in other modules, so the plugin analyses the whole project
the file belongs to, once per process, and reports the findings located in
the file. The project is the folder of the nearest ``[tool.minlint]``
pyproject.toml; without one, the folder flake8 runs in (where flake8 looks
for its own configuration), as ``minlint check`` run there would see it.
flake8 applies ``# noqa`` itself; the plugin adds MIN901 for MIN
suppressions without a reason. MIN999 is the CLI's: flake8 reports
E902/E999 itself, so the plugin skips the syntax pass over files no
analysis needs.
"""

from __future__ import annotations

import argparse
import ast
import functools
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any, ClassVar

from flake8.exceptions import ExecutionError

from minlint import __version__
from minlint.api import Options, check_files, check_text
from minlint.core.escape import printable
from minlint.core.findings import Finding
from minlint.core.paths import real
from minlint.policy.pack import InputError
from minlint.project.collect import project_files
from minlint.project.config import Config, file_config

_Key = tuple[str, str, str]


class MinlintFailed(ExecutionError):
    """flake8 prints this one line (after its own "There was a critical
    error" line) and exits 1, in serial and parallel runs alike."""

    def __str__(self) -> str:
        return str(self.args[0])

# flake8 applies noqa comments itself and reports E999; the cache makes flake8 on
# one file (an editor's save) re-analyse only what changed
_FLAKE8 = Options(noqa="flake8", syntax=False, cache=True)
_RESULTS: dict[_Key, dict[Path, list[Finding]]] = {}
_WARNINGS: dict[_Key, tuple[Path, list[str]]] = {}  # MIN902 lines, and the file whose check prints them


class MinlintChecker:
    name = "minlint"
    version = __version__
    policy_override: ClassVar[str | None] = None
    use_cache: ClassVar[bool] = True
    cache_dir: ClassVar[Path | None] = None

    def __init__(self, tree: ast.AST, filename: str, lines: list[str]) -> None:
        # flake8 requires `tree` to call us with an AST; the analysis parses with libcst
        self.filename = filename
        # the text flake8 checks: the file's, or stdin's under --stdin-display-name
        self.lines = lines

    @classmethod
    def add_options(cls, parser: Any) -> None:
        parser.add_option(
            "--minlint-policy",
            default=None,
            parse_from_config=True,
            help="minlint policy pack name or path (default: [tool.minlint] policy, else telegram-2018)",
        )

        parser.add_option(
            "--minlint-no-cache",
            action="store_true",
            default=False,
            parse_from_config=True,
            help="minlint: do not read or write the cache (the findings are the same)",
        )
        parser.add_option(
            "--minlint-cache-dir",
            default=None,
            parse_from_config=True,
            help="minlint: where to keep the cache (default: $MINLINT_CACHE_DIR, else the user's cache directory)",
        )

    @classmethod
    def parse_options(cls, options: argparse.Namespace) -> None:
        cls.policy_override = getattr(options, "minlint_policy", None)
        cls.use_cache = not getattr(options, "minlint_no_cache", False)
        folder = getattr(options, "minlint_cache_dir", None)
        cls.cache_dir = Path(folder).expanduser() if folder else None

    def run(self) -> Iterator[tuple[int, int, str, type]]:
        try:
            found = self._found()
        except InputError as exc:
            # a broken configuration or pack, or one that checks nothing
            # (issue 14 item 5): flake8's way of stopping with one message,
            # instead of the traceback any other exception gets
            raise MinlintFailed(f"minlint: error: {printable(str(exc))}") from None
        for f in found:
            yield f.line, f.column - 1, f"{f.code} {f.message}", type(self)

    def _found(self) -> list[Finding]:
        path = Path(self.filename)
        text = "".join(self.lines)
        config = _config(real(path.parent) if path.parent.is_dir() else real(Path.cwd()))
        config = config.with_overrides(policy=self.policy_override)
        if _on_disk(path) == text:
            found = _project(config, self.use_cache, self.cache_dir).get(real(path), [])
            _warn(config, real(path))
        else:
            # piped text (`flake8 --stdin-display-name X -`), or a file that
            # changed since flake8 read it: the text flake8 has stands in for
            # the file in its project, as an editor's buffer does
            options = Options(noqa="flake8", syntax=False, cache=self.use_cache, cache_dir=self.cache_dir)
            found = check_text(text, self.filename, options, config=config).findings
        return found


def _warn(config: Config, path: Path) -> None:
    for key, (first, lines) in _WARNINGS.items():
        if first == path and key[0] == str(real(config.root)):
            sys.stderr.write("".join(lines))


def _on_disk(path: Path) -> str | None:
    try:
        # as flake8 reads a file: universal newlines, so \r\n files compare equal
        with path.open(encoding="utf-8", errors="surrogateescape") as fh:
            return fh.read()
    except (OSError, UnicodeError):
        return None


@functools.cache
def _config(folder: Path) -> Config:
    """The configuration of a file in *folder* (the CLI's, SPEC 10): found
    once per folder and process (flake8 calls the plugin once per file)."""
    return file_config(folder)


def _project(config: Config, use_cache: bool = True, cache_dir: Path | None = None) -> dict[Path, list[Finding]]:
    """The findings of *config*'s project by file, once per process: flake8
    applies ``# noqa`` itself, so they are finished with only MIN901 added."""
    policy = config.load_policy()
    key = (str(real(config.root)), policy.digest, ",".join(config.exclude))
    if key not in _RESULTS:
        # the whole project, nested projects apart and excluded files marked,
        # shown relative to its root, as `minlint check` run there shows it
        files = project_files(config, Path("."))
        # the cache makes flake8 on one file (an editor's save) re-analyse only what changed
        options = Options(noqa="flake8", syntax=False, cache=use_cache, cache_dir=cache_dir, liveness=True)
        report = check_files(files, config, options, policy=policy)
        real_of = {f.display: real(f.path) for f in files}
        by_file: dict[Path, list[Finding]] = {}
        warnings: list[str] = []
        for f in report.findings:
            if f.path not in real_of and f.path.endswith(".toml"):
                warnings.append(f"minlint: warning: {f.path}:{f.line}: {f.code} {f.message}\n")
                continue
            by_file.setdefault(real_of.get(f.path, Path(f.path)), []).append(f)
        # MIN902 is reported in a pack or pyproject.toml, which flake8 never
        # hands a plugin: one warning line each, printed by whichever process
        # checks the project's first file, so a parallel flake8 prints it once
        if warnings and files:
            _WARNINGS[key] = (real(files[0].path), warnings)
        _RESULTS[key] = by_file
    return _RESULTS[key]
