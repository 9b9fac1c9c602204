"""The benchmark script must not rot: ``benchmarks/bench.py --self-test`` builds a
synthetic tree, runs every measurement once and prints every target row.

No timing is asserted: on a shared machine only the real benchmark, run by
hand with medians, says anything about speed.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

BENCH = Path(__file__).resolve().parents[1] / "benchmarks" / "bench.py"

# one fragment of each target row of issue 6, as the table prints it
ROWS = (
    "synthetic: cold minlint <= 0.10 x flake8 -j1",
    "synthetic: cold minlint --jobs 1 <= 0.10 x flake8 -j1",
    "worst case cold --jobs 1 <= 1.5 x libcst parse-only",
    "worst case cold --jobs 2 <= 0.9 x libcst parse-only",
    "warm, nothing changed <= 0.05 x cold",
    "warm, one seed changed <= 0.15 x cold",
    "warm, one non-seed helper changed <= 0.15 x cold",
    "synthetic: flake8 -j1 with plugin <= 1.10 x without",
    "single file, warm: minlint <= 1.5 x flake8 one_file.py",
    "peak memory, worst case --jobs 2 <= 300 MB",
    "peak memory, worst case --jobs 1 <= 300 MB",
    "growth 1x",
    "growth 2x",
)


def test_self_test_prints_every_target(tmp_path: Path) -> None:
    raw = tmp_path / "bench.json"
    proc = subprocess.run(
        [sys.executable, str(BENCH), "--self-test", "--quiet", "--json", str(raw)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    table = proc.stdout.split("Issue 6 targets", 1)[1]
    for row in ROWS:
        assert row in table, f"missing target row {row!r}:\n{table}"
    data = json.loads(raw.read_text())
    # every target got a number (a measurement that failed would leave n/a);
    # the informational rows are not measured by --self-test
    verdicts = {t["verdict"] for t in data["targets"] if t["limit"] is not None}
    assert verdicts <= {"PASS", "FAIL"}, data["targets"]
    assert not [k for k, m in data["measurements"].items() if m["error"]]
    assert "OUTPUT DIFFERS" not in proc.stdout
    # issue 15: the hostile phase prints a growth row per input (its verdicts are not read here)
    hostile = proc.stdout.split("hostile input", 1)[1].split("Trees", 1)[0]
    for name in ("acronym", "noqa", "wide-dict", "helper-chain", "flat-list", "wide-call"):
        assert re.search(rf"^\s*{name}\s+[0-9.]+\s+[0-9.]+\s+[0-9.]+\s+[0-9.]+", hostile, re.M), hostile
