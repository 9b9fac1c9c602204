"""Legal instruments on paths (SPEC 9).

Which tiers hold at a disclosure depends on the path: a warrant branch and a
subpoena branch of one function reach the same ``hand_over(p)`` with
different instruments verified. This walks the CFG forward over states
(node, set of instrument checks established, whether the field's origin was
passed), from every entry point (across callers as in SPEC 2.3), and
collects at the disclosure the sets of checks established on the paths that
went through the origin. The establishing edges are the flow's own
(``Flow.flow``: guard calls, passing edges of predicates, helpers that
establish a check on every path to their return); a check written as
``assert`` does not establish an instrument (it is MIN204).

The state space is bounded: nodes x subsets of the instrument checks x 2.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

import libcst as cst

from minlint.facts.cfg import ENTRY, Edge
from minlint.facts.module import Function
from minlint.policy.tiers import instrument_guards

if TYPE_CHECKING:
    from minlint.analysis.evidence import Export
    from minlint.analysis.flow import Flow
    from minlint.policy.pack import Policy

Sets = frozenset[frozenset[str]]


class TierFlow:
    """Per function: the instrument checks established on each path; memoised."""

    def __init__(self, flow: Flow, policy: Policy) -> None:
        self.flow = flow
        self.policy = policy
        self.instruments = instrument_guards(policy.tiers)
        self._edges: dict[int, dict[Edge, frozenset[str]]] = {}
        self._nodes: dict[int, dict[int, int]] = {}
        self._states: dict[tuple[int, Sets, int | None, int], Sets] = {}
        self._entries: dict[tuple[int, bool], Sets] = {}

    def _establishing(self, fn: Function) -> dict[Edge, frozenset[str]]:
        key = id(fn)
        if key not in self._edges:
            ff = self.flow.flow(fn)
            out: dict[Edge, set[str]] = {}
            for gid in self.instruments:
                for edge, weak in ff.edges.get(gid, ()):
                    if weak is None:  # an assert does not hold (SPEC 9)
                        out.setdefault(edge, set()).add(gid)
            self._edges[key] = {e: frozenset(g) for e, g in out.items()}
        return self._edges[key]

    def _decorated(self, fn: Function) -> frozenset[str]:
        return frozenset(self.flow.flow(fn).decorated & self.instruments)

    def node_of(self, fn: Function, expr: cst.CSTNode) -> int | None:
        """The CFG node of *fn* that evaluates *expr* (None if it is not in *fn*)."""
        key = id(fn)
        if key not in self._nodes:
            found: dict[int, int] = {}
            for node in self.flow.flow(fn).cfg.nodes:
                roots: list[cst.CSTNode] = list(node.exprs)
                if node.stmt is not None and node.kind != "def":
                    roots.append(node.stmt)
                stack = roots
                while stack:
                    n = stack.pop()
                    found.setdefault(id(n), node.id)
                    stack.extend(n.children)
            self._nodes[key] = found
        return self._nodes[key].get(id(expr))

    def states(self, fn: Function, starts: Sets, through: int | None, target: int) -> Sets:
        """The sets of instrument checks established at *target* on the paths
        from *fn*'s entry (starting with one of *starts*) that pass *through*."""
        key = (id(fn), starts, through, target)
        if key in self._states:
            return self._states[key]
        cfg = self.flow.flow(fn).cfg
        edges = self._establishing(fn)
        seen: set[tuple[int, frozenset[str], bool]] = set()
        stack = [(ENTRY, s, through is None or through == ENTRY) for s in starts]
        out: set[frozenset[str]] = set()
        while stack:
            state = stack.pop()
            if state in seen:
                continue
            seen.add(state)
            n, est, passed = state
            passed = passed or n == through
            if n == target:
                if passed:
                    out.add(est)
                continue  # what follows the disclosure does not count
            for t, label in cfg.nodes[n].succ:
                stack.append((t, est | edges.get((n, label), frozenset()), passed))
        result = frozenset(out)
        self._states[key] = result
        return result

    def entry_sets(self, fn: Function, entry_point: bool, only: tuple[Function, int] | None = None,
                   seen: frozenset[int] = frozenset()) -> Sets:
        """The sets established when *fn* starts: its decorators', and through
        every caller (SPEC 2.3) the sets at each call site; *only* restricts the
        callers to one function and the paths there through one node (a field
        built in a caller and passed in)."""
        memo = (id(fn), entry_point) if only is None and not seen else None
        if memo is not None and memo in self._entries:
            return self._entries[memo]
        base = self._decorated(fn)
        result: set[frozenset[str]] = set()
        sites, escapes = ([], False) if entry_point or fn.node is None else self.flow.r.project.call_sites(fn)
        if escapes and only is None:
            result.add(base)  # callers that cannot be followed verified nothing we can see
        for site in sites:
            caller = site.caller
            if only is not None and caller is not only[0]:
                continue
            node = self.flow.flow(caller).node_of_call.get(id(site.call))
            if node is None or id(caller) in seen:
                continue
            is_entry = caller.node is None or self.flow.vocab.is_disclosure_function(caller)
            starts = self.entry_sets(caller, is_entry, None, seen | {id(fn)})
            through = only[1] if only is not None else None
            result.update(s | base for s in self.states(caller, starts, through, node))
        if not result and (only is None or not sites):
            result.add(base)
        out = frozenset(result)
        if memo is not None:
            self._entries[memo] = out
        return out

    def at(self, fn: Function, node: int, entry_point: bool, origin: Export | None = None) -> Sets:
        """The sets of instrument checks established at disclosure *node* of
        *fn* on the paths through *origin* (every path when None)."""
        if origin is not None:
            here = self.node_of(fn, origin.node)
            if here is not None:
                return self.states(fn, self.entry_sets(fn, entry_point), here, node)
            if origin.through == "argument" and not entry_point:
                for site in self.flow.r.project.call_sites(fn)[0]:
                    onode = self.node_of(site.caller, origin.node)
                    if onode is not None:
                        starts = self.entry_sets(fn, entry_point, (site.caller, onode))
                        return self.states(fn, starts, None, node)
        # built in a helper's return (or not found): the paths to the disclosure
        return self.states(fn, self.entry_sets(fn, entry_point), None, node)

    def holding(self, sets: Iterable[frozenset[str]]) -> frozenset[tuple[str, ...]]:
        """Per path class, the ids of the tiers that hold (in pack order)."""
        return frozenset(tuple(t.id for t in self.policy.tiers if t.holds(s)) for s in sets)
