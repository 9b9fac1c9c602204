"""The on-disk cache, kept so that it can never be an input (SPEC §10).

Two tables, both keyed by content hashes, in one JSON file per (minlint
version, policy digest, Python version, project root):

- ``syntax``: a file's text hash -> the MIN999 problem of a file no analysis
  needed (or null): an unchanged file is never parsed again just to know
  that it parses;
- ``seeds``: a seed file's findings with what its analysis read (the files
  it parsed, with their hashes, and the caller searches it made, with the
  files each name was found in). The entry is reused while all of that is
  unchanged, so a changed helper re-analyses exactly the seeds that read it.

Why a contributor cannot steer it (minlint is a CI gate, and whatever is in
the checked tree is the contributor's to write):

- **Where.** By default the cache lives outside the checked tree, in the
  user's cache directory (``MINLINT_CACHE_DIR``, else the platform's user
  cache dir), one folder per project root. ``cache-dir`` (configuration or
  ``--cache-dir``) may move it, even into the tree.
- **Authenticated.** Every file carries an HMAC-SHA256 of its body, keyed by
  a random secret in the user's cache directory (created 0600, refused when
  it is a symlink, not a regular file, not the user's or readable by
  others) and bound to the project root and the cache key. The secret is
  never taken from ``cache-dir``, so a cache committed to the repository, a
  cache built from another tree, or one edited by hand fails the check and
  is ignored: a forged entry would need the CI machine's secret.
- **Read safely.** Cache files are opened without following symlinks, must
  be regular files no larger than ``MAX_BYTES`` (no ``/dev/zero`` or
  ``/dev/stdin``), are refused when the file is tracked by git, and their
  structure is validated: anything of the wrong shape is ignored, never a
  crash.
- **Written safely.** The folder gets ``CACHEDIR.TAG`` and a ``.gitignore``,
  neither written through a symlink; a symlinked cache folder is not used.
  Writes go to a temporary file in the same folder and are moved into place
  (``write_atomic`` removes it on any failure), so concurrent runs see a
  complete cache: the last writer wins.

With the cache or without it (``--no-cache``), the findings are the same.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import secrets
import stat
import sys
from dataclasses import asdict, fields
from pathlib import Path
from typing import Any

from minlint import __version__
from minlint.core.files import write_atomic
from minlint.core.findings import Finding

ENV = "MINLINT_CACHE_DIR"
FORMAT = 3
MAX_BYTES = 512 * 1024 * 1024  # a bigger file is not one minlint wrote for any real project
SECRET_NAME = "secret.key"
TAG = "Signature: 8a477f597d28d172789f06886806bc55\n# This file is a cache directory tag created by minlint.\n"

_FINDING_FIELDS = {f.name: f for f in fields(Finding)}


def digest(text: str) -> str:
    return hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=16).hexdigest()


def cache_home() -> Path:
    """Where minlint keeps its secret and, by default, its caches: the user's,
    never the checked tree's. ``MINLINT_CACHE_DIR`` is the user's environment,
    not something a contributor commits."""
    env = os.environ.get(ENV)
    if env:
        return Path(env).expanduser()
    import platformdirs

    return Path(platformdirs.user_cache_dir("minlint", appauthor=False))


def chosen_dir(flag: Path | None, configured: Path | None) -> Path | None:
    """The folder a run keeps its cache in, None for :func:`default_dir`:
    ``--cache-dir`` first, then ``MINLINT_CACHE_DIR``, then the committed
    ``cache-dir`` setting. The first two are the operator's (a CI job's
    environment); the setting is a contributor's, so it never overrides them."""
    if flag is not None:
        return flag
    if os.environ.get(ENV):
        return None
    return configured


def default_dir(root: Path) -> Path:
    """The cache folder of the project at *root*: outside the tree, one per root."""
    return cache_home() / "projects" / digest(str(root.resolve()))


def finding_to_dict(f: Finding) -> dict[str, Any]:
    out = asdict(f)
    out["fields"] = list(f.fields)
    return out


def finding_from_dict(d: dict[str, Any]) -> Finding:
    params = tuple((str(k), str(v)) for k, v in d.get("params", ()))
    tiers = d.get("tiers")
    return Finding(**{**d, "fields": tuple(d.get("fields", ())), "params": params,
                      "tiers": None if tiers is None else tuple(tiers)})


def _valid_finding(d: object) -> bool:
    if not isinstance(d, dict) or not {"path", "line", "column", "code", "message"} <= d.keys():
        return False
    for key, value in d.items():
        if key not in _FINDING_FIELDS:
            return False
        if key in ("line", "column", "end_line", "end_column"):
            if not isinstance(value, int) or isinstance(value, bool):
                return False
        elif key in ("path", "code", "message", "source_line"):
            if not isinstance(value, str):
                return False
        elif key in ("function", "guard"):
            if value is not None and not isinstance(value, str):
                return False
        elif key == "fields":
            if not isinstance(value, list) or not all(isinstance(x, str) for x in value):
                return False
        elif key == "tiers":
            if value is not None and not (isinstance(value, list) and all(isinstance(x, str) for x in value)):
                return False
        elif key == "params" and not (isinstance(value, list) and all(
                isinstance(p, list) and len(p) == 2 and all(isinstance(x, str) for x in p) for p in value)):
            return False
    return True


def _valid_seed(entry: object) -> bool:
    if not isinstance(entry, dict):
        return False
    deps, words, found = entry.get("deps"), entry.get("words"), entry.get("findings")
    return (isinstance(entry.get("hash"), (str, type(None))) and isinstance(entry.get("layout"), str)
            and isinstance(deps, dict) and all(isinstance(k, str) and isinstance(v, (str, type(None)))
                                               for k, v in deps.items())
            and isinstance(words, dict) and all(isinstance(k, str) and isinstance(v, list)
                                                and all(isinstance(x, str) for x in v) for k, v in words.items())
            and isinstance(found, list) and all(_valid_finding(f) for f in found))


def _valid_problem(p: object) -> bool:
    return p is None or (isinstance(p, list) and len(p) == 3 and isinstance(p[0], int)
                         and isinstance(p[1], int) and isinstance(p[2], str))


def _read_bounded(path: Path, limit: int) -> bytes | None:
    """The bytes of *path* if it is a regular file (not a symlink, device or
    pipe) of at most *limit* bytes; else None. Never blocks on a FIFO."""
    flags = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0)
    try:
        fd = os.open(path, flags)
    except OSError:
        return None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode) or info.st_size > limit:
            return None
        chunks: list[bytes] = []
        size = 0
        while size <= limit:
            chunk = os.read(fd, min(1 << 20, limit + 1 - size))
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
        return None if size > limit else b"".join(chunks)
    except OSError:
        return None
    finally:
        os.close(fd)


def _write_new(path: Path, data: bytes, mode: int) -> None:
    """Create *path* if it does not exist, never through a symlink."""
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0)
    try:
        fd = os.open(path, flags, mode)
    except FileExistsError:
        return
    with os.fdopen(fd, "wb") as out:
        out.write(data)


def _owner_only(info: os.stat_result) -> bool:
    if not stat.S_ISREG(info.st_mode):
        return False
    if hasattr(os, "getuid") and info.st_uid != os.getuid():
        return False
    return os.name != "posix" or not info.st_mode & 0o077


def load_secret(home: Path | None = None) -> bytes | None:
    """The user's cache secret, made on first use; None when it cannot be
    trusted (then nothing is cached)."""
    home = home if home is not None else cache_home()
    path = home / SECRET_NAME
    try:
        home.mkdir(parents=True, exist_ok=True, mode=0o700)
        if home.is_symlink():
            return None
        _write_new(path, secrets.token_bytes(32), 0o600)
        flags = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0)
        fd = os.open(path, flags)
        try:
            if not _owner_only(os.fstat(fd)):
                return None
            key = os.read(fd, 64)
        finally:
            os.close(fd)
    except OSError:
        return None
    return key if len(key) >= 32 else None


def _git_tracked(path: Path) -> bool:
    """Whether *path* is in the index of the git work tree around it: a cache
    file a contributor committed is refused even before its HMAC is checked.
    Reads ``.git/index`` (bounded) rather than running git, whose
    configuration can name programs to run."""
    path = path.resolve()
    for top in path.parents:
        dot_git = top / ".git"
        if dot_git.exists():
            index = dot_git / "index" if dot_git.is_dir() else None
            if index is None:
                return False  # a worktree or submodule link: its index is elsewhere; the HMAC still holds
            data = _read_bounded(index, MAX_BYTES)
            rel = path.relative_to(top).as_posix().encode("utf-8", "surrogateescape")
            return data is not None and rel + b"\0" in data
    return False


class Cache:
    def __init__(self, root: Path, policy_digest: str, enabled: bool = True, directory: Path | None = None) -> None:
        self.enabled = enabled
        self.root = root
        self.dir = directory if directory is not None else default_dir(root)
        self._context = f"{FORMAT}|{__version__}|{policy_digest}|{sys.version_info[:2]}|{root.resolve()}"
        self.file = self.dir / f"{digest(self._context)}.json"
        self.syntax: dict[str, list[Any] | None] = {}
        self.seeds: dict[str, dict[str, Any]] = {}
        self.files: dict[str, str] = {}  # display -> text hash, as of the last run
        self.dirty = False
        self._secret: bytes | None = None
        if enabled:
            self._secret = load_secret()
            if self._secret is None or self.dir.is_symlink():
                self.enabled = False  # no trusted key or a redirected folder: run uncached
            else:
                self._load()

    def _mac(self, body: bytes) -> str:
        assert self._secret is not None
        return hmac.new(self._secret, self._context.encode("utf-8", "surrogatepass") + b"\0" + body,
                        hashlib.sha256).hexdigest()

    def _load(self) -> None:
        raw = _read_bounded(self.file, MAX_BYTES)
        if raw is None or _git_tracked(self.file):
            return
        mac, _, body = raw.partition(b"\n")
        if not hmac.compare_digest(mac, self._mac(body).encode("ascii")):
            return  # not written by this user for this project and policy: ignored
        try:
            data = json.loads(body)
        except ValueError:
            return
        if not isinstance(data, dict) or data.get("format") != FORMAT:
            return
        syntax, seeds, files = data.get("syntax"), data.get("seeds"), data.get("files")
        if not (isinstance(syntax, dict) and all(isinstance(k, str) and _valid_problem(v) for k, v in syntax.items())
                and isinstance(seeds, dict) and all(isinstance(k, str) and _valid_seed(v) for k, v in seeds.items())
                and isinstance(files, dict) and all(isinstance(k, str) and isinstance(v, str)
                                                    for k, v in files.items())):
            return  # the wrong shape: start afresh
        self.syntax, self.seeds, self.files = syntax, seeds, files

    def seed(self, display: str) -> dict[str, Any] | None:
        return self.seeds.get(display) if self.enabled else None

    def put_seed(self, display: str, entry: dict[str, Any]) -> None:
        if self.enabled:
            self.seeds[display] = entry
            self.dirty = True

    def put_syntax(self, text_hash: str, problem: list[Any] | None) -> None:
        if self.enabled:
            self.syntax[text_hash] = problem
            self.dirty = True

    def save(self, live_hashes: set[str], files: dict[str, str]) -> None:
        """Write the cache. Entries of files this run did not look at are kept
        (a one-file check must not make the next whole-tree run cold; every
        entry is validated by content hash before use); dead syntax entries
        are dropped once the table grows large."""
        if not self.enabled or (not self.dirty and all(self.files.get(d) == h for d, h in files.items())):
            return
        syntax = self.syntax
        if len(syntax) > 4 * max(len(live_hashes), 1000):
            syntax = {h: p for h, p in syntax.items() if h in live_hashes}
        seeds = dict(self.seeds)
        files = {**self.files, **files}
        try:
            self.dir.mkdir(parents=True, exist_ok=True, mode=0o700)
            if self.dir.is_symlink():
                return
            _write_new(self.dir / "CACHEDIR.TAG", TAG.encode("ascii"), 0o644)
            _write_new(self.dir / ".gitignore", b"# created by minlint\n*\n", 0o644)
            body = json.dumps({"format": FORMAT, "files": files, "syntax": syntax, "seeds": seeds},
                              separators=(",", ":")).encode("utf-8")
            write_atomic(self.file, self._mac(body).encode("ascii") + b"\n" + body, mode=0o600)
        except OSError:
            pass  # a read-only folder still gets checked, only not cached
