"""What framework calls hand over (SPEC 8.6): DRF views' serializers and
SQLAlchemy query results.

* DRF: ``self.get_serializer(obj)``, ``self.get_serializer_class()(obj)`` and
  ``self.serializer_class(obj)`` in a view are the class named by the view's
  ``serializer_class = ...`` (its own or a base's in the checked code).
* SQLAlchemy: ``session.execute(select(M)).scalars().all()`` and friends are
  records of ``M``; ``select(M.email, M.ip)`` gives the fields named.
"""

from __future__ import annotations

import libcst as cst

from minlint.analysis.types import Types
from minlint.facts.module import ClassFacts, Function
from minlint.facts.names import dotted

SERIALIZER_CALLS = ("get_serializer", "serializer_class")
RESULT_METHODS = frozenset({"all", "first", "one", "one_or_none", "scalar", "scalars", "scalar_one",
                            "scalar_one_or_none", "unique", "fetchall", "fetchone", "execute"})


def view_serializer(call: cst.Call, fn: Function, types: Types) -> ClassFacts | None:
    """The serializer class a DRF view's own call builds, if the view names it."""
    func = call.func
    if isinstance(func, cst.Call) and isinstance(func.func, cst.Attribute) \
            and func.func.attr.value == "get_serializer_class":
        func = func.func  # self.get_serializer_class()(obj)
    if not (isinstance(func, cst.Attribute) and dotted(func.value) in ("self", "cls")) or fn.cls is None:
        return None
    if func.attr.value not in (*SERIALIZER_CALLS, "get_serializer_class"):
        return None
    for cls in types.mro(fn.cls):
        value = _class_attribute(cls, "serializer_class")
        if value is not None:
            scope = cls.module.module_function
            target = types.a.project.resolve(value, scope) if scope is not None else None
            return target if isinstance(target, ClassFacts) and "serializer" in target.kinds else None
    return None


def _class_attribute(cls: ClassFacts, name: str) -> cst.BaseExpression | None:
    body = cls.node.body.body if isinstance(cls.node.body, cst.IndentedBlock) else ()
    for stmt in body:
        if isinstance(stmt, cst.SimpleStatementLine):
            for small in stmt.body:
                if isinstance(small, cst.Assign) and any(
                        isinstance(t.target, cst.Name) and t.target.value == name for t in small.targets):
                    return small.value
                if isinstance(small, cst.AnnAssign) and isinstance(small.target, cst.Name) \
                        and small.target.value == name and small.value is not None:
                    return small.value
    return None


def selected(expr: cst.BaseExpression) -> cst.Call | None:
    """The ``select(...)`` whose rows a result chain hands over:
    ``session.execute(select(M)).scalars().all()``, ``select(M)`` itself."""
    cur: cst.BaseExpression = expr
    for _ in range(8):
        if not isinstance(cur, cst.Call):
            return None
        name = (dotted(cur.func) or "").rpartition(".")[2]
        if name == "select" and cur.args:
            return cur
        if not isinstance(cur.func, cst.Attribute) or cur.func.attr.value not in RESULT_METHODS:
            return None
        if cur.func.attr.value == "execute":
            return selected(cur.args[0].value) if cur.args else None
        cur = cur.func.value
    return None


def selected_fields(select: cst.Call) -> list[tuple[str, cst.CSTNode]] | None:
    """``select(M.email, M.ip)``: the columns named; None for whole rows (``select(M)``)."""
    out: list[tuple[str, cst.CSTNode]] = []
    for a in select.args:
        if not isinstance(a.value, cst.Attribute):
            return None
        out.append((a.value.attr.value, a.value))
    return out
