"""Baselines: record today's findings so that only new ones fail.

A baseline is a JSON file (``minlint baseline write FILE``) that
``minlint check --baseline FILE`` subtracts from its findings. Entries are
matched by fingerprint, never by line number: adding lines above a finding,
or moving its function within the file, must not make an accepted finding
fail the build again. Fixing code and then writing new violations elsewhere
must not hide the new ones either, so entries are counted (a multiset), not
merely looked up.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from minlint.core.errors import UsageError
from minlint.core.files import write_atomic
from minlint.core.findings import Finding

VERSION = 1
TOOL = "minlint"

# What every error message ends with, so the user knows how to get a good file.
_EXPECTED = "expected a baseline file written by `minlint baseline write`"



class BaselineError(UsageError):
    """A baseline that cannot be read or written. A UsageError, so the CLI
    reports it as one line (``minlint: error: ...``) with exit status 2."""


@dataclass(frozen=True)
class Entry:
    fingerprint: str
    code: str
    path: str
    function: str | None
    line: int  # informational: where it was when the baseline was written
    message: str
    occurrence: int = 0


@dataclass(frozen=True)
class Baseline:
    file: Path
    entries: tuple[Entry, ...]

    def counts(self) -> Counter[str]:
        return Counter(e.fingerprint for e in self.entries)


# -- fingerprints ------------------------------------------------------------


def _key_path(path: str, base: Path | None) -> str:
    """*path* relative to *base* (the baseline's folder), POSIX style.

    Findings carry the path as the user typed it, which depends on the
    current directory; the baseline must match whether `minlint check` runs
    from the project root, a subfolder, or pre-commit.
    """
    if base is None:
        return Path(path).as_posix()
    try:
        return Path(os.path.relpath(os.path.abspath(path), os.path.abspath(base))).as_posix()
    except ValueError:  # another drive on Windows: no relative path exists
        return Path(path).as_posix()


def fingerprint(f: Finding, *, base: Path | None = None) -> str:
    """A finding's identity across edits: its code, file, enclosing function
    and the offending source text (whitespace removed) — never its line.

    *base* is the folder paths are made relative to (the baseline file's);
    without it, the path is taken as given.
    """
    return hashlib.sha256(f.identity(_key_path(f.path, base)).encode("utf-8")).hexdigest()[:32]


def _entries(findings: Sequence[Finding], base: Path | None) -> list[tuple[Entry, Finding]]:
    """Each finding with its entry. Identical fingerprints (the same offending
    line twice in one function) are numbered in file order, so they are two
    entries, and the earlier one is the one that matches an older baseline."""
    seen: Counter[str] = Counter()
    out: list[tuple[Entry, Finding]] = []
    for f in sorted(findings, key=Finding.sort_key):
        fp = fingerprint(f, base=base)
        entry = Entry(fp, f.code, _key_path(f.path, base), f.function, f.line, f.message, seen[fp])
        seen[fp] += 1
        out.append((entry, f))
    return out


# -- writing -----------------------------------------------------------------


def _document(findings: Sequence[Finding], base: Path | None) -> str:
    entries = [e for e, _ in _entries(findings, base)]
    # Sorted by place so that a reviewer reads the file like a report, with
    # the fingerprint last so that equal places still have one order.
    entries.sort(key=lambda e: (e.path, e.line, e.code, e.function or "", e.fingerprint, e.occurrence))
    doc = {
        "version": VERSION,
        "tool": TOOL,
        "findings": [
            {
                "fingerprint": e.fingerprint,
                "occurrence": e.occurrence,
                "code": e.code,
                "path": e.path,
                "function": e.function,
                "line": e.line,
                "message": e.message,
            }
            for e in entries
        ],
    }
    return json.dumps(doc, indent=2, ensure_ascii=False) + "\n"


def write(findings: Sequence[Finding], path: Path) -> None:
    """Write *findings* as the baseline *path*, atomically: a reader (or a
    crash mid-write) sees the old file or the new one, never half of one."""
    path = Path(path)
    text = _document(findings, path.parent)
    try:
        write_atomic(path, text.encode("utf-8"))  # a baseline is a shared, committed file: a new file's mode
    except OSError as exc:
        raise BaselineError(f"{path}: cannot write ({exc.strerror or exc}); expected a writable file") from None


# -- reading -----------------------------------------------------------------


def _kind(value: object) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, (int, float)):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "an object"
    return type(value).__name__


def _entry(raw: object, index: int, file: Path) -> Entry:
    where = f"{file}: findings[{index}]"
    if not isinstance(raw, dict):
        raise BaselineError(f"{where} is {_kind(raw)}; expected an object")
    for key in ("fingerprint", "code", "path"):
        value = raw.get(key)
        if not isinstance(value, str) or not value:
            problem = "is missing" if key not in raw else f"is {_kind(value)}"
            raise BaselineError(f"{where}.{key} {problem}; expected a non-empty string")
    function = raw.get("function")
    if function is not None and not isinstance(function, str):
        raise BaselineError(f"{where}.function is {_kind(function)}; expected a string or null")
    line = raw.get("line", 0)
    occurrence = raw.get("occurrence", 0)
    for key, value in (("line", line), ("occurrence", occurrence)):
        if not isinstance(value, int) or isinstance(value, bool) or value < 0:
            raise BaselineError(f"{where}.{key} is {_kind(value)}; expected a non-negative integer")
    message = raw.get("message", "")
    if not isinstance(message, str):
        raise BaselineError(f"{where}.message is {_kind(message)}; expected a string")
    return Entry(raw["fingerprint"], raw["code"], raw["path"], function, line, message, occurrence)


def load(path: Path) -> Baseline:
    """Read and validate a baseline. Every problem is a `BaselineError` whose
    text is one line: ``<file>: <what is wrong>; expected <what>``."""
    path = Path(path)
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise BaselineError(
            f"{path}: no such file; expected a baseline file (create it with `minlint baseline write {path}`)"
        ) from None
    except IsADirectoryError:
        raise BaselineError(f"{path}: is a folder; {_EXPECTED}") from None
    except OSError as exc:
        raise BaselineError(f"{path}: cannot read ({exc.strerror or exc}); {_EXPECTED}") from None
    try:
        doc = json.loads(data.decode("utf-8-sig"))  # tolerate an editor's BOM
    except UnicodeDecodeError as exc:
        raise BaselineError(f"{path}: not UTF-8 text (byte {exc.start}); {_EXPECTED}") from None
    except json.JSONDecodeError as exc:
        raise BaselineError(
            f"{path}: not valid JSON ({exc.msg} at line {exc.lineno} column {exc.colno}); {_EXPECTED}"
        ) from None
    except RecursionError:
        raise BaselineError(f"{path}: not valid JSON (nested too deeply); {_EXPECTED}") from None
    if not isinstance(doc, dict):
        raise BaselineError(f"{path}: the top level is {_kind(doc)}; {_EXPECTED} (a JSON object)")
    if doc.get("tool", TOOL) != TOOL:
        raise BaselineError(f"{path}: tool is {doc.get('tool')!r}, not a minlint baseline; expected {TOOL!r}")
    version = doc.get("version")
    if version != VERSION or isinstance(version, bool):
        shown = "missing" if "version" not in doc else repr(version)
        raise BaselineError(
            f"{path}: version {shown} is not supported; expected version {VERSION} "
            f"(rewrite it with `minlint baseline write {path}`)"
        )
    raw = doc.get("findings")
    if not isinstance(raw, list):
        shown = "missing" if "findings" not in doc else _kind(raw)
        raise BaselineError(f"{path}: findings is {shown}; expected a list of findings")
    return Baseline(path, tuple(_entry(item, i, path) for i, item in enumerate(raw)))


# -- using -------------------------------------------------------------------


def filter_new(findings: Sequence[Finding], path: Path) -> list[Finding]:
    """The findings not in the baseline *path*, in their given order.

    Matching is by fingerprint and counted: a baseline entry absorbs one
    finding, so a second copy of an accepted violation is new. Where there
    are more findings than entries, the earlier ones in the file match.
    """
    available = load(path).counts()
    new: list[Finding] = []
    for entry, f in _entries(findings, Path(path).parent):
        if available[entry.fingerprint] > 0:
            available[entry.fingerprint] -= 1
        else:
            new.append(f)
    # _entries works in file order; the caller's order is the report's order
    position = {id(f): i for i, f in enumerate(findings)}
    return sorted(new, key=lambda f: position[id(f)])
