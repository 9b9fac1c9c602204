"""Memory between seeds without Python's automatic cycle collector.

The engine turns the collector off while seeds are analysed (its passes over
held libcst trees were almost half of a worst-case run) and relies on two
things checked here: a module the index forgets is freed by reference
counting alone, and a run leaves the collector as it found it.
"""

from __future__ import annotations

import gc
import weakref
from collections.abc import Iterator
from pathlib import Path

import pytest

from minlint.project.collect import collect
from minlint.project.config import find_config
from minlint.project.index import Project
from minlint.run import engine, parallel

MODULE = """\
from helpers import disclose


class Exporter:
    def export(self, user):
        def inner():
            return user.ip
        disclose({"ip": inner()})

    def other(self):
        return self.export


def export(user):
    disclose({"ip": user.ip})
"""


@pytest.fixture
def collector_off() -> Iterator[None]:
    was = gc.isenabled()
    gc.collect()
    gc.disable()
    try:
        yield
    finally:
        if was:
            gc.enable()


def _project(root: Path) -> Project:
    (root / "handlers.py").write_text(MODULE)
    (root / "helpers.py").write_text("def disclose(payload):\n    pass\n")
    config = find_config(root)
    return Project(collect([str(root)], config), root, config.load_policy())


def test_a_forgotten_module_is_freed_by_reference_counting(tmp_path: Path, collector_off: None) -> None:
    project = _project(tmp_path)
    seed = next(f for f in project.files if f.path.name == "handlers.py")
    facts = project.facts(seed)
    assert facts is not None
    # the module, its class, a method, a nested function and its CFG all point at each other
    method = facts.classes["Exporter"].methods["export"]
    assert method.cfg is not None
    refs = [weakref.ref(x) for x in (facts, method, facts.classes["Exporter"],
                                     facts.functions["Exporter.export.<locals>.inner"])]
    project.call_sites(facts.toplevel["export"])
    del facts, method
    project.trim(0)
    assert [r() for r in refs] == [None] * len(refs), "a cycle keeps a forgotten module alive"


def test_a_module_still_held_is_untouched_by_trim(tmp_path: Path, collector_off: None) -> None:
    project = _project(tmp_path)
    seed = next(f for f in project.files if f.path.name == "handlers.py")
    facts = project.facts(seed)
    assert facts is not None
    project.trim(10**9)
    assert facts.classes["Exporter"].methods and facts.toplevel["export"].module is facts


@pytest.mark.parametrize("enabled", [True, False])
def test_a_run_leaves_the_collector_as_it_found_it(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                    enabled: bool) -> None:
    project = _project(tmp_path)
    for i in range(4):  # several seeds, and trees forgotten between them
        (tmp_path / f"more_{i}.py").write_text(MODULE)
    config = find_config(tmp_path)
    monkeypatch.setattr(parallel, "TREE_BUDGET", 0)
    monkeypatch.setattr(parallel, "FULL_COLLECTION_BUDGETS", 1)
    was = gc.isenabled()
    (gc.enable if enabled else gc.disable)()
    try:
        found, _ = engine.analyse(collect([str(tmp_path)], config), tmp_path, project.policy, jobs=1)
        assert gc.isenabled() is enabled
        assert gc.get_freeze_count() == 0
    finally:
        (gc.enable if was else gc.disable)()
    assert sum(len(v) for v in found.values()) >= 5
