"""The command line as users run it (SPEC 5): exit statuses, formats,
ordering, MIN999 without losing the other files, selection and exclusion."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import pytest

from tests.support import minlint

LEAK = textwrap.dedent('''
    def handler(request, user):
        verify_court_order(request.order)
        check_jurisdiction(request.country)
        require_terror_suspect(request)
        record_disclosure(request)
        disclose({"ip": user.ip, "email": user.email})
''').lstrip()
CLEAN = LEAK.replace(', "email": user.email', "")
# Guarded except for the court order: one MIN201, so selection tests see two codes in two files.
UNGUARDED = textwrap.dedent('''
    def quick(request, user):
        check_jurisdiction(request.country)
        require_terror_suspect(request)
        record_disclosure(request)
        disclose({"ip": user.ip})
''').lstrip()
MIN101_LEAK = "app/leak.py:6:30: MIN101 'email' reaches disclose() at line 6; allowed: ip_address, phone_number"
MIN201_QUICK = "app/unguarded.py:5:5: MIN201 no court-order check on every path to disclose() at line 5"


@pytest.fixture
def project(tmp_path: Path) -> Path:
    (tmp_path / "pyproject.toml").write_text("[tool.minlint]\n")
    pkg = tmp_path / "app"
    pkg.mkdir()
    (pkg / "__init__.py").write_text("")
    (pkg / "leak.py").write_text(LEAK)
    (pkg / "clean.py").write_text(CLEAN)
    (pkg / "unguarded.py").write_text(UNGUARDED)
    return tmp_path


def reported(*args: str, cwd: Path, status: int) -> list[str]:
    """The text lines of a run, after checking its exit status and that stderr has no traceback."""
    proc = minlint(*args, cwd=cwd)
    assert proc.returncode == status, proc.stdout + proc.stderr
    assert "Traceback" not in proc.stderr
    return proc.stdout.splitlines()


def test_exit_1_with_findings_and_text_format(project: Path) -> None:
    proc = minlint("check", ".", cwd=project)
    assert proc.returncode == 1
    assert proc.stdout.splitlines() == [MIN101_LEAK, MIN201_QUICK]
    assert "2 findings" in proc.stderr


def test_exit_0_when_clean(project: Path) -> None:
    (project / "app" / "leak.py").write_text(CLEAN)
    (project / "app" / "unguarded.py").write_text(CLEAN)
    proc = minlint("check", ".", cwd=project)
    assert proc.returncode == 0, proc.stdout
    assert proc.stdout == ""


def test_exit_zero_flag(project: Path) -> None:
    # --exit-zero changes the status only: the findings are still printed, and counted.
    proc = minlint("check", "--exit-zero", ".", cwd=project)
    assert proc.returncode == 0
    assert proc.stdout.splitlines() == [MIN101_LEAK, MIN201_QUICK]
    assert "2 findings" in proc.stderr
    # a usage error is still exit 2 under --exit-zero
    assert minlint("check", "--exit-zero", "missing_dir", cwd=project).returncode == 2


def test_json_fields_and_order(project: Path) -> None:
    (project / "app" / "more.py").write_text(LEAK.replace("user.email", "user.email, 'dob': user.dob"))
    proc = minlint("check", "--format", "json", ".", cwd=project)
    data = json.loads(proc.stdout)
    keys = [(d["path"], d["line"], d["column"], d["code"]) for d in data]
    assert keys == sorted(keys)
    first = data[0]
    for key in ("path", "line", "column", "end_line", "end_column", "code", "message", "function", "fields"):
        assert key in first, key
    assert first["function"] == "handler"
    assert first["fields"] == ["email"]


def test_unparseable_file_is_min999_and_the_rest_is_checked(project: Path) -> None:
    (project / "app" / "broken.py").write_text("def f(:\n    pass\n")
    (project / "app" / "latin.py").write_bytes(b"x = '\xff'\n")
    proc = minlint("check", "--format", "json", ".", cwd=project)
    assert proc.returncode == 1
    codes = {(d["path"], d["code"]) for d in json.loads(proc.stdout)}
    assert ("app/broken.py", "MIN999") in codes
    assert ("app/latin.py", "MIN999") in codes
    assert ("app/leak.py", "MIN101") in codes
    assert "Traceback" not in proc.stderr


@pytest.mark.parametrize(
    ("args", "status", "lines"),
    [
        (["--select", "MIN2"], 1, [MIN201_QUICK]),
        (["--select", "MIN1"], 1, [MIN101_LEAK]),
        (["--select", "MIN101,MIN201"], 1, [MIN101_LEAK, MIN201_QUICK]),
        (["--ignore", "MIN101"], 1, [MIN201_QUICK]),
        (["--ignore", "MIN1,MIN2"], 0, []),
        (["--select", "MIN3"], 0, []),
        (["--select", "MIN", "--ignore", "MIN201"], 1, [MIN101_LEAK]),
        (["--exclude", "leak.py"], 1, [MIN201_QUICK]),
        # excludes every file: a gate that checks nothing is a usage error (issue 14 item 5)
        (["--exclude", "app/*"], 2, []),
    ],
)
def test_select_ignore_and_exclude(project: Path, args: list[str], status: int, lines: list[str]) -> None:
    assert reported("check", *args, ".", cwd=project, status=status) == lines


def test_config_table_is_read(project: Path) -> None:
    (project / "pyproject.toml").write_text('[tool.minlint]\nignore = ["MIN101"]\n')
    assert reported("check", ".", cwd=project, status=1) == [MIN201_QUICK]
    (project / "pyproject.toml").write_text('[tool.minlint]\nselect = ["MIN1"]\nexclude = ["app/leak.py"]\n')
    assert reported("check", ".", cwd=project, status=0) == []
    (project / "pyproject.toml").write_text(
        '[tool.minlint]\n[tool.minlint.per-file-ignores]\n"app/unguarded.py" = ["MIN201"]\n')
    assert reported("check", ".", cwd=project, status=1) == [MIN101_LEAK]
    # flags override the table
    (project / "pyproject.toml").write_text('[tool.minlint]\nignore = ["MIN101"]\n')
    assert reported("check", "--select", "MIN101", "--ignore", "MIN2", ".", cwd=project, status=1) == [MIN101_LEAK]


def test_output_file(project: Path) -> None:
    out = project / "report.json"
    proc = minlint("check", "--format", "json", "--output", str(out), ".", cwd=project)
    assert proc.returncode == 1 and proc.stdout == ""
    assert json.loads(out.read_text())[0]["code"] == "MIN101"


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["check", "missing_dir"], "missing_dir: no such file or directory"),
        (["check", "--policy", "no-such-pack", "."], "--policy"),
        (["explain", "MIN777"], "unknown code"),
    ],
)
def test_usage_errors_are_one_line_exit_2(project: Path, args: list[str], needle: str) -> None:
    proc = minlint(*args, cwd=project)
    assert proc.returncode == 2
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and needle in lines[0], proc.stderr
    assert "Traceback" not in proc.stderr


def test_broken_config_is_exit_2_naming_file_and_key(project: Path) -> None:
    (project / "pyproject.toml").write_text("[tool.minlint]\nselect = 3\n")
    proc = minlint("check", ".", cwd=project)
    assert proc.returncode == 2
    assert "pyproject.toml" in proc.stderr and "tool.minlint.select" in proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1


def test_explain_prints_the_rule_page(project: Path) -> None:
    proc = minlint("explain", "MIN101", cwd=project)
    assert proc.returncode == 0
    assert proc.stdout.startswith("# MIN101")


def test_noqa_with_and_without_reason(project: Path) -> None:
    text = LEAK.replace('user.email})', 'user.email})  # noqa: MIN101 -- court asked, case 7')
    (project / "app" / "leak.py").write_text(text)
    (project / "app" / "unguarded.py").write_text(CLEAN)
    assert reported("check", ".", cwd=project, status=0) == []
    (project / "app" / "leak.py").write_text(LEAK.replace('user.email})', 'user.email})  # noqa: MIN101'))
    proc = minlint("check", ".", cwd=project)
    assert proc.returncode == 1
    assert [line.split()[:2] for line in proc.stdout.splitlines()] == [["app/leak.py:6:53:", "MIN901"]]
