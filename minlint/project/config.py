"""``[tool.minlint]`` from the nearest ``pyproject.toml`` (SPEC 4).

The CLI and the flake8 plugin both start from :func:`find_config`, so they
agree on the policy, on which codes are selected and on which files are
skipped. Command-line flags are applied on top with
:meth:`Config.with_overrides`.
"""

from __future__ import annotations

import difflib
import fnmatch
import json
import os
import re
import sys
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from functools import cached_property
from pathlib import Path, PurePath
from typing import Any, NoReturn

from minlint.core.paths import real
from minlint.policy.pack import DEFAULT_PACK, InputError, Policy, describe_toml_error, describe_value, load_policy

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on 3.10 only
    import tomli as tomllib

__all__ = ["ALWAYS_EXCLUDED", "Config", "ConfigError", "config_at", "find_config", "project_config"]

# Never worth checking and often huge; flake8 and ruff skip much the same.
ALWAYS_EXCLUDED: tuple[str, ...] = (
    ".git",
    "__pycache__",
    ".venv",
    "venv",
    ".tox",
    ".minlint_cache",
    "build",
    "dist",
    "node_modules",
    "*.egg-info",
)

_ALWAYS = re.compile("|".join(fnmatch.translate(p) for p in ALWAYS_EXCLUDED))
_KEYS = ("policy", "select", "ignore", "exclude", "per-file-ignores", "cache-dir")
_ALIASES = {"per_file_ignores": "per-file-ignores"}
_CODE_PREFIX = re.compile(r"[A-Z]+[0-9]*")
_CODE_EXPECTED = "MIN rule codes or prefixes such as \"MIN\", \"MIN1\" or \"MIN101\" (or \"ALL\")"
_COMMAND_LINE = "command line"


class ConfigError(InputError):
    """A ``[tool.minlint]`` table that cannot be used; file is its pyproject.toml."""


def _fail(file: str, key: str, problem: str, expected: str | None = None) -> NoReturn:
    raise ConfigError(file, key, problem, expected)


def _split(value: object, file: str, key: str, what: str) -> list[str]:
    """A list of strings, or one comma-separated string as flake8 users write it."""
    if isinstance(value, str):
        items = value.split(",")
    elif isinstance(value, (list, tuple)):
        items = []
        for i, item in enumerate(value):
            if not isinstance(item, str):
                _fail(file, f"{key}[{i}]", f"got {describe_value(item)}", f"a string ({what})")
            items.extend(item.split(","))
    else:
        _fail(file, key, f"got {describe_value(value)}", f"a list of strings ({what})")
    out: list[str] = []
    for item in (i.strip() for i in items):
        if item and item not in out:
            out.append(item)
    return out


def _codes(value: object, file: str, key: str) -> tuple[str, ...]:
    codes = [c.upper() for c in _split(value, file, key, "rule codes")]
    for code in codes:
        # [tool.minlint] only ever filters MIN codes: a prefix that can never
        # match one ("MN101", "E501") is a typo that would silently select nothing.
        if code != "ALL" and not (
            _CODE_PREFIX.fullmatch(code) and (code.startswith("MIN") or "MIN".startswith(code))
        ):
            _fail(file, key, f"{code!r} is not a MIN code or prefix", _CODE_EXPECTED)
    return tuple(dict.fromkeys(codes))


def _glob(text: str) -> str:
    text = text.replace("\\", "/").strip()
    while text.startswith("./"):
        text = text[2:]
    return text.rstrip("/") or text


@dataclass(frozen=True)
class Config:
    pyproject: Path | None
    root: Path
    policy: str = DEFAULT_PACK
    select: tuple[str, ...] = ("MIN",)
    ignore: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()
    per_file_ignores: tuple[tuple[str, tuple[str, ...]], ...] = ()
    # Where the cache goes (None: the user's cache directory, outside the tree;
    # minlint.run.cache). Wherever it is, entries are authenticated by a secret
    # that is never there, so pointing it into the tree trusts nothing committed.
    cache_dir: Path | None = None
    # Where `policy` was written (file, key), for the error when it names no pack.
    policy_source: tuple[str, str] | None = field(default=None, repr=False, compare=False)
    # The keys a front end's flags set (select, ignore, exclude, policy): an
    # error about them names the flag, not the file.
    overridden: frozenset[str] = field(default=frozenset(), repr=False, compare=False)

    def with_overrides(
        self,
        *,
        policy: str | None = None,
        select: Sequence[str] | str | None = None,
        ignore: Sequence[str] | str | None = None,
        exclude: Sequence[str] | str | None = None,
    ) -> Config:
        """Command-line flags over the file: None keeps the file's value; exclude adds to it."""
        changes: dict[str, Any] = {}
        if policy is not None:
            spec = policy.strip()
            if not spec:
                _fail(_COMMAND_LINE, "--policy", "empty", "a pack name or a path to a .toml file")
            # A path on the command line is relative to where the user is, not
            # to the pyproject.toml that happens to be found.
            if ("/" in spec or "\\" in spec or spec.endswith(".toml")) and not Path(spec).is_absolute():
                spec = str(Path.cwd() / Path(spec).expanduser())
            changes["policy"] = spec
            changes["policy_source"] = (_COMMAND_LINE, "--policy")
        if select is not None:
            changes["select"] = _codes(_as_list(select), _COMMAND_LINE, "--select")
        if ignore is not None:
            changes["ignore"] = _codes(_as_list(ignore), _COMMAND_LINE, "--ignore")
        if exclude is not None:
            extra = [_glob(g) for g in _split(_as_list(exclude), _COMMAND_LINE, "--exclude", "globs")]
            changes["exclude"] = tuple(dict.fromkeys((*self.exclude, *extra)))
        if not changes:
            return self
        changes["overridden"] = self.overridden | {k for k in changes if k != "policy_source"}
        return replace(self, **changes)

    def source_of(self, key: str) -> tuple[str, str]:
        """(file, key) where *key* (select, ignore, exclude, per-file-ignores)
        got its value: the flag, the pyproject.toml, or the built-in default."""
        if key in self.overridden:
            return _COMMAND_LINE, f"--{key}"
        if self.pyproject is not None:
            return str(self.pyproject), f"tool.minlint.{key}"
        return "defaults", key

    def is_selected(self, code: str, path: str | None = None) -> bool:
        """flake8/ruff semantics: the longest matching prefix of select and ignore decides."""
        if path is not None and self.per_file_ignores:
            candidates = self._candidates_memo.get(path)
            if candidates is None:
                candidates = self._candidates_memo[path] = self._candidates(path)
            for glob, codes in self.per_file_ignores:
                # Like ruff: a per-file ignore holds whatever `select` says.
                if _prefix(code, codes) is not None and any(
                    fnmatch.fnmatchcase(c, glob) for c in candidates
                ):
                    return False
        selected = _prefix(code, self.select)
        if selected is None:
            return False
        ignored = _prefix(code, self.ignore)
        # A tie (select = ignore = ["MIN1"]) is ignored, as in flake8.
        return ignored is None or len(selected) > len(ignored)

    def is_excluded(self, path: Path) -> bool:
        """Whether a file or folder is skipped: built-in folders and `exclude` globs."""
        relative = self._relative(Path(path))
        parts = PurePath(relative).parts if relative != "." else ()
        if any(_ALWAYS.match(part) for part in parts):
            return True
        if not self.exclude:
            return False
        excluded = self._exclude_re
        return any(excluded.match(c) for c in self._candidates(path))

    @staticmethod
    def is_excluded_name(path: Path) -> bool:
        """Whether a path's own name is one of the folders always skipped
        (all :meth:`is_excluded` asks of a path inside a kept folder when
        there are no exclude globs)."""
        return _ALWAYS.match(path.name) is not None

    @cached_property
    def _exclude_re(self) -> re.Pattern[str]:
        # one compiled pattern for all globs: this runs for every file and folder
        return re.compile("|".join(fnmatch.translate(g) for g in self.exclude))

    def load_policy(self) -> Policy:
        file, key = self.policy_source or (
            (str(self.pyproject), "tool.minlint.policy") if self.pyproject else (self.policy, "policy")
        )
        return load_policy(self.policy, self.root, origin=file, origin_key=key)

    # -- paths ---------------------------------------------------------------

    @cached_property
    def _roots(self) -> tuple[Path, ...]:
        plain = Path(os.path.abspath(self.root))
        return tuple(dict.fromkeys((plain, real(plain))))

    def _relative(self, path: Path) -> str:
        """POSIX path relative to root, or the path as given when it lies outside."""
        # Without resolving first: a symlinked folder inside the project is
        # still inside it. Resolved second: a path spelt through a symlink to
        # the project is inside it too.
        plain = Path(os.path.abspath(path))
        for root in self._roots:
            try:
                return plain.relative_to(root).as_posix()
            except ValueError:
                continue
        resolved = real(plain)  # only now: resolving costs a system call per component
        for root in self._roots:
            try:
                return resolved.relative_to(root).as_posix()
            except ValueError:
                continue
        return _glob(path.as_posix()) or "."

    @cached_property
    def _candidates_memo(self) -> dict[str, list[str]]:
        return {}  # path -> _candidates(path): asked once per finding

    def _candidates(self, path: str | Path) -> list[str]:
        """What a glob is tried against: the path from root, the path as given,
        the absolute path, every leading folder (so "legacy" covers
        "legacy/a/b.py") and every single component (so "tests" covers any
        folder named tests, as flake8's --exclude does)."""
        given = Path(path)
        relative = self._relative(given)
        parts = PurePath(relative).parts if relative != "." else ()
        out = [relative, _glob(given.as_posix()), Path(os.path.abspath(given)).as_posix()]
        out.extend("/".join(parts[:i]) for i in range(1, len(parts)))
        out.extend(parts)
        return list(dict.fromkeys(c for c in out if c))


def _as_list(value: Sequence[str] | str) -> list[str] | str:
    return value if isinstance(value, str) else list(value)


def _prefix(code: str, prefixes: Iterable[str]) -> str | None:
    """The longest of *prefixes* that *code* starts with ("ALL" matches every code)."""
    best: str | None = None
    for prefix in prefixes:
        effective = "" if prefix == "ALL" else prefix
        if code.startswith(effective) and (best is None or len(effective) > len(best)):
            best = effective
    return best


def _read_table(pyproject: Path) -> dict[str, Any] | None:
    """The [tool.minlint] table of *pyproject*, or None if it has none."""
    file = str(pyproject)
    try:
        text = pyproject.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        _fail(file, "file", f"cannot read it ({exc})", "a readable UTF-8 pyproject.toml")
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        # A broken pyproject.toml far up the tree (a home folder, say) that is
        # not ours must not stop the search; one that mentions minlint is ours.
        if "minlint" not in text:
            return None
        where, message = describe_toml_error(exc, text)
        _fail(file, where, f"invalid TOML: {message}", "valid TOML")
    tool = data.get("tool")
    if not isinstance(tool, dict) or "minlint" not in tool:
        return None
    table = tool["minlint"]
    if not isinstance(table, dict):
        _fail(file, "tool.minlint", f"got {describe_value(table)}", "a table ([tool.minlint])")
    return table


def _cache_dir(pyproject: Path, key: str, value: object) -> Path:
    """A committed ``cache-dir``: a relative folder inside the project only.

    The file is written by contributors, and CI runs what they commit: an
    absolute path, ``~`` or ``..`` would let a pull request make the CI job
    write cache files (and CACHEDIR.TAG, .gitignore) anywhere the job may
    write. Inside the project it can only write into the contributor's own
    tree, and every entry is authenticated by a secret that is never there
    (minlint.run.cache), so nothing committed is trusted. ``--cache-dir`` and
    ``MINLINT_CACHE_DIR`` are the operator's and may point anywhere."""
    file = str(pyproject)
    expected = "a folder inside the project, relative to this pyproject.toml, such as \".minlint_cache\""
    if not isinstance(value, str) or not value.strip():
        _fail(file, key, f"got {describe_value(value)}", expected)
    text = value.strip()
    given = PurePath(text.replace("\\", "/"))
    if given.is_absolute() or text.startswith("~") or ".." in given.parts or re.match(r"^[A-Za-z]:", text):
        _fail(file, key, f"{text!r} leaves the project", expected + " (use --cache-dir or $MINLINT_CACHE_DIR "
              "for a folder elsewhere)")
    # (a committed symlink there is refused where the cache is opened: a
    # symlinked cache folder is never used, minlint.run.cache)
    folder = pyproject.parent / given
    return folder


def _parse(pyproject: Path, table: dict[str, Any]) -> Config:
    file = str(pyproject)
    values: dict[str, Any] = {}
    seen: set[str] = set()
    for raw_key, value in table.items():
        name = _ALIASES.get(raw_key, raw_key)
        key = f"tool.minlint.{raw_key}"
        if name not in _KEYS:
            close = difflib.get_close_matches(raw_key, _KEYS, n=1)
            hint = f" (did you mean {close[0]!r}?)" if close else ""
            _fail(file, key, f"unknown key{hint}", "one of " + ", ".join(_KEYS))
        if name in seen:
            _fail(file, key, "given twice (per-file-ignores and per_file_ignores)", "one of them")
        seen.add(name)
        if name == "policy":
            if not isinstance(value, str) or not value.strip():
                _fail(file, key, f"got {describe_value(value)}",
                      "a pack name such as \"telegram-2018\" or a path to a .toml file")
            values["policy"] = value.strip()
            values["policy_source"] = (file, key)
        elif name in ("select", "ignore"):
            values[name] = _codes(value, file, key)
        elif name == "exclude":
            values[name] = tuple(_glob(g) for g in _split(value, file, key, "globs"))
        elif name == "cache-dir":
            values["cache_dir"] = _cache_dir(pyproject, key, value)
        else:
            if not isinstance(value, dict):
                _fail(file, key, f"got {describe_value(value)}",
                      "a table of glob = [codes], such as { \"tests/*\" = [\"MIN101\"] }")
            values["per_file_ignores"] = tuple(
                (_glob(glob), _codes(codes, file, f"{key}.{json.dumps(glob)}"))
                for glob, codes in value.items()
            )
    return Config(pyproject=pyproject, root=pyproject.parent, **values)


def config_at(folder: Path) -> Config | None:
    """The configuration of a project rooted at *folder*: its pyproject.toml
    when that has [tool.minlint], else None (the folder belongs to the
    project above it)."""
    pyproject = real(folder) / "pyproject.toml"
    try:
        if not pyproject.is_file():
            return None
    except OSError:
        return None
    table = _read_table(pyproject)
    return _parse(pyproject, table) if table is not None else None


def _is_folder(path: Path) -> bool:
    try:
        return path.is_dir()
    except OSError:  # a path under a folder that cannot be listed: a file, as far as we can tell
        return False


def project_config(given: Path, cwd: Path | None = None) -> Config:
    """The configuration of the project a named path belongs to (SPEC 10):
    the nearest [tool.minlint] at or above it; without one, the folder the
    run was started on: a folder named is its own project, a file named
    belongs to :func:`file_config` of its folder."""
    if _is_folder(given):
        return find_config(given)
    return file_config(Path(given).parent if Path(given).name else Path(given), cwd)


def file_config(folder: Path, cwd: Path | None = None) -> Config:
    """The configuration of a file in *folder*: the nearest [tool.minlint]
    above it; without one, the folder minlint runs in when the file lies
    under it (so the CLI given files, as pre-commit runs it, the flake8
    plugin and ``minlint check .`` see one project), else the file's own
    folder. The filesystem root and the home folder are never taken as a
    project this way (a run there would read every file on the machine)."""
    config = find_config(folder if str(folder) else Path("."))
    if config.pyproject is not None:
        return config
    here = real(cwd if cwd is not None else Path.cwd())
    if here != Path(here.anchor) and here != real(Path.home()) and here in config.root.parents:
        return replace(config, root=here)
    return config


def find_config(start: Path) -> Config:
    """Search upward from start (a file or a folder) for the nearest pyproject.toml that has a [tool.minlint] table. Validates keys and types (unknown key → ConfigError listing the known ones). Keys: policy, select, ignore, exclude, per-file-ignores (also accept per_file_ignores). select/ignore/exclude: list of strings (also accept a comma-separated string, as flake8 users write). per-file-ignores: table glob -> list of codes."""
    begin = Path(start).expanduser()
    begin = real(begin if begin.is_absolute() else Path.cwd() / begin)
    # A path that does not exist yet is taken as a folder unless it looks like a file.
    try:
        is_folder = begin.is_dir() or (not begin.exists() and not begin.suffix)
    except OSError:  # under a folder that cannot be listed (SPEC 10: MIN999, not a crash)
        is_folder = False
    folder = begin if is_folder else begin.parent
    for candidate_dir in (folder, *folder.parents):
        pyproject = candidate_dir / "pyproject.toml"
        try:
            exists = pyproject.is_file()
        except OSError:
            exists = False
        if exists:
            table = _read_table(pyproject)
            if table is not None:
                return _parse(pyproject, table)
    return Config(pyproject=None, root=folder)
