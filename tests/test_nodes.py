"""minlint.parse.nodes.children against libcst's own ``children``, minus layout."""

from __future__ import annotations

import sys
from pathlib import Path

import libcst as cst
import pytest

from minlint.parse.nodes import children

ROOT = Path(__file__).resolve().parents[1]

# nodes that hold layout only: what children() leaves out on purpose
LAYOUT = (
    cst.BaseParenthesizableWhitespace, cst.TrailingWhitespace, cst.EmptyLine, cst.Newline, cst.Comment,
    cst.LeftParen, cst.RightParen, cst.LeftSquareBracket, cst.RightSquareBracket, cst.LeftCurlyBrace,
    cst.RightCurlyBrace, cst.Comma, cst.Dot, cst.Colon, cst.Semicolon, cst.AssignEqual, cst.Asynchronous,
    cst.BaseBinaryOp, cst.BaseBooleanOp, cst.BaseCompOp, cst.BaseUnaryOp, cst.BaseAugOp, cst.ParamSlash,
)

EVERY_FORM = '''
import a.b as c, d
from . import (x as y, z)
from .m import *
@deco(1, k=v)
@other
async def f(a, /, b: int = 1, *args: str, c, d=2, **kw) -> "R":
    global g
    x: int = (yield)
    y = yield from z
    async with a() as (b, c), d:
        async for i in j():
            await k(i, *l, **m)
    try:
        pass
    except* ValueError as e:
        raise X from e
    try:
        del a[1:2:3], b.c
    except (A, B) as e:
        assert e, msg()
    else:
        nonlocal_ = 1
    finally:
        return lambda p, *q, r=s(), **t: p
    while (n := next(it)) and not done:
        continue
    else:
        break
    match cmd():
        case [Point(x=0, y=y), *rest] if guard(rest):
            pass
        case {"k": v, **others} | (1 | 2) as w:
            pass
        case str() | None:
            pass
        case _:
            pass
    return [a for b in c if d for e in f], {k: v for k, v in w}, {s for s in t}, (g for g in h)
class C(Base, metaclass=M, **kw):
    "doc"
    x = f"{a!r:>{width}} {b=} {c.d[e]:%Y}"
    y = a if b else c
    z = -a ** b // c @ d
    w = a < b <= c is not d not in e
    v = {**a, 'b': 1}, [*a, 1], (*a,), a[b, c:d]
    u = 'a' 'b' r'c'
    t = ...
def g[T: int, *Ts, **P](x: T) -> T: ...
class K[T]: pass
type Alias[T] = list[T]
'''


def _trees() -> list[tuple[str, cst.Module]]:
    sources = [("every-form", EVERY_FORM)]
    files = sorted((ROOT / "minlint").rglob("*.py")) + sorted((ROOT / "examples").rglob("*.py"))
    stdlib = Path(sys.modules["ast"].__file__ or "").parent
    files += [stdlib / name for name in ("ast.py", "dataclasses.py", "typing.py", "argparse.py", "enum.py")]
    for path in files:
        if path.is_file():
            sources.append((str(path), path.read_text(encoding="utf-8")))
    return [(name, cst.parse_module(text)) for name, text in sources]


def _walk(node: cst.CSTNode):
    stack = [node]
    while stack:
        cur = stack.pop()
        yield cur
        stack.extend(cur.children)


@pytest.mark.parametrize(("name", "tree"), _trees(), ids=lambda v: Path(v).name if isinstance(v, str) else "")
def test_children_match_libcst_without_layout(name: str, tree: cst.Module) -> None:
    for node in _walk(tree):
        expected = [c for c in node.children if not isinstance(c, LAYOUT)]
        got = children(node)
        assert [id(c) for c in got] == [id(c) for c in expected], (
            f"{name}: {type(node).__name__}: {[type(c).__name__ for c in got]} "
            f"!= {[type(c).__name__ for c in expected]}")


def test_every_form_covers_the_reordered_nodes() -> None:
    seen = {type(n).__name__ for n in _walk(cst.parse_module(EVERY_FORM))}
    for name in ("Arg", "ClassDef", "ExceptHandler", "ExceptStarHandler", "FunctionDef", "IfExp",
                 "MatchCase", "Parameters", "TypeAlias", "FormattedStringExpression", "ImportFrom"):
        assert name in seen
