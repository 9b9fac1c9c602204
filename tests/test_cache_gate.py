"""The cache is not an input (SPEC §10): a cache a contributor commits, one
built from another tree, edited, symlinked or of the wrong shape changes
nothing; every front end can turn it off and reports the same either way."""

from __future__ import annotations

import asyncio
import json
import os
import re
import shutil
import subprocess
import sys
import textwrap
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import pytest_lsp
from lsprotocol import types
from pytest_lsp import ClientServerConfig, LanguageClient, client_capabilities

from minlint.project.config import find_config
from minlint.run import cache as cache_mod
from minlint.run import engine
from minlint.run.cache import Cache
from tests.test_lsp import diagnostics, make_client, open_doc

LEAK = textwrap.dedent('''
    def handler(request, user):
        disclose({"email": user.email, "messages": user.messages})
''').lstrip()
CLEAN = 'def handler(request, user):\n    return 1\n'
# the contributor's own configuration puts the cache in the tree, where a PR can commit it
PYPROJECT = '[tool.minlint]\ncache-dir = ".minlint_cache"\n'
LINE = re.compile(r"^(?P<path>[^:]+):(?P<line>\d+):(?P<col>\d+): (?P<code>MIN\d+) ")


def tree(root: Path, handler: str) -> Path:
    (root / "app").mkdir(parents=True)
    (root / "pyproject.toml").write_text(PYPROJECT)
    (root / "app" / "__init__.py").write_text("")
    (root / "app" / "handlers.py").write_text(handler)
    return root


def minlint(root: Path, *args: str) -> set[tuple[str, int, str]]:
    proc = subprocess.run([sys.executable, "-m", "minlint", "check", "--format", "json", *args, "."], cwd=root,
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode in (0, 1) and proc.stdout, proc.stderr
    return {(f["path"], f["line"], f["code"]) for f in json.loads(proc.stdout)}


def cache_files(root: Path) -> list[Path]:
    return sorted((root / ".minlint_cache").glob("*.json"))


def forge(path: Path) -> None:
    """Empty every seed's findings, keeping the file's (now wrong) HMAC line."""
    mac, _, body = path.read_text().partition("\n")
    data = json.loads(body)
    for entry in data["seeds"].values():
        entry["findings"] = []
    path.write_text(mac + "\n" + json.dumps(data))


def git(cwd: Path, *args: str) -> None:
    env = {**os.environ, "GIT_AUTHOR_NAME": "a", "GIT_AUTHOR_EMAIL": "a@x", "GIT_COMMITTER_NAME": "a",
           "GIT_COMMITTER_EMAIL": "a@x"}
    subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True, env=env, timeout=60)


@pytest.fixture(params=["emptied", "other-tree"])
def clone(request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A clone of a repository whose committed cache says there is nothing to report."""
    if shutil.which("git") is None:
        pytest.skip("git is not installed")
    # $MINLINT_CACHE_DIR (the operator's) wins over the committed cache-dir:
    # unset here, so the contributor's in-tree cache is really the one used,
    # and the secret goes to the user cache directory, made a temporary one
    monkeypatch.delenv("MINLINT_CACHE_DIR", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg-cache"))
    repo = tree(tmp_path / "repo", LEAK)
    assert minlint(repo)  # builds the cache, in the tree as configured
    [mine] = cache_files(repo)
    if request.param == "emptied":
        forge(mine)
    else:  # a genuine cache (same user, same secret) of a clean tree, renamed to this tree's name
        other = tree(tmp_path / "other", CLEAN)
        assert minlint(other) == set()
        [theirs] = cache_files(other)
        shutil.copyfile(theirs, mine)
    git(repo, "init", "-q")
    git(repo, "add", "-A")
    git(repo, "add", "-f", ".minlint_cache")
    git(repo, "commit", "-q", "-m", "leak")
    git(tmp_path, "clone", "-q", str(repo), "clone")
    out = tmp_path / "clone"
    assert cache_files(out), "the forged cache is in the clone"
    return out


def test_cli_ignores_a_committed_cache(clone: Path) -> None:
    want = minlint(clone, "--no-cache")
    assert {code for _, _, code in want} >= {"MIN101"}
    assert minlint(clone) == want
    assert minlint(clone) == want  # and the run after it, with whatever it wrote


def test_flake8_ignores_a_committed_cache(clone: Path) -> None:
    want = minlint(clone, "--no-cache")
    proc = subprocess.run([sys.executable, "-m", "flake8", "--select", "MIN", "."], cwd=clone,
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode in (0, 1), proc.stderr
    got = set()
    for line in proc.stdout.splitlines():
        m = LINE.match(line)
        assert m, line
        got.add((m["path"].removeprefix("./"), int(m["line"]), m["code"]))
    assert got == want


SERVER = ClientServerConfig(server_command=[sys.executable, "-m", "minlint", "lsp"], client_factory=make_client)


@pytest_lsp.fixture(config=SERVER)
async def lsp(lsp_client: LanguageClient, clone: Path) -> AsyncIterator[None]:
    params = types.InitializeParams(
        capabilities=client_capabilities("visual-studio-code"),
        root_uri=clone.as_uri(),
        workspace_folders=[types.WorkspaceFolder(uri=clone.as_uri(), name="clone")],
    )
    await asyncio.wait_for(lsp_client.initialize_session(params), 30)
    yield
    await asyncio.wait_for(lsp_client.shutdown_session(), 30)


@pytest.mark.asyncio
async def test_language_server_ignores_a_committed_cache(lsp: LanguageClient, clone: Path) -> None:
    lsp_client = lsp
    want = {(line, code) for path, line, code in minlint(clone, "--no-cache") if path == "app/handlers.py"}
    path = clone / "app" / "handlers.py"
    mark = open_doc(lsp_client, path)  # type: ignore[arg-type]
    found = await diagnostics(lsp_client, path.as_uri(), mark)  # type: ignore[arg-type]
    assert {(d.range.start.line + 1, d.code) for d in found} == want


# -- one run, in process: what the cache refuses ---------------------------------------------------


def run(root: Path, monkeypatch: pytest.MonkeyPatch, *, use_cache: bool = True) -> set[tuple[str, int, str]]:
    monkeypatch.chdir(root)
    config = find_config(root)
    found = engine.check(["."], config, config.load_policy(), use_cache=use_cache)
    return {(f.path, f.line, f.code) for f in found.findings}


def the_cache(root: Path) -> Cache:
    config = find_config(root)
    return Cache(root, config.load_policy().digest, directory=config.cache_dir)


@pytest.mark.parametrize("target", ["/dev/zero", "/dev/stdin", "fifo"])
def test_a_cache_file_that_is_no_regular_file_is_ignored(target: str, tmp_path: Path,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    root = tree(tmp_path / "p", LEAK)
    want = run(root, monkeypatch, use_cache=False)
    file = the_cache(root).file
    file.parent.mkdir(parents=True)
    if target == "fifo":
        os.mkfifo(file)
    else:
        if not Path(target).exists():
            pytest.skip(f"{target} does not exist here")
        file.symlink_to(target)
    proc = subprocess.run([sys.executable, "-m", "minlint", "check", "--format", "json", "."], cwd=root,
                          capture_output=True, text=True, timeout=60, stdin=subprocess.PIPE)
    assert proc.returncode == 1, proc.stderr
    assert {(f["path"], f["line"], f["code"]) for f in json.loads(proc.stdout)} == want


@pytest.mark.parametrize("body", [[], {"format": 3, "seeds": [], "syntax": {}, "files": {}},
                                  {"format": 3, "files": {}, "syntax": {},
                                   "seeds": {"app/handlers.py": {"findings": [{"bogus": 1}]}}}])
def test_a_signed_cache_of_the_wrong_shape_is_ignored(body: object, tmp_path: Path,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    root = tree(tmp_path / "p", LEAK)
    want = run(root, monkeypatch, use_cache=False)
    cache = the_cache(root)
    raw = json.dumps(body).encode()
    cache.file.parent.mkdir(parents=True)
    cache.file.write_bytes(cache._mac(raw).encode() + b"\n" + raw)
    assert run(root, monkeypatch) == want
    assert run(root, monkeypatch) == want


def test_an_edited_cache_is_ignored(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = tree(tmp_path / "p", LEAK)
    want = run(root, monkeypatch)
    [file] = cache_files(root)
    forge(file)
    assert run(root, monkeypatch) == want


def test_the_folder_is_tagged_and_nothing_is_written_through_a_symlink(tmp_path: Path,
                                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    root = tree(tmp_path / "p", LEAK)
    outside = tmp_path / "outside"
    (root / ".minlint_cache").mkdir()
    (root / ".minlint_cache" / ".gitignore").symlink_to(outside)
    run(root, monkeypatch)
    assert not outside.exists()
    assert (root / ".minlint_cache" / "CACHEDIR.TAG").read_text().startswith(
        "Signature: 8a477f597d28d172789f06886806bc55")
    # a symlinked cache folder is not used at all
    shutil.rmtree(root / ".minlint_cache")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (root / ".minlint_cache").symlink_to(elsewhere)
    run(root, monkeypatch)
    assert list(elsewhere.iterdir()) == []


def test_a_secret_others_can_read_disables_the_cache(tmp_path: Path, cache_home: Path,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    root = tree(tmp_path / "p", LEAK)
    assert cache_mod.load_secret() is not None
    (cache_home / cache_mod.SECRET_NAME).chmod(0o644)
    assert cache_mod.load_secret() is None
    run(root, monkeypatch)
    assert not cache_files(root)


def test_by_default_the_cache_is_outside_the_tree(tmp_path: Path, cache_home: Path,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    root = tmp_path / "p"
    tree(root, LEAK)
    (root / "pyproject.toml").write_text("[tool.minlint]\n")
    run(root, monkeypatch)
    assert sorted(p.name for p in root.iterdir()) == ["app", "pyproject.toml"]
    [folder] = (cache_home / "projects").iterdir()
    assert (folder / "CACHEDIR.TAG").is_file() and len(list(folder.glob("*.json"))) == 1
    assert oct((cache_home / cache_mod.SECRET_NAME).stat().st_mode & 0o777) == "0o600"


def test_flake8_and_cli_can_turn_the_cache_off(tmp_path: Path, cache_home: Path) -> None:
    root = tree(tmp_path / "p", LEAK)
    subprocess.run([sys.executable, "-m", "flake8", "--select", "MIN", "--minlint-no-cache", "."], cwd=root,
                   capture_output=True, timeout=120)
    subprocess.run([sys.executable, "-m", "minlint", "check", "--no-cache", "."], cwd=root, capture_output=True,
                   timeout=120)
    assert not (root / ".minlint_cache").exists()
    where = tmp_path / "mine"
    subprocess.run([sys.executable, "-m", "flake8", "--select", "MIN", f"--minlint-cache-dir={where}", "."],
                   cwd=root, capture_output=True, timeout=120)
    assert len(list(where.glob("*.json"))) == 1


def test_the_language_server_reads_its_cache_settings() -> None:
    from minlint.frontends.lsp import MinlintServer

    server = MinlintServer()
    server.configure_cache({"minlint": {"cache": False, "cacheDir": "/tmp/x"}})
    assert (server.use_cache, server.cache_dir) == (False, Path("/tmp/x"))
    server.configure_cache({"cache": "no"})  # the wrong type is ignored
    assert server.use_cache is False
