"""One analysis of a project: the index, the policy's vocabulary, the flow
facts and the payloads, shared by every rule so each is computed once."""

from __future__ import annotations

import re
from collections.abc import Container, Iterable, Iterator
from dataclasses import dataclass
from typing import Any

import libcst as cst

from minlint.analysis.flow import Flow
from minlint.analysis.payload import Ctx, Payloads, _string, _yields
from minlint.analysis.vocab import Vocabulary, calls_in
from minlint.facts.cfg import ENTRY
from minlint.facts.module import MARKER, ClassFacts, Function, ModuleFacts
from minlint.facts.names import identifier, last_name, matches_any
from minlint.parse.chunks import Part
from minlint.parse.nodes import children
from minlint.policy.pack import Policy, Sink, normalise_field
from minlint.project.index import Project


@dataclass(frozen=True)
class Disclosure:
    fn: Function
    node: int  # CFG node of the sink call or the return
    site: cst.CSTNode  # the sink call, or the return statement: where MIN2xx/MIN301 are reported
    label: str  # "disclose()" or "the return of answer()"
    payload: tuple[cst.BaseExpression, ...]
    entry_point: bool  # inside a disclosure function: its callers do not count

    @property
    def module(self) -> ModuleFacts:
        return self.fn.module


class Analysis:
    def __init__(self, project: Project, policy: Policy) -> None:
        self.project = project
        self.policy = policy
        self.vocab = Vocabulary(policy)
        self.flow = Flow(self, self.vocab)
        self.payloads = Payloads(self)
        self._sink_names_of: dict[int, frozenset[str]] = {}
        self._decorator_names_of: dict[int, frozenset[str]] = {}
        self._constant_names_of: dict[int, frozenset[str]] = {}
        self._result_callers_of: dict[int, frozenset[str]] = {}
        self._import_names_of: dict[int, frozenset[str]] = {}

    def callee(self, call: cst.Call, fn: Function) -> Function | ClassFacts | None:
        target = self.project.resolve(call.func, fn)
        return target if isinstance(target, (Function, ClassFacts)) else None

    def constant_strings(
        self, expr: cst.BaseExpression, fn: Function, *, single: bool = False, at: int | None = None, depth: int = 0
    ) -> tuple[str, ...] | None:
        """The strings a list/set/tuple literal or a constant holds, resolved
        through local assignments and module constants across modules."""
        if depth > 10:
            return None
        s = _string(expr)
        if s is not None:
            return (s,)
        if single:
            return None
        if isinstance(expr, (cst.List, cst.Tuple, cst.Set)):
            out: list[str] = []
            for el in expr.elements:
                got = self.constant_strings(el.value, fn, at=at, depth=depth + 1)
                if got is None:
                    return None
                out.extend(got)
            return tuple(out)
        if isinstance(expr, cst.Call) and isinstance(expr.func, cst.Name) and expr.func.value in (
            "frozenset", "set", "tuple", "list", "sorted",
        ) and len(expr.args) == 1:
            return self.constant_strings(expr.args[0].value, fn, at=at, depth=depth + 1)
        if isinstance(expr, cst.BinaryOperation) and isinstance(expr.operator, (cst.BitOr, cst.Add)):
            left = self.constant_strings(expr.left, fn, at=at, depth=depth + 1)
            right = self.constant_strings(expr.right, fn, at=at, depth=depth + 1)
            return left + right if left is not None and right is not None else None
        if isinstance(expr, cst.Name) and at is not None and fn.node is not None:
            reaching = self.payloads.defs(fn).reaching(expr.value, at)
            if reaching:
                out = []
                for d in reaching:
                    # `for f in ("ip", "phone")`: a loop variable over constants
                    if d.kind not in ("assign", "element") or d.value is None:
                        return None
                    got = self.constant_strings(d.value, fn, at=d.node, depth=depth + 1)
                    if got is None:
                        return None
                    out.extend(got)
                return tuple(out)
        if isinstance(expr, (cst.Name, cst.Attribute)):
            target = self.project.resolve(expr, fn)
            if isinstance(target, tuple):
                module, name = target
                values = module.constants.get(name, [])
                scope = module.module_function
                if len(values) == 1 and scope is not None:
                    base = self.constant_strings(values[0], scope, at=None, depth=depth + 1)
                    return _apply_mutations(module, name, base) if base is not None else None
        return None

    # -- disclosures ------------------------------------------------------------
    def disclosures(self, module: ModuleFacts) -> Iterator[Disclosure]:
        # only the parts whose code can hold a disclosure are parsed (and only
        # if the module's own level can, the whole module: its CFG holds every
        # definition's decorators and defaults)
        scopes = [module.module_function if self._may_disclose_in(module, None) else None,
                  *module.functions_where(lambda part: self._may_disclose_in(module, part))]
        for fn in scopes:
            if fn is None:
                continue
            entry = self.vocab.is_disclosure_function(fn)
            if not entry and not self._may_disclose(fn):
                continue  # its CFG resolves every call it makes: most of the cost of a seed module
            # the body of a sink defined in the checked code is the sink's own
            # implementation: each call of the sink is the disclosure
            implements_sink = fn.node is not None and self.vocab.defines_sink(fn)
            cfg = self.flow.cfg(fn)
            for node in cfg.nodes:
                for expr in node.exprs:
                    if implements_sink:
                        break
                    for call in calls_in(expr):
                        sink = self.vocab.sink(call, fn)
                        if sink is not None:
                            yield Disclosure(fn, node.id, call, f"{_callee_text(call)}()",
                                             _payload(call, sink), entry)
                            continue
                        indirect = self._indirect_sink(call.func, fn, node.id)
                        if indirect is not None:
                            sink, bound = indirect
                            yield Disclosure(fn, node.id, call, f"{_callee_text(call)}() (a {sink.name} sink)",
                                             bound + _payload(call, sink), entry)
                            continue
                        for arg in call.args:
                            passed = self.vocab.sink_named(arg.value, fn)
                            if passed is not None and not arg.star:
                                # Thread(target=disclose, args=(x,)), submit(disclose, x), map(disclose, xs)
                                others = tuple(a.value for a in call.args if a is not arg)
                                yield Disclosure(fn, node.id, call, f"{_callee_text(call)}() (calling {passed.name})",
                                                 others, entry)
                                break
                if entry and node.kind == "return" and node.exprs and self._discloses(node.exprs[0], fn, node.id):
                    value = node.exprs[0]
                    assert isinstance(value, cst.BaseExpression) and node.stmt is not None
                    yield Disclosure(fn, node.id, node.stmt, f"the return of {fn.name}()", (value,), True)
                if entry and node.kind != "return":
                    for expr in node.exprs:  # a streaming answer yields what it discloses
                        for y in _yields(expr):
                            given = y.value.item if isinstance(y.value, cst.From) else y.value
                            if isinstance(given, cst.BaseExpression) and self._discloses(given, fn, node.id):
                                yield Disclosure(fn, node.id, y, f"a yield of {fn.name}()", (given,), True)

    def _may_disclose(self, fn: Function) -> bool:
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
        their own). ``_may_disclose_in`` asks the same of ``ast``, for a
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

    def _may_disclose_in(self, module: ModuleFacts, part: Part | None) -> bool:
        """Whether a function in *part* (``None``: the module's own level, with
        every definition's decorators and defaults) could be a disclosure
        function or pass ``_may_disclose``: a superset of both, read off
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
            names = {s.name.rpartition(".")[2] for s in self.policy.sinks}
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

    def _discloses(self, value: cst.CSTNode, fn: Function, node: int) -> bool:
        """Whether a return (or yield) of a disclosure function hands anything
        over: ``return HttpResponseForbidden()`` on the refusing branch, like
        ``return None`` (SPEC 2.1), is no disclosure. A non-context field, a
        whole record or an unknown export makes it one."""
        if not _discloses(value) or not isinstance(value, cst.BaseExpression):
            return False
        policy = self.policy
        for item in self.payloads.exported(value, Ctx(fn, node), True):
            if item.kind != "field" or not policy.is_context(normalise_field(item.name)):
                return True
        return False

    def _indirect_sink(
        self, callee: cst.BaseExpression, fn: Function, node: int, depth: int = 0
    ) -> tuple[Sink, tuple[cst.BaseExpression, ...]] | None:
        """A sink reached through a name bound to it, ``functools.partial`` or
        ``getattr(obj, "disclose")``: the sink and the arguments bound to it."""
        if depth > 5:
            return None
        if isinstance(callee, cst.Call):
            func_names = self.vocab.names(callee.func, fn)
            if any(n.rpartition(".")[2] == "partial" for n in func_names) and callee.args:
                inner = callee.args[0].value
                sink = self.vocab.sink_named(inner, fn)
                found = (sink, ()) if sink is not None else self._indirect_sink(inner, fn, node, depth + 1)
                if found is not None:
                    return found[0], found[1] + tuple(a.value for a in callee.args[1:])
            if any(n == "getattr" for n in func_names) and len(callee.args) >= 2:
                names = self.payloads._constant_keys(callee.args[1].value, Ctx(fn, node))
                for name in names or ():
                    for s in self.policy.sinks:
                        if s.name.rpartition(".")[2] == name:
                            return s, ()
            return None
        if not isinstance(callee, cst.Name):
            return None
        values: list[tuple[cst.BaseExpression, Function, int]] = []
        if fn.node is not None:
            values = [(d.value, fn, d.node) for d in self.payloads.defs(fn).reaching(callee.value, node)
                      if d.kind == "assign" and d.value is not None]
        if not values:
            target = self.project.resolve(callee, fn)
            if isinstance(target, tuple):
                module, name = target
                scope = module.module_function
                if scope is not None:
                    values = [(v, scope, ENTRY) for v in module.constants.get(name, ())]
        for value, scope, at in values:
            sink = self.vocab.sink_named(value, scope)
            if sink is not None:
                return sink, ()
            found = self._indirect_sink(value, scope, at, depth + 1)
            if found is not None:
                return found
        return None


def _apply_mutations(module: ModuleFacts, name: str, base: tuple[str, ...]) -> tuple[str, ...] | None:
    """A module constant as its module leaves it: ``BLOCKED.discard("RU")``
    at module level is applied; any other change in place (in a function,
    with a value not known) makes it unknown."""
    if not _mutated(module.text, name):
        return base
    values = list(base)
    for stmt in module.runs():
        if not isinstance(stmt, cst.SimpleStatementLine):
            continue
        for small in stmt.body:
            call = small.value if isinstance(small, cst.Expr) else None
            if not (isinstance(call, cst.Call) and isinstance(call.func, cst.Attribute)
                    and isinstance(call.func.value, cst.Name) and call.func.value.value == name):
                continue
            method = call.func.attr.value
            args = [_string(a.value) for a in call.args]
            if None in args and method not in ("update", "extend"):
                return None
            if method in ("add", "append"):
                values.extend(a for a in args if a is not None)
            elif method in ("discard", "remove"):
                values = [v for v in values if v not in args]
            elif method == "clear":
                values = []
            else:
                return None
    # a change in place anywhere else (inside a function, `|=`) is not followed
    remaining = re.sub(rf"^{re.escape(name)}\s*\.\s*(?:add|append|discard|remove|clear)\s*\(.*$", "",
                       module.text, flags=re.MULTILINE)
    return tuple(values) if not _mutated(remaining, name) else None


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


def _mutated(text: str, name: str) -> bool:
    """Whether a module constant is changed in place somewhere (``BLOCKED.discard("RU")``):
    then what its assignment says is not what a check compares against."""
    return re.search(rf"\b{re.escape(name)}\s*(?:\.\s*(?:add|discard|remove|clear|pop|update|append|extend|insert|"
                     rf"difference_update|intersection_update|symmetric_difference_update)\s*\(|[-+|&^]=)",
                     text) is not None


def _callee_text(call: cst.Call) -> str:
    from minlint.facts.names import dotted

    return dotted(call.func) or "<call>"


def _payload(call: cst.Call, sink: Sink) -> tuple[cst.BaseExpression, ...]:
    if sink.payload is None:
        return tuple(a.value if not a.star else _Starred(a) for a in call.args)  # type: ignore[misc]
    out: list[cst.BaseExpression] = []
    positional = [a for a in call.args if a.keyword is None]
    for sel in sink.payload:
        if isinstance(sel, int):
            if sel < len(positional) and not positional[sel].star:
                out.append(positional[sel].value)
            elif any(a.star == "*" for a in positional[: sel + 1]):
                out.extend(a.value for a in positional if a.star == "*")
        else:
            out.extend(a.value for a in call.args if a.keyword is not None and a.keyword.value == sel)
            out.extend(a.value for a in call.args if a.star == "**")
    return tuple(dict.fromkeys(out))


def _Starred(arg: cst.Arg) -> cst.BaseExpression:
    """``disclose(*parts)`` exports parts; ``disclose(**kw)`` exports kw's keys."""
    if arg.star == "**":
        return cst.Dict([cst.StarredDictElement(arg.value)])
    return arg.value


def _discloses(value: cst.CSTNode) -> bool:
    """``return`` / ``return None`` / ``return <constant>`` hand nothing over."""
    if isinstance(value, cst.Name) and value.value in ("None", "True", "False"):
        return False
    return not isinstance(value, (cst.SimpleString, cst.ConcatenatedString, cst.Integer, cst.Float,
                                  cst.Imaginary, cst.Ellipsis))
