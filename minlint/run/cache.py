"""The on-disk cache: ``.minlint_cache/`` in the project root.

Two tables, both keyed by content hashes, in one JSON file per (minlint
version, policy digest, Python version):

- ``syntax``: a file's text hash -> the MIN999 problem of a file no analysis
  needed (or null): an unchanged file is never parsed again just to know
  that it parses;
- ``seeds``: a seed file's findings with what its analysis read (the files
  it parsed, with their hashes, and the caller searches it made, with the
  files each name was found in). The entry is reused while all of that is
  unchanged, so a changed helper re-analyses exactly the seeds that read it.

Writes go to a temporary file in the same folder and are moved into place,
so concurrent runs never see a half-written cache: the last writer wins and
each writer's cache is complete and valid on its own.
"""

from __future__ import annotations

import hashlib
import json
import sys
from dataclasses import asdict
from pathlib import Path
from typing import Any

from minlint import __version__
from minlint.core.files import write_atomic
from minlint.core.findings import Finding

CACHE_DIR = ".minlint_cache"
FORMAT = 2


def digest(text: str) -> str:
    return hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=16).hexdigest()


def finding_to_dict(f: Finding) -> dict[str, Any]:
    out = asdict(f)
    out["fields"] = list(f.fields)
    return out


def finding_from_dict(d: dict[str, Any]) -> Finding:
    tiers = d.get("tiers")
    return Finding(**{**d, "fields": tuple(d.get("fields", ())), "tiers": None if tiers is None else tuple(tiers)})


class Cache:
    def __init__(self, root: Path, policy_digest: str, enabled: bool = True) -> None:
        self.enabled = enabled
        self.dir = root / CACHE_DIR
        key = digest(f"{FORMAT}|{__version__}|{policy_digest}|{sys.version_info[:2]}")
        self.file = self.dir / f"{key}.json"
        self.syntax: dict[str, list[Any] | None] = {}
        self.seeds: dict[str, dict[str, Any]] = {}
        self.files: dict[str, str] = {}  # display -> text hash, as of the last run
        self.dirty = False
        if enabled:
            self._load()

    def _load(self) -> None:
        try:
            data = json.loads(self.file.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return  # no cache, or an unreadable one: start afresh
        if isinstance(data, dict) and data.get("format") == FORMAT:
            self.syntax = data.get("syntax", {}) or {}
            self.seeds = data.get("seeds", {}) or {}
            self.files = data.get("files", {}) or {}

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
            self.dir.mkdir(exist_ok=True)
            ignore = self.dir / ".gitignore"
            if not ignore.exists():
                ignore.write_text("# created by minlint\n*\n", encoding="utf-8")
            data = json.dumps({"format": FORMAT, "files": files, "syntax": syntax, "seeds": seeds},
                              separators=(",", ":"))
            write_atomic(self.file, data.encode("utf-8"), mode=0o600)
        except OSError:
            pass  # a read-only tree still gets checked, only not cached
