"""Determinism (issue #8): the same report, byte for byte, whatever the run.

The acceptance projects ``defaults`` (the default pack) and ``custom`` (a
project pack) are checked by the real CLI in separate processes: twice with
the same settings, under several ``PYTHONHASHSEED`` values (set and dict
order of strings change with it), and with ``--jobs 1`` and ``--jobs 2``.
Every JSON report must be identical to the first; so must the text report
and its stderr summary.

The fixture projects are too small for the engine to start worker processes
(it does from ``parallel.PARALLEL_SEEDS`` candidate files or
``parallel.PARALLEL_FILES`` files on), so a *scaled* project, the ``defaults``
package copied under four names beside 200 plain modules, compares
``--jobs 1`` with ``--jobs 2`` where the work really is split.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support import copy_acceptance

SEEDS = ("0", "1", "12345")


def _run(root: Path, *args: str, seed: str = "0") -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "PYTHONHASHSEED"}
    env["PYTHONHASHSEED"] = seed
    env.pop("MINLINT_DEBUG", None)
    proc = subprocess.run([sys.executable, "-m", "minlint", "check", "--no-cache", *args, "."], cwd=root,
                          capture_output=True, text=True, env=env, timeout=300)
    assert proc.returncode in (0, 1), proc.stderr
    assert "Traceback" not in proc.stderr
    return proc


@pytest.fixture(scope="module", params=["defaults", "custom"])
def project(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the fixture project, so that no run can write into the repository."""
    target = tmp_path_factory.mktemp(request.param) / request.param
    copy_acceptance(request.param, target)
    return target


@pytest.fixture(scope="module")
def reference(project: Path) -> str:
    proc = _run(project, "--format", "json")
    data = json.loads(proc.stdout)
    assert data, "the fixture project has findings to compare"
    return proc.stdout


def test_json_is_sorted(reference: str) -> None:
    data = json.loads(reference)
    keys = [(d["path"], d["line"], d["column"], d["code"]) for d in data]
    assert keys == sorted(keys), "sorted by path, line, column, code (SPEC 5)"


# (PYTHONHASHSEED, --jobs): a plain second run, every other seed, and both
# --jobs values (each with a seed other than the reference's, to keep the
# number of processes small: a difference still shows which setting caused it)
RUNS = [("0", None), ("1", "1"), ("12345", "2"), ("1", "2")]


@pytest.mark.parametrize(("seed", "jobs"), RUNS, ids=[f"seed{s}-jobs{j or 'default'}" for s, j in RUNS])
def test_same_json(project: Path, reference: str, seed: str, jobs: str | None) -> None:
    args = ["--format", "json"] + (["--jobs", jobs] if jobs else [])
    assert _run(project, *args, seed=seed).stdout == reference


def test_same_text_and_summary_across_seeds(tmp_path: Path) -> None:
    root = tmp_path / "defaults"
    copy_acceptance("defaults", root)
    first = _run(root, seed=SEEDS[0])
    other = _run(root, "--jobs", "2", seed=SEEDS[2])
    assert first.stdout and (other.stdout, other.stderr) == (first.stdout, first.stderr)


def _scaled(tmp_path: Path) -> Path:
    from minlint.run import parallel

    root = tmp_path / "scaled"
    copy_acceptance("defaults", root)
    for i in range(1, 4):
        shutil.copytree(root / "messenger", root / f"messenger{i}")
    filler = root / "filler"
    filler.mkdir()
    for i in range(parallel.PARALLEL_FILES):
        (filler / f"m{i:03d}.py").write_text(f"VALUE_{i} = {i}\n", encoding="utf-8")
    (filler / "broken.py").write_text("def f(:\n", encoding="utf-8")
    return root


def test_scaled_project_same_json_across_jobs(tmp_path: Path) -> None:
    root = _scaled(tmp_path)
    one = _run(root, "--format", "json", "--jobs", "1", seed="1")
    two = _run(root, "--format", "json", "--jobs", "2", seed="12345")
    assert json.loads(one.stdout), "the scaled project has findings"
    assert two.stdout == one.stdout
    assert two.stderr == one.stderr


@pytest.mark.parametrize("method", ["fork", "forkserver"])
def test_workers_started_either_way_find_what_one_process_finds(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, method: str) -> None:
    """Linux workers are forked copies of the index; elsewhere (or with other
    threads alive) they start fresh and build their own. Both give the
    findings of one process."""
    import multiprocessing

    from minlint.project.collect import collect
    from minlint.project.config import find_config
    from minlint.run import engine, parallel

    root = _scaled(tmp_path)
    config = find_config(root)
    files = collect([str(root)], config)
    policy = config.load_policy()
    started: list[str] = []

    def context() -> multiprocessing.context.BaseContext:
        started.append(method)
        return multiprocessing.get_context(method)

    one, _ = engine.analyse(files, root, policy, jobs=1)
    monkeypatch.setattr(parallel, "_context", context)
    two, _ = engine.analyse(files, root, policy, jobs=2)
    assert started == [method, method]  # the seeds and the syntax pass both ran in workers
    assert two == one
    assert any(f.code == "MIN999" for fs in one.values() for f in fs)
    assert any(f.code == "MIN101" for fs in one.values() for f in fs)


@pytest.mark.parametrize("jobs", [1, 2])
def test_forgetting_every_tree_between_seeds_changes_no_finding(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, jobs: int) -> None:
    """Trees are dropped between seeds to bound memory (parallel.TREE_BUDGET)
    and parsed again when a later seed needs them: with a budget of nothing,
    every module is parsed again for every seed, and the findings are those
    of a run that keeps everything."""
    from minlint.project.collect import collect
    from minlint.project.config import find_config
    from minlint.run import engine, parallel

    root = _scaled(tmp_path)
    config = find_config(root)
    files = collect([str(root)], config)
    policy = config.load_policy()
    monkeypatch.setattr(parallel, "TREE_BUDGET", 10**12)
    kept, _ = engine.analyse(files, root, policy, jobs=jobs)
    monkeypatch.setattr(parallel, "TREE_BUDGET", 0)
    forgotten, _ = engine.analyse(files, root, policy, jobs=jobs)
    assert forgotten == kept
    assert sum(len(v) for v in kept.values()) > 10


def test_trim_forgets_the_least_recently_used_trees_and_what_came_from_them(tmp_path: Path) -> None:
    from minlint.project.collect import collect
    from minlint.project.config import find_config
    from minlint.project.index import Project

    for name in ("a", "b", "c"):
        (tmp_path / f"{name}.py").write_text(f"def {name}():\n    return {name}_helper()\n\n\ndef {name}_helper():\n"
                                             f"    return 1\n")
    config = find_config(tmp_path)
    project = Project(collect([str(tmp_path)], config), tmp_path, config.load_policy())
    a, b, c = project.files
    held = [project.facts(f) for f in (a, b, c)]
    for facts in held:
        assert facts is not None
        assert facts.functions  # parses every part: the whole module's text is held
    fa = held[0]
    assert fa is not None
    project.call_sites(fa.functions["a_helper"])
    assert project._call_sites
    project.facts(a)  # a is now the most recently used
    size = len(project.texts[a.path])
    del held
    project.trim(size)  # room for one module: b and c go, a stays
    assert set(project._facts) == {a.path}
    assert project._call_sites  # computed from a alone: still valid
    project.trim(0)
    assert not project._facts and not project._call_sites and not project._module_uses
    again = project.facts(a)
    assert again is not None and again is not fa  # parsed again
