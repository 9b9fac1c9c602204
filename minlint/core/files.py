"""Writing a file so that a reader, or a crash, sees the old file or the new
one, never half of one: a temporary file in the same folder, then
``os.replace``. The one way minlint writes a file it keeps (cache, baseline,
fixed sources)."""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Callable
from pathlib import Path


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
