"""The flake8 plugin reports what `minlint check` reports, on the same tree,
with real flake8 in a subprocess."""

from __future__ import annotations

import re
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.support import minlint_json

LINE = re.compile(r"^(?:\./)?(?P<path>.+?):(?P<line>\d+):(?P<col>\d+): (?P<code>MIN\d+) ")


def flake8(root: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "flake8", "--select", "MIN", *args, "."], cwd=root,
                          capture_output=True, text=True, timeout=300)


@pytest.mark.parametrize("name", ["defaults", "custom"])
def test_flake8_and_cli_report_the_same_findings(acceptance_project: Callable[[str], Path], name: str) -> None:
    root = acceptance_project(name)
    proc = flake8(root)
    assert proc.returncode in (0, 1), proc.stderr
    assert "Traceback" not in proc.stderr
    got = set()
    for line in proc.stdout.splitlines():
        m = LINE.match(line)
        assert m, line
        got.add((m["path"], int(m["line"]), int(m["col"]), m["code"]))
    cli = {(f["path"], f["line"], f["column"], f["code"]) for f in minlint_json(root, "--no-cache", ".")}
    assert got == cli
    assert got, "the corpus has findings: an empty match would prove nothing"


def test_flake8_reads_the_policy_option(acceptance_project: Callable[[str], Path]) -> None:
    """--minlint-policy overrides [tool.minlint]: with the default pack the
    custom corpus's sinks (hand_over, portal.push) are unknown."""
    root = acceptance_project("custom")
    with_pack = flake8(root)
    default = flake8(root, "--minlint-policy", "telegram-2018")
    assert "MIN101" in with_pack.stdout
    assert "MIN101" not in default.stdout
    assert default.returncode == 0, default.stdout + default.stderr


def test_flake8_plugin_does_not_report_min999(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text("[tool.minlint]\n")
    (tmp_path / "broken.py").write_text("def f(:\n")
    proc = flake8(tmp_path)
    assert "MIN999" not in proc.stdout
    assert "E999" in subprocess.run([sys.executable, "-m", "flake8", "--select", "E999", "."], cwd=tmp_path,
                                    capture_output=True, text=True).stdout


def test_without_a_minlint_table_the_project_is_where_flake8_runs(acceptance_project: Callable[[str], Path]) -> None:
    """No [tool.minlint]: flake8's folder is the project, as for `minlint
    check` run there. Checks found in other folders count, and no cache is
    written into the checked tree."""
    root = acceptance_project("defaults")
    (root / "pyproject.toml").write_text('[project]\nname = "messenger-backend"\nversion = "0.1.0"\n')
    proc = flake8(root)
    assert proc.returncode in (0, 1), proc.stderr
    got = set()
    for line in proc.stdout.splitlines():
        m = LINE.match(line)
        assert m, line
        got.add((m["path"], int(m["line"]), m["code"]))
    cli = {(f["path"], f["line"], f["code"]) for f in minlint_json(root, "--no-cache", ".")}
    assert got == cli and got
    assert not list(root.rglob(".minlint_cache"))  # the cache lives outside the checked tree


LEAK = '''\
def handler(request, user):
    verify_court_order(request.order)
    check_jurisdiction(request.country)
    require_terror_suspect(request)
    record_disclosure(request)
    disclose({"ip": user.ip, "email": user.email})
'''
CLEAN = LEAK.replace(', "email": user.email', "")


def flake8_stdin(root: Path, text: str, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "flake8", "--select", "MIN", *args, "-"], cwd=root, input=text,
                          capture_output=True, text=True, timeout=300)


def test_flake8_stdin_analyses_the_piped_text_in_the_files_project(tmp_path: Path) -> None:
    """An editor's flake8 integration pipes the buffer: that text is checked
    (as the named file, with the rest of its project), not the file on disk."""
    (tmp_path / "pyproject.toml").write_text("[tool.minlint]\n")
    (tmp_path / "app").mkdir()
    (tmp_path / "app" / "views.py").write_text(CLEAN)
    leaked = flake8_stdin(tmp_path, LEAK, "--stdin-display-name", "app/views.py")
    assert leaked.stdout.splitlines() == [
        "app/views.py:6:30: MIN101 'email' reaches disclose() at line 6; allowed: ip_address, phone_number"
    ], leaked.stderr
    (tmp_path / "app" / "views.py").write_text(LEAK)
    fixed = flake8_stdin(tmp_path, CLEAN, "--stdin-display-name", "app/views.py")
    assert (fixed.returncode, fixed.stdout, fixed.stderr) == (0, "", "")


def test_flake8_stdin_without_a_name_and_for_a_new_file(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text("[tool.minlint]\n")
    anonymous = flake8_stdin(tmp_path, LEAK)
    assert [line.split(" ")[:2] for line in anonymous.stdout.splitlines()] == [["stdin:6:30:", "MIN101"]]
    new = flake8_stdin(tmp_path, LEAK, "--stdin-display-name", "app/new.py")
    assert [line.split(" ")[:2] for line in new.stdout.splitlines()] == [["app/new.py:6:30:", "MIN101"]]


def test_bare_noqa_cli_reports_min901_flake8_cannot(tmp_path: Path) -> None:
    """The documented difference (docs/integrations.md, docs/rules/MIN901.md):
    a bare `# noqa` silences every code on its line under flake8, and MIN901
    is reported on that very line, so flake8 drops it; the CLI reports it."""
    (tmp_path / "pyproject.toml").write_text("[tool.minlint]\n")
    (tmp_path / "app.py").write_text(LEAK.replace("user.email})", "user.email})  # noqa"))
    assert flake8(tmp_path).stdout == ""
    assert [(f["line"], f["code"]) for f in minlint_json(tmp_path, "--no-cache", ".")] == [(6, "MIN901")]
    # with the codes named, both report it: the way to get MIN901 under flake8
    (tmp_path / "app.py").write_text(LEAK.replace("user.email})", "user.email})  # noqa: MIN101"))
    assert [m["code"] for m in map(LINE.match, flake8(tmp_path).stdout.splitlines()) if m] == ["MIN901"]
    docs = Path(__file__).resolve().parent.parent / "docs"
    assert "bare `# noqa`" in (docs / "integrations.md").read_text(encoding="utf-8")
