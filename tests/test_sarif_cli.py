"""SARIF from the command line (issue 20): artifact URIs relative to the
project root (%SRCROOT%) wherever minlint is run from, a pack guard's rule
described by the pack's title, rules only for the codes found (a small file),
and the result valid against the SARIF 2.1.0 schema."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import pytest
from jsonschema import Draft7Validator

from minlint.frontends import cli

SCHEMA = json.loads((Path(__file__).parent / "data" / "sarif-schema-2.1.0.json").read_text(encoding="utf-8"))

PACK = textwrap.dedent('''
    [policy]
    extends = "telegram-2018"

    [[guards]]
    id = "two_person"
    code = "MIN250"
    title = "second-officer sign-off"
    calls = ["second_officer_signs"]
''').lstrip()

HANDLER = textwrap.dedent('''
    def handler(request, user):
        verify_court_order(request.order)
        check_jurisdiction(request.country)
        require_terror_suspect(request)
        record_disclosure(request)
        disclose({"ip": user.ip, "email": user.email})
''').lstrip()


@pytest.fixture
def project(tmp_path: Path) -> Path:
    root = tmp_path / "service"
    (root / "app").mkdir(parents=True)
    (root / "pyproject.toml").write_text('[tool.minlint]\npolicy = "pack.toml"\n')
    (root / "pack.toml").write_text(PACK)
    (root / "app" / "views.py").write_text(HANDLER)
    return root


def sarif(capsys: pytest.CaptureFixture[str], *args: str) -> dict[str, object]:
    status = cli.main(["check", "--format", "sarif", "--no-cache", *args])
    out, err = capsys.readouterr()
    assert status == 1, err
    doc: dict[str, object] = json.loads(out)
    return doc


def test_uris_are_relative_to_the_project_root_from_anywhere(project: Path, capsys: pytest.CaptureFixture[str],
                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    # the pack's own guard is never called here: a run over the whole project
    # also reports MIN902 in the pack, whose URI is relative to the root too
    whole = {"app/views.py", "pack.toml"}
    for cwd, path, expected in ((project.parent, "service", whole), (project / "app", "..", whole),
                                (project / "app", ".", {"app/views.py"}), (project, "app/views.py", {"app/views.py"})):
        monkeypatch.chdir(cwd)
        doc = sarif(capsys, path)
        errors = list(Draft7Validator(SCHEMA).iter_errors(doc))
        assert not errors, errors[0].message
        run = doc["runs"][0]  # type: ignore[index]
        uris = {r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for r in run["results"]}
        bases = {r["locations"][0]["physicalLocation"]["artifactLocation"]["uriBaseId"] for r in run["results"]}
        assert (uris, bases) == (expected, {"%SRCROOT%"}), cwd


def test_a_pack_guard_rule_uses_the_pack_title_and_only_found_codes_have_rules(
        project: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(project)
    doc = sarif(capsys, ".")
    run = doc["runs"][0]  # type: ignore[index]
    rules = {r["id"]: r for r in run["tool"]["driver"]["rules"]}
    # MIN902: the pack's own guard matches nothing in this project
    assert sorted(rules) == sorted({r["ruleId"] for r in run["results"]}) == ["MIN101", "MIN250", "MIN902"]
    assert rules["MIN250"]["shortDescription"]["text"] == "no second-officer sign-off on every path before the disclosure"
    for r in run["results"]:
        assert run["tool"]["driver"]["rules"][r["ruleIndex"]]["id"] == r["ruleId"]


def test_the_example_report_is_small(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(Path(__file__).resolve().parent.parent)
    status = cli.main(["check", "--format", "sarif", "--no-cache", "examples/messenger"])
    out, _ = capsys.readouterr()
    assert status == 1
    assert len(json.loads(out)["runs"][0]["results"]) == 4
    # 124 KB before: every built-in rule's page twice, indented
    # (each rule keeps its page once, for the alert page: about 8 KB a rule)
    assert len(out.encode()) < 40_000, len(out.encode())
