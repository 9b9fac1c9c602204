"""The acceptance corpus: precision and recall 1.000 on both projects.

The projects are copies of ../shared/acceptance (annotated with `# expect:`).
The real CLI runs in a subprocess, as the scorer runs it; when the shared
scorer is present beside the repository it is run too.
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.support import REPO, minlint_json, tree_expectations

SCORER = REPO.parent / "shared" / "tools" / "score.py"


@pytest.fixture(params=["defaults", "custom"])
def project(request: pytest.FixtureRequest, acceptance_project: Callable[[str], Path]) -> Path:
    return acceptance_project(request.param)


def test_cli_finds_exactly_the_annotated_findings(project: Path) -> None:
    want = tree_expectations(project)
    got = {(f["path"], f["line"], f["code"]) for f in minlint_json(project, "--no-cache", ".")}
    assert got == want, f"missed {sorted(want - got)}; spurious {sorted(got - want)}"


def test_warm_cache_and_parallel_jobs_agree(project: Path) -> None:
    cold = minlint_json(project, "--jobs", "1", ".")
    warm = minlint_json(project, "--jobs", "1", ".")
    parallel = minlint_json(project, "--no-cache", "--jobs", "2", ".")
    assert cold == warm == parallel
    assert not (project / ".minlint_cache").exists()  # the cache lives outside the checked tree


@pytest.mark.skipif(not SCORER.is_file(), reason="the shared scorer is not beside this checkout")
def test_shared_scorer_reports_perfect_scores(project: Path) -> None:
    proc = subprocess.run(
        [sys.executable, str(SCORER), ".", "--min-precision", "1", "--min-recall", "1",
         "--cmd", f"{sys.executable} -m minlint check --format json --no-cache ."],
        cwd=project, capture_output=True, text=True, timeout=300,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "precision 1.000 recall 1.000" in proc.stdout
