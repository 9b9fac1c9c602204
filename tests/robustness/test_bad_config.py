"""Broken policy packs and broken ``[tool.minlint]`` tables, through the real CLI (issue #8).

Each case writes a small project into a temporary folder and runs the CLI's
entry point (``minlint.frontends.cli:main``, what the ``minlint`` script calls) there;
a sample of the cases also runs as a separate process, ``python -m minlint``,
exactly as a user runs it. The contract (SPEC 3, 5): exit status 2, exactly
one line on stderr, naming the file and the key that is wrong, and never a
traceback.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

from minlint.frontends.cli import main
from tests.support import minlint, write_tree

APP = 'def handler(request, user):\n    disclose({"ip": user.ip})\n'

# A complete pack (the parts every case below does not break).
PACK = """\
[policy]
name = "{name}"
extends = "{extends}"

[fields]
allowed = ["ip_address"]

[fields.categories.ip_address]
aliases = ["ip"]
patterns = {patterns}

[disclosure]
sinks = {sinks}

[[guards]]
id = "court_order"
calls = ["verify_court_order"]
{extra}
"""


def pack(name: str = "p", extends: str = "", patterns: str = "['(\\w+_)?ip']", sinks: str = '["disclose"]',
         extra: str = "") -> str:
    return PACK.format(name=name, extends=extends, patterns=patterns, sinks=sinks, extra=extra)


def pyproject(table: str) -> str:
    return f'[project]\nname = "app"\n\n[tool.minlint]\n{table}\n'


# (id, files, extra CLI args, the file named in the error, the key named in it)
CASES: list[tuple[str, dict[str, str | bytes], list[str], str, str]] = [
    # -- policy packs ----------------------------------------------------------------------------------
    ("pack-malformed-toml", {"pack.toml": "[policy\nname = 'x'\n"}, ["--policy", "pack.toml"], "pack.toml", "line 1"),
    ("pack-unterminated-string", {"pack.toml": pack() + 'x = "open\n'}, ["--policy", "pack.toml"], "pack.toml", "line"),
    ("pack-duplicate-key", {"pack.toml": "[policy]\nname = 'a'\nname = 'b'\n"}, ["--policy", "pack.toml"],
     "pack.toml", "line 3"),
    ("pack-not-utf8", {"pack.toml": b"[policy]\nname = '\xff\xfe'\n"}, ["--policy", "pack.toml"], "pack.toml", "file"),
    ("pack-wrong-type-list", {"pack.toml": pack().replace('allowed = ["ip_address"]', 'allowed = "ip_address"')},
     ["--policy", "pack.toml"], "pack.toml", "fields.allowed"),
    ("pack-wrong-type-item", {"pack.toml": pack(sinks="[1]")}, ["--policy", "pack.toml"], "pack.toml",
     "disclosure.sinks[0]"),
    ("pack-wrong-type-table", {"pack.toml": "policy = 3\n"}, ["--policy", "pack.toml"], "pack.toml", "policy"),
    ("pack-guards-not-array", {"pack.toml": "[guards]\nid = 'court_order'\n"}, ["--policy", "pack.toml"],
     "pack.toml", "guards"),
    ("pack-guard-id-type", {"pack.toml": pack(extra="[[guards]]\nid = 5\ncalls = ['x']\n")},
     ["--policy", "pack.toml"], "pack.toml", "guards[1].id"),
    ("pack-unknown-top-key", {"pack.toml": pack() + "\n[sinks]\nx = 1\n"}, ["--policy", "pack.toml"], "pack.toml",
     "sinks"),
    ("pack-unknown-key", {"pack.toml": pack().replace("sinks =", "sinkz =")}, ["--policy", "pack.toml"],
     "pack.toml", "disclosure.sinkz"),
    ("pack-unknown-guard-key", {"pack.toml": pack(extra="predicate = ['x']\n")}, ["--policy", "pack.toml"],
     "pack.toml", "guards[0].predicate"),
    ("pack-bad-regex", {"pack.toml": pack(patterns="['(ip']")}, ["--policy", "pack.toml"], "pack.toml",
     "fields.categories.ip_address.patterns[0]"),
    ("pack-pathological-regex", {"pack.toml": pack(patterns="['(a+)+']")}, ["--policy", "pack.toml"], "pack.toml",
     "fields.categories.ip_address.patterns[0]"),
    ("pack-pathological-regex-star", {"pack.toml": pack(patterns="['(\\w*)*ip']")}, ["--policy", "pack.toml"],
     "pack.toml", "fields.categories.ip_address.patterns[0]"),
    ("pack-upper-case-regex", {"pack.toml": pack(patterns="['IP']")}, ["--policy", "pack.toml"], "pack.toml",
     "fields.categories.ip_address.patterns[0]"),
    ("pack-bad-sink-name", {"pack.toml": pack(sinks='["dis close"]')}, ["--policy", "pack.toml"], "pack.toml",
     "disclosure.sinks[0]"),
    ("pack-bad-payload", {"pack.toml": pack(sinks='[{ name = "d", payload = [-1] }]')}, ["--policy", "pack.toml"],
     "pack.toml", "disclosure.sinks[0].payload[0]"),
    ("pack-bad-country", {"pack.toml": pack(extra="[[guards]]\nid = 'jurisdiction'\nsubjects = ['country']\n"
                                                  "blocked = ['Atlantis']\n")},
     ["--policy", "pack.toml"], "pack.toml", "guards[1].blocked[0]"),
    ("pack-undefined-category", {"pack.toml": pack().replace('allowed = ["ip_address"]', 'allowed = ["email"]')},
     ["--policy", "pack.toml"], "pack.toml", "fields.allowed"),
    ("pack-custom-guard-no-code", {"pack.toml": pack(extra="[[guards]]\nid = 'dpo'\ncalls = ['ask_dpo']\n")},
     ["--policy", "pack.toml"], "pack.toml", "guards[id=dpo].code"),
    ("pack-bad-code", {"pack.toml": pack(extra="code = 'MIN202'\n")}, ["--policy", "pack.toml"], "pack.toml",
     "guards[0].code"),
    ("extends-cycle", {"a.toml": pack("a", extends="b.toml"), "b.toml": pack("b", extends="a.toml")},
     ["--policy", "a.toml"], "b.toml", "policy.extends"),
    ("extends-self", {"a.toml": pack("a", extends="a.toml")}, ["--policy", "a.toml"], "a.toml", "policy.extends"),
    ("extends-unknown-pack", {"a.toml": pack("a", extends="no-such-pack")}, ["--policy", "a.toml"], "a.toml",
     "policy.extends"),
    ("extends-missing-file", {"a.toml": pack("a", extends="missing.toml")}, ["--policy", "a.toml"], "a.toml",
     "policy.extends"),
    ("extends-broken-parent", {"a.toml": pack("a", extends="b.toml"), "b.toml": "[fields]\nallowed = 3\n"},
     ["--policy", "a.toml"], "b.toml", "fields.allowed"),
    ("missing-pack-name", {}, ["--policy", "no-such-pack"], "command line", "--policy"),
    ("missing-pack-file", {}, ["--policy", "missing.toml"], "command line", "--policy"),
    ("pack-is-a-folder", {"folder.toml/x": ""}, ["--policy", "folder.toml"], "command line", "--policy"),
    # -- [tool.minlint] --------------------------------------------------------------------------------
    ("pyproject-malformed", {"pyproject.toml": "[tool.minlint]\nselect = [\n"}, [], "pyproject.toml", "line"),
    ("pyproject-unknown-key", {"pyproject.toml": pyproject('selct = ["MIN"]')}, [], "pyproject.toml",
     "tool.minlint.selct"),
    ("pyproject-wrong-type", {"pyproject.toml": pyproject("select = 5")}, [], "pyproject.toml",
     "tool.minlint.select"),
    ("pyproject-not-a-code", {"pyproject.toml": pyproject('ignore = ["E501"]')}, [], "pyproject.toml",
     "tool.minlint.ignore"),
    ("pyproject-table-not-table", {"pyproject.toml": '[tool]\nminlint = "strict"\n'}, [], "pyproject.toml",
     "tool.minlint"),
    ("pyproject-per-file-ignores", {"pyproject.toml": pyproject('per-file-ignores = ["tests/*"]')}, [],
     "pyproject.toml", "tool.minlint.per-file-ignores"),
    ("pyproject-policy-type", {"pyproject.toml": pyproject("policy = 3")}, [], "pyproject.toml",
     "tool.minlint.policy"),
    ("pyproject-unknown-pack", {"pyproject.toml": pyproject('policy = "no-such-pack"')}, [], "pyproject.toml",
     "tool.minlint.policy"),
    ("pyproject-missing-pack-file", {"pyproject.toml": pyproject('policy = "rules/missing.toml"')}, [],
     "pyproject.toml", "tool.minlint.policy"),
    ("pyproject-broken-pack", {"pyproject.toml": pyproject('policy = "pack.toml"'),
                               "pack.toml": pack(patterns="['(a|aa)+(b+)+']")}, [], "pack.toml",
     "fields.categories.ip_address.patterns[0]"),
    # -- the command line ------------------------------------------------------------------------------
    ("cli-select", {}, ["--select", "XYZ1"], "command line", "--select"),
]


@dataclass
class Run:
    returncode: int
    stdout: str
    stderr: str


def _project(root: Path, files: dict[str, str | bytes]) -> None:
    write_tree(root, files)
    (root / "app.py").write_text(APP, encoding="utf-8")


def _in_process(root: Path, args: list[str], monkeypatch: pytest.MonkeyPatch,
                capsys: pytest.CaptureFixture[str]) -> Run:
    monkeypatch.chdir(root)
    capsys.readouterr()
    status = main(["check", "--no-cache", *args, "app.py"])
    out, err = capsys.readouterr()
    return Run(status, out, err)


def _subprocess(root: Path, args: list[str]) -> Run:
    proc = minlint("check", "--no-cache", *args, "app.py", cwd=root)
    return Run(proc.returncode, proc.stdout, proc.stderr)


def _assert_one_clear_line(run: Run, file: str, key: str) -> None:
    assert "Traceback" not in run.stderr, run.stderr
    assert run.returncode == 2, (run.returncode, run.stdout, run.stderr)
    lines = run.stderr.splitlines()
    assert len(lines) == 1, run.stderr
    line = lines[0]
    assert "internal error" not in line, line
    assert file in line, f"the error names the file {file!r}: {line}"
    assert key in line, f"the error names the key {key!r}: {line}"
    assert run.stdout == "", "no report on a configuration error"


@pytest.mark.parametrize(("files", "args", "file", "key"), [pytest.param(*c[1:], id=c[0]) for c in CASES])
def test_broken_config_is_one_clear_line(
    tmp_path: Path, files: dict[str, str | bytes], args: list[str], file: str, key: str,
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
) -> None:
    _project(tmp_path, files)
    started = time.monotonic()
    run = _in_process(tmp_path, args, monkeypatch, capsys)
    assert time.monotonic() - started < 30, "a pathological pack must be refused, not run"
    _assert_one_clear_line(run, file, key)


# One of each kind, as a separate process: what the user's shell sees.
IN_A_PROCESS = ("pack-malformed-toml", "pack-pathological-regex", "extends-cycle", "missing-pack-name",
                "pyproject-unknown-key", "pyproject-broken-pack")


@pytest.mark.parametrize(("files", "args", "file", "key"),
                         [pytest.param(*c[1:], id=c[0]) for c in CASES if c[0] in IN_A_PROCESS])
def test_broken_config_in_a_process(
    tmp_path: Path, files: dict[str, str | bytes], args: list[str], file: str, key: str
) -> None:
    _project(tmp_path, files)
    _assert_one_clear_line(_subprocess(tmp_path, args), file, key)


def test_pathological_pattern_is_refused_before_it_runs(tmp_path: Path) -> None:
    """``(a+)+`` against a long field name would backtrack for hours: refused at load time."""
    (tmp_path / "pack.toml").write_text(pack(patterns="['(a+)+$']"), encoding="utf-8")
    (tmp_path / "app.py").write_text(
        "def handler(user):\n    disclose({'" + "a" * 40 + "!': user.ip})\n", encoding="utf-8")
    started = time.monotonic()
    run = _subprocess(tmp_path, ["--policy", "pack.toml"])
    assert time.monotonic() - started < 30
    _assert_one_clear_line(run, "pack.toml", "patterns[0]")


@pytest.mark.skipif(os.geteuid() == 0 if hasattr(os, "geteuid") else False,
                    reason="root reads files whatever their mode: an unreadable pack cannot be made")
def test_unreadable_pack(tmp_path: Path) -> None:
    target = tmp_path / "pack.toml"
    target.write_text(pack(), encoding="utf-8")
    target.chmod(0)
    (tmp_path / "app.py").write_text(APP, encoding="utf-8")
    try:
        run = _subprocess(tmp_path, ["--policy", "pack.toml"])
    finally:
        target.chmod(0o644)
    _assert_one_clear_line(run, "pack.toml", "file")


def test_a_good_pack_still_works(tmp_path: Path) -> None:
    """The control: the same project with an intact pack is checked (exit 1: one MIN201)."""
    (tmp_path / "pack.toml").write_text(pack(), encoding="utf-8")
    (tmp_path / "app.py").write_text(APP, encoding="utf-8")
    run = _subprocess(tmp_path, ["--policy", "pack.toml"])
    assert run.returncode == 1, run.stderr
    assert "MIN201" in run.stdout and "Traceback" not in run.stderr
