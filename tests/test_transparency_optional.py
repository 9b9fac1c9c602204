"""SPEC 7.5: a pack whose merged [transparency] has no calls requires no record, so no MIN301."""

from __future__ import annotations

from pathlib import Path

from minlint.project.config import Config
from minlint.run.engine import check

PACK = """\
[policy]
name = "no-records"
extends = ""
[fields]
allowed = ["ip_address"]
[fields.categories.ip_address]
aliases = ["ip"]
patterns = []
[disclosure]
sinks = ["push"]
"""

HANDLER = """\
def handler(user):
    push({"ip": user.ip})
"""


def _codes(tmp_path: Path, pack: str) -> list[str]:
    (tmp_path / "pack.toml").write_text(pack, encoding="utf-8")
    (tmp_path / "app.py").write_text(HANDLER, encoding="utf-8")
    config = Config(pyproject=None, root=tmp_path, policy=str(tmp_path / "pack.toml"))
    return sorted(f.code for f in check([str(tmp_path / "app.py")], config, config.load_policy()).findings)


def test_no_transparency_calls_means_no_min301(tmp_path: Path) -> None:
    assert _codes(tmp_path, PACK) == []


def test_transparency_calls_still_require_a_record(tmp_path: Path) -> None:
    assert _codes(tmp_path, PACK + '[transparency]\ncalls = ["log_push"]\n') == ["MIN301"]
