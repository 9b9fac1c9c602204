"""MIN902 (SPEC 10, issue 14 item 5): a configured policy that found no
disclosure, or an entry of the project's own pack that matched nothing, is a
finding in the pack, in every front end; ``minlint policy show`` says where
each entry matched."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from minlint.frontends.cli import main
from tests.support import write_tree

# One pack entry of each kind that matches the code below, and one that does not.
PACK = '''
[policy]
name = "gateway"
extends = "telegram-2018"

[disclosure]
decorators = ["police_endpoint"]

[[disclosure.sinks]]
name = "portal.push"

[[disclosure.sinks]]
name = "sned_to_police"

[[disclosure.functions]]
names = ["on_NOTHING"]

[[guards]]
id = "court_order"
calls = ["check_warrant"]

[[guards]]
id = "admin"
code = "MIN206"
calls = ["assert_admin"]

[transparency]
calls = ["audit_log"]

[records]
bases = ["app.db.Model"]
'''
# the lines of PACK as written to disk (dedented, from its first line)
PACK_LINES = PACK.lstrip("\n").splitlines()
PACK_UNUSED = {
    "sned_to_police": PACK_LINES.index('name = "sned_to_police"'),
    "on_NOTHING": PACK_LINES.index("[[disclosure.functions]]") + 1,
}
CODE = {
    "app/__init__.py": "",
    "app/db.py": """
        class Model:
            pass
    """,
    "app/views.py": """
        from portal import push as send
        from app.db import Model


        class User(Model):
            email: str


        @police_endpoint
        def answer(order, user):
            check_warrant(order)
            assert_admin(order)
            audit_log(order)
            return {"ip": user.ip}


        def other(order, user):
            check_warrant(order)
            assert_admin(order)
            audit_log(order)
            send({"phone": user.phone})
    """,
}


def project(root: Path, pack: str = PACK, code: dict[str, str] | None = None,
            pyproject: str = '[tool.minlint]\npolicy = "pack.toml"\n') -> Path:
    write_tree(root, {"pyproject.toml": pyproject, "pack.toml": pack, **(CODE if code is None else code)})
    return root


def run(root: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
        *args: str) -> tuple[int, str, str]:
    monkeypatch.chdir(root)
    status = main(list(args))
    out, err = capsys.readouterr()
    return status, out, err


def min902(root: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
           *args: str) -> list[dict[str, object]]:
    status, out, err = run(root, monkeypatch, capsys, "check", "--format", "json", "--no-cache", *args)
    assert status in (0, 1), err
    return [f for f in json.loads(out) if f["code"] in ("MIN902", "MIN901") and str(f["path"]).endswith(".toml")]


def lines_of(found: list[dict[str, object]]) -> list[tuple[object, object]]:
    return [(f["path"], f["line"]) for f in found]


def pack_line(root: Path, needle: str) -> int:
    for number, line in enumerate((root / "pack.toml").read_text().splitlines(), 1):
        if needle in line:
            return number
    raise AssertionError(needle)


def test_each_unmatched_entry_is_reported_at_its_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                     capsys: pytest.CaptureFixture[str]) -> None:
    code = dict(CODE)
    # nothing calls the admin check any more: the whole guard matches nothing
    code["app/views.py"] = textwrap.dedent(CODE["app/views.py"]).replace("    assert_admin(order)\n", "")
    root = project(tmp_path, code=code)
    found = min902(root, monkeypatch, capsys, ".")
    assert lines_of(found) == [
        ("pack.toml", PACK_UNUSED["sned_to_police"]),
        ("pack.toml", pack_line(root, "[[disclosure.functions]]")),
        ("pack.toml", pack_line(root, 'id = "admin"') - 1),
    ]
    assert [f["fields"] for f in found] == [["sned_to_police"], ["names=on_NOTHING"], ["admin"]]
    assert "'sned_to_police' (disclosure.sinks) matched nothing" in str(found[0]["message"])
    assert "(guards) matched nothing" in str(found[2]["message"])


@pytest.mark.parametrize(("removed", "key", "name", "needle"), [
    ("@police_endpoint\n", "disclosure.decorators", "police_endpoint", "decorators ="),
    ("    audit_log(order)\n", "transparency.calls", "audit_log", "calls = [\"audit_log\"]"),
    ("class User(Model):\n    email: str\n", "records.bases", "app.db.Model", "bases ="),
    ("    send({\"phone\": user.phone})\n", "disclosure.sinks", "portal.push", "[[disclosure.sinks]]"),
])
def test_every_kind_of_entry_matched_or_not(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                            capsys: pytest.CaptureFixture[str], removed: str, key: str,
                                            name: str, needle: str) -> None:
    code = dict(CODE)
    views = textwrap.dedent(CODE["app/views.py"])
    assert removed in views
    code["app/views.py"] = views.replace(removed, "")
    root = project(tmp_path, code=code)
    found = min902(root, monkeypatch, capsys, ".")
    mine = [f for f in found if f"({key})" in str(f["message"]) and f["fields"] == [name]]
    assert lines_of(mine) == [("pack.toml", pack_line(root, needle))]
    # the entries that still match are not reported, the two that never do are
    assert len(found) == 3


def test_matched_entries_and_shipped_entries_are_never_reported(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    # the shipped pack's sinks, decorators, guards and transparency calls mostly
    # match nothing here: none of them is the project's to fix
    pack = PACK.replace('\n[[disclosure.sinks]]\nname = "sned_to_police"\n', "").replace(
        '[[disclosure.functions]]\nnames = ["on_NOTHING"]\n', "")
    root = project(tmp_path, pack=pack)
    assert min902(root, monkeypatch, capsys, ".") == []


def test_a_guard_extending_a_shipped_guard_is_judged_by_the_names_the_project_wrote(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    code = {"app/__init__.py": "", "app/views.py": """
        def answer(order, user):
            verify_court_order(order)
            portal.push({"ip": user.ip})
    """}
    pack = '[policy]\nextends = "telegram-2018"\n[disclosure]\nsinks = ["portal.push"]\n' \
           '[[guards]]\nid = "court_order"\ncalls = ["check_warrant"]\n'
    root = project(tmp_path, pack=pack, code=code)
    # verify_court_order is the shipped guard's: the project's own name never occurs
    assert lines_of(min902(root, monkeypatch, capsys, ".")) == [("pack.toml", 5)]
    (root / "app/views.py").write_text((root / "app/views.py").read_text().replace("verify_court_order",
                                                                                   "check_warrant"))
    assert min902(root, monkeypatch, capsys, ".") == []


def test_no_disclosure_is_reported_at_the_policy_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                      capsys: pytest.CaptureFixture[str]) -> None:
    root = project(tmp_path, pack='[policy]\nname = "x"\n', code={"app.py": "def f(u):\n    return u.email\n"},
                   pyproject='[project]\nname = "p"\n\n[tool.minlint]\nselect = ["MIN"]\npolicy = "pack.toml"\n')
    found = min902(root, monkeypatch, capsys, ".")
    assert lines_of(found) == [("pyproject.toml", 6)]
    assert "found no disclosure" in str(found[0]["message"])
    # a shipped pack named in pyproject.toml is configured too
    (root / "pyproject.toml").write_text('[tool.minlint]\npolicy = "telegram-2018"\n')
    assert lines_of(min902(root, monkeypatch, capsys, ".")) == [("pyproject.toml", 2)]


def test_no_disclosure_under_policy_flag_is_line_1_of_that_pack(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    root = project(tmp_path, code={"app.py": "def f(u):\n    return u.email\n"}, pyproject="[tool.minlint]\n")
    (root / "other.toml").write_text('[policy]\nname = "other"\n')
    assert lines_of(min902(root, monkeypatch, capsys, ".", "--policy", "other.toml")) == [("other.toml", 1)]
    # without a configured pack the default applies and nothing is said
    assert min902(root, monkeypatch, capsys, ".") == []


def test_only_a_whole_project_run_reports(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                          capsys: pytest.CaptureFixture[str]) -> None:
    root = project(tmp_path)
    assert min902(root, monkeypatch, capsys, ".") != []
    assert min902(root, monkeypatch, capsys, "app/views.py") == []  # one file: the rest was not looked at
    assert min902(root / "app", monkeypatch, capsys, "..") != []  # the root named from below


def test_text_sarif_exit_status_and_selection(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    code = {"app/__init__.py": "", "app/views.py": "def f(u):\n    portal.push({'ip': u.ip})\n"}
    pack = '[disclosure]\nsinks = ["portal.push", "nowhere_sink"]\n'
    root = project(tmp_path, pack=pack, code=code,
                   pyproject='[tool.minlint]\npolicy = "pack.toml"\nselect = ["MIN902"]\n')
    status, out, _ = run(root, monkeypatch, capsys, "check", "--no-cache", ".")
    assert status == 1
    assert out.splitlines() == ["pack.toml:2:1: MIN902 'nowhere_sink' (disclosure.sinks) matched nothing in the "
                                "checked code: no call in the project is this sink (a misspelt name, or code "
                                "that moved?)"]
    status, out, _ = run(root, monkeypatch, capsys, "check", "--no-cache", "--format", "sarif", ".")
    result = json.loads(out)["runs"][0]["results"][0]
    assert result["ruleId"] == "MIN902"
    assert result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == "pack.toml"
    assert result["locations"][0]["physicalLocation"]["region"]["startLine"] == 2
    # select = ["MIN902"] with MIN902 ignored selects nothing: a usage error (issue 14 item 5), not a pass
    status, out, _ = run(root, monkeypatch, capsys, "check", "--no-cache", "--ignore", "MIN902", ".")
    assert (status, out) == (2, "")
    (root / "pyproject.toml").write_text('[tool.minlint]\npolicy = "pack.toml"\nselect = ["MIN902", "MIN999"]\n')
    status, out, _ = run(root, monkeypatch, capsys, "check", "--no-cache", "--ignore", "MIN902", ".")
    assert (status, out) == (0, "")
    (root / "pyproject.toml").write_text('[tool.minlint]\npolicy = "pack.toml"\nselect = ["MIN902"]\n'
                                         'per-file-ignores = { "pack.toml" = ["MIN902"] }\n')
    status, out, _ = run(root, monkeypatch, capsys, "check", "--no-cache", ".")
    assert (status, out) == (0, "")


def test_noqa_in_the_pack_suppresses_and_needs_a_reason(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                       capsys: pytest.CaptureFixture[str]) -> None:
    code = {"app/__init__.py": "", "app/views.py": "def f(u):\n    portal.push({'ip': u.ip})\n"}
    pack = ('[disclosure]\nsinks = ["portal.push"]\n[transparency]\n'
            'calls = ["old_audit"]  # noqa: MIN902 -- kept until the audit service moves, ticket 12\n')
    root = project(tmp_path, pack=pack, code=code)
    assert min902(root, monkeypatch, capsys, ".") == []
    (root / "pack.toml").write_text(pack.replace(" -- kept until the audit service moves, ticket 12", ""))
    found = min902(root, monkeypatch, capsys, ".")
    assert [(f["code"], f["line"]) for f in found] == [("MIN901", 4)]


def test_results_do_not_depend_on_the_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    root = project(tmp_path)
    cache = tmp_path.parent / f"{tmp_path.name}-cache"
    args = ("check", "--format", "json", "--cache-dir", str(cache), ".")
    first = run(root, monkeypatch, capsys, *args)
    second = run(root, monkeypatch, capsys, *args)  # answered from the cache
    uncached = run(root, monkeypatch, capsys, "check", "--format", "json", "--no-cache", ".")
    assert first[1] == second[1] == uncached[1]
    assert "MIN902" in uncached[1]


def test_flake8_prints_one_warning_line_per_finding(tmp_path: Path) -> None:
    root = project(tmp_path)
    for jobs in ("1", "2"):
        proc = subprocess.run([sys.executable, "-m", "flake8", "--select", "MIN", f"--jobs={jobs}", "."], cwd=root,
                              capture_output=True, text=True, timeout=300)
        warnings = [line for line in proc.stderr.splitlines() if "MIN902" in line]
        assert warnings == [
            f"minlint: warning: pack.toml:{PACK_UNUSED['sned_to_police']}: MIN902 'sned_to_police' "
            "(disclosure.sinks) matched nothing in the checked code: no call in the project is this sink "
            "(a misspelt name, or code that moved?)",
            f"minlint: warning: pack.toml:{PACK_UNUSED['on_NOTHING']}: MIN902 'names=on_NOTHING' "
            "(disclosure.functions) matched nothing in the checked code: no function in the project is "
            "described by this table",
        ], proc.stderr
        assert "MIN902" not in proc.stdout  # flake8 reports lines of Python files only


def test_language_server_publishes_min902_on_the_pack(tmp_path: Path) -> None:
    pytest.importorskip("pygls")
    from lsprotocol import types
    from pygls.uris import from_fs_path
    from pygls.workspace.position_codec import PositionCodec

    from minlint.frontends.lsp import MinlintServer, _Doc

    root = project(tmp_path).resolve()
    views = root / "app" / "views.py"
    uri = from_fs_path(str(views))
    assert uri is not None
    doc = _Doc(uri, views, views.read_text(), 1, "python")
    server = MinlintServer()
    server.use_cache = False
    outcome = server.analyse({uri}, [doc], [root], PositionCodec(types.PositionEncodingKind.Utf16))
    pack_uri = from_fs_path(str(root / "pack.toml"))
    shown = outcome.tomls[pack_uri]
    assert [(d.code, d.range.start.line + 1) for d in shown] == [
        ("MIN902", PACK_UNUSED["sned_to_police"]), ("MIN902", PACK_UNUSED["on_NOTHING"])]
    assert outcome.tomls[from_fs_path(str(root / "pyproject.toml"))] == []
    # fixed in the pack: the next run clears the pack's diagnostics
    (root / "pack.toml").write_text(PACK.lstrip("\n").replace('\n[[disclosure.sinks]]\nname = "sned_to_police"\n', "")
                                    .replace('[[disclosure.functions]]\nnames = ["on_NOTHING"]\n', ""))
    outcome = server.analyse({uri}, [doc], [root], PositionCodec(types.PositionEncodingKind.Utf16))
    assert outcome.tomls[pack_uri] == []


def test_policy_show_text_and_json(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                   capsys: pytest.CaptureFixture[str]) -> None:
    root = project(tmp_path)
    status, out, _ = run(root, monkeypatch, capsys, "policy", "show")
    assert status == 0
    lines = out.splitlines()
    push_at = PACK_LINES.index('name = "portal.push"')
    at = lines.index(f"  * portal.push  (pack.toml:{push_at})")
    assert lines[at + 1] == "      matched at app/views.py:21"
    at = lines.index(f"  * sned_to_police  (pack.toml:{PACK_UNUSED['sned_to_police']})")
    assert lines[at + 1] == "      matched nothing (MIN902)"
    assert "    disclose  (" in out  # shipped entries are listed too, unmarked
    status, out, _ = run(root, monkeypatch, capsys, "policy", "show", "--format", "json")
    data = json.loads(out)
    by_name = {(e["key"], e["name"], e["own"]): e for e in data["entries"]}
    guard = by_name[("guards", "court_order", True)]
    assert guard["pack"] == {"path": "pack.toml", "line": PACK_LINES.index('id = "court_order"')}
    assert guard["matches"] == [{"path": "app/views.py", "line": 11}, {"path": "app/views.py", "line": 18}]
    assert by_name[("records.bases", "app.db.Model", True)]["matches"] == [{"path": "app/views.py", "line": 5}]
    assert by_name[("disclosure.decorators", "police_endpoint", True)]["matches"] == [
        {"path": "app/views.py", "line": 10}]  # the def line
    assert data["settings"]["fields.allowed"] == ["ip_address", "phone_number"]


def test_policy_show_truncates_with_a_count(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    body = "".join(f"def f{i}(u):\n    portal.push({{'ip': u.ip}})\n\n" for i in range(7))
    root = project(tmp_path, pack='[disclosure]\nsinks = ["portal.push"]\n', code={"app.py": body})
    status, out, _ = run(root, monkeypatch, capsys, "policy", "show", "--limit", "3")
    assert status == 0
    assert "      matched at app.py:2, app.py:5, app.py:8 and 4 more" in out.splitlines()
    status, out, err = run(root, monkeypatch, capsys, "policy", "show", "--limit", "0")
    assert status == 2 and err.startswith("minlint: error: --limit")


def test_language_server_leaves_the_pack_alone_while_typing(tmp_path: Path) -> None:
    pytest.importorskip("pygls")
    from lsprotocol import types
    from pygls.uris import from_fs_path
    from pygls.workspace.position_codec import PositionCodec

    from minlint.frontends.lsp import MinlintServer, _Doc

    root = project(tmp_path).resolve()
    views = root / "app" / "views.py"
    uri = from_fs_path(str(views))
    assert uri is not None
    doc = _Doc(uri, views, views.read_text() + "\n# typing\n", 2, "python")
    server = MinlintServer()
    server.use_cache = False
    # an unsaved edit (no open, save or change on disk since the last run): the
    # file's findings, not a whole-project MIN902 pass over every keystroke
    outcome = server.analyse({uri}, [doc], [root], PositionCodec(types.PositionEncodingKind.Utf16), True, False)
    assert outcome.tomls == {}
    assert outcome.published and outcome.published[0][0] == doc


def test_a_function_table_is_matched_through_the_vocabulary(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Liveness asks the vocabulary, knowing only the table, whether a function
    is a disclosure function; it never matches tables itself. (Until SPEC 7.1's
    matcher lands, the vocabulary ignores tables: stand one in for it here.)"""
    from minlint.analysis import vocab
    from minlint.analysis.liveness import Liveness, entries
    from minlint.api import configure
    from minlint.project.collect import collect
    from minlint.project.index import Project

    code = {"app/__init__.py": "", "app/servlets.py": """
        class UserServlet(Servlet):
            def on_GET(self, request):
                return 200, {"email": request.user.email}

            def helper(self):
                return 1
    """}
    root = project(tmp_path, pack='[[disclosure.functions]]\nnames = ["on_GET"]\n', code=code)
    asked: list[str] = []

    def is_disclosure_function(self: vocab.Vocabulary, fn: object) -> bool:
        name = getattr(fn, "qualname", "")
        asked.append(name)
        return any(name.rpartition(".")[2] in spec.names for spec in self.policy.functions)

    monkeypatch.setattr(vocab.Vocabulary, "is_disclosure_function", is_disclosure_function)
    config = configure([str(root)])
    policy = config.load_policy()
    liveness = Liveness(Project(collect([str(root)], config), config.root, policy))
    (table,) = [e for e in entries(policy) if e.kind == "function"]
    assert table.own and table.label == "names=on_GET"
    assert liveness.matches(table) == [(f"{root.as_posix()}/app/servlets.py", 2)]
    assert "UserServlet.on_GET" in asked


@pytest.mark.xfail(strict=True, reason="SPEC 7.1: the vocabulary matches [[disclosure.functions]] once the "
                                        "functions branch lands; then this passes and the marker goes")
def test_a_matched_function_table_is_not_reported(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    code = {"app/__init__.py": "", "app/servlets.py": """
        class UserServlet(Servlet):
            def on_GET(self, request):
                return 200, {"ip": request.user.ip}
    """}
    root = project(tmp_path, pack='[[disclosure.functions]]\nnames = ["on_GET"]\n', code=code)
    assert min902(root, monkeypatch, capsys, ".") == []
