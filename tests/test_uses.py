"""nodes.uses_in against an oracle written with libcst's own visitor."""

from __future__ import annotations

import sys
from pathlib import Path

import libcst as cst
import pytest

from minlint.parse.nodes import uses_in

ROOT = Path(__file__).resolve().parents[1]


class Oracle(cst.CSTVisitor):
    """What uses_in must find, the slow and obvious way."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, cst.Call]] = []
        self.refs: list[tuple[str, cst.BaseExpression]] = []

    def visit_FunctionDef(self, node: cst.FunctionDef) -> bool:
        return False

    def visit_ClassDef(self, node: cst.ClassDef) -> bool:
        return False

    def visit_Import(self, node: cst.Import) -> bool:
        return False

    def visit_ImportFrom(self, node: cst.ImportFrom) -> bool:
        return False

    def visit_Call(self, node: cst.Call) -> bool:
        func = node.func
        name = func.value if isinstance(func, cst.Name) else func.attr.value if isinstance(func, cst.Attribute) else None
        if name is None:
            return True
        self.calls.append((name, node))
        if isinstance(func, cst.Attribute):
            func.value.visit(self)
        for arg in node.args:
            arg.value.visit(self)
        return False

    def visit_Arg(self, node: cst.Arg) -> bool:
        node.value.visit(self)
        return False

    def visit_Param(self, node: cst.Param) -> bool:
        if node.default is not None:
            node.default.visit(self)
        return False

    def visit_Name(self, node: cst.Name) -> None:
        self.refs.append((node.value, node))

    def visit_Attribute(self, node: cst.Attribute) -> bool:
        self.refs.append((node.attr.value, node))
        node.value.visit(self)
        return False


SAMPLE = '''
import a.b as c
from d import e
x = f(g, key=h.i(j)) + k[l](m)
def outer(p=default(q), *, r: Ann = s):
    t = lambda u=v(w): u + y
    async with z() as aa, bb.cc as dd:
        await ee.ff(gg)(hh)
    def inner():
        return hidden()
    class Inner:
        hidden_too()
    global gl
    return [kk(ll) for ll in mm if nn(ll)], outer(*oo, **pp)
'''


def _roots(tree: cst.Module) -> list[tuple[str, list[cst.CSTNode]]]:
    out: list[tuple[str, list[cst.CSTNode]]] = [
        ("<module>", [s for s in tree.body if not isinstance(s, (cst.FunctionDef, cst.ClassDef))])]
    stack: list[cst.CSTNode] = list(tree.body)
    while stack:
        cur = stack.pop()
        if isinstance(cur, cst.FunctionDef):
            out.append((cur.name.value, [cur.body]))
        stack.extend(cur.children)
    return out


def _sources() -> list[tuple[str, str]]:
    lib = Path(sys.modules["ast"].__file__ or "").parent
    files = [lib / "argparse.py", lib / "dataclasses.py", *sorted((ROOT / "minlint").rglob("*.py"))]
    return [("sample", SAMPLE)] + [(p.name, p.read_text(encoding="utf-8")) for p in files]


@pytest.mark.parametrize(("name", "text"), _sources(), ids=[n for n, _ in _sources()])
def test_uses_in_finds_what_the_visitor_finds_in_the_same_order(name: str, text: str) -> None:
    tree = cst.parse_module(text)
    for fn, roots in _roots(tree):
        oracle = Oracle()
        for root in roots:
            root.visit(oracle)
        calls, refs = uses_in(roots)
        assert [(n, id(c)) for n, c in calls] == [(n, id(c)) for n, c in oracle.calls], (name, fn)
        assert [(n, id(r)) for n, r in refs] == [(n, id(r)) for n, r in oracle.refs], (name, fn)


def test_the_sample_sees_what_a_caller_search_needs() -> None:
    tree = cst.parse_module(SAMPLE)
    outer = next(s for s in tree.body if isinstance(s, cst.FunctionDef))
    calls, refs = uses_in([outer.body])
    assert [n for n, _ in calls] == ["v", "z", "ff", "kk", "nn", "outer"]  # nested scopes are their own
    assert [n for n, _ in refs] == ["t", "w", "u", "y", "aa", "cc", "bb", "dd", "ee", "gg", "hh", "gl",
                                    "ll", "ll", "mm", "ll", "oo", "pp"]  # no keyword, parameter or annotation
