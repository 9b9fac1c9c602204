"""The policy's vocabulary, matched against code.

Each question the rules ask of a call or a function ("is this a sink?",
"which guards does this call check?") is answered here, through the
module's imports (SPEC 2.3: names are matched through import aliases, for
sinks and every other list).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

import libcst as cst

from minlint.analysis.scope import Scopes
from minlint.facts.module import ClassFacts, Function, decorator_names
from minlint.facts.names import decorator_target, dotted, known_names, last_name, matches_any
from minlint.parse.nodes import children
from minlint.policy.pack import Guard, Policy, Sink

BUILTIN_EXITS = ("sys.exit", "os._exit", "exit", "quit", "os.abort")


_COMPREHENSIONS = (cst.ListComp, cst.SetComp, cst.DictComp, cst.GeneratorExp)


def calls_in(node: cst.CSTNode, *, lambdas: bool = True) -> Iterator[cst.Call]:
    """Calls evaluated by *node*, in source order, not those in nested defs
    (nor in lambdas or a comprehension's body, with ``lambdas=False``: a lambda
    may never be called, a comprehension over an empty iterable runs no element;
    its first iterable always runs)."""
    stack: list[cst.CSTNode] = [node]
    found: list[cst.Call] = []
    while stack:
        cur = stack.pop()
        kind = type(cur)  # libcst's node classes are final: no ABCMeta instance checks
        if (kind is cst.FunctionDef or kind is cst.ClassDef) and cur is not node:
            continue
        if kind is cst.Lambda and not lambdas:
            continue
        if not lambdas and kind in _COMPREHENSIONS:
            stack.append(cur.for_in.iter)  # type: ignore[attr-defined]
            continue
        if kind is cst.Call:
            found.append(cur)  # type: ignore[arg-type]
        stack.extend(reversed(children(cur)))
    return iter(found)


class Vocabulary:
    def __init__(self, policy: Policy) -> None:
        self.policy = policy
        self.sink_names = tuple(s.name for s in policy.sinks)
        self.scopes = Scopes()

    def names(self, expr: cst.BaseExpression, fn: Function) -> tuple[str, ...]:
        """What *expr* is known by in *fn*. A chain rooted at a parameter or
        local that shadows an import (SPEC 8.3) is that local: a bare name is
        nothing the policy can name, ``request.user`` is known as written."""
        written = dotted(expr)
        if written is not None:
            head, _, rest = written.partition(".")
            if self.scopes.shadowed(head, fn):
                return (written,) if rest else ()
        return known_names(expr, fn.module.imports)

    def sink(self, call: cst.Call, fn: Function) -> Sink | None:
        return self.sink_named(call.func, fn)

    def sink_named(self, expr: cst.BaseExpression, fn: Function) -> Sink | None:
        """The sink an expression names (a callee, or a sink passed as a value)."""
        names = self.names(expr, fn)
        if not names:
            return None
        for s in self.policy.sinks:
            if matches_any((s.name,), names):
                return s
        return None

    def defines_sink(self, fn: Function) -> bool:
        qualified = f"{fn.module.name}.{fn.qualname}" if fn.module.name else fn.qualname
        return matches_any(self.sink_names, (qualified,)) is not None

    def guard_calls(self, call: cst.Call, fn: Function) -> list[Guard]:
        names = self.names(call.func, fn)
        return [g for g in self.policy.guards if matches_any(g.calls, names)]

    def predicates_in(self, expr: cst.CSTNode, fn: Function) -> list[Guard]:
        """Guards whose calls or predicates appear in a test expression."""
        out: list[Guard] = []
        stack: list[cst.CSTNode] = [expr]
        while stack:
            cur = stack.pop()
            if isinstance(cur, (cst.Lambda, cst.FunctionDef)):
                continue
            names: tuple[str, ...] = ()
            if isinstance(cur, cst.Call):
                names = self.names(cur.func, fn)
                if isinstance(cur.func, cst.Attribute) and cur.func.attr.value == "get" and cur.args:
                    names += _key_name(cur.args[0].value)  # data.get("confirms_terror_suspect")
            elif isinstance(cur, (cst.Attribute, cst.Name)):
                names = self.names(cur, fn)
            elif isinstance(cur, cst.Subscript) and len(cur.slice) == 1 and isinstance(cur.slice[0].slice, cst.Index):
                names = _key_name(cur.slice[0].slice.value)  # data["court_order_verified"]
            if names:
                for g in self.policy.guards:
                    if g not in out and (matches_any(g.predicates, names) or matches_any(g.calls, names)):
                        out.append(g)
            stack.extend(children(cur))
        return out

    def is_exit(self, call: cst.Call, fn: Function) -> bool:
        names = self.names(call.func, fn)
        return bool(matches_any(self.policy.exits, names) or matches_any(BUILTIN_EXITS, names))

    def is_record(self, call: cst.Call, fn: Function) -> bool:
        return bool(matches_any(self.policy.transparency_calls, self.names(call.func, fn)))

    def is_disclosure_function(self, fn: Function) -> bool:
        if fn.node is None:
            return False
        if fn.marked:
            return True
        if any(matches_any(self.policy.decorators, known_names(decorator_target(dec), fn.module.imports))
               for dec, _ in decorator_names(fn)):
            return True
        return self._decorated_by_call(fn)

    def _decorated_by_call(self, fn: Function) -> bool:
        """``answer = disclosure(answer)`` at module level: a decorator applied by hand."""
        if fn.parent is not None or fn.cls is not None:
            return False
        for value in fn.module.constants.get(fn.name, ()):
            if isinstance(value, cst.Call) and value.args and isinstance(value.args[0].value, cst.Name) \
                    and value.args[0].value.value == fn.name:
                target = value.func.func if isinstance(value.func, cst.Call) else value.func
                if matches_any(self.policy.decorators, known_names(target, fn.module.imports)):
                    return True
        return False

    def guard_decorators(self, fn: Function) -> set[str]:
        """The ids of the guards a decorator of *fn* establishes for its whole body."""
        return {g.id for dec, _ in decorator_names(fn) for g in self.decorator_guards(dec, fn, self.policy.guards)}

    def decorator_guards(self, dec: cst.Decorator, fn: Function, guards: Iterable[Guard]) -> list[Guard]:
        """Those of *guards* that decorator *dec* of *fn* establishes."""
        names = known_names(decorator_target(dec), fn.module.imports)
        return [g for g in guards if matches_any(g.decorators, names)]

    def record_bases_of(self, cls: ClassFacts) -> list[str]:
        """The ``[records] bases`` entries *cls* names as a base class, through
        the module's imports (SPEC 7.5; a base of a base is that class's)."""
        out: list[str] = []
        for base in cls.node.bases:
            names = known_names(base.value, cls.module.imports)
            found = matches_any(self.policy.record_bases, names)
            if found is not None and found not in out:
                out.append(found)
        return out

    def subject_guards(self, expr: cst.BaseExpression) -> list[Guard]:
        """Guards whose `subjects` name this expression (by its last name)."""
        name = last_name(expr)
        if name is None:
            return []
        return [g for g in self.policy.guards if name in g.subjects]


def _key_name(key: cst.BaseExpression) -> tuple[str, ...]:
    """A constant key that spells a name: the flag a request carries as data."""
    if isinstance(key, cst.SimpleString):
        value = key.evaluated_value
        if isinstance(value, str) and value.isidentifier():
            return (value,)
    return ()


