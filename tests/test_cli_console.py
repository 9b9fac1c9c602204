"""The command line's terminal options (issue 20): `check -` with
--stdin-filename, --show-source, --statistics, --quiet, the baseline count
in the summary, a run over 0 files, help for every option, a subcommand's
own usage on an unknown option, `explain` of several codes, `rules`,
`lsp --stdio`. The engine runs in this process (main() as the console
script calls it): the process boundary is not what these test."""

from __future__ import annotations

import argparse
import io
import json
import sys
import textwrap
from pathlib import Path

import pytest

from minlint.core.codes import CODES
from minlint.frontends import cli

LEAK = textwrap.dedent('''
    def handler(request, user):
        verify_court_order(request.order)
        check_jurisdiction(request.country)
        require_terror_suspect(request)
        record_disclosure(request)
        disclose({"ip": user.ip, "email": user.email})
''').lstrip()
CLEAN = LEAK.replace(', "email": user.email', "")


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    (tmp_path / "pyproject.toml").write_text("[tool.minlint]\n")
    pkg = tmp_path / "app"
    pkg.mkdir()
    (pkg / "__init__.py").write_text("")
    (pkg / "leak.py").write_text(LEAK)
    (pkg / "clean.py").write_text(CLEAN)
    monkeypatch.chdir(tmp_path)
    return tmp_path


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    try:
        status = cli.main(list(args))
    except SystemExit as exc:  # argparse's own exits (usage errors, --help)
        status = int(exc.code or 0)
    out, err = capsys.readouterr()
    return status, out, err


def test_stdin_is_checked_as_the_named_file_in_its_project(project: Path, capsys: pytest.CaptureFixture[str],
                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    # clean.py is clean on disk; the piped text leaks: the text is what counts
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(LEAK.encode())))
    status, out, err = run(capsys, "check", "-", "--stdin-filename", "app/clean.py", "--no-cache")
    assert status == 1, err
    assert out.splitlines() == [
        "app/clean.py:6:30: MIN101 'email' reaches disclose() at line 6; allowed: ip_address, phone_number"
    ]
    assert "in 1 file" in err
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(CLEAN.encode())))
    status, out, _ = run(capsys, "check", "-", "--stdin-filename", "app/leak.py", "--no-cache")
    assert (status, out) == (0, "")


def test_stdin_filename_without_dash_and_dash_with_paths_are_usage_errors(project: Path,
                                                                           capsys: pytest.CaptureFixture[str]) -> None:
    status, _, err = run(capsys, "check", "app", "--stdin-filename", "x.py")
    assert status == 2 and err.count("\n") == 1 and "--stdin-filename" in err
    status, _, err = run(capsys, "check", "-", "app")
    assert status == 2 and err.count("\n") == 1 and "stdin" in err


def test_show_source_prints_the_line_and_a_caret_under_the_span(project: Path,
                                                                 capsys: pytest.CaptureFixture[str]) -> None:
    status, out, _ = run(capsys, "check", "app", "--show-source", "--no-cache")
    assert status == 1
    assert out.splitlines() == [
        "app/leak.py:6:30: MIN101 'email' reaches disclose() at line 6; allowed: ip_address, phone_number",
        '        disclose({"ip": user.ip, "email": user.email})',
        "                                 ^^^^^^^",
    ]


def test_statistics_counts_per_code_and_quiet_drops_the_summary(project: Path,
                                                                 capsys: pytest.CaptureFixture[str]) -> None:
    (project / "app" / "more.py").write_text(LEAK.replace("record_disclosure(request)\n", "pass\n"))
    status, out, err = run(capsys, "check", "app", "--statistics", "--quiet", "--no-cache")
    assert status == 1
    assert out.splitlines() == [
        f"2\tMIN101\t{CODES['MIN101'].summary}",
        f"1\tMIN301\t{CODES['MIN301'].summary}",
    ]
    assert err == ""
    status, _, err = run(capsys, "check", "app", "--statistics", "--no-cache")
    assert err.startswith("minlint: 3 findings")


def test_summary_says_how_many_findings_the_baseline_hid(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(capsys, "baseline", "write", "base.json", "app", "--no-cache")[0] == 0
    status, out, err = run(capsys, "check", "app", "--baseline", "base.json", "--no-cache")
    assert (status, out) == (0, "")
    assert err.splitlines() == ["minlint: no findings in 3 files; 1 more hidden by the baseline"]


def test_zero_files_checked_is_said_on_stderr(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # the project still has a file to check (excluding every file is a usage error, issue 14 item 5),
    # but none under the path named
    (project / "tool.py").write_text("x = 1\n")
    status, out, err = run(capsys, "check", "app", "--exclude", "app/*", "--no-cache")
    assert (status, out) == (0, "")
    assert err.splitlines() == ["minlint: no findings in 0 files", "minlint: warning: no Python files were checked"]


def test_unknown_option_shows_the_subcommands_usage(capsys: pytest.CaptureFixture[str]) -> None:
    status, _, err = run(capsys, "check", "--frobnicate")
    assert status == 2
    assert err.startswith("usage: minlint check ")
    assert err.rstrip().endswith("minlint check: error: unrecognized arguments: --frobnicate")
    status, _, err = run(capsys, "baseline", "write", "b.json", "--zz")
    assert status == 2 and err.startswith("usage: minlint baseline write ")


def _parsers(p: argparse.ArgumentParser) -> list[argparse.ArgumentParser]:
    out = [p]
    for action in p._actions:
        if isinstance(action, argparse._SubParsersAction):
            for sub in action.choices.values():
                out.extend(_parsers(sub))
    return out


def test_every_option_and_argument_has_help() -> None:
    missing = [
        f"{p.prog} {a.dest}"
        for p in _parsers(cli.parser())
        for a in p._actions
        if not isinstance(a, argparse._SubParsersAction) and not a.help
    ]
    assert missing == []


def test_explain_takes_several_codes_and_rules_lists_them(capsys: pytest.CaptureFixture[str]) -> None:
    status, out, _ = run(capsys, "explain", "MIN101", "min301")
    assert status == 0
    assert "# MIN101" in out and "# MIN301" in out and out.index("# MIN101") < out.index("# MIN301")
    status, out, err = run(capsys, "explain", "MIN101", "MIN777")
    assert status == 2 and out == "" and "MIN777" in err
    status, out, _ = run(capsys, "rules")
    assert status == 0
    listed = [line.split()[0] for line in out.splitlines()]
    assert listed[: len(CODES)] == list(CODES)
    assert out.splitlines()[0].split(None, 2) == ["MIN101", "disallowed-field", CODES["MIN101"].summary]


def test_lsp_accepts_stdio() -> None:
    args = cli.parser().parse_args(["lsp", "--stdio"])
    assert args.command == "lsp" and args.stdio


def test_json_output_is_unchanged_by_the_text_options(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    status, out, _ = run(capsys, "check", "app", "--format", "json", "--show-source", "--no-cache")
    assert status == 1 and [d["code"] for d in json.loads(out)] == ["MIN101"]
