"""The rule pages (``docs/rules/MIN101.md`` …): one Markdown page per code.

The pages live in ``docs/rules`` so they render on GitHub, and ship inside the
installed package as ``minlint.ruledocs_data`` so ``minlint explain`` and the
SARIF rule help work after ``pip install .``. A checkout that was never
installed has no ``minlint.ruledocs_data``; then the source tree is read.
"""

from __future__ import annotations

import re
import sys
from functools import cache, lru_cache
from importlib import resources
from pathlib import Path

if sys.version_info >= (3, 11):
    from importlib.resources.abc import Traversable
else:  # importlib.abc.Traversable is deprecated from 3.12 and gone in 3.14
    from importlib.abc import Traversable

# One definition: SARIF helpUri, the docs and `explain` all point here.
DOCS_URL = "https://github.com/minlint/minlint/blob/main/docs/rules/"

_DATA_PACKAGE = "minlint.ruledocs_data"
# A code is also a file name: anything else (`../x`, `MIN101.md`) is refused
# before it reaches the file system.
_CODE = re.compile(r"MIN[0-9]{3}")
# Pages link to each other as `[MIN201](MIN201.md)`, which works on GitHub and
# in the docs folder but not once the text is shown somewhere else.
_PAGE_LINK = re.compile(r"\[([^\]]+)\]\((MIN[0-9]{3}\.md)\)")


class NoPage(LookupError):
    """There is no rule page for the code."""


def url(code: str) -> str:
    """The page's address in the published docs."""
    return f"{DOCS_URL}{code}.md"


def _source_tree() -> Path:
    return Path(__file__).resolve().parents[2] / "docs" / "rules"


@lru_cache(maxsize=1)
def _pages_dir() -> Traversable:
    try:
        data = resources.files(_DATA_PACKAGE)
    except ModuleNotFoundError:
        return _source_tree()
    # An installed package that lost its data files (a packaging bug) should
    # not shadow a source tree that has them.
    if any(entry.name.endswith(".md") for entry in data.iterdir()):
        return data
    return _source_tree()


@cache
def page(code: str) -> str:
    """The Markdown text of the rule page for *code*; `NoPage` if it has none."""
    if not _CODE.fullmatch(code):
        raise NoPage(code)
    entry = _pages_dir() / f"{code}.md"
    try:
        return entry.read_text(encoding="utf-8")
    except (FileNotFoundError, NotADirectoryError) as exc:
        raise NoPage(code) from exc


def codes_with_pages() -> list[str]:
    """The codes that have a page, sorted."""
    try:
        names = [entry.name for entry in _pages_dir().iterdir()]
    except FileNotFoundError:
        return []
    return sorted(name[:-3] for name in names if name.endswith(".md") and _CODE.fullmatch(name[:-3]))


def section(code: str, title: str) -> str:
    """The body of the ``## title`` section of the page, stripped ('' if absent)."""
    lines = page(code).splitlines()
    out: list[str] = []
    inside = False
    fenced = False
    for line in lines:
        if line.startswith("```"):
            fenced = not fenced
        if not fenced and line.startswith("## "):
            if inside:
                break
            inside = line[3:].strip() == title
            continue
        if inside:
            out.append(line)
    return "\n".join(out).strip()


def absolute_links(markdown: str) -> str:
    """*markdown* with links between rule pages pointing at `DOCS_URL`."""
    return _PAGE_LINK.sub(lambda m: f"[{m.group(1)}]({DOCS_URL}{m.group(2)})", markdown)


def plain_links(markdown: str) -> str:
    """*markdown* with links between rule pages reduced to their text."""
    return _PAGE_LINK.sub(lambda m: m.group(1), markdown)


def page_path(code: str) -> Path | None:
    """The rule page of *code* as a file on disk, where the installation has
    one (None for a zipped install or a code without a page)."""
    if not _CODE.fullmatch(code):
        raise NoPage(code)
    entry = _pages_dir() / f"{code}.md"
    if isinstance(entry, Path):
        return entry if entry.is_file() else None
    try:
        path = Path(str(entry))
    except TypeError:
        return None
    return path if path.is_file() else None
