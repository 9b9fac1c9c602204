"""Output formats: text, JSON, SARIF (schema-valid, GitHub-ready), GitHub annotations, summary."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft7Validator

from minlint import __version__
from minlint.core import codes
from minlint.core.codes import CODES
from minlint.core.findings import Finding
from minlint.report import FORMATS, render, sarif, summary
from minlint.report import github as gh
from minlint.report.ruledocs import DOCS_URL

SCHEMA_PATH = Path(__file__).parent / "data" / "sarif-schema-2.1.0.json"


@pytest.fixture(scope="module")
def validator() -> Draft7Validator:
    schema = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    Draft7Validator.check_schema(schema)
    return Draft7Validator(schema, format_checker=Draft7Validator.FORMAT_CHECKER)


def finding(code: str = "MIN101", line: int = 10, **kw: Any) -> Finding:
    base: dict[str, Any] = {
        "path": "app/handlers.py",
        "line": line,
        "column": 9,
        "code": code,
        "message": f"{codes.describe(code).summary}",
        "end_line": line,
        "end_column": 25,
        "function": "answer_order",
        "source_line": '        "email": user.email,',
    }
    base.update(kw)
    return Finding(**base)


def every_code() -> list[Finding]:
    out = []
    for i, code in enumerate(CODES):
        extra: dict[str, Any] = {}
        if code.startswith("MIN10"):
            extra["fields"] = ("email",)
        if code in ("MIN201", "MIN202", "MIN203", "MIN204", "MIN205"):
            extra["guard"] = "court_order"
        if code == "MIN999":
            extra.update(function=None, end_line=0, end_column=0, column=1, source_line="")
        out.append(finding(code, line=10 + i, **extra))
    return sorted(out, key=Finding.sort_key)


def sarif_doc(findings: list[Finding], root: Path | None = None) -> dict[str, Any]:
    doc: dict[str, Any] = json.loads(render(findings, "sarif", root=root))
    return doc


# --- dispatch -----------------------------------------------------------------


def test_formats_and_unknown_format() -> None:
    assert FORMATS == ("text", "json", "sarif", "github")
    with pytest.raises(ValueError, match="unknown format 'xml'"):
        render([], "xml")


@pytest.mark.parametrize("fmt", FORMATS)
def test_every_format_ends_with_newline(fmt: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    out = render(every_code(), fmt, root=tmp_path)
    assert out.endswith("\n") and not out.endswith("\n\n")


# --- text -----------------------------------------------------------------------


def test_text_lines_in_given_order() -> None:
    fs = [finding("MIN101", 3, column=5), finding("MIN301", 12, column=1), finding("MIN101", 3, column=20)]
    assert render(fs, "text") == (
        f"app/handlers.py:3:5: MIN101 {CODES['MIN101'].summary}\n"
        f"app/handlers.py:12:1: MIN301 {CODES['MIN301'].summary}\n"
        f"app/handlers.py:3:20: MIN101 {CODES['MIN101'].summary}\n"
    )


def test_text_empty_and_one_line_per_finding() -> None:
    assert render([], "text") == ""
    out = render([finding(message="first\nsecond")], "text")
    # one line, and the newline visible as its escape (issue 15: control characters are escaped)
    assert out == "app/handlers.py:10:9: MIN101 first\\nsecond\n"


# --- json -----------------------------------------------------------------------


def test_json_empty_is_empty_array() -> None:
    assert render([], "json") == "[]\n"


def test_json_shape_order_and_determinism() -> None:
    fs = every_code()
    out = render(fs, "json")
    assert out == render(list(fs), "json")
    data = json.loads(out)
    assert [d["code"] for d in data] == [f.code for f in fs]
    assert data == [f.to_json() for f in fs]
    first = data[0]
    assert list(first)[:7] == ["path", "line", "column", "end_line", "end_column", "code", "message"]
    assert first["fields"] == ["email"] and first["function"] == "answer_order"
    assert all(d["end_line"] >= d["line"] for d in data)
    assert out.startswith("[\n  {\n    \"path\"")  # indent=2


def test_json_is_ascii_whatever_the_path() -> None:
    out = render([finding(path="app/пользователи.py")], "json")
    assert out.isascii()
    assert json.loads(out)[0]["path"] == "app/пользователи.py"


# --- sarif ----------------------------------------------------------------------


def test_sarif_validates_with_no_findings(validator: Draft7Validator, tmp_path: Path) -> None:
    doc = sarif_doc([], root=tmp_path)
    validator.validate(doc)
    assert doc["runs"][0]["results"] == []
    # rules only for the codes found: a rule carries its page (issue 20: keep the file small)
    assert doc["runs"][0]["tool"]["driver"]["rules"] == []


def test_sarif_validates_with_every_code(
    validator: Draft7Validator, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    fs = every_code() + [finding("MIN250", line=99, guard="two_person_rule")]
    doc = sarif_doc(fs, root=tmp_path)
    errors = sorted(validator.iter_errors(doc), key=str)
    assert not errors, "\n".join(e.message for e in errors[:5])
    results = doc["runs"][0]["results"]
    assert {r["ruleId"] for r in results} == set(CODES) | {"MIN250"}


def test_sarif_fields_github_needs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    doc = sarif_doc(every_code(), root=tmp_path)
    assert doc["version"] == "2.1.0"
    assert doc["$schema"].endswith("sarif-schema-2.1.0.json")
    assert len(doc["runs"]) == 1
    run = doc["runs"][0]
    driver = run["tool"]["driver"]
    assert driver["name"] == "minlint"
    assert driver["version"] == __version__
    assert driver["informationUri"].startswith("https://")
    # %SRCROOT% is declared, but no absolute path of this machine leaks into
    # a report that gets shared: code scanning resolves it against its checkout
    assert "%SRCROOT%" in run["originalUriBaseIds"]
    assert str(tmp_path) not in json.dumps(doc)

    rules = driver["rules"]
    for rule in rules:
        entry = CODES[rule["id"]]
        assert rule["name"] == entry.name
        assert rule["shortDescription"]["text"] == entry.summary
        assert rule["fullDescription"]["text"]
        assert rule["help"]["text"] and rule["help"]["markdown"].startswith(f"# {entry.code}: {entry.name}")
        assert rule["helpUri"] == f"{DOCS_URL}{entry.code}.md"
        assert rule["defaultConfiguration"]["level"] == entry.level
        assert {"privacy", "security"} <= set(rule["properties"]["tags"])
        assert 0 < float(rule["properties"]["security-severity"]) <= 10
        # Relative links between pages would break on GitHub's alert page.
        assert "](MIN" not in rule["help"]["markdown"]

    for result in run["results"]:
        assert rules[result["ruleIndex"]]["id"] == result["ruleId"]
        assert result["level"] == CODES[result["ruleId"]].level
        assert result["message"]["text"]
        loc = result["locations"][0]["physicalLocation"]
        assert loc["artifactLocation"] == {"uri": "app/handlers.py", "uriBaseId": "%SRCROOT%"}
        region = loc["region"]
        assert region["startLine"] >= 1 and region["startColumn"] >= 1
        assert region["endLine"] >= region["startLine"]
        fp = result["partialFingerprints"]["minlint/v1"]
        assert len(fp) == 64 and int(fp, 16) >= 0


def test_sarif_region_is_one_based_with_exclusive_end(tmp_path: Path) -> None:
    doc = sarif_doc([finding(line=7, column=12, end_line=7, end_column=22)], root=tmp_path)
    region = doc["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["region"]
    assert region == {"startLine": 7, "startColumn": 12, "endLine": 7, "endColumn": 22}


def test_sarif_unknown_end_spans_to_end_of_line(tmp_path: Path) -> None:
    doc = sarif_doc([finding("MIN999", line=1, column=1, end_line=0, end_column=0)], root=tmp_path)
    region = doc["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["region"]
    assert region == {"startLine": 1, "startColumn": 1, "endLine": 1}


def test_sarif_rule_for_custom_guard_code(tmp_path: Path) -> None:
    doc = sarif_doc([finding("MIN250", guard="two_person_rule")], root=tmp_path)
    run = doc["runs"][0]
    rule = run["tool"]["driver"]["rules"][run["results"][0]["ruleIndex"]]
    assert rule["id"] == "MIN250"
    assert run["results"][0]["properties"] == {"guard": "two_person_rule"}


# --- sarif: URIs ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("given", "uri"),
    [
        ("app/views.py", "app/views.py"),
        ("./app/views.py", "app/views.py"),
        ("app/legal views/#1 100%.py", "app/legal%20views/%231%20100%25.py"),
        ("app/пользователи.py", "app/%D0%BF%D0%BE%D0%BB%D1%8C%D0%B7%D0%BE%D0%B2%D0%B0%D1%82%D0%B5%D0%BB%D0%B8.py"),
        ("c:weird.py", "c%3Aweird.py"),  # would otherwise read as a URI scheme
    ],
)
def test_sarif_uri_is_relative_posix_and_percent_encoded(
    given: str, uri: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    doc = sarif_doc([finding(path=given)], root=tmp_path)
    loc = doc["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]
    assert loc == {"uri": uri, "uriBaseId": "%SRCROOT%"}


def test_sarif_uri_from_subdirectory_and_absolute_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "src").mkdir()
    monkeypatch.chdir(tmp_path / "src")
    fs = [finding(path="app/views.py"), finding(path=str(tmp_path / "tests" / "test_x.py"))]
    results = sarif_doc(fs, root=tmp_path)["runs"][0]["results"]
    uris = [r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for r in results]
    assert uris == ["src/app/views.py", "tests/test_x.py"]


def test_sarif_path_outside_root_is_absolute_file_uri(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = tmp_path / "project"
    root.mkdir()
    monkeypatch.chdir(root)
    doc = sarif_doc([finding(path="../vendored/x.py")], root=root)
    loc = doc["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]
    assert loc == {"uri": (tmp_path / "vendored" / "x.py").as_uri()}


# --- sarif: fingerprints -------------------------------------------------------------


def fingerprint_of(f: Finding, others: list[Finding] | None = None, root: Path | None = None) -> str:
    fs = sorted([*(others or []), f], key=Finding.sort_key)
    return sarif.fingerprints(fs, root)[fs.index(f)]


@pytest.mark.parametrize("n", [1, 7, 250])
def test_fingerprint_stable_when_lines_are_added_above(n: int, tmp_path: Path) -> None:
    before = finding(line=40)
    after = dataclasses.replace(before, line=40 + n, end_line=40 + n)
    assert fingerprint_of(before, root=tmp_path) == fingerprint_of(after, root=tmp_path)
    # ... also when it is not the only finding in the file.
    above = finding("MIN301", line=5, source_line="    return payload")
    assert fingerprint_of(before, [above], tmp_path) == fingerprint_of(after, [above], tmp_path)


def test_fingerprint_ignores_indentation_and_checkout_location(tmp_path: Path) -> None:
    a = finding(source_line='        "email": user.email,')
    b = finding(source_line='    "email":   user.email,  ')
    assert fingerprint_of(a, root=tmp_path) == fingerprint_of(b, root=tmp_path)
    elsewhere = tmp_path / "other-checkout"
    elsewhere.mkdir()
    moved = finding(path=str(elsewhere / "app" / "handlers.py"))
    here = finding(path=str(tmp_path / "app" / "handlers.py"))
    assert fingerprint_of(moved, root=elsewhere) == fingerprint_of(here, root=tmp_path)


@pytest.mark.parametrize(
    "change",
    [
        {"source_line": '        "phone_contacts": user.contacts,'},
        {"code": "MIN102"},
        {"path": "app/other.py"},
        {"function": "answer_urgent"},
    ],
)
def test_fingerprint_changes_with_the_finding(change: dict[str, Any], tmp_path: Path) -> None:
    a = finding()
    assert fingerprint_of(a, root=tmp_path) != fingerprint_of(dataclasses.replace(a, **change), root=tmp_path)


def test_fingerprint_counts_identical_lines(tmp_path: Path) -> None:
    first = finding(line=20)
    second = finding(line=31)  # the same line of text again, in the same function
    fps = sarif.fingerprints([first, second], tmp_path)
    assert fps[0] != fps[1]
    # Adding lines above both keeps both.
    moved = [dataclasses.replace(f, line=f.line + 3, end_line=f.line + 3) for f in (first, second)]
    assert sarif.fingerprints(moved, tmp_path) == fps


# --- github ---------------------------------------------------------------------


def test_github_annotation_shape(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    out = render([finding(line=3, column=5, end_line=4, end_column=20)], "github", root=tmp_path)
    assert out == (
        "::error file=app/handlers.py,line=3,col=5,endLine=4,endColumn=20,title=MIN101::"
        f"{CODES['MIN101'].summary}\n"
    )


def test_github_escaping() -> None:
    assert gh.escape_data("100% a\r\nb: c, d") == "100%25 a%0D%0Ab: c, d"
    assert gh.escape_property("a:b,c%d\ne") == "a%3Ab%2Cc%25d%0Ae"
    # '%' is escaped first, so an existing escape sequence is not decoded later.
    assert gh.escape_data("%0A") == "%250A"


def test_github_escapes_message_and_properties(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    f = finding(path="app/a,b:c.py", message="exports 'email', 100% of it\nsecond line")
    line = gh.annotation(f, tmp_path)
    assert line.startswith("::error file=app/a%2Cb%3Ac.py,line=10,")
    assert line.endswith("::exports 'email', 100%25 of it%0Asecond line")
    assert line.count("::") == 2


def test_github_level_from_code_table(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(codes.CODES, "MIN901", dataclasses.replace(CODES["MIN901"], level="warning"))
    monkeypatch.setitem(codes.CODES, "MIN301", dataclasses.replace(CODES["MIN301"], level="note"))
    out = render([finding("MIN101"), finding("MIN301"), finding("MIN901")], "github").splitlines()
    assert [line.split(" ", 1)[0] for line in out] == ["::error", "::notice", "::warning"]


def test_github_without_end_column() -> None:
    line = gh.annotation(finding("MIN999", line=1, column=1, end_line=0, end_column=0))
    assert "endColumn" not in line and ",endLine=1,title=MIN999::" in line


# --- summary --------------------------------------------------------------------


def test_summary() -> None:
    fs = [finding("MIN301"), finding("MIN101"), finding("MIN101")]
    assert summary(fs, 12) == "minlint: 3 findings (MIN101 ×2, MIN301) in 12 files"
    assert summary([], 12) == "minlint: no findings in 12 files"
    assert summary([finding("MIN205")], 1) == "minlint: 1 finding (MIN205) in 1 file"
    assert summary([], 0) == "minlint: no findings in 0 files"
