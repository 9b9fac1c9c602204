"""A real headless browser (Debian's Chromium) and poppler's pdftotext for
the tests of the HTML inventory, and a PNG reader that needs no imaging
library.

On a clean Debian machine where the tests run as root (CI, ``.ci/run``),
missing packages are installed from Debian first, so that the README's test
command works as it is. Elsewhere a test that needs them fails with the
command that installs them, unless ``MINLINT_NO_BROWSER=1`` says to skip
knowingly.
"""

from __future__ import annotations

import os
import shutil
import struct
import subprocess
import zlib
from pathlib import Path

import pytest

CHROMIUM_FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-extensions")


def _install(package: str) -> None:
    if hasattr(os, "geteuid") and os.geteuid() == 0 and shutil.which("apt-get"):
        subprocess.run(["apt-get", "update", "-qq"], capture_output=True, timeout=600, check=False)
        subprocess.run(["apt-get", "install", "-y", "-qq", package], capture_output=True, timeout=900, check=False)


def _find_chromium() -> str | None:
    if Path("/usr/bin/chromium").exists():
        return "/usr/bin/chromium"
    return shutil.which("chromium") or shutil.which("chromium-browser")


def chromium() -> str | None:
    found = _find_chromium()
    if found is None:
        _install("chromium")
        found = _find_chromium()
    return found


def pdftotext() -> str | None:
    found = shutil.which("pdftotext")
    if found is None:
        _install("poppler-utils")
        found = shutil.which("pdftotext")
    return found


def require(tool: str | None, package: str) -> str:
    """The tool's path, or fail (skip only when told to) naming the package."""
    if tool is not None:
        return tool
    if os.environ.get("MINLINT_NO_BROWSER") == "1":
        pytest.skip(f"MINLINT_NO_BROWSER=1: {package} is not installed, the browser check is skipped knowingly")
    pytest.fail(f"{package} is needed to check the HTML report (apt-get install -y {package}); "
                "set MINLINT_NO_BROWSER=1 to skip this check knowingly")


def screenshot(browser: str, page: Path, shot: Path, profile: Path, size: str = "1400,2000",
               hide_scrollbars: bool = False) -> None:
    # no network at all: the page must render from the file alone
    flags = [*CHROMIUM_FLAGS, f"--user-data-dir={profile}", f"--screenshot={shot}", f"--window-size={size}"]
    if hide_scrollbars:
        flags.append("--hide-scrollbars")
    result = subprocess.run([browser, *flags, page.resolve().as_uri()], capture_output=True, text=True,
                            timeout=180, check=False)
    assert shot.is_file(), f"no screenshot (exit {result.returncode}): {result.stderr[-2000:]}"


def print_to_pdf(browser: str, page: Path, pdf: Path, profile: Path) -> None:
    result = subprocess.run(
        [browser, *CHROMIUM_FLAGS, f"--user-data-dir={profile}", "--no-pdf-header-footer",
         f"--print-to-pdf={pdf}", page.resolve().as_uri()],
        capture_output=True, text=True, timeout=300, check=False)
    assert pdf.is_file() and pdf.stat().st_size > 1000, f"no PDF (exit {result.returncode}): {result.stderr[-2000:]}"


def dump_dom(browser: str, page: Path, profile: Path) -> str:
    """The document after its scripts ran."""
    result = subprocess.run(
        [browser, *CHROMIUM_FLAGS, f"--user-data-dir={profile}", "--dump-dom", page.resolve().as_uri()],
        capture_output=True, text=True, timeout=180, check=False)
    assert result.returncode == 0 and result.stdout, result.stderr[-2000:]
    return result.stdout


def png_size(path: Path) -> tuple[int, int]:
    head = path.read_bytes()[:24]
    assert head[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    width, height = struct.unpack(">II", head[16:24])
    return width, height


def png_pixels(path: Path) -> tuple[int, int, list[bytes]]:
    """Width, height and rows of RGB(A) bytes of an 8-bit, non-interlaced PNG
    (what Chromium writes)."""
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    pos, idat = 8, b""
    width = height = depth = ctype = 0
    while pos < len(data):
        length, kind = struct.unpack(">I4s", data[pos:pos + 8])
        chunk = data[pos + 8:pos + 8 + length]
        if kind == b"IHDR":
            width, height, depth, ctype, _, _, interlace = struct.unpack(">IIBBBBB", chunk)
            assert depth == 8 and ctype in (2, 6) and interlace == 0, (depth, ctype, interlace)
        elif kind == b"IDAT":
            idat += chunk
        pos += 12 + length
    bpp = 3 if ctype == 2 else 4
    raw = zlib.decompress(idat)
    stride = width * bpp
    rows: list[bytes] = []
    prev = bytearray(stride)
    for y in range(height):
        start = y * (stride + 1)
        kind_byte, line = raw[start], bytearray(raw[start + 1:start + 1 + stride])
        for i in range(stride):
            a = line[i - bpp] if i >= bpp else 0
            b = prev[i]
            c = prev[i - bpp] if i >= bpp else 0
            if kind_byte == 1:
                line[i] = (line[i] + a) & 0xFF
            elif kind_byte == 2:
                line[i] = (line[i] + b) & 0xFF
            elif kind_byte == 3:
                line[i] = (line[i] + ((a + b) >> 1)) & 0xFF
            elif kind_byte == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                line[i] = (line[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 0xFF
        rows.append(bytes(line))
        prev = line
    return width, height, [bytes(r) for r in rows] if bpp == 3 else [
        bytes(v for i in range(0, len(r), 4) for v in r[i:i + 3]) for r in rows]
