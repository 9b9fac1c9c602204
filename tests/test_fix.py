"""`minlint fix`: before/after fixtures, encodings, the diff, refusals.

Each ``tests/fixtures/fix/<name>.before.py`` is copied into a fresh project,
fixed, and compared byte for byte with ``<name>.after.py``; a second run
must change nothing. The ``# expect:`` comments left in an ``.after.py`` are
the findings that remain (what the fix leaves for a human).
"""

from __future__ import annotations

import json
import os
import shutil
import stat
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from minlint.fix import edits as fix
from minlint.frontends.cli import main
from tests.support import expectations

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "fix"
NAMES = sorted(p.name[: -len(".before.py")] for p in FIXTURES.glob("*.before.py"))
# the fixtures whose after text equals their before text: nothing there is fixable
UNCHANGED = {"guards", "unfixable"}


def _project(tmp_path: Path) -> Path:
    root = tmp_path / "project"
    root.mkdir()
    # pins the configuration (and the default pack) to this folder
    (root / "pyproject.toml").write_text("[tool.minlint]\n", encoding="utf-8")
    return root


def _fixture(name: str, suffix: str) -> bytes:
    data = (FIXTURES / f"{name}.{suffix}.py").read_bytes()
    if name == "crlf":
        # stored with LF so that no git setting can rewrite it; tested as CRLF
        assert b"\r\n" not in data
        data = data.replace(b"\n", b"\r\n")
    return data


def _run(*args: str, cwd: Path | None = None, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "minlint", *args], cwd=cwd, env=env, capture_output=True,
                          text=True, timeout=120, check=False)


def _findings(root: Path, path: Path, select: str) -> set[tuple[int, str]]:
    out = _run("check", "--select", select, "--format", "json", path.name, cwd=root)
    assert out.returncode in (0, 1), out.stderr
    return {(f["line"], f["code"]) for f in json.loads(out.stdout)}


def test_every_fixture_has_a_pair() -> None:
    assert NAMES
    for name in NAMES:
        assert (FIXTURES / f"{name}.after.py").is_file(), name


@pytest.mark.parametrize("name", NAMES)
def test_fixture(tmp_path: Path, name: str, capsys: pytest.CaptureFixture[str]) -> None:
    root = _project(tmp_path)
    target = root / f"{name}.py"
    before, after = _fixture(name, "before"), _fixture(name, "after")
    target.write_bytes(before)

    assert main(["fix", str(root)]) == 0
    assert target.read_bytes() == after
    if name in UNCHANGED:
        assert before == after
    else:
        assert before != after

    # idempotent: a second run finds nothing more to do
    mtime = target.stat().st_mtime_ns
    assert main(["fix", str(root)]) == 0
    assert target.read_bytes() == after
    assert target.stat().st_mtime_ns == mtime
    assert not list(root.glob(".*minlint-tmp")), "a temporary file was left behind"
    capsys.readouterr()


@pytest.mark.parametrize("name", NAMES)
def test_what_remains_is_annotated(tmp_path: Path, name: str) -> None:
    """After the fix, minlint reports exactly the `# expect:` lines of the .after.py."""
    root = _project(tmp_path)
    target = root / f"{name}.py"
    after = _fixture(name, "after")
    target.write_bytes(after)
    expected = expectations(after.decode("latin-1").replace("\r\n", "\n"))
    families = "MIN1,MIN2" if name == "guards" else "MIN1"
    wanted = {(line, code) for line, code in expected if code.startswith(tuple(families.split(",")))}
    assert _findings(root, target, families) == wanted


def test_crlf_stays_crlf(tmp_path: Path) -> None:
    root = _project(tmp_path)
    target = root / "crlf.py"
    target.write_bytes(_fixture("crlf", "before"))
    assert main(["fix", str(target)]) == 0
    data = target.read_bytes()
    assert data.count(b"\n") == data.count(b"\r\n") > 0


def test_latin1_stays_latin1(tmp_path: Path) -> None:
    root = _project(tmp_path)
    target = root / "latin1.py"
    before = _fixture("latin1", "before")
    with pytest.raises(UnicodeDecodeError):
        before.decode("utf-8")  # the fixture really is latin-1
    target.write_bytes(before)
    assert main(["fix", str(target)]) == 0
    data = target.read_bytes()
    assert data == _fixture("latin1", "after")
    assert "à la demande".encode("latin-1") in data


def test_utf8_bom_is_kept(tmp_path: Path) -> None:
    root = _project(tmp_path)
    target = root / "bom.py"
    target.write_bytes(b'\xef\xbb\xbfdef handler(user):\n    disclose({"ip": user.ip, "email": user.email})\n')
    assert main(["fix", str(target)]) == 0
    assert target.read_bytes() == b'\xef\xbb\xbfdef handler(user):\n    disclose({"ip": user.ip})\n'


def test_diff_prints_and_writes_nothing(tmp_path: Path) -> None:
    root = _project(tmp_path)
    target = root / "dict_single_line.py"
    before = _fixture("dict_single_line", "before")
    target.write_bytes(before)
    out = _run("fix", "--diff", "dict_single_line.py", cwd=root)
    assert out.returncode == 0, out.stderr
    assert target.read_bytes() == before
    lines = out.stdout.splitlines()
    assert lines[0] == "--- a/dict_single_line.py"
    assert lines[1] == "+++ b/dict_single_line.py"
    assert '-    disclose({"ip": user.last_ip, "email": user.email, "phone": user.phone_number})' in lines
    assert '+    disclose({"ip": user.last_ip, "phone": user.phone_number})' in lines
    assert "would apply 3 fixes in 1 file" in out.stderr


def test_check_fix_diff_writes_nothing(tmp_path: Path) -> None:
    root = _project(tmp_path)
    target = root / "values.py"
    before = _fixture("values", "before")
    target.write_bytes(before)
    out = _run("check", "--fix", "--diff", "values.py", cwd=root)
    assert out.returncode == 0, out.stderr
    assert out.stdout.startswith("--- a/values.py\n+++ b/values.py\n")
    assert target.read_bytes() == before


def test_check_fix_fixes_then_reports_what_is_left(tmp_path: Path) -> None:
    root = _project(tmp_path)
    target = root / "handlers.py"
    target.write_text(textwrap.dedent("""\
        def handler(user):
            disclose({"ip": user.last_ip, "email": user.email})
            disclose({"ip": user.email})
    """), encoding="utf-8")
    out = _run("check", "--fix", "--select", "MIN1", "handlers.py", cwd=root)
    assert out.returncode == 1
    assert target.read_text(encoding="utf-8").splitlines()[1] == '    disclose({"ip": user.last_ip})'
    assert out.stdout.splitlines() == [
        "handlers.py:3:21: MIN101 'email' reaches disclose() at line 3; allowed: ip_address, phone_number"]


HOOK = '''\
import importlib.machinery, importlib.util, os, sys
from pathlib import Path

# keep any sitecustomize this one shadows (coverage, a virtualenv's own)
_here = os.path.dirname(os.path.abspath(__file__))
_spec = importlib.machinery.PathFinder.find_spec(
    "sitecustomize", [p for p in sys.path if os.path.abspath(p or ".") != _here])
if _spec is not None and _spec.loader is not None:
    _spec.loader.exec_module(importlib.util.module_from_spec(_spec))

import minlint.fix.edits

def _edit(path: Path) -> None:
    with open(path, "ab") as f:
        f.write(b"# saved by an editor meanwhile\\n")

minlint.fix.edits._before_replace = _edit
'''


def test_refuses_when_the_file_changed_cli(tmp_path: Path) -> None:
    root = _project(tmp_path)
    target = root / "dict_call.py"
    before = _fixture("dict_call", "before")
    target.write_bytes(before)
    hooks = tmp_path / "hooks"
    hooks.mkdir()
    (hooks / "sitecustomize.py").write_text(HOOK, encoding="utf-8")
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(hooks), env.get("PYTHONPATH")) if p)
    out = _run("fix", "dict_call.py", cwd=root, env=env)
    assert out.returncode == 2, out.stderr
    errors = [line for line in out.stderr.splitlines() if line.startswith("minlint: error:")]
    assert errors == [("minlint: error: dict_call.py: changed on disk since minlint read it; not written "
                       "(run minlint fix again)")]
    # the editor's text is what is on disk, not ours
    assert target.read_bytes() == before + b"# saved by an editor meanwhile\n"
    assert not list(root.glob(".*minlint-tmp"))


def test_refuses_when_the_file_changed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                       capsys: pytest.CaptureFixture[str]) -> None:
    root = _project(tmp_path)
    first, second = root / "a.py", root / "b.py"
    first.write_bytes(_fixture("dict_call", "before"))
    second.write_bytes(_fixture("values", "before"))

    def edit(path: Path) -> None:
        if path.name == "a.py":
            path.write_text("changed = True\n", encoding="utf-8")

    monkeypatch.setattr(fix, "_before_replace", edit)
    assert main(["fix", str(root)]) == 2
    err = capsys.readouterr().err
    assert f"minlint: error: {root.as_posix()}/a.py: changed on disk" in err
    assert first.read_text(encoding="utf-8") == "changed = True\n"
    # the other file is not held back by it
    assert second.read_bytes() == _fixture("values", "after")


def test_a_fix_that_does_not_check_out_is_not_written(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                       capsys: pytest.CaptureFixture[str]) -> None:
    """The re-check: here a broken remover drops the wrong element."""
    root = _project(tmp_path)
    target = root / "dict_call.py"
    before = _fixture("dict_call", "before")
    target.write_bytes(before)
    real = fix.remove_elements
    monkeypatch.setattr(fix, "remove_elements", lambda node, indexes: real(node, [0]))
    assert main(["fix", str(root)]) == 2
    err = capsys.readouterr().err
    assert "dict_call.py: after the fix minlint still reports MIN101 'name'; nothing written" in err
    assert target.read_bytes() == before


def test_a_fix_that_does_not_compile_is_not_written(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                     capsys: pytest.CaptureFixture[str]) -> None:
    root = _project(tmp_path)
    target = root / "dict_call.py"
    before = _fixture("dict_call", "before")
    target.write_bytes(before)

    def broken(node: fix.Container, indexes: object) -> fix.cst.CSTNode:
        return fix.cst.Name("lambda")  # `disclose(lambda)`

    monkeypatch.setattr(fix, "remove_elements", broken)
    assert main(["fix", str(root)]) == 2
    assert "dict_call.py: the fixed text does not compile" in capsys.readouterr().err
    assert target.read_bytes() == before


def test_unfixable_findings_are_reported_and_left(tmp_path: Path) -> None:
    root = _project(tmp_path)
    target = root / "unfixable.py"
    before = _fixture("unfixable", "before")
    target.write_bytes(before)
    out = _run("fix", "unfixable.py", cwd=root)
    assert out.returncode == 0, out.stderr
    assert target.read_bytes() == before
    notes = [line for line in out.stderr.splitlines() if " not fixed: " in line]
    assert [n.split(" not fixed: ")[0] for n in notes] == [
        "unfixable.py:11:21: MIN101",
        "unfixable.py:15:31: MIN101",
        "unfixable.py:19:45: MIN101",
        "unfixable.py:23:33: MIN101",
        "unfixable.py:31:14: MIN102",
    ]
    assert "read in a value" in notes[0]
    assert "no field names" in notes[1]
    assert "Export() requires 'email'" in notes[2]
    assert "helper" in notes[3]
    assert "class of 'user' is not known" in notes[4]
    # MIN103, guards and the suppressed line are none of fix's business
    assert "MIN103" not in out.stderr and "MIN20" not in out.stderr and ":39:" not in out.stderr
    assert out.stderr.splitlines()[-1] == "minlint fix: nothing to fix; 5 left for a human"


def test_keywords_of_unseen_classes(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A class minlint cannot see: its keyword goes only when it names a disallowed field."""
    root = _project(tmp_path)
    target = root / "unseen.py"
    target.write_text(textwrap.dedent("""\
        from transport import Export, render


        def handler(user):
            disclose(Export(phone=user.phone_number, email=user.email.lower()))
            disclose(Export(ip=user.email))
            disclose(render(email=user.email))
    """), encoding="utf-8")
    assert main(["fix", str(root)]) == 0
    lines = target.read_text(encoding="utf-8").splitlines()
    assert lines[4:7] == [
        "    disclose(Export(phone=user.phone_number))",
        "    disclose(Export(ip=user.email))",
        "    disclose(render(email=user.email))",
    ]
    err = capsys.readouterr().err
    assert "unseen.py:6:24: MIN101 not fixed: the field is read in a value" in err
    assert "unseen.py:7:27: MIN101 not fixed: the field is read in a value" in err


def test_guards_are_never_removed_with_a_field(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = _project(tmp_path)
    target = root / "checks.py"
    source = textwrap.dedent("""\
        def handler(user, order):
            payload = {"ip": user.last_ip}
            payload["verified_by"] = verify_court_order(order)
            disclose({"ip": user.last_ip, "logged": record_disclosure(order)})
            disclose(payload)
    """)
    target.write_text(source, encoding="utf-8")
    assert main(["fix", str(root)]) == 0
    assert target.read_text(encoding="utf-8") == source
    err = capsys.readouterr().err
    assert "checks.py:3:13: MIN101 not fixed: the value calls verify_court_order()" in err
    assert "checks.py:4:35: MIN101 not fixed: the value calls record_disclosure()" in err


def test_select_and_ignore_limit_the_fixes(tmp_path: Path) -> None:
    root = _project(tmp_path)
    target = root / "whole.py"
    before = _fixture("whole_dataclass", "before") + b'\n\ndef more(user):\n    disclose({"ip": user.ip, "email": user.email})\n'
    target.write_bytes(before)
    assert main(["fix", "--ignore", "MIN101", str(target)]) == 0
    text = target.read_text(encoding="utf-8")
    assert "asdict(user)" not in text
    assert '"email": user.email' in text
    assert main(["fix", "--select", "MIN101", str(target)]) == 0
    assert '"email": user.email' not in target.read_text(encoding="utf-8")


def test_noqa_with_a_reason_keeps_the_field(tmp_path: Path) -> None:
    root = _project(tmp_path)
    target = root / "kept.py"
    source = ('def handler(user):\n'
              '    disclose({"ip": user.ip, "email": user.email})  # noqa: MIN101 -- court asked, case 17\n')
    target.write_text(source, encoding="utf-8")
    assert main(["fix", str(root)]) == 0
    assert target.read_text(encoding="utf-8") == source


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX permissions and symlinks")
def test_mode_and_symlink_are_kept(tmp_path: Path) -> None:
    root = _project(tmp_path)
    real = root / "real.py"
    real.write_bytes(_fixture("dict_call", "before"))
    real.chmod(0o640)
    link = root / "link.py"
    link.symlink_to(real.name)
    assert main(["fix", str(link)]) == 0
    assert link.is_symlink()
    assert real.read_bytes() == _fixture("dict_call", "after")
    assert stat.S_IMODE(real.stat().st_mode) == 0o640


def test_fixture_copies_do_not_depend_on_their_folder(tmp_path: Path) -> None:
    """Every fixture fixed together, as one project, gives the same texts."""
    root = _project(tmp_path)
    for name in NAMES:
        (root / f"{name}.py").write_bytes(_fixture(name, "before"))
    assert main(["fix", str(root)]) == 0
    for name in NAMES:
        assert (root / f"{name}.py").read_bytes() == _fixture(name, "after"), name
    shutil.rmtree(root)


REMOVALS = [
    # (expression, indexes to remove, expected)
    ('{"a": 1, "b": 2, "c": 3}', [1], '{"a": 1, "c": 3}'),
    ('{"a": 1, "b": 2, "c": 3}', [0], '{"b": 2, "c": 3}'),
    ('{"a": 1, "b": 2, "c": 3}', [2], '{"a": 1, "b": 2}'),
    ('{"a": 1, "b": 2,}', [1], '{"a": 1,}'),
    ('{ "a": 1, "b": 2 }', [1], '{ "a": 1 }'),
    ('{ "a": 1, "b": 2 }', [0], '{ "b": 2 }'),
    ('{"a": 1, "b": 2}', [0, 1], '{}'),
    ('{\n    "a": 1,\n    "b": 2,\n}', [0], '{\n    "b": 2,\n}'),
    ('{\n    "a": 1,  # ca\n    "b": 2,  # cb\n}', [1], '{\n    "a": 1,  # ca\n}'),
    ('{\n    "a": 1,  # ca\n    "b": 2  # cb\n}', [1], '{\n    "a": 1  # ca\n}'),
    ('{\n    "a": 1,\n    "b": 2,\n    "c": 3,\n}', [1, 2], '{\n    "a": 1,\n}'),
    ('{\n    "a": 1,\n    "b": 2}', [1], '{\n    "a": 1}'),
    ('{"a": 1, "b": 2,\n "c": 3}', [1], '{"a": 1,\n "c": 3}'),
    ('{"b": 2,\n "a": 1}', [0], '{"a": 1}'),
    ('{"a": 1, "b": 2\n}', [1], '{"a": 1\n}'),
    ('{  # why\n    "b": 2,\n}', [0], '{  # why\n}'),
    ('{\n    "a": 1,\n    # about c\n    "c": 3,\n}', [0], '{\n    # about c\n    "c": 3,\n}'),
    ('f(a=1, b=2)', [1], 'f(a=1)'),
    ('f(a=1, b=2 )', [1], 'f(a=1 )'),
    ('f(b=2)', [0], 'f()'),
    ('f(\n    a=1,\n    b=2,\n)', [1], 'f(\n    a=1,\n)'),
    ('f(\n    a=1,\n    b=2\n)', [1], 'f(\n    a=1\n)'),
    ('f(\n    b=2,\n    a=1,\n)', [0], 'f(\n    a=1,\n)'),
    ('f(b=2,\n  a=1)', [0], 'f(a=1)'),
    ('f(a=1,\n  b=2)', [1], 'f(a=1)'),
    ('f("a", "b", flat=True)', [0], 'f("b", flat=True)'),
    ('("a", "b")', [1], '("a",)'),
    ('("a", "b", "c")', [0], '("b", "c")'),
    ('["a", "b"]', [0], '["b"]'),
    ('{"a", "b"}', [1], '{"a"}'),
]


@pytest.mark.parametrize(("source", "indexes", "expected"), REMOVALS)
def test_remove_elements(source: str, indexes: list[int], expected: str) -> None:
    node = fix.cst.parse_expression(source)
    assert isinstance(node, (fix.cst.Dict, fix.cst.List, fix.cst.Tuple, fix.cst.Set, fix.cst.Call))
    got = fix.remove_elements(node, indexes)
    assert fix.cst.Module([]).code_for_node(got) == expected


def test_bare_tuple_keeps_its_comma() -> None:
    module = fix.cst.parse_module('fields = "a", "b"\n')
    assign = module.body[0].body[0]  # type: ignore[attr-defined]
    got = fix.remove_elements(assign.value, [1])
    assert module.code_for_node(got) == '"a",'
