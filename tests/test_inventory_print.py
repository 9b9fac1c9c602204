"""The HTML inventory in a real headless Chromium (issue 20): printed to PDF
on Letter and on A4 it keeps every column of the paths table on the page (no
cut right-hand columns, no scrollbar); its filter script runs under the
page's own CSP and only hides rows; the README's picture is of the bundled
example, without a scrollbar.

The PDF is read back with poppler's pdftotext: ``-layout`` for the text a
reader sees, ``-bbox`` for where each word lies on the page.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest

from tests.browser import chromium, dump_dom, pdftotext, png_pixels, png_size, print_to_pdf, require, screenshot

REPO = Path(__file__).resolve().parent.parent
ACCEPTANCE = REPO / "tests" / "fixtures" / "acceptance"
TIERED = REPO / "tests" / "fixtures" / "tiers_project" / "us"  # the widest table: a column per instrument check
EXAMPLE = REPO / "examples" / "messenger"
README_SHOT = REPO / "docs" / "images" / "inventory-example.png"
PAPER = {"letter": (612.0, 792.0), "A4": (595.3, 841.9)}  # points
STATUSES = ("problems", "suppressed", "ok")


def minlint(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "minlint", *args], cwd=cwd, capture_output=True, text=True,
                          encoding="utf-8", timeout=300, check=False,
                          env={**os.environ, "PYTHONIOENCODING": "utf-8", "SOURCE_DATE_EPOCH": "1767225600"})


@pytest.fixture(scope="module")
def pages(tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[Path, dict[str, Any]]]:
    """Each project's HTML inventory and its JSON twin."""
    out: dict[str, tuple[Path, dict[str, Any]]] = {}
    for name, project in (("defaults", ACCEPTANCE / "defaults"), ("tiered", TIERED), ("example", EXAMPLE)):
        folder = tmp_path_factory.mktemp(f"print-{name}")
        for fmt in ("html", "json"):
            done = minlint(project, "inventory", ".", "--no-cache", "--format", fmt, "-o", str(folder / f"r.{fmt}"))
            assert done.returncode == 0, done.stderr
        out[name] = (folder / "r.html", json.loads((folder / "r.json").read_text(encoding="utf-8")))
    return out


class _Headers(HTMLParser):
    """The header cells of the paths table."""

    def __init__(self) -> None:
        super().__init__()
        self.inside = self.cell = False
        self.heads: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "table" and ("class", "summary") in attrs:
            self.inside = True
        elif self.inside and tag == "th":
            self.cell = True
            self.heads.append("")

    def handle_endtag(self, tag: str) -> None:
        if tag == "th":
            self.cell = False
        elif tag == "thead":
            self.inside = False

    def handle_data(self, data: str) -> None:
        if self.cell:
            self.heads[-1] += data


def _heads(page: Path) -> list[str]:
    parser = _Headers()
    parser.feed(page.read_text(encoding="utf-8"))
    assert parser.heads, "no paths table"
    return [h.strip() for h in parser.heads]


class _Words(HTMLParser):
    """pdftotext -bbox: pages and their words with coordinates."""

    def __init__(self) -> None:
        super().__init__()
        self.pages: list[tuple[float, list[tuple[str, float, float, float, float]]]] = []
        self._word: list[float] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "page":
            self.pages.append((float(a["width"] or 0), []))
        elif tag == "word":
            self._word = [float(a[k] or 0) for k in ("xmin", "ymin", "xmax", "ymax")]

    def handle_data(self, data: str) -> None:
        if self._word is not None and data.strip():
            x0, y0, x1, y1 = self._word
            self.pages[-1][1].append((data.strip(), x0, y0, x1, y1))
            self._word = None


def _printed(browser: str, page: Path, size: str, tmp: Path) -> tuple[Path, str]:
    # the print dialog's paper choice, as a user makes it: the page sets no size of its own
    text = page.read_text(encoding="utf-8")
    assert "@page { size" not in text
    paper = tmp / f"{size}.html"
    paper.write_text(text.replace("</style>", f"@page {{ size: {size}; }}</style>", 1), encoding="utf-8")
    # beside the report, so that its relative links still point at the files
    paper = paper.rename(page.parent / f"{page.stem}-{size}.html")
    pdf = tmp / f"{size}.pdf"
    print_to_pdf(browser, paper, pdf, tmp / "profile")
    return pdf, paper.name


@pytest.mark.parametrize("size", sorted(PAPER))
@pytest.mark.parametrize("name", ["defaults", "tiered"])
def test_printing_keeps_every_column(pages: dict[str, tuple[Path, dict[str, Any]]], name: str, size: str,
                                     tmp_path: Path) -> None:
    browser = require(chromium(), "chromium")
    reader = require(pdftotext(), "poppler-utils")
    page, data = pages[name]
    pdf, _ = _printed(browser, page, size, tmp_path)
    info = subprocess.run([shutil.which("pdfinfo") or "pdfinfo", str(pdf)], capture_output=True, text=True,
                          check=False).stdout
    got = re.search(r"Page size:\s+([\d.]+) x ([\d.]+) pts", info)
    assert got is not None, info
    assert abs(float(got.group(1)) - PAPER[size][0]) < 2 and abs(float(got.group(2)) - PAPER[size][1]) < 2, info

    heads = _heads(page)
    assert heads[-1] == "status" and len(heads) >= 9, heads
    # the text a reader sees: every column header, on the page
    layout = subprocess.run([reader, "-layout", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    flat = re.sub(r"\s+", "", layout)
    for head in heads:
        assert re.sub(r"\s+", "", head) in flat or all(w in layout for w in head.split()), head

    # where every word lies. The paths table's columns are where the print
    # stylesheet puts them (fixed widths of the page's width between its
    # margins): on every page of the table (its header repeats) each header
    # is spelled inside its own column, no word crosses into the next column
    # or off the paper, and each row's status is in the last column.
    bbox = subprocess.run([reader, "-bbox", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    parsed = _Words()
    parsed.feed(bbox)
    columns = _columns(page.read_text(encoding="utf-8"))
    assert len(columns) == len(heads) + 1  # edges
    want = {d["id"]: d["status"] for d in data["disclosures"]}
    seen: dict[str, str] = {}
    tables = 0
    for width, words in parsed.pages:
        assert all(w[3] <= width + 0.5 for w in words), [w for w in words if w[3] > width + 0.5][:5]
        margin = _margin(page.read_text(encoding="utf-8"))
        edges = [margin + f * (width - 2 * margin) for f in columns]
        id_head = [w for w in words if w[0] == "ID" and w[1] < edges[1]]
        if not id_head:
            continue  # a page of the per-path sections
        tables += 1
        top = id_head[0][2]
        rows = sorted((w for w in words if re.fullmatch(r"D\d+", w[0]) and abs(w[1] - id_head[0][1]) < 3
                       and w[2] > top and w[0] in want), key=lambda w: w[2])
        assert rows, "a page with the table's header and no row"
        band = [w for w in words if top - 1 <= w[2] < rows[0][2] - 1]
        for i, head in enumerate(heads):
            lo, hi = edges[i], edges[i + 1]
            inside = sorted((w for w in band if lo <= (w[1] + w[3]) / 2 < hi), key=lambda w: (round(w[2]), w[1]))
            assert "".join(w[0] for w in inside).replace("-", "") == re.sub(r"[\s-]+", "", head), (head, inside)
            assert all(lo - 0.5 <= w[1] and w[3] <= hi + 0.5 for w in inside), (head, inside, lo, hi)
        for i, row in enumerate(rows):
            if i + 1 < len(rows):
                bottom = rows[i + 1][2]
            else:  # the table's last row on the page: its lines follow each other closely, what comes next does not
                bottom = row[2]
                while more := [w[2] for w in words if bottom < w[2] <= bottom + 14]:
                    bottom = max(more)
                bottom += 2
            body = [w for w in words if row[2] - 2 <= w[2] < bottom - 1]
            # no word of the row runs over a column edge
            for w in body:
                assert not any(w[1] + 0.5 < e < w[3] - 0.5 for e in edges[1:-1]), (row[0], w)
            cell = [w for w in body if w[1] >= edges[-2] and w[0] in STATUSES]
            assert cell, f"{row[0]}: no status in the status column on the {size} page"
            assert all(w[3] <= edges[-1] + 0.5 for w in cell)
            seen.setdefault(row[0], cell[0][0])
    assert tables, "the paths table is on no page"
    assert seen == want, {k: (seen.get(k), v) for k, v in want.items() if seen.get(k) != v}


def _columns(text: str) -> list[float]:
    """The paths table's column edges as fractions of its width, from the
    page's print stylesheet and its <colgroup>."""
    group = re.search(r'<table class="summary"><colgroup>(.*?)</colgroup>', text)
    assert group is not None
    widths = dict(re.findall(r"col\.(c-[\w-]+) \{ width: ([\d.]+)%; \}", text))
    edges = [0.0]
    for name in re.findall(r'<col class="([\w-]+)">', group.group(1)):
        edges.append(edges[-1] + float(widths[name]) / 100)
    assert abs(edges[-1] - 1) < 0.001, edges
    return edges


def _margin(text: str) -> float:
    found = re.search(r"@page \{ margin: [\d.]+mm ([\d.]+)mm; \}", text)
    assert found is not None
    return float(found.group(1)) * 72 / 25.4  # points


def test_filters_run_under_the_csp_and_only_hide(pages: dict[str, tuple[Path, dict[str, Any]]],
                                                   tmp_path: Path) -> None:
    browser = require(chromium(), "chromium")
    page, data = pages["defaults"]
    text = page.read_text(encoding="utf-8")
    # with scripts off (as written): the filters are hidden, every row and section shows
    assert re.search(r'<form id="filters"[^>]* hidden', text)
    assert not re.search(r"<(tr|section)[^>]* hidden", text)
    dom = dump_dom(browser, page, tmp_path / "profile")
    # the script ran (the CSP admitted it by its hash): the form shows and counts the rows
    assert not re.search(r'<form id="filters"[^>]* hidden', dom), "the filter script did not run"
    count = len(data["disclosures"])
    assert f"{count} of {count} paths shown" in dom

    # choosing "problems" in the status filter, as a user would: a copy whose
    # script sets the select before its first pass
    problems = sum(d["status"] == "problems" for d in data["disclosures"])
    chosen = text.replace("form.hidden = false;\n  apply();", 'form.hidden = false;\n  status.value = "problems";\n  apply();')
    assert chosen != text
    # the CSP names the script's hash: an edited script must not run
    blocked_page = tmp_path / "edited.html"
    blocked_page.write_text(chosen, encoding="utf-8")
    blocked = dump_dom(browser, blocked_page, tmp_path / "profile")
    assert re.search(r'<form id="filters"[^>]* hidden', blocked), "an edited script ran despite the CSP"
    # with its hash in the CSP, the filter hides exactly the other rows and their sections
    script = re.search(r"<script>(.*?)</script>", chosen, re.DOTALL)
    assert script is not None
    digest = base64.b64encode(hashlib.sha256(script.group(1).encode()).digest()).decode()
    admitted = re.sub(r"sha256-[A-Za-z0-9+/=]+", f"sha256-{digest}", chosen)
    allowed_page = tmp_path / "filtered.html"
    allowed_page.write_text(admitted, encoding="utf-8")
    dom = dump_dom(browser, allowed_page, tmp_path / "profile")
    assert f"{problems} of {count} paths shown" in dom
    hidden_rows = re.findall(r'<tr id="row-(D\d+)"[^>]* hidden', dom)
    hidden_sections = re.findall(r'<section class="path[^"]*" id="(D\d+)"[^>]* hidden', dom)
    others = sorted(d["id"] for d in data["disclosures"] if d["status"] != "problems")
    assert sorted(hidden_rows) == others == sorted(hidden_sections)


def _no_scrollbar(shot: Path) -> None:
    width, height, rows = png_pixels(shot)
    # the page has a white right margin: a scrollbar would paint a grey strip there
    strip = {bytes(row[3 * x:3 * x + 3]) for row in rows[: min(height, 600)] for x in range(width - 16, width)}
    assert strip == {b"\xff\xff\xff"}, f"the right edge is not blank page: {sorted(strip)[:4]}"


def _example_report(tmp: Path) -> Path:
    """The bundled example's report as a user makes it, in a checkout of its
    own: a git repository whose one commit has fixed dates (so a fixed hash),
    made on a fixed date (SOURCE_DATE_EPOCH): the picture is reproducible."""
    checkout = tmp / "messenger"
    shutil.copytree(EXAMPLE, checkout, ignore=shutil.ignore_patterns("__pycache__", ".minlint_cache"))
    when = "2026-01-01T00:00:00Z"
    env = {**os.environ, "GIT_AUTHOR_DATE": when, "GIT_COMMITTER_DATE": when, "GIT_AUTHOR_NAME": "minlint",
           "GIT_AUTHOR_EMAIL": "minlint@example.org", "GIT_COMMITTER_NAME": "minlint",
           "GIT_COMMITTER_EMAIL": "minlint@example.org", "GIT_CONFIG_GLOBAL": os.devnull, "GIT_CONFIG_NOSYSTEM": "1"}
    for args in (["init", "-q", "-b", "main"], ["add", "-A"], ["commit", "-q", "-m", "The example backend"]):
        subprocess.run(["git", *args], cwd=checkout, env=env, check=True, capture_output=True, timeout=60)
    done = minlint(checkout, "inventory", "--format", "html", "-o", "inventory.html", "--no-cache")
    assert done.returncode == 0, done.stderr
    return checkout / "inventory.html"


def test_readme_screenshot_is_the_example_without_a_scrollbar(tmp_path: Path) -> None:
    browser = require(chromium(), "chromium")
    page = _example_report(tmp_path)
    text = page.read_text(encoding="utf-8")
    assert "by <code>minlint inventory --format html -o inventory.html --no-cache</code>" in text
    assert re.search(r"commit <code>[0-9a-f]{40}</code> &#183;", text), "a clean checkout's commit"
    shot = tmp_path / "example.png"
    screenshot(browser, page, shot, tmp_path / "profile", size="1280,1500", hide_scrollbars=True)
    assert png_size(shot) == (1280, 1500)
    _no_scrollbar(shot)
    if os.environ.get("MINLINT_UPDATE_SCREENSHOT") == "1":
        shutil.copyfile(shot, README_SHOT)
    # the committed picture is one of these: the example's report, and the README shows it
    assert README_SHOT.is_file(), "make it: MINLINT_UPDATE_SCREENSHOT=1 pytest tests/test_inventory_print.py"
    assert png_size(README_SHOT) == (1280, 1500)
    _no_scrollbar(README_SHOT)
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    assert f"]({README_SHOT.relative_to(REPO).as_posix()})" in readme
