"""Cheap, conservative pre-scans: which functions (and which parts of a
module, before they are parsed) can hold a disclosure at all.

A function that cannot is never given a control-flow graph, whose building
resolves every call it makes (most of the cost of a seed module). Each scan
is a superset of what ``Analysis.disclosures`` finds: it only decides where
to look closer.
"""

from __future__ import annotations

from collections.abc import Container, Iterable, Iterator
from typing import Any

import libcst as cst

from minlint.analysis.resolve import Resolver
from minlint.facts.module import Function, ModuleFacts
from minlint.facts.names import identifier, last_name, matches_any
from minlint.parse.chunks import Part
from minlint.parse.markers import MARKER
from minlint.parse.nodes import children
from minlint.project.index import sink_words


class Prescan:
    def __init__(self, resolver: Resolver) -> None:
        self.r = resolver
        self.project = resolver.project
        self.policy = resolver.policy
        self.vocab = resolver.vocab
        self._sink_names_of: dict[int, frozenset[str]] = {}
        self._decorator_names_of: dict[int, frozenset[str]] = {}
        self._constant_names_of: dict[int, frozenset[str]] = {}
        self._result_callers_of: dict[int, frozenset[str]] = {}
        self._import_names_of: dict[int, frozenset[str]] = {}

    def may_disclose(self, fn: Function) -> bool:
        """A cheap, conservative pre-scan: can a call in *fn* be a disclosure?
        Only a call that names a sink, passes a sink as an argument, calls
        the result of ``partial(...)`` or ``getattr(...)``, or calls a name
        ``_indirect_sink`` can follow to a sink: a module constant, an
        imported name whose lookup can end at such a constant
        (``Project.may_bind``: no parse of the modules' definitions), or a
        name assigned here a value of a shape it follows (``_shapes``: a
        sink's name, ``partial``/``getattr``'s result, a constant, an import,
        another local). Everything else cannot reach its answer. One walk,
        over what the CFG of *fn* holds (nested definitions are scopes of
        their own). ``may_disclose_in`` asks the same of ``ast``, for a
        whole part of a module before it is parsed."""
        if fn.node is None:
            return True  # the module's own level: its CFG skips every def, it is cheap
        module = fn.module
        sinkish = self._sink_names(module)
        assigned: dict[str, set[tuple[str, str]]] = {}  # a name bound to a value here -> the values' shapes
        called: list[str] = []
        stack: list[cst.CSTNode] = [fn.node.body]
        while stack:
            cur = stack.pop()
            kind = type(cur)
            if kind is cst.FunctionDef or kind is cst.ClassDef:
                continue
            if kind is cst.Call:
                func = cur.func  # type: ignore[attr-defined]
                if type(func) is cst.Call and last_name(func.func) in self._result_callers(module):
                    return True
                if last_name(func) in sinkish and self.vocab.sink(cur, fn) is not None:  # type: ignore[arg-type]
                    return True
                for arg in cur.args:  # type: ignore[attr-defined]
                    if last_name(arg.value) in sinkish and self.vocab.sink_named(arg.value, fn) is not None:
                        return True
                if type(func) is cst.Name:
                    called.append(func.value)
            elif kind in _BOUND_TO_VALUES:
                # what payload.py records as an assignment with a value, the
                # only bindings _indirect_sink follows
                if kind is cst.WithItem:
                    target, value = (cur.asname.name if cur.asname else None), cur.item  # type: ignore[attr-defined]
                else:
                    target, value = cur, cur.value  # type: ignore[attr-defined]
                if target is not None and value is not None:
                    shapes = _shapes(value)
                    for name in _bound_names(target):
                        for n in (name, identifier(name)):
                            assigned.setdefault(n, set()).update(shapes)
            stack.extend(children(cur))
        constants = module.constants
        callees = {n for raw in called for n in (raw, identifier(raw))}
        if any(n in constants or self._may_import_binding(module, n) for n in callees):
            return True
        return any(self._may_be_a_sink(module, assigned[n], assigned) for n in callees if n in assigned)

    def _result_callers(self, module: ModuleFacts) -> frozenset[str]:
        """The last names of what ``_indirect_sink`` looks through when its
        result is called: ``partial`` (also imported as another name) and ``getattr``."""
        got = self._result_callers_of.get(id(module))
        if got is None:
            names = {"partial", "getattr"}
            names.update(local for local, qualified in module.imports.bound.items()
                         if qualified.rpartition(".")[2] == "partial")
            got = self._result_callers_of[id(module)] = frozenset(identifier(n) for n in names)
        return got

    def _may_be_a_sink(self, module: ModuleFacts, shapes: Iterable[tuple[str, str]], local: Container[str]) -> bool:
        """Whether a local name assigned values of these shapes (``_shapes``)
        can be bound to a sink as ``_indirect_sink`` follows it: a sink's name
        (also as an attribute), the result of ``partial``/``getattr``, or a
        name that is a constant, an import or itself assigned here."""
        if module.imports.star_from:
            return True
        sinkish = self._sink_names(module)
        for shape, name in shapes:
            if shape == "call":
                if name in self._result_callers(module):
                    return True
            elif name in sinkish or (shape == "name" and (name in local or name in self._constant_names(module)
                                      or name in self._import_names(module))):
                return True
        return False

    def _import_names(self, module: ModuleFacts) -> frozenset[str]:
        got = self._import_names_of.get(id(module))
        if got is None:
            got = self._import_names_of[id(module)] = frozenset(identifier(n) for n in module.imports.bound)
        return got

    def may_disclose_in(self, module: ModuleFacts, part: Part | None) -> bool:
        """Whether a function in *part* (``None``: the module's own level, with
        every definition's decorators and defaults) could be a disclosure
        function or pass ``may_disclose``: a superset of both, read off
        ``ast`` (chunks.Calls), so that the other parts are never parsed."""
        if part is None:
            parts = [c.part for c in module.chunks]
            if any(p.lines is None for p in parts):
                return True  # read without ast: nothing known
            calls = [p.code if p.name is None else p.header for p in parts]
            text = "".join(p.text for p in parts if p.name is None)
        else:
            if part.lines is None:
                return True
            calls, text = [part.code], part.text
        if MARKER.search(text) is not None:
            return True
        if not text.isascii() and any(not n.isascii() for n in (*module.constants, *module.imports.bound)):
            return True  # ast's names are normalised: these could only be compared written as they are
        sinkish = self._sink_names(module)
        decorators = self._decorator_names(module)
        constants = self._constant_names(module)
        results = self._result_callers(module)
        for c in calls:
            if not (c.names.isdisjoint(sinkish) and c.decorators.isdisjoint(decorators)
                    and c.results_called.isdisjoint(results)):
                return True
            if any(name in constants or self._may_import_binding(module, name) for name in c.called):
                return True
            if any(self._may_be_a_sink(module, c.bound[n], c.bound) for n in c.called if n in c.bound):
                return True
        if part is None:
            return False
        # `answer = disclosure(answer)` at module level marks a function by hand
        defined = {part.name} if part.name is not None else part.code.defined
        return not defined.isdisjoint(constants)

    def _constant_names(self, module: ModuleFacts) -> frozenset[str]:
        got = self._constant_names_of.get(id(module))
        if got is None:
            got = self._constant_names_of[id(module)] = frozenset(identifier(k) for k in module.constants)
        return got

    def _decorator_names(self, module: ModuleFacts) -> frozenset[str]:
        """The last names a disclosure decorator can be written with in *module*."""
        got = self._decorator_names_of.get(id(module))
        if got is None:
            names = {d.rpartition(".")[2] for d in self.policy.decorators}
            for local, qualified in module.imports.bound.items():
                if qualified.rpartition(".")[2] in names:
                    names.add(local)
            got = self._decorator_names_of[id(module)] = frozenset(names)
        return got

    def _sink_names(self, module: ModuleFacts) -> frozenset[str]:
        """The last names a sink can be called by in *module*: each sink's own,
        and each name imported as one (``from portal import push as send``)."""
        got = self._sink_names_of.get(id(module))
        if got is None:
            names = set(sink_words(self.policy))
            for local, qualified in module.imports.bound.items():
                if matches_any(self.vocab.sink_names, (qualified,)):
                    names.add(local)
            got = self._sink_names_of[id(module)] = frozenset(names)
        return got

    def _may_import_binding(self, module: ModuleFacts, name: str) -> bool:
        """Whether *name*, imported (or maybe from a ``*`` import), can be a
        module constant of the checked code bound to a sink: see
        ``Project.may_bind`` and ``_constant_may_be_a_sink``."""
        imports = module.imports
        check = self._constant_may_be_a_sink
        qualified = imports.qualify(name)
        if qualified is not None and self.project.may_bind(qualified, check):
            return True
        return any(self.project.may_bind(f"{star}.{name}", check) for star in imports.star_from)

    def _constant_may_be_a_sink(self, module: ModuleFacts, name: str) -> bool:
        """A module constant as ``_indirect_sink`` follows it: its values' shapes,
        a name in them being a constant or import of that module."""
        shapes = {s for value in module.constants.get(name, ()) for s in _shapes(value)}
        return self._may_be_a_sink(module, shapes, module.constants)


_BOUND_TO_VALUES = frozenset({cst.Assign, cst.AnnAssign, cst.NamedExpr, cst.WithItem})


def _bound_names(node: cst.CSTNode) -> Iterator[str]:
    """The names an assignment, walrus or ``with ... as`` binds (in tuples and lists too)."""
    # Any: told apart by exact type, which mypy cannot narrow on
    any_node: Any = node
    stack: list[Any] = [t.target for t in any_node.targets] if type(node) is cst.Assign else [
        any_node.target if type(node) in (cst.AnnAssign, cst.NamedExpr) else node]
    while stack:
        cur = stack.pop()
        if type(cur) is cst.Name:
            yield cur.value
        elif type(cur) in (cst.Tuple, cst.List):
            stack.extend(e.value for e in cur.elements)
        elif type(cur) is cst.StarredElement:
            stack.append(cur.value)


def _shapes(value: cst.CSTNode) -> set[tuple[str, str]]:
    """What ``_indirect_sink`` can follow in an assigned value: a call's
    callee ("call", its last name), a name ("name", it), an attribute
    ("attr", its last name); the elements of a tuple or list (unpacked into
    several names) each. Any other value is followed nowhere."""
    out: set[tuple[str, str]] = set()
    stack = [value]
    while stack:
        cur = stack.pop()
        kind = type(cur)
        if kind is cst.Call:
            last = last_name(cur.func)  # type: ignore[attr-defined]
            if last is not None:
                out.add(("call", last))
        elif kind is cst.Name:
            out.add(("name", identifier(cur.value)))  # type: ignore[attr-defined]
        elif kind is cst.Attribute:
            out.add(("attr", identifier(cur.attr.value)))  # type: ignore[attr-defined]
        elif kind is cst.Tuple or kind is cst.List:
            stack.extend(e.value for e in cur.elements)  # type: ignore[attr-defined]
    return out
