"""`minlint fix` on a whole record (issue 20): the record class found through
a method's return annotation, and the import the rewrite left unused removed
(no flake8 F401 after the fix), other imports untouched."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

from minlint.fix.edits import fix_paths
from minlint.fix.imports import drop_unused
from minlint.project.config import find_config

APP = textwrap.dedent('''
    from dataclasses import asdict, dataclass
    import json


    @dataclass
    class User:
        ip: str
        email: str


    class Repo:
        def by_id(self, user_id: int) -> User:
            raise NotImplementedError


    def handler(request, repo: Repo):
        verify_court_order(request.order)
        check_jurisdiction(request.country)
        require_terror_suspect(request)
        record_disclosure(request)
        user = repo.by_id(request.user_id)
        disclose(asdict(user))
        return json.dumps({})
''').lstrip()


def test_method_return_annotation_finds_the_record_and_unused_import_goes(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text("[tool.minlint]\n")
    app = tmp_path / "app.py"
    app.write_text(APP)
    result = fix_paths([str(tmp_path)], find_config(tmp_path), write=True)
    assert result.errors == [] and result.notes == []
    assert app.read_text() == APP.replace("from dataclasses import asdict, dataclass",
                                          "from dataclasses import dataclass").replace(
        "disclose(asdict(user))", 'disclose({"ip": user.ip})')
    flake8 = subprocess.run([sys.executable, "-m", "flake8", "--select", "F401", str(app)], capture_output=True,
                            text=True, timeout=120, check=False)
    assert flake8.stdout == "", flake8.stdout


def test_only_imports_the_fix_left_unused_are_dropped() -> None:
    old = "import os\nfrom m import a, b\nfrom n import (c,\n    d)\n\nx = a(b) + d\n"
    new = "import os\nfrom m import a, b\nfrom n import (c,\n    d)\n\nx = b + 1\n"
    # `a` and `d` were used and are not any more; `os` and `c` were never used: the author's business
    assert drop_unused(old, new) == "import os\nfrom m import b\nfrom n import (c)\n\nx = b + 1\n"


def test_a_mention_in_a_string_or_a_function_import_is_kept() -> None:
    old = '__all__ = ["a"]\nfrom m import a\n\ndef f():\n    from n import g\n    return a(g)\n'
    new = '__all__ = ["a"]\nfrom m import a\n\ndef f():\n    from n import g\n    return 1\n'
    assert drop_unused(old, new) == new
