"""MIN200, and when MIN101 stands under a tiered pack (SPEC 9)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

from minlint.checks.base import Raw, Rule
from minlint.parse.positions import Lazy

if TYPE_CHECKING:
    from minlint.analysis.evidence import Evidence, Exported
    from minlint.policy.pack import Policy


@dataclass(frozen=True)
class FieldVerdict:
    """Whether a field outside ``fields.allowed`` is MIN101 under the tiers."""

    report: bool
    holding: tuple[str, ...] = ()  # the tiers that hold on the path it is reported for
    would: tuple[str, ...] = ()  # the tiers that would allow it


def field_verdict(evidence: Evidence, index: int, policy: Policy) -> FieldVerdict:
    """MIN101 for the export at *index* iff no tier allows its category, or
    on some path through its origin at least one tier holds and none of the
    holding tiers allows it; paths with no tier at all are MIN200's."""
    e = evidence.exports[index]
    inst = evidence.instruments
    would = tuple(t.id for t in policy.tiers if e.category is not None and e.category in t.allowed)
    if inst is None:
        return FieldVerdict(True)
    if not would:
        return FieldVerdict(True)
    for holding in sorted(inst.through[index]):
        if holding and not set(holding) & set(would):
            return FieldVerdict(True, holding, would)
    return FieldVerdict(False, (), would)


def tiers_note(policy: Policy, v: FieldVerdict) -> str:
    """The end of a MIN101 message under a tiered pack."""
    titles = {t.id: t.title for t in policy.tiers}
    if not v.would:
        return "; no legal instrument of the policy opens it"
    held = ", ".join(f"{t} ({titles[t]})" for t in v.holding)
    return f"; instruments that hold there: {held}; it needs {' or '.join(v.would)} ({titles[v.would[0]]})"


class TierRule(Rule):
    """MIN200: a disclosure of a field outside ``fields.allowed`` reachable on
    a path on which no legal instrument holds (docs/rules/MIN200.md).

    Cases are run with MIN1 and MIN2 codes selected."""

    codes = ("MIN101", "MIN200", "MIN204")

    # the SPEC 9 worked example's pack: a subpoena opens email, a warrant messages and email
    POLICY = """\
[policy]
name = "tier-cases"
[fields]
allowed = []
context = ["case_id"]
[fields.categories.subscriber]
aliases = ["email"]
[fields.categories.content]
aliases = ["messages"]
[fields.categories.location]
aliases = ["gps"]
[disclosure]
sinks = ["hand_over"]
exits = ["refuse"]
[[guards]]
id = "subpoena"
calls = ["verify_subpoena"]
[[guards]]
id = "warrant"
calls = ["verify_warrant"]
predicates = ["warrant_is_valid"]
[[guards]]
id = "jurisdiction"
calls = ["check_jurisdiction"]
[[tiers]]
id = "basic"
title = "subpoena: basic subscriber information"
requires = ["subpoena"]
allowed = ["subscriber"]
[[tiers]]
id = "content"
title = "search warrant: content"
requires = ["warrant"]
allowed = ["content", "subscriber"]
"""

    def check(self, evidence: Evidence, policy: Policy) -> Iterator[Raw]:
        inst = evidence.instruments
        if inst is None or not evidence.reachable or () not in inst.paths:
            return
        beyond: list[Exported] = [e for e in evidence.exports if e.status == "disallowed"]
        if not beyond:
            return
        d = evidence.disclosure
        names = tuple(dict.fromkeys(e.item.name for e in beyond))
        categories = sorted({e.category for e in beyond if e.category})
        held = sorted({t for path in inst.paths for t in path})
        detail = "; instruments of the policy: " + ", ".join(f"{t.id} ({t.title})" for t in policy.tiers)
        if held:
            detail += "; on other paths: " + ", ".join(held)
        yield Raw(d.module, d.site, "MIN200",
                  {"target": Lazy(d.where), "what": ", ".join(f"'{n}'" for n in names),
                   "category": f" ({', '.join(categories)})" if categories else "", "detail": detail},
                  d.scope, tiers=())

    VALID = (
        # SPEC 9 worked example: a warrant branch and a subpoena branch, each exporting what its instrument opens
        """\
def hand(k, o, u):
    if k == "w":
        verify_warrant(o)
        p = {"messages": u.messages}
    else:
        verify_subpoena(o)
        p = {"email": u.email}
    hand_over(p)
""",
        # each tier alone
        """\
def basic(o, u):
    verify_subpoena(o)
    hand_over({"email": u.email, "case_id": o.case_id})

def content(o, u):
    verify_warrant(o)
    hand_over({"messages": u.messages, "email": u.email})
""",
        # the instrument established in a helper on every path to its return
        """\
def validate(o):
    if o.kind != "warrant":
        refuse()
    verify_warrant(o)

def hand(o, u):
    validate(o)
    hand_over({"messages": u.messages})
""",
        # established in every caller
        """\
def send(u):
    hand_over({"messages": u.messages})

def a(o, u):
    verify_warrant(o)
    send(u)

def b(o, u):
    verify_warrant(o)
    send(u)
""",
        # a predicate-style instrument
        """\
def hand(order, u):
    if not order.warrant_is_valid:
        refuse()
    hand_over({"messages": u.messages})
""",
    )
    INVALID = (
        # the worked example with the payloads swapped: content in the subpoena branch
        """\
def hand(k, o, u):
    if k == "w":
        verify_warrant(o)
        p = {"email": u.email}
    else:
        verify_subpoena(o)
        p = {"messages": u.messages}  # expect: MIN101
    hand_over(p)
""",
        # the worked example's urgent branch verifies nothing
        """\
def hand(o, u, urgent):
    if urgent:
        pass
    else:
        verify_subpoena(o)
    hand_over({"email": u.email})  # expect: MIN200
""",
        # a field no tier allows is MIN101 even under a warrant
        """\
def hand(o, u):
    verify_warrant(o)
    hand_over({"gps": u.gps})  # expect: MIN101
""",
        # a subpoena holds, content needs a warrant
        """\
def hand(o, u):
    verify_subpoena(o)
    hand_over({"messages": u.messages})  # expect: MIN101
""",
        # established in only one of two callers
        """\
def send(u):
    hand_over({"messages": u.messages})  # expect: MIN200

def a(o, u):
    verify_warrant(o)
    send(u)

def b(o, u):
    send(u)
""",
        # the instrument check after the disclosure
        """\
def hand(o, u):
    hand_over({"messages": u.messages})  # expect: MIN200
    verify_warrant(o)
""",
        # a helper that may return without verifying
        """\
def validate(o):
    if o.cached:
        return
    verify_warrant(o)

def hand(o, u):
    validate(o)
    hand_over({"messages": u.messages})  # expect: MIN200
""",
        # an instrument written as assert is MIN204 and does not hold
        """\
def hand(order, u):
    assert order.warrant_is_valid  # expect: MIN204
    hand_over({"messages": u.messages})  # expect: MIN200
""",
    )
