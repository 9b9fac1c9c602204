"""Positions generated per statement agree with a whole-module generation."""

from __future__ import annotations

import random
import sys
from pathlib import Path

import libcst as cst
import pytest

from minlint.parse.nodes import children
from minlint.parse.positions import Positions
from minlint.parse.source import parse

ROOT = Path(__file__).resolve().parents[1]

TRICKY = {
    "decorators-and-comments": '''# header comment

import os  # trailing

# a comment above
@first
# between decorators

@second(
    1,
)
def f(a,
      b):
    """doc
    string"""
    return a \\
        + b
x = 1; y = f(
    2); z = 3
class A:
    # in the class

    @property
    def p(self):
        return self.q

    class Inner:
        def g(self): return 1

    v = 1; w = 2
class B: x = call(1)
if x: y = f(1)
else:
    z = f(2)
''',
    "crlf": "import a\r\n\r\n@d\r\ndef f():\r\n    return g(1)\r\nclass C:\r\n    def m(self):\r\n        return h(2)\r\n",
    "tabs-and-formfeed": "class C:\n\tdef m(self):\n\t\treturn f(1)\n\x0c\ndef g():\n\treturn f(2)\n",
    "bom": "\ufeffimport a\ndef f():\n    return a.b(1)\n",
    "strings-spanning-lines": 'x = """\n\n\n"""\ndef f():\n    return f"""{a}\n{b(1)}\n"""\nclass C:\n    y = """\n"""\n    def m(self): return g(\n        1)\n',
    "no-trailing-newline": "def f():\n    return g(1)",
    "only-comments": "# nothing\n\n# here\n",
}


def _stdlib() -> list[tuple[str, str]]:
    lib = Path(sys.modules["ast"].__file__ or "").parent
    return [(name, (lib / name).read_text(encoding="utf-8"))
            for name in ("ast.py", "dataclasses.py", "typing.py", "argparse.py", "enum.py", "inspect.py")]


def _cases() -> list[tuple[str, str]]:
    own = [(str(p.relative_to(ROOT)), p.read_text(encoding="utf-8")) for p in sorted((ROOT / "minlint").rglob("*.py"))]
    return [*TRICKY.items(), *_stdlib(), *own]


def _nodes(tree: cst.Module) -> list[cst.CSTNode]:
    out, stack = [], list(tree.body)
    while stack:
        cur = stack.pop()
        out.append(cur)
        stack.extend(children(cur))
    return out


@pytest.mark.parametrize(("name", "text"), _cases(), ids=[n for n, _ in _cases()])
def test_every_node_has_the_position_of_a_whole_module_generation(name: str, text: str) -> None:
    tree, lines = parse(text)
    assert lines is not None
    whole = Positions(tree)  # no ast lines: the whole module at once
    shared = Positions(tree, lines, text)
    nodes = _nodes(tree)
    random.Random(name).shuffle(nodes)  # statements generated in any order
    for node in nodes:
        assert shared.span(node) == whole.span(node), (name, type(node).__name__, cst.Module([]).code_for_node(node))
        if name in TRICKY:  # small enough for a fresh table per node: each query generates its statement alone
            assert Positions(tree, lines, text).span(node) == whole.span(node)
    assert not shared._whole, f"{name}: fell back to generating the whole module"


def test_one_table_answers_many_queries_without_generating_the_module() -> None:
    text = TRICKY["decorators-and-comments"]
    tree, lines = parse(text)
    shared, whole = Positions(tree, lines, text), Positions(tree)
    for node in _nodes(tree):
        assert shared.span(node) == whole.span(node)
    assert not shared._whole


def test_trees_that_do_not_line_up_fall_back_to_the_whole_module() -> None:
    text = "def f():\n    return g(1)\n\n\n\n\n"
    tree, lines = parse(text)
    assert lines is not None
    wrong = ((lines[0][0] + 3, lines[0][1] + 3, None),)  # as if ast had counted three more lines
    positions = Positions(tree, wrong, text)
    call = _nodes(tree)[-1]
    assert positions.span(call) == Positions(tree).span(call)
    assert positions._whole
    missing = Positions(tree, (), text)  # fewer statements than libcst sees
    assert missing.span(call) == Positions(tree).span(call)
    assert missing._whole


def test_a_line_holding_only_a_continuation_is_counted() -> None:
    # libcst's own whole-module generation puts ``f(2)`` on line 2 here; the
    # statement generated from ast's line gets the line the file has
    text = "x = 1\n\\\ny = f(2)\n"
    tree, lines = parse(text)
    call = tree.body[1].body[0].value  # type: ignore[attr-defined]
    assert Positions(tree, lines, text).span(call) == (3, 5, 3, 9)
