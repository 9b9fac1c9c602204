"""What names, calls and constants refer to within one analysis, and which
calls never return: the decisions every other part of the analysis builds on.

One :class:`Resolver` serves one analysis (one seed). Everything it decides
that depends on other functions (exits, reaching definitions over the graph
with those exits) is kept here, never in the facts, so no answer depends on
which analysis asked first.
"""

from __future__ import annotations

import re

import libcst as cst

from minlint.analysis.dataflow import Defs, reaching_definitions
from minlint.analysis.types import Types
from minlint.analysis.vocab import Vocabulary, calls_in
from minlint.facts.cfg import CFG, ENTRY, EXIT
from minlint.facts.module import ClassFacts, Function, ModuleFacts
from minlint.facts.names import dotted, string_value
from minlint.policy.pack import Policy
from minlint.project.index import Project


class Resolver:
    def __init__(self, project: Project, policy: Policy) -> None:
        self.project = project
        self.policy = policy
        self.vocab = Vocabulary(policy)
        self.types = Types(self)
        self._bindings: dict[int, tuple[Function, Defs]] = {}
        self._never_returns: dict[int, bool] = {}
        self._keep: list[Function] = []
        self._cfgs: dict[int, tuple[Function, CFG]] = {}
        self._defs: dict[int, tuple[Function, Defs]] = {}
        self._node_of_call: dict[int, tuple[Function, dict[int, int]]] = {}

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
        s = string_value(expr)
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
            reaching = self.defs(fn).reaching(expr.value, at)
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

    def defs(self, fn: Function) -> Defs:
        got = self._defs.get(id(fn))
        if got is None:
            got = self._defs[id(fn)] = (fn, reaching_definitions(fn, self.cfg(fn)))
        return got[1]

    def node_of_call(self, fn: Function) -> dict[int, int]:
        """id(call) -> the CFG node of *fn* that evaluates it (the first, for a
        call replayed in several copies of a ``finally`` body)."""
        got = self._node_of_call.get(id(fn))
        if got is None:
            found: dict[int, int] = {}
            for node in fn.cfg.nodes:  # exits change edges, never which node holds a call
                for expr in node.exprs:
                    for call in calls_in(expr):
                        found.setdefault(id(call), node.id)
            got = self._node_of_call[id(fn)] = (fn, found)
        return got[1]

    def cfg(self, fn: Function) -> CFG:
        """The control flow graph alone, with this analysis's exits: what
        finding disclosures, reaching definitions and exits need, without the
        guards and records of :meth:`flow` (which resolve every call, and so
        build the flows of the helpers they reach)."""
        got = self._cfgs.get(id(fn))
        if got is None:
            raw = fn.cfg
            exits = [n for n, call in raw.calls.items() if self.is_exit_call(call, fn)]
            got = self._cfgs[id(fn)] = (fn, raw.with_exits(exits) if exits else raw)
        return got[1]

    def is_exit_call(self, call: cst.Call, fn: Function) -> bool:
        exit_ = self._exit_of(call, fn)
        return exit_ is True or (isinstance(exit_, Function) and self.never_returns(exit_))

    def _exit_of(self, call: cst.Call, fn: Function) -> bool | Function:
        """True for a call of an exit, the helper when it is one of the checked
        code (an exit if it never returns), False otherwise."""
        if self.vocab.sink(call, fn) is not None:
            return False  # a disclosure is never taken as the end of the path
        helper = self.callee(call, fn)
        if isinstance(helper, Function) and not _is_stub(helper.cfg):  # the raw CFG: exits are being decided
            # defined in the checked code: its body decides, not its name (`def deny(r): log(r)` returns)
            return helper
        if self.vocab.is_exit(call, fn) and not self.shadowed(call, fn):
            return True
        return helper if isinstance(helper, Function) else False

    def shadowed(self, call: cst.Call, fn: Function) -> bool:
        """The callee is a local of *fn* that is not the pack's name (SPEC 8.3): a parameter
        (`def handler(request, deny)`) or a local bound to a lambda (`deny = lambda r: None`). Python makes
        a name local to the whole function when it is bound anywhere in it. A local bound to anything else
        (`verify = legal.verify_court_order`) may be the check itself and keeps its name."""
        func = call.func
        if not isinstance(func, cst.Name) or fn.node is None:
            return False
        got = self._bindings.get(id(fn))
        if got is None:  # over the CFG without exits: deciding exits asks this, and bindings never need them
            got = self._bindings[id(fn)] = (fn, reaching_definitions(fn, fn.cfg))
        return any(d.kind == "param" or (d.kind == "assign" and isinstance(d.value, cst.Lambda))
                   for d in got[1].all_of(func.value))

    def never_returns(self, fn: Function) -> bool:
        """A helper that always raises (``refuse(case)``) ends the path.
        A stub (``raise NotImplementedError``) does not: it stands for code
        that returns, and taking it as an exit would make everything after
        its calls unreachable, so checked vacuously.

        Whether a function returns depends on whether the helpers it calls
        at statement level return, so the answer is decided for all of them
        at once: the least fixed point (every function returns unless no
        path reaches its exit when the calls known not to return end their
        paths), computed callees first, strongly connected components
        together. It depends on the code only, never on which function was
        asked about first."""
        got = self._never_returns.get(id(fn))
        if got is None:
            self._decide_exits(fn)
            got = self._never_returns[id(fn)]
        return got

    def _decide_exits(self, root: Function) -> None:
        """``never_returns`` for *root* and every helper it depends on:
        Tarjan's algorithm without recursion (helper chains can be thousands
        long), each component solved once its callees are."""
        edges: dict[int, list[tuple[int, bool | Function]]] = {}  # id(fn) -> (candidate node, its exit)
        funcs: dict[int, Function] = {}
        index: dict[int, int] = {}
        low: dict[int, int] = {}
        stack: list[int] = []
        on_stack: set[int] = set()
        work: list[tuple[Function, int]] = [(root, 0)]
        while work:
            fn, i = work.pop()
            key = id(fn)
            if i == 0:
                funcs[key] = fn
                index[key] = low[key] = len(index)
                stack.append(key)
                on_stack.add(key)
                edges[key] = [(n, self._exit_of(call, fn)) for n, call in fn.cfg.calls.items()]
            callees = [c for _, c in edges[key] if isinstance(c, Function)]
            if i > 0 and id(callees[i - 1]) in on_stack:  # back from a callee still on the stack
                low[key] = min(low[key], low[id(callees[i - 1])])
            descended = False
            while i < len(callees):
                ck = id(callees[i])
                i += 1
                if ck in self._never_returns:
                    continue
                if ck not in index:
                    work.append((fn, i))
                    work.append((callees[i - 1], 0))
                    descended = True
                    break
                if ck in on_stack:
                    low[key] = min(low[key], index[ck])
            if descended or low[key] != index[key]:
                continue
            component = []
            while True:
                k = stack.pop()
                on_stack.discard(k)
                component.append(funcs[k])
                if k == key:
                    break
            self._solve_exits(component, edges)

    def _solve_exits(self, component: list[Function], edges: dict[int, list[tuple[int, bool | Function]]]) -> None:
        never: set[int] = set()
        changed = True
        while changed:  # monotone: a function found never to return stays so
            changed = False
            for fn in component:
                if id(fn) in never:
                    continue
                exits = [n for n, c in edges[id(fn)] if c is True or (
                    isinstance(c, Function) and (id(c) in never or self._never_returns.get(id(c), False)))]
                cfg = fn.cfg.with_exits(exits) if exits else fn.cfg
                if EXIT not in cfg.reachable(ENTRY) and not _is_stub(fn.cfg):
                    never.add(id(fn))
                    changed = True
        for fn in component:
            self._never_returns[id(fn)] = id(fn) in never
            self._keep.append(fn)  # the ids above stay this function's while the analysis lives

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
            args = [string_value(a.value) for a in call.args]
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


def _mutated(text: str, name: str) -> bool:
    """Whether a module constant is changed in place somewhere (``BLOCKED.discard("RU")``):
    then what its assignment says is not what a check compares against."""
    return re.search(rf"\b{re.escape(name)}\s*(?:\.\s*(?:add|discard|remove|clear|pop|update|append|extend|insert|"
                     rf"difference_update|intersection_update|symmetric_difference_update)\s*\(|[-+|&^]=)",
                     text) is not None


def _is_stub(cfg: CFG) -> bool:
    for node in cfg.nodes:
        if isinstance(node.stmt, cst.Raise) and node.stmt.exc is not None:
            exc = node.stmt.exc.func if isinstance(node.stmt.exc, cst.Call) else node.stmt.exc
            if dotted(exc) in ("NotImplementedError", "NotImplemented"):
                return True
    return False
