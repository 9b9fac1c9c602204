"""`minlint inventory`: every disclosure path, in JSON, Markdown and HTML.

The acceptance projects are run through the real CLI, as a user would, and
the reports are checked against what reading the fixtures says: which
disclosures exist, which checks hold where, what each one exports. The HTML
report is also opened in a real headless browser (Chromium), because "one
self-contained file that renders" is a claim only a browser can confirm.
"""

from __future__ import annotations

import base64
import hashlib
import html
import json
import os
import re
import shutil
import subprocess
import sys
import textwrap
from html.parser import HTMLParser
from pathlib import Path
from typing import Any
from urllib.parse import unquote

import pytest
from jsonschema import Draft202012Validator

from tests.browser import chromium, png_size, require, screenshot

REPO = Path(__file__).resolve().parent.parent
ACCEPTANCE = REPO / "tests" / "fixtures" / "acceptance"
SCHEMA = REPO / "docs" / "inventory.schema.json"
SCREENSHOT = REPO / "docs" / "images" / "inventory.png"
FORMATS = ("json", "md", "html")

# Every disclosure of the fixtures, read off the code: (function, line of the
# sink call or of the `return` of a disclosure function).
EXPECTED = {
    "defaults": {
        # @disclosure_endpoint functions and one `# minlint: disclosure`: their returns
        ("answer_terror_probe", 27), ("answer_with_history", 38), ("answer_disguised", 53),
        ("answer_without_order", 63), ("answer_urgent", 75), ("answer_swallowed_order", 89),
        ("answer_with_assert", 99), ("answer_leaky_denylist", 111), ("answer_sanctioned_list", 123),
        ("answer_leaky_allowlist", 138), ("answer_whole_user", 149), ("answer_requested_fields", 160),
        ("answer_unrecorded", 172), ("answer_decorated", 183), ("answer_validated", 207),
        ("answer_half_validated", 215), ("answer_marked", 283), ("answer_with_reason", 291),
        ("answer_without_reason", 302),
        # sink calls: send_to_authority(...) and disclose(...)
        ("push_payload", 231), ("push_payload", 232), ("push_text", 239), ("push_text", 240),
        ("_send_batch", 245), ("_send_checked", 260), ("send_late", 275),
    },
    "custom": {
        # @lawful_access functions: their returns
        ("hand_over_subscriber", 35), ("hand_over_neighbours_only", 47), ("hand_over_predicate", 59),
        ("hand_over_unchecked_terror", 68),
        # portal.push(...) (payload: data=) and hand_over(...)
        ("push_case", 81), ("push_export", 100), ("push_rows", 107), ("push_rows", 108),
        ("hand_over_values", 115), ("hand_over_values", 116), ("hand_over_unlogged", 122),
        ("hand_over_first_valid", 134), ("hand_over_after_loop", 142),
    },
}


def minlint(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "minlint", *args], cwd=cwd, capture_output=True, text=True, check=False,
        encoding="utf-8", timeout=300, env={**os.environ, "PYTHONIOENCODING": "utf-8"},
    )


@pytest.fixture(scope="module")
def reports(tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict[str, Path]]:
    """Each acceptance project's inventory in each format, made once for the module."""
    out: dict[str, dict[str, Path]] = {}
    for project in EXPECTED:
        folder = tmp_path_factory.mktemp(f"inventory-{project}")
        out[project] = {}
        for fmt in FORMATS:
            target = folder / f"report.{fmt}"
            result = minlint(ACCEPTANCE / project, "inventory", ".", "--format", fmt, "--output", str(target))
            assert result.returncode == 0, result.stderr
            assert target.is_file(), result.stderr
            out[project][fmt] = target
    return out


def load(reports: dict[str, dict[str, Path]], project: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(reports[project]["json"].read_text(encoding="utf-8"))
    return data


def by_function(data: dict[str, Any], function: str, index: int = 0) -> dict[str, Any]:
    found = [d for d in data["disclosures"] if d["function"] == function]
    assert found, f"no disclosure in {function}"
    return found[index]


def guard(d: dict[str, Any], gid: str) -> dict[str, Any]:
    return next(g for g in d["guards"] if g["id"] == gid)


# -- JSON ---------------------------------------------------------------------


@pytest.mark.parametrize("project", sorted(EXPECTED))
def test_json_validates_and_lists_every_disclosure(reports: dict[str, dict[str, Path]], project: str) -> None:
    data = load(reports, project)
    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    Draft202012Validator.check_schema(schema)
    errors = sorted(Draft202012Validator(schema).iter_errors(data), key=lambda e: list(e.path))
    assert not errors, "\n".join(f"{list(e.path)}: {e.message}" for e in errors[:10])

    found = {(d["function"], d["line"]) for d in data["disclosures"]}
    assert found == EXPECTED[project]
    assert data["summary"]["disclosures"] == len(EXPECTED[project])
    assert [d["id"] for d in data["disclosures"]] == [f"D{i}" for i in range(1, len(found) + 1)]
    keys = [(d["path"], d["line"], d["column"]) for d in data["disclosures"]]
    assert keys == sorted(keys)
    s = data["summary"]
    assert s["ok"] + s["problems"] + s["suppressed"] == s["disclosures"]
    assert data["unreadable"] == []


def test_json_defaults_clean_path(reports: dict[str, dict[str, Path]]) -> None:
    d = by_function(load(reports, "defaults"), "answer_terror_probe")
    assert d["status"] == "ok" and d["codes"] == []
    assert d["disclosure_function"] and d["kind"] == "return" and d["reachable"]
    assert d["entry_points"] == ["answer_terror_probe"]
    assert [g["status"] for g in d["guards"]] == ["holds", "holds", "holds"]
    # where each check is made, read off handlers.py
    assert guard(d, "court_order")["checks"][0]["where"] == "messenger/handlers.py:21"
    assert guard(d, "court_order")["checks"][0]["text"] == "verify_court_order()"
    assert guard(d, "jurisdiction")["checks"][0]["where"] == "messenger/handlers.py:22"
    terror = guard(d, "terror_suspect")["checks"][0]
    assert terror["where"] == "messenger/handlers.py:23" and terror["kind"] == "test"
    assert "confirms_terror_suspect" in terror["text"]
    assert d["transparency"]["status"] == "holds"
    assert d["transparency"]["checks"][0]["where"] == "messenger/handlers.py:26"
    fields = {f["name"]: f for f in d["fields"]}
    assert {"ip", "phone"} <= set(fields)
    assert all(f["allowed"] and not f["context"] for f in fields.values())
    assert fields["ip"]["category"] == "ip_address" and fields["ip"]["fides"] == "user.device.ip_address"
    assert fields["phone"]["category"] == "phone_number"
    assert fields["phone"]["fides"] == "user.contact.phone_number"


def test_json_defaults_missing_and_weak_checks(reports: dict[str, dict[str, Path]]) -> None:
    data = load(reports, "defaults")
    d = by_function(data, "answer_without_order")
    assert guard(d, "court_order")["status"] == "missing"
    assert guard(d, "jurisdiction")["status"] == "holds" and guard(d, "terror_suspect")["status"] == "holds"
    assert d["codes"] == ["MIN201"] and d["status"] == "problems"

    urgent = guard(by_function(data, "answer_urgent"), "jurisdiction")
    assert urgent["status"] == "missing" and "line 69" in urgent["why"]
    assert urgent["checks"] == [{"kind": "call", "text": "check_jurisdiction()", "function": "answer_urgent",
                                 "where": "messenger/handlers.py:70", "note": "only on some paths"}]

    asserted = guard(by_function(data, "answer_with_assert"), "terror_suspect")
    assert asserted["status"] == "weak"
    assert [(w["code"], w["where"]) for w in asserted["weak"]] == [("MIN204", "messenger/handlers.py:96")]

    leaky = guard(by_function(data, "answer_leaky_denylist"), "jurisdiction")
    assert leaky["status"] == "weak" and leaky["weak"][0]["code"] == "MIN205"
    assert "RU" in leaky["weak"][0]["detail"]

    decorated = guard(by_function(data, "answer_decorated"), "court_order")
    assert decorated["status"] == "holds" and decorated["checks"][0]["kind"] == "decorator"

    validated = guard(by_function(data, "answer_validated"), "court_order")
    assert validated["checks"][0]["kind"] == "helper" and validated["checks"][0]["text"] == "validate()"

    unrecorded = by_function(data, "answer_unrecorded")["transparency"]
    assert unrecorded["status"] == "missing" and unrecorded["checks"][0]["note"] == "only on some paths"


def test_json_defaults_call_chains(reports: dict[str, dict[str, Path]]) -> None:
    data = load(reports, "defaults")
    batch = by_function(data, "_send_batch")
    assert batch["kind"] == "call" and batch["sink"] == "send_to_authority()"
    assert not batch["disclosure_function"]
    assert batch["entry_points"] == ["process_batch", "process_priority"]
    chains = [[(s["function"], s["calls_at"]) for s in c["steps"]] for c in batch["chains"]]
    assert chains == [[("process_batch", 251), ("_send_batch", 245)],
                      [("process_priority", 255), ("_send_batch", 245)]]
    assert all(c["start"] == "no-callers" for c in batch["chains"])
    court = guard(batch, "court_order")
    assert court["status"] == "missing" and "process_priority" in court["via"]
    # the caller that does check is shown, and why it is not enough
    assert court["checks"][0]["function"] == "process_batch"
    assert court["checks"][0]["note"] == "only in some callers"

    checked = by_function(data, "_send_checked")
    assert checked["entry_points"] == ["process_checked"]
    for g in checked["guards"]:
        assert g["status"] == "holds" and g["through_callers"]
        assert {c["function"] for c in g["checks"]} == {"process_checked"}


def test_json_defaults_exports_and_suppressions(reports: dict[str, dict[str, Path]]) -> None:
    data = load(reports, "defaults")
    whole = by_function(data, "answer_whole_user")
    assert [(e["kind"], e["code"]) for e in whole["exports"]] == [("whole", "MIN102")]
    dynamic = by_function(data, "answer_requested_fields")
    assert {e["code"] for e in dynamic["exports"]} == {"MIN103"}

    history = {f["name"]: f for f in by_function(data, "answer_with_history")["fields"]}
    assert history["messages"]["allowed"] is False and history["messages"]["category"] is None
    # the authority a request goes to is request metadata, not user data
    authority = next(f for f in by_function(data, "push_payload")["fields"] if f["name"] == "authority")
    assert authority["context"] is True

    with_reason = by_function(data, "answer_with_reason")
    assert with_reason["status"] == "suppressed" and with_reason["codes"] == []
    assert with_reason["suppressed"][0]["code"] == "MIN101"
    assert "2018-114" in with_reason["suppressed"][0]["reason"]
    without = by_function(data, "answer_without_reason")
    # a reason-less noqa is a problem for the reviewer (MIN901), not a settled exception (issue 20)
    assert without["status"] == "problems" and without["suppressed"][0]["reason"] is None


def test_json_custom_policy(reports: dict[str, dict[str, Path]]) -> None:
    data = load(reports, "custom")
    assert data["policy"]["name"] == "lawful-access"  # from the project's own pyproject.toml
    subscriber = by_function(data, "hand_over_subscriber")
    assert subscriber["status"] == "ok"
    fields = {f["name"]: f for f in subscriber["fields"]}
    assert fields["seen_from"]["category"] == "ip_address" and fields["cell"]["category"] == "phone_number"
    assert fields["seen_from"]["fides"] is None  # this pack gives no fideslang keys

    neighbours = guard(by_function(data, "hand_over_neighbours_only"), "jurisdiction")
    assert neighbours["status"] == "weak" and neighbours["weak"][0]["code"] == "MIN205"
    assert neighbours["checks"][0]["kind"] == "comparison"
    assert "#" not in neighbours["checks"][0]["text"]  # the source line, without its comment

    after_loop = by_function(data, "hand_over_after_loop")
    assert [g["status"] for g in after_loop["guards"]] == ["missing"] * 3
    assert by_function(data, "hand_over_unchecked_terror")["codes"] == ["MIN203"]
    assert by_function(data, "hand_over_unlogged")["transparency"]["status"] == "missing"

    # portal.push() is a stub (`raise NotImplementedError`) in this fixture: a
    # stub stands for code that returns, so the second push is reachable and
    # its checks are judged on the path through the first
    first, second = by_function(data, "push_rows", 0), by_function(data, "push_rows", 1)
    assert first["reachable"] and second["reachable"]
    assert second["codes"] == ["MIN102"]
    assert [g["status"] for g in second["guards"]] == ["holds"] * 3


@pytest.mark.parametrize("project", sorted(EXPECTED))
def test_inventory_agrees_with_check(reports: dict[str, dict[str, Path]], project: str) -> None:
    """The inventory's problems are exactly what `minlint check` reports."""
    result = minlint(ACCEPTANCE / project, "check", ".", "--format", "json", "--no-cache")
    assert result.returncode in (0, 1), result.stderr
    reported = {(f["path"], f["line"], f["code"]) for f in json.loads(result.stdout)
                if f["code"] not in ("MIN901", "MIN999")}
    data = load(reports, project)
    ours: set[tuple[str, int, str]] = set()
    for d in data["disclosures"]:
        places: list[tuple[str, str]] = [("MIN101", f["where"]) for f in d["fields"]
                                         if not f["allowed"] and not f["context"]]
        places += [(e["code"], e["where"]) for e in d["exports"]]
        here = f"{d['path']}:{d['line']}"
        for g in d["guards"]:
            places += [(g["code"], here)] if g["status"] == "missing" else []
            places += [(w["code"], w["where"]) for w in g["weak"]]
        places += [("MIN301", here)] if d["transparency"]["status"] == "missing" else []
        suppressed = {(s["code"], s["where"]) for s in d["suppressed"]}
        for code, where in places:
            if (code, where) not in suppressed:
                path, _, line = where.rpartition(":")
                ours.add((path, int(line), code))
        assert sorted({c for c, w in places if (c, w) not in suppressed}) == d["codes"]
    assert ours == reported


def test_json_is_deterministic(reports: dict[str, dict[str, Path]], tmp_path: Path) -> None:
    again = tmp_path / "again.json"
    result = minlint(ACCEPTANCE / "defaults", "inventory", ".", "--format", "json", "-o", str(again))
    assert result.returncode == 0, result.stderr
    assert again.read_bytes() == reports["defaults"]["json"].read_bytes()


# -- Markdown -------------------------------------------------------------------


@pytest.mark.parametrize("project", sorted(EXPECTED))
def test_markdown_has_a_mermaid_flowchart_per_path(reports: dict[str, dict[str, Path]], project: str) -> None:
    text = reports[project]["md"].read_text(encoding="utf-8")
    data = load(reports, project)
    blocks = re.findall(r"^```mermaid\n(.*?)^```$", text, re.DOTALL | re.MULTILINE)
    assert len(blocks) == len(data["disclosures"])
    for block in blocks:
        assert block.startswith("flowchart LR\n")
        assert "subgraph g_checks" in block and "sink" in block
        # every label is quoted, and a quoted label holds no raw quote or angle bracket
        for label in re.findall(r'"((?:[^"\n])*)"', block):
            assert "<" not in label.replace("<b>", "").replace("</b>", "").replace("<br/>", "")
    for d in data["disclosures"]:
        assert re.search(rf"^### {d['id']} ", text, re.MULTILINE), d["id"]
        assert f"[{d['id']}](#{d['id'].lower()})" in text
    # the summary table: a row per path
    rows = [line for line in text.splitlines() if re.match(r"^\| \[D\d+\]", line)]
    assert len(rows) == len(data["disclosures"])


def test_markdown_to_stdout() -> None:
    result = minlint(ACCEPTANCE / "defaults", "inventory", ".")  # md is the default format
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("# Disclosure inventory")
    assert "26 disclosure paths" in result.stderr


# -- HTML -----------------------------------------------------------------------

VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}


class StrictHTML(HTMLParser):
    """Checks that every element is closed in order, and collects what a
    browser would fetch."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[str] = []
        self.errors: list[str] = []
        self.fetches: list[str] = []
        self.tags: dict[str, int] = {}
        self.ids: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags[tag] = self.tags.get(tag, 0) + 1
        for name, value in attrs:
            if name in ("src", "href", "srcset", "poster", "data", "action") and value is not None:
                self.fetches.append(value)
            if name == "id" and value:
                self.ids.append(value)
            if name == "style" and value and "url(" in value:
                self.fetches.append(value)
        if tag not in VOID:
            self.stack.append(tag)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)
        if tag not in VOID:
            self.stack.pop()

    def handle_endtag(self, tag: str) -> None:
        if tag in VOID:
            return
        if not self.stack or self.stack[-1] != tag:
            self.errors.append(f"</{tag}> closes <{self.stack[-1] if self.stack else 'nothing'}> at {self.getpos()}")
            if tag in self.stack:
                while self.stack and self.stack.pop() != tag:
                    pass
            return
        self.stack.pop()


@pytest.mark.parametrize("project", sorted(EXPECTED))
def test_html_is_well_formed_and_self_contained(reports: dict[str, dict[str, Path]], project: str) -> None:
    text = reports[project]["html"].read_text(encoding="utf-8")
    data = load(reports, project)
    assert text.startswith("<!DOCTYPE html>")
    parser = StrictHTML()
    parser.feed(text)
    parser.close()
    assert not parser.errors, parser.errors[:5]
    assert parser.stack == [], parser.stack
    assert len(parser.ids) == len(set(parser.ids)), "duplicate ids (SVG markers must be unique too)"
    # nothing to fetch: one inline script (the filters), no script files, no
    # external stylesheets, fonts or images; the CSP admits only that script
    assert parser.tags.get("script") == 1 and text.lower().count("<script") == 1
    assert not re.search(r"<script[^>]*\bsrc", text, re.IGNORECASE)
    policy = re.search(r'http-equiv="Content-Security-Policy" content="([^"]+)"', text)
    assert policy is not None
    csp = html.unescape(policy.group(1))
    script = re.search(r"<script>(.*?)</script>", text, re.DOTALL)
    assert script is not None
    digest = base64.b64encode(hashlib.sha256(script.group(1).encode("utf-8")).digest()).decode("ascii")
    assert "default-src 'none'" in csp and f"script-src 'sha256-{digest}'" in csp, csp
    assert "link" not in parser.tags and "@import" not in text
    assert not re.search(r"url\((?!#)", text), "url() other than a same-document reference"
    # same-document references, or relative links to the checked files (never fetched, only followed)
    fetched = [f for f in parser.fetches if not f.startswith("#")]
    folder = reports[project]["html"].parent
    assert fetched and all(not re.match(r"^[a-z][a-z0-9+.-]*:", f) and (folder / unquote(f.split("#")[0])).is_file()
                           for f in fetched), fetched[:5]
    assert not re.search(r"""(src|href)\s*=\s*["']?\s*(https?:)?//""", text, re.IGNORECASE)
    assert text.isascii()  # non-ASCII is written as character references
    # a diagram per path, a row per path in the summary table
    assert parser.tags.get("svg", 0) == len(data["disclosures"]) == text.count("<svg ")
    assert text.count('<section class="path') == len(data["disclosures"])
    for d in data["disclosures"]:
        assert f'id="{d["id"]}"' in text and f'href="#{d["id"]}"' in text
    # status colours come with their words, not colour alone
    for word in ("holds", "missing"):
        assert f"{word}</span>" in text


@pytest.mark.parametrize("project", sorted(EXPECTED))
def test_html_renders_in_a_real_browser(reports: dict[str, dict[str, Path]], project: str, tmp_path: Path) -> None:
    browser = require(chromium(), "chromium")
    shot = tmp_path / "shot.png"
    screenshot(browser, reports[project]["html"], shot, tmp_path / "profile", hide_scrollbars=True)
    assert shot.stat().st_size > 10_000, "a blank page"
    assert png_size(shot) == (1400, 2000)
    if project == "defaults" and os.environ.get("MINLINT_UPDATE_SCREENSHOT") == "1":
        # the picture in docs/inventory.md; refresh it after a layout change
        SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(shot, SCREENSHOT)


# -- escaping -------------------------------------------------------------------

NASTY = '<img src=x onerror=alert(1)>"|#`*'


def test_labels_are_escaped_in_every_format(tmp_path: Path) -> None:
    """Field names come from the checked code: they must never become markup."""
    (tmp_path / "pyproject.toml").write_text("[tool.minlint]\n", encoding="utf-8")
    (tmp_path / "app.py").write_text(textwrap.dedent(f"""\
        def handler(user):
            disclose({{{NASTY!r}: user.ip, "ip": user.ip}})
        """), encoding="utf-8")
    outputs: dict[str, str] = {}
    for fmt in FORMATS:
        target = tmp_path / f"out.{fmt}"
        result = minlint(tmp_path, "inventory", "app.py", "--format", fmt, "-o", str(target))
        assert result.returncode == 0, result.stderr
        outputs[fmt] = target.read_text(encoding="utf-8")

    data = json.loads(outputs["json"])
    assert NASTY in {f["name"] for f in data["disclosures"][0]["fields"]}

    html_text = outputs["html"]
    assert "<img" not in html_text
    assert "&lt;img src=x onerror=alert(1)&gt;" in html_text
    parser = StrictHTML()
    parser.feed(html_text)
    assert not parser.errors and "img" not in parser.tags

    md = outputs["md"]
    mermaid = re.search(r"^```mermaid\n(.*?)^```$", md, re.DOTALL | re.MULTILINE)
    assert mermaid is not None
    block = mermaid.group(1)
    assert "<img" not in block and "#60;img src=x onerror=alert(1)#62;#quot;|#35;#96;*" in block
    # the code excerpt shows the source as it is, in a fenced block longer
    # than any run of backticks in it (rendered literally)
    excerpt = re.search(r"^(`{3,})text\n(.*?)^\1$", md, re.DOTALL | re.MULTILINE)
    assert excerpt is not None and "<img src=x" in excerpt.group(2)
    assert len(excerpt.group(1)) > max(len(run) for run in re.findall(r"`+", excerpt.group(2)))
    # elsewhere in the Markdown the name is only ever inside a code span
    # (rendered literally), with the pipe escaped for the table it is in
    prose = re.sub(r"^```mermaid\n.*?^```$", "", md, flags=re.DOTALL | re.MULTILINE)
    prose = re.sub(r"^(`{3,})text\n.*?^\1$", "", prose, flags=re.DOTALL | re.MULTILINE)
    assert "<img" not in re.sub(r"(`+).+?\1", "", prose)
    assert r"\|#" in prose


def test_no_disclosures(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text("[tool.minlint]\n", encoding="utf-8")
    (tmp_path / "plain.py").write_text("def f(x):\n    return x\n", encoding="utf-8")
    for fmt in FORMATS:
        result = minlint(tmp_path, "inventory", ".", "--format", fmt, "-o", str(tmp_path / f"o.{fmt}"))
        assert result.returncode == 0, result.stderr
    data = json.loads((tmp_path / "o.json").read_text(encoding="utf-8"))
    assert data["disclosures"] == [] and data["summary"]["disclosures"] == 0
    assert "No disclosure paths found." in (tmp_path / "o.md").read_text(encoding="utf-8")
    assert "<svg" not in (tmp_path / "o.html").read_text(encoding="utf-8")


def test_unreadable_files_are_listed(tmp_path: Path) -> None:
    """A file the checker cannot parse is named, so no one mistakes its
    absence from the list of paths for an absence of disclosures."""
    (tmp_path / "pyproject.toml").write_text("[tool.minlint]\n", encoding="utf-8")
    (tmp_path / "broken.py").write_text("def handler(user:\n    disclose({'ip': user.ip})\n", encoding="utf-8")
    (tmp_path / "ok.py").write_text("def f(user):\n    disclose({'ip': user.ip})\n", encoding="utf-8")
    outputs = {}
    for fmt in FORMATS:
        target = tmp_path / f"o.{fmt}"
        result = minlint(tmp_path, "inventory", ".", "--format", fmt, "-o", str(target))
        assert result.returncode == 0, result.stderr
        outputs[fmt] = target.read_text(encoding="utf-8")
    data = json.loads(outputs["json"])
    assert [u["path"] for u in data["unreadable"]] == ["broken.py"]
    assert [d["path"] for d in data["disclosures"]] == ["ok.py"]
    assert "broken.py" in outputs["md"] and "broken.py" in outputs["html"]
