"""The pre-commit hook, end to end: `pre-commit try-repo` installs this
checkout into a fresh virtualenv and runs the `minlint` hook on a project.

`try-repo` on a local path takes the HEAD commit plus changes to *tracked*
files; untracked files (a new module, or .pre-commit-hooks.yaml before it is
first committed) would be missing. So the test commits a snapshot of the
working tree into a temporary repository and tries that: it tests the code
as it is on disk, committed or not.

Needs git and access to the package index (pre-commit pip-installs the hook
repository and its dependencies).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent

# Never part of the hook repository: caches and build output, whether or not
# a .gitignore says so.
JUNK_PARTS = {".git", "__pycache__", ".mypy_cache", ".pytest_cache", ".ruff_cache", ".minlint_cache",
              ".benchmarks", ".venv", "venv", "build", "dist", ".tox", ".nox"}

VIOLATION = '''\
def handler(request, user):
    verify_court_order(request.order)
    check_jurisdiction(request.country)
    require_terror_suspect(request)
    record_disclosure(request)
    disclose({"ip": user.ip, "email": user.email})
'''

pytestmark = pytest.mark.skipif(shutil.which("git") is None, reason="needs git")


def git(cwd: Path, *args: str) -> str:
    proc = subprocess.run(
        ["git", "-c", "user.name=minlint tests", "-c", "user.email=tests@minlint.invalid",
         "-c", "commit.gpgsign=false", "-c", "init.defaultBranch=main", *args],
        check=False, cwd=cwd, capture_output=True, text=True, timeout=120,
    )
    assert proc.returncode == 0, f"git {' '.join(args)}: {proc.stderr}"
    return proc.stdout


def working_tree_files(root: Path) -> list[Path]:
    """The files a commit of the working tree would hold (tracked and
    untracked, minus .gitignore'd and junk), relative to *root*."""
    listed = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        check=False, cwd=root, capture_output=True, timeout=120,
    )
    if listed.returncode != 0:
        pytest.skip(f"{root} is not a git checkout: {listed.stderr.decode(errors='replace').strip()}")
    out = []
    for name in listed.stdout.decode("utf-8", errors="surrogateescape").split("\0"):
        if not name:
            continue
        rel = Path(name)
        if any(part in JUNK_PARTS or part.endswith(".egg-info") for part in rel.parts):
            continue
        if (root / rel).is_file():  # deleted-but-tracked files are not in the tree
            out.append(rel)
    return out


def snapshot(root: Path, dest: Path) -> Path:
    for rel in working_tree_files(root):
        target = dest / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(root / rel, target)
    git(dest, "init", "-q")
    git(dest, "add", "-A")
    git(dest, "commit", "-q", "-m", "snapshot of the working tree")
    return dest


def try_repo(hook_repo: Path, project: Path, home: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("GIT_")}
    env.update(PRE_COMMIT_HOME=str(home), PRE_COMMIT_COLOR="never", PIP_DISABLE_PIP_VERSION_CHECK="1")
    return subprocess.run(
        [sys.executable, "-m", "pre_commit", "try-repo", str(hook_repo), "minlint", "--all-files",
         "--color", "never"],
        check=False, cwd=project, env=env, capture_output=True, text=True, timeout=900,
    )


def test_hook_fails_on_violation_then_passes_when_fixed(tmp_path: Path) -> None:
    assert (REPO / ".pre-commit-hooks.yaml").is_file()
    hook_repo = snapshot(REPO, tmp_path / "hook-repo")

    project = tmp_path / "project"
    project.mkdir()
    git(project, "init", "-q")
    (project / "pyproject.toml").write_text('[tool.minlint]\npolicy = "telegram-2018"\n', encoding="utf-8")
    (project / "app.py").write_text(VIOLATION, encoding="utf-8")
    git(project, "add", "-A")

    home = tmp_path / "pre-commit-home"
    failed = try_repo(hook_repo, project, home)
    output = failed.stdout + failed.stderr
    assert failed.returncode == 1, output
    assert "app.py:6:" in output and "MIN101" in output and "email" in output, output
    assert "minlint" in output and "Failed" in output, output

    (project / "app.py").write_text(VIOLATION.replace(', "email": user.email', ""), encoding="utf-8")
    git(project, "add", "-A")
    passed = try_repo(hook_repo, project, home)
    output = passed.stdout + passed.stderr
    assert passed.returncode == 0, output
    assert "Passed" in output and "MIN101" not in output, output


def _lsp_message(payload: dict[str, object]) -> bytes:
    body = json.dumps(payload).encode()
    return b"Content-Length: %d\r\n\r\n%s" % (len(body), body)


@pytest.mark.slow  # a fresh virtualenv and a full pip install: about 2 minutes on a loaded 2-core box
def test_pip_install_alone_gives_flake8_and_the_language_server(tmp_path: Path) -> None:
    """A plain `pip install` of a checkout (no extras) into a fresh virtualenv:
    flake8 with the MIN plugin and `minlint lsp --stdio` work there as they
    are (flake8 and pygls are dependencies, issue 20)."""
    checkout = snapshot(REPO, tmp_path / "checkout")
    env = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(env)], check=True, timeout=300)
    bin_dir = env / ("Scripts" if os.name == "nt" else "bin")
    pip = subprocess.run([str(bin_dir / "python"), "-m", "pip", "install", "-q", "--disable-pip-version-check",
                          str(checkout)], check=False, capture_output=True, text=True, timeout=900)
    assert pip.returncode == 0, pip.stdout + pip.stderr
    project = tmp_path / "project"
    project.mkdir()
    (project / "pyproject.toml").write_text("[tool.minlint]\n", encoding="utf-8")
    (project / "app.py").write_text(VIOLATION, encoding="utf-8")
    flake8 = subprocess.run([str(bin_dir / "flake8"), "--select", "MIN", "."], check=False, cwd=project,
                            capture_output=True, text=True, timeout=300)
    assert "app.py:6:30: MIN101" in flake8.stdout, flake8.stdout + flake8.stderr
    messages = b"".join(_lsp_message(m) for m in (
        {"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {"processId": None, "rootUri": None,
                                                                       "capabilities": {}}},
        {"jsonrpc": "2.0", "method": "initialized", "params": {}},
        {"jsonrpc": "2.0", "id": 2, "method": "shutdown"},
        {"jsonrpc": "2.0", "method": "exit"},
    ))
    lsp = subprocess.run([str(bin_dir / "minlint"), "lsp", "--stdio"], check=False, cwd=project, input=messages,
                         capture_output=True, timeout=120)
    assert lsp.returncode == 0, lsp.stderr.decode(errors="replace")
    assert b'"capabilities"' in lsp.stdout and b'"name": "minlint"' in lsp.stdout.replace(b'":"', b'": "'), lsp.stdout
