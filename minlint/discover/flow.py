"""The fields a function hands out: a deliberately small, local reading of
the returned or sent expression (SPEC 2.2's shapes), following local names
to their assignments and writes, and calls on ``self`` services one level
into the project's methods of that name. discover proposes; the analysis
decides: precision here is about ranking, not about findings."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field

import libcst as cst

from minlint.discover.vocab import RECORD_WORDS, WHOLE_RECORD_CALLS
from minlint.facts.names import all_params, dotted, last_name, string_value
from minlint.policy.pack import normalise_field

# record-returning shapes of ORMs and stores
_ORM_METHODS = frozenset({"get", "filter", "first", "last", "all", "get_or_create", "values", "values_list"})
_RECORD_CALLS = frozenset({"get_object_or_404", "get_list_or_404"})
_RECEIVERS = frozenset({"self", "cls"})
# receivers that are services (SPEC 8.2): `request.registry.storage.get(...)` exports nothing by its receiver
_SERVICE_WORDS = ("storage", "store", "db", "client", "repo", "manager", "registry", "cache", "handler",
                  "service", "api", "settings", "config", "logger", "log")


def _field_key(key: str | None) -> str | None:
    """A constant key that names a field (not a setting such as "a.b.template" or a sentence)."""
    if key is None or not key or any(ch in key for ch in ". /:{}"):
        return None
    return normalise_field(key)


@dataclass
class Seen:
    fields: set[str] = field(default_factory=set)
    record: bool = False
    params: set[str] = field(default_factory=set)  # parameters the data came from (callers say what they carry)
    why: list[str] = field(default_factory=list)

    def add(self, other: Seen) -> None:
        self.fields |= other.fields
        self.record = self.record or other.record
        self.params |= other.params
        self.why.extend(w for w in other.why if w not in self.why)


# the project's methods by name, for `self.svc.method(...)`: name -> function nodes
Methods = Callable[[str], list[cst.FunctionDef]]


def walk(node: cst.CSTNode, *, into_defs: bool = False) -> Iterator[cst.CSTNode]:
    """Every node under *node* (itself first), without libcst's visitor, which
    rebuilds every node it leaves; nested ``def`` and ``class`` bodies are
    skipped unless *into_defs* (they are functions of their own)."""
    stack = [node]
    while stack:
        current = stack.pop()
        yield current
        if current is not node and not into_defs and isinstance(current, (cst.FunctionDef, cst.ClassDef)):
            continue
        stack.extend(reversed(current.children))


class _Collector:
    """Assignments and writes of every local name in a function body (not in nested defs)."""

    def __init__(self, fn: cst.FunctionDef) -> None:
        self.assigned: dict[str, list[cst.BaseExpression]] = {}
        self.written: dict[str, list[tuple[str | None, cst.BaseExpression]]] = {}
        self.returns: list[cst.BaseExpression] = []
        for node in walk(fn.body):
            if isinstance(node, cst.Return):
                if node.value is not None:
                    self.returns.append(node.value)
            elif isinstance(node, cst.Assign):
                for t in node.targets:
                    self._target(t.target, node.value)
            elif isinstance(node, cst.AnnAssign):
                if node.value is not None:
                    self._target(node.target, node.value)
            elif isinstance(node, cst.AugAssign):
                self._target(node.target, node.value)
            elif isinstance(node, (cst.For, cst.CompFor)):
                self._target(node.target, node.iter)
            elif isinstance(node, cst.Call):
                self._call(node)

    def _target(self, target: cst.BaseExpression, value: cst.BaseExpression) -> None:
        if isinstance(target, cst.Name):
            self.assigned.setdefault(target.value, []).append(value)
        elif isinstance(target, (cst.Tuple, cst.List)):
            for el in target.elements:
                self._target(el.value, value)
        elif isinstance(target, cst.Subscript):
            root = _root_name(target.value)
            if root is not None:
                key = _subscript_key(target)
                self.written.setdefault(root, []).append((key, value))
        elif isinstance(target, cst.Attribute):
            root = _root_name(target.value)
            if root is not None and root not in _RECEIVERS:
                self.written.setdefault(root, []).append((target.attr.value, value))

    def _call(self, node: cst.Call) -> None:
        # p.update(...), p.setdefault("k", v), p.append(v), setattr(p, "k", v)
        func = node.func
        if isinstance(func, cst.Attribute) and func.attr.value in ("update", "setdefault", "append", "extend"):
            root = _root_name(func.value)
            if root is not None and root not in _RECEIVERS:
                if func.attr.value == "setdefault" and node.args:
                    key = string_value(node.args[0].value)
                    if len(node.args) > 1:
                        self.written.setdefault(root, []).append((key, node.args[1].value))
                else:
                    for arg in node.args:
                        key = arg.keyword.value if arg.keyword is not None else None
                        self.written.setdefault(root, []).append((key, arg.value))
        elif isinstance(func, cst.Name) and func.value == "setattr" and len(node.args) == 3:
            root = _root_name(node.args[0].value)
            if root is not None:
                self.written.setdefault(root, []).append((string_value(node.args[1].value), node.args[2].value))


# what one function's body says, read once per run (functions are asked about many times)
_COLLECTED: dict[int, tuple[cst.FunctionDef, _Collector]] = {}
_RETURNED: dict[int, tuple[cst.FunctionDef, Seen]] = {}


def _collected(fn: cst.FunctionDef) -> _Collector:
    hit = _COLLECTED.get(id(fn))
    if hit is not None and hit[0] is fn:
        return hit[1]
    c = _Collector(fn)
    _COLLECTED[id(fn)] = (fn, c)
    return c


def forget() -> None:
    """Drop the per-run memo (the nodes it keeps alive)."""
    _COLLECTED.clear()
    _RETURNED.clear()


def _root_name(expr: cst.BaseExpression) -> str | None:
    while isinstance(expr, (cst.Attribute, cst.Subscript)):
        expr = expr.value
    return expr.value if isinstance(expr, cst.Name) else None


def _subscript_key(node: cst.Subscript) -> str | None:
    if len(node.slice) == 1 and isinstance(node.slice[0].slice, cst.Index):
        return string_value(node.slice[0].slice.value)
    return None


class FunctionFlow:
    """The fields of expressions of one function."""

    def __init__(self, fn: cst.FunctionDef, methods: Methods | None = None, depth: int = 0) -> None:
        self.fn = fn
        self.methods = methods
        self.depth = depth
        self.params = frozenset(p.name.value for p in all_params(fn.params))
        self.collected = _collected(fn)

    def returned(self) -> Seen:
        seen = Seen()
        for value in self.collected.returns:
            seen.add(self.of(value))
        return seen

    def of(self, expr: cst.BaseExpression, visiting: frozenset[str] = frozenset()) -> Seen:
        seen = Seen()
        self._walk(expr, seen, visiting)
        return seen

    def _name(self, name: str, seen: Seen, visiting: frozenset[str]) -> None:
        if name in visiting or name in _RECEIVERS:
            return
        inner = visiting | {name}
        if name in self.params:
            seen.params.add(name)
            if RECORD_WORDS.fullmatch(name) and self.depth == 0:  # deeper, the caller's argument decides
                seen.record = True
                seen.why.append(f"parameter {name!r} looks like a user record")
        for value in self.collected.assigned.get(name, ()):
            self._walk(value, seen, inner)
        for key, value in self.collected.written.get(name, ()):
            sub = self.of(value, inner)
            if key is not None and (sub.fields or sub.record or sub.params):
                seen.fields.add(normalise_field(key))
            seen.add(sub)

    def _call(self, node: cst.Call, seen: Seen, visiting: frozenset[str]) -> None:
        func = node.func
        name = last_name(func)
        written = dotted(func) or ""
        for arg in node.args:
            if arg.keyword is not None:
                sub = self.of(arg.value, visiting)
                if sub.fields or sub.record or sub.params:
                    seen.fields.add(normalise_field(arg.keyword.value))
                seen.add(sub)
            else:
                self._walk(arg.value, seen, visiting)
        if name in ("get", "pop") and isinstance(func, cst.Attribute) and node.args:
            key = string_value(node.args[0].value)
            if key is not None and ".objects" not in written:
                if not _is_service(func.value):
                    field = _field_key(key)
                    if field is not None:
                        seen.fields.add(field)
                return
        if name in _RECORD_CALLS or (name in _ORM_METHODS and ".objects." in written + "."):
            seen.record = True
            seen.why.append(f"{written or name}(...) is an ORM lookup")
        if isinstance(func, cst.Attribute):
            receiver = func.value
            if name in WHOLE_RECORD_CALLS:
                sub = self.of(receiver, visiting)
                if sub.fields or sub.record or sub.params or _looks_like_record(receiver):
                    seen.record = True
                    seen.why.append(f"{written or name}() hands out the whole object")
                seen.add(sub)
                return
            root = _root_name(receiver)
            if root in _RECEIVERS or root is None:
                self._method(name, seen)
            elif not _is_service(receiver):
                seen.add(self.of(receiver, visiting))  # derived data is still the data
        elif isinstance(func, cst.Name) and func.value in ("asdict", "vars", "model_to_dict", "deepcopy", "copy"):
            seen.record = True
            seen.why.append(f"{func.value}() hands out the whole object")

    def _method(self, name: str | None, seen: Seen) -> None:
        """`self.svc.get_whois(user)`: what the project's methods of that name return (one level)."""
        if name is None or self.methods is None or self.depth >= 1:
            return
        for fn in self.methods(name)[:4]:
            hit = _RETURNED.get(id(fn))
            if hit is None or hit[0] is not fn:
                hit = (fn, FunctionFlow(fn, self.methods, self.depth + 1).returned())
                _RETURNED[id(fn)] = hit
            sub = Seen(set(hit[1].fields), hit[1].record, set(), list(hit[1].why))
            if sub.fields or sub.record:
                seen.why.append(f"{name}() returns {', '.join(sorted(sub.fields)[:6]) or 'a record'}")
            sub.params = set()
            seen.add(sub)

    def _walk(self, expr: cst.BaseExpression, seen: Seen, visiting: frozenset[str]) -> None:
        if isinstance(expr, cst.Name):
            self._name(expr.value, seen, visiting)
        elif isinstance(expr, cst.Dict):
            for el in expr.elements:
                if isinstance(el, cst.DictElement):
                    sub = self.of(el.value, visiting)
                    key = string_value(el.key)
                    if key is not None and (sub.fields or sub.record or sub.params):
                        seen.fields.add(normalise_field(key))
                    seen.add(sub)
                else:
                    self._walk(el.value, seen, visiting)
        elif isinstance(expr, cst.Attribute):
            chain = dotted(expr)
            parts = chain.split(".") if chain else []
            if parts and parts[0] in _RECEIVERS and len(parts) <= 2:
                return  # self.store: a service or a setting, never data by itself
            seen.fields.add(normalise_field(expr.attr.value))
            if _looks_like_record(expr.value):
                seen.why.append(f"{chain or expr.attr.value} is an attribute of a user record")
        elif isinstance(expr, cst.Subscript):
            key = _subscript_key(expr)
            if key is not None:
                field = _field_key(key)
                if field is not None and not _is_service(expr.value):
                    seen.fields.add(field)
            else:
                self._walk(expr.value, seen, visiting)
        elif isinstance(expr, cst.Call):
            self._call(expr, seen, visiting)
        elif isinstance(expr, cst.Await):
            self._walk(expr.expression, seen, visiting)
        elif isinstance(expr, (cst.Tuple, cst.List, cst.Set)):
            for item in expr.elements:
                self._walk(item.value, seen, visiting)
        elif isinstance(expr, (cst.ListComp, cst.SetComp, cst.GeneratorExp)):
            self._walk(expr.elt, seen, visiting)
            self._comp(expr.for_in, seen, visiting)
        elif isinstance(expr, cst.DictComp):
            self._walk(expr.value, seen, visiting)
            self._comp(expr.for_in, seen, visiting)
        elif isinstance(expr, cst.FormattedString):
            for part in expr.parts:
                if isinstance(part, cst.FormattedStringExpression):
                    self._walk(part.expression, seen, visiting)
        elif isinstance(expr, (cst.BinaryOperation, cst.BooleanOperation)):
            self._walk(expr.left, seen, visiting)
            self._walk(expr.right, seen, visiting)
        elif isinstance(expr, cst.IfExp):
            self._walk(expr.body, seen, visiting)
            self._walk(expr.orelse, seen, visiting)

    def _comp(self, comp: cst.CompFor, seen: Seen, visiting: frozenset[str]) -> None:
        # the loop variable of a comprehension: what the iterable holds
        seen.add(self.of(comp.iter, visiting))
        if comp.inner_for_in is not None:
            self._comp(comp.inner_for_in, seen, visiting)


def _is_service(expr: cst.BaseExpression) -> bool:
    """A receiver that is a service, a store or settings rather than data."""
    chain = dotted(expr)
    if chain is None:
        return False
    parts = chain.split(".")
    if parts[0] in _RECEIVERS and len(parts) <= 2:
        return True
    last = parts[-1].lower()
    return any(last == w or last.endswith("_" + w) or last.startswith(w + "_") for w in _SERVICE_WORDS)


def _looks_like_record(expr: cst.BaseExpression) -> bool:
    name = last_name(expr)
    return name is not None and RECORD_WORDS.fullmatch(name) is not None


def call_args(fn: cst.FunctionDef, call: cst.Call, params: Iterable[str]) -> dict[str, cst.BaseExpression]:
    """The argument *call* passes for each of *params* of *fn* (positional by place, or by keyword)."""
    order = [p.name.value for p in fn.params.posonly_params] + [p.name.value for p in fn.params.params]
    if order and order[0] in _RECEIVERS:
        order = order[1:]
    wanted = set(params)
    out: dict[str, cst.BaseExpression] = {}
    i = 0
    for arg in call.args:
        if arg.keyword is not None:
            if arg.keyword.value in wanted:
                out[arg.keyword.value] = arg.value
        elif not arg.star:
            if i < len(order) and order[i] in wanted:
                out[order[i]] = arg.value
            i += 1
    return out
