"""What a rendered inventory adds to the model, for a human reader: where it
was made (commit, date, command), links from ``path:line`` to the file, and
code excerpts with the offending lines marked.

None of this is analysis: the excerpts are read from the checked files when
the report is written, the commit is asked of git. It never fails a report:
no git, an unreadable file or a file that changed since is shown as such.
"""

from __future__ import annotations

import datetime as dt
import os
import shlex
import string
import subprocess
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal
from urllib.parse import quote, urlsplit

from minlint.core.errors import UsageError
from minlint.core.escape import printable
from minlint.inventory.model import DisclosureEntry

# ---------------------------------------------------------------------------
# Provenance: what the report was made from


@dataclass(frozen=True)
class Provenance:
    commit: str | None  # git's HEAD, None outside a git work tree
    dirty: bool  # the work tree has changes the commit does not hold
    date: str  # when it was made, UTC, ISO 8601 (SOURCE_DATE_EPOCH when set)
    command: str  # the command line, as a shell would take it


def _git(cwd: Path, *args: str) -> str | None:
    try:
        done = subprocess.run(["git", "-C", str(cwd), *args], capture_output=True, text=True, timeout=20,
                              check=False, stdin=subprocess.DEVNULL)
    except (OSError, subprocess.SubprocessError):
        return None  # no git, or it hung: the report goes without
    return done.stdout.strip() if done.returncode == 0 else None


@dataclass(frozen=True)
class Repository:
    root: Path | None  # the work tree's top level
    commit: str | None
    dirty: bool


def repository(path: str) -> Repository:
    """The git work tree holding *path*, if any."""
    start = Path(path)
    folder = start if start.is_dir() else start.parent
    folder = folder if str(folder) else Path(".")
    top = _git(folder, "rev-parse", "--show-toplevel")
    if not top:
        return Repository(None, None, False)
    commit = _git(folder, "rev-parse", "HEAD")  # None in a repository without commits
    status = _git(folder, "status", "--porcelain", "--untracked-files=no")
    return Repository(Path(top), commit or None, bool(status))


def report_date(environ: dict[str, str] | os._Environ[str] | None = None) -> str:
    """Now, or SOURCE_DATE_EPOCH (reproducible builds) when set."""
    env = os.environ if environ is None else environ
    raw = env.get("SOURCE_DATE_EPOCH", "").strip()
    if raw:
        try:
            moment = dt.datetime.fromtimestamp(int(raw), tz=dt.timezone.utc)
        except (ValueError, OverflowError, OSError):
            raise UsageError(f"SOURCE_DATE_EPOCH must be seconds since 1970 (an integer), not {raw!r}") from None
    else:
        moment = dt.datetime.now(tz=dt.timezone.utc).replace(microsecond=0)
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def command_line(argv: Sequence[str]) -> str:
    return shlex.join(["minlint", *argv])


# ---------------------------------------------------------------------------
# Links from path:line to the file

PLACEHOLDERS = ("commit", "path", "line")
_SCHEMES = ("http", "https", "file")


def check_template(template: str) -> set[str]:
    """A ``--link-template``: only {commit}, {path} and {line}, {path} at
    least, a web or file address. UsageError otherwise (exit 2). The
    placeholders it uses."""
    try:
        parsed = list(string.Formatter().parse(template))
    except ValueError as exc:
        raise UsageError(f"--link-template {template!r}: {exc} (write a literal brace as {{{{ or }}}})") from None
    names: list[str] = []
    for _, name, spec, conversion in parsed:
        if name is None:
            continue
        if name not in PLACEHOLDERS:
            raise UsageError(f"--link-template {template!r}: unknown placeholder {{{name}}}; "
                             f"expected {', '.join('{' + p + '}' for p in PLACEHOLDERS)}")
        if spec or conversion:
            raise UsageError(f"--link-template {template!r}: {{{name}}} takes no format or conversion")
        names.append(name)
    if "path" not in names:
        raise UsageError(f"--link-template {template!r}: expected a {{path}} placeholder")
    scheme = urlsplit(template.replace("{", "").replace("}", "")).scheme.lower()
    if scheme and scheme not in _SCHEMES:
        raise UsageError(f"--link-template {template!r}: expected an http, https or file address, "
                         f"or a relative one, not {scheme}:")
    return set(names)


class Links:
    """The address of ``path:line``: by the template, else relative to the
    folder the report is written to (so the link works where the file is)."""

    def __init__(self, template: str | None = None, *, report_dir: Path | None = None,
                 repo: Repository | None = None) -> None:
        self.template = template
        self.report_dir = Path(os.path.abspath(report_dir or Path.cwd()))
        self.repo = repo or Repository(None, None, False)
        if template is not None and "commit" in check_template(template) and self.repo.commit is None:
            raise UsageError(f"--link-template {template!r} uses {{commit}}, but the checked files are not "
                             "in a git repository with a commit")

    def href(self, path: str, line: int | None = None) -> str:
        absolute = Path(os.path.abspath(path))
        if self.template is None:
            try:
                rel = Path(os.path.relpath(absolute, self.report_dir)).as_posix()
            except ValueError:  # another drive (Windows): no relative way there
                return absolute.as_uri() + (f"#L{line}" if line else "")
            return quote(rel, safe="/") + (f"#L{line}" if line else "")
        shown = Path(path).as_posix()  # outside the repository: as the report shows it
        if self.repo.root is not None:
            root = Path(os.path.realpath(self.repo.root))
            for candidate in (absolute, Path(os.path.realpath(absolute))):  # a checkout reached through a symlink
                if candidate.is_relative_to(root):
                    shown = candidate.relative_to(root).as_posix()
                    break
        return self.template.format(commit=self.repo.commit or "", path=quote(shown, safe="/"), line=line or 1)


def split_where(where: str) -> tuple[str, int | None]:
    """``path:line`` into its parts (a path may itself hold colons)."""
    path, sep, line = where.rpartition(":")
    if sep and line.isdigit():
        return path, int(line)
    return where, None


# ---------------------------------------------------------------------------
# Code excerpts

Mark = Literal["", "sink", "problem", "field"]
CONTEXT = 2  # lines shown around a marked line
GAP = 3  # windows closer than this are joined
MAX_LINES = 60  # per disclosure: the report stays readable
MAX_WIDTH = 160  # characters of one line
MAX_BYTES = 4 * 1024 * 1024


@dataclass
class ExcerptLine:
    number: int
    text: str
    mark: Mark = ""
    notes: list[str] = field(default_factory=list)


@dataclass
class Excerpt:
    path: str
    lines: list[ExcerptLine | None]  # None: lines left out between two windows
    missing: str = ""  # why the file could not be shown
    truncated: bool = False


Reader = Callable[[str], list[str] | None]


class SourceReader:
    """The checked files' lines, read once per report."""

    def __init__(self) -> None:
        self._cache: dict[str, list[str] | None] = {}

    def __call__(self, path: str) -> list[str] | None:
        if path not in self._cache:
            self._cache[path] = self._read(path)
        return self._cache[path]

    @staticmethod
    def _read(path: str) -> list[str] | None:
        target = Path(path)
        try:
            if not target.is_file() or target.stat().st_size > MAX_BYTES:
                return None
            data = target.read_bytes()
        except OSError:
            return None
        return data.decode("utf-8", errors="replace").splitlines()


_RANK: dict[Mark, int] = {"": 0, "field": 1, "sink": 2, "problem": 3}


def _marks(d: DisclosureEntry) -> dict[tuple[str, int], tuple[Mark, list[str]]]:
    marks: dict[tuple[str, int], tuple[Mark, list[str]]] = {}

    def add(where: str, mark: Mark, note: str) -> None:
        path, line = split_where(where)
        if line is None:
            return
        old, notes = marks.get((path, line), ("", []))
        if note not in notes:
            notes.append(note)
        marks[(path, line)] = (mark if _RANK[mark] > _RANK[old] else old, notes)

    at_sink = [c for c in d.codes if c.startswith(("MIN2", "MIN3")) and c not in ("MIN204", "MIN205")]
    add(f"{d.path}:{d.line}", "problem" if at_sink else "sink",
        "the disclosure" + (f" ({', '.join(at_sink)})" if at_sink else ""))
    for f in d.fields:
        if f.context:
            continue
        if f.allowed:
            add(f.where, "field", f"{f.name}: allowed")
        else:
            add(f.where, "problem", f"{f.name}: not allowed")
    for o in d.exports:
        add(o.where, "problem", f"{'whole record' if o.kind == 'whole' else 'dynamic export'} ({o.code})")
    for g in d.guards:
        for w in g.weak:
            add(w.where, "problem", f"{w.code}: {w.detail}")
    return marks


def excerpts(d: DisclosureEntry, read: Reader) -> list[Excerpt]:
    """The marked lines of *d* with a little context, one excerpt per file
    (the disclosure's own file first)."""
    marks = _marks(d)
    files = sorted({p for p, _ in marks}, key=lambda p: (p != d.path, p))
    out: list[Excerpt] = []
    budget = MAX_LINES
    for path in files:
        lines = read(path)
        wanted = sorted(n for p, n in marks if p == path)
        if lines is None:
            out.append(Excerpt(path, [], "the file could not be read when the report was made"))
            continue
        windows: list[list[int]] = []
        for n in wanted:
            lo, hi = max(1, n - CONTEXT), min(len(lines), n + CONTEXT)
            while lo < n and not lines[lo - 1].strip():
                lo += 1  # blank context says nothing
            while hi > n and not lines[hi - 1].strip():
                hi -= 1
            if lo > hi:
                continue  # the file is shorter now than when it was checked
            if windows and lo <= windows[-1][1] + GAP:
                windows[-1][1] = max(windows[-1][1], hi)
            else:
                windows.append([lo, hi])
        if not windows:
            out.append(Excerpt(path, [], "the file changed since it was checked"))
            continue
        shown: list[ExcerptLine | None] = []
        truncated = False
        for i, (lo, hi) in enumerate(windows):
            if budget <= 0:
                truncated = True
                break
            if i:
                shown.append(None)
            for n in range(lo, hi + 1):
                if budget <= 0:
                    truncated = True
                    break
                raw = lines[n - 1].expandtabs(4).rstrip()
                # a bidirectional override would reorder what the reviewer reads (CVE-2021-42574)
                text = printable(raw)
                if len(text) > MAX_WIDTH:
                    text = text[:MAX_WIDTH - 1] + "\u2026"
                mark, notes = marks.get((path, n), ("", []))
                if text != raw and printable(raw) != raw:
                    notes = [*notes, "control characters shown escaped"]
                shown.append(ExcerptLine(n, text, mark, notes))
                budget -= 1
        out.append(Excerpt(path, shown, truncated=truncated))
    return out


# ---------------------------------------------------------------------------
# Everything a renderer is told besides the model


@dataclass
class View:
    provenance: Provenance | None = None
    links: Links | None = None  # None: relative to the current folder
    read: Reader | None = None  # None: the checked files on disk

    def reader(self) -> Reader:
        if self.read is None:
            self.read = SourceReader()
        return self.read

    def link(self, where: str) -> str:
        if self.links is None:
            self.links = Links()
        path, line = split_where(where)
        return self.links.href(path, line)


def make_view(paths: Sequence[str], argv: Iterable[str], *, output: str | None, template: str | None) -> View:
    """The view ``minlint inventory`` renders with: provenance from git and
    the clock, links relative to the report's folder or by *template*. Made
    before the analysis, so that a bad template fails at once."""
    repo = repository(paths[0] if paths else ".")
    links = Links(template, report_dir=Path(output).parent if output else None, repo=repo)
    made = Provenance(repo.commit, repo.dirty, report_date(), command_line(list(argv)))
    return View(made, links)
