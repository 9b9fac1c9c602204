"""A module cut at its top-level definitions, so that libcst parses only
what an analysis asks about.

libcst is ten times slower than ``ast``, and most of a module that holds a
disclosure is code no disclosure reaches. So ``ast``'s tree (which the
parse guard builds anyway) cuts the module into *parts* of whole lines:
each top-level ``def`` or ``class`` on its own, and each run of the other
statements between them, with the comments and blank lines before a part
going with it. Each part is parsed by libcst alone when asked for, and
gives the same facts as the whole module's tree would, at the same lines.

What a part's code calls, binds and decorates with is read off ``ast``
here (:class:`Calls`), so that the analysis can tell which parts cannot
hold a disclosure without parsing them (``Prescan.may_disclose_in``).
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from minlint.parse.source import Lines, statement_lines

_NEWLINE = re.compile(r"\r\n?|\n")
_DEFINITIONS = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)
# the compound statements whose blocks facts.py walks for definitions
_BLOCKS: tuple[type[ast.stmt], ...] = (ast.If, ast.Try, ast.For, ast.AsyncFor, ast.While, ast.With, ast.AsyncWith,
                                       ast.Match, *((ast.TryStar,) if hasattr(ast, "TryStar") else ()))


@dataclass
class Calls:
    """What some code calls and binds, for a conservative pre-scan: a superset
    of what ``Prescan.may_disclose`` looks at in each function of it
    (names as Python spells them: NFKC-normalised)."""

    names: set[str] = field(default_factory=set)  # last names of callees and of call arguments
    called: set[str] = field(default_factory=set)  # names called directly: f(...)
    # a name assigned a value anywhere in it (=, :=, with ... as) -> its values' shapes (analysis._shapes)
    bound: dict[str, set[tuple[str, str]]] = field(default_factory=dict)
    defined: set[str] = field(default_factory=set)  # functions defined in it
    decorators: set[str] = field(default_factory=set)  # last names of decorators
    results_called: set[str] = field(default_factory=set)  # last names of f in f(...)(...)


ImportSpec = tuple[str | None, int, tuple[tuple[str, str | None], ...] | None]


@dataclass(frozen=True)
class Part:
    name: str | None  # the def's or class's name; None for a run of other statements
    first_line: int  # of the module, 1-based
    text: str  # whole lines of the module
    lines: Lines | None  # the part's statements, as ``ast`` saw them, in the part's own lines
    classes: frozenset[str]  # the names it files classes under (facts.py: nested classes too)
    code: Calls  # of the whole part
    header: Calls  # of what runs when the module runs: a definition's decorators and defaults
    # a definition's imports, in order, for the module's imports before it is
    # parsed: (module or None for `import x`, level, (name, as) pairs or None for *);
    # None when libcst must read them (names ast spells otherwise than the text)
    imports: tuple[ImportSpec, ...] | None = ()


def split(text: str, tree: ast.Module) -> list[Part]:
    """*text* (which ``ast`` read as *tree*) in parts, in order; together they
    are the whole text."""
    starts = [0, *(m.end() for m in _NEWLINE.finditer(text))]
    groups: list[tuple[str | None, list[ast.stmt]]] = []
    for stmt in tree.body:
        if isinstance(stmt, _DEFINITIONS):
            groups.append((stmt.name, [stmt]))
        elif groups and groups[-1][0] is None:
            groups[-1][1].append(stmt)
        else:
            groups.append((None, [stmt]))
    parts: list[Part] = []
    line = 1  # the first line not yet in a part
    for i, (name, stmts) in enumerate(groups):
        last = len(starts) if i == len(groups) - 1 else max(_end_line(s) for s in stmts)
        begin = starts[line - 1]
        end = starts[last] if last < len(starts) else len(text)
        imports: list[ast.Import | ast.ImportFrom] = []
        code = _calls(stmts, imports)
        part_text = text[begin:end]
        parts.append(Part(
            name, line, part_text, statement_lines(stmts, line - 1),
            frozenset(_class_names(stmts)), code,
            code if name is None else _calls(_header(stmts[0]), []),
            None if name is None else _import_specs(imports, part_text),
        ))
        line = last + 1
    if not parts:
        parts.append(Part(None, 1, text, (), frozenset(), Calls(), Calls(), None))
    return parts


def summary(stmts: Iterable[ast.stmt]) -> Calls:
    """What *stmts* call and bind (for a module read whole)."""
    return _calls(stmts, [])


def _end_line(stmt: ast.stmt) -> int:
    return stmt.end_lineno if stmt.end_lineno is not None else stmt.lineno


def _class_names(stmts: Iterable[ast.stmt]) -> Iterator[str]:
    """The names facts.py files classes under: a class, and the classes in
    its body (not those in a function's)."""
    for stmt in stmts:
        if isinstance(stmt, ast.ClassDef):
            yield stmt.name
            yield from _class_names(stmt.body)
        elif isinstance(stmt, _BLOCKS):
            for block in _blocks(stmt):
                yield from _class_names(block)


def _blocks(stmt: ast.stmt) -> Iterator[list[ast.stmt]]:
    if isinstance(stmt, ast.Match):
        for case in stmt.cases:
            yield case.body
        return
    for name in ("body", "orelse", "finalbody"):
        block = getattr(stmt, name, None)
        if block:
            yield block
    for handler in getattr(stmt, "handlers", ()):
        yield handler.body


def _header(stmt: ast.stmt) -> list[ast.AST]:
    """What runs where a definition stands: decorators and defaults (and,
    a superset, annotations, bases and keywords)."""
    assert isinstance(stmt, _DEFINITIONS)
    out: list[ast.AST] = list(stmt.decorator_list)
    if isinstance(stmt, ast.ClassDef):
        out.extend(stmt.bases)
        out.extend(stmt.keywords)
    else:
        out.append(stmt.args)
        if stmt.returns is not None:
            out.append(stmt.returns)
    return out


def _bind(out: Calls, targets: list[ast.expr], value: ast.expr) -> None:
    shapes = _shapes(value)
    stack = list(targets)
    while stack:
        target = stack.pop()
        if type(target) is ast.Name:
            out.bound.setdefault(target.id, set()).update(shapes)
        elif type(target) is ast.Tuple or type(target) is ast.List:
            stack.extend(target.elts)  # type: ignore[attr-defined]
        elif type(target) is ast.Starred:
            stack.append(target.value)  # type: ignore[attr-defined]


def _shapes(value: ast.expr) -> set[tuple[str, str]]:
    """``analysis._shapes``, read off ast."""
    out: set[tuple[str, str]] = set()
    stack = [value]
    while stack:
        cur = stack.pop()
        if isinstance(cur, ast.Call):
            last = _last(cur.func)
            if last is not None:
                out.add(("call", last))
        elif isinstance(cur, ast.Name):
            out.add(("name", cur.id))
        elif isinstance(cur, ast.Attribute):
            out.add(("attr", cur.attr))
        elif isinstance(cur, (ast.Tuple, ast.List)):
            stack.extend(e.value if isinstance(e, ast.Starred) else e for e in cur.elts)
    return out


def _last(expr: ast.AST) -> str | None:
    if isinstance(expr, ast.Name):
        return expr.id
    if isinstance(expr, ast.Attribute):
        return expr.attr
    return None


def _import_specs(nodes: list[ast.Import | ast.ImportFrom], text: str) -> tuple[ImportSpec, ...] | None:
    if not text.isascii() and any(not a.name.isascii() or not (a.asname or "").isascii()
                                  or not (getattr(n, "module", None) or "").isascii()
                                  for n in nodes for a in n.names):
        return None  # ast normalises names (NFKC); the imports keep them as written
    nodes.sort(key=lambda n: (n.lineno, n.col_offset))
    out: list[ImportSpec] = []
    for node in nodes:
        names = tuple((a.name, a.asname) for a in node.names)
        if isinstance(node, ast.Import):
            out.append((None, 0, names))
        else:
            out.append((node.module, node.level, None if names == (("*", None),) else names))
    return tuple(out)


def _calls(roots: Iterable[ast.AST], imports: list[ast.Import | ast.ImportFrom]) -> Calls:
    """One walk (an explicit stack over each node's fields: ``ast.walk``'s
    generators cost twice as much)."""
    out = Calls()
    stack = list(roots)
    while stack:
        node = stack.pop()
        kind = type(node)
        if kind is ast.Call:
            func = node.func  # type: ignore[attr-defined]
            if type(func) is ast.Call:
                last = _last(func.func)
                if last is not None:
                    out.results_called.add(last)
            elif type(func) is ast.Name:
                out.called.add(func.id)
            for expr in (func, *node.args, *(k.value for k in node.keywords)):  # type: ignore[attr-defined]
                if type(expr) is ast.Starred:
                    expr = expr.value
                last = _last(expr)
                if last is not None:
                    out.names.add(last)
        elif kind is ast.Name:
            continue
        elif kind is ast.Assign or kind is ast.AnnAssign or kind is ast.NamedExpr:
            if node.value is not None:  # type: ignore[attr-defined]
                targets = node.targets if kind is ast.Assign else [node.target]  # type: ignore[attr-defined]
                _bind(out, targets, node.value)  # type: ignore[attr-defined]
        elif kind is ast.withitem:
            if node.optional_vars is not None:  # type: ignore[attr-defined]
                _bind(out, [node.optional_vars], node.context_expr)  # type: ignore[attr-defined]
        elif kind is ast.FunctionDef or kind is ast.AsyncFunctionDef or kind is ast.ClassDef:
            if kind is not ast.ClassDef:
                out.defined.add(node.name)  # type: ignore[attr-defined]
            for dec in node.decorator_list:  # type: ignore[attr-defined]
                last = _last(dec.func if type(dec) is ast.Call else dec)
                if last is not None:
                    out.decorators.add(last)
        elif kind is ast.Import or kind is ast.ImportFrom:
            imports.append(node)  # type: ignore[arg-type]
            continue
        elif kind is ast.Constant:
            continue
        for name in node._fields:
            value = getattr(node, name, None)
            if type(value) is list:
                stack.extend(v for v in value if isinstance(v, ast.AST))
            elif isinstance(value, ast.AST):
                stack.append(value)
    return out
