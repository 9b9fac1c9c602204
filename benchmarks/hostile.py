"""The ``hostile`` phase of ``benchmarks/bench.py`` (issue 15): inputs a
contributor could commit to make minlint hang or exhaust memory, each built
at 1x, 2x and 4x and checked in a fresh ``minlint check --no-cache`` process.
It prints the time and peak memory per size, the growth ratio against 1x,
and PASS when the ratio at 4x is at most 2.5 (linear or n log n: a quadratic
cost gives 16) and the peak stays under 1 GB. Wall times on a shared machine
are noisy; the ratio of one input to itself at another size is what counts.

    python benchmarks/bench.py --only hostile
    python benchmarks/hostile.py [--scale F] [--only NAME,...]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

LIMIT_RATIO = 2.5
LIMIT_PEAK_MB = 1024.0
SIZES = (1, 2, 4)

HEADER = "from legal import disclose\n\n\ndef handler(u):\n"


def acronym_keys(n: int) -> str:
    """Five dict keys of n capital letters each: normalise_field's acronym regex."""
    keys = ", ".join(f'"{chr(65 + k) * n}": u.id' for k in range(5))
    return HEADER + f"    disclose({{{keys}}})\n"


def noqa_line(n: int) -> str:
    """One comment line of n ``#noqa:`` and no MIN code, in a file with no disclosure."""
    return "x = 1  " + "#noqa:" * n + "\n"


def wide_dict(n: int) -> str:
    """A disclosure of an n-key dict on one line, every key a field outside the allowed ones."""
    keys = ", ".join(f'"email{i}": u.email{i}' for i in range(n))
    return HEADER + f"    disclose({{{keys}}})\n"


def helper_chain(n: int) -> str:
    """n helpers, each calling the next; the last returns a field; the disclosure calls the first."""
    parts = [HEADER, "    disclose(helper_0(u))\n\n"]
    for i in range(n - 1):
        parts.append(f"\ndef helper_{i}(u):\n    return helper_{i + 1}(u)\n")
    parts.append(f"\ndef helper_{n - 1}(u):\n    return u.email\n")
    return "".join(parts)


def flat_list(n: int) -> str:
    """One line: a flat list of n small integers (libcst's memory per source byte)."""
    return "x = [" + ",".join(str(i % 10) for i in range(n)) + "]\n"


def wide_call(n: int) -> str:
    """One line: a disclosure with n keyword fields (the >6 GB MemoryError of issue 15)."""
    keys = ",".join(f"f{i}=u.f{i}" for i in range(n))
    return HEADER + f"    disclose({keys})\n"


@dataclass(frozen=True)
class Input:
    name: str
    build: Callable[[int], str]
    base: int  # the 1x size (at --scale 1)


INPUTS: tuple[Input, ...] = (
    Input("acronym", acronym_keys, 15_000),
    Input("noqa", noqa_line, 10_000),
    Input("wide-dict", wide_dict, 2_000),
    Input("helper-chain", helper_chain, 600),
    Input("flat-list", flat_list, 200_000),
    Input("wide-call", wide_call, 4_000),
)


@dataclass
class Run:
    size: int
    seconds: float
    peak_mb: float
    status: int
    stderr: str


def run_once(path: Path, timeout: float) -> Run:
    """One ``minlint check --no-cache`` of *path*: wall time and the child's peak RSS (from wait4)."""
    cmd = [sys.executable, "-m", "minlint", "check", "--no-cache", "--jobs", "1", "--format", "json", path.name]
    start = time.perf_counter()
    with tempfile.TemporaryFile() as err:
        proc = subprocess.Popen(cmd, cwd=path.parent, stdout=subprocess.DEVNULL, stderr=err)
        deadline = start + timeout
        while True:
            pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
            if pid:
                break
            if time.perf_counter() > deadline:
                proc.kill()
                pid, status, usage = os.wait4(proc.pid, 0)
                status = -1
                break
            time.sleep(0.01)
        proc.returncode = 0  # reaped here, not by Popen
        elapsed = time.perf_counter() - start
        err.seek(0)
        text = err.read().decode("utf-8", "replace").strip()
    code = os.waitstatus_to_exitcode(status) if status != -1 else -1
    # ru_maxrss is KiB on Linux
    return Run(0, elapsed, usage.ru_maxrss / 1024, code, text.splitlines()[-1] if text else "")


@dataclass
class Row:
    name: str
    runs: list[Run]

    @property
    def ratio(self) -> float:
        first, last = self.runs[0].seconds, self.runs[-1].seconds
        return last / first if first > 0 else float("inf")

    @property
    def peak(self) -> float:
        return max(r.peak_mb for r in self.runs)

    @property
    def ok(self) -> bool:
        # a run that did not end with minlint's summary (killed, crashed, an error line) fails
        killed = any(r.status not in (0, 1) or not r.stderr.startswith("minlint: ") or " error" in r.stderr
                     for r in self.runs)
        return not killed and self.ratio <= LIMIT_RATIO and self.peak < LIMIT_PEAK_MB


def measure(inputs: Sequence[Input], scale: float, timeout: float, log: Callable[[str], None]) -> list[Row]:
    rows: list[Row] = []
    with tempfile.TemporaryDirectory(prefix="minlint-hostile-") as tmp:
        for item in inputs:
            runs: list[Run] = []
            for factor in SIZES:
                size = max(1, int(item.base * scale * factor))
                folder = Path(tmp) / f"{item.name}-{factor}x"
                folder.mkdir()
                path = folder / "hostile.py"
                path.write_text(item.build(size), encoding="utf-8")
                run = run_once(path, timeout)
                run.size = size
                runs.append(run)
                log(f"  {item.name} {factor}x (n={size:,}, {path.stat().st_size:,} bytes): {run.seconds:.2f} s, "
                    f"{run.peak_mb:.0f} MB, exit {run.status} {run.stderr[:100]}")
            rows.append(Row(item.name, runs))
    return rows


def report(rows: Sequence[Row]) -> str:
    lines = [f"{'hostile input':<14} {'1x s':>7} {'2x s':>7} {'4x s':>7} {'4x/1x':>6} {'peak MB':>8}  result"]
    for row in rows:
        times = " ".join(f"{r.seconds:7.2f}" for r in row.runs)
        verdict = "PASS" if row.ok else "FAIL"
        lines.append(f"{row.name:<14} {times} {row.ratio:6.2f} {row.peak:8.0f}  {verdict} "
                     f"(<= {LIMIT_RATIO} at 4x, < {LIMIT_PEAK_MB:.0f} MB)")
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="hostile.py", description=__doc__.splitlines()[0])
    p.add_argument("--scale", type=float, default=1.0, help="multiply every 1x size (default 1)")
    p.add_argument("--only", default="", help="comma-separated input names: " + ", ".join(i.name for i in INPUTS))
    p.add_argument("--timeout", type=float, default=600.0, help="give up on one run after this long")
    args = p.parse_args(argv)
    chosen = [i for i in INPUTS if not args.only or i.name in args.only.split(",")]
    rows = measure(chosen, args.scale, args.timeout, lambda s: print(s, flush=True))
    print(report(rows))
    return 0 if all(r.ok for r in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
