"""Required checks (SPEC 2.3) and the transparency record (SPEC 2.4) on CFGs.

A guard holds at a node p when every path from the function's entry to p
takes an *establishing edge*: the normal edge out of a guard call, the
passing edge of a test on a predicate, the normal edge out of a call of a
helper that establishes the guard on every path to its normal return. The
check is one reachability question: remove the establishing edges, can p
still be reached? If so, the path the search found is the counterexample
the finding shows.

A jurisdiction comparison has no fixed passing side: ``j in L`` passes on
false when L is a deny-list and on true when L is an allow-list. Its passing
edge, for a given p, is the one edge from which p can be reached without
coming back through the comparison; if p is reachable from both edges the
comparison checks nothing for p.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Literal

import libcst as cst

from minlint.analysis.bodies import body_runs
from minlint.analysis.evidence import HOLDS, Requirement, Site, SiteKind, Verdict, WeakCheck, unique
from minlint.analysis.resolve import Resolver
from minlint.analysis.vocab import calls_in
from minlint.facts.cfg import CFG, ENTRY, EXIT, RAISE, Edge, Label, statement_call
from minlint.facts.module import Function, ModuleFacts, decorator_names
from minlint.facts.names import dotted
from minlint.parse.positions import Lazy
from minlint.policy.countries import country_code
from minlint.policy.pack import Guard


@dataclass
class Comparison:
    node: int
    guard: Guard
    members: frozenset[str]  # ISO alpha-2 codes of the list
    raw: tuple[str, ...]  # as written, for messages
    member_label: Branch  # the edge taken when the subject is in the list
    atom: cst.CSTNode
    in_assert: bool


@dataclass
class FunctionFlow:
    fn: Function
    cfg: CFG
    node_of_call: dict[int, int] = field(default_factory=dict)
    edges: dict[str, list[tuple[Edge, tuple[WeakCheck, ...] | None]]] = field(default_factory=dict)
    comparisons: list[Comparison] = field(default_factory=list)
    records: set[int] = field(default_factory=set)
    decorated: set[str] = field(default_factory=set)


Branch = Literal["true", "false"]  # the two edges out of a test

# Witnesses multiply with every shared helper; past this the list says so by stopping.
SITE_CAP = 20


class Flow:
    """Per-function facts and verdicts, memoised; shared by every rule."""

    def __init__(self, resolver: Resolver) -> None:
        self.r = resolver
        self.vocab = resolver.vocab
        self._flows: dict[int, FunctionFlow] = {}
        self._establishes: dict[tuple[int, str], Verdict] = {}
        self._records: dict[int, bool] = {}
        self._paths: dict[tuple[int, int], tuple[set[int], set[int]]] = {}
        self._callers: dict[tuple[int, str], Verdict] = {}

    # -- building -------------------------------------------------------------
    def flow(self, fn: Function) -> FunctionFlow:
        key = id(fn)
        got = self._flows.get(key)
        if got is not None:
            return got
        cfg = self.r.cfg(fn)
        ff = FunctionFlow(fn, cfg)
        self._flows[key] = ff
        ff.decorated = self.vocab.guard_decorators(fn)
        ff.node_of_call = self.r.node_of_call(fn)
        for node in cfg.nodes:
            for expr in node.exprs:
                for call in calls_in(expr, lambdas=False):  # a record in a lambda may never run
                    if self.vocab.is_record(call, fn) or self._helper_records(call, fn):
                        ff.records.add(node.id)
            if node.kind == "stmt" and node.stmt is not None:
                checked_call = statement_call(node.stmt)
                if checked_call is not None:
                    self._statement_guards(ff, node.id, checked_call, node.stmt)
            elif node.kind in ("test", "assert") and node.stmt is not None:
                self._test_guards(ff, node.id, node.stmt, node.kind == "assert")  # type: ignore[arg-type]
        return ff

    def _statement_guards(self, ff: FunctionFlow, n: int, call: cst.Call, stmt: cst.CSTNode) -> None:
        helper = self.r.callee(call, ff.fn)
        if isinstance(helper, Function) and not body_runs(helper, stmt):
            return  # a generator not iterated, a coroutine not awaited: the checks inside have not run
        guards = [] if self.r.shadowed(call, ff.fn) else self.vocab.guard_calls(call, ff.fn)
        # a check defined in the checked code that can never fail checks nothing
        # (asked only of guard calls: it builds the helper's flow)
        if guards and not (isinstance(helper, Function) and not self.can_fail(helper)):
            for g in guards:
                ff.edges.setdefault(g.id, []).append(((n, "next"), None))
        helpers = [h for h in self._targets(call, ff.fn, helper) if h is not ff.fn]
        if helpers:
            for g in self.r.policy.guards:
                verdicts = [self.establishes(h, g) for h in helpers]
                if all(v.holds for v in verdicts):  # SPEC 8.1: only if every target establishes it
                    weak = tuple(w for v in verdicts for w in v.weak)
                    ff.edges.setdefault(g.id, []).append(((n, "next"), weak or None))

    def _targets(self, call: cst.Call, fn: Function, helper: object) -> list[Function]:
        """The helpers a call reaches: a method on a receiver of a known class
        and its overrides (SPEC 8.1), else the one the name resolves to."""
        methods = self.r.types.targets(call, fn) if isinstance(call.func, cst.Attribute) else []
        if methods:
            return methods
        return [helper] if isinstance(helper, Function) else []

    def _test_guards(self, ff: FunctionFlow, n: int, atom: cst.BaseExpression, in_assert: bool) -> None:
        label: Branch = "false" if _negated_comparison(atom) else "true"
        for g in self.vocab.predicates_in(atom, ff.fn):
            weak = (WeakCheck("assert", ff.fn.module, atom, g.id, f"the {g.title} is an assert"),) if in_assert else None
            ff.edges.setdefault(g.id, []).append(((n, label), weak))
        comparison = self._comparison(atom, ff.fn)
        if comparison is not None:
            guard, members, raw, member_label = comparison
            ff.comparisons.append(Comparison(n, guard, members, raw, member_label, atom, in_assert))

    def _comparison(self, atom: cst.BaseExpression, fn: Function) -> tuple[Guard, frozenset[str], tuple[str, ...], Branch] | None:
        if not isinstance(atom, cst.Comparison) or len(atom.comparisons) != 1:
            return None
        target = atom.comparisons[0]
        op = target.operator
        left, right = atom.left, target.comparator
        guards = self.vocab.subject_guards(_subject(left))
        if not guards:
            guards = self.vocab.subject_guards(_subject(right))
            left, right = right, left
        guards = [g for g in guards if g.blocked]
        if not guards:
            return None
        if isinstance(op, (cst.In, cst.NotIn)):
            raw = self.r.constant_strings(right, fn)
        elif isinstance(op, (cst.Equal, cst.NotEqual, cst.Is, cst.IsNot)):
            raw = self.r.constant_strings(right, fn, single=True)
        else:
            return None
        if raw is None:
            return None
        members = frozenset(c for c in (country_code(r) for r in raw) if c is not None)
        member_label: Branch = "true" if isinstance(op, (cst.In, cst.Equal, cst.Is)) else "false"
        return guards[0], members, raw, member_label

    # -- exits ----------------------------------------------------------------
    def can_fail(self, fn: Function) -> bool:
        """Whether a function can raise: a ``raise``, an ``assert``, an exit,
        or any call (which may raise). ``def verify_court_order(o): pass`` cannot."""
        cfg = self.r.cfg(fn)
        for node in cfg.nodes:
            if isinstance(node.stmt, (cst.Raise, cst.Assert)) or node.kind == "assert":
                return True
            if any(True for expr in node.exprs for _ in calls_in(expr, lambdas=False)):
                return True
        return False

    # -- guards ---------------------------------------------------------------
    def local(self, fn: Function, target: int, guard: Guard) -> Verdict:
        """Does *guard* hold at CFG node *target* of *fn*, from inside *fn*?"""
        ff = self.flow(fn)
        if guard.id in ff.decorated:
            return HOLDS
        strong: set[Edge] = set()
        weak: dict[Edge, tuple[WeakCheck, ...]] = {}
        for edge, w in ff.edges.get(guard.id, ()):
            if w is None:
                strong.add(edge)
            else:
                weak[edge] = weak.get(edge, ()) + w
        comparisons = [c for c in ff.comparisons if c.guard.id == guard.id]
        checks: dict[int, Label] = {}  # comparison node -> its passing label, for target
        for c in comparisons:
            passing = [
                label for t, label in ff.cfg.nodes[c.node].succ
                if target == t or target in ff.cfg.reachable(t, blocked_nodes={c.node})
            ]
            if len(passing) != 1:
                continue  # both sides reach the disclosure: it checks nothing for it
            checks[c.node] = passing[0]
            edge = (c.node, passing[0])
            if c.in_assert:
                weak[edge] = (*weak.get(edge, ()),
                              WeakCheck("assert", fn.module, c.atom, guard.id, f"the {guard.title} is an assert"))
        checked = strong | set(weak) | {(n, label) for n, label in checks.items()}
        seen = ff.cfg.reachable(ENTRY, blocked_edges=checked)
        if target in seen:
            path = CFG.path_to(seen, target)

            def why() -> str:
                parts = (self.describe(ff, path, target, checked), self._partial_validators(ff, path, guard))
                return "; ".join(x for x in parts if x)

            return Verdict(False, why=Lazy(why))
        found: list[WeakCheck] = list(self._leaks(ff, target, guard, strong, comparisons, checks))
        asserted = {c.node for c in comparisons if c.in_assert}
        strong_checks = {(n, label) for n, label in checks.items() if n not in asserted}
        seen = ff.cfg.reachable(ENTRY, blocked_edges=strong | strong_checks)
        if target in seen:
            found.extend(w for edge, ws in weak.items() if edge[0] in seen for w in ws)
        return Verdict(True, weak=tuple(dict.fromkeys(found))) if found else HOLDS

    def _leaks(
        self, ff: FunctionFlow, target: int, guard: Guard, strong: set[Edge], comparisons: list[Comparison],
        checks: dict[int, Label],
    ) -> list[WeakCheck]:
        """MIN205: for each blocked jurisdiction, a path to *target* that is
        feasible when the subject *is* that jurisdiction. Every comparison
        decides its edge by membership, so a chain of comparisons that
        together cover the blocked list lets nothing through."""
        if not checks or not guard.blocked:
            return []
        out: list[WeakCheck] = []
        for country in guard.blocked:
            infeasible: set[Edge] = set()
            for c in comparisons:
                inside = country in c.members
                outside_label: Branch = "false" if c.member_label == "true" else "true"
                infeasible.add((c.node, outside_label if inside else c.member_label))
            seen = ff.cfg.reachable(ENTRY, blocked_edges=strong | infeasible)
            if target not in seen:
                continue
            for src, label in CFG.path_to(seen, target):
                passed = next((x for x in comparisons if x.node == src), None)
                if passed is None or checks.get(src) != label:
                    continue
                if label == passed.member_label:
                    detail = f"the allow-list {_show(passed.raw)} contains blocked {country}"
                else:
                    detail = f"the deny-list {_show(passed.raw)} misses blocked {country}"
                out.append(WeakCheck("leaky-list", ff.fn.module, passed.atom, guard.id, detail))
        return out

    def establishes(self, helper: Function, guard: Guard) -> Verdict:
        """Does *helper* establish *guard* on every path to its normal return?"""
        key = (id(helper), guard.id)
        if key not in self._establishes:
            self._establishes[key] = Verdict(False)  # recursion: not proven
            v = self.local(helper, EXIT, guard)
            if EXIT not in self.r.cfg(helper).reachable(ENTRY):
                v = Verdict(False)  # never returns: not a validator
            self._establishes[key] = v
        return self._establishes[key]

    def guard_at(self, fn: Function, node: int, guard: Guard, entry_point: bool) -> Verdict:
        """The verdict for a disclosure: inside *fn*, else through every caller."""
        v = self.local(fn, node, guard)
        if v.holds or entry_point:
            return v
        up = self.callers(fn, guard.id, lambda f, n: self.local(f, n, guard))
        if up.holds:
            return replace(up, callers=True)
        return Verdict(False, why=v.why, via=up.via)

    # -- transparency -----------------------------------------------------------
    def _helper_records(self, call: cst.Call, fn: Function) -> bool:
        helpers = [h for h in self._targets(call, fn, self.r.callee(call, fn)) if h is not fn]
        return bool(helpers) and all(self.records(h) for h in helpers)

    def records(self, helper: Function) -> bool:
        key = id(helper)
        if key not in self._records:
            self._records[key] = False
            ff = self.flow(helper)
            returns = EXIT in ff.cfg.reachable(ENTRY)  # one that never returns records nothing
            self._records[key] = returns and EXIT not in ff.cfg.reachable(ENTRY, blocked_nodes=ff.records)
        return self._records[key]

    def local_record(self, fn: Function, target: int) -> Verdict:
        ff = self.flow(fn)
        if target in ff.records:
            return HOLDS
        before = ff.cfg.reachable(ENTRY, blocked_nodes=ff.records)
        if target not in before:
            return HOLDS
        # after the disclosure: explicit raises count, implicit exceptions do not
        after = ff.cfg.reachable(target, blocked_nodes=ff.records, labels=lambda label: label != "exc")
        for end in (EXIT, RAISE):
            if end in after:
                path = CFG.path_to(before, target) + CFG.path_to(after, end)
                return Verdict(False, why=Lazy(lambda p=path: self.describe(ff, p, None, set())))  # type: ignore[misc]
        return HOLDS

    def record_at(self, fn: Function, node: int, entry_point: bool) -> Verdict:
        v = self.local_record(fn, node)
        if v.holds or entry_point:
            return v
        up = self.callers(fn, "<record>", self.local_record)
        if up.holds:
            return replace(up, callers=True)
        return Verdict(False, why=v.why, via=up.via)

    # -- callers ------------------------------------------------------------------
    def callers(self, fn: Function, what: str, local: object) -> Verdict:
        """The obligation moved to *fn*'s callers (SPEC 2.3 "Across functions").

        It fails when a chain of call sites that are not checked leads from
        *fn* back to a root: a function with no callers in the checked code,
        a disclosure function, module level, or a function used as a value
        (whose callers cannot be followed). The search goes backwards along
        unchecked call sites only, each function once, so recursion and
        cycles end with the exact answer: a cycle reached only through
        checked calls is checked. It holds only if some checked call site was
        found, so a function called from nowhere but itself is not checked.
        """
        key = (id(fn), what)
        if key in self._callers:
            return self._callers[key]
        seen = {id(fn)}
        stack = [fn]
        weak: tuple[WeakCheck, ...] = ()
        checked_sites = 0
        result: Verdict | None = None
        while stack and result is None:
            f = stack.pop()
            sites, escapes = self.r.project.call_sites(f)
            if escapes:
                result = Verdict(False, via=f"{f.name}() is also used where its callers cannot be followed")
                break
            if not sites and f is fn:
                result = Verdict(False, via="")
                break
            for site in sites:
                caller = site.caller
                node = self.flow(caller).node_of_call.get(id(site.call))
                if node is None:
                    continue
                v = local(caller, node)  # type: ignore[operator]
                if v.holds:
                    checked_sites += 1
                    weak += v.weak
                    continue
                root = caller.node is None or self.vocab.is_disclosure_function(caller) or (
                    id(caller) not in seen and not self.r.project.call_sites(caller)[0])
                if root:
                    name = "module level" if caller.node is None else f"{caller.qualname}()"
                    result = Verdict(False, via=Lazy(lambda s=site, n=name: (  # type: ignore[misc]
                        f"the call from {n} at {s.caller.module.display}:{s.caller.module.line_of(s.call)}"
                        " is not checked")))
                    break
                if id(caller) not in seen:
                    seen.add(id(caller))
                    stack.append(caller)
        if result is None:
            if checked_sites == 0:
                result = Verdict(False, via="it is only called from a cycle of unchecked calls")
            else:
                result = Verdict(True, weak=weak) if weak else HOLDS
        self._callers[key] = result
        return result

    # -- messages -----------------------------------------------------------------
    def _partial_validators(self, ff: FunctionFlow, path: list[Edge], guard: Guard) -> str:
        """Helpers on the path that check *guard* on some paths but not all."""
        for src, _ in path:
            node = ff.cfg.nodes[src]
            call = statement_call(node.stmt) if node.kind == "stmt" and node.stmt is not None else None
            if call is None:
                continue
            helper = self.r.callee(call, ff.fn)
            if isinstance(helper, Function) and helper is not ff.fn:
                hf = self.flow(helper)
                if hf.edges.get(guard.id) or any(c.guard.id == guard.id for c in hf.comparisons):
                    return (f"{helper.name}() at line {ff.fn.module.line_of(call)} does not check it "
                            f"on every path to its return")
        return ""

    def _decisive(self, ff: FunctionFlow, src: int, label: str, target: int, checks: set[Edge]) -> bool:
        other = _other_side(ff, src, label)
        if other is None:
            return False
        reach_all = other == target or target in ff.cfg.reachable(other, blocked_nodes={src})
        reach_unchecked = other == target or target in ff.cfg.reachable(
            other, blocked_nodes={src}, blocked_edges=checks)
        return reach_all and not reach_unchecked

    def describe(self, ff: FunctionFlow, path: list[Edge], target: int | None, checks: set[Edge]) -> str:
        """The decisive steps of a counterexample path, for the message: the
        exceptions it takes, and the branches whose other side would have
        reached *target* only through a check."""
        module = ff.fn.module
        steps: list[str] = []
        for src, label in path:
            node = ff.cfg.nodes[src]
            if label == "exc" and node.stmt is not None:
                steps.append(f"line {module.line_of(node.stmt)} raising into an exception handler")
            elif label in ("true", "false") and node.kind == "test" and node.stmt is not None and (
                target is None or self._decisive(ff, src, label, target, checks)
            ):
                text = module.code_for(node.stmt).strip()
                if len(text) > 40:
                    text = text[:37] + "..."
                steps.append(f"line {module.line_of(node.stmt)} ({text} is {label})")
            elif label == "false" and node.kind == "for" and node.stmt is not None:
                steps.append(f"line {module.line_of(node.stmt)} (the loop ends)")
        if not steps:
            return ""
        return "the path through " + ", ".join(steps[-2:])


    # -- witnesses: where a verdict's checks are made ---------------------------
    # What a reviewer reads beside a verdict (the inventory): the establishing
    # checks that lie on some path from the function's entry to the
    # disclosure, or, when the obligation moved to the callers, the checks the
    # callers make. Computed on demand from the same flow facts as the verdict.

    def sites(self, fn: Function, target: int, requirement: Requirement, entry_point: bool) -> list[Site]:
        """The checks behind *requirement*'s verdict at node *target* of *fn*;
        for a missing one, those that exist and why they do not count."""
        v = requirement.verdict
        local: Callable[[Function, int], Verdict]
        here: Callable[..., list[Site]]
        if requirement.kind == "guard":
            guard = requirement.guard
            assert guard is not None

            def local(f: Function, n: int) -> Verdict:
                return self.local(f, n, guard)

            def here(f: Function, n: int, after: bool = False) -> list[Site]:
                return self._guard_sites(f, n, guard, after=after)
        else:
            local = self.local_record

            def here(f: Function, n: int, after: bool = False) -> list[Site]:
                return self._record_sites(f, n)  # one after the disclosure counts too

        if v.callers:
            return self._caller_sites(fn, local, here)
        if v.holds:
            return here(fn, target)
        out = [s if s.note else replace(s, note="only on some paths") for s in here(fn, target, True)]
        if not entry_point:
            out += [replace(s, note="only in some callers") for s in self._caller_sites(fn, local, here)]
        return unique(out)

    def _on_paths(self, fn: Function, target: int) -> tuple[set[int], set[int]]:
        """(nodes reachable from the entry, nodes that reach *target*) of *fn*."""
        key = (id(fn), target)
        got = self._paths.get(key)
        if got is None:
            cfg = self.r.cfg(fn)
            got = self._paths[key] = (set(cfg.reachable(ENTRY)), cfg.reaching(target))
        return got

    def _edge_site(self, fn: Function, src: int, guard: Guard) -> Site | None:
        node = self.r.cfg(fn).nodes[src]
        if node.stmt is None:
            return None
        if node.kind == "stmt":
            call = statement_call(node.stmt)
            if call is None:
                return None
            direct = any(g.id == guard.id for g in self.vocab.guard_calls(call, fn))
            return Site("call" if direct else "helper", f"{dotted(call.func) or '<call>'}()", fn.qualname,
                        fn.module, call)
        return Site("assert" if node.kind == "assert" else "test", statement_text(fn.module, node.stmt),
                    fn.qualname, fn.module, node.stmt)

    def _guard_sites(self, fn: Function, target: int, guard: Guard, *, after: bool = False) -> list[Site]:
        """The checks of *guard* in *fn* that lie on some path from its entry to
        *target*; with *after*, also those that come only after it (they do not
        count, and a reader looking for the check wants to know it is there)."""
        ff = self.flow(fn)
        out: list[Site] = []
        if guard.id in ff.decorated:
            for dec, name in decorator_names(fn):
                if self.vocab.decorator_guards(dec, fn, (guard,)):
                    out.append(Site("decorator", f"@{name}", fn.qualname, fn.module, dec))
        forward, back = self._on_paths(fn, target)
        for (src, label), _ in ff.edges.get(guard.id, ()):
            if src in forward and any(lbl == label and t in back for t, lbl in ff.cfg.nodes[src].succ):
                site = self._edge_site(fn, src, guard)
                if site is not None:
                    out.append(site)
        for c in ff.comparisons:
            if c.guard.id == guard.id and c.node in forward and c.node in back:
                out.append(Site("assert" if c.in_assert else "comparison", statement_text(fn.module, c.atom),
                                fn.qualname, fn.module, c.atom))
        if after:
            later = set(ff.cfg.reachable(target)) - back
            for (src, _), _ in ff.edges.get(guard.id, ()):
                if src in later:
                    site = self._edge_site(fn, src, guard)
                    if site is not None:
                        out.append(replace(site, note="after the disclosure"))
        return unique(out)

    def _record_sites(self, fn: Function, target: int) -> list[Site]:
        """Transparency records on some path through *target* (before or after it)."""
        ff = self.flow(fn)
        forward, back = self._on_paths(fn, target)
        after = set(ff.cfg.reachable(target))
        out: list[Site] = []
        for n in sorted(ff.records):
            if n not in forward or (n not in back and n not in after):
                continue
            for expr in ff.cfg.nodes[n].exprs:
                for call in calls_in(expr):
                    if self.vocab.is_record(call, fn):
                        kind: SiteKind = "record"
                    elif self._helper_records(call, fn):
                        kind = "helper"
                    else:
                        continue
                    out.append(Site(kind, f"{dotted(call.func) or '<call>'}()", fn.qualname, fn.module, call))
        return unique(out)

    def _caller_sites(
        self, fn: Function, holds: Callable[[Function, int], Verdict],
        sites_at: Callable[[Function, int], list[Site]], seen: set[int] | None = None,
    ) -> list[Site]:
        """The checks that callers make before calling *fn*, transitively
        (SPEC 2.3, across functions), along the same unchecked call sites
        ``callers`` walks."""
        seen = seen if seen is not None else set()
        seen.add(id(fn))
        out: list[Site] = []
        sites, _ = self.r.project.call_sites(fn)
        for site in sites:
            caller = site.caller
            node = self.r.node_of_call(caller).get(id(site.call))
            if node is None:
                continue
            if holds(caller, node).holds:
                out.extend(sites_at(caller, node))
            elif id(caller) not in seen and not self.vocab.is_disclosure_function(caller):
                out.extend(self._caller_sites(caller, holds, sites_at, seen))
            if len(out) >= SITE_CAP:
                break
        return unique(out)[:SITE_CAP]


def statement_text(module: ModuleFacts, node: cst.CSTNode, limit: int = 60) -> str:
    """The statement line a test atom is on: `if not order.ok` reads better
    than the atom `order.ok` the flow graph decomposed it into."""
    line = module.line_of(node)
    text = strip_comment(module.source_line(line)).strip().removesuffix(":").strip()
    if not text:
        text = " ".join(module.code_for(node).split())
    return text if len(text) <= limit else text[: limit - 3] + "..."


def strip_comment(line: str) -> str:
    """The line without its trailing comment (a `#` outside string quotes)."""
    quote = ""
    i = 0
    while i < len(line):
        ch = line[i]
        if quote:
            if ch == "\\":
                i += 1
            elif ch == quote:
                quote = ""
        elif ch in "'\"":
            quote = ch
        elif ch == "#":
            return line[:i]
        i += 1
    return line


def _other_side(ff: FunctionFlow, src: int, label: str) -> int | None:
    other = "false" if label == "true" else "true"
    return next((t for t, lab in ff.cfg.nodes[src].succ if lab == other), None)


def _subject(expr: cst.BaseExpression) -> cst.BaseExpression:
    """``request.country.upper()`` and ``normalise(request.country)`` are
    still the subject ``request.country``."""
    while isinstance(expr, cst.Call):
        if isinstance(expr.func, cst.Attribute) and expr.func.attr.value in (
            "upper", "lower", "strip", "casefold", "title",
        ):
            expr = expr.func.value
        elif len(expr.args) == 1 and expr.args[0].keyword is None and not expr.args[0].star:
            expr = expr.args[0].value
        else:
            break
    return expr


def _negated_comparison(atom: cst.BaseExpression) -> bool:
    """``P is False``, ``P == False``, ``P is not True``: the predicate passes on false."""
    if not isinstance(atom, cst.Comparison) or len(atom.comparisons) != 1:
        return False
    target = atom.comparisons[0]
    value = dotted(target.comparator)
    if value not in ("True", "False"):
        return False
    positive = isinstance(target.operator, (cst.Is, cst.Equal))
    return (value == "False") == positive


def _show(raw: tuple[str, ...]) -> str:
    shown = ", ".join(repr(r) for r in raw[:6])
    return f"({shown}{', ...' if len(raw) > 6 else ''})"
