"""Inventory wording (issue 20): a missing transparency record reads as a
record not made on every path, not as a check missing before the
disclosure; a `# noqa` without a reason makes its path a problem, not
"suppressed"."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from minlint.inventory.build import build
from minlint.inventory.render import render_html, render_markdown
from minlint.project.config import find_config

CHECKED = '''
    def {name}(request, user):
        verify_court_order(request.order)
        check_jurisdiction(request.country)
        require_terror_suspect(request)
        {record}
        disclose({{"ip": user.ip{extra}}}){comment}
'''


@pytest.fixture
def inventory(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    (tmp_path / "pyproject.toml").write_text("[tool.minlint]\n")
    parts = [
        CHECKED.format(name="unrecorded", record="pass", extra="", comment=""),
        CHECKED.format(name="no_reason", record="record_disclosure(request)", extra=', "email": user.email',
                       comment="  # noqa: MIN101"),
        CHECKED.format(name="with_reason", record="record_disclosure(request)", extra=', "email": user.email',
                       comment="  # noqa: MIN101 -- case 2019-17"),
    ]
    (tmp_path / "app.py").write_text(textwrap.dedent("".join(parts)))
    monkeypatch.chdir(tmp_path)
    config = find_config(tmp_path)
    return build(["."], config, config.load_policy())


def test_statuses(inventory) -> None:  # type: ignore[no-untyped-def]
    by_function = {d.function: d.status for d in inventory.disclosures}
    assert by_function == {"unrecorded": "problems", "no_reason": "problems", "with_reason": "suppressed"}


def test_a_missing_record_is_worded_as_a_record(inventory) -> None:  # type: ignore[no-untyped-def]
    for text in (render_markdown(inventory), render_html(inventory)):
        assert "not recorded for the transparency report on every path" in text
        rows = [line for line in text.splitlines() if "MIN301" in line and "transparency" in line.lower()]
        assert rows and not any("no check before the disclosure" in row for row in rows), rows


def test_problems_come_first_in_the_reports(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "pyproject.toml").write_text("[tool.minlint]\n")
    parts = [
        CHECKED.format(name="fine", record="record_disclosure(request)", extra="", comment=""),
        CHECKED.format(name="excused", record="record_disclosure(request)", extra=', "email": user.email',
                       comment="  # noqa: MIN101 -- case 2019-17"),
        CHECKED.format(name="leaky", record="record_disclosure(request)", extra=', "email": user.email', comment=""),
    ]
    (tmp_path / "app.py").write_text(textwrap.dedent("".join(parts)))
    monkeypatch.chdir(tmp_path)
    config = find_config(tmp_path)
    inv = build(["."], config, config.load_policy())
    assert [d.function for d in inv.disclosures] == ["fine", "excused", "leaky"]  # IDs in file order
    for text in (render_markdown(inv), render_html(inv)):
        first = {name: text.index(f"`{name}`" if text.startswith("#") else f"<code>{name}</code>")
                 for name in ("fine", "excused", "leaky")}
        assert first["leaky"] < first["excused"] < first["fine"]
