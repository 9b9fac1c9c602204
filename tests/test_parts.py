"""Modules read in parts (chunks.py): libcst parses a top-level definition
only when an analysis asks for it, and every answer is the whole tree's.

The oracles: the parts of a text are the text; every node's position in a
part is the position of the same node in the whole module's tree; a module
read in parts finds what a module read whole finds, on the acceptance
projects and on every rule's cases; and what is never asked about is never
parsed.
"""

from __future__ import annotations

import ast
import json
import sysconfig
import textwrap
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import libcst as cst
import pytest

from minlint.facts.module import ModuleFacts, read_module
from minlint.parse.chunks import split
from minlint.parse.nodes import children
from minlint.project.collect import collect
from minlint.project.config import find_config
from minlint.project.index import Project
from minlint.run.engine import analyse
from tests.support import REPO, copy_acceptance, run_case
from tests.test_rule_cases import CASES

TRICKY = [
    "",
    "# only a comment\n",
    "x = 1",  # no final newline
    "import os\n\n\n# about f\n@decorator(1)\n# between\n@other\ndef f(a=os.sep):\n    return a\n    # trailing, indented\n"
    "# trailing, not\n\nclass C(Base, metaclass=M):\n    class Inner:\n        def m(self):\n            pass\n"
    "    def n(self): return 1\n\nY = 2; Z = 3\nif Y:\n    def g():\n        import json as j\n        return j\n"
    "else:\n    class D: pass\n",
    "\ufeffdef f():\n    return 1\r\n\r\nx = f()\r\n",  # BOM, mixed line ends
    "def f():\r\n\treturn 1\r\n\r\n\r\nclass A:\r\n\tdef m(self):\r\n\t\treturn 2\r\n",
    "async def f():\n    async with a as b:\n        await b\n\x0c\ndef g(): return 1\n",
    'def f():\n    """doc\n\ndef not_a_def():\n"""\n    return 1\nx = """\nclass Fake:\n"""\n',
    "x = [\n    1,\n]\ndef f(\n    a,\n    b=[\n        2,\n    ],\n):\n    pass\n",
    "def f(): pass\ndef f(): return 2\nclass f: pass\n",
]


def _read(text: str, whole: bool = False) -> ModuleFacts:
    return read_module(Path("m.py"), "m.py", "m", text, whole=whole)


@pytest.mark.parametrize("text", TRICKY)
def test_the_parts_are_the_text(text: str) -> None:
    bare = text.removeprefix("\ufeff")
    parts = split(bare, ast.parse(bare))
    assert "".join(p.text for p in parts) == bare
    line = 1
    for part in parts:
        assert part.first_line == line
        line += len(part.text.splitlines()) if part.text else 0


@pytest.mark.parametrize("text", TRICKY)
def test_parts_parse_to_the_whole_modules_code(text: str) -> None:
    module = _read(text)
    whole = _read(text, whole=True)
    assert "".join(cst.Module(body=()).code_for_node(s) for s in module.body()).strip() \
        or not whole.tree.body
    assert [type(s) for s in module.body()] == [type(s) for s in whole.tree.body]
    assert list(module.functions) == list(whole.functions)
    assert list(module.toplevel) == list(whole.toplevel)
    assert list(module.classes) == list(whole.classes)
    assert module.imports == whole.imports
    assert {k: len(v) for k, v in module.constants.items()} == {k: len(v) for k, v in whole.constants.items()}


def _pairs(a: cst.CSTNode, b: cst.CSTNode) -> Iterator[tuple[cst.CSTNode, cst.CSTNode]]:
    stack = [(a, b)]
    while stack:
        x, y = stack.pop()
        assert type(x) is type(y)
        yield x, y
        xs, ys = children(x), children(y)
        assert len(xs) == len(ys)
        stack.extend(zip(xs, ys, strict=True))


def _same_positions(text: str) -> int:
    module = _read(text)
    whole = _read(text, whole=True)
    count = 0
    for part_stmt, whole_stmt in zip(module.body(), whole.tree.body, strict=True):
        for x, y in _pairs(part_stmt, whole_stmt):
            assert module.positions.span(x) == whole.positions.span(y), (type(x).__name__, text[:80])
            count += 1
    return count


@pytest.mark.parametrize("text", TRICKY)
def test_positions_in_parts_are_the_whole_modules(text: str) -> None:
    _same_positions(text)


def test_positions_in_parts_over_real_modules() -> None:
    """Real code: some of the standard library and minlint itself."""
    stdlib = Path(sysconfig.get_paths()["stdlib"])
    files = [stdlib / n for n in ("textwrap.py", "argparse.py", "dataclasses.py", "functools.py")]
    files += sorted((REPO / "minlint").rglob("*.py"))[:8]
    nodes = sum(_same_positions(f.read_text(encoding="utf-8")) for f in files if f.exists())
    assert nodes > 10_000


def test_lookups_parse_only_the_part_that_defines_the_name() -> None:
    text = ("import os\n\ndef a():\n    return 1\n\nclass B:\n    class Nested:\n        pass\n\n"
            "def c():\n    return 2\n\nX = 1\n")
    module = _read(text)
    parsed = lambda: {c.part.name for c in module.chunks if c.tree is not None}  # noqa: E731
    assert parsed() == {None}  # the module-level statements only
    assert module.toplevel_named("c") is not None
    assert parsed() == {None, "c"}
    assert module.class_named("Nested") is not None  # filed under its own name, defined in B's part
    assert parsed() == {None, "c", "B"}
    assert module.function_named("a") is not None and module.toplevel_named("nope") is None
    assert parsed() == {None, "a", "B", "c"}


def test_a_definitions_imports_are_known_before_it_is_parsed() -> None:
    text = "def f():\n    from transport import disclose as send\n    import a.b\n\nfrom x import y as send\n"
    module = _read(text)
    assert all(c.tree is None for c in module.chunks if c.part.name)
    assert module.imports == _read(text, whole=True).imports
    assert module.imports.bound["send"] == "x.y"  # the later import wins, as in the whole tree


def test_a_module_level_redefinition_follows_source_order() -> None:
    text = "if flag:\n    def f():\n        return 1\n\ndef f():\n    return 2\n\nif other:\n    def f():\n        return 3\n"
    module, whole = _read(text), _read(text, whole=True)
    got = module.toplevel_named("f")
    assert got is not None and got.node is not None
    assert module.code_for(got.node) == whole.tree.code_for_node(whole.toplevel["f"].node)  # type: ignore[arg-type]
    assert "return 3" in module.code_for(got.node)


# -- a check in parts finds what a check of whole modules finds ------------------


def _whole(monkeypatch: pytest.MonkeyPatch) -> None:
    real_init = Project.__init__

    def whole(self: Project, *args: Any, **kwargs: Any) -> None:
        real_init(self, *args, **{**kwargs, "whole": True})

    monkeypatch.setattr(Project, "__init__", whole)


@pytest.mark.parametrize("name", ["defaults", "custom"])
def test_acceptance_projects_find_the_same_in_parts(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                    name: str) -> None:
    root = tmp_path / name
    copy_acceptance(name, root)
    config = find_config(root)
    files = collect([str(root)], config)
    parts, _ = analyse(files, root, config.load_policy())
    _whole(monkeypatch)
    whole, _ = analyse(files, root, config.load_policy())
    assert parts == whole
    assert sum(len(v) for v in parts.values()) >= 10


@pytest.mark.parametrize(("rule", "kind", "source"), CASES)
def test_rule_cases_find_the_same_in_parts(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, rule: object,
                                           kind: str, source: str) -> None:
    codes = tuple(rule.codes)  # type: ignore[attr-defined]
    (tmp_path / "parts").mkdir()
    (tmp_path / "whole").mkdir()
    in_parts = run_case(tmp_path / "parts", source, codes)
    _whole(monkeypatch)
    assert in_parts == run_case(tmp_path / "whole", source, codes)


def test_what_no_disclosure_reaches_is_never_parsed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    unrelated = "\n\n".join(f"class Model{i}:\n    def save(self):\n        return self.pk + {i}\n" for i in range(20))
    (tmp_path / "app.py").write_text(textwrap.dedent('''\
        from transport import disclose

        def clean(user):
            return {"ip": user.ip}

        def handler(user):
            disclose(clean(user))
        ''') + "\n\n" + unrelated)
    parsed: list[str | None] = []
    real = ModuleFacts._parse

    def spy(self: ModuleFacts, chunk: Any, tree: Any = None) -> None:
        parsed.append(chunk.part.name)
        real(self, chunk, tree)

    monkeypatch.setattr(ModuleFacts, "_parse", spy)
    config = find_config(tmp_path)
    found, _ = analyse(collect([str(tmp_path)], config), tmp_path, config.load_policy())
    assert any(f.code.startswith("MIN2") for fs in found.values() for f in fs)  # the checks are missing
    assert sorted(parsed, key=str) == sorted([None, "handler", "clean"], key=str)


def test_json_report_is_the_same_in_parts(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Through the whole CLI path, messages included (they print code through code_for)."""
    from minlint.frontends.cli import main

    root = tmp_path / "defaults"
    copy_acceptance("defaults", root)
    monkeypatch.chdir(root)

    def report(capsys: Any = None) -> str:
        import contextlib
        import io

        out = io.StringIO()
        with contextlib.redirect_stdout(out), contextlib.suppress(SystemExit):
            main(["check", "--no-cache", "--format", "json", "."])
        return out.getvalue()

    parts = report()
    _whole(monkeypatch)
    assert json.loads(parts) and report() == parts


LIBCST_REFUSES = "    x = " + " ".join(['"a"'] * 10_000) + "\n"  # Python parses it; libcst gives up


def test_a_part_libcst_cannot_parse_is_min999_where_it_is_asked_about(tmp_path: Path) -> None:
    """A module's unparsed parts are never parsed, so a part libcst refuses
    is reported (MIN999, at its place) only when an analysis needs it; the
    other parts of that module are analysed as usual."""
    (tmp_path / "asked.py").write_text(
        "from transport import disclose\n\n\ndef handler(user):\n    disclose({'email': user.email})\n"
        + LIBCST_REFUSES)
    (tmp_path / "unasked.py").write_text(
        "from transport import disclose\n\n\ndef handler(user):\n    disclose({'email': user.email})\n\n\n"
        "def unrelated():\n" + LIBCST_REFUSES)
    config = find_config(tmp_path)
    found, _ = analyse(collect([str(tmp_path)], config), tmp_path, config.load_policy())
    codes = {Path(path).name: sorted({f.code for f in fs}) for path, fs in found.items()}
    assert "MIN999" in codes["asked.py"]
    assert "MIN999" not in codes["unasked.py"] and "MIN101" in codes["unasked.py"]
    problem = next(f for f in found[str(tmp_path / "asked.py")] if f.code == "MIN999")
    assert problem.line >= 4 and "although Python can" in problem.message


def test_a_lookup_looks_only_at_the_parts_that_can_define_the_name(monkeypatch: pytest.MonkeyPatch) -> None:
    """A module of many definitions between statements must not make every
    lookup walk every part (it made a 3,000-function module quadratic)."""
    text = "".join(f"K_{i} = {i}\n\ndef f_{i}():\n    return {i}\n\n" for i in range(300))
    text += "if K_1:\n    def f_7():\n        return 0\n"
    module = _read(text)
    seen: list[int] = []
    real = ModuleFacts._candidates

    def spy(self: ModuleFacts, named: Any, head: str) -> list[Any]:
        got = real(self, named, head)
        seen.append(len(got))
        return got

    monkeypatch.setattr(ModuleFacts, "_candidates", spy)
    for i in range(300):
        assert module.toplevel_named(f"f_{i}") is not None
    assert max(seen) == 2 and seen[7] == 2 and seen.count(1) == 299  # f_7: its part and the run redefining it
    whole = _read(text, whole=True)
    got = module.toplevel_named("f_7")
    assert got is not None and got.node is not None
    assert module.code_for(got.node) == whole.tree.code_for_node(whole.toplevel["f_7"].node)  # type: ignore[arg-type]
