"""Writing a file so that a reader, or a crash, sees the old file or the new
one, never half of one: a temporary file in the same folder, then
``os.replace``. The one way minlint writes a file it keeps (cache, baseline,
fixed sources)."""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Callable, Iterable
from pathlib import Path

from minlint.core.errors import UsageError


def new_file_mode() -> int:
    """The permissions any other new file would get (``mkstemp`` creates 0600)."""
    umask = os.umask(0)
    os.umask(umask)
    return 0o666 & ~umask


def write_atomic(path: Path, data: bytes, *, mode: int | None = None,
                 before_replace: Callable[[], None] | None = None) -> None:
    """Replace *path* with *data*. *mode* defaults to the file's own, or a new
    file's. *before_replace* runs when the new text is on disk and the old
    one still in place (it may raise to give up). Raises OSError; nothing is
    left behind when it does (a full disk included)."""
    if mode is None:
        try:
            mode = path.stat().st_mode & 0o7777
        except OSError:
            mode = new_file_mode()
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".minlint-tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        os.chmod(tmp, mode)
        if before_replace is not None:
            before_replace()
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def _same_file(a: Path, b: Path) -> bool:
    try:
        return os.path.samefile(a, b)
    except OSError:
        return False


def check_output(path: str, checked: Iterable[Path]) -> None:
    """Refuse, before any work, an ``--output`` that cannot be written or is
    one of the files being checked (``--output victim.py victim.py`` would
    replace the source with its own report). Raises UsageError naming *path*."""
    target = Path(path)
    if target.is_dir():
        raise UsageError(f"cannot write the report to {path}: it is a directory")
    parent = target.parent
    if not parent.is_dir():
        raise UsageError(f"cannot write the report to {path}: the folder {parent} does not exist")
    if target.exists() and any(_same_file(target, f) for f in checked):
        raise UsageError(f"refusing to write the report to {path}: it is one of the files being checked")


def write_output(path: str, text: str) -> None:
    """Write a report to the user's ``--output`` file; any failure (read-only,
    a full disk, a folder gone since :func:`check_output`) is a UsageError
    naming *path*, never minlint's own traceback."""
    try:
        # not write_atomic: /dev/full, /dev/stdout and FIFOs are fine targets,
        # and no temporary file can be made beside them
        with open(path, "w", encoding="utf-8") as out:
            out.write(text)
    except OSError as exc:
        raise UsageError(f"cannot write the report to {path}: {exc.strerror or exc}") from None
