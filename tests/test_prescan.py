"""The pre-scans that skip functions which cannot disclose change no finding:
``Prescan.may_disclose`` on a function's tree, and ``may_disclose_in``,
which leaves the parts of a module that cannot disclose unparsed. Every
evasion trick, caught or not, and cases written for their conservative
answers, give what a run that reads every module whole and analyses every
function gives."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from minlint.analysis.disclosures import Analysis
from minlint.analysis.prescan import Prescan
from minlint.project.index import Project
from tests.robustness.test_evasion import TRICKS, Trick, run_trick


def T(id: str, trick: str, source: str, select: str | tuple[str, ...] = "MIN", **kw: object) -> Trick:
    """A prescan case, shaped like an evasion trick so that run_trick runs it."""
    return Trick(id, trick, source, (select,) if isinstance(select, str) else select, **kw)  # type: ignore[arg-type]

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
    T("alias-of-alias-elsewhere", "", '''
# a seed: it names disclose (the textual prefilter does not follow aliases across modules)
from helpers import send

def handler(user):
    send({"email": user.email})
''', "MIN1", files={"helpers.py": "from transport import disclose\n_send = disclose\nsend = _send\n"}),
    T("partial-elsewhere", "", '''
# a seed: it names disclose (the textual prefilter does not follow aliases across modules)
from helpers import send

def handler(user):
    send({"email": user.email})
''', "MIN1", files={"helpers.py": "import functools\nfrom transport import disclose\n"
                                  "send = functools.partial(disclose)\n"}),
    T("reexported-twice", "", '''
# a seed: it names disclose (the textual prefilter does not follow aliases across modules)
from api import send

def handler(user):
    send({"email": user.email})
''', "MIN1", files={"api/__init__.py": "from api.inner import send\n",
                     "api/inner.py": "from api.impl import send as send\n",
                     "api/impl.py": "from transport import disclose\nsend = disclose\n"}),
    T("getattr-result-called", "", '''
import portal

def handler(user):
    getattr(portal, "disclose")({"email": user.email})
''', "MIN1"),
    T("tuple-unpacked-alias", "", '''
from transport import disclose

def handler(user):
    send, log = disclose, print
    send({"email": user.email})
''', "MIN1"),
    T("walrus-alias", "", '''
from transport import disclose

def handler(user):
    if (send := disclose) is not None:
        send({"email": user.email})
''', "MIN1"),
    T("alias-in-a-class-method", "", '''
from transport import disclose

class Exporter:
    def other(self):
        return 1

    def export(self, user):
        go = disclose
        go({"email": user.email})
''', "MIN1"),
    T("lambda-at-module-level", "", '''
from transport import disclose

handler = lambda user: disclose({"email": user.email})
''', "MIN1"),
    T("conditional-def-in-try", "", '''
from transport import disclose

try:
    from fast import handler
except ImportError:
    def handler(user):
        disclose({"email": user.email})
''', "MIN1"),
    T("disclosure-in-a-default", "", '''
from transport import disclose

def handler(user, sent=disclose({"email": CURRENT.email})):
    return sent
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
            patch.setattr(Prescan, "may_disclose", lambda self, fn: True)
            patch.setattr(Prescan, "may_disclose_in", lambda self, module, part: True)
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


def test_the_prescans_skip_calls_that_cannot_reach_a_sink(tmp_path: Path) -> None:
    """Calls of a class or function imported through a re-export, of a
    constant built by another call, of a local bound to a plain call's
    result, of a call's result: none can be a sink, so the function's part
    is not even parsed (and its tree would say the same)."""
    from minlint.project.collect import collect
    from minlint.project.config import find_config

    (tmp_path / "pkg").mkdir()
    (tmp_path / "pkg" / "__init__.py").write_text("from pkg.impl import (\n    Query,\n    lazy_text,\n)\n")
    (tmp_path / "pkg" / "impl.py").write_text("class Query:\n    pass\n\n\nlazy_text = lazy(str)\n")
    (tmp_path / "app.py").write_text(
        "from pkg import Query, lazy_text\nfrom transport import disclose\n\n\n"
        "def handler(user):\n    query = Query()\n    query(user)\n    lazy_text('x')\n"
        "    make()(user)\n    return {'ip': user.ip}\n\n\n"
        "def export(user):\n    disclose({'ip': user.ip})\n")
    config = find_config(tmp_path)
    policy = config.load_policy()
    project = Project(collect([str(tmp_path)], config), tmp_path, policy)
    app = next(f for f in project.files if f.path.name == "app.py")
    module = project.facts(app)
    assert module is not None
    analysis = Analysis(project, policy)
    verdicts = {c.part.name: analysis.prescan.may_disclose_in(module, c.part) for c in module.chunks if c.part.name}
    assert verdicts == {"handler": False, "export": True}
    assert [d.fn.name for d in analysis.disclosures(module)] == ["export"]
    assert {c.part.name: c.tree is not None for c in module.chunks if c.part.name} == {"handler": False,
                                                                                        "export": True}
    handler = module.toplevel_named("handler")
    assert handler is not None and not analysis.prescan.may_disclose(handler)
