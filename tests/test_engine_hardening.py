"""Trees that parse but are too deep for libcst's recursive code, and syntax
newer than the running interpreter: reported or checked, never a crash."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from tests.support import minlint

LEAK = 'def handler(user):\n    disclose({"email": user.email})\n'


def test_too_deep_to_walk_is_min999_and_the_rest_is_checked(tmp_path: Path) -> None:
    concatenated = " ".join(['"a"'] * 2200)  # like the stdlib's pydoc_data/topics.py
    (tmp_path / "deep.py").write_text(LEAK + f"\nTEXT = ({concatenated})\n")
    (tmp_path / "plain.py").write_text(LEAK)
    proc = minlint("check", "--no-cache", "--format", "json", ".", cwd=tmp_path)
    assert proc.returncode == 1, proc.stderr
    assert "Traceback" not in proc.stderr
    found = {(d["path"], d["code"]): d["message"] for d in json.loads(proc.stdout)}
    assert "nested too deeply" in found[("deep.py", "MIN999")]
    assert ("plain.py", "MIN101") in found


@pytest.mark.skipif(sys.version_info >= (3, 12), reason="`type` statements are old news from 3.12 on")
def test_newer_syntax_in_a_file_no_analysis_needs_is_not_min999(tmp_path: Path) -> None:
    (tmp_path / "types_312.py").write_text("type Pair = tuple[int, int]\n")
    (tmp_path / "broken.py").write_text("def f(:\n")
    proc = minlint("check", "--no-cache", "--format", "json", ".", cwd=tmp_path)
    paths = {d["path"] for d in json.loads(proc.stdout) if d["code"] == "MIN999"}
    assert paths == {"broken.py"}
