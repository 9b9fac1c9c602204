"""Tests for minlint.run.noqa: flake8's `# noqa` semantics plus MIN901 (SPEC 2.5).

The table below is checked twice: against what we expect, and against what
real flake8 does with the same comments (a tiny local flake8 plugin reports
the table's findings, flake8 applies its noqa rules). A second differential
test uses genuine pycodestyle findings.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
import textwrap
from dataclasses import dataclass
from pathlib import Path

import pytest

from minlint.core.findings import Finding
from minlint.run.noqa import Suppression, apply, scan, unreasoned

REPO = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Case:
    name: str
    source: str
    findings: tuple[tuple[int, str], ...]  # (line, code) the checker reported
    kept: tuple[tuple[int, str], ...]  # (line, code) left after suppression
    min901: tuple[int, ...]  # lines of the expected MIN901 findings
    # We deliberately differ from flake8 here (it honours noqa inside strings).
    flake8_differs: bool = False


def _src(text: str) -> str:
    return textwrap.dedent(text).lstrip("\n")


CASES: list[Case] = [
    Case("plain", "x = leak(user.phone)  # noqa: MIN101\n",
         ((1, "MIN101"),), (), (1,)),
    Case("with reason",
         "x = leak(user.phone)  # noqa: MIN101 -- court asked for the username, case 2019-17\n",
         ((1, "MIN101"),), (), ()),
    Case("reason with because", "x = leak(user.phone)  # noqa: MIN101 because case 2019-17\n",
         ((1, "MIN101"),), (), ()),
    Case("reason after colon", "x = leak(user.phone)  # noqa:MIN101: case 2019-17\n",
         ((1, "MIN101"),), (), ()),
    Case("separator but no reason", "x = leak(user.phone)  # noqa: MIN101 --\n",
         ((1, "MIN101"),), (), (1,)),
    Case("other code on the line is not suppressed", "x = leak(user)  # noqa: MIN101 -- why\n",
         ((1, "MIN101"), (1, "MIN201")), ((1, "MIN201"),), ()),
    Case("multiple codes, comma", "x = leak(user)  # noqa: MIN101,MIN102 -- why\n",
         ((1, "MIN101"), (1, "MIN102"), (1, "MIN201")), ((1, "MIN201"),), ()),
    Case("multiple codes, space, no space after colon", "x = leak(user)  # noqa:MIN101 MIN102\n",
         ((1, "MIN101"), (1, "MIN102"), (1, "MIN201")), ((1, "MIN201"),), (1,)),
    Case("MIN and other code, no reason", "x = leak(user)  # noqa: E501, MIN101\n",
         ((1, "MIN101"), (1, "E501")), (), (1,)),
    Case("prefix code", "x = leak(user)  # noqa: MIN1 -- why\n",
         ((1, "MIN101"), (1, "MIN103"), (1, "MIN201")), ((1, "MIN201"),), ()),
    Case("prefix code without reason", "x = leak(user)  # noqa: MIN2\n",
         ((1, "MIN202"),), (), (1,)),
    # flake8's code list needs digits: "MIN" is not parsed, the comment is a
    # bare noqa and suppresses everything, E501 included.
    Case("MIN without digits is bare", "x = leak(user)  # noqa: MIN -- why\n",
         ((1, "MIN101"), (1, "MIN201"), (1, "E501")), (), ()),
    Case("MIN without digits, no reason", "x = leak(user)  # noqa: MIN\n",
         ((1, "MIN101"),), (), (1,)),
    Case("bare with MIN finding", "x = leak(user)  # noqa\n",
         ((1, "MIN101"), (1, "E501")), (), (1,)),
    Case("bare with reason", "x = leak(user)  # noqa -- court order 17\n",
         ((1, "MIN101"),), (), ()),
    Case("bare without findings", "x = 1  # noqa\n", (), (), ()),
    Case("bare with only other findings", "x = 1  # noqa\n", ((1, "E501"),), (), ()),
    Case("bare on another line", "x = 1  # noqa\ny = leak(user)\n",
         ((2, "MIN101"),), ((2, "MIN101"),), ()),
    Case("other code only", "x = leak(user)  # noqa: E501\n",
         ((1, "MIN101"), (1, "E501")), ((1, "MIN101"),), ()),
    Case("uppercase NOQA", "x = leak(user)  # NOQA: MIN101 -- why\n",
         ((1, "MIN101"),), (), ()),
    Case("mixed case NoQa, no reason", "x = leak(user)  # NoQa:MIN101\n",
         ((1, "MIN101"),), (), (1,)),
    Case("bare uppercase", "x = leak(user)  # NOQA\n", ((1, "MIN101"),), (), (1,)),
    # Codes are compared case-sensitively: a lowercase code suppresses nothing.
    Case("lowercase code", "x = leak(user)  # noqa: min101\n",
         ((1, "MIN101"),), ((1, "MIN101"),), ()),
    # flake8 wants "#", one space, "noqa": without the space it is no directive.
    Case("no space after hash", "x = leak(user)  #noqa: MIN101\n",
         ((1, "MIN101"),), ((1, "MIN101"),), ()),
    # ...and ":" must follow "noqa" directly, with at most one space before the
    # codes; otherwise the codes are not parsed and the comment is bare.
    Case("space before colon is bare", "x = leak(user)  # noqa : MIN101 MIN102\n",
         ((1, "MIN101"), (1, "MIN201")), (), (1,)),
    Case("two spaces after colon is bare", "x = leak(user)  # noqa:  MIN101 -- why\n",
         ((1, "MIN101"), (1, "MIN201")), (), ()),
    Case("colon without codes is bare", "x = leak(user)  # noqa:\n", ((1, "MIN101"),), (), (1,)),
    Case("after another comment", "x = leak(user)  # type: ignore # noqa: MIN101\n",
         ((1, "MIN101"),), (), (1,)),
    # A word shaped like a code after the codes is read as a code, as flake8
    # does; a reason starting with one needs a separator.
    Case("code-shaped reason word", "x = leak(user)  # noqa: MIN101 GDPR6\n",
         ((1, "MIN101"),), (), (1,)),
    Case("code-shaped reason word after separator", "x = leak(user)  # noqa: MIN101 -- GDPR6\n",
         ((1, "MIN101"),), (), ()),
    Case("noqa in a string literal is not a suppression",
         'x = leak(user, "# noqa: MIN101")\n',
         ((1, "MIN101"),), ((1, "MIN101"),), (), flake8_differs=True),
    Case("noqa in a string literal before a real comment",
         'x = leak(user, "# noqa: E501")  # noqa: MIN101 -- why\n',
         ((1, "MIN101"),), (), (), flake8_differs=True),
    # Inside brackets each line break is an NL token, which ends flake8's noqa
    # range: a comment after the ")" covers its own line only.
    Case("multi-line call, comment on last line", _src("""
        send(
            user.phone,
            user.ip)  # noqa: MIN101 -- why
        """),
         ((1, "MIN201"), (2, "MIN101"), (3, "MIN101")),
         ((1, "MIN201"), (2, "MIN101")), ()),
    Case("multi-line call, comment on first line", _src("""
        send(  # noqa: MIN201 -- why
            user.phone,
        )
        """),
         ((1, "MIN201"), (2, "MIN101")), ((2, "MIN101"),), ()),
    Case("multi-line dict, comment on last line", _src("""
        return {
            "ip": user.ip,
            "phone": user.phone,
        }  # noqa
        """),
         ((1, "MIN301"), (3, "MIN101")), ((1, "MIN301"), (3, "MIN101")), ()),
    # A multi-line string is one token: a comment after it covers every line.
    Case("triple-quoted string, comment on last line", _src('''
        send(user, """
            dump all
        """)  # noqa: MIN201 -- why
        '''),
         ((1, "MIN201"), (1, "MIN101"), (2, "E501"), (3, "MIN201")),
         ((1, "MIN101"), (2, "E501")), ()),
    Case("triple-quoted string, bare without reason", _src('''
        send(user, """
            everything
        """)  # noqa
        '''),
         ((1, "MIN102"),), (), (3,)),
    Case("backslash continuation", _src("""
        x = send(user) + \\
            1  # noqa: MIN201
        """),
         ((1, "MIN201"), (2, "MIN201")), (), (2,)),
    Case("acceptance corpus snippet", _src('''
        @disclosure_endpoint
        def answer_with_reason(request):
            validate(request)
            user = users.get(request.user_id)
            record_disclosure(request)
            return {
                "ip": user.last_ip,
                "username": user.username,  # noqa: MIN101 -- court asked for the username, case 2018-114
            }


        @disclosure_endpoint
        def answer_without_reason(request):
            validate(request)
            user = users.get(request.user_id)
            record_disclosure(request)
            return {
                "ip": user.last_ip,
                # expect-next: MIN901
                "username": user.username,  # noqa: MIN101
            }
        '''),
         ((8, "MIN101"), (20, "MIN101")), (), (20,)),
]


def _findings(case: Case, path: str = "t.py") -> list[Finding]:
    lines = case.source.split("\n")
    return [
        Finding(path=path, line=line, column=1, code=code, message=f"{code} fake",
                source_line=lines[line - 1])
        for line, code in case.findings
    ]


def _kept_and_min901(result: list[Finding]) -> tuple[list[tuple[int, str]], list[int]]:
    kept = sorted((f.line, f.code) for f in result if f.code != "MIN901")
    return kept, sorted(f.line for f in result if f.code == "MIN901")


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_apply(case: Case) -> None:
    kept, min901 = _kept_and_min901(apply(_findings(case), case.source, "t.py"))
    assert kept == sorted(case.kept)
    assert min901 == sorted(case.min901)


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_unreasoned_agrees_with_apply(case: Case) -> None:
    min_lines = {line for line, code in case.findings if code.startswith("MIN")}
    got = unreasoned(case.source, "t.py", min_lines)
    assert sorted(f.line for f in got) == sorted(case.min901)
    assert all(f.code == "MIN901" for f in got)


def test_scan_fields() -> None:
    source = _src('''
        x = 1  # noqa: MIN101,MIN102 -- court asked, case 2019-17
        y = """
        """  # NOQA
        z = 2  # noqa : MIN101 because a judge said so
        ''')
    assert scan(source) == [
        Suppression(line=1, column=8, end_column=58, codes=frozenset({"MIN101", "MIN102"}),
                    reason="court asked, case 2019-17", covers=(1, 1)),
        Suppression(line=3, column=6, end_column=12, codes=None, reason=None, covers=(2, 3)),
        Suppression(line=4, column=8, end_column=47, codes=None,
                    reason="because a judge said so", covers=(4, 4)),
    ]


@pytest.mark.parametrize(("comment", "reason"), [
    ("# noqa: MIN101 -- why", "why"),
    ("# noqa: MIN101 — why", "why"),
    ("# noqa: MIN101 - why", "why"),
    ("# noqa: MIN101; why", "why"),
    ("# noqa: MIN101, why", "why"),
    ("# noqa: MIN101 # why", "why"),
    ("# noqa: MIN101: why", "why"),
    ("# noqa: MIN101 because why", "because why"),
    ("# noqa: MIN101 -- case 2019-17, see -- notes", "case 2019-17, see -- notes"),
    ("# noqa: MIN101", None),
    ("# noqa: MIN101   ", None),
    ("# noqa: MIN101 -- ", None),
    ("# noqa: MIN101 A1 B2", None),  # code-shaped words are codes (flake8)
    ("# noqa: MIN", None),  # bare; "MIN" is a malformed code, not a reason
    ("# noqa : MIN101 MIN102", None),
    ("# noqa:", None),
    ("# noqax", None),
    ("# noqa: because why", "because why"),
    ("# noqa -- why", "why"),
])
def test_reason(comment: str, reason: str | None) -> None:
    (sup,) = scan(f"x = 1  {comment}\n")
    assert sup.reason == reason


def test_min901_finding_fields() -> None:
    source = "def f(user):\n    return leak(user)  # noqa: MIN101,MIN102   \n"
    found = [Finding("a/b.py", 2, 12, "MIN101", "m")]
    (f901,) = apply(found, source, "a/b.py", function_of=lambda line: "f" if line == 2 else None)
    assert f901 == Finding(
        path="a/b.py", line=2, column=24, code="MIN901",
        message="# noqa: MIN101,MIN102 gives no reason; "
                "write `# noqa: MIN101,MIN102 -- <why this disclosure is allowed>`",
        end_line=2, end_column=45, function="f",
    )
    assert f901.source_line == "    return leak(user)  # noqa: MIN101,MIN102   "


def test_bare_min901_names_the_suppressed_codes() -> None:
    source = "leak(user)  # noqa\n"
    found = [Finding("t.py", 1, 1, "MIN102", "m"), Finding("t.py", 1, 1, "MIN201", "m")]
    (f901,) = apply(found, source, "t.py")
    # a missing check is advised to be added, not named in a noqa (tests/test_noqa_advice.py)
    assert "`# noqa: MIN102 -- <why" in f901.message and "MIN201 reports a missing check" in f901.message
    (g901,) = unreasoned(source, "t.py", {1: ["MIN102", "MIN201"]})
    assert g901.message == f901.message


def test_min901_is_never_suppressed() -> None:
    source = "leak(user)  # noqa: MIN9\n"
    found = [Finding("t.py", 1, 1, "MIN901", "from elsewhere"), Finding("t.py", 1, 1, "MIN903", "m")]
    result = apply(found, source, "t.py")
    assert sorted((f.code, f.message[:4]) for f in result) == [
        ("MIN901", "# no"), ("MIN901", "from")]


def test_crlf_and_bom() -> None:
    source = "\ufeffx = 1\r\ny = leak(user)  # noqa: MIN101\r\n"
    (sup,) = scan(source)
    assert (sup.line, sup.column, sup.covers) == (2, 17, (2, 2))
    assert apply([Finding("t.py", 2, 5, "MIN101", "m")], source, "t.py")[0].code == "MIN901"


@pytest.mark.parametrize("source", [
    # unterminated triple-quoted string (TokenError at EOF)
    'x = 1  # noqa: MIN101 -- ok\ny = leak(u)  # noqa: MIN102\nz = """\nw  # noqa\n',
    # inconsistent dedent (IndentationError from tokenize, at line 4)
    "x = 1  # noqa: MIN101 -- ok\ny = leak(u)  # noqa: MIN102\n    z = 1\n  w  # noqa\n",
    # unbalanced bracket at EOF
    "x = 1  # noqa: MIN101 -- ok\ny = leak(u)  # noqa: MIN102\nz = (\nw  # noqa\n",
])
def test_broken_source_falls_back_per_line(source: str) -> None:
    sups = scan(source)
    assert [(s.line, s.covers) for s in sups] == [(1, (1, 1)), (2, (2, 2)), (4, (4, 4))]
    assert [s.reason for s in sups] == ["ok", None, None]
    result = apply([Finding("t.py", 2, 1, "MIN102", "m"), Finding("t.py", 3, 1, "MIN101", "m")],
                   source, "t.py")
    assert sorted((f.line, f.code) for f in result) == [(2, "MIN901"), (3, "MIN101")]


def test_never_raises_on_garbage() -> None:
    for source in ["", "\n", "\x00\x00# noqa", "'''", "(((", "\tif:\n  # noqa\n x", "# noqa" * 3]:
        scan(source)
        apply([Finding("t.py", 1, 1, "MIN101", "m")], source, "t.py")


# --- differential tests against real flake8 ----------------------------------

_FAKE_PLUGIN = '''
import json


class Fake:
    """Reports the (line, code) pairs listed in <file>.json."""

    name = "fake"
    version = "0"

    def __init__(self, tree, filename):
        self.filename = filename

    def run(self):
        with open(self.filename + ".json") as f:
            for line, code in json.load(f):
                yield line, 0, code + " fake", type(self)
'''

# Runs flake8 with the plugins of an installed minlint left out, so these
# tests see only flake8's noqa handling (and don't depend on the plugin).
_DRIVER = '''
import sys
from flake8.plugins import finder

if hasattr(finder, "_find_importlib_plugins"):
    _orig = finder._find_importlib_plugins

    def _without_minlint():
        return (p for p in _orig() if p.package.lower() != "minlint")

    finder._find_importlib_plugins = _without_minlint

from flake8.main.cli import main

sys.exit(main(sys.argv[1:]))
'''

_OUT = re.compile(r"^(?P<file>[^|]+)\|(?P<row>\d+)\|(?P<code>\w+)\|(?P<text>.*)$")


def _flake8(workdir: Path, *args: str) -> list[tuple[str, int, str, str]]:
    pytest.importorskip("flake8")
    (workdir / "_driver.py").write_text(_DRIVER)
    proc = subprocess.run(
        [sys.executable, str(workdir / "_driver.py"), "--isolated" if not (workdir / ".flake8").exists()
         else "--config=.flake8", "--format=%(path)s|%(row)d|%(code)s|%(text)s", *args],
        cwd=workdir, capture_output=True, text=True, check=False,
    )
    assert proc.returncode in (0, 1), proc.stderr
    out = []
    for raw in proc.stdout.splitlines():
        m = _OUT.match(raw)
        assert m, raw
        out.append((Path(m["file"]).name, int(m["row"]), m["code"], m["text"]))
    return out


@pytest.fixture(scope="module")
def flake8_kept(tmp_path_factory: pytest.TempPathFactory) -> dict[str, set[tuple[int, str]]]:
    """Case name -> the (line, code) findings flake8 keeps after its noqa step."""
    work = tmp_path_factory.mktemp("flake8_cases")
    (work / "fakeplugin.py").write_text(_FAKE_PLUGIN)
    (work / ".flake8").write_text(
        "[flake8:local-plugins]\nextension =\n    X = fakeplugin:Fake\npaths = .\n")
    names = {}
    for i, case in enumerate(CASES):
        (work / f"case{i}.py").write_text(case.source)
        (work / f"case{i}.py.json").write_text(json.dumps(case.findings))
        names[f"case{i}.py"] = case.name
    def run(*extra: str) -> dict[str, set[tuple[int, str]]]:
        out: dict[str, set[tuple[int, str]]] = {c.name: set() for c in CASES}
        for file, row, code, text in _flake8(work, "--select=MIN,E,W,X", *extra, *names):
            if text == "fake":
                out[names[file]].add((row, code))
        return out

    # Without noqa processing flake8 must report every finding of the table,
    # or the plugin is not running and the comparison below proves nothing.
    assert run("--disable-noqa") == {c.name: set(c.findings) for c in CASES}
    return run()


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_suppression_matches_flake8(case: Case, flake8_kept: dict[str, set[tuple[int, str]]]) -> None:
    ours = {(f.line, f.code) for f in apply(_findings(case), case.source, "t.py") if f.code != "MIN901"}
    if case.flake8_differs:
        # Documented deviation: flake8 also obeys noqa text inside strings.
        assert ours != flake8_kept[case.name]
    else:
        assert ours == flake8_kept[case.name]


# Lines that give pycodestyle something to report (E231, E225, W291, E501 with
# --max-line-length=40), under every shape of comment.
_PYCODESTYLE_SOURCE = _src('''
    a = f(1,2)  # noqa
    a = f(1,2)  # noqa: E231
    a = f(1,2)  # noqa: E231 -- with a reason
    a = f(1,2)  # noqa: E2
    a = f(1,2)  # noqa: E
    a = f(1,2)  # noqa: E501
    a = f(1,2)  # noqa: W291,E231
    a = f(1,2)  # noqa:E501 E231
    a = f(1,2)  # NOQA:E231
    a = f(1,2)  # NoQa
    a = f(1,2)  # noqa: e231
    a = f(1,2)  #noqa: E231
    a = f(1,2)  # noqa : E501
    a = f(1,2)  # noqa:  E501
    a = f(1,2)  # noqa:
    a = f(1,2)  # noqax
    a = f(1,2)  # type: ignore # noqa: E231
    a = f(1,2)  # noqa: E501 because E231
    a = f(1,2)  # noqa: E501 -- E231
    a = f(1,2)  # noqa: E501 E231 reason
    b=f(1,2)  # noqa: E225   \n\
    b=f(1,2)  # noqa: W2 long long long long long long
    c = g(1,2,
          3,4)  # noqa: E231
    c = g(1,2,  # noqa: E231
          3,4)
    d = {1:2,
         3:4,
         }  # noqa
    e = """
    a line long enough for E501 ........................
    trailing space   \n\
    """  # noqa: E501
    e = ("""   \n\
    """, 1,2)  # noqa: W291
    h = f(1,2) + \\
        f(3,4) + \\
        f(5,6)  # noqa: E231
    i = 1,2
    ''')


def test_pycodestyle_differential(tmp_path: Path) -> None:
    """Every finding flake8 keeps is one our scan() leaves uncovered, and vice versa."""
    src = tmp_path / "sample.py"
    src.write_text(_PYCODESTYLE_SOURCE)
    opts = ("--select=E,W", "--max-line-length=40", "sample.py")
    everything = {(row, code) for _, row, code, _ in _flake8(tmp_path, "--disable-noqa", *opts)}
    kept = {(row, code) for _, row, code, _ in _flake8(tmp_path, *opts)}
    # The sample must exercise the interesting shapes, or this proves nothing.
    assert len(everything) > 40
    assert len(everything - kept) > 20
    assert any(code == "E501" for _, code in everything - kept)
    assert any(code == "W291" for _, code in everything - kept)

    findings = [Finding("sample.py", row, 1, code, code) for row, code in everything]
    ours = {(f.line, f.code) for f in apply(findings, _PYCODESTYLE_SOURCE, "sample.py")
            if f.code != "MIN901"}
    assert ours == kept
    # No MIN code anywhere: minlint has nothing to say about these comments.
    assert not [f for f in apply(findings, _PYCODESTYLE_SOURCE, "sample.py") if f.code == "MIN901"]
