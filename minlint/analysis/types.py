"""Classes of receivers and the methods a call on them reaches (SPEC 8.1, 8.2).

``self.accounts.get_connections(user)`` is followed when the class of
``self.accounts`` can be told from the code: a class-level annotation,
``self.accounts = C(...)`` or ``= factory()`` in a method (the factory's
return annotation or its ``return C(...)``), a parameter annotation or a local
assignment. A call on a resolved class reaches the method (its own or
inherited) and every override in subclasses of the checked code; bodies that
only raise ``NotImplementedError``, ``pass``, ``...`` or are
``@abstractmethod`` are not targets when overrides exist.
"""

from __future__ import annotations

from typing import Protocol

import libcst as cst

from minlint.analysis.dataflow import Defs
from minlint.facts.cfg import CFG
from minlint.facts.module import ClassFacts, Function, decorator_names
from minlint.facts.names import all_params, dotted
from minlint.project.index import Project


class Resolving(Protocol):
    """What the types need of the analysis's resolver (resolve.py builds them)."""

    project: Project

    def callee(self, call: cst.Call, fn: Function) -> Function | ClassFacts | None: ...
    def defs(self, fn: Function) -> Defs: ...
    def cfg(self, fn: Function) -> CFG: ...

MAX_DEPTH = 6  # how far a type is followed through names, factories and attributes
MAX_SUBCLASSES = 64  # overrides looked for in at most this many subclasses of one class


class Types:
    def __init__(self, resolver: Resolving) -> None:
        self.a = resolver
        self._subclasses: dict[int, tuple[ClassFacts, list[ClassFacts]]] = {}
        self._keep: list[object] = []

    # -- receivers ----------------------------------------------------------------
    def is_service(self, receiver: cst.BaseExpression, fn: Function) -> bool:
        """A receiver that exports nothing by being the receiver: ``self``/``cls``
        or one attribute of it in a class that is not a record, or an object
        whose class is a non-record class of the checked code."""
        name = dotted(receiver)
        if name is not None and name.partition(".")[0] in ("self", "cls") and fn.cls is not None \
                and name.count(".") <= 1:
            # `self`, `self.accounts`: the object's own parts; `self.user.email` is data
            # unless its class says otherwise (below)
            return not fn.cls.kinds
        cls = self.class_of(receiver, fn)
        return cls is not None and not cls.kinds

    # -- classes of expressions -----------------------------------------------------
    def class_of(self, expr: cst.BaseExpression, fn: Function, depth: int = 0) -> ClassFacts | None:
        if depth > MAX_DEPTH:
            return None
        if isinstance(expr, cst.Await):
            return self.class_of(expr.expression, fn, depth + 1)
        if isinstance(expr, cst.Name):
            if expr.value in ("self", "cls") and fn.cls is not None:
                return fn.cls
            return self._class_of_name(expr.value, fn, depth)
        if isinstance(expr, cst.Attribute):
            owner = self.class_of(expr.value, fn, depth + 1)
            return self._attribute_class(owner, expr.attr.value, depth) if owner is not None else None
        if isinstance(expr, cst.Call):
            target = self.a.callee(expr, fn)
            if isinstance(target, ClassFacts):
                return target
            if isinstance(target, Function):
                return self.returned_class(target, depth + 1)
            methods = self.targets(expr, fn, depth + 1)
            if len(methods) == 1:
                return self.returned_class(methods[0], depth + 1)
        return None

    def _class_of_name(self, name: str, fn: Function, depth: int) -> ClassFacts | None:
        if fn.node is None:
            return None
        for p in all_params(fn.node.params):
            if p.name.value == name:
                return self.annotated(p.annotation, fn) if p.annotation is not None else None
        found: ClassFacts | None = None
        for d in self.a.defs(fn).all_of(name):
            if d.kind != "assign" or d.value is None:
                return None
            cls = self.class_of(d.value, fn, depth + 1)
            if cls is None or (found is not None and cls is not found):
                return None  # one class for every assignment, or none
            found = cls
        return found

    def annotated(self, annotation: cst.Annotation, fn: Function) -> ClassFacts | None:
        """The class an annotation names: ``C``, ``mod.C``, ``"C"``, ``Optional[C]``, ``C | None``."""
        expr: cst.BaseExpression = annotation.annotation
        for _ in range(4):
            if isinstance(expr, cst.SimpleString):
                text = expr.evaluated_value
                if not isinstance(text, str):
                    return None
                try:
                    expr = cst.parse_expression(text)
                except cst.ParserSyntaxError:
                    return None
            elif isinstance(expr, cst.BinaryOperation) and isinstance(expr.operator, cst.BitOr):
                left, right = expr.left, expr.right
                expr = right if dotted(left) == "None" else left
            elif isinstance(expr, cst.Subscript) and (dotted(expr.value) or "").rpartition(".")[2] == "Optional" \
                    and len(expr.slice) == 1 and isinstance(expr.slice[0].slice, cst.Index):
                expr = expr.slice[0].slice.value
            else:
                break
        target = self.a.project.resolve(expr, fn)
        return target if isinstance(target, ClassFacts) else None

    def returned_class(self, fn: Function, depth: int = 0) -> ClassFacts | None:
        """A factory's class: its return annotation, else the class of what it returns."""
        if fn.node is None or depth > MAX_DEPTH:
            return None
        if fn.node.returns is not None:
            return self.annotated(fn.node.returns, fn)
        found: ClassFacts | None = None
        for node in self.a.cfg(fn).nodes:
            if node.kind == "return" and node.exprs and isinstance(node.exprs[0], cst.BaseExpression):
                cls = self.class_of(node.exprs[0], fn, depth + 1)
                if cls is None or (found is not None and cls is not found):
                    return None
                found = cls
        return found

    def _attribute_class(self, owner: ClassFacts, attr: str, depth: int) -> ClassFacts | None:
        """The class of ``obj.attr`` for an object of class *owner*: a
        class-level annotation, else what its methods store in ``self.attr``."""
        for cls in self.mro(owner):
            body = cls.node.body.body if isinstance(cls.node.body, cst.IndentedBlock) else ()
            for stmt in body:
                if isinstance(stmt, cst.SimpleStatementLine):
                    for small in stmt.body:
                        if isinstance(small, cst.AnnAssign) and isinstance(small.target, cst.Name) \
                                and small.target.value == attr:
                            scope = next(iter(cls.methods.values()), None)
                            if scope is not None:
                                return self.annotated(small.annotation, scope)
            found: ClassFacts | None = None
            for method in cls.methods.values():
                for d in self.a.defs(method).all_of("self"):
                    if d.kind == "mutate" and d.key == attr and d.value is not None:
                        got = self.class_of(d.value, method, depth + 1)
                        if got is None or (found is not None and got is not found):
                            return None
                        found = got
            if found is not None:
                return found
        return None

    # -- methods a call reaches ------------------------------------------------------
    def targets(self, call: cst.Call, fn: Function, depth: int = 0) -> list[Function]:
        """The methods ``receiver.name(...)`` reaches: the one the receiver's
        class has (its own or inherited) and its overrides in subclasses;
        empty when the receiver's class is not known."""
        func = call.func
        if not isinstance(func, cst.Attribute) or depth > MAX_DEPTH:
            return []
        receiver = func.value
        cls = self.class_of(receiver, fn, depth + 1)
        if cls is None:
            return []
        name = func.attr.value
        base = self.method(cls, name)
        overrides = [m for sub in self.subclasses(cls) if (m := sub.methods.get(name)) is not None]
        found = ([base] if base is not None else []) + [m for m in overrides if m is not base]
        if overrides:
            concrete = [m for m in found if not _placeholder(m)]
            found = concrete or found
        return found

    def method(self, cls: ClassFacts, name: str) -> Function | None:
        for c in self.mro(cls):
            if name in c.methods:
                return c.methods[name]
        return None

    def mro(self, cls: ClassFacts) -> list[ClassFacts]:
        """The class and its bases in the checked code, depth first, each once."""
        out: list[ClassFacts] = []
        stack = [cls]
        while stack and len(out) < 32:
            c = stack.pop(0)
            if c in out:
                continue
            out.append(c)
            stack.extend(self._bases(c))
        return out

    def _bases(self, cls: ClassFacts) -> list[ClassFacts]:
        scope = cls.module.module_function
        if scope is None:
            return []
        out = []
        for base in cls.node.bases:
            target = self.a.project.resolve(base.value, scope)
            if isinstance(target, ClassFacts) and target is not cls:
                out.append(target)
        return out

    def subclasses(self, cls: ClassFacts) -> list[ClassFacts]:
        """Subclasses of *cls* in the checked code, transitively: found in
        the files that name their base class, so the search reads only those."""
        got = self._subclasses.get(id(cls))
        if got is not None:
            return got[1]
        out: list[ClassFacts] = []
        todo = [cls]
        while todo and len(out) < MAX_SUBCLASSES:
            base = todo.pop(0)
            for module in self.a.project.modules_with(base.name):
                for c in module.classes.values():
                    if c is not cls and c not in out and base in self._bases(c):
                        out.append(c)
                        todo.append(c)
        self._subclasses[id(cls)] = (cls, out)
        return out


def _placeholder(fn: Function) -> bool:
    """A body that stands for the overrides: only ``raise NotImplementedError``,
    ``pass``, ``...`` or a docstring, or an ``@abstractmethod``."""
    if any(name.rpartition(".")[2] == "abstractmethod" for _, name in decorator_names(fn)):
        return True
    node = fn.node
    if node is None or not isinstance(node.body, (cst.IndentedBlock, cst.SimpleStatementSuite)):
        return False
    for stmt in node.body.body:
        smalls = stmt.body if isinstance(stmt, (cst.SimpleStatementLine, cst.SimpleStatementSuite)) else None
        if smalls is None and isinstance(node.body, cst.SimpleStatementSuite):
            smalls = [stmt]  # type: ignore[list-item]
        if smalls is None:
            return False
        for small in smalls:
            if isinstance(small, cst.Pass):
                continue
            if isinstance(small, cst.Expr) and isinstance(small.value, (cst.Ellipsis, cst.SimpleString,
                                                                         cst.ConcatenatedString)):
                continue
            if isinstance(small, cst.Raise) and small.exc is not None and (dotted(
                    small.exc.func if isinstance(small.exc, cst.Call) else small.exc) or "").rpartition(".")[2] in (
                    "NotImplementedError", "NotImplemented"):
                continue
            return False
    return True
