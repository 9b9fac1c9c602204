#!/usr/bin/env python3
"""minlint performance benchmark (issue 6). Run by hand, never in CI.

Downloads pinned source distributions of real backends from the package index
(Django, Django REST framework, matrix-synapse) into a cache folder, builds a
worst-case tree (every file of the base tree gets a disclosure handler, so
every file is a seed), then measures in one run, with medians of several runs
interleaved so that a noisy neighbour hits every command alike:

- whole-process wall time of ``minlint check`` (cold, warm, one file changed,
  ``--jobs 1`` / ``--jobs 2``, one file in an editor) and of the baselines:
  ``flake8 -j1`` with and without the minlint plugin, a libcst parse-only
  pass and an ``ast.parse`` pass over the same files;
- peak memory of the whole process tree (the parent and its pool workers);
- growth with size: the worst-case tree at 1x, 2x and 4x.

It ends with a table of every target of issue 6, its measured ratio and
PASS/FAIL. ``--json FILE`` keeps the raw numbers.

    python benchmarks/bench.py                 # everything, --repeat 3
    python benchmarks/bench.py --quick         # one run, DRF only
    python benchmarks/bench.py --self-test     # synthetic 30-file tree, no download

Nothing downloaded is built, installed or imported: only the extracted
source tree is read.
"""

from __future__ import annotations

import argparse
import concurrent.futures
import contextlib
import functools
import json
import os
import platform
import shutil
import signal
import statistics
import string
import subprocess
import sys
import tarfile
import tempfile
import threading
import time
import zipfile
import zlib
from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from minlint.project.config import ALWAYS_EXCLUDED

# -- what is measured ---------------------------------------------------------------

# Pinned, so that numbers from different days compare.
SOURCES: dict[str, tuple[str, str]] = {
    "drf": ("djangorestframework", "3.15.2"),
    "django": ("Django", "5.1.4"),
    "synapse": ("matrix-synapse", "1.120.0"),
}
MIB = 1024 * 1024

# The folders no checker walks (minlint's own list; its one glob, *.egg-info,
# is matched by suffix where the trees are walked): the parse-only passes skip
# them too, so every tool sees the same files.
EXCLUDED_DIRS = {name for name in ALWAYS_EXCLUDED if "*" not in name}

# Issue 6's limits.
LIMIT_COLD_VS_FLAKE8 = 0.10
LIMIT_WORST_J1_VS_LIBCST = 1.5
LIMIT_WORST_J2_VS_LIBCST = 0.9
LIMIT_WARM = 0.05
LIMIT_ONE_CHANGED = 0.15
LIMIT_PLUGIN = 1.10
LIMIT_SINGLE_FILE = 1.5
LIMIT_MEMORY_MB = 300.0
# "Time grows linearly": the issue gives no tolerance. We call growth linear
# while t(k) <= 1.25 * k * t(1): fixed start-up costs make small trees look
# relatively slow, so a real quadratic term shows up far above this.
LIMIT_GROWTH = 1.25

# Run with `python -c`, not through this file, so the flake8 baselines pay no
# import of this script. The same filter runs in both modes (it only drops
# minlint's distribution in "without"), so the two runs differ in the plugin
# and nothing else: same interpreter, same flake8, same options.
FLAKE8_LAUNCHER = """\
import importlib.metadata as md, sys
drop = sys.argv.pop(1) == "without"
real = md.distributions
def named_minlint(d):
    path = getattr(d, "_path", None)
    if path is not None:
        stem = path.name.split("-")[0].split(".")[0]
        return stem.lower() == "minlint"
    return (d.metadata["Name"] or "").lower() == "minlint"
def distributions(**kw):
    return (d for d in real(**kw) if not (drop and named_minlint(d)))
md.distributions = distributions
from flake8.main.cli import main
sys.exit(main(sys.argv[1:]))
"""

# A parse-only pass over every .py file under a folder: the same walk and
# excludes for ast and libcst, bytes in (each parser detects the encoding).
PARSE_SCRIPT = """\
import os, sys
kind, root, excluded = sys.argv[1], sys.argv[2], set(sys.argv[3].split(","))
if kind == "libcst":
    import libcst
    def parse(data):
        try:
            libcst.parse_module(data)
        except Exception:
            pass
else:
    import ast
    def parse(data):
        try:
            ast.parse(data)
        except (SyntaxError, ValueError, RecursionError, MemoryError):
            pass
for dirpath, dirnames, filenames in os.walk(root):
    dirnames[:] = sorted(d for d in dirnames if d not in excluded and not d.endswith(".egg-info"))
    for name in sorted(filenames):
        if name.endswith(".py"):
            with open(os.path.join(dirpath, name), "rb") as f:
                parse(f.read())
"""


# -- running one command -------------------------------------------------------------


@dataclass
class Sample:
    wall: float  # seconds, perf_counter around the whole process
    cpu: float  # user + system seconds of the child and the descendants it reaped
    maxrss_mb: float  # ru_maxrss of wait4: the largest single process, not the sum
    status: int
    out_digest: str  # of stdout: cold and warm, --jobs 1 and 2 must print the same
    tail: str  # last line of stderr (minlint's summary)


@dataclass
class MemoryPeak:
    tree_rss_mb: float  # peak of the sum over the process tree, sampled
    tree_pss_mb: float | None  # same with PSS (shared pages split between sharers)
    max_process_rss_mb: float  # exact, from wait4
    wall: float
    samples: int


class CommandFailed(Exception):
    pass


def _ppids() -> dict[int, int]:
    """pid -> parent pid of every process. /proc/PID/task/*/children needs
    a kernel option this machine may not have, so read every stat file."""
    out: dict[int, int] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", "rb") as f:
                text = f.read()
        except OSError:
            continue
        # the command name may hold spaces and parentheses: split after the last ")"
        fields = text[text.rfind(b")") + 2 :].split()
        if len(fields) > 1:
            out[int(entry)] = int(fields[1])
    return out


def _descendants(root: int) -> list[int]:
    children: dict[int, list[int]] = {}
    for pid, ppid in _ppids().items():
        children.setdefault(ppid, []).append(pid)
    found, todo = [], [root]
    while todo:
        pid = todo.pop()
        found.append(pid)
        todo.extend(children.get(pid, ()))
    return found


HAS_PSS = os.path.exists("/proc/self/smaps_rollup")  # Linux 4.14+


def _rss_pss(pid: int) -> tuple[int, int | None]:
    """Bytes of RSS and PSS of one process (0 if it is gone: pool workers
    come and go between listing the tree and reading their files)."""
    try:
        with open(f"/proc/{pid}/statm", "rb") as f:
            rss = int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        return 0, 0
    if not HAS_PSS:
        return rss, None
    try:
        with open(f"/proc/{pid}/smaps_rollup", "rb") as f:
            for line in f:
                if line.startswith(b"Pss:"):
                    return rss, int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0, 0


class TreeSampler(threading.Thread):
    """Polls the RSS and PSS of a process and all its descendants.

    ru_maxrss is the peak of one process, so it misses a pool: the parent
    holds the index while each worker holds its own. The sum over the tree
    is what the machine must have; sampling can miss a spike shorter than
    the interval, which is why the exact single-process peak is kept too."""

    def __init__(self, pid: int, interval: float = 0.05) -> None:
        super().__init__(daemon=True)
        self.pid = pid
        self.interval = interval
        self.stop = threading.Event()
        self.peak_rss = 0
        self.peak_pss: int | None = 0
        self.count = 0

    def run(self) -> None:
        while not self.stop.is_set():
            rss_sum, pss_sum = 0, 0
            pss_known = True
            for pid in _descendants(self.pid):
                rss, pss = _rss_pss(pid)
                rss_sum += rss
                if pss is None:
                    pss_known = False
                else:
                    pss_sum += pss
            self.peak_rss = max(self.peak_rss, rss_sum)
            if pss_known and self.peak_pss is not None:
                self.peak_pss = max(self.peak_pss, pss_sum)
            else:
                self.peak_pss = None
            self.count += 1
            self.stop.wait(self.interval)


def run_command(
    cmd: Sequence[str],
    cwd: Path,
    *,
    timeout: float,
    ok: Iterable[int] = (0, 1),
    sample_memory: bool = False,
) -> tuple[Sample, MemoryPeak | None]:
    """Run *cmd* once; wall time, CPU and the child's own rusage via wait4.

    wait4 on the one pid gives that child's rusage alone: getrusage
    (RUSAGE_CHILDREN) would be a max over every child this benchmark ever
    reaped. The child gets its own session so a timeout can end its whole
    process group (pool workers included) and nothing else."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        start = time.perf_counter()
        proc = subprocess.Popen(
            list(cmd),
            cwd=cwd,
            stdout=out,
            stderr=err,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )
        sampler = TreeSampler(proc.pid) if sample_memory else None
        if sampler is not None:
            sampler.start()
        timed_out = threading.Event()

        def kill() -> None:
            timed_out.set()
            with contextlib.suppress(OSError):  # it ended just now
                os.killpg(proc.pid, signal.SIGKILL)

        timer = threading.Timer(timeout, kill)
        timer.start()
        try:
            _, raw_status, usage = os.wait4(proc.pid, 0)
        finally:
            timer.cancel()
        wall = time.perf_counter() - start
        proc.returncode = os.waitstatus_to_exitcode(raw_status)
        if sampler is not None:
            sampler.stop.set()
            sampler.join()
        out.seek(0)
        stdout = out.read()
        err.seek(0)
        stderr = err.read().decode("utf-8", "replace")
    if timed_out.is_set():
        raise CommandFailed(f"timed out after {timeout:.0f} s: {' '.join(cmd)} (in {cwd})")
    if proc.returncode not in set(ok):
        last = "\n".join(stderr.strip().splitlines()[-5:])
        raise CommandFailed(f"exit {proc.returncode}: {' '.join(cmd)} (in {cwd})\n{last}")
    tail = stderr.strip().splitlines()[-1] if stderr.strip() else ""
    sample = Sample(
        wall=wall,
        cpu=usage.ru_utime + usage.ru_stime,
        maxrss_mb=usage.ru_maxrss * 1024 / MIB,  # kilobytes on Linux
        status=proc.returncode,
        out_digest=f"{zlib.crc32(stdout):08x}:{len(stdout)}",
        tail=tail,
    )
    peak = None
    if sampler is not None:
        peak = MemoryPeak(
            tree_rss_mb=sampler.peak_rss / MIB,
            tree_pss_mb=sampler.peak_pss / MIB if sampler.peak_pss is not None else None,
            max_process_rss_mb=sample.maxrss_mb,
            wall=wall,
            samples=sampler.count,
        )
    return sample, peak


# -- the commands --------------------------------------------------------------------


def minlint_cmd(*args: str) -> list[str]:
    # the interpreter running the benchmark, so the minlint measured is the one
    # installed next to it, not whatever `minlint` is first on PATH
    return [sys.executable, "-m", "minlint", "check", *args]


def flake8_cmd(with_plugin: bool, *args: str) -> list[str]:
    return [sys.executable, "-c", FLAKE8_LAUNCHER, "with" if with_plugin else "without", *args]


def parse_cmd(kind: str, root: Path) -> list[str]:
    return [sys.executable, "-c", PARSE_SCRIPT, kind, str(root), ",".join(sorted(EXCLUDED_DIRS))]


def check_flake8_launcher(timeout: float) -> str:
    """Prove the launcher does what it says: flake8 --version lists the
    minlint plugin with it and not without it."""
    def version(with_plugin: bool) -> str:
        return subprocess.run(flake8_cmd(with_plugin, "--version"), cwd=Path.cwd(), capture_output=True,
                              text=True, check=False, timeout=timeout).stdout

    with_out, without_out = version(True), version(False)
    if "minlint" not in with_out:
        raise CommandFailed(f"flake8 does not load the minlint plugin (is minlint installed?): {with_out!r}")
    if "minlint" in without_out:
        raise CommandFailed(f"could not hide the minlint plugin from flake8: {without_out!r}")
    return with_out.strip().splitlines()[0] if with_out.strip() else ""


@dataclass
class Measure:
    key: str
    label: str
    cmd: list[str]
    cwd: Path
    prep: Callable[[], None] | None = None  # untimed, before every timed run
    runs: int | None = None  # at most this many runs (a slow informational row)
    samples: list[Sample] = field(default_factory=list)
    error: str | None = None
    info: bool = False  # no target depends on it (skipped by --self-test)
    once: bool = False  # prep runs before the first timed run only
    peak: MemoryPeak | None = None  # only with Bench.smoke
    needs: str | None = None  # the key of a measure that must have worked first
    timeout: float | None = None  # seconds for one run (default: Bench.timeout)

    @property
    def median(self) -> float | None:
        return statistics.median(s.wall for s in self.samples) if self.samples else None


class Bench:
    def __init__(self, repeat: int, timeout: float, verbose: bool = True, real_timeout: float | None = None) -> None:
        self.repeat = repeat
        self.timeout = timeout
        self.real_timeout = min(timeout, real_timeout) if real_timeout else timeout
        self.verbose = verbose
        self.measures: dict[str, Measure] = {}
        self.memory: dict[str, MemoryPeak] = {}
        self.memory_labels: dict[str, str] = {}
        self.notes: list[str] = []
        self.facts: dict[str, Any] = {}
        # --self-test: a smoke test of this script, so as few processes as
        # the target rows need: --jobs 1 where the user's default would start
        # a pool (worst.cold_j2 still runs one), memory sampled during the
        # timed runs, informational rows skipped
        self.smoke = False

    def minlint(self, *args: str) -> list[str]:
        """`minlint check ARGS` with the user's default --jobs (the CPU count)."""
        if self.smoke and "--jobs" not in args:
            args = ("--jobs", "1", *args)
        return minlint_cmd(*args)

    def log(self, text: str) -> None:
        if self.verbose:
            print(text, file=sys.stderr, flush=True)

    def run_group(self, measures: list[Measure], repeat: int | None = None) -> None:
        """Interleave: run 1 of every measure, then run 2 of every measure...
        so load from other users of the machine spreads over all of them
        instead of landing on whichever happened to run at that moment."""
        n = self.repeat if repeat is None else repeat
        for m in measures:
            self.measures[m.key] = m
        for i in range(n):
            for m in measures:
                if m.error is not None or (m.runs is not None and len(m.samples) >= m.runs):
                    continue
                if m.info and self.smoke:
                    continue
                needed = self.measures.get(m.needs) if m.needs else None
                if needed is not None and needed.error is not None:
                    m.error = f"not run: {m.needs} failed"
                    continue
                try:
                    if m.prep is not None and not (m.once and m.samples):
                        m.prep()
                    sample, peak = run_command(
                        m.cmd, m.cwd, timeout=m.timeout or self.timeout, sample_memory=self.smoke
                    )
                except (CommandFailed, OSError, subprocess.SubprocessError) as exc:
                    m.error = str(exc)
                    self.log(f"  !! {m.key}: {exc}")
                    continue
                m.samples.append(sample)
                if peak is not None and (m.peak is None or peak.tree_rss_mb > m.peak.tree_rss_mb):
                    m.peak = peak
                self.log(
                    f"  {m.key:<28} run {i + 1}/{n}: {sample.wall:8.2f} s  cpu {sample.cpu:7.2f} s  "
                    f"max-process {sample.maxrss_mb:6.0f} MB  {sample.tail[:60]}"
                )

    def measure_memory(
        self,
        key: str,
        label: str,
        cmd: list[str],
        cwd: Path,
        prep: Callable[[], None] | None = None,
    ) -> None:
        """Peak memory of *cmd*, from a run of its own: the sampler takes a
        little CPU, which must not land in a timed run."""
        same = [m for m in self.measures.values() if m.cmd == cmd and m.cwd == cwd]
        failed = [m for m in same if m.error is not None and not m.samples]
        if failed:
            # a command that hung once hangs again: do not wait for it twice
            self.notes.append(f"memory {key}: not measured, {failed[0].key} failed")
            return
        reused = [m.peak for m in same if m.peak]
        try:
            if self.smoke and reused:
                peak: MemoryPeak | None = reused[0]
            else:
                if prep is not None:
                    prep()
                _, peak = run_command(cmd, cwd, timeout=self.timeout, sample_memory=True)
        except (CommandFailed, OSError, subprocess.SubprocessError) as exc:
            self.log(f"  !! memory {key}: {exc}")
            self.notes.append(f"memory {key}: {exc}")
            return
        assert peak is not None
        self.memory[key] = peak
        self.memory_labels[key] = label
        pss = f"{peak.tree_pss_mb:.0f}" if peak.tree_pss_mb is not None else "?"
        self.log(
            f"  memory {key:<21} tree RSS {peak.tree_rss_mb:6.0f} MB  tree PSS {pss} MB  "
            f"largest process {peak.max_process_rss_mb:.0f} MB  ({peak.samples} samples)"
        )

    def median(self, key: str) -> float | None:
        m = self.measures.get(key)
        return m.median if m is not None else None

    def cpu_median(self, key: str) -> float | None:
        m = self.measures.get(key)
        return statistics.median(s.cpu for s in m.samples) if m is not None and m.samples else None


# -- source trees --------------------------------------------------------------------


def default_cache() -> Path:
    return Path(os.environ.get("MINLINT_BENCH_CACHE", Path.home() / ".cache" / "minlint-bench"))


def _canonical(name: str) -> str:
    return name.lower().replace("-", "_").replace(".", "_")


def _find_archive(folder: Path, project: str, version: str) -> Path | None:
    if not folder.is_dir():
        return None
    for suffix in (".tar.gz", ".zip", ".tar.bz2"):
        for path in folder.iterdir():
            if path.name.endswith(suffix):
                stem = path.name[: -len(suffix)]
                name, _, ver = stem.rpartition("-")
                if ver == version and _canonical(name) == _canonical(project):
                    return path
    return None


def fetch(key: str, cache: Path, log: Callable[[str], None]) -> Path:
    """The extracted source tree of SOURCES[key]: downloaded once, extracted once."""
    project, version = SOURCES[key]
    dest = cache / "src" / f"{key}-{version}"
    if (dest / ".complete").is_file():
        return _tree_root(dest)
    sdists = cache / "sdists"
    sdists.mkdir(parents=True, exist_ok=True)
    archive = _find_archive(sdists, project, version)
    if archive is None:
        log(f"downloading {project}=={version} (sdist) ...")
        # --no-binary: the source distribution, the tree as its authors
        # ship it; pip may prepare its metadata, nothing is built or installed
        subprocess.run(
            [
                sys.executable,
                "-m",
                "pip",
                "download",
                "--no-deps",
                "--no-binary",
                ":all:",
                "--quiet",
                f"{project}=={version}",
                "-d",
                str(sdists),
            ],
            check=True,
        )
        archive = _find_archive(sdists, project, version)
        if archive is None:
            raise CommandFailed(f"pip download left no sdist of {project}=={version} in {sdists}")
    log(f"extracting {archive.name} ...")
    if dest.exists():
        shutil.rmtree(dest)
    (cache / "src").mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(dir=cache / "src", prefix=".extract-"))
    if archive.name.endswith(".zip"):
        with zipfile.ZipFile(archive) as z:
            z.extractall(staging)
    else:
        with tarfile.open(archive) as t:
            if hasattr(tarfile, "data_filter"):
                t.extractall(staging, filter="data")  # no links or paths out of the folder
            else:  # pragma: no cover - Python without PEP 706
                t.extractall(staging)
    staging.rename(dest)
    (dest / ".complete").write_text(f"{project}=={version}\n")
    return _tree_root(dest)


def _tree_root(folder: Path) -> Path:
    entries = [p for p in folder.iterdir() if not p.name.startswith(".")]
    return entries[0] if len(entries) == 1 and entries[0].is_dir() else folder


def py_files(root: Path) -> list[Path]:
    out = []
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = sorted(d for d in dirnames if d not in EXCLUDED_DIRS and not d.endswith(".egg-info"))
        out.extend(Path(dirpath) / n for n in sorted(filenames) if n.endswith(".py"))
    return out


def tree_size(root: Path) -> tuple[int, int]:
    files = py_files(root)
    lines = 0
    for f in files:
        with open(f, "rb") as fh:
            lines += fh.read().count(b"\n")
    return len(files), lines


# -- the worst-case tree -------------------------------------------------------------

# A handler appended to every file. The variants cover what real handlers do
# (guards in the function, in a helper module, in the caller; fields in dict
# displays, mutations, whole records, dynamic lookups) and about two thirds of
# them have findings, so the reporting path runs too. $tag makes each file's
# names unique: a handler is found by its callers' names, as in real code.
HANDLERS: list[str] = [
    # 0: fully guarded, allowed fields only: no finding
    """
def minlint_bench_export_$tag(request, user, order):
    if not order.court_order_verified:
        raise PermissionError("court order required")
    if request.country in ("RU", "BY"):
        raise PermissionError("blocked jurisdiction")
    if not order.confirms_terror_suspect:
        return None
    record_disclosure(order)
    return disclose({"ip": user.ip, "phone": user.phone, "case_id": order.case_id})
""",
    # 1: an e-mail on one branch, the court-order check on the other only
    """
def minlint_bench_export_$tag(request, user, order, full=False):
    if full:
        payload = {"ip": user.ip, "email": user.email}
    else:
        if not order.court_order_verified:
            raise PermissionError("court order required")
        payload = {"ip": user.last_ip}
    check_jurisdiction(request.country)
    if order.confirms_terror_suspect:
        disclose(payload)
    record_disclosure(order)
""",
    # 2: a disclosure function returning a whole ORM record
    """
@disclosure
def minlint_bench_export_$tag(order, user_id):
    verify_court_order(order)
    check_jurisdiction(order.country)
    if not order.confirms_terror_suspect:
        deny()
    record_disclosure(order)
    user = User.objects.get(pk=user_id)
    return vars(user)
""",
    # 3: guards in a helper module (a non-seed the analysis must parse) and a
    #    local helper that only passes its parameter on
    """
from minlint_bench_guards.guards_$group import validate_request as minlint_bench_validate_$tag


def minlint_bench_send_$tag(payload):
    disclose(payload)


def minlint_bench_export_$tag(request, user, order):
    minlint_bench_validate_$tag(order)
    record_disclosure(order)
    minlint_bench_send_$tag({"ip": user.ip, "email": user.email})
""",
    # 4: an assert for a check and a deny-list that lets Russia through
    """
MINLINT_BENCH_BLOCKED_$tag = ["BY", "IR"]


def minlint_bench_export_$tag(request, user, order):
    assert order.court_order_verified
    if request.country in MINLINT_BENCH_BLOCKED_$tag:
        return None
    if order.confirms_terror_suspect:
        record_disclosure(order)
        disclose({"ip": user.ip, "phone": user.phone_number})
""",
    # 5: no checks at all and a field chosen at run time
    """
def minlint_bench_export_$tag(request, user, order, field):
    record_disclosure(order)
    disclose(ip=user.ip, extra=getattr(user, field))
""",
    # 6: a payload built by mutation inside a loop
    """
def minlint_bench_export_$tag(request, users, order):
    verify_court_order(order)
    check_jurisdiction(order.country)
    for user in users:
        if not order.confirms_terror_suspect:
            continue
        payload = {"ip": user.ip}
        payload["phone"] = user.phone
        payload.update(messages=user.messages)
        disclose(payload)
        record_disclosure(order)
""",
    # 7: the obligation moves to the only caller; the record is kept on one path
    """
def minlint_bench_push_$tag(user):
    disclose({"ip": user.ip, "phone": user.phone})


def minlint_bench_export_$tag(order, user):
    verify_court_order(order)
    check_jurisdiction(order.country)
    if order.confirms_terror_suspect:
        minlint_bench_push_$tag(user)
        if order.report:
            record_disclosure(order)
""",
]
GUARD_GROUPS = 10
# Deliberately free of every sink and decorator name: these modules are not
# seeds, they are parsed only because variant 3 calls into them.
GUARD_HELPER = '''"""Request validation shared by the handlers (minlint benchmark)."""


def validate_request(order):
    verify_court_order(order)
    check_jurisdiction(order.country)
    if not order.confirms_terror_suspect:
        raise PermissionError("not a confirmed terror suspect")
'''
CONFIG_FILES = ("pyproject.toml", "setup.cfg", "tox.ini", ".flake8")


@dataclass
class WorstCase:
    root: Path
    base: str  # the tree it was built from
    files: int
    lines: int
    seed_to_change: Path  # relative to root
    helper_to_change: Path
    single_file: Path


def _copy_sources(src: Path, dest: Path) -> None:
    """Only what the checkers read: .py files and the tools' config files."""
    for dirpath, dirnames, filenames in os.walk(src):
        dirnames[:] = sorted(d for d in dirnames if d not in EXCLUDED_DIRS and not d.endswith(".egg-info"))
        rel = Path(dirpath).relative_to(src)
        for name in filenames:
            if name.endswith(".py") or (rel == Path(".") and name in CONFIG_FILES):
                (dest / rel).mkdir(parents=True, exist_ok=True)
                shutil.copyfile(Path(dirpath) / name, dest / rel / name)


def _enable_minlint_config(root: Path) -> None:
    """A project that uses minlint says so in pyproject.toml: then the CLI on
    one file, the flake8 plugin and the cache all use the tree root as the
    project root, as they would in a real adopter's repository."""
    pyproject = root / "pyproject.toml"
    text = pyproject.read_text(encoding="utf-8") if pyproject.is_file() else ""
    if "[tool.minlint]" not in text:
        sep = "" if not text or text.endswith("\n") else "\n"
        pyproject.write_text(text + sep + "\n[tool.minlint]\n", encoding="utf-8")


def _seed_tree(base: Path, dest: Path, prefix: str) -> list[Path]:
    """Copy *base* to *dest* and append a handler to every .py file; names
    carry *prefix* so that copies of one tree define different functions."""
    _copy_sources(base, dest)
    files = py_files(dest)
    for index, path in enumerate(files):
        rel = path.relative_to(dest).as_posix()
        variant = zlib.crc32(rel.encode()) % len(HANDLERS)
        handler = string.Template(HANDLERS[variant]).substitute(tag=f"{prefix}{index:05d}", group=index % GUARD_GROUPS)
        data = path.read_bytes()
        # bytes, not text: some files are Latin-1 with a coding line; the
        # handler is ASCII, so it is valid in any of them
        sep = b"" if not data or data.endswith(b"\n") else b"\n"
        path.write_bytes(data + sep + b"\n" + handler.encode("ascii"))
    guards = dest / "minlint_bench_guards"
    guards.mkdir(parents=True)
    (guards / "__init__.py").write_text("")
    for g in range(GUARD_GROUPS):
        (guards / f"guards_{g}.py").write_text(GUARD_HELPER)
    return files


def build_worst_case(base: Path, dest: Path, prefer_single: Sequence[str] = ()) -> WorstCase:
    if dest.exists():
        shutil.rmtree(dest)
    dest.mkdir(parents=True)
    files = _seed_tree(base, dest, "")
    _enable_minlint_config(dest)
    n, lines = tree_size(dest)
    rels = [p.relative_to(dest) for p in files]
    single = next((Path(p) for p in prefer_single if (dest / p).is_file()), None)
    if single is None:
        # the median-sized file: an editor's typical buffer, neither trivial nor huge
        by_size = sorted(rels, key=lambda r: ((dest / r).stat().st_size, r.as_posix()))
        single = by_size[len(by_size) // 2]
    return WorstCase(
        dest,
        str(base),
        n,
        lines,
        seed_to_change=single,
        helper_to_change=Path("minlint_bench_guards/guards_0.py"),
        single_file=single,
    )


def build_copies(base: Path, dest: Path, copies: int) -> tuple[int, int]:
    """*copies* worst-case trees of *base* side by side under one root.

    The handlers of each copy have names of their own, as a tree k times as
    large has k times as many distinct functions: with the same names in
    every copy, each search for a handler's callers would be done once for
    all copies and growth would look better than it is. The base code and
    its module names do repeat, so imports resolve to the first copy, as in
    any repository that vendors a package twice. (Wrapping each copy in a
    package of its own would turn every absolute import into a suffix
    search and measure that instead.)"""
    if dest.exists():
        shutil.rmtree(dest)
    dest.mkdir(parents=True)
    for k in range(copies):
        _seed_tree(base, dest / f"copy{k}", f"c{k}_")
    (dest / "pyproject.toml").write_text("[tool.minlint]\n")
    return tree_size(dest)


def synthetic_tree(dest: Path, modules: int = 30) -> None:
    """A small package for --self-test: imports between modules, classes,
    functions, and two real seeds."""
    if dest.exists():
        shutil.rmtree(dest)
    pkg = dest / "app"
    pkg.mkdir(parents=True)
    (pkg / "__init__.py").write_text('"""Synthetic app."""\n')
    for i in range(1, modules):
        prev = f"from app.mod{i - 1:02d} import helper_{i - 1:02d}\n" if i > 1 else ""
        body = f'''"""Module {i}."""
import json
{prev}

class Record{i}:
    def __init__(self, name, ip):
        self.name = name
        self.ip = ip

    def as_dict(self):
        return {{"name": self.name, "ip": self.ip}}


def helper_{i:02d}(value):
    if value is None:
        return {{}}
    return json.dumps({{"value": value, "n": {i}}})


def compute_{i:02d}(items):
    total = 0
    for item in items:
        if item > {i}:
            total += item
        else:
            total -= 1
    return total
'''
        if i % 15 == 0:
            body += f"""

def export_{i}(order, user):
    verify_court_order(order)
    check_jurisdiction(order.country)
    if order.confirms_terror_suspect:
        record_disclosure(order)
        disclose({{"ip": user.ip}})
"""
        (pkg / f"mod{i:02d}.py").write_text(body)


# -- the plan ------------------------------------------------------------------------


class Mutator:
    """Changes a file's content (not only its mtime: the cache keys on
    content) and puts the original back at the end."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.original = path.read_bytes()
        self.count = 0

    def __call__(self) -> None:
        self.count += 1
        self.path.write_bytes(self.original + f"# minlint-bench edit {self.count}\n".encode())

    def restore(self) -> None:
        self.path.write_bytes(self.original)


def _rm_cache(root: Path) -> Callable[[], None]:
    def prep() -> None:
        shutil.rmtree(root / ".minlint_cache", ignore_errors=True)

    return prep


def _warm_up(cmd: list[str], cwd: Path, timeout: float) -> Callable[[], None]:
    def prep() -> None:
        run_command(cmd, cwd, timeout=timeout)

    return prep


def measure_real_tree(bench: Bench, key: str, root: Path) -> None:
    files, lines = tree_size(root)
    bench.facts[f"{key}.size"] = {"files": files, "lines": lines, "root": str(root)}
    bench.log(f"\n== {key}: {files} files, {lines} lines ({root})")
    shutil.rmtree(root / ".minlint_cache", ignore_errors=True)
    measures = [
        Measure(
            f"{key}.flake8_without",
            "flake8 -j1 (plugin hidden)",
            flake8_cmd(False, "-j1", "."),
            root,
        ),
        Measure(
            f"{key}.flake8_with",
            "flake8 -j1 with the minlint plugin",
            flake8_cmd(True, "-j1", "."),
            root,
        ),
        # minlint must take a tenth of flake8 here: a run that takes minutes
        # has failed its target already, and one that hangs must not eat the
        # whole benchmark (nor its warm and memory runs: `needs`)
        Measure(
            f"{key}.cold",
            "minlint check --no-cache (default --jobs)",
            bench.minlint("--no-cache", "."),
            root,
            timeout=bench.real_timeout,
        ),
        Measure(
            f"{key}.cold_j1",
            "minlint check --no-cache --jobs 1",
            bench.minlint("--no-cache", "--jobs", "1", "."),
            root,
            timeout=bench.real_timeout,
        ),
        Measure(
            f"{key}.warm",
            "minlint check, warm cache",
            bench.minlint("."),
            root,
            prep=_ensure_cache(root, bench.minlint("."), bench.real_timeout),
            info=True,
            needs=f"{key}.cold",
            timeout=bench.real_timeout,
        ),
        Measure(f"{key}.ast", "ast.parse every file", parse_cmd("ast", root), root, info=True),
    ]
    bench.run_group(measures)
    bench.measure_memory(f"{key}.cold", f"{key}: minlint check --no-cache", bench.minlint("--no-cache", "."), root)
    shutil.rmtree(root / ".minlint_cache", ignore_errors=True)


def _ensure_cache(root: Path, cmd: list[str], timeout: float) -> Callable[[], None]:
    def prep() -> None:
        if not (root / ".minlint_cache").is_dir():
            run_command(cmd, root, timeout=timeout)

    return prep


def measure_worst_case(bench: Bench, worst: WorstCase) -> None:
    root = worst.root
    bench.facts["worst.size"] = {
        "base": worst.base,
        "files": worst.files,
        "lines": worst.lines,
        "root": str(root),
        "single_file": worst.single_file.as_posix(),
        "seed_changed": worst.seed_to_change.as_posix(),
        "helper_changed": worst.helper_to_change.as_posix(),
    }
    bench.log(f"\n== worst case: {worst.files} files, {worst.lines} lines ({root})")
    seed = Mutator(root / worst.seed_to_change)
    helper = Mutator(root / worst.helper_to_change)
    single_cmd = bench.minlint(worst.single_file.as_posix())
    try:
        bench.run_group(
            [
                Measure(
                    "worst.libcst",
                    "libcst parse_module every file",
                    parse_cmd("libcst", root),
                    root,
                ),
                Measure("worst.ast", "ast.parse every file", parse_cmd("ast", root), root, info=True),
                Measure(
                    "worst.cold_j1",
                    "minlint --no-cache --jobs 1",
                    bench.minlint("--no-cache", "--jobs", "1", "."),
                    root,
                ),
                Measure(
                    "worst.cold_j2",
                    "minlint --no-cache --jobs 2",
                    bench.minlint("--no-cache", "--jobs", "2", "."),
                    root,
                ),
                Measure(
                    "worst.cold_cache",
                    "minlint, cache deleted first (writes it)",
                    bench.minlint("."),
                    root,
                    prep=_rm_cache(root),
                ),
                Measure(
                    "worst.warm",
                    "minlint, warm, nothing changed",
                    bench.minlint("."),
                    root,
                    prep=_ensure_cache(root, bench.minlint("."), bench.timeout),
                ),
                Measure(
                    "worst.changed_seed",
                    f"minlint, warm, one seed changed ({worst.seed_to_change.as_posix()})",
                    bench.minlint("."),
                    root,
                    prep=seed,
                ),
                Measure(
                    "worst.changed_helper",
                    f"minlint, warm, one non-seed helper changed ({worst.helper_to_change.as_posix()})",
                    bench.minlint("."),
                    root,
                    prep=helper,
                ),
                # an editor checks one file, then the developer runs the whole tree
                Measure(
                    "worst.warm_after_single",
                    "minlint on the tree right after `minlint check one_file.py`",
                    bench.minlint("."),
                    root,
                    prep=_warm_up(single_cmd, root, bench.timeout),
                    info=True,
                ),
            ]
        )
    finally:
        seed.restore()
        helper.restore()
    bench.log("\n== single file in the worst-case tree")
    bench.run_group(
        [
            Measure(
                "single.minlint_warm",
                f"minlint check {worst.single_file.as_posix()} (warm cache)",
                single_cmd,
                root,
                prep=_warm_up(single_cmd, root, bench.timeout),
                once=True,  # later runs find the cache the previous one left
            ),
            Measure(
                "single.flake8_without",
                f"flake8 {worst.single_file.as_posix()} (plugin hidden)",
                flake8_cmd(False, worst.single_file.as_posix()),
                root,
            ),
            # the plugin analyses the whole project without a cache: slow, so once
            Measure(
                "single.flake8_with",
                f"flake8 {worst.single_file.as_posix()} with the minlint plugin",
                flake8_cmd(True, worst.single_file.as_posix()),
                root,
                runs=1,
                info=True,
            ),
        ]
    )
    bench.log("\n== memory, worst case")
    bench.measure_memory("worst.libcst", "libcst parse-only", parse_cmd("libcst", root), root)
    bench.measure_memory(
        "worst.cold_j1",
        "minlint --no-cache --jobs 1",
        bench.minlint("--no-cache", "--jobs", "1", "."),
        root,
    )
    bench.measure_memory(
        "worst.cold_j2",
        "minlint --no-cache --jobs 2",
        bench.minlint("--no-cache", "--jobs", "2", "."),
        root,
    )
    _check_same_output(
        bench,
        [
            "worst.cold_j1",
            "worst.cold_j2",
            "worst.cold_cache",
            "worst.warm",
            "worst.warm_after_single",
        ],
    )
    shutil.rmtree(root / ".minlint_cache", ignore_errors=True)


def build_growth(bench: Bench, worst: WorstCase, work: Path, sizes: Sequence[int]) -> list[Measure]:
    """The growth trees and their commands. Built before anything is measured:
    the worst-case phase edits files of the 1x tree while it runs."""
    measures = []
    for k in sizes:
        if k == 1:
            root = worst.root
            files, lines = worst.files, worst.lines
        else:
            bench.log(f"building the {k}x tree ...")
            root = work / f"worst-{k}x"
            files, lines = build_copies(Path(worst.base), root, k)
        bench.facts[f"growth.{k}x.size"] = {"files": files, "lines": lines, "root": str(root)}
        measures.append(
            Measure(
                f"growth.{k}x",
                f"minlint --no-cache, worst case {k}x ({files} files)",
                bench.minlint("--no-cache", "."),
                root,
            )
        )
    return measures


def measure_growth(bench: Bench, measures: list[Measure], repeat: int) -> None:
    bench.log(f"\n== growth: {', '.join(m.key for m in measures)}")
    bench.run_group(measures, repeat)
    for m in measures:
        if m.key != "growth.1x":
            bench.measure_memory(m.key, m.label, m.cmd, m.cwd)


def _check_same_output(bench: Bench, keys: Sequence[str]) -> None:
    """The cache and the pool must not change what is printed."""
    seen: dict[str, str] = {}
    for key in keys:
        m = bench.measures.get(key)
        if m is None:
            continue
        for s in m.samples:
            seen.setdefault(s.out_digest, key)
    if len(seen) > 1:
        note = "OUTPUT DIFFERS between " + ", ".join(f"{k} ({d})" for d, k in seen.items())
        bench.notes.append(note)
        bench.log("  !! " + note)


# -- the report ----------------------------------------------------------------------


@dataclass
class Target:
    id: str
    text: str
    value: float | None  # the ratio (or MB)
    limit: float | None
    detail: str

    @property
    def verdict(self) -> str:
        if self.value is None:
            return "n/a"
        if self.limit is None:
            return "info"
        return "PASS" if self.value <= self.limit else "FAIL"


def _ratio(a: float | None, b: float | None) -> float | None:
    return a / b if a is not None and b else None


def _s(x: float | None) -> str:
    return f"{x:.2f} s" if x is not None else "—"


def targets(bench: Bench, real: Sequence[str], sizes: Sequence[int]) -> list[Target]:
    med = bench.median

    def pair(id: str, text: str, a: str, b: str, limit: float | None) -> Target:
        """a / b by median wall time; the CPU ratio beside it is a check
        against noise from other users of the machine (meaningful only
        where neither side runs a pool: forkserver workers are never reaped
        by the parent, so their CPU is not in its rusage)."""
        ta, tb = med(a), med(b)
        ca, cb = bench.cpu_median(a), bench.cpu_median(b)
        cpu = _ratio(ca, cb)
        detail = f"{_s(ta)} / {_s(tb)}" + (f"  (cpu ratio {cpu:.3f})" if cpu is not None else "")
        return Target(id, text, _ratio(ta, tb), limit, detail)

    out: list[Target] = []
    for key in real:
        out.append(
            pair(
                "1",
                f"{key}: cold minlint <= 0.10 x flake8 -j1",
                f"{key}.cold",
                f"{key}.flake8_without",
                LIMIT_COLD_VS_FLAKE8,
            )
        )
        out.append(
            pair(
                "1",
                f"{key}: cold minlint --jobs 1 <= 0.10 x flake8 -j1",
                f"{key}.cold_j1",
                f"{key}.flake8_without",
                LIMIT_COLD_VS_FLAKE8,
            )
        )
    out.append(
        pair(
            "2",
            "worst case cold --jobs 1 <= 1.5 x libcst parse-only",
            "worst.cold_j1",
            "worst.libcst",
            LIMIT_WORST_J1_VS_LIBCST,
        )
    )
    out.append(
        pair(
            "2",
            "worst case cold --jobs 2 <= 0.9 x libcst parse-only",
            "worst.cold_j2",
            "worst.libcst",
            LIMIT_WORST_J2_VS_LIBCST,
        )
    )
    for key, text, limit in (
        ("worst.warm", "warm, nothing changed <= 0.05 x cold", LIMIT_WARM),
        ("worst.changed_seed", "warm, one seed changed <= 0.15 x cold", LIMIT_ONE_CHANGED),
        (
            "worst.changed_helper",
            "warm, one non-seed helper changed <= 0.15 x cold",
            LIMIT_ONE_CHANGED,
        ),
        ("worst.warm_after_single", "warm right after a single-file check (info)", None),
    ):
        out.append(pair("3", text, key, "worst.cold_cache", limit))
    for key in real:
        out.append(
            pair(
                "4",
                f"{key}: flake8 -j1 with plugin <= 1.10 x without",
                f"{key}.flake8_with",
                f"{key}.flake8_without",
                LIMIT_PLUGIN,
            )
        )
    out.append(
        pair(
            "5",
            "single file, warm: minlint <= 1.5 x flake8 one_file.py",
            "single.minlint_warm",
            "single.flake8_without",
            LIMIT_SINGLE_FILE,
        )
    )
    out.append(
        pair(
            "5",
            "single file: flake8 one_file.py with plugin / without (info)",
            "single.flake8_with",
            "single.flake8_without",
            None,
        )
    )
    for key, text in (
        ("worst.cold_j2", "peak memory, worst case --jobs 2 <= 300 MB"),
        ("worst.cold_j1", "peak memory, worst case --jobs 1 <= 300 MB"),
    ):
        peak = bench.memory.get(key)
        detail = "—"
        if peak is not None:
            pss = f"{peak.tree_pss_mb:.0f}" if peak.tree_pss_mb is not None else "?"
            detail = (
                f"tree RSS {peak.tree_rss_mb:.0f} MB (PSS {pss} MB, largest process {peak.max_process_rss_mb:.0f} MB)"
            )
        out.append(Target("6", text, peak.tree_rss_mb if peak else None, LIMIT_MEMORY_MB, detail))
    base = med("growth.1x")
    for k in sizes:
        t = med(f"growth.{k}x")
        per = _ratio(t, base)
        files = bench.facts.get(f"growth.{k}x.size", {}).get("files", "?")
        detail = f"{_s(t)}, {per:.2f}x the 1x time for {files} files" if per is not None else _s(t)
        out.append(
            Target(
                "6",
                f"growth {k}x: t({k}x) / ({k} x t(1x)) <= {LIMIT_GROWTH}",
                per / k if per is not None else None,
                LIMIT_GROWTH,
                detail,
            )
        )
    return out


def print_report(bench: Bench, rows: list[Target], out: Any = sys.stdout) -> None:
    def p(text: str = "") -> None:
        print(text, file=out)

    p("\nTrees")
    for key, fact in bench.facts.items():
        if key.endswith(".size"):
            p(f"  {key[: -len('.size')]:<12} {fact['files']:>6} files {fact['lines']:>8} lines  {fact['root']}")
    p("\nMeasurements (whole-process wall time; median of the runs; cpu = user+sys incl. reaped children)")
    p(f"{'key':<26} {'median':>9} {'min':>8} {'max':>8} {'cpu':>8} {'runs':>4}  what")
    for m in bench.measures.values():
        if not m.samples:
            why = f"error: {m.error.splitlines()[0]}" if m.error else "not run"
            p(f"{m.key:<26} {'—':>9} {'':>8} {'':>8} {'':>8} {0:>4}  {m.label}: {why}")
            continue
        walls = [s.wall for s in m.samples]
        cpu = statistics.median(s.cpu for s in m.samples)
        p(
            f"{m.key:<26} {statistics.median(walls):>8.2f}s {min(walls):>7.2f}s {max(walls):>7.2f}s "
            f"{cpu:>7.2f}s {len(walls):>4}  {m.label}"
        )
    if bench.memory:
        p("\nPeak memory (one sampled run each; tree = the process and all its descendants)")
        p(f"{'key':<26} {'tree RSS':>9} {'tree PSS':>9} {'largest':>9}  what")
        for key, peak in bench.memory.items():
            pss = f"{peak.tree_pss_mb:.0f} MB" if peak.tree_pss_mb is not None else "?"
            p(
                f"{key:<26} {peak.tree_rss_mb:>6.0f} MB {pss:>9} {peak.max_process_rss_mb:>6.0f} MB  "
                f"{bench.memory_labels[key]}"
            )
    p("\nIssue 6 targets (and, with --only realpack, issue 19 rows R1-R8)")
    p(f"{'#':<3} {'target':<62} {'measured':>9}  {'verdict':<7} detail")
    for t in rows:
        value = "—" if t.value is None else (f"{t.value:.0f} MB" if "memory" in t.text else f"{t.value:.3f}")
        p(f"{t.id:<3} {t.text:<62} {value:>9}  {t.verdict:<7} {t.detail}")
    for note in bench.notes:
        p(f"note: {note}")


def save_json(path: Path, bench: Bench, rows: list[Target], meta: dict[str, Any]) -> None:
    data = {
        "meta": meta,
        "facts": bench.facts,
        "measurements": {
            k: {
                "label": m.label,
                "cmd": m.cmd,
                "cwd": str(m.cwd),
                "error": m.error,
                "median": m.median,
                "samples": [asdict(s) for s in m.samples],
            }
            for k, m in bench.measures.items()
        },
        "memory": {k: {"label": bench.memory_labels[k], **asdict(v)} for k, v in bench.memory.items()},
        "targets": [{**asdict(t), "verdict": t.verdict} for t in rows],
        "notes": bench.notes,
    }
    path.write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")


def _git_state() -> str | None:
    """The commit measured, and whether minlint/ had uncommitted edits."""
    repo = Path(__file__).resolve().parents[1]
    try:
        head = subprocess.run(
            ["git", "-C", str(repo), "rev-parse", "--short", "HEAD"], capture_output=True, text=True, check=True
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "-C", str(repo), "status", "--porcelain", "minlint"], capture_output=True, text=True, check=True
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return None
    return head + (" + uncommitted changes in minlint/" if dirty else "")


def _meta(args: argparse.Namespace, flake8_version: str) -> dict[str, Any]:
    import importlib.metadata as md

    def version(name: str) -> str | None:
        try:
            return md.version(name)
        except md.PackageNotFoundError:
            return None

    return {
        "git": _git_state(),
        "python": sys.version.split()[0],
        "platform": platform.platform(),
        "cpus": os.cpu_count(),
        "loadavg_start": list(os.getloadavg()),
        "minlint": version("minlint"),
        "libcst": version("libcst"),
        "flake8": flake8_version,
        "repeat": args.repeat,
        "sources": {k: f"{p}=={v}" for k, (p, v) in SOURCES.items()},
    }


# -- main ----------------------------------------------------------------------------


def _sizes(text: str) -> list[int]:
    sizes = sorted({int(x) for x in text.split(",") if x.strip()})
    if not sizes or sizes[0] < 1:
        raise argparse.ArgumentTypeError("sizes are positive integers, e.g. 1,2,4")
    if sizes[0] != 1:
        sizes.insert(0, 1)  # every ratio is against the 1x tree
    return sizes


PHASES = ("real", "worst", "growth", "realpack", "hostile")


def _phases(text: str) -> tuple[str, ...]:
    chosen = tuple(x.strip() for x in text.split(",") if x.strip())
    unknown = [x for x in chosen if x not in PHASES]
    if unknown or not chosen:
        raise argparse.ArgumentTypeError(f"phases are {', '.join(PHASES)}")
    return chosen


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="bench.py",
        description="Measure minlint against the targets of issue 6 and print PASS/FAIL for each. "
        "Downloads pinned sdists (Django, djangorestframework, matrix-synapse) into the cache "
        "folder once; builds the worst-case trees under it on every run.",
        epilog="A full run takes about 30 minutes on 2 cores (flake8 on the real trees and the growth trees dominate). "
        "Numbers are whole-process wall times (medians); memory is the peak over the process tree, "
        "sampled from /proc.",
    )
    mode = p.add_mutually_exclusive_group()
    mode.add_argument(
        "--quick",
        action="store_true",
        help="one run of everything on Django REST framework only (a few minutes)",
    )
    mode.add_argument(
        "--self-test",
        action="store_true",
        help="no download: a synthetic 30-file tree in a temporary folder, each measurement once "
        "(checks that the script works, not the numbers)",
    )
    p.add_argument(
        "--repeat",
        type=int,
        default=3,
        metavar="N",
        help="runs per measurement, median kept (default 3)",
    )
    p.add_argument(
        "--growth-repeat",
        type=int,
        default=None,
        metavar="N",
        help="runs per size of the growth trees (default: --repeat)",
    )
    p.add_argument(
        "--sizes",
        type=_sizes,
        default=None,
        metavar="1,2,4",
        help="worst-case tree sizes for the growth rows (default 1,2,4)",
    )
    p.add_argument(
        "--real",
        default="drf,django,synapse",
        metavar="KEYS",
        help="real trees for targets 1 and 4, from: " + ", ".join(SOURCES) + " (default: all)",
    )
    p.add_argument(
        "--base",
        default="django",
        choices=sorted(SOURCES),
        help="the tree the worst case is built from (default django)",
    )
    p.add_argument(
        "--cache-dir",
        type=Path,
        default=None,
        metavar="DIR",
        help="downloads and work trees (default $MINLINT_BENCH_CACHE or ~/.cache/minlint-bench)",
    )
    p.add_argument(
        "--timeout",
        type=float,
        default=1800.0,
        metavar="SECONDS",
        help="give up on one command after this long (default 1800)",
    )
    p.add_argument(
        "--real-timeout",
        type=float,
        default=300.0,
        metavar="SECONDS",
        help="the same for minlint on the real trees, where it must be far faster than flake8 (default 300)",
    )
    p.add_argument(
        "--only",
        type=_phases,
        default=PHASES,
        metavar="PHASES",
        help="run only these phases, comma-separated: hostile (issue 15, benchmarks/hostile.py), "
        "real (targets 1, 4), worst (2, 3, 5, 6 memory), "
        "growth (6), realpack (issue 19: Sentry with a real pack, benchmarks/realpack.py); "
        "the other rows print n/a (default: all)",
    )
    p.add_argument("--json", type=Path, metavar="FILE", help="also write every raw number to FILE")
    p.add_argument("--quiet", action="store_true", help="print only the final tables")
    return p


def main(argv: Sequence[str] | None = None) -> int:
    args = parser().parse_args(argv)
    if args.repeat < 1:
        parser().error("--repeat must be at least 1")
    hostile_status = 0
    if "hostile" in args.only:
        # issue 15: hostile inputs at 1x, 2x, 4x (benchmarks/hostile.py); no download needed
        sys.path.insert(0, str(Path(__file__).resolve().parent))
        import hostile

        hostile_status = hostile.main(["--scale", "0.25"] if args.self_test else [])
        if args.self_test and hostile_status == 1:
            # a smoke test reads no timing: a growth ratio over FAIL at a quarter of the sizes is
            # start-up noise, not a result (the rows are still printed for the test to check)
            hostile_status = 0
        if args.only == ("hostile",):
            return hostile_status
        args.only = tuple(x for x in args.only if x != "hostile")
    bench = Bench(
        1 if (args.quick or args.self_test) else args.repeat,
        args.timeout,
        verbose=not args.quiet,
        real_timeout=args.real_timeout,
    )
    growth_repeat = bench.repeat if args.growth_repeat is None else args.growth_repeat
    try:
        flake8_version = check_flake8_launcher(args.timeout)
    except (CommandFailed, OSError, subprocess.SubprocessError) as exc:
        print(f"bench.py: {exc}", file=sys.stderr)
        return 2
    temp: tempfile.TemporaryDirectory[str] | None = None
    try:
        if args.self_test:
            bench.smoke = True
            temp = tempfile.TemporaryDirectory(prefix="minlint-bench-")
            work = Path(temp.name)
            synthetic_tree(work / "synthetic")
            real_roots = {"synthetic": work / "synthetic"}
            base = work / "synthetic"
            prefer: tuple[str, ...] = ()
        else:
            cache = (args.cache_dir or default_cache()).expanduser().resolve()
            work = cache / "work"
            keys = ["drf"] if args.quick else [k.strip() for k in args.real.split(",") if k.strip()]
            unknown = [k for k in keys if k not in SOURCES]
            if unknown:
                parser().error(f"--real: unknown tree(s) {', '.join(unknown)}")
            base_key = "drf" if args.quick else args.base
            real_roots = {k: fetch(k, cache, bench.log) for k in keys} if "real" in args.only else {}
            if {"worst", "growth"} & set(args.only):
                base = real_roots[base_key] if base_key in real_roots else fetch(base_key, cache, bench.log)
            prefer = ("django/contrib/auth/views.py", "rest_framework/views.py")
        meta = _meta(args, flake8_version)
        sizes = args.sizes or ([1, 2] if args.self_test else [1, 2, 4])
        phases: list[Callable[[], None]] = []
        if {"worst", "growth"} & set(args.only):
            bench.log("building the worst-case tree ...")
            worst = build_worst_case(base, work / "worst-1x", prefer)
            growth = build_growth(bench, worst, work, sizes)
        if "real" in args.only:
            phases += [functools.partial(measure_real_tree, bench, key, root) for key, root in real_roots.items()]
        if "worst" in args.only:
            phases.append(functools.partial(measure_worst_case, bench, worst))
        if "growth" in args.only:
            phases.append(functools.partial(measure_growth, bench, growth, growth_repeat))
        if "realpack" in args.only and not args.self_test:
            from benchmarks.realpack import measure_realpack  # a module of its own: the phase needs a download

            phases.append(functools.partial(measure_realpack, bench, work.parent))
        if bench.smoke:
            # no timing is read in a smoke test: use both cores
            with concurrent.futures.ThreadPoolExecutor(len(phases)) as pool:
                for done in [pool.submit(phase) for phase in phases]:
                    done.result()
        else:
            for phase in phases:
                phase()
        rows = targets(bench, list(real_roots), sizes)
        if "realpack" in args.only and not args.self_test:
            from benchmarks.realpack import realpack_targets

            rows += realpack_targets(bench)
        meta["loadavg_end"] = list(os.getloadavg())
        print_report(bench, rows)
        print(
            f"\nload average at start {meta['loadavg_start'][0]:.2f}, at end {meta['loadavg_end'][0]:.2f} "
            f"on {meta['cpus']} CPUs; python {meta['python']}, libcst {meta['libcst']}, {flake8_version}; "
            f"minlint at {meta['git']}"
        )
        if args.json:
            save_json(args.json, bench, rows, meta)
    except (CommandFailed, subprocess.CalledProcessError, OSError) as exc:
        print(f"bench.py: {exc}", file=sys.stderr)
        return 2
    finally:
        if temp is not None:
            temp.cleanup()
    return hostile_status


if __name__ == "__main__":
    sys.exit(main())
