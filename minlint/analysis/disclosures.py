"""The disclosures of a module (SPEC 2.1): sink calls, sinks reached
indirectly, and the returns and yields of disclosure functions."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import libcst as cst

from minlint.analysis.flow import Flow
from minlint.analysis.payload import Ctx, Payloads, _yields
from minlint.analysis.prescan import Prescan
from minlint.analysis.resolve import Resolver
from minlint.analysis.vocab import calls_in
from minlint.facts.cfg import ENTRY
from minlint.facts.module import ClassFacts, Function, ModuleFacts
from minlint.facts.names import dotted
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
    """One analysis of a project for one seed: the resolver, the payloads and
    the flow facts, shared by every rule so each is computed once."""

    def __init__(self, project: Project, policy: Policy) -> None:
        self.project = project
        self.policy = policy
        self.resolver = Resolver(project, policy)
        self.vocab = self.resolver.vocab
        self.payloads = Payloads(self.resolver)
        self.flow = Flow(self.resolver)
        self.prescan = Prescan(self.resolver)

    def callee(self, call: cst.Call, fn: Function) -> Function | ClassFacts | None:
        return self.resolver.callee(call, fn)

    # -- disclosures ------------------------------------------------------------
    def disclosures(self, module: ModuleFacts) -> Iterator[Disclosure]:
        # only the parts whose code can hold a disclosure are parsed (and only
        # if the module's own level can, the whole module: its CFG holds every
        # definition's decorators and defaults)
        scopes = [module.module_function if self.prescan.may_disclose_in(module, None) else None,
                  *module.functions_where(lambda part: self.prescan.may_disclose_in(module, part))]
        for fn in scopes:
            if fn is None:
                continue
            entry = self.vocab.is_disclosure_function(fn)
            if not entry and not self.prescan.may_disclose(fn):
                continue  # its CFG resolves every call it makes: most of the cost of a seed module
            # the body of a sink defined in the checked code is the sink's own
            # implementation: each call of the sink is the disclosure
            implements_sink = fn.node is not None and self.vocab.defines_sink(fn)
            cfg = self.resolver.cfg(fn)
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
            values = [(d.value, fn, d.node) for d in self.resolver.defs(fn).reaching(callee.value, node)
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


def _callee_text(call: cst.Call) -> str:
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
