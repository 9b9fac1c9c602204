"""Issue 15: the CLI on generated and mutated programs, as a contributor could
commit them. Every batch of programs is checked by a real ``minlint check``
twice, under two ``PYTHONHASHSEED`` values: never a traceback, never exit 2
(findings, MIN999 included, or none), and the same output both times.

Programs come from hypothesmith (the grammar) and are then mutated the way
hostile input is: control characters, a NUL, bidirectional overrides, a
truncation, a line repeated many times, deep brackets, the default pack's
names spliced in (so the file is analysed, not only syntax-checked).

CI runs a few batches. By hand, ten minutes:
``MINLINT_HOSTILE_FUZZ_SECONDS=600 python -m pytest -m slow tests/robustness/test_hostile_fuzz.py``.
"""

from __future__ import annotations

import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import hypothesmith
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

VOCAB = ("disclose", "verify_court_order", "user.email", "user.phone", "ip_address", "record_disclosure",
         "# minlint: disclosure", "# noqa: MIN101", "@disclosure")
MUTATIONS = ("\x00", "\x1b[31m", "\u202e", "\r", "\n::warning::x\n", "(" * 60, "[" * 40, "#noqa:" * 50, "\\\n")


def mutate(text: str, rng: random.Random) -> str:
    lines = text.splitlines(keepends=True) or ["\n"]
    for _ in range(rng.randint(1, 4)):
        kind = rng.randrange(5)
        at = rng.randrange(len(lines))
        if kind == 0:
            lines.insert(at, f"def h{at}(user):\n    disclose({{'e': user.email, 'p': user.phone}})\n")
        elif kind == 1:
            pos = rng.randrange(len(lines[at]) + 1)
            lines[at] = lines[at][:pos] + rng.choice(MUTATIONS + VOCAB) + lines[at][pos:]
        elif kind == 2:
            lines[at:at + 1] = [lines[at]] * rng.randint(2, 200)
        elif kind == 3:
            lines = lines[:at + 1]
            lines[-1] = lines[-1][: rng.randrange(len(lines[-1]) + 1)]
        else:
            lines.insert(at, "from legal import disclose\n")
    return "".join(lines)


def run_cli(folder: Path, seed: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONHASHSEED": seed}
    env.pop("MINLINT_DEBUG", None)
    return subprocess.run([sys.executable, "-m", "minlint", "check", "--no-cache", "--jobs", "1", "--format", "json",
                           "."], cwd=folder, env=env, capture_output=True, text=True, timeout=600)


def check_batch(programs: list[str], rng_seed: int) -> None:
    rng = random.Random(rng_seed)
    with tempfile.TemporaryDirectory(prefix="minlint-hostile-fuzz-") as tmp:
        folder = Path(tmp)
        for i, program in enumerate(programs):
            text = mutate(program, rng)
            (folder / f"m{i}.py").write_bytes(text.encode("utf-8", "surrogatepass"))
        first = run_cli(folder, "1")
        second = run_cli(folder, "2")
        for proc in (first, second):
            assert proc.returncode in (0, 1), proc.stderr
            assert "Traceback" not in proc.stderr and "internal error" not in proc.stderr, proc.stderr
        assert first.stdout == second.stdout
        assert first.stderr == second.stderr


PROGRAMS = st.lists(hypothesmith.from_grammar(), min_size=4, max_size=8)


@settings(max_examples=3, deadline=None, suppress_health_check=list(HealthCheck), database=None)
@given(PROGRAMS, st.integers(0, 2**32))
def test_mutated_programs_small(programs: list[str], seed: int) -> None:
    check_batch(programs, seed)


_START: list[float] = []  # when the first long example ran
_BUDGET = float(os.environ.get("MINLINT_HOSTILE_FUZZ_SECONDS", "600"))


@pytest.mark.slow
@settings(max_examples=100_000, deadline=None, suppress_health_check=list(HealthCheck), database=None)
@given(PROGRAMS, st.integers(0, 2**32))
def test_mutated_programs_for_ten_minutes(programs: list[str], seed: int) -> None:
    if not _START:
        _START.append(time.monotonic())
    if time.monotonic() - _START[0] > _BUDGET:
        return  # the time is spent: the remaining examples are no-ops
    check_batch(programs, seed)
