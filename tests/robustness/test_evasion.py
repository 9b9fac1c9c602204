"""The evasion suite (issue #8): tricks that must not hide a disclosure.

Each trick is a small program in a per-code case folder,
``tests/fixtures/evasion/<CODE>/`` (the code of its first expected finding,
as bugbear's ``eval_files`` and ruff's fixtures are laid out): a module
``<id>.py``, or a folder ``<id>/`` whose ``case.py`` is the module the trick
is about, beside the other modules it needs. ``<CODE>/cases.toml`` holds the
metadata (what the trick is, its category, ``select``, status, note). The
sources are written the way the rule cases are: ``# expect: MIN101`` on the
line where a finding belongs. Each program is run through the whole engine
with the default pack (``select`` narrows the codes so that one trick tests
one thing: MIN1 for what is exported, MIN2 for the required checks, MIN3 for
the transparency record).

A trick has one of three statuses, and ``docs/evasion.md`` lists every trick
with its status (``test_docs_list_every_trick`` keeps the two in step;
``python tests/robustness/test_evasion.py --write`` regenerates the page):

* **caught**: the findings are exactly the annotated ones;
* **partly caught**: the disclosure is reported, but not as the annotated
  finding (typically a vaguer MIN103 where the field is known to a reader);
  ``instead`` pins what is reported today, and the exact test is a strict
  xfail;
* **not caught**: nothing (or nothing relevant) is reported; the exact test
  is a strict xfail, so it turns red the day the engine learns the trick and
  the entry must then be flipped to caught (and the doc regenerated).

``note`` says, for the tricks that are not caught, what happens and where in
the engine the fix belongs.
"""

from __future__ import annotations

import re
import sys
import textwrap
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

if __name__ == "__main__":  # run as a script to regenerate docs/evasion.md
    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

import libcst
import pytest

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - the project supports 3.10 with tomli
    import tomli as tomllib

from minlint.project.config import Config
from minlint.run.engine import check
from tests.support import REPO, expectations

CAUGHT = "caught"
PARTLY = "partly caught"
MISSED = "not caught"
STATUSES = (CAUGHT, PARTLY, MISSED)
DOC = REPO / "docs" / "evasion.md"

@dataclass(frozen=True)
class Trick:
    id: str
    trick: str  # one line, as docs/evasion.md shows it
    source: str  # the module case.py, annotated with `# expect:`
    select: tuple[str, ...] = ("MIN",)
    status: str = CAUGHT
    note: str = ""  # not/partly caught: what happens, and where the fix belongs
    instead: frozenset[tuple[str, int, str]] = frozenset()  # partly caught: (file, line, code) reported today
    files: Mapping[str, str] = field(default_factory=dict)  # other modules of the tree, by relative path
    category: str = ""  # the kind of trick, as docs/evasion.md groups them
    code: str = ""  # the folder: the code of the first expected finding
    form: str = ""  # inventories (issue 21): the grammar or library form the case is about
    python: str = ""  # the oldest Python whose grammar has the form, when newer than the interpreter's


CASES = REPO / "tests" / "fixtures" / "evasion"


def _instead(spots: list[str]) -> frozenset[tuple[str, int, str]]:
    out = set()
    for spot in spots:
        file, line, code = spot.rsplit(":", 2)
        out.add((file, int(line), code))
    return frozenset(out)


def load_tricks(root: Path = CASES) -> list[Trick]:
    """Every trick of the per-code case folders (``<CODE>/cases.toml`` beside the sources), in file order.

    A one-module trick is ``<CODE>/<id>.py``; a trick with other modules is a folder ``<CODE>/<id>/`` whose
    ``case.py`` is the module the trick is about. The folder is the code of the trick's first expected finding,
    as bugbear's and ruff's per-code fixture files are.
    """
    tricks: list[Trick] = []
    # cases.toml: the tricks found one by one (issue 8); inventory.toml: the forms of issue 21's inventories
    for index in sorted([*root.glob("*/cases.toml"), *root.glob("*/inventory.toml")]):
        for entry in tomllib.loads(index.read_text(encoding="utf-8"))["case"]:
            single = index.parent / f"{entry['id']}.py"
            if single.is_file():
                source, files = single.read_bytes().decode("utf-8"), {}
            else:
                folder = index.parent / entry["id"]
                texts = {p.relative_to(folder).as_posix(): p.read_bytes().decode("utf-8")
                         for p in sorted(folder.rglob("*.py"))}
                source, files = texts.pop("case.py"), texts
            tricks.append(Trick(
                id=entry["id"], trick=entry["trick"], source=source, select=tuple(entry["select"]),
                status=entry["status"], note=entry.get("note", ""), instead=_instead(entry.get("instead", [])),
                files=files, category=entry["category"], code=index.parent.name,
                form=entry.get("form", ""), python=entry.get("python", ""),
            ))
    return tricks


TRICKS: list[Trick] = load_tricks()


# ---------------------------------------------------------------------------------------------------
# Running a trick


def _write(root: Path, trick: Trick) -> dict[str, str]:
    texts = {"case.py": trick.source, **trick.files}
    out: dict[str, str] = {}
    for rel, text in texts.items():
        text = textwrap.dedent(text).lstrip("\n")
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        out[rel] = text
    return out


def expected(trick: Trick) -> set[tuple[str, int, str]]:
    texts = {"case.py": trick.source, **trick.files}
    return {
        (rel, line, code)
        for rel, text in texts.items()
        for line, code in expectations(textwrap.dedent(text).lstrip("\n"))
    }


def run_trick(root: Path, trick: Trick) -> set[tuple[str, int, str]]:
    """The findings of the tree a trick makes, as (file, line, code)."""
    _write(root, trick)
    config = Config(pyproject=None, root=root, select=trick.select)
    result = check([str(root)], config, config.load_policy())
    return {(Path(f.path).relative_to(root).as_posix(), f.line, f.code) for f in result.findings}


def _params(tricks: list[Trick]) -> list[object]:
    out = []
    for t in tricks:
        marks = []
        if t.status != CAUGHT:
            marks.append(pytest.mark.xfail(strict=True, raises=AssertionError, reason=f"{t.status}: {t.note}"))
        out.append(pytest.param(t, id=t.id, marks=marks))
    return out


@pytest.mark.parametrize("trick", _params(TRICKS))
def test_trick(tmp_path: Path, trick: Trick) -> None:
    assert run_trick(tmp_path, trick) == expected(trick)


@pytest.mark.parametrize("trick", [pytest.param(t, id=t.id) for t in TRICKS if t.status == PARTLY])
def test_partly_caught_is_still_reported(tmp_path: Path, trick: Trick) -> None:
    """What a partly caught trick is reported as today: the gate still fails on it."""
    assert run_trick(tmp_path, trick) == set(trick.instead)


def test_table_is_well_formed() -> None:
    ids = [t.id for t in TRICKS]
    assert len(ids) == len(set(ids)), "trick ids are unique"
    for t in TRICKS:
        assert re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", t.id), t.id
        assert t.status in STATUSES, t.id
        assert "\n" not in t.trick and "\n" not in t.note, t.id
        assert expected(t), f"{t.id}: a trick must expect at least one finding"
        assert (t.status == CAUGHT) == (not t.note), f"{t.id}: a note exactly when not caught"
        assert (t.status == PARTLY) == bool(t.instead), f"{t.id}: `instead` exactly when partly caught"
        assert t.category, f"{t.id}: every trick has a category"
        assert t.code == min(c for _, _, c in expected(t)), f"{t.id}: its folder is its first expected code"
        for rel, text in {"case.py": t.source, **t.files}.items():
            data = textwrap.dedent(text).lstrip("\n").encode("utf-8")
            if t.python and sys.version_info < tuple(int(p) for p in t.python.split(".")):
                # newer grammar (t-strings): valid to libcst, which parses every version minlint reads
                libcst.parse_module(data)
                continue
            # the tricks are valid Python (bytes: as the interpreter reads a file, coding cookie included)
            compile(data, f"{t.id}/{rel}", "exec")


# ---------------------------------------------------------------------------------------------------
# docs/evasion.md

HEADER = """\
# Evasion: tricks that try to hide a disclosure

Every trick below is a small program in a per-code case folder,
`tests/fixtures/evasion/<CODE>/` (metadata in its `cases.toml`, and for the inventories of
issue 21, every data-access and control form, in its `inventory.toml`), run by
`tests/robustness/test_evasion.py` through the whole engine with the default pack. **caught**: minlint
reports exactly the findings the program is annotated with. **partly
caught**: the disclosure is reported (the gate fails), but less precisely
than it should be, usually as MIN103 instead of the field. **not caught**:
the trick hides the finding today; the test is a strict `xfail`, so it
turns red the day minlint learns the trick.

This page is generated from the case files
(`python tests/robustness/test_evasion.py --write`) and a test checks that
the two agree.

"""


def _cell(text: str) -> str:
    return text.replace("|", "\\|")


def _counts(tricks: list[Trick]) -> str:
    counts = {s: sum(1 for t in tricks if t.status == s) for s in STATUSES}
    return ", ".join(f"{counts[s]} {s}" for s in STATUSES) + f" of {len(tricks)} tricks"


def render_doc() -> str:
    lines = [HEADER.rstrip("\n"), "", _counts(TRICKS) + ".", "", "| category | coverage |", "|---|---|"]
    categories = list(dict.fromkeys(t.category for t in TRICKS))
    for category in categories:
        lines.append(f"| {_cell(category)} | {_counts([t for t in TRICKS if t.category == category])} |")
    for category in categories:
        lines += ["", f"## {category}", "", "| id | trick | status | note |", "|---|---|---|---|"]
        for t in TRICKS:
            if t.category == category:
                lines.append(f"| `{t.id}` | {_cell(t.trick)} | {t.status} | {_cell(t.note)} |")
    return "\n".join(lines) + "\n"


ROW = re.compile(r"^\|\s*`(?P<id>[^`]+)`\s*\|(?P<trick>.*?)(?<!\\)\|\s*(?P<status>[a-z ]+?)\s*\|(?P<note>.*)\|\s*$")


def parse_doc(text: str) -> dict[str, tuple[str, str]]:
    """id -> (trick, status), from the Markdown table of docs/evasion.md."""
    out: dict[str, tuple[str, str]] = {}
    for line in text.splitlines():
        m = ROW.match(line)
        if m:
            assert m.group("id") not in out, f"listed twice: {m.group('id')}"
            out[m.group("id")] = (m.group("trick").strip().replace("\\|", "|"), m.group("status"))
    return out


def test_docs_list_every_trick() -> None:
    listed = parse_doc(DOC.read_text(encoding="utf-8"))
    table = {t.id: (t.trick, t.status) for t in TRICKS}
    assert set(listed) == set(table), "docs/evasion.md and TRICKS list different tricks"
    for id, (trick, status) in table.items():
        assert listed[id] == (trick, status), f"{id}: docs/evasion.md says {listed[id]}"


def test_parse_doc_reads_what_render_writes() -> None:
    assert parse_doc(render_doc()) == {t.id: (t.trick, t.status) for t in TRICKS}


if __name__ == "__main__":
    if sys.argv[1:] == ["--write"]:
        DOC.write_text(render_doc(), encoding="utf-8")
        print(f"wrote {DOC}")
    else:
        sys.stdout.write(render_doc())
