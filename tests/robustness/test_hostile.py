"""Issue 15: bounded cost and clean errors on hostile input.

One small regression test per item. Growth with size is measured by
``benchmarks/bench.py --only hostile`` (``benchmarks/hostile.py``), never
by a wall-clock assert here: these tests check that the linear form is the
one in use, count what is copied, or run the real CLI on a small input.
"""

from __future__ import annotations

import random
import re
import warnings
from pathlib import Path

import pytest

from minlint.policy import pack
from minlint.policy.pack import normalise_field
from minlint.run import finish as finish_mod
from tests.support import minlint

with warnings.catch_warnings():  # deprecated as a module, still the parser `re` uses
    warnings.simplefilter("ignore", DeprecationWarning)
    import sre_parse

# --- names.normalise_field -----------------------------------------------------

_OLD_ACRONYM = re.compile(r"([A-Z]+)([A-Z][a-z])(?![0-9])")


def _old_normalise(name: str) -> str:
    text = _OLD_ACRONYM.sub(r"\1_\2", name.strip())
    text = pack._LOWER_BEFORE_UPPER.sub(r"\1_\2", text)
    text = pack._SEPARATORS.sub("_", text)
    return text.lower().lstrip("_")


def _unbounded_repeats(pattern: str) -> int:
    """How many unbounded repeats (``*``, ``+``) the pattern has, lookarounds included."""
    count = 0

    def walk(items: object) -> None:
        nonlocal count
        for op, av in items:  # type: ignore[attr-defined]
            if op in (sre_parse.MAX_REPEAT, sre_parse.MIN_REPEAT):
                if av[1] == sre_parse.MAXREPEAT:
                    count += 1
                walk(av[2])
            elif op in (sre_parse.ASSERT, sre_parse.ASSERT_NOT):
                walk(av[1])
            elif op == sre_parse.SUBPATTERN:
                walk(av[3])
            elif op == sre_parse.BRANCH:
                for branch in av[1]:
                    walk(branch)

    walk(sre_parse.parse(pattern))
    return count


def test_acronym_regex_does_constant_work_per_position() -> None:
    # the old ([A-Z]+)... retried the run of capitals from every position in it
    assert _unbounded_repeats(_OLD_ACRONYM.pattern) == 1
    assert _unbounded_repeats(pack._ACRONYM_BEFORE_WORD.pattern) == 0


def test_acronym_split_is_unchanged() -> None:
    assert normalise_field("IPAddress") == "ip_address"
    assert normalise_field("lastIP") == "last_ip"
    assert normalise_field("clientIpV4") == "client_ipv4"
    assert normalise_field("IPv6") == "ipv6"
    assert normalise_field("HTTPServerURLs") == "http_server_ur_ls" == _old_normalise("HTTPServerURLs")
    rng = random.Random(15)
    alphabet = "ABCXYZabcxyz019_-. "
    for _ in range(3000):
        name = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 12)))
        assert normalise_field(name) == _old_normalise(name), name


# --- the noqa pre-check of finish() ------------------------------------------

_OLD_NOQA_MIN = re.compile(r"#\s*noqa\s*:[^\n]*MIN", re.IGNORECASE)


def test_noqa_min_precheck_agrees_with_the_one_pattern() -> None:
    rng = random.Random(151)
    pieces = ["#noqa:", "# noqa :", "#  NOQA:", "MIN", "min101", "\n", " ", "x", "#", "noqa", ":"]
    for _ in range(3000):
        text = "".join(rng.choice(pieces) for _ in range(rng.randint(0, 10)))
        assert finish_mod.names_min(text) == bool(_OLD_NOQA_MIN.search(text)), repr(text)


def test_noqa_min_precheck_reads_each_line_once(monkeypatch: pytest.MonkeyPatch) -> None:
    # a line of n `noqa:` comments: the MIN search runs once for the line, not n times
    calls = 0
    real = finish_mod._MIN

    class Counting:
        def search(self, text: str, pos: int, endpos: int) -> re.Match[str] | None:
            nonlocal calls
            calls += 1
            return real.search(text, pos, endpos)

    monkeypatch.setattr(finish_mod, "_MIN", Counting())
    assert not finish_mod.names_min("x = 1  " + "#noqa:" * 500 + "\ny = 2  " + "#noqa:" * 500 + "\n")
    assert calls == 2


# --- findings x file size ------------------------------------------------------


def test_findings_on_one_line_share_its_text(tmp_path: Path) -> None:
    from minlint.api import Options, check_paths

    keys = ", ".join(f'"email{i}": u.email{i}' for i in range(60))
    (tmp_path / "wide.py").write_text(
        f"from legal import disclose\n\n\ndef handler(u):\n    disclose({{{keys}}})\n", encoding="utf-8")
    seen: list[str] = []

    from minlint.run import seeds

    real = seeds.finding_of

    def spy(r: object) -> object:
        out = real(r)  # type: ignore[arg-type]
        seen.append(out.source_line)
        return out

    import unittest.mock

    with unittest.mock.patch.object(seeds, "finding_of", spy):
        check_paths([str(tmp_path)], Options(cache=False, jobs=1))
    line5 = [s for s in seen if s.startswith("disclose(")]
    assert len(line5) >= 60  # a raw finding per field
    assert len({id(s) for s in line5}) == 1  # one copy of the line, not one per finding


# --- Ctrl-C -------------------------------------------------------------------

LEAK = 'from legal import disclose\n\n\ndef h{i}(u):\n    disclose({{"ip": u.ip, "email": u.email}})\n'


def _libcst_loaded(pid: int) -> bool:
    try:
        return "libcst" in Path(f"/proc/{pid}/maps").read_text()
    except OSError:
        return False


@pytest.mark.skipif(not Path("/proc/self/maps").exists(), reason="needs /proc to see when the analysis has started")
@pytest.mark.parametrize("jobs", ["1", "2"])
def test_ctrl_c_is_one_line_and_exit_130_and_the_cache_stays_consistent(tmp_path: Path, jobs: str) -> None:
    import os
    import signal
    import subprocess
    import sys
    import time

    for k in range(8):  # eight seeds: enough for --jobs 2 to start its pool
        (tmp_path / f"many{k}.py").write_text("".join(LEAK.format(i=i) for i in range(15)), encoding="utf-8")
    proc = subprocess.Popen([sys.executable, "-m", "minlint", "check", "--jobs", jobs, "."], cwd=tmp_path,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True,
                            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    # interrupt once the analysis runs (libcst is loaded when the first seed is parsed);
    # the loop only waits for that, it asserts nothing about time
    for _ in range(3000):
        if _libcst_loaded(proc.pid) or proc.poll() is not None:
            break
        time.sleep(0.01)
    os.killpg(proc.pid, signal.SIGINT)  # as a terminal does: the whole process group
    _, err = proc.communicate(timeout=120)
    if proc.returncode in (0, 1):
        pytest.skip("the run finished before the interrupt arrived")
    assert proc.returncode == 130, err
    assert err == "minlint: interrupted\n"
    assert not list(tmp_path.rglob("*.minlint-tmp"))
    # whatever the interrupted run left, a run with the cache equals one without
    cached = minlint("check", "--format", "json", ".", cwd=tmp_path)
    fresh = minlint("check", "--format", "json", "--no-cache", ".", cwd=tmp_path)
    assert cached.returncode == fresh.returncode == 1
    assert cached.stdout == fresh.stdout


def test_ctrl_c_from_python_returns_130(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    from minlint.frontends import cli

    def interrupted(*args: object) -> int:
        raise KeyboardInterrupt

    monkeypatch.setattr(cli, "_main", interrupted)
    assert cli.main(["check", "."]) == 130
    assert capsys.readouterr().err == "minlint: interrupted\n"


# --- --output and fix: user errors, one line naming the user's path ----------


def _leak(tmp_path: Path) -> Path:
    path = tmp_path / "victim.py"
    path.write_text(LEAK.format(i=0), encoding="utf-8")
    return path


@pytest.mark.parametrize(("output", "said"), [
    ("out", "cannot write the report to out: it is a directory"),
    ("missing/report.json", "cannot write the report to missing/report.json: the folder missing does not exist"),
    ("/dev/full", "cannot write the report to /dev/full: No space left on device"),
    ("victim.py", "refusing to write the report to victim.py: it is one of the files being checked"),
    ("./victim.py", "refusing to write the report to ./victim.py: it is one of the files being checked"),
])
@pytest.mark.parametrize("command", ["check", "inventory"])
def test_output_errors_are_one_line_exit_2(tmp_path: Path, output: str, said: str, command: str) -> None:
    if output == "/dev/full" and not Path("/dev/full").exists():
        pytest.skip("no /dev/full here")
    source = _leak(tmp_path).read_text()
    (tmp_path / "out").mkdir()
    proc = minlint(command, "--no-cache", ".", "--output", output, cwd=tmp_path)
    assert proc.returncode == 2
    assert proc.stderr == f"minlint: error: {said}\n"
    assert (tmp_path / "victim.py").read_text() == source
    assert ".minlint-tmp" not in proc.stderr and "Error" not in proc.stderr


def test_output_onto_a_read_only_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # (as root a mode does not stop a write: the refusal is simulated where the file is opened)
    import builtins

    from minlint.core.errors import UsageError
    from minlint.core.files import write_output

    real_open = builtins.open

    def read_only(file: object, mode: str = "r", *args: object, **kwargs: object) -> object:
        if str(file).endswith("report.txt") and "w" in mode:
            raise PermissionError(13, "Permission denied", str(file))
        return real_open(file, mode, *args, **kwargs)  # type: ignore[call-overload]

    monkeypatch.setattr(builtins, "open", read_only)
    with pytest.raises(UsageError, match=r"^cannot write the report to sub/report.txt: Permission denied$"):
        write_output("sub/report.txt", "x")


def test_fix_on_a_read_only_file(tmp_path: Path) -> None:
    path = tmp_path / "victim.py"
    path.write_text('from legal import disclose\n\n\ndef h(u):\n    disclose({"ip": u.ip, "email": u.email})\n',
                    encoding="utf-8")
    before = path.read_text()
    path.chmod(0o444)
    proc = minlint("fix", "--no-cache", "victim.py", cwd=tmp_path)
    assert proc.returncode == 2
    assert proc.stderr.splitlines()[0] == "minlint: error: victim.py: cannot write: the file is read-only; not written"
    assert path.read_text() == before
    assert not list(tmp_path.rglob("*.minlint-tmp"))


# --- a full disk leaves no temporary file -------------------------------------


def test_full_disk_leaves_no_temporary_file_in_the_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import os

    from minlint.api import Options, check_paths
    from minlint.core import files

    _leak(tmp_path)
    real_fdopen = os.fdopen

    class Full:
        def __init__(self, handle: object) -> None:
            self.handle = handle

        def __enter__(self) -> Full:
            return self

        def __exit__(self, *exc: object) -> None:
            self.handle.close()  # type: ignore[attr-defined]

        def write(self, data: bytes) -> int:
            raise OSError(28, "No space left on device")

    monkeypatch.setattr(files.os, "fdopen", lambda fd, mode: Full(real_fdopen(fd, mode)))
    report = check_paths([str(tmp_path)], Options(cache=True, jobs=1))
    assert {f.code for f in report.findings} >= {"MIN101"}  # the run still reports
    leftovers = [p for p in tmp_path.rglob("*") if p.is_file() and p.name != "victim.py"]
    assert not [p for p in leftovers if "tmp" in p.name], leftovers


# --- control characters in text output -----------------------------------------


def test_control_characters_in_paths_and_messages_are_escaped(tmp_path: Path) -> None:
    folder = tmp_path / "x\n::warning file=a.py::pwned\x1b[31m"
    folder.mkdir()
    (folder / "leak.py").write_text(
        'from legal import disclose\n\n\ndef h(u):\n    disclose({"a\\u202eb": u.ip, "e": u.email})\n',
        encoding="utf-8")
    proc = minlint("check", "--no-cache", ".", cwd=tmp_path)
    assert proc.returncode == 1
    lines = proc.stdout.splitlines()
    assert lines and all(line.startswith("./x\\n::warning file=a.py::pwned\\x1b[31m/leak.py:") or
                         line.startswith("x\\n::warning file=a.py::pwned\\x1b[31m/leak.py:") for line in lines), lines
    assert not any(line.startswith("::") for line in lines)
    assert "\x1b" not in proc.stdout and "\u202e" not in proc.stdout


def test_printable() -> None:
    from minlint.core.escape import printable

    assert printable("a\nb\rc\td\x1b[0m\x7f\x85\u202e\u2066é") == "a\\nb\\rc\\td\\x1b[0m\\x7f\\x85\\u202e\\u2066é"


# --- a chain of helpers: which part a node is in --------------------------------


def test_chunk_of_looks_at_each_part_once() -> None:
    """A module of n functions, each parsed and asked about in turn: the old
    lookup walked every part on each question (n * n looks, quadratic in a
    chain of 5,000 helpers); now each part is looked at when it is indexed."""
    import libcst as cst

    from minlint.facts import module as facts

    n = 60
    text = "".join(f"def h{i}(u):\n    return h{i + 1}(u)\n\n" for i in range(n))
    mod = facts.read_module(Path("m.py"), "m.py", "m", text)
    looks = 0

    class Counted(facts.Chunk):
        def __getattribute__(self, name: str) -> object:
            nonlocal looks
            if name in ("tree", "_positions"):
                looks += 1
            return object.__getattribute__(self, name)

    for chunk in mod.chunks:
        chunk.__class__ = Counted
    for i in range(n):
        fn = mod.toplevel_named(f"h{i}")
        assert fn is not None
        ret = fn.node.body.body[0].body[0]
        assert isinstance(ret, cst.Return)
        looks_before = looks
        assert mod.chunk_of(ret) is not None
        assert looks - looks_before <= 8, (i, looks - looks_before)


# --- libcst's memory --------------------------------------------------------------


def test_a_statement_too_large_for_libcst_is_min999(monkeypatch: pytest.MonkeyPatch) -> None:
    from minlint.parse import source

    # the budget scaled down to 1,000 nodes, so a small file stands for the 7.8 MB one-line list
    monkeypatch.setattr(source, "LIBCST_MEMORY_BUDGET", 1000 * source.LIBCST_BYTES_PER_NODE)
    ok = "x = [" + ",".join("1" for _ in range(900)) + "]\n"
    source.outline(ok)
    big = "import os\n\nx = [" + ",".join("1" for _ in range(1200)) + "]\n"
    with pytest.raises(source.Unreadable) as caught:
        source.outline(big)
    assert (caught.value.line, caught.value.column) == (3, 1)
    assert caught.value.reason.startswith("too large to analyse: one statement of more than 1,000 syntax nodes")
    # many statements, each under the budget, are not one large one
    source.outline("".join(f"x{i} = [{','.join('1' for _ in range(300))}]\n" for i in range(10)))
