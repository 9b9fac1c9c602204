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
