"""Every install line in the docs works as written (issue 20): minlint is
not on PyPI, so a line installs from a checkout (`.`, `-e '.[test]'`,
`/path/to/minlint`) or from the repository's git URL (the one pyproject.toml
declares), pinned to a commit that exists; pre-commit configurations pin a
real commit of this repository that has the hook, and say how to update it."""

from __future__ import annotations

import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

REPO = Path(__file__).resolve().parent.parent
DOCS = [REPO / "README.md", *sorted((REPO / "docs").glob("*.md")), *sorted((REPO / "docs").glob("*.yml"))]
PYPROJECT = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))
URL = PYPROJECT["project"]["urls"]["Repository"]
CHECKOUT = {".", "/path/to/minlint", ".[test]"}
GIT = re.compile(rf"^minlint @ git\+{re.escape(URL)}(?:@(?P<rev>[0-9a-f]{{40}}))?$")


def install_lines() -> list[tuple[str, int, str]]:
    out = []
    for doc in DOCS:
        for n, line in enumerate(doc.read_text(encoding="utf-8").splitlines(), 1):
            if "pip install" in line:
                out.append((doc.name, n, line))
    return out


def _git_has(rev: str, path: str) -> bool:
    proc = subprocess.run(["git", "cat-file", "-e", f"{rev}:{path}"], cwd=REPO, capture_output=True, timeout=60,
                          check=False)
    return proc.returncode == 0


def test_the_docs_install_minlint_from_a_checkout_or_its_repository() -> None:
    lines = install_lines()
    assert len(lines) >= 6, lines
    bad = []
    for name, n, line in lines:
        # the command as a shell would split it: `pip install ARGS` up to `&&` or a comment
        command = line.split("pip install", 1)[1].split("&&")[0].split(" #")[0]
        command = command.split("`")[0]
        args = [a for a in shlex.split(command) if not a.startswith("-")]
        for arg in args:
            git = GIT.match(arg)
            if arg in CHECKOUT:
                continue
            if git and (git["rev"] is None or not shutil.which("git") or _git_has(git["rev"], "pyproject.toml")):
                continue
            bad.append(f"{name}:{n}: {arg!r}")
        if not args:
            bad.append(f"{name}:{n}: installs nothing: {line!r}")
    assert bad == []


def test_pre_commit_configurations_pin_a_real_commit_and_mention_autoupdate() -> None:
    if shutil.which("git") is None or not (REPO / ".git").exists():
        pytest.skip("needs the git checkout")
    revs = []
    for doc in DOCS:
        text = doc.read_text(encoding="utf-8")
        for m in re.finditer(rf"repo: {re.escape(URL)}\n\s+rev: (\S+)", text):
            revs.append((doc.name, m[1]))
            assert "pre-commit autoupdate" in text, doc.name
    assert len(revs) >= 2, revs
    for name, rev in revs:
        assert re.fullmatch(r"[0-9a-f]{40}", rev), (name, rev)
        assert _git_has(rev, ".pre-commit-hooks.yaml"), (name, rev)


def test_dependencies_include_flake8_and_pygls_with_the_oldest_tested_flake8() -> None:
    deps = PYPROJECT["project"]["dependencies"]
    assert "flake8>=5.0.4" in deps and "pygls>=2.0" in deps


def test_ci_runs_the_readme_test_command() -> None:
    """`.ci/run` is the README's test command on a clean checkout: the two must not drift."""
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    commands = [line for line in readme.splitlines() if "python -m pytest" in line]
    assert len(commands) == 1, commands
    install, test = (part.strip() for part in commands[0].split("&&"))
    ci = (REPO / ".ci" / "run").read_text(encoding="utf-8").splitlines()
    assert f"python -m {install}" in ci or any(line.strip().startswith("python -m pip install") and
                                               install.split("install", 1)[1].strip() in line for line in ci), ci
    assert test in [line.strip() for line in ci], (test, ci)
    # every plugin the command needs is declared for `.[test]`
    if " -n " in f" {test} ":
        assert any(dep.startswith("pytest-xdist") for dep in PYPROJECT["project"]["optional-dependencies"]["test"])
