"""Which names a function binds itself (SPEC 8.3).

A parameter or local that has the name of an import is that local inside the
function, never the import: ``from app.utils.http import request`` and
``def post(self, request): ...`` — the Django request is not the imported
sink. The vocabulary and the payload rules ask here before qualifying a name
through the module's imports.
"""

from __future__ import annotations

import libcst as cst

from minlint.analysis.dataflow import bound_targets
from minlint.facts.module import Function
from minlint.facts.names import all_params
from minlint.parse.nodes import children


class Scopes:
    """The local names of functions, computed once per function for one analysis."""

    def __init__(self) -> None:
        self._locals: dict[int, tuple[Function, frozenset[str]]] = {}

    def local_names(self, fn: Function) -> frozenset[str]:
        """Names bound in *fn* or an enclosing function: parameters,
        assignment, loop, ``with``/``except`` targets, walrus targets and
        nested ``def``/``class`` names; not names bound by an ``import`` in
        the function (those are imports) nor those declared ``global``."""
        if fn.node is None:
            return frozenset()
        got = self._locals.get(id(fn))
        if got is None:
            own = _bound_in(fn.node)
            outer = self.local_names(fn.parent) if fn.parent is not None else frozenset()
            got = self._locals[id(fn)] = (fn, own | outer)
        return got[1]

    def shadowed(self, head: str, fn: Function) -> bool:
        """Whether *head* names a local of *fn* that hides an import of its module."""
        if fn.node is None:
            return False
        imports = fn.module.imports
        if head not in imports.bound and not imports.star_from:
            return False
        return head in self.local_names(fn)


def _bound_in(node: cst.FunctionDef) -> frozenset[str]:
    names: set[str] = {p.name.value for p in all_params(node.params)}
    imported: set[str] = set()
    declared: set[str] = set()
    stack: list[cst.CSTNode] = list(children(node.body))
    while stack:
        cur = stack.pop()
        kind = type(cur)
        if kind is cst.FunctionDef or kind is cst.ClassDef:
            names.add(cur.name.value)  # type: ignore[attr-defined]
            continue  # its body is another scope
        if kind is cst.Lambda or kind in _COMPREHENSIONS:
            continue  # their targets are their own
        if kind is cst.Assign:
            for t in cur.targets:  # type: ignore[attr-defined]
                names.update(n.value for n, _ in bound_targets(t.target))
        elif kind is cst.AnnAssign or kind is cst.AugAssign or kind is cst.For:
            names.update(n.value for n, _ in bound_targets(cur.target))  # type: ignore[attr-defined]
        elif kind is cst.WithItem and cur.asname is not None:  # type: ignore[attr-defined]
            names.update(n.value for n, _ in bound_targets(cur.asname.name))  # type: ignore[attr-defined]
        elif kind is cst.ExceptHandler and cur.name is not None:  # type: ignore[attr-defined]
            names.update(n.value for n, _ in bound_targets(cur.name.name))  # type: ignore[attr-defined]
        elif kind is cst.NamedExpr:
            names.update(n.value for n, _ in bound_targets(cur.target))  # type: ignore[attr-defined]
        elif kind is cst.Import or kind is cst.ImportFrom:
            names_ = cur.names  # type: ignore[attr-defined]
            if isinstance(names_, (list, tuple)):
                for alias in names_:
                    bound = alias.asname.name if alias.asname is not None else alias.name
                    if isinstance(bound, cst.Name):
                        imported.add(bound.value)
                    elif isinstance(bound, cst.Attribute):
                        head = bound
                        while isinstance(head, cst.Attribute):
                            head = head.value  # type: ignore[assignment]
                        if isinstance(head, cst.Name):
                            imported.add(head.value)
        elif kind is cst.Global or kind is cst.Nonlocal:
            declared.update(n.name.value for n in cur.names)  # type: ignore[attr-defined]
        stack.extend(children(cur))
    return frozenset(names - imported - declared)


_COMPREHENSIONS = (cst.ListComp, cst.SetComp, cst.DictComp, cst.GeneratorExp)
