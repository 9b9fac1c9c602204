"""No crash on any input (issue #8): real code bases and hostile files.

The CLI (``minlint check --format json --no-cache``, in a subprocess) is run
over whole source trees. For each run:

* the exit status is 0 or 1, never 2, and stderr holds no traceback;
* the summary counts exactly the ``.py`` files this test finds itself;
* the files with a MIN999 are exactly the files that ``ast.parse`` rejects
  (computed here independently, from the bytes: encoding, NUL bytes, syntax,
  recursion) or that cannot be read, with one exception: a file that
  ``ast`` accepts but minlint refuses for a documented libcst hazard (deep
  nesting, long operator chains, size) must say so in its MIN999 reason;
  those files are listed in the report the slow tests print;
* every MIN999 message is one line.

The slow tests (``python -m pytest -m slow -s tests/robustness/test_corpus.py``)
cover the CPython standard library of this machine and the sdists that
``scripts/fetch_corpus.py`` downloads and caches (Django, Django REST
framework, FastAPI, SQLAlchemy) with the default pack; with
``MINLINT_CORPUS_STRESS=1`` also with a *stress* pack that makes everyday
names (``print``, ``get``, ``append``...) sinks, checks and records, so that
nearly every file goes through libcst and the whole analysis instead of only
the syntax check (slow: see ``_stress_or_skip``). ``MINLINT_CORPUS_JOBS=N``
passes ``--jobs N`` to every run. The default run checks
a slice: 40 standard-library files copied into a temporary folder beside the
hostile files (BOM, CRLF, tabs, a latin-1 coding cookie, invalid UTF-8, NUL
bytes, a folder named ``x.py``, symlink loops, a dangling symlink, syntax
errors, deep nesting, long chains) and a control file whose findings are
known; and, on its own, a 20 MB file.
"""

from __future__ import annotations

import ast
import fnmatch
import importlib.util
import json
import os
import re
import shutil
import subprocess
import sys
import sysconfig
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from minlint.project.config import ALWAYS_EXCLUDED
from tests.support import REPO

STDLIB = Path(sysconfig.get_paths()["stdlib"])
# What a MIN999 for a file that ast accepts must name: the hazard that made
# minlint refuse it before libcst could crash or stall on it.
HAZARD = re.compile(r"nest|deep|depth|chain|recursion|too (?:large|long|big|many|complex)|size|MB|time", re.I)
SUMMARY = re.compile(r"in (\d+) files?$")

STRESS_PACK = """\
# Everyday names as vocabulary: nearly every file becomes a disclosure candidate.
[policy]
name = "stress"
extends = "telegram-2018"

[disclosure]
decorators = ["property", "staticmethod", "classmethod", "wraps", "cached_property"]
sinks = ["print", "get", "append", "write", "send", "format", "join", "update", "pop", "call"]
exits = ["exit", "fail", "skipTest"]

[[guards]]
id = "court_order"
calls = ["isinstance", "check", "validate"]
predicates = ["is_valid", "enabled", "closed"]

[[guards]]
id = "jurisdiction"
subjects = ["name", "mode", "kind", "type"]

[transparency]
calls = ["close", "flush", "debug", "info"]
"""


# ---------------------------------------------------------------------------------------------------
# Independent expectations


def python_files(root: Path, exclude: tuple[str, ...] = ()) -> list[str]:
    """The ``.py`` files minlint should check under *root*, relative POSIX paths:
    the built-in excluded folders and *exclude* skipped, symlinked folders not
    followed, a file reached twice (a symlink to another) counted once."""
    out: dict[str, str] = {}
    patterns = ALWAYS_EXCLUDED + exclude
    for dirpath, dirnames, filenames in os.walk(root, followlinks=False):
        base = Path(dirpath)
        dirnames[:] = sorted(d for d in dirnames if not any(fnmatch.fnmatchcase(d, p) for p in patterns))
        for name in sorted(filenames):
            if not name.endswith(".py") or any(fnmatch.fnmatchcase(name, p) for p in patterns):
                continue
            path = base / name
            out.setdefault(os.path.realpath(path), path.relative_to(root).as_posix())
    return sorted(out.values())


def rejected(path: Path) -> str | None:
    """Why ``ast.parse`` (or reading the file at all) fails on *path*, or None."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        return f"unreadable: {exc.strerror or exc}"
    try:
        compile(data, str(path), "exec", ast.PyCF_ONLY_AST, dont_inherit=True)
    except (SyntaxError, ValueError, UnicodeDecodeError, RecursionError, MemoryError, OverflowError) as exc:
        return f"{type(exc).__name__}: {exc}"
    return None


def _error_line(path: Path) -> int | None:
    try:
        compile(path.read_bytes(), str(path), "exec", ast.PyCF_ONLY_AST, dont_inherit=True)
    except SyntaxError as exc:
        return exc.lineno
    except Exception:  # only syntax errors have a line
        return None
    return None


def _libcst_accepts(path: Path) -> bool:
    from minlint.parse.source import Unreadable, parse_module, read_text

    try:
        parse_module(read_text(path))
    except Unreadable:
        return False
    return True


# ---------------------------------------------------------------------------------------------------
# One audited run


@dataclass
class Audit:
    name: str
    files: int = 0
    seconds: float = 0.0
    findings: Counter[str] = field(default_factory=Counter)
    min999: dict[str, str] = field(default_factory=dict)  # path -> message
    hazards: dict[str, str] = field(default_factory=dict)  # accepted by ast, refused by minlint
    newer_syntax: dict[str, str] = field(default_factory=dict)  # refused by ast, checked through libcst
    suppressed: dict[str, str] = field(default_factory=dict)  # MIN999 under a bare noqa comment (MIN901 instead)
    data: list[dict[str, object]] = field(default_factory=list, repr=False)  # the JSON report

    def line(self) -> str:
        return (f"{self.name}: {self.files} files checked in {self.seconds:.0f} s, "
                f"{sum(self.findings.values())} findings, MIN999 {len(self.min999)} "
                f"(hazards {len(self.hazards)}, suppressed by noqa {len(self.suppressed)}, "
                f"newer syntax checked {len(self.newer_syntax)}), crashes 0")


REPORT: list[Audit] = []


def audit(name: str, root: Path, *args: str, exclude: tuple[str, ...] = (), timeout: float = 3600) -> Audit:
    command = [sys.executable, "-m", "minlint", "check", "--format", "json", "--no-cache", *args]
    command += [a for glob in exclude for a in ("--exclude", glob)]
    if os.environ.get("MINLINT_CORPUS_JOBS") and "--jobs" not in args:
        command += ["--jobs", os.environ["MINLINT_CORPUS_JOBS"]]
    started = time.monotonic()
    env = {k: v for k, v in os.environ.items() if k != "MINLINT_DEBUG"}
    proc = subprocess.run([*command, "."], cwd=root, capture_output=True, text=True, timeout=timeout, env=env)
    result = Audit(name, seconds=time.monotonic() - started)
    assert proc.returncode in (0, 1), f"{name}: exit {proc.returncode}: {proc.stderr[-3000:]}"
    assert "Traceback" not in proc.stderr, proc.stderr[-3000:]
    lines = proc.stderr.splitlines()
    assert lines and SUMMARY.search(lines[-1]), proc.stderr[-3000:]
    data = json.loads(proc.stdout)
    result.data = data
    expected_files = python_files(root, exclude)
    result.files = int(SUMMARY.search(lines[-1]).group(1))  # type: ignore[union-attr]
    assert result.files == len(expected_files), f"{name}: the summary counts {result.files} files, not {len(expected_files)}"
    for f in data:
        result.findings[f["code"]] += 1
        if f["code"] == "MIN999":
            assert f["path"] not in result.min999, f"two MIN999 for {f['path']}"
            assert "\n" not in f["message"] and f["message"].strip(), f
            result.min999[f["path"]] = f["message"]
    bad = {p: why for p in expected_files if (why := rejected(root / p)) is not None}
    missing = sorted(set(bad) - set(result.min999))
    noqa_lines = {(f["path"], f["line"]) for f in data if f["code"] == "MIN901"}
    for path in list(missing):
        error_line = _error_line(root / path)
        if (path, error_line) in noqa_lines:
            # a bare noqa comment on the broken line suppresses the MIN999 and is a MIN901 itself
            result.suppressed[path] = bad[path]
            missing.remove(path)
            continue
        # minlint.parse.source lets libcst's verdict win over this interpreter's ast for
        # plain grammar errors (newer syntax such as `type X = int` on 3.11)
        if _libcst_accepts(root / path):
            result.newer_syntax[path] = bad[path]
            missing.remove(path)
    assert not missing, f"{name}: ast rejects these files but minlint reports no MIN999: " + "; ".join(
        f"{p} ({bad[p]})" for p in missing[:20])
    for path in sorted(set(result.min999) - set(bad)):
        message = result.min999[path]
        assert HAZARD.search(message), f"{name}: {path}: MIN999 for a file ast accepts, no hazard named: {message}"
        result.hazards[path] = message
    REPORT.append(result)
    print("\n" + result.line())
    for path, message in sorted(result.hazards.items()):
        print(f"  hazard: {path}: {message}")
    for path, message in sorted(result.suppressed.items()):
        print(f"  MIN999 suppressed by a bare noqa (MIN901 reported) ({message}): {path}")
    for path, message in sorted(result.newer_syntax.items()):
        print(f"  checked although ast rejects it ({message}): {path}")
    return result


# ---------------------------------------------------------------------------------------------------
# The default run: a slice of the standard library and hostile files

CONTROL = '''\
from transport import disclose


def control_handler(request, user):
    disclose({"ip": user.ip, "email": user.email})
'''

# relative path -> content; every one must be checked (findings as annotated
# in EDGE_FINDINGS) or be one MIN999 with a one-line reason.
EDGE: dict[str, bytes] = {
    "edge/empty.py": b"",
    "edge/only_newlines.py": b"\n\n\n",
    "edge/bom.py": b"\xef\xbb\xbf# a BOM\ndisclose({'email': user.email})\n",
    "edge/crlf.py": b"def crlf_handler(user):\r\n    x = 1\r\n    disclose({'email': user.email})\r\n",
    "edge/cr_only.py": b"def cr_handler(user):\r    disclose({'email': user.email})\r",
    "edge/tabs.py": b"def tabs_handler(user):\n\tif user:\n\t\tdisclose({'email': user.email})\n",
    "edge/latin1.py": b"# -*- coding: latin-1 -*-\n# caf\xe9 \xa9\ndef latin1_handler(user):\n    disclose({'\xe9mail': user.ip})\n",
    "edge/cookie_mismatch.py": b"# -*- coding: ascii -*-\nx = '\xc3\xa9'\n",
    "edge/unknown_cookie.py": b"# -*- coding: klingon -*-\nx = 1\n",
    "edge/invalid_utf8.py": b"x = '\xff\xfe'\n",
    "edge/invalid_utf8_seed.py": b"disclose(x)\nx = '\xff'\n",
    "edge/nul.py": b"x = 1\x00\n",
    "edge/nul_seed.py": b"disclose(x)\n\x00\n",
    "edge/syntax.py": b"def f(:\n    pass\n",
    "edge/syntax_seed.py": b"disclose(x)\ndef f(:\n",
    "edge/indent_seed.py": b"def f():\n  disclose(x)\n    y = 1\n",
    "edge/py2.py": b"print 'hello'\n",
    "edge/parens_seed.py": b"disclose(" + b"(" * 300 + b"1" + b")" * 300 + b")\n",
    "edge/calls_seed.py": b"disclose(" + b"f(" * 190 + b")" * 190 + b")\n",
    "edge/unary_seed.py": b"disclose(" + b"-" * 8300 + b"1)\n",
    "edge/chain_seed.py": b"disclose(x)\ny = " + b" + ".join([b"a"] * 2500) + b"\n",
    "edge/long_chain_seed.py": b"disclose(x)\ny = " + b" + ".join([b"a"] * 20000) + b"\n",
    "edge/attr_chain_seed.py": b"disclose(x)\ny = a" + b".b" * 2000 + b"\n",
    "edge/long_line_seed.py": b"disclose(x)\ny = '" + b"a" * 2_000_000 + b"'\n",
    "edge/many_defs_seed.py": b"".join(b"def edge_endpoint_%d(user):\n    disclose(user.f%d)\n" % (i, i) for i in range(40)),
    "x.py/inner.py": b"def inner_handler(user):\n    disclose({'email': user.email})\n",
}
# (path, line, code) expected with --select MIN1,MIN9, beside the MIN999s
EDGE_FINDINGS = {
    ("edge/bom.py", 2, "MIN101"),
    ("edge/crlf.py", 3, "MIN101"),
    ("edge/cr_only.py", 2, "MIN101"),
    ("edge/tabs.py", 3, "MIN101"),
    ("edge/latin1.py", 4, "MIN101"),
    ("x.py/inner.py", 2, "MIN101"),
    ("control.py", 5, "MIN101"),
    ("edge/long_line_seed.py", 1, "MIN103"),
} | {("edge/many_defs_seed.py", 2 * i + 2, "MIN101") for i in range(40)}
SYMLINKS = {"edge/loop.py": "loop.py", "edge/loop_a.py": "loop_b.py", "edge/loop_b.py": "loop_a.py",
            "edge/dangling.py": "nowhere/missing.py", "edge/same_as_control.py": "../control.py"}


def stdlib_slice(n: int = 40) -> list[Path]:
    """*n* files spread over the standard library (deterministic)."""
    files = [STDLIB / p for p in python_files(STDLIB, ("site-packages", "test", "tests", "idle_test"))]
    step = max(1, len(files) // n)
    return files[::step][:n]


def _make_tree(root: Path) -> None:
    for i, src in enumerate(stdlib_slice()):
        target = root / "stdlib" / f"{i:02d}_{src.name}"
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(src, target)
    for rel, data in EDGE.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    (root / "control.py").write_text(CONTROL, encoding="utf-8")


def test_slice_and_hostile_files(tmp_path: Path) -> None:
    _make_tree(tmp_path)
    result = audit("slice", tmp_path, "--select", "MIN1,MIN9", "--jobs", "1", timeout=300)
    got = {(f["path"], f["line"], f["code"]) for f in result.data if f["code"] != "MIN999"}
    assert {g for g in got if g[0].startswith(("edge/", "x.py/", "control"))} == EDGE_FINDINGS
    assert result.seconds < 120


def test_symlink_loops_and_dangling_links(tmp_path: Path) -> None:
    """Symlinks that cannot be read are one MIN999 each; the rest of the tree is still checked."""
    (tmp_path / "control.py").write_text(CONTROL, encoding="utf-8")
    (tmp_path / "edge").mkdir()
    for rel, target in SYMLINKS.items():
        os.symlink(target, tmp_path / rel)
    os.symlink("..", tmp_path / "edge" / "up")  # a folder loop: never followed
    result = audit("symlinks", tmp_path, "--select", "MIN1,MIN9", timeout=120)
    got = {(f["path"], f["line"], f["code"]) for f in result.data if f["code"] != "MIN999"}
    assert got == {("control.py", 5, "MIN101")}
    for rel in SYMLINKS:
        if rel != "edge/same_as_control.py":
            assert rel in result.min999, f"{rel}: a symlink that cannot be read is a MIN999"


@pytest.mark.skipif(hasattr(os, "geteuid") and os.geteuid() == 0,
                    reason="running as root: chmod cannot make a file unreadable")
def test_unreadable_file(tmp_path: Path) -> None:
    (tmp_path / "control.py").write_text(CONTROL, encoding="utf-8")
    locked = tmp_path / "locked.py"
    locked.write_text(CONTROL, encoding="utf-8")
    locked.chmod(0)
    try:
        result = audit("unreadable", tmp_path, timeout=120)
    finally:
        locked.chmod(0o644)
    assert "locked.py" in result.min999


def test_twenty_megabytes(tmp_path: Path) -> None:
    """A 20 MB file: checked, or one MIN999 with a reason, in bounded time; the rest still checked."""
    (tmp_path / "control.py").write_text(CONTROL, encoding="utf-8")
    line = b"x = 1\n"
    (tmp_path / "big.py").write_bytes(line * (20 * 1024 * 1024 // len(line) + 1))
    (tmp_path / "big_seed.py").write_bytes(b"disclose(x)\n" + line * (20 * 1024 * 1024 // len(line) + 1))
    command = [sys.executable, "-m", "minlint", "check", "--format", "json", "--no-cache", "--select", "MIN1,MIN9", "."]
    started = time.monotonic()
    try:
        proc = subprocess.run(command, cwd=tmp_path, capture_output=True, text=True, timeout=90)
    except subprocess.TimeoutExpired:
        pytest.fail("minlint did not finish on two 20 MB files within 90 s")
    elapsed = time.monotonic() - started
    assert proc.returncode in (0, 1) and "Traceback" not in proc.stderr, proc.stderr
    data = json.loads(proc.stdout)
    by_path: dict[str, list[dict[str, object]]] = {}
    for f in data:
        by_path.setdefault(str(f["path"]), []).append(f)
    assert {(f["line"], f["code"]) for f in by_path["control.py"]} == {(5, "MIN101")}
    for big in ("big.py", "big_seed.py"):
        found = by_path.get(big, [])
        assert all(f["code"] == "MIN999" and "\n" not in str(f["message"]) for f in found), found
        assert len(found) <= 1
    print(f"\ntwo 20 MB files: {elapsed:.1f} s, MIN999: {sorted(p for p, fs in by_path.items() if fs and fs[0]['code'] == 'MIN999')}")


def test_unreadable_survives_pickling() -> None:
    """Worker processes send MIN999s back pickled (parallel._syntax_job, --jobs > 1)."""
    import pickle

    from minlint.parse.source import Unreadable

    back = pickle.loads(pickle.dumps(Unreadable(2, 3, "syntax error: invalid syntax")))
    assert (back.line, back.column, back.reason) == (2, 3, "syntax error: invalid syntax")


@pytest.mark.slow
def test_parallel_run_with_a_broken_file(tmp_path: Path) -> None:
    """More files than parallel.PARALLEL_FILES, one of them broken, two workers: one MIN999, no hang."""
    for i in range(240):
        (tmp_path / f"m{i:03d}.py").write_text(f"x{i} = {i}\n", encoding="utf-8")
    (tmp_path / "broken.py").write_text("def f(:\n", encoding="utf-8")
    command = [sys.executable, "-m", "minlint", "check", "--no-cache", "--jobs", "2", "."]
    try:
        proc = subprocess.run(command, cwd=tmp_path, capture_output=True, text=True, timeout=60)
    except subprocess.TimeoutExpired:
        raise AssertionError("minlint --jobs 2 hung on 241 files with one syntax error") from None
    assert proc.returncode == 1 and "MIN999" in proc.stdout, proc.stderr


@pytest.mark.slow
def test_many_disclosures_in_one_module(tmp_path: Path) -> None:
    """A generated module of 400 small endpoints, each a disclosure: linear work, a few seconds."""
    (tmp_path / "api.py").write_bytes(
        b"".join(b"def f%d(user):\n    disclose(user.f%d)\n" % (i, i) for i in range(400)))
    command = [sys.executable, "-m", "minlint", "check", "--no-cache", "--select", "MIN1,MIN9", "."]
    try:
        proc = subprocess.run(command, cwd=tmp_path, capture_output=True, text=True, timeout=20)
    except subprocess.TimeoutExpired:
        raise AssertionError("400 disclosures in one module took more than 20 s") from None
    assert proc.returncode == 1 and "400 findings" in proc.stderr, proc.stderr


# ---------------------------------------------------------------------------------------------------
# The long runs


def _fetch_corpus() -> object:
    """scripts/fetch_corpus.py, imported by path (scripts/ is not a package)."""
    name = "minlint_fetch_corpus"
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(name, REPO / "scripts" / "fetch_corpus.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


CORPORA = list(_fetch_corpus().CORPUS)  # type: ignore[attr-defined]


@pytest.fixture(scope="session")
def stress_pack(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("stress") / "stress.toml"
    path.write_text(STRESS_PACK, encoding="utf-8")
    return path


def _stress_or_skip(pack: str) -> None:
    if pack == "stress" and not os.environ.get("MINLINT_CORPUS_STRESS"):
        pytest.skip("the stress pack makes thousands of disclosures and the caller search "
                    "(index.Project.call_sites) is quadratic: hours per corpus; set MINLINT_CORPUS_STRESS=1")


def _corpus_root(name: str) -> Path:
    fetch = _fetch_corpus()
    try:
        corpus = fetch.fetch(name, fetch.CORPUS[name])  # type: ignore[attr-defined]
    except Exception as exc:  # offline, index down: not minlint's failure
        pytest.skip(f"cannot fetch {name}: {exc}")
    return corpus.root  # type: ignore[no-any-return]


@pytest.mark.slow
@pytest.mark.parametrize("pack", ["default", "stress"])
def test_stdlib(pack: str, stress_pack: Path) -> None:
    _stress_or_skip(pack)
    args = ("--policy", str(stress_pack)) if pack == "stress" else ()
    audit(f"stdlib {sys.version.split()[0]} ({pack} pack)", STDLIB, *args, exclude=("site-packages",))


@pytest.mark.slow
@pytest.mark.parametrize("pack", ["default", "stress"])
@pytest.mark.parametrize("name", CORPORA)
def test_corpus(name: str, pack: str, stress_pack: Path) -> None:
    _stress_or_skip(pack)
    root = _corpus_root(name)
    args = ("--policy", str(stress_pack)) if pack == "stress" else ()
    audit(f"{root.name} ({pack} pack)", root, *args)


@pytest.fixture(scope="session", autouse=True)
def _print_report() -> object:
    yield
    if REPORT:
        print("\n\nrobustness corpus report")
        for a in REPORT:
            print("  " + a.line())
