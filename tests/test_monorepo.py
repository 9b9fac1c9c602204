"""Hierarchical configuration on a monorepo (issue 14 item 2, SPEC 10).

``tests/fixtures/monorepo``: a repository root whose pyproject.toml has no
``[tool.minlint]``, two services with their own pack, excludes and
per-file-ignores, and a shared library under the default pack. Every way of
running minlint must report the same findings for every file: the CLI from
the root, from each service folder, on each service folder named from the
root, on each file alone, the flake8 plugin, and the language server.
"""

from __future__ import annotations

import asyncio
import contextlib
import io
import json
import os
import re
import shutil
import subprocess
import sys
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
import pytest_lsp
from lsprotocol import types
from pytest_lsp import ClientServerConfig, LanguageClient, client_capabilities

from minlint.frontends.cli import main
from tests.support import REPO
from tests.test_lsp import diagnostics, make_client, open_doc

FIXTURE = REPO / "tests" / "fixtures" / "monorepo"
Found = set[tuple[str, int, str]]  # (path from the repository root, line, code)
LINE = re.compile(r"^(?P<path>[^:]+):(?P<line>\d+):\d+: (?P<code>MIN\d+) ")
SERVICES = ("services/billing", "services/chat")


@pytest.fixture(scope="module")
def repo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("mono") / "repo"
    shutil.copytree(FIXTURE, root)
    return root


@contextlib.contextmanager
def chdir(folder: Path) -> Iterator[None]:
    before = os.getcwd()
    os.chdir(folder)
    try:
        yield
    finally:
        os.chdir(before)


def check(repo: Path, cwd: Path, *paths: str) -> Found:
    """`minlint check --format json PATHS` run in *cwd*, in process; paths
    made relative to the repository root."""
    out = io.StringIO()
    with chdir(cwd), contextlib.redirect_stdout(out):
        status = main(["check", "--no-cache", "--quiet", "--format", "json", *paths])
    assert status in (0, 1), out.getvalue()
    found: Found = set()
    for d in json.loads(out.getvalue()):
        where = (cwd / d["path"]).resolve().relative_to(repo.resolve()).as_posix()
        found.add((where, d["line"], d["code"]))
    return found


def under(found: Found, prefix: str) -> Found:
    return {f for f in found if f[0] == prefix or f[0].startswith(prefix.rstrip("/") + "/")}


@pytest.fixture(scope="module")
def whole(repo: Path) -> Found:
    return check(repo, repo, ".")


def test_each_project_is_checked_under_its_own_configuration(whole: Found) -> None:
    # billing: its pack's sink, seen through its helper module
    assert ("services/billing/billing/payloads.py", 5, "MIN101") in whole  # 'iban'
    # billing excludes billing/legacy: its disclosure is not checked
    assert not under(whole, "services/billing/billing/legacy")
    # chat's pack allows e-mail: only the nickname is reported
    assert ("services/chat/chat/handlers.py", 10, "MIN101") in whole
    assert not any(f[0] == "services/chat/chat/admin.py" and f[2] == "MIN101" for f in whole)
    # chat's per-file-ignores silence MIN301 in admin.py only
    assert ("services/chat/chat/admin.py", 5, "MIN201") in whole
    assert ("services/chat/chat/admin.py", 5, "MIN301") not in whole
    assert ("services/chat/chat/handlers.py", 6, "MIN301") in whole
    # chat excludes tests/: not checked, and its call of share_contact (after
    # every check) is not a caller, so share_contact's obligations stay
    assert not under(whole, "services/chat/tests")
    assert ("services/chat/chat/handlers.py", 6, "MIN201") in whole
    # the shared library: the default pack, where e-mail is not allowed
    assert ("shared/lib/export.py", 5, "MIN101") in whole
    # the services' packs are not the root's: hand_over is no sink there
    assert {f[0].split("/")[0] for f in whole} == {"services", "shared"}


@pytest.mark.parametrize("service", SERVICES)
def test_from_a_service_folder_and_on_it(repo: Path, whole: Found, service: str) -> None:
    assert under(whole, service)
    assert check(repo, repo / service, ".") == under(whole, service)
    assert check(repo, repo, service) == under(whole, service)
    assert check(repo, repo, f"{service}/") == under(whole, service)


def test_the_shared_library_on_its_own(repo: Path, whole: Found) -> None:
    assert check(repo, repo, "shared") == under(whole, "shared")
    assert check(repo, repo, "services", "shared") == whole


def python_files(repo: Path) -> list[str]:
    return sorted(p.relative_to(repo).as_posix() for p in repo.rglob("*.py"))


def test_each_file_alone_reports_what_the_whole_run_reports_for_it(repo: Path, whole: Found) -> None:
    files = python_files(repo)
    assert len(files) >= 12
    for rel in files:
        assert check(repo, repo, rel) == {f for f in whole if f[0] == rel}, rel
    # and from inside its service, named relative to it
    assert check(repo, repo / "services/billing", "billing/payloads.py") == {
        f for f in whole if f[0] == "services/billing/billing/payloads.py"}


def flake8(cwd: Path, repo: Path, *paths: str) -> Found:
    proc = subprocess.run([sys.executable, "-m", "flake8", "--select", "MIN", "--minlint-no-cache", *paths],
                          cwd=cwd, capture_output=True, text=True, timeout=300)
    assert proc.returncode in (0, 1), proc.stdout + proc.stderr
    found: Found = set()
    for line in proc.stdout.splitlines():
        m = LINE.match(line)
        assert m, line
        where = (cwd / m["path"]).resolve().relative_to(repo.resolve()).as_posix()
        found.add((where, int(m["line"]), m["code"]))
    return found


def test_flake8_reports_the_same_from_the_root_and_from_a_service(repo: Path, whole: Found) -> None:
    # flake8 has excludes of its own; minlint's are the services' [tool.minlint]
    assert flake8(repo, repo, ".") == whole
    assert flake8(repo / "services/chat", repo, ".") == under(whole, "services/chat")
    assert flake8(repo, repo, "services/billing/billing/payloads.py") == {
        f for f in whole if f[0] == "services/billing/billing/payloads.py"}


def test_a_nested_select_is_that_folders_own_in_every_front_end(tmp_path: Path) -> None:
    # issue 14 item 2: `select = ["MIN9"]` in a subfolder silenced flake8 there
    # while the CLI from the root still reported it; now both apply it
    root = tmp_path / "repo"
    shutil.copytree(FIXTURE, root)
    (root / "shared" / "pyproject.toml").write_text('[tool.minlint]\nselect = ["MIN9"]\n', encoding="utf-8")
    cli = check(root, root, ".")
    assert not under(cli, "shared")
    assert under(cli, "services/billing")
    assert flake8(root, root, ".") == cli


# -- the language server -------------------------------------------------------

SERVER = ClientServerConfig(server_command=[sys.executable, "-m", "minlint", "lsp"], client_factory=make_client)


@pytest_lsp.fixture(config=SERVER)
async def lsp(lsp_client: LanguageClient, repo: Path) -> AsyncIterator[None]:
    params = types.InitializeParams(
        capabilities=client_capabilities("visual-studio-code"),
        root_uri=repo.as_uri(),
        workspace_folders=[types.WorkspaceFolder(uri=repo.as_uri(), name="repo")],
        initialization_options={"minlint": {"cache": False}},
    )
    await asyncio.wait_for(lsp_client.initialize_session(params), 30)
    yield
    await asyncio.wait_for(lsp_client.shutdown_session(), 30)


@pytest.mark.asyncio
async def test_the_language_server_reports_the_same_for_each_file(lsp: LanguageClient, repo: Path,
                                                                  whole: Found) -> None:
    client = lsp
    for rel in ("services/billing/billing/payloads.py", "services/billing/billing/handlers.py",
                "services/billing/billing/legacy/old.py", "services/chat/chat/admin.py",
                "services/chat/chat/handlers.py", "services/chat/tests/handler_calls.py", "shared/lib/export.py"):
        path = repo / rel
        mark = open_doc(client, path)  # type: ignore[arg-type]
        found = await diagnostics(client, path.as_uri(), mark)  # type: ignore[arg-type]
        assert {(d.range.start.line + 1, d.code) for d in found} == {(f[1], f[2]) for f in whole if f[0] == rel}, rel
