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
