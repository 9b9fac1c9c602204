"""Baselines through the real CLI: `minlint baseline write`, `check --baseline`."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest

from minlint.core.errors import UsageError
from minlint.core.findings import Finding
from minlint.run.baseline import BaselineError, filter_new, fingerprint, load, write
from tests.support import minlint

REPO = Path(__file__).resolve().parent.parent
BASELINE = "minlint-baseline.json"

PYPROJECT = """\
[tool.minlint]
policy = "telegram-2018"
"""

HANDLER = '''\
def handler(request, user):
    verify_court_order(request.order)
    check_jurisdiction(request.country)
    require_terror_suspect(request)
    record_disclosure(request)
    disclose({"ip": user.ip, "email": user.email})
'''

# Fully guarded too, but exports messages: a violation the baseline never saw.
OTHER = '''\
def other_handler(request, user):
    verify_court_order(request.order)
    check_jurisdiction(request.country)
    require_terror_suspect(request)
    record_disclosure(request)
    disclose({"ip": user.ip, "messages": user.messages})
'''

CLEAN = '''\
def helper(x):
    return x + 1
'''


def run(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return minlint(*args, cwd=cwd)


def findings_lines(proc: subprocess.CompletedProcess[str]) -> list[str]:
    return [line for line in proc.stdout.splitlines() if line.strip()]


@pytest.fixture
def project(tmp_path: Path) -> Path:
    (tmp_path / "pyproject.toml").write_text(PYPROJECT, encoding="utf-8")
    (tmp_path / "app.py").write_text(HANDLER, encoding="utf-8")
    return tmp_path


def write_baseline(root: Path, *extra: str) -> None:
    proc = run(root, "baseline", "write", BASELINE, *extra)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == ""
    assert proc.stderr.strip().startswith("minlint: wrote 1 finding to minlint-baseline.json"), proc.stderr


def check(root: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    return run(root, "check", "--baseline", BASELINE, *extra)


# -- the workflow ------------------------------------------------------------


def test_project_has_one_finding_without_baseline(project: Path) -> None:
    proc = run(project, "check")
    assert proc.returncode == 1, proc.stderr
    lines = findings_lines(proc)
    assert len(lines) == 1 and lines[0].startswith("app.py:6:") and " MIN101 " in lines[0], proc.stdout


def test_write_then_check_reports_nothing(project: Path) -> None:
    write_baseline(project)
    proc = check(project)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert findings_lines(proc) == []


def test_baseline_file_format(project: Path) -> None:
    write_baseline(project)
    doc = json.loads((project / BASELINE).read_text(encoding="utf-8"))
    assert doc["version"] == 1 and doc["tool"] == "minlint"
    [entry] = doc["findings"]
    assert {"fingerprint", "code", "path", "function", "line", "message"} <= set(entry)
    assert entry["code"] == "MIN101"
    assert entry["path"] == "app.py"
    assert entry["function"] == "handler"
    assert entry["line"] == 6
    assert "email" in entry["message"]


def test_write_is_deterministic_and_leaves_no_temp_files(project: Path) -> None:
    write_baseline(project)
    first = (project / BASELINE).read_bytes()
    write_baseline(project)
    assert (project / BASELINE).read_bytes() == first
    assert sorted(p.name for p in project.iterdir() if p.name.startswith(".") and "baseline" in p.name) == []


def test_lines_added_above_do_not_resurrect(project: Path) -> None:
    write_baseline(project)
    app = project / "app.py"
    app.write_text('"""Handlers."""\n\nimport os\n\nLIMIT = 10\n\n\n' + app.read_text(encoding="utf-8"))
    proc = check(project)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert findings_lines(proc) == []


def test_function_moved_lower_does_not_resurrect(project: Path) -> None:
    write_baseline(project)
    # A clean function now comes first; the offending one is lower and
    # reformatted (spacing inside the offending line changed too).
    moved = HANDLER.replace('{"ip": user.ip, "email": user.email}', '{"ip":user.ip,  "email" : user.email}')
    (project / "app.py").write_text(CLEAN + "\n\n" + CLEAN.replace("helper", "helper2") + "\n\n" + moved)
    proc = check(project)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert findings_lines(proc) == []


def test_new_violation_is_the_only_one_reported(project: Path) -> None:
    write_baseline(project)
    (project / "app.py").write_text(HANDLER + "\n\n" + OTHER, encoding="utf-8")
    proc = check(project)
    assert proc.returncode == 1, proc.stderr
    lines = findings_lines(proc)
    assert len(lines) == 1, proc.stdout
    assert lines[0].startswith("app.py:14:") and " MIN101 " in lines[0] and "messages" in lines[0]


def test_new_violation_in_another_file(project: Path) -> None:
    write_baseline(project)
    (project / "other.py").write_text(OTHER, encoding="utf-8")
    proc = check(project)
    assert proc.returncode == 1, proc.stderr
    lines = findings_lines(proc)
    assert len(lines) == 1 and lines[0].startswith("other.py:6:"), proc.stdout


def test_two_identical_violations_against_one_in_baseline(project: Path) -> None:
    write_baseline(project)
    line = '    disclose({"ip": user.ip, "email": user.email})\n'
    (project / "app.py").write_text(HANDLER + line, encoding="utf-8")
    full = run(project, "check")
    assert len(findings_lines(full)) == 2, full.stdout  # the engine sees both
    proc = check(project)
    assert proc.returncode == 1, proc.stderr
    lines = findings_lines(proc)
    assert len(lines) == 1 and " MIN101 " in lines[0], proc.stdout


def test_same_text_in_another_function_is_new(project: Path) -> None:
    write_baseline(project)
    (project / "app.py").write_text(HANDLER + "\n\n" + HANDLER.replace("def handler", "def handler2"))
    proc = check(project)
    assert proc.returncode == 1, proc.stderr
    lines = findings_lines(proc)
    assert len(lines) == 1 and lines[0].startswith("app.py:14:"), proc.stdout


def test_fixed_finding_keeps_check_clean(project: Path) -> None:
    write_baseline(project)
    (project / "app.py").write_text(HANDLER.replace(', "email": user.email', ""), encoding="utf-8")
    proc = check(project)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert findings_lines(proc) == []
    # and the baseline no longer hides anything: a new leak in the same place is reported
    (project / "app.py").write_text(HANDLER.replace('"email": user.email', '"dob": user.dob'), encoding="utf-8")
    lines = findings_lines(check(project))
    assert len(lines) == 1 and lines[0].startswith("app.py:6:") and "'dob'" in lines[0], lines


def test_baseline_matches_from_a_subfolder(tmp_path: Path) -> None:
    # Paths in the baseline are relative to the baseline file, so it matches
    # whether minlint runs from the root (pre-commit, CI) or inside a package.
    (tmp_path / "pyproject.toml").write_text(PYPROJECT, encoding="utf-8")
    (tmp_path / "pkg").mkdir()
    (tmp_path / "pkg" / "app.py").write_text(HANDLER, encoding="utf-8")
    write_baseline(tmp_path)
    doc = json.loads((tmp_path / BASELINE).read_text(encoding="utf-8"))
    assert [e["path"] for e in doc["findings"]] == ["pkg/app.py"]
    proc = run(tmp_path / "pkg", "check", "--baseline", f"../{BASELINE}", ".")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert findings_lines(proc) == []
    proc = run(tmp_path, "check", "--baseline", BASELINE, "pkg")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert findings_lines(proc) == []
    # without the baseline the finding is there: the clean runs above are the baseline's doing
    assert len(findings_lines(run(tmp_path / "pkg", "check", "."))) == 1


def test_other_output_formats_are_filtered_too(project: Path) -> None:
    write_baseline(project)
    (project / "app.py").write_text(HANDLER + "\n\n" + OTHER, encoding="utf-8")
    proc = check(project, "--format", "json")
    assert proc.returncode == 1, proc.stderr
    assert [(f["line"], f["code"]) for f in json.loads(proc.stdout)] == [(14, "MIN101")]


# -- errors ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (None, "no such file"),
        ("{not json", "not valid JSON"),
        ("", "not valid JSON"),
        ("[]", "top level is a list"),
        ('{"version": 2, "tool": "minlint", "findings": []}', "version 2 is not supported; expected version 1"),
        ('{"tool": "minlint", "findings": []}', "version missing is not supported"),
        ('{"version": 1, "tool": "minlint"}', "findings is missing; expected a list"),
        ('{"version": 1, "tool": "minlint", "findings": [{"code": "MIN101"}]}', "findings[0].fingerprint is missing"),
        ('{"version": 1, "tool": "ruff", "findings": []}', "not a minlint baseline"),
    ],
    ids=["missing", "bad-json", "empty", "not-object", "version-2", "no-version", "no-findings", "bad-entry",
         "other-tool"],
)
def test_bad_baseline_is_one_line_exit_2(project: Path, content: str | None, expected: str) -> None:
    if content is not None:
        (project / BASELINE).write_text(content, encoding="utf-8")
    proc = check(project)
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert proc.stdout == ""
    lines = proc.stderr.splitlines()
    assert len(lines) == 1, proc.stderr
    assert lines[0].startswith(f"minlint: error: {BASELINE}: "), lines[0]
    assert expected in lines[0] and "; expected" in lines[0], lines[0]
    assert "Traceback" not in proc.stderr


def test_baseline_that_is_a_folder(project: Path) -> None:
    (project / BASELINE).mkdir()
    proc = check(project)
    assert proc.returncode == 2
    assert len(proc.stderr.splitlines()) == 1 and "is a folder" in proc.stderr, proc.stderr


def test_write_into_missing_folder_is_one_line_exit_2(project: Path) -> None:
    proc = run(project, "baseline", "write", "no/such/dir/baseline.json")
    assert proc.returncode == 2, proc.stderr
    assert len(proc.stderr.splitlines()) == 1 and proc.stderr.startswith("minlint: error: no/such/dir"), proc.stderr


# -- the module itself -------------------------------------------------------


def _finding(line: int, source: str, function: str | None = "handler", path: str = "app.py") -> Finding:
    return Finding(path, line, 5, "MIN101", "'email' is not allowed", line, 9, function, ("email",), None, source_line=source)


def test_fingerprint_ignores_line_and_whitespace() -> None:
    a = _finding(6, 'disclose({"ip": user.ip, "email": user.email})')
    b = _finding(60, '    disclose( {"ip":user.ip, "email":  user.email} )')
    assert fingerprint(a) == fingerprint(b)
    assert fingerprint(a) != fingerprint(_finding(6, a.source_line, function="other"))
    assert fingerprint(a) != fingerprint(_finding(6, a.source_line, path="b.py"))
    assert fingerprint(a) != fingerprint(_finding(6, 'disclose({"email": user.email})'))


def test_filter_new_is_a_multiset(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)  # finding paths are relative to the current folder
    baseline = tmp_path / "b.json"
    write([_finding(6, "disclose(user.email)")], baseline)
    again = [_finding(6, "disclose(user.email)"), _finding(9, "disclose(user.email)")]
    assert filter_new(again, baseline) == [again[1]]
    assert filter_new(again[:1], baseline) == []
    assert filter_new([_finding(30, "disclose(user.email)")], baseline) == []
    write(again, baseline)
    doc = json.loads(baseline.read_text(encoding="utf-8"))
    assert [e["occurrence"] for e in doc["findings"]] == [0, 1]
    assert len({e["fingerprint"] for e in doc["findings"]}) == 1
    assert len(load(baseline).entries) == 2
    assert filter_new(again, baseline) == []


def test_baseline_error_is_a_usage_error(tmp_path: Path) -> None:
    with pytest.raises(UsageError) as info:
        load(tmp_path / "missing.json")
    assert isinstance(info.value, BaselineError)
    assert "\n" not in str(info.value)
    assert str(info.value).startswith(f"{tmp_path / 'missing.json'}: no such file; expected")


def test_write_keeps_existing_permissions(tmp_path: Path) -> None:
    baseline = tmp_path / "b.json"
    baseline.write_text("{}")
    os.chmod(baseline, 0o640)
    write([_finding(6, "disclose(user.email)")], baseline)
    assert baseline.stat().st_mode & 0o777 == 0o640
    fresh = tmp_path / "fresh.json"
    write([], fresh)
    umask = os.umask(0)
    os.umask(umask)
    # as any new file, not mkstemp's private 0600
    assert fresh.stat().st_mode & 0o777 == 0o666 & ~umask
