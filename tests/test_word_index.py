"""The word index (built once many names are searched in a big project) gives
exactly the files the per-name scan gives."""

from __future__ import annotations

from pathlib import Path

import pytest

from minlint.project import index
from minlint.project.collect import collect
from minlint.project.config import find_config

WORDS = ["send", "sender", "_send", "send_2", "naïve", "x", "disclose", "Σ", "absent", "re", "f", "ip",
         *[f"helper_{i}" for i in range(40)]]


FILES = index.WORD_INDEX_FILES + 10  # enough for the index to be built


def _write(root: Path) -> None:
    bodies = [
        "def send():\n    return sender(_send)\n",
        "x = 'send is in a string'  # and disclose in a comment\n",
        "naïve = Σ = 1\nsend_2 = naïve\n",
        "import re\nf = re.compile(r'\\bip\\b')\n",
        "sender.send_2()\n",
    ]
    for i in range(FILES):
        body = bodies[i % len(bodies)] + f"def helper_{i % 40}():\n    return helper_{(i * 7) % 40}()\n"
        (root / f"m{i:03d}.py").write_text(body, encoding="utf-8")


def _project(root: Path) -> index.Project:
    config = find_config(root)
    return index.Project(collect([str(root)], config), root, config.load_policy())


def test_the_index_answers_what_the_scan_answers(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _write(tmp_path)
    indexed = _project(tmp_path)
    answers = {w: indexed.files_with(w) for w in WORDS}
    assert indexed._word_index is not None  # more names than WORD_INDEX_AFTER: the index was built
    monkeypatch.setattr(index, "WORD_INDEX_FILES", 10**9)
    scanned = _project(tmp_path)
    assert {w: scanned.files_with(w) for w in WORDS} == answers
    assert scanned._word_index is None
    assert answers["send"] and answers["naïve"] and answers["Σ"] and not answers["absent"]
    assert answers["send"] != answers["sender"]


def test_a_word_that_is_not_one_word_is_scanned(tmp_path: Path) -> None:
    _write(tmp_path)
    project = _project(tmp_path)
    for w in WORDS:
        project.files_with(w)
    assert project._word_index is not None
    assert project.files_with("re.compile") == [p for p in project.files_with("compile")]
