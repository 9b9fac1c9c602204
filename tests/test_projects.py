"""A file is checked in its project, and a gate that checks nothing does not
pass (issue 14 items 3, 5 and 8; SPEC 8.7 and 10).

- Item 3: ``minlint check backend/handlers.py`` on the bundled example
  reports what the whole-project run reports for that file; ``--exclude X``
  removes X's findings and nothing else (excluded files' definitions are
  read, their call sites are not callers).
- Item 5: ``select = []``, ``--select ,``, ``exclude = ["*"]`` and
  per-file-ignores covering every code are a usage error (exit 2, one line
  naming the file and key) unless ``--exit-zero``; flake8 stops with that
  line too, the language server shows it.
- Item 8: a folder that cannot be listed is one MIN999, never a silent skip
  or an "internal error"; so is a file named under it.
- The committed ``cache-dir`` cannot send the cache out of the project, and
  the operator's ``MINLINT_CACHE_DIR`` wins over it.
"""

from __future__ import annotations

import asyncio
import contextlib
import errno
import io
import json
import os
import shutil
import subprocess
import sys
import textwrap
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
import pytest_lsp
from lsprotocol import types
from pytest_lsp import ClientServerConfig, LanguageClient, client_capabilities

from minlint.frontends.cli import main
from minlint.project.config import ConfigError, find_config
from minlint.run.cache import ENV
from tests.support import REPO, write_tree
from tests.test_lsp import diagnostics, make_client, open_doc

EXAMPLE = REPO / "examples" / "messenger"
Found = list[tuple[str, int, str, str]]


@contextlib.contextmanager
def chdir(folder: Path) -> Iterator[None]:
    before = os.getcwd()
    os.chdir(folder)
    try:
        yield
    finally:
        os.chdir(before)


def run(cwd: Path, *args: str) -> tuple[int, str, str]:
    """`minlint ARGS` in process, in *cwd*: (status, stdout, stderr)."""
    out, err = io.StringIO(), io.StringIO()
    with chdir(cwd), contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        status = main(list(args))
    return status, out.getvalue(), err.getvalue()


def findings(cwd: Path, *args: str) -> Found:
    status, out, err = run(cwd, "check", "--no-cache", "--quiet", "--format", "json", *args)
    assert status in (0, 1), err
    return [(d["path"], d["line"], d["code"], d["message"]) for d in json.loads(out)]


@pytest.fixture
def example(tmp_path: Path) -> Path:
    root = tmp_path / "messenger"
    shutil.copytree(EXAMPLE, root)
    return root


# -- item 3: one file in its project ------------------------------------------------


def test_one_file_reports_what_the_project_run_reports_for_it(example: Path) -> None:
    whole = findings(example, ".")
    mine = [f for f in whole if f[0] == "backend/handlers.py"]
    assert {f[2] for f in mine} == {"MIN102", "MIN202", "MIN301"}
    # today's main: two false MIN101 'user_id' (payloads.py's helpers unseen)
    assert findings(example, "backend/handlers.py") == mine
    assert findings(example / "backend", "handlers.py") == [(p.removeprefix("backend/"), *rest) for p, *rest in mine]
    assert findings(example, str(example / "backend" / "handlers.py")) == [
        ((example / p).as_posix(), *rest) for p, *rest in mine]


def test_exclude_removes_findings_and_never_changes_the_others(example: Path) -> None:
    whole = findings(example, ".")
    assert ("backend/payloads.py", 12, "MIN101") in {f[:3] for f in whole}
    without = findings(example, "--exclude", "backend/payloads.py", ".")
    assert without == [f for f in whole if f[0] != "backend/payloads.py"]
    assert findings(example, "--exclude", "backend/payloads.py", "backend/handlers.py") == [
        f for f in whole if f[0] == "backend/handlers.py"]


def test_an_excluded_callers_checks_do_not_count(tmp_path: Path) -> None:
    # SPEC 8.7: a test that calls a handler after every check creates no
    # caller, so excluding tests/ does not hide the handler's missing checks;
    # and the helper it defines is still read where checked code uses it
    write_tree(tmp_path, {
        "pyproject.toml": '[tool.minlint]\nexclude = ["tests"]\n',
        "app/__init__.py": "",
        "app/handler.py": """
            from tests.shapes import shape

            def handle(request, user):
                disclose(shape(user))
        """,
        "tests/__init__.py": "",
        "tests/shapes.py": """
            def shape(user):
                return {"ip": user.ip}
        """,
        "tests/test_handler.py": """
            from app.handler import handle

            def test_handle(request, user):
                verify_court_order(request.order)
                check_jurisdiction(request.country)
                require_terror_suspect(request)
                record_disclosure(request)
                handle(request, user)
        """,
    })
    found = {f[:3] for f in findings(tmp_path, ".")}
    assert found == {("app/handler.py", 4, c) for c in ("MIN201", "MIN202", "MIN203", "MIN301")}
    # not MIN103 (an unknown helper): the excluded module's definition was read
    assert findings(tmp_path, "app/handler.py") == findings(tmp_path, ".")


# -- item 5: a configuration that checks nothing -----------------------------------------

LEAK = 'def f(request, user):\n    disclose({"email": user.email})\n'


@pytest.mark.parametrize(
    ("table", "flags", "key"),
    [
        ("select = []\n", (), "tool.minlint.select"),
        ("", ("--select", ","), "--select"),
        ('ignore = ["MIN"]\n', (), "tool.minlint.ignore"),
        ('exclude = ["*"]\n', (), "tool.minlint.exclude"),
        ("", ("--exclude", "*.py"), "--exclude"),
        ('[tool.minlint.per-file-ignores]\n"*" = ["MIN"]\n', (), "tool.minlint.per-file-ignores"),
    ],
)
def test_a_configuration_that_checks_nothing_is_a_usage_error(tmp_path: Path, table: str, flags: tuple[str, ...],
                                                              key: str) -> None:
    write_tree(tmp_path, {"pyproject.toml": "[tool.minlint]\n" + table, "a.py": LEAK})
    status, out, err = run(tmp_path, "check", "--no-cache", *flags, ".")
    assert status == 2, out + err
    assert out == ""
    [line] = err.splitlines()
    assert line.startswith("minlint: error: ") and f": {key}: " in line
    if not key.startswith("--"):
        assert str(tmp_path / "pyproject.toml") in line
    # --exit-zero: said as a warning, and the run passes
    status, _, err = run(tmp_path, "check", "--no-cache", "--exit-zero", *flags, ".")
    assert status == 0
    assert "minlint: warning: " in err and f": {key}: " in err


def test_a_selection_that_leaves_something_is_fine(tmp_path: Path) -> None:
    write_tree(tmp_path, {"pyproject.toml": '[tool.minlint]\nexclude = ["tests"]\n'
                                            '[tool.minlint.per-file-ignores]\n"a.py" = ["MIN1"]\n',
                          "a.py": LEAK, "tests/t.py": LEAK})
    status, out, err = run(tmp_path, "check", "--no-cache", "--select", "MIN1,MIN2", ".")
    assert status == 1, err
    assert {line.split()[1] for line in out.splitlines()} == {"MIN201", "MIN202", "MIN203"}


def test_flake8_stops_with_the_same_line(tmp_path: Path) -> None:
    write_tree(tmp_path, {"pyproject.toml": "[tool.minlint]\nselect = []\n", "a.py": LEAK})
    proc = subprocess.run([sys.executable, "-m", "flake8", "--select", "MIN", "--minlint-no-cache", "."],
                          cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 1
    assert "Traceback" not in proc.stdout + proc.stderr
    assert (f"minlint: error: {tmp_path / 'pyproject.toml'}: tool.minlint.select: selects no rule code"
            in proc.stdout.splitlines()[-1])


SERVER = ClientServerConfig(server_command=[sys.executable, "-m", "minlint", "lsp"], client_factory=make_client)


@pytest.fixture
def silent(tmp_path: Path) -> Path:
    write_tree(tmp_path, {"pyproject.toml": "[tool.minlint]\nselect = []\n", "a.py": LEAK})
    return tmp_path


@pytest_lsp.fixture(config=SERVER)
async def lsp(lsp_client: LanguageClient, silent: Path) -> AsyncIterator[None]:
    params = types.InitializeParams(capabilities=client_capabilities("visual-studio-code"), root_uri=silent.as_uri(),
                                    workspace_folders=[types.WorkspaceFolder(uri=silent.as_uri(), name="p")])
    await asyncio.wait_for(lsp_client.initialize_session(params), 30)
    yield
    await asyncio.wait_for(lsp_client.shutdown_session(), 30)


@pytest.mark.asyncio
async def test_the_language_server_shows_the_same_line(lsp: LanguageClient, silent: Path) -> None:
    path = silent / "a.py"
    mark = open_doc(lsp, path)  # type: ignore[arg-type]
    [diagnostic] = await diagnostics(lsp, path.as_uri(), mark)  # type: ignore[arg-type]
    assert diagnostic.message.startswith(f"{silent / 'pyproject.toml'}: tool.minlint.select: selects no rule code")
    assert diagnostic.severity == types.DiagnosticSeverity.Error


# -- item 8: folders that cannot be listed ------------------------------------------------


@pytest.fixture
def locked(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A project with a folder ``locked`` that cannot be listed or looked into.

    The tests run as root, for whom ``chmod 000`` changes nothing, and the
    interpreter lives under /root, which no other user may enter: so what
    the kernel answers an ordinary user is simulated in process: EACCES from
    ``os.scandir`` on the folder and from ``os.stat`` on anything in it, as
    ``chmod 000 locked`` gives. (The folder is chmod 000 as well, for a run
    as an ordinary user.)"""
    write_tree(tmp_path, {"pyproject.toml": "[tool.minlint]\n", "app/a.py": LEAK, "locked/b.py": LEAK,
                          "locked/deeper/c.py": LEAK})
    folder = tmp_path / "locked"
    real_scandir, real_stat = os.scandir, os.stat

    def inside(path: object) -> bool:
        p = Path(os.path.abspath(os.fspath(path)))  # type: ignore[call-overload]
        return folder in p.parents

    def scandir(path: object = ".") -> object:
        if Path(os.path.abspath(os.fspath(path))) == folder:  # type: ignore[call-overload]
            raise PermissionError(errno.EACCES, "Permission denied", os.fspath(path))  # type: ignore[call-overload]
        return real_scandir(path)  # type: ignore[call-overload]

    def stat(path: object, *args: object, **kwargs: object) -> os.stat_result:
        if inside(path):
            raise PermissionError(errno.EACCES, "Permission denied", os.fspath(path))  # type: ignore[call-overload]
        return real_stat(path, *args, **kwargs)  # type: ignore[call-overload]

    monkeypatch.setattr(os, "scandir", scandir)
    monkeypatch.setattr(os, "stat", stat)
    folder.chmod(0)
    yield tmp_path
    folder.chmod(0o755)


def test_a_folder_that_cannot_be_listed_is_one_min999(locked: Path) -> None:
    status, out, err = run(locked, "check", "--no-cache", "--format", "json", ".")
    assert status == 1, err
    assert "internal error" not in err
    data = json.loads(out)
    problems = [(d["path"], d["line"], d["message"]) for d in data if d["code"] == "MIN999"]
    assert problems == [("locked", 1, "cannot check this file: cannot list this folder (Permission denied)")]
    assert ("app/a.py", "MIN101") in {(d["path"], d["code"]) for d in data}
    # named directly: the same one finding
    status, out, err = run(locked, "check", "--no-cache", "--format", "json", "locked")
    assert status == 1 and "internal error" not in err
    assert [(d["path"], d["code"]) for d in json.loads(out)] == [("locked", "MIN999")]


def test_a_file_named_under_it_is_a_min999(locked: Path) -> None:
    status, out, err = run(locked, "check", "--no-cache", "--format", "json", "locked/b.py", "app/a.py")
    assert status == 1, err
    assert "internal error" not in err
    data = json.loads(out)
    assert [(d["path"], d["line"], d["code"]) for d in data if d["code"] == "MIN999"] == [("locked/b.py", 1, "MIN999")]
    assert "Permission denied" in next(d["message"] for d in data if d["code"] == "MIN999")
    assert ("app/a.py", "MIN101") in {(d["path"], d["code"]) for d in data}


def test_an_excluded_folder_that_cannot_be_listed_is_not_reported(locked: Path) -> None:
    (locked / "pyproject.toml").write_text('[tool.minlint]\nexclude = ["locked"]\n', encoding="utf-8")
    assert {f[2] for f in findings(locked, ".")} == {"MIN101", "MIN201", "MIN202", "MIN203", "MIN301"}


# -- the cache folder a contributor may commit ----------------------------------------------


@pytest.mark.parametrize("value", ["/tmp/elsewhere", "~/cache", "../outside", "a/../../outside", "C:/cache"])
def test_a_committed_cache_dir_cannot_leave_the_project(tmp_path: Path, value: str) -> None:
    (tmp_path / "pyproject.toml").write_text(f"[tool.minlint]\ncache-dir = {json.dumps(value)}\n", encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        find_config(tmp_path)
    assert str(caught.value).startswith(f"{tmp_path / 'pyproject.toml'}: tool.minlint.cache-dir: ")
    status, _, err = run(tmp_path, "check", ".")
    assert status == 2 and err.count("\n") == 1 and "cache-dir" in err


def test_the_operators_cache_folder_wins_over_the_committed_one(tmp_path: Path,
                                                                monkeypatch: pytest.MonkeyPatch) -> None:
    from minlint.run.cache import chosen_dir

    (tmp_path / "pyproject.toml").write_text('[tool.minlint]\ncache-dir = "build/cache"\n', encoding="utf-8")
    committed = find_config(tmp_path).cache_dir
    assert committed == tmp_path / "build" / "cache"
    monkeypatch.delenv(ENV, raising=False)
    assert chosen_dir(None, committed) == committed
    assert chosen_dir(tmp_path / "flag", committed) == tmp_path / "flag"
    monkeypatch.setenv(ENV, str(tmp_path / "env"))
    assert chosen_dir(None, committed) is None  # None: the cache home, which is $MINLINT_CACHE_DIR
    # and a run really writes there, not into the committed folder
    (tmp_path / "a.py").write_text(textwrap.dedent(LEAK), encoding="utf-8")
    status, _, err = run(tmp_path, "check", ".")
    assert status == 1, err
    assert not (tmp_path / "build").exists()
    assert any((tmp_path / "env").rglob("*.json"))


def test_the_ci_docs_say_how_the_cache_behaves() -> None:
    import yaml

    workflow = yaml.safe_load((REPO / "docs" / "github-actions.yml").read_text(encoding="utf-8"))
    # the cache is the workflow's, outside the checkout, over any committed cache-dir
    assert "/../" in workflow["env"][ENV] and "github.workspace" in workflow["env"][ENV]
    steps = workflow["jobs"]["code-scanning"]["steps"]
    [restore] = [s for s in steps if str(s.get("uses", "")).startswith("actions/cache@")]
    assert restore["with"]["path"] == "${{ env." + ENV + " }}"
    runs = [s["run"] for s in workflow["jobs"]["annotations"]["steps"] if "run" in s]
    assert any(r.startswith("minlint check") and "--no-cache" in r for r in runs)
    text = (REPO / "docs" / "integrations.md").read_text(encoding="utf-8")
    section = text[text.index("### The cache in CI"):]
    for needed in ("signed", "HMAC", "actions/cache", "--no-cache", ENV, "cache-dir", "is never read"):
        assert needed in section, needed
    assert "The hook's cache lives outside the repository" in text


def test_without_a_table_a_file_belongs_to_the_folder_minlint_runs_in(tmp_path: Path,
                                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    from minlint.project.config import file_config, project_config

    write_tree(tmp_path, {"repo/a/b/x.py": LEAK, "repo/a/y.py": LEAK})
    repo = (tmp_path / "repo").resolve()
    # a file: the folder minlint runs in, when the file is under it (pre-commit, flake8, `check .` agree)
    assert project_config(repo / "a" / "b" / "x.py", cwd=repo).root == repo
    assert file_config(repo / "a" / "b", cwd=repo).root == repo
    # a folder named: that folder (SPEC 10, "the path given")
    assert project_config(repo / "a", cwd=repo).root == repo / "a"
    # outside the folder minlint runs in: the file's own folder
    assert project_config(repo / "a" / "y.py", cwd=repo / "a" / "b").root == repo / "a"
    # never the filesystem root or the home folder: a run there would read the machine
    assert project_config(repo / "a" / "y.py", cwd=Path("/")).root == repo / "a"
    monkeypatch.setenv("HOME", str(tmp_path))
    assert project_config(repo / "a" / "y.py", cwd=tmp_path).root == repo / "a"
    # a table wins over all of it
    (repo / "a" / "pyproject.toml").write_text("[tool.minlint]\n", encoding="utf-8")
    assert project_config(repo / "a" / "b" / "x.py", cwd=repo).root == repo / "a"


def test_the_cache_knows_which_files_are_excluded(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # whether a caller counts depends on whether its file is excluded: a
    # cached result from a run with other excludes must not be reused
    write_tree(tmp_path / "p", {
        "pyproject.toml": "[tool.minlint]\n",
        "app/handler.py": "def handle(request, user):\n    disclose({'ip': user.ip})\n",
        "tests/calls.py": """
            from app.handler import handle

            def call(request, user):
                verify_court_order(request.order)
                check_jurisdiction(request.country)
                require_terror_suspect(request)
                record_disclosure(request)
                handle(request, user)
        """,
    })
    monkeypatch.setenv(ENV, str(tmp_path / "cache"))
    root = tmp_path / "p"

    def cached(*args: str) -> set[tuple[str, int, str]]:
        status, out, err = run(root, "check", "--quiet", "--format", "json", *args, ".")
        assert status in (0, 1), err
        return {(d["path"], d["line"], d["code"]) for d in json.loads(out)}

    kept = {f[:3] for f in findings(root, ".")}
    excluded = {f[:3] for f in findings(root, "--exclude", "tests")}
    assert kept == set() and {c for _, _, c in excluded} == {"MIN201", "MIN202", "MIN203", "MIN301"}
    for _ in range(2):
        assert cached() == kept
        assert cached("--exclude", "tests") == excluded
