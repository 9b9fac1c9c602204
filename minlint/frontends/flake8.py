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
from collections.abc import Iterator
from pathlib import Path
from typing import Any, ClassVar

from minlint import __version__
from minlint.core.findings import Finding
from minlint.core.paths import real
from minlint.project.config import Config, find_config
from minlint.run import noqa
from minlint.run.engine import analyse, collect

_Key = tuple[str, str, str]
_RESULTS: dict[_Key, tuple[dict[str, list[Finding]], dict[str, str], dict[Path, str]]] = {}


class MinlintChecker:
    name = "minlint"
    version = __version__
    policy_override: ClassVar[str | None] = None

    def __init__(self, tree: ast.AST, filename: str) -> None:
        # flake8 requires `tree` to call us with an AST; the analysis parses with libcst
        self.filename = filename

    @classmethod
    def add_options(cls, parser: Any) -> None:
        parser.add_option(
            "--minlint-policy",
            default=None,
            parse_from_config=True,
            help="minlint policy pack name or path (default: [tool.minlint] policy, else telegram-2018)",
        )

    @classmethod
    def parse_options(cls, options: argparse.Namespace) -> None:
        cls.policy_override = getattr(options, "minlint_policy", None)

    def run(self) -> Iterator[tuple[int, int, str, type]]:
        path = Path(self.filename)
        if not path.is_file():
            return  # stdin and the like: nothing on disk to index
        config = _config(real(path.parent)).with_overrides(policy=self.policy_override)
        by_path, texts, displays = _project(config)
        display = displays.get(real(path))
        if display is None:
            return
        findings = [f for f in by_path.get(display, []) if f.code != "MIN999"]
        text = texts.get(display)
        if text is not None and "noqa" in text.lower():
            lines: dict[int, set[str]] = {}
            for f in findings:
                lines.setdefault(f.line, set()).add(f.code)
            findings += noqa.unreasoned(text, display, lines)
        for f in sorted(findings, key=Finding.sort_key):
            if config.is_selected(f.code, display):
                yield f.line, f.column - 1, f"{f.code} {f.message}", type(self)


@functools.cache
def _config(folder: Path) -> Config:
    """The configuration of a file in *folder*: found once per folder and
    process (flake8 calls the plugin once per file)."""
    config = find_config(folder)
    if config.pyproject is None:
        cwd = real(Path.cwd())
        if folder == cwd or cwd in folder.parents:
            return find_config(cwd)
    return config


def _project(config: Config) -> tuple[dict[str, list[Finding]], dict[str, str], dict[Path, str]]:
    policy = config.load_policy()
    key = (str(real(config.root)), policy.digest, ",".join(config.exclude))
    if key not in _RESULTS:
        root = config.root
        files = collect([str(root)], config)
        # report paths relative to the project root, as `minlint check` run there does
        files = [type(f)(f.path, _relative(f.path, root)) for f in files]
        # the cache makes flake8 on one file (an editor's save) re-analyse only what changed
        by_path, texts = analyse(files, root, policy, use_cache=True, syntax=False)
        _RESULTS[key] = (by_path, texts, {real(f.path): f.display for f in files})
    return _RESULTS[key]


def _relative(path: Path, root: Path) -> str:
    try:
        return real(path).relative_to(real(root)).as_posix()
    except ValueError:
        return path.as_posix()
