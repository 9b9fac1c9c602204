"""The reduced real-code slice (tests/fixtures/realworld): a few unchanged
files of each corpus project (benchmarks/realworld), with the project's pack
and the labels judged by hand, scored against the floors in floors.toml.

The whole corpus is scored by hand with benchmarks/realworld/score.py."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import pytest

from minlint.api import Options, configure
from minlint.discover import discover
from minlint.project.collect import collect

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

REPO = Path(__file__).resolve().parent.parent
SLICE = REPO / "tests" / "fixtures" / "realworld"
BENCH = REPO / "benchmarks" / "realworld"
FLOORS = tomllib.loads((SLICE / "floors.toml").read_text(encoding="utf-8"))
PROJECTS = sorted(FLOORS)


def _score_module() -> ModuleType:
    spec = importlib.util.spec_from_file_location("realworld_score", BENCH / "score.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


score = _score_module()


def _tree(name: str) -> tuple[Path, Path, list[str]]:
    projects = tomllib.loads((BENCH / "projects.toml").read_text(encoding="utf-8"))["project"]
    entry = next(p for p in projects if p["name"] == name)
    root = SLICE / name
    return root, root / entry["tree"], list(entry["scope"])


def _engine_case(name: str) -> object:
    reason = FLOORS[name]["engine"].get("xfail")
    marks = [pytest.mark.xfail(strict=True, reason=reason)] if reason else []
    return pytest.param(name, marks=marks, id=name)


@pytest.mark.parametrize("name", [_engine_case(n) for n in PROJECTS])
def test_engine_meets_the_floors(name: str) -> None:
    root, tree, scope = _tree(name)
    labels = score.read_labels(root / "labels.toml")
    result = score.score(name, root, tree, root / "pack.toml", labels, scope)
    assert result.loaded, f"the pack does not load: {result.why}"
    floors = FLOORS[name]["engine"]
    assert (result.precision or 0.0) >= floors["precision"], score.render([result], True)
    assert (result.recall or 0.0) >= floors["recall"], score.render([result], True)


@pytest.mark.parametrize("name", PROJECTS)
def test_engine_on_the_v1_subset_meets_the_floors(name: str) -> None:
    """Today's engine on the part of each pack the v1 loader reads: a ratchet for the analysis (issue 17)."""
    root, tree, scope = _tree(name)
    result = score.score(name, root, tree, root / "pack.toml", score.read_labels(root / "labels.toml"), scope, v1=True)
    assert result.loaded, result.why
    floors = FLOORS[name]["engine_v1"]
    assert (result.precision or 0.0) >= floors["precision"], score.render([result], True)
    assert (result.recall or 0.0) >= floors["recall"], score.render([result], True)


@pytest.mark.parametrize("name", PROJECTS)
def test_discover_ranks_every_pack_path_near_the_top(name: str) -> None:
    _, tree, _ = _tree(name)
    config = configure([str(tree)], Options())
    targets = [c.target for c in discover(collect([str(tree)], config), config.root)]
    floors = FLOORS[name]["discover"]
    for path in floors["paths"]:
        assert path in targets[: floors["max_rank"]], (path, targets)


@pytest.mark.parametrize("name", PROJECTS)
def test_slice_pack_and_labels_are_the_corpus_ones(name: str) -> None:
    root = SLICE / name
    assert (root / "pack.toml").read_bytes() == (BENCH / "packs" / f"{name}.toml").read_bytes()
    assert (root / "labels.toml").read_bytes() == (BENCH / "labels" / f"{name}.toml").read_bytes()
    assert (root / "LICENSE").read_text(encoding="utf-8").lstrip().startswith(("Apache License", "Copyright"))


@pytest.mark.parametrize("name", PROJECTS)
def test_labels_point_at_real_lines(name: str) -> None:
    """Every label names a file of the slice, a line of it, and (for a field) a line that mentions the field."""
    root, _, scope = _tree(name)
    for label in score.read_labels(root / "labels.toml"):
        assert label.path in scope, label
        lines = (root / label.path).read_text(encoding="utf-8").splitlines()
        assert 0 < label.line <= len(lines), label
        if label.field is not None:
            assert label.field in lines[label.line - 1], label
        assert label.reason and label.code.startswith("MIN"), label
