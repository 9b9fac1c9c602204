"""A file's identity on disk, even where the file system misbehaves."""

from __future__ import annotations

import os
from pathlib import Path


def real(path: Path) -> Path:
    """``path.resolve()``, or the absolute path when resolving fails: a
    symlink loop raises RuntimeError before Python 3.13, and a run must
    report such a file, not stop on it."""
    try:
        return path.resolve()
    except (OSError, RuntimeError):
        return Path(os.path.abspath(path))
