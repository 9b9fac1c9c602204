"""The children of a libcst node that carry code, without libcst's cost.

``CSTNode.children`` runs a full visitor over the node to collect them (and
every ``isinstance`` on a libcst class goes through ``ABCMeta``): on a tree
where every file is a seed, walks through ``children`` were 40% of the run.
The rules only look for code (calls, names, attributes, subscripts, walrus
targets, yields, nested scopes), so this reads a node's dataclass fields
directly, in source order, and skips what is only layout: whitespace,
comments, brackets, commas and operator tokens.

``tests/test_nodes.py`` checks the result against ``children`` itself (minus
the layout nodes) over real trees, so a libcst upgrade that reorders or adds
fields fails there first.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from typing import Any

import libcst as cst

# fields that hold layout only: whitespace, comments, punctuation, the
# operator token of an expression (the operands are separate fields)
LAYOUT_FIELDS = frozenset({
    "asynchronous", "colon", "comma", "comment", "default_indent", "default_newline", "dot", "empty_lines",
    "encoding", "equal", "first_colon", "first_line", "footer", "has_trailing_newline", "header", "indent", "lbrace",
    "last_line", "lbracket", "leading_lines", "leading_whitespace", "lines_after_decorators", "lpar", "newline",
    "operator", "posonly_ind", "rbrace", "rbracket", "relative", "rpar", "second_colon", "semicolon",
    "separator", "star", "trailing_comma", "trailing_whitespace",
})

# where the declaration order of a dataclass is not the order of the source
SOURCE_ORDER: dict[str, tuple[str, ...]] = {
    "Arg": ("keyword", "value"),
    "ClassDef": ("decorators", "name", "type_parameters", "bases", "keywords", "body"),
    "ExceptHandler": ("type", "name", "body"),
    "ExceptStarHandler": ("type", "name", "body"),
    "FunctionDef": ("decorators", "name", "type_parameters", "params", "returns", "body"),
    "IfExp": ("body", "test", "orelse"),
    "MatchCase": ("pattern", "guard", "body"),
    "Parameters": ("posonly_params", "params", "star_arg", "kwonly_params", "star_kwarg"),
    "TypeAlias": ("name", "type_parameters", "value"),
}

_FIELDS: dict[type, tuple[str, ...]] = {}


def _fields(kind: type) -> tuple[str, ...]:
    order = SOURCE_ORDER.get(kind.__name__)
    if order is None:
        order = tuple(f.name for f in dataclasses.fields(kind)
                      if f.name not in LAYOUT_FIELDS and not f.name.startswith("whitespace"))
    _FIELDS[kind] = order
    return order


def children(node: cst.CSTNode) -> list[cst.CSTNode]:
    """The children of *node* that carry code, in source order."""
    kind = type(node)
    names = _FIELDS.get(kind)
    if names is None:
        names = _fields(kind)
    out: list[cst.CSTNode] = []
    for name in names:
        value = getattr(node, name)
        kind_of_value = type(value)
        if kind_of_value in _NODE_TYPES:
            out.append(value)
        elif kind_of_value is tuple or kind_of_value is list:
            out.extend(v for v in value if type(v) in _NODE_TYPES)
    return out


def _concrete_node_types() -> frozenset[type]:
    found: set[type] = set()
    todo: list[type] = [cst.CSTNode]
    while todo:
        kind = todo.pop()
        todo.extend(kind.__subclasses__())
        if dataclasses.is_dataclass(kind) and not getattr(kind, "__abstractmethods__", None):
            found.add(kind)
    return frozenset(found)


_NODE_TYPES = _concrete_node_types()


def uses_in(roots: Iterable[cst.CSTNode]) -> tuple[list[tuple[str, cst.Call]], list[tuple[str, cst.BaseExpression]]]:
    """Calls (by the callee's last name) and other loads of names in one
    function's own code, in source order: not in nested defs and classes,
    nor imports, nor a keyword's name, a parameter's name or annotation.
    Walked with :func:`minlint.parse.nodes.children` (libcst's visitor costs
    several times as much)."""
    calls: list[tuple[str, cst.Call]] = []
    refs: list[tuple[str, cst.BaseExpression]] = []
    # Any: node kinds are told apart by exact type (libcst's classes are
    # final), which mypy cannot narrow on
    stack: list[Any] = list(roots)
    stack.reverse()
    while stack:
        cur = stack.pop()
        kind = type(cur)  # no isinstance: ABCMeta's instance checks cost more than the walk
        if kind is cst.FunctionDef or kind is cst.ClassDef or kind is cst.Import or kind is cst.ImportFrom:
            continue
        if kind is cst.Name:
            refs.append((cur.value, cur))
            continue
        if kind is cst.Attribute:
            refs.append((cur.attr.value, cur))
            stack.append(cur.value)  # the attribute's own Name is not a free name
            continue
        if kind is cst.Call:
            func = cur.func
            name = func.value if type(func) is cst.Name else func.attr.value if type(func) is cst.Attribute else None
            if name is not None:
                calls.append((name, cur))
                inner = [a.value for a in cur.args]
                if type(func) is cst.Attribute:
                    inner.insert(0, func.value)
                inner.reverse()
                stack.extend(inner)
                continue
        elif kind is cst.Arg:
            stack.append(cur.value)  # a keyword's name is not a use
            continue
        elif kind is cst.Param:
            if cur.default is not None:
                stack.append(cur.default)
            continue
        inner = children(cur)
        inner.reverse()
        stack.extend(inner)
    return calls, refs
