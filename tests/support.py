"""Shared test helpers: reading `# expect:` annotations and running the engine."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import textwrap
from collections.abc import Mapping
from pathlib import Path

from minlint.project.config import Config, find_config
from minlint.run.engine import check

EXPECT = re.compile(r"#\s*expect(?P<next>-next)?:\s*(?P<codes>[A-Z]+[0-9]+(?:[ ,]+[A-Z]+[0-9]+)*)")
REPO = Path(__file__).resolve().parent.parent
ACCEPTANCE = REPO / "tests" / "fixtures" / "acceptance"


def copy_acceptance(name: str, dest: Path) -> Path:
    """A copy of the annotated acceptance project `name` (defaults, custom) at `dest`."""
    shutil.copytree(ACCEPTANCE / name, dest)
    return dest


def write_tree(root: Path, files: Mapping[str, str | bytes]) -> None:
    """Write `{relative path: text}` under root; text is dedented, bytes are written as they are."""
    for rel, content in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(textwrap.dedent(content).lstrip("\n"), encoding="utf-8")


def expectations(text: str) -> set[tuple[int, str]]:
    """(line, code) pairs annotated in a source text, as the acceptance scorer reads them."""
    out: set[tuple[int, str]] = set()
    pending: list[str] = []
    for lineno, line in enumerate(text.splitlines(), 1):
        stripped = line.strip()
        if pending and stripped and not stripped.startswith("#"):
            out.update((lineno, c) for c in pending)
            pending = []
        m = EXPECT.search(line)
        if not m:
            continue
        codes = re.split(r"[ ,]+", m.group("codes").strip())
        if m.group("next"):
            pending.extend(codes)
        else:
            out.update((lineno, c) for c in codes)
    return out


def tree_expectations(root: Path) -> set[tuple[str, int, str]]:
    out = set()
    for path in sorted(root.rglob("*.py")):
        rel = path.relative_to(root).as_posix()
        out.update((rel, line, code) for line, code in expectations(path.read_text(encoding="utf-8")))
    return out


def run_case(tmp_path: Path, source: str, select: tuple[str, ...], name: str = "case.py",
             policy: str | None = None) -> set[tuple[int, str]]:
    """Check one module with the default pack (or the pack text *policy*); the findings as (line, code)."""
    path = tmp_path / name
    path.write_text(textwrap.dedent(source).lstrip("\n"), encoding="utf-8")
    config = Config(pyproject=None, root=tmp_path, select=select)
    if policy is not None:
        pack = tmp_path / "case-pack.toml"
        pack.write_text(textwrap.dedent(policy), encoding="utf-8")
        config = Config(pyproject=None, root=tmp_path, select=select, policy=str(pack))
    result = check([str(path)], config, config.load_policy())
    return {(f.line, f.code) for f in result.findings}


def check_tree(root: Path, *args: str) -> set[tuple[str, int, str]]:
    config = find_config(root)
    cwd = os.getcwd()
    os.chdir(root)
    try:
        result = check(["."], config, config.load_policy())
    finally:
        os.chdir(cwd)
    return {(f.path, f.line, f.code) for f in result.findings}


def minlint(*args: str, cwd: Path | None = None, input: str | None = None) -> subprocess.CompletedProcess[str]:
    """The installed CLI, in a subprocess, as a user runs it."""
    return subprocess.run([sys.executable, "-m", "minlint", *args], cwd=cwd, capture_output=True, text=True,
                          input=input, timeout=300)


def minlint_json(root: Path, *args: str) -> list[dict[str, object]]:
    proc = minlint("check", "--format", "json", *args, cwd=root)
    assert proc.returncode in (0, 1), proc.stderr
    data = json.loads(proc.stdout)
    assert isinstance(data, list)
    return data
