"""The pre-scans that skip functions which cannot disclose change no finding:
``Analysis._may_disclose`` on a function's tree, and ``_may_disclose_in``,
which leaves the parts of a module that cannot disclose unparsed. Every
evasion trick, caught or not, and cases written for their conservative
answers, give what a run that reads every module whole and analyses every
function gives."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from minlint.analysis import Analysis
from minlint.index import Project
from tests.robustness.test_evasion import TRICKS, T, Trick, run_trick

CASES = [
    # a sink bound to a name in another module, imported (assigned there; re-exported)
    T("alias-assigned-elsewhere", "", '''
# a seed: it names disclose (the textual prefilter does not follow aliases across modules)
from helpers import send

def handler(user):
    send({"email": user.email})
''', "MIN1", files={"helpers.py": "from transport import disclose\nsend = disclose\n"}),
    T("alias-reexported", "", '''
# a seed: it names disclose (the textual prefilter does not follow aliases across modules)
from pkg import send

def handler(user):
    send({"email": user.email})
''', "MIN1", files={"pkg/__init__.py": "from pkg.impl import (\n    send,\n)\n",
                     "pkg/impl.py": "from transport import disclose\nsend = disclose\n"}),
    T("alias-star", "", '''
# a seed: it names disclose (the textual prefilter does not follow aliases across modules)
from helpers import *

def handler(user):
    send({"email": user.email})
''', "MIN1", files={"helpers.py": "from transport import disclose\nsend = disclose\n"}),
    T("alias-local-and-nested", "", '''
from transport import disclose

def handler(user):
    def inner():
        out = disclose
        out({"email": user.email})
    go = disclose
    go({"phone": user.phone})
    inner()
''', "MIN1"),
    T("sink-as-argument", "", '''
import threading
from transport import disclose

def handler(user):
    threading.Thread(target=disclose, args=({"email": user.email},)).start()
''', "MIN1"),
    T("renamed-import", "", '''
from transport import disclose as hand_over

def handler(user):
    hand_over({"email": user.email})
''', "MIN1"),
]


def _findings(tmp_path: Path, trick: Trick, monkeypatch: pytest.MonkeyPatch, scan: bool) -> set[tuple[str, int, str]]:
    with monkeypatch.context() as patch:
        if not scan:
            # every function analysed, in modules read whole (not in parts)
            patch.setattr(Analysis, "_may_disclose", lambda self, fn: True)
            patch.setattr(Analysis, "_may_disclose_in", lambda self, module, part: True)
            real_init = Project.__init__

            def whole(self: Project, *args: Any, **kwargs: Any) -> None:
                real_init(self, *args, **{**kwargs, "whole": True})

            patch.setattr(Project, "__init__", whole)
        root = tmp_path / ("scan" if scan else "all")
        root.mkdir()
        return run_trick(root, trick)


@pytest.mark.parametrize("trick", [pytest.param(t, id=t.id) for t in [*TRICKS, *CASES]])
def test_the_prescan_changes_no_finding(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, trick: Trick) -> None:
    assert _findings(tmp_path, trick, monkeypatch, True) == _findings(tmp_path, trick, monkeypatch, False)


@pytest.mark.parametrize("trick", [pytest.param(t, id=t.id) for t in CASES])
def test_the_conservative_cases_are_disclosures(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, trick: Trick) -> None:
    assert any(code == "MIN101" for _, _, code in _findings(tmp_path, trick, monkeypatch, True)), trick.id
