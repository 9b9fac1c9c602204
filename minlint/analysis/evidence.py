"""The evidence model: what the analysis says about one disclosure.

This is the boundary between the analysis and everything after it. A
disclosure (a sink call, or the return of a disclosure function) comes with

- what it exports: each payload item (a field, a whole record, something
  dynamic) with its origin, the helper or call site it came through, and its
  classification by the policy;
- per requirement of the policy (each guard, the transparency record) the
  verdict: whether it holds on every path, the weak checks that stand in
  for it, the counterexample path when it does not, and whether it holds in
  the function itself or only through every caller.

The checks (``minlint.checks``) turn evidence into findings and are the only
place rule codes are chosen; ``minlint fix`` and ``minlint inventory`` read
the same evidence, so none of them decides anything the analysis has not.
Where a consumer needs more than a verdict (the inventory shows *where* each
check is made), it asks the analysis (``Analysis.sites``, ``Analysis.chains``),
which computes it on demand from the same flow facts.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

from minlint.facts.module import Function, ModuleFacts
from minlint.parse.positions import Lazy
from minlint.policy.pack import Guard, Policy, normalise_field

if TYPE_CHECKING:
    import libcst as cst

ExportKind = Literal["field", "whole", "dynamic"]
# how an item reached the disclosure: built in a helper's return, passed at a call site, or in place
Through = Literal["", "return", "argument"]
ExportStatus = Literal["allowed", "context", "disallowed", "whole", "dynamic"]
WeakKind = Literal["assert", "leaky-list"]
RequirementKind = Literal["guard", "record"]
Status = Literal["holds", "weak", "missing"]
SiteKind = Literal["call", "helper", "test", "assert", "comparison", "decorator", "record"]
ChainStart = Literal["disclosure-function", "no-callers", "module", "cycle", "depth-limit"]


@dataclass(frozen=True)
class Export:
    """One thing a payload hands over (SPEC 2.2)."""

    kind: ExportKind
    name: str  # the field, or what the whole/dynamic expression is
    module: ModuleFacts
    node: cst.CSTNode  # its origin: where a finding about it is reported
    via: str | Lazy = ""  # the helper or call site it came through
    scope: str | None = None  # qualified name of the function the node is in
    through: Through = ""


@dataclass(frozen=True)
class Exported:
    """An export as the policy classifies it."""

    item: Export
    status: ExportStatus
    normalised: str = ""  # fields: the name as the categories see it
    category: str | None = None


def classify(item: Export, policy: Policy) -> Exported | None:
    """The policy's verdict on one export; None for a field with no name."""
    if item.kind != "field":
        return Exported(item, item.kind)
    name = normalise_field(item.name)
    if not name:
        return None
    category = policy.category_of(name)
    status: ExportStatus = "context" if policy.is_context(name) else (
        "allowed" if policy.is_allowed(name) else "disallowed")
    return Exported(item, status, name, category)


@dataclass(frozen=True)
class WeakCheck:
    """A check that stands in for a guard but does not hold: written as an
    ``assert`` (removed by ``python -O``), or a jurisdiction list that lets a
    blocked country through."""

    kind: WeakKind
    module: ModuleFacts
    node: cst.CSTNode
    guard: str
    detail: str


@dataclass(frozen=True)
class Verdict:
    holds: bool
    weak: tuple[WeakCheck, ...] = ()
    why: str | Lazy = ""  # for a missing check: the path that misses it
    via: str | Lazy = ""  # the call site or helper the verdict came through
    callers: bool = False  # it holds because every caller establishes it, not inside the function


HOLDS = Verdict(True)


@dataclass(frozen=True)
class Requirement:
    """One obligation of the policy at a disclosure, and the verdict on it."""

    kind: RequirementKind
    guard: Guard | None  # for kind "guard"
    verdict: Verdict

    @property
    def status(self) -> Status:
        if not self.verdict.holds:
            return "missing"
        return "weak" if self.verdict.weak else "holds"


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

    @property
    def scope(self) -> str | None:
        """The qualified name of the function it is in (None at module level)."""
        return self.fn.qualname if self.fn.node is not None else None

    def where(self) -> str:
        return f"{self.label} at line {self.module.line_of(self.site)}"


@dataclass(frozen=True)
class Instruments:
    """SPEC 9: the legal instruments (tiers) that hold at a disclosure, per
    path. Each element of a set is one class of paths, given as the ids of
    the tiers that hold on it (empty: no instrument holds there)."""

    paths: frozenset[tuple[str, ...]]  # every path to the disclosure
    through: tuple[frozenset[tuple[str, ...]], ...]  # per export (aligned with Evidence.exports): paths through its origin


@dataclass(frozen=True)
class Evidence:
    """Everything the analysis says about one disclosure."""

    disclosure: Disclosure
    exports: tuple[Exported, ...]
    requirements: tuple[Requirement, ...]
    reachable: bool  # False when no path from the function's entry gets here: checks hold vacuously
    instruments: Instruments | None = None  # a tiered pack only

    def requirement(self, kind: RequirementKind, guard: str | None = None) -> Requirement | None:
        for r in self.requirements:
            if r.kind == kind and (guard is None or (r.guard is not None and r.guard.id == guard)):
                return r
        return None


@dataclass(frozen=True)
class Site:
    """Where a check (or a transparency record) is made."""

    kind: SiteKind
    text: str
    function: str
    module: ModuleFacts
    node: cst.CSTNode
    # "" when the check counts; for a missing one, why this one does not:
    # "only on some paths", "after the disclosure", "only in some callers"
    note: str = ""

    def where(self) -> str:
        return f"{self.module.display}:{self.module.line_of(self.node)}"


@dataclass(frozen=True)
class Step:
    """One function on a call chain from an entry point to a disclosure."""

    fn: Function
    calls_at: cst.CSTNode  # the call of the next step, or the disclosure itself


@dataclass(frozen=True)
class Chain:
    steps: tuple[Step, ...]  # the entry point first, the disclosure's function last
    start: ChainStart  # why the chain starts where it does
    callers_unknown: bool  # the first function is also used where its callers cannot be followed


def unique(items: Iterable[Site]) -> list[Site]:
    """*items* without repeats (the same check reached along two paths), in order."""
    seen: dict[tuple[str, str, int, str], Site] = {}
    for s in items:
        seen.setdefault((s.kind, s.text, id(s.node), s.note), s)
    return list(seen.values())
