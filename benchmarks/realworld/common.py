"""What fetch.py and score.py share: the project table and where the trees live."""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass
from pathlib import Path

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib

HERE = Path(__file__).resolve().parent


def cache_dir() -> Path:
    return Path(os.environ.get("MINLINT_REALWORLD", Path.home() / ".cache" / "minlint-realworld"))


@dataclass(frozen=True)
class Project:
    name: str
    dist: str
    version: str
    archive: str
    sha256: str
    licence: str
    framework: str
    root: str
    tree: str
    scope: tuple[str, ...]
    paths: tuple[str, ...] = ()

    @property
    def folder(self) -> Path:
        return cache_dir() / self.root

    @property
    def pack(self) -> Path:
        return HERE / "packs" / f"{self.name}.toml"

    @property
    def labels(self) -> Path:
        return HERE / "labels" / f"{self.name}.toml"


def projects(names: list[str] | None = None) -> list[Project]:
    data = tomllib.loads((HERE / "projects.toml").read_text(encoding="utf-8"))
    found = [Project(**{**p, "scope": tuple(p["scope"]), "paths": tuple(p.get("paths", ()))}) for p in data["project"]]
    if names:
        unknown = sorted(set(names) - {p.name for p in found})
        if unknown:
            raise SystemExit(f"unknown project(s): {', '.join(unknown)} (projects.toml has {', '.join(p.name for p in found)})")
        found = [p for p in found if p.name in names]
    return found
