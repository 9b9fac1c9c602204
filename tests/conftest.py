"""Project fixtures shared by the test files (they used to copy them per file).

``acceptance_project(name)`` copies one of the annotated acceptance projects
into the test's temporary folder, so no run can write into the repository;
``make_tree(files)`` writes a small project from ``{relative path: text}``
(text is dedented; bytes are written as they are).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path

import pytest

from tests.support import copy_acceptance, write_tree


@pytest.fixture(autouse=True)
def cache_home(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Every test (and every minlint it starts) keeps its cache and secret in a
    folder of its own, never the user's: ``MINLINT_CACHE_DIR``."""
    home = tmp_path_factory.mktemp("cache-home")
    monkeypatch.setenv("MINLINT_CACHE_DIR", str(home))
    return home


@pytest.fixture
def acceptance_project(tmp_path: Path) -> Callable[[str], Path]:
    def make(name: str) -> Path:
        return copy_acceptance(name, tmp_path / name)

    return make


@pytest.fixture
def make_tree(tmp_path: Path) -> Callable[[Mapping[str, str | bytes]], Path]:
    def make(files: Mapping[str, str | bytes]) -> Path:
        write_tree(tmp_path, files)
        return tmp_path

    return make
