"""The reviewer's report (issue 20) and the instruments it shows (issue 18),
without a browser: code excerpts with the offending lines marked and
escaped, links from path:line (relative to the report, or by
``--link-template``, validated), the commit, date and command the report was
made from, cards that link to their rows, per-field instruments in Markdown
and HTML, and SARIF results of a tiered pack carrying ``tiers``."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft7Validator

from minlint.core.errors import UsageError
from minlint.inventory.present import Links, Repository, check_template, report_date

REPO = Path(__file__).resolve().parent.parent
TIERED = REPO / "tests" / "fixtures" / "tiers_project" / "us"
SARIF_SCHEMA = Path("/work/shared/data/sarif-schema-2.1.0.json")
if not SARIF_SCHEMA.exists():
    SARIF_SCHEMA = REPO / "tests" / "data" / "sarif-schema-2.1.0.json"  # the same file, kept in the repository
EPOCH = "1767225600"  # 2026-01-01T00:00:00Z

APP = '''\
def leaky(request, user):
    verify_court_order(request.order)
    check_jurisdiction(request.country)
    require_terror_suspect(request)
    record_disclosure(request)
    note = "<script>alert(1)</script>"
    disclose({"ip": user.ip, "email": user.email})


def fine(request, user):
    verify_court_order(request.order)
    check_jurisdiction(request.country)
    require_terror_suspect(request)
    record_disclosure(request)
    disclose({"ip": user.ip})


def unrecorded(request, user):
    verify_court_order(request.order)
    check_jurisdiction(request.country)
    require_terror_suspect(request)
    disclose({"phone": user.phone})
'''


def run(cwd: Path, *args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "minlint", *args], cwd=cwd, capture_output=True, text=True,
                          encoding="utf-8", timeout=300, check=False,
                          env={**os.environ, "PYTHONIOENCODING": "utf-8", "SOURCE_DATE_EPOCH": EPOCH, **(env or {})})


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("review") / "service"
    (root / "app").mkdir(parents=True)
    (root / "pyproject.toml").write_text("[tool.minlint]\n", encoding="utf-8")
    (root / "app" / "views.py").write_text(APP, encoding="utf-8")
    (root / "reports").mkdir()
    return root


@pytest.fixture(scope="module")
def html_report(project: Path) -> str:
    done = run(project, "inventory", "app", "--no-cache", "--format", "html", "-o", "reports/inv.html")
    assert done.returncode == 0, done.stderr
    return (project / "reports" / "inv.html").read_text(encoding="utf-8")


def _section(text: str, function: str) -> str:
    for part in re.findall(r'<section class="path.*?</section>', text, re.DOTALL):
        if f"in <code>{function}</code>" in part:
            return part
    raise AssertionError(f"no section for {function}")


def test_excerpt_marks_the_offending_lines_and_escapes_the_code(html_report: str) -> None:
    leaky = _section(html_report, "leaky")
    rows = re.findall(r'<tr class="m-(\w+)"><td class="ln"><a href="[^"]*">(\d+)</a>', leaky)
    marks = {int(n): m for m, n in rows}
    # line 7 holds the disclosure and the disallowed 'email': offending
    assert marks[7] == "problem"
    assert set(marks) == {5, 6, 7}  # two lines of context before, none after the file's end of function
    assert "email: not allowed" in leaky
    # the checked code is text, never markup
    assert "<script>alert(1)</script>" not in html_report.split("<script>")[0]
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in leaky
    # a missing record marks the disclosure line with its code; a clean path marks it as the disclosure only
    unrecorded = _section(html_report, "unrecorded")
    assert re.search(r'<tr class="m-problem"><td class="ln"><a href="[^"]*">22</a>.*?the disclosure \(MIN301\)',
                     unrecorded)
    fine = _section(html_report, "fine")
    assert re.search(r'<tr class="m-sink"><td class="ln"><a href="[^"]*">15</a>', fine)
    assert 'class="m-problem"' not in fine


def test_links_are_relative_to_the_report(project: Path, html_report: str) -> None:
    # the report is in reports/, the file in app/: the link climbs out of reports/
    assert 'href="../app/views.py#L7"' in html_report
    assert '<a href="../app/views.py#L22"><code class="nowrap">app/views.py:22</code></a>' in html_report
    done = run(project, "inventory", "app", "--no-cache", "--format", "md", "-o", "reports/inv.md")
    assert done.returncode == 0, done.stderr
    md = (project / "reports" / "inv.md").read_text(encoding="utf-8")
    assert "| [`app/views.py:22`](<../app/views.py#L22>) disclose() |" in md


def test_link_template(project: Path, tmp_path: Path) -> None:
    env = {"GIT_CONFIG_GLOBAL": os.devnull, "GIT_CONFIG_NOSYSTEM": "1", "GIT_AUTHOR_NAME": "t",
           "GIT_AUTHOR_EMAIL": "t@example.org", "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@example.org"}
    checkout = tmp_path / "repo"
    (checkout / "svc" / "app").mkdir(parents=True)
    (checkout / "svc" / "pyproject.toml").write_text("[tool.minlint]\n", encoding="utf-8")
    (checkout / "svc" / "app" / "views.py").write_text(APP, encoding="utf-8")
    for args in (["init", "-q"], ["add", "-A"], ["commit", "-q", "-m", "x"]):
        subprocess.run(["git", *args], cwd=checkout, check=True, capture_output=True, env={**os.environ, **env})
    commit = subprocess.run(["git", "rev-parse", "HEAD"], cwd=checkout, capture_output=True, text=True,
                            check=True).stdout.strip()
    template = "https://git.example.org/org/repo/blob/{commit}/{path}#L{line}"
    done = run(checkout / "svc", "inventory", "--no-cache", "--format", "html", "-o", str(tmp_path / "o.html"),
               "--link-template", template)
    assert done.returncode == 0, done.stderr
    text = (tmp_path / "o.html").read_text(encoding="utf-8")
    # {path} is from the repository's root, where the host serves it
    assert f'href="https://git.example.org/org/repo/blob/{commit}/svc/app/views.py#L7"' in text
    assert f"commit <code>{commit}</code> &#183;" in text  # a clean work tree: no "uncommitted changes"
    md = run(checkout / "svc", "inventory", "--no-cache", "--link-template", template)
    assert md.returncode == 0 and f"Made from commit `{commit}`" in md.stdout
    assert f"(<https://git.example.org/org/repo/blob/{commit}/svc/app/views.py#L7>)" in md.stdout


@pytest.mark.parametrize(("template", "words"), [
    ("https://h/{commit}/{file}#L{line}", "unknown placeholder {file}"),
    ("https://h/{0}/{path}", "unknown placeholder {0}"),
    ("https://h/{path:>9}", "takes no format"),
    ("https://h/{path", "write a literal brace"),
    ("https://h/blob/main/#L{line}", "expected a {path} placeholder"),
    ("javascript:alert('{path}')", "not javascript:"),
])
def test_bad_link_templates_are_usage_errors(project: Path, template: str, words: str) -> None:
    with pytest.raises(UsageError, match=re.escape(words)):
        check_template(template)
    done = run(project, "inventory", "app", "--no-cache", "--format", "html", "--link-template", template)
    assert done.returncode == 2
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and "--link-template" in lines[0] and words in lines[0], done.stderr
    assert not done.stdout


def test_commit_placeholder_outside_git_is_a_usage_error(project: Path) -> None:
    with pytest.raises(UsageError, match="not in a git repository"):
        Links("https://h/{commit}/{path}", repo=Repository(None, None, False))
    # a literal brace pair is not the placeholder: no repository needed
    assert Links("https://h/{{commit}}/{path}#L{line}", repo=Repository(None, None, False)).href(
        "a b.py", 3) == "https://h/{commit}/a%20b.py#L3"
    # the module's folder is not under git here when it is a temporary folder
    if subprocess.run(["git", "-C", str(project), "rev-parse"], capture_output=True, check=False).returncode != 0:
        done = run(project, "inventory", "app", "--no-cache", "--link-template", "https://h/{commit}/{path}")
        assert done.returncode == 2 and "uses {commit}" in done.stderr


def test_provenance_outside_git(project: Path, html_report: str) -> None:
    if subprocess.run(["git", "-C", str(project), "rev-parse"], capture_output=True, check=False).returncode == 0:
        pytest.skip("the temporary folder is inside a git work tree on this machine")
    # no commit, never a failure; the date is SOURCE_DATE_EPOCH's; the command as typed
    assert "not a git checkout: no commit" in html_report
    assert "<time>2026-01-01T00:00:00Z</time>" in html_report
    assert "by <code>minlint inventory app --no-cache --format html -o reports/inv.html</code>" in html_report


def test_report_date() -> None:
    assert report_date({"SOURCE_DATE_EPOCH": "0"}) == "1970-01-01T00:00:00Z"
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", report_date({}))
    with pytest.raises(UsageError, match="SOURCE_DATE_EPOCH"):
        report_date({"SOURCE_DATE_EPOCH": "yesterday"})


def test_the_html_is_deterministic_with_source_date_epoch(project: Path, html_report: str) -> None:
    done = run(project, "inventory", "app", "--no-cache", "--format", "html", "-o", "reports/inv.html")
    assert done.returncode == 0
    assert (project / "reports" / "inv.html").read_text(encoding="utf-8") == html_report


def test_cards_link_to_their_rows_and_filter(html_report: str) -> None:
    by_label = {label: href for href, label in re.findall(
        r'<a class="card[^"]*" href="([^"]+)"[^>]*><b>\d+</b><span>([^<]+)</span>', html_report)}
    ids = {name: re.search(rf'<tr id="row-(D\d+)"[^>]*>(?:(?!</tr>).)*<code>{name}</code>', html_report,
                           re.DOTALL).group(1)  # type: ignore[union-attr]
           for name in ("leaky", "fine", "unrecorded")}
    assert by_label["ok"] == f"#row-{ids['fine']}"
    assert by_label["not recorded"] == f"#row-{ids['unrecorded']}"
    assert by_label["fields not allowed"] == f"#row-{ids['leaky']}"
    assert by_label["disclosure paths"] == "#paths" and 'id="paths"' in html_report
    # every card's target exists, and the script filters by its data-status / data-kind
    for href in by_label.values():
        assert f'id="{href[1:]}"' in html_report
    assert re.search(r'data-status="" data-kind="record:missing"><b>1</b><span>not recorded', html_report)
    row = re.search(rf'<tr id="row-{ids["unrecorded"]}"[^>]*data-tags="([^"]+)"', html_report)
    assert row is not None and set(row.group(1).split()) == {"status:problems", "code:MIN301", "record:missing"}


# -- instruments (issue 18) ------------------------------------------------------


@pytest.fixture(scope="module")
def tiered(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    folder = tmp_path_factory.mktemp("tiered")
    out: dict[str, Any] = {}
    for fmt in ("json", "md", "html"):
        done = run(TIERED, "inventory", ".", "--no-cache", "--format", fmt, "-o", str(folder / f"r.{fmt}"))
        assert done.returncode == 0, done.stderr
        out[fmt] = (folder / f"r.{fmt}").read_text(encoding="utf-8")
    return out


def test_each_field_names_its_instrument_in_markdown_and_html(tiered: dict[str, Any]) -> None:
    data = json.loads(tiered["json"])
    assert {t["id"] for t in data["policy"]["tiers"]} == {"subpoena", "d_order", "warrant", "emergency"}
    answer = next(d for d in data["disclosures"] if d["function"] == "answer")
    md = tiered["md"]
    md_part = md[md.index(f"### {answer['id']} "):]
    md_part = md_part[:md_part.index("**Checks**")]
    html_part = re.search(rf'<section class="path[^"]*" id="{answer["id"]}">.*?</section>', tiered["html"], re.DOTALL)
    assert html_part is not None
    assert "instrument (per path)" in md_part and "<th>instrument (per path)</th>" in html_part.group(0)
    for name, under in (("messages", "warrant"), ("ip_log", "d_order"), ("name", "subpoena")):
        row = next(line for line in md_part.splitlines() if line.startswith(f"| `{name}` |")).replace("\\_", "_")
        assert f"under {under}" in row, row
        cell = re.search(rf"<tr><td><code>{name}</code></td>(.*?)</tr>", html_part.group(0))
        assert cell is not None and f"under {under}" in cell.group(1)


def test_a_field_on_a_path_without_instrument_says_so(tiered: dict[str, Any]) -> None:
    data = json.loads(tiered["json"])
    bare = [(d, f) for d in data["disclosures"] for f in d["fields"] if f.get("instruments") == [[]]]
    assert bare, "the fixture has a MIN200 path"
    d, f = bare[0]
    assert "MIN200" in d["codes"]
    assert re.search(rf"\| `{f['name']}` \|[^\n]*no instrument holds \(MIN200\)", tiered["md"])
    # content exported where only a subpoena was verified (lea/handlers.py:38, MIN101)
    wrong = [f for d in data["disclosures"] for f in d["fields"] if f["where"] == "lea/handlers.py:38"]
    assert [f["instruments"] for f in wrong] == [[["subpoena"]]]
    assert re.search(r"\| `messages` \|[^\n]*not under subpoena: needs warrant \| `lea/handlers.py:38`", tiered["md"])


def test_untiered_reports_have_no_instrument_column(html_report: str) -> None:
    assert "instrument (per path)" not in html_report and "Legal instruments" not in html_report


def test_sarif_results_of_a_tiered_pack_carry_tiers_and_validate() -> None:
    done = run(TIERED, "check", ".", "--no-cache", "--format", "sarif")
    assert done.returncode == 1, done.stderr
    doc = json.loads(done.stdout)
    errors = list(Draft7Validator(json.loads(SARIF_SCHEMA.read_text(encoding="utf-8"))).iter_errors(doc))
    assert not errors, [e.message for e in errors[:3]]
    results = doc["runs"][0]["results"]
    tiered_results = [r for r in results if r["ruleId"] in ("MIN101", "MIN200")]
    assert {r["ruleId"] for r in tiered_results} == {"MIN101", "MIN200"}
    for r in tiered_results:
        assert isinstance(r["properties"]["tiers"], list), r
    as_json = json.loads(run(TIERED, "check", ".", "--no-cache", "--format", "json").stdout)
    want = sorted((f["line"], f["code"], tuple(f["tiers"])) for f in as_json if f["code"] in ("MIN101", "MIN200"))
    got = sorted((r["locations"][0]["physicalLocation"]["region"]["startLine"], r["ruleId"],
                  tuple(r["properties"]["tiers"])) for r in tiered_results)
    assert got == want
    # the subpoena branch's content field names the instrument that held there
    assert any(r["ruleId"] == "MIN101" and r["properties"]["tiers"] == ["subpoena"] for r in tiered_results)
    assert any(r["ruleId"] == "MIN200" and r["properties"]["tiers"] == [] for r in tiered_results)


def test_tiered_json_validates_against_the_inventory_schema(tiered: dict[str, Any]) -> None:
    from jsonschema import Draft202012Validator

    schema = json.loads((REPO / "docs" / "inventory.schema.json").read_text(encoding="utf-8"))
    errors = list(Draft202012Validator(schema).iter_errors(json.loads(tiered["json"])))
    assert not errors, [e.message for e in errors[:3]]


def test_markdown_excerpt(project: Path) -> None:
    done = run(project, "inventory", "app", "--no-cache")
    assert done.returncode == 0
    block = re.search(r"^```text\n(.*?)^```$", done.stdout, re.DOTALL | re.MULTILINE)
    assert block is not None
    assert re.search(r"^\u2717 7 \u2502     disclose\(\{\"ip\": user.ip, \"email\": user.email\}\)    \u2190 .*email: "
                     r"not allowed", block.group(1), re.MULTILINE), block.group(1)


WHOLE = '''\
from dataclasses import asdict, dataclass


@dataclass
class Base:
    id: int


@dataclass
class User(Base):
    username: str
    last_ip: str
    messages: list[str]


def known(request, user: User):
    verify_court_order(request.order)
    check_jurisdiction(request.country)
    require_terror_suspect(request)
    record_disclosure(request)
    disclose(asdict(user))


def unknown(request, user):
    verify_court_order(request.order)
    check_jurisdiction(request.country)
    require_terror_suspect(request)
    record_disclosure(request)
    disclose(asdict(user))
'''


def test_a_whole_record_lists_the_fields_of_its_class(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text("[tool.minlint]\n", encoding="utf-8")
    (tmp_path / "app.py").write_text(WHOLE, encoding="utf-8")
    out = {}
    for fmt in ("json", "md", "html"):
        done = run(tmp_path, "inventory", ".", "--no-cache", "--format", fmt, "-o", f"r.{fmt}")
        assert done.returncode == 0, done.stderr
        out[fmt] = (tmp_path / f"r.{fmt}").read_text(encoding="utf-8")
    data = json.loads(out["json"])
    exports = {d["function"]: d["exports"] for d in data["disclosures"]}
    # base classes first, as asdict() returns them; an unannotated record stays unknown
    assert exports["known"] == [{"kind": "whole", "code": "MIN102", "what": "asdict(user)", "where": "app.py:21",
                                 "via": "", "record": "User", "record_fields": ["id", "username", "last_ip",
                                                                               "messages"]}]
    assert "record" not in exports["unknown"][0] and "record_fields" not in exports["unknown"][0]
    assert "User holds: `id`, `username`, `last_ip`, `messages`" in out["md"]
    assert ('User holds: </span><code>id</code>, <code>username</code>, <code>last_ip</code>, '
            '<code>messages</code>') in out["html"]
    assert out["html"].count(" holds: </span>") == 1


def test_excerpt_shows_bidirectional_overrides_escaped(tmp_path: Path) -> None:
    # Trojan Source: an override in a comment would reorder the line the reviewer reads
    (tmp_path / "pyproject.toml").write_text("[tool.minlint]\n", encoding="utf-8")
    (tmp_path / "app.py").write_text('def f(user):\n    disclose({"ip": user.ip})  # \u202eok\u202c\n',
                                     encoding="utf-8")
    done = run(tmp_path, "inventory", ".", "--no-cache", "--format", "html", "-o", "r.html")
    assert done.returncode == 0, done.stderr
    text = (tmp_path / "r.html").read_text(encoding="utf-8")
    assert "&#8238;" not in text and "\u202e" not in text
    assert "# \\u202eok\\u202c" in text and "control characters shown escaped" in text
