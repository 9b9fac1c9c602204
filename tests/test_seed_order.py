"""Results never depend on the order seeds are analysed in, nor on which of a
project's files are named: a fact object holds facts only, and every decision
(which calls never return, what a helper checks) lives in one analysis.

The reproducer: ``b`` never returns (it calls ``a``, which raises on every
path, through ``b`` or not). Deciding ``a`` first with ``b`` "in progress,
assumed to return" used to settle ``b`` as returning and store that in the
CFG the function kept across seeds: the whole-project run then reported a
false MIN203 in ``b_handler.py`` that a run over ``b_handler.py`` alone did
not.
"""

from __future__ import annotations

import itertools
import random
import textwrap
from pathlib import Path

import pytest

from minlint.project.config import find_config
from minlint.project.index import Project
from minlint.run import engine

FILES = {
    "helpers.py": '''
        def a(x):
            if x:
                b(x)
            raise PermissionError


        def b(x):
            a(x)
    ''',
    "a_handler.py": '''
        from helpers import a


        def handle_a(request, user):
            a(request)
            verify_court_order(request.order)
            check_jurisdiction(request.jurisdiction)
            require_terror_suspect(request)
            record_disclosure(request)
            disclose({"ip": user.ip})
    ''',
    "b_handler.py": '''
        from helpers import b


        def handle_b(request, user):
            verify_court_order(request.order)
            check_jurisdiction(request.jurisdiction)
            if not request.order.confirms_terror_suspect:
                b(request)
            record_disclosure(request)
            disclose({"ip": user.ip})
    ''',
    # a third seed between them, so that an order can put it anywhere
    "c_handler.py": '''
        def handle_c(request, user):
            disclose({"email": user.email})
    ''',
}
# what the run over the whole project reports: only c_handler's missing checks and field
EXPECTED = {
    ("c_handler.py", 2, "MIN101"), ("c_handler.py", 2, "MIN201"), ("c_handler.py", 2, "MIN202"),
    ("c_handler.py", 2, "MIN203"), ("c_handler.py", 2, "MIN301"),
}


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    (tmp_path / "pyproject.toml").write_text("[tool.minlint]\n")
    for name, text in FILES.items():
        (tmp_path / name).write_text(textwrap.dedent(text).lstrip())
    return tmp_path


ORDERS = {
    "sorted": lambda seeds: seeds,
    "reversed": lambda seeds: seeds[::-1],
    **{f"shuffled-{n}": (lambda seeds, n=n: random.Random(n).sample(seeds, len(seeds))) for n in range(4)},
}


def _run(root: Path, names: list[str], order: str, monkeypatch: pytest.MonkeyPatch, *, cache: bool) -> set[
        tuple[str, int, str]]:
    original = Project.seeds
    monkeypatch.setattr(Project, "seeds", lambda self: ORDERS[order](original(self)))
    monkeypatch.chdir(root)
    config = find_config(root)
    try:
        result = engine.check(names, config, config.load_policy(), use_cache=cache)
    finally:
        monkeypatch.setattr(Project, "seeds", original)
    return {(f.path, f.line, f.code) for f in result.findings}


def _subsets() -> list[list[str]]:
    """Every set of named files that holds b_handler.py and its helper."""
    others = ["a_handler.py", "c_handler.py"]
    return [["b_handler.py", "helpers.py", *extra] for k in range(3) for extra in itertools.combinations(others, k)]


@pytest.mark.parametrize("order", list(ORDERS))
def test_every_seed_order_gives_the_same_findings(tree: Path, order: str, monkeypatch: pytest.MonkeyPatch) -> None:
    assert _run(tree, ["."], order, monkeypatch, cache=False) == EXPECTED


@pytest.mark.parametrize("names", _subsets(), ids=lambda names: "+".join(n.split("_")[0] for n in names))
def test_every_subset_of_files_gives_the_whole_project_findings(
    tree: Path, names: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    expected = {f for f in EXPECTED if f[0] in names}
    for order in ("sorted", "reversed"):
        assert _run(tree, names, order, monkeypatch, cache=False) == expected, order


def test_warm_runs_keep_the_right_answer_after_an_unrelated_edit(tree: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for order in ORDERS:
        assert _run(tree, ["."], order, monkeypatch, cache=True) == EXPECTED, order
    (tree / "c_handler.py").write_text((tree / "c_handler.py").read_text() + "\n# touched\n")
    for order in ("reversed", "sorted"):
        assert _run(tree, ["."], order, monkeypatch, cache=True) == EXPECTED, order
    assert _run(tree, ["b_handler.py", "helpers.py"], "sorted", monkeypatch, cache=True) == set()


def test_a_helper_chain_that_never_returns_is_an_exit_however_it_is_reached(
    tree: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Three functions in a cycle, only one of which raises on its own: all never return."""
    (tree / "helpers.py").write_text(textwrap.dedent('''
        def a(x):
            b(x)

        def b(x):
            if x:
                c(x)
            raise PermissionError

        def c(x):
            a(x)
    ''').lstrip())
    for order in ORDERS:
        assert _run(tree, ["."], order, monkeypatch, cache=False) == EXPECTED, order
