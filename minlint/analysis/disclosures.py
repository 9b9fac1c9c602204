"""The disclosures of a module (SPEC 2.1): sink calls, sinks reached
indirectly, and the returns and yields of disclosure functions."""

from __future__ import annotations

from collections.abc import Iterator

import libcst as cst

from minlint.analysis.evidence import (
    Chain,
    Disclosure,
    Evidence,
    Exported,
    Instruments,
    Requirement,
    Site,
    Step,
    classify,
)
from minlint.analysis.flow import Flow
from minlint.analysis.payload import Ctx, Payloads, _yields
from minlint.analysis.prescan import Prescan
from minlint.analysis.resolve import Resolver
from minlint.analysis.tiers import TierFlow
from minlint.analysis.vocab import calls_in
from minlint.facts.cfg import ENTRY
from minlint.facts.module import ClassFacts, Function, ModuleFacts
from minlint.facts.names import dotted
from minlint.policy.pack import Policy, Sink, normalise_field
from minlint.project.index import Project

# Call chains multiply with every shared helper; past these limits the
# chains stop and say so instead of growing without bound.
CHAIN_CAP = 20
DEPTH_CAP = 12


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
        self.tiers = TierFlow(self.flow, policy)
        self.prescan = Prescan(self.resolver)

    def callee(self, call: cst.Call, fn: Function) -> Function | ClassFacts | None:
        return self.resolver.callee(call, fn)

    # -- evidence -----------------------------------------------------------------
    def evidence(self, d: Disclosure) -> Evidence:
        """What the analysis says about disclosure *d* (see ``evidence.py``)."""
        policy = self.policy
        exports: list[Exported] = []
        ctx = Ctx(d.fn, d.node)
        for expr in d.payload:
            for item in self.payloads.exported(expr, ctx, True):
                classified = classify(item, policy)
                if classified is not None:
                    exports.append(classified)
        requirements = [Requirement("guard", g, self.flow.guard_at(d.fn, d.node, g, d.entry_point))
                        for g in policy.guards]
        requirements.append(Requirement("record", None, self.flow.record_at(d.fn, d.node, d.entry_point)))
        reachable = d.node in self.resolver.cfg(d.fn).reachable(ENTRY)
        instruments = None
        if policy.tiers:
            tf = self.tiers
            paths = tf.holding(tf.at(d.fn, d.node, d.entry_point))
            through = tuple(
                tf.holding(tf.at(d.fn, d.node, d.entry_point, e.item)) if e.status == "disallowed" else frozenset()
                for e in exports)
            instruments = Instruments(paths, through)
        return Evidence(d, tuple(exports), tuple(requirements), reachable, instruments)

    def sites(self, e: Evidence, requirement: Requirement) -> list[Site]:
        """Where the checks behind *requirement*'s verdict are made (or, when it
        is missing, the checks there are and why they do not count)."""
        d = e.disclosure
        return self.flow.sites(d.fn, d.node, requirement, d.entry_point)

    def chains(self, d: Disclosure) -> tuple[list[Chain], bool]:
        """The call chains from the entry points to *d*, and whether there were
        more than ``CHAIN_CAP`` (the list is cut there)."""
        last = Step(d.fn, d.site)
        if d.entry_point:
            return [Chain((last,), "disclosure-function", False)], False
        out: list[Chain] = []
        truncated = False
        project = self.project

        def up(path: list[Step]) -> None:
            nonlocal truncated
            if len(out) >= CHAIN_CAP:
                truncated = True
                return
            head = path[0].fn
            if head.node is None:
                out.append(Chain(tuple(path), "module", False))
                return
            if len(path) > 1 and self.vocab.is_disclosure_function(head):
                out.append(Chain(tuple(path), "disclosure-function", False))
                return
            sites, escapes = project.call_sites(head)
            if not sites:
                out.append(Chain(tuple(path), "no-callers", escapes))
                return
            if len(path) >= DEPTH_CAP:
                out.append(Chain(tuple(path), "depth-limit", escapes))
                return
            ordered = sorted(sites, key=lambda s: (s.caller.module.display, s.caller.module.line_of(s.call)))
            for site in ordered:
                step = Step(site.caller, site.call)
                if any(s.fn is site.caller for s in path):
                    if len(out) >= CHAIN_CAP:
                        truncated = True
                        return
                    out.append(Chain((step, *path), "cycle", escapes))
                    continue
                up([step, *path])

        up([last])
        return out, truncated

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
                names = self.payloads.constant_keys(callee.args[1].value, Ctx(fn, node))
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
