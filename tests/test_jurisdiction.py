"""Jurisdiction checks against a pack that blocks two countries: chains of
comparisons, country names and codes, allow- and deny-lists across modules."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from minlint.project.config import Config
from minlint.run.engine import check
from tests.support import expectations

PACK = """
[policy]
name = "two-blocked"
extends = "telegram-2018"
[[guards]]
id = "jurisdiction"
blocked = ["Belarus"]
"""

HEAD = """
def handler(request, user):
    verify_court_order(request.order)
    require_terror_suspect(request)
    record_disclosure(request)
"""

CASES = {
    "chain covers both": """
    if request.country == "RU" or request.country == "BY":
        deny(request)
    disclose({"ip": user.ip})
""",
    "two separate deny checks": """
    if request.country == "RUS":
        deny(request)
    if normalise(request.country) in ["Belarus"]:
        raise PermissionError()
    disclose({"ip": user.ip})
""",
    "chain misses one": """
    if request.country == "RU" or request.country == "IR":  # expect: MIN205
        deny(request)
    disclose({"ip": user.ip})
""",
    "allow-list without them": """
    if request.country not in {"DE", "FR", "NL"}:
        return None
    disclose({"ip": user.ip})
""",
    "allow-list with one": """
    if request.country.upper() not in ("DE", "BLR"):  # expect: MIN205
        return None
    disclose({"ip": user.ip})
""",
    "passing side inside the branch": """
    if request.country_code not in ("RU", "BY", "IR"):
        disclose({"ip": user.ip})
""",
    "check only on one branch": """
    if request.urgent:
        if request.country in ("RU", "BY"):
            deny(request)
    disclose({"ip": user.ip})  # expect: MIN202
""",
    "assert comparison": """
    assert request.country not in ("RU", "BY")  # expect: MIN204
    disclose({"ip": user.ip})
""",
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_jurisdiction_case(tmp_path: Path, name: str) -> None:
    (tmp_path / "pack.toml").write_text(PACK)
    source = textwrap.dedent(HEAD).lstrip() + textwrap.indent(textwrap.dedent(CASES[name]).lstrip(), "    ")
    (tmp_path / "case.py").write_text(source)
    config = Config(pyproject=None, root=tmp_path, policy="pack.toml", select=("MIN2",))
    found = {(f.line, f.code) for f in check([str(tmp_path / "case.py")], config, config.load_policy()).findings}
    assert found == expectations(source)


def test_deny_list_constant_across_modules(tmp_path: Path) -> None:
    (tmp_path / "pack.toml").write_text(PACK)
    pkg = tmp_path / "app"
    pkg.mkdir()
    (pkg / "__init__.py").write_text("")
    (pkg / "settings.py").write_text('BLOCKED = frozenset({"RU"}) | {"IR"}\nFULL = ("Russia", "Belarus")\n')
    body = textwrap.dedent(HEAD).lstrip()
    (pkg / "views.py").write_text(
        "from app.settings import BLOCKED\nfrom app import settings\n\n" + body
        + "    if request.country in BLOCKED:  # expect: MIN205\n        deny(request)\n"
        + "    disclose({'ip': user.ip})\n\n\n" + body.replace("handler", "other")
        + "    if request.country in settings.FULL:\n        deny(request)\n    disclose({'ip': user.ip})\n")
    config = Config(pyproject=None, root=tmp_path, policy="pack.toml", select=("MIN2",))
    found = {(f.path.rsplit("/", 1)[-1], f.line, f.code)
             for f in check([str(tmp_path)], config, config.load_policy()).findings}
    want = {("views.py", line, code) for line, code in expectations((pkg / "views.py").read_text())}
    assert found == want
