"""Trees that parse but are too deep for libcst's recursive code, and syntax
newer than the running interpreter: reported or checked, never a crash."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from tests.support import minlint

LEAK = 'def handler(user):\n    disclose({"email": user.email})\n'


def test_tree_deeper_than_the_default_recursion_limit_is_analysed(tmp_path: Path) -> None:
    """libcst's code generation and visitors recurse per level: at Python's
    default limit they fail on this file (a caller search in *another* seed
    walks it too). The analysis runs on a big stack with a raised limit."""
    concatenated = " ".join(['"a"'] * 2200)  # like the stdlib's pydoc_data/topics.py
    (tmp_path / "deep.py").write_text(LEAK + f"\nTEXT = ({concatenated})\n")
    (tmp_path / "plain.py").write_text(LEAK)
    proc = minlint("check", "--no-cache", "--format", "json", "--select", "MIN1,MIN9", ".", cwd=tmp_path)
    assert proc.returncode == 1, proc.stderr
    assert "Traceback" not in proc.stderr
    found = {(d["path"], d["line"], d["code"]) for d in json.loads(proc.stdout)}
    assert found == {("deep.py", 2, "MIN101"), ("plain.py", 2, "MIN101")}
    assert sys.getrecursionlimit() < 60_000  # this process's limit was never touched


@pytest.mark.skipif(sys.version_info >= (3, 12), reason="`type` statements are old news from 3.12 on")
def test_newer_syntax_in_a_file_no_analysis_needs_is_not_min999(tmp_path: Path) -> None:
    (tmp_path / "types_312.py").write_text("type Pair = tuple[int, int]\n")
    (tmp_path / "broken.py").write_text("def f(:\n")
    proc = minlint("check", "--no-cache", "--format", "json", ".", cwd=tmp_path)
    paths = {d["path"] for d in json.loads(proc.stdout) if d["code"] == "MIN999"}
    assert paths == {"broken.py"}


def test_what_only_the_compiler_refuses_is_not_min999(tmp_path: Path) -> None:
    """The syntax pass asks ``symtable`` first; it refuses some programs that
    parse (flake8 and ``ast`` accept them). Those are not unparseable files,
    and the checked code's warnings are not printed."""
    (tmp_path / "module_nonlocal.py").write_text("nonlocal x\n")
    (tmp_path / "duplicate_args.py").write_text("def f(a, a):\n    return a\n")
    (tmp_path / "late_global.py").write_text("def f():\n    x = 1\n    global x\n")
    (tmp_path / "escape.py").write_text('PATTERN = "\\d+"\n')
    (tmp_path / "broken.py").write_text("x = 1\ny = (\n")
    proc = minlint("check", "--no-cache", "--format", "json", ".", cwd=tmp_path)
    found = {(d["path"], d["code"]) for d in json.loads(proc.stdout)}
    assert found == {("broken.py", "MIN999")}
    assert "Warning" not in proc.stderr, proc.stderr
