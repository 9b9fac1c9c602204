"""``minlint inventory``: every disclosure path of a project, checked or not.

``minlint check`` reports what is wrong; a privacy team reviewing a backend
also needs to see what is *right*, and where: which functions hand which
fields to an authority, through which call chains, after which checks, and
whether each is recorded for the transparency report.

The inventory is the evidence of the same run ``minlint check`` makes
(``minlint.api`` with a visit), turned into the JSON model of ``model.py``:
the exports, the verdicts, where each check is made (``Analysis.sites``) and
the call chains (``Analysis.chains``), and the codes of the findings that
run reported, or suppressed, for each path. Nothing here decides anything.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import libcst as cst

from minlint import __version__
from minlint.analysis.disclosures import Analysis
from minlint.analysis.evidence import Chain as EvidenceChain
from minlint.analysis.evidence import Evidence, Requirement, Site
from minlint.api import Options, check_paths
from minlint.checks import EXPORT_CODES, WEAK_CODES, Raw
from minlint.core.findings import Finding
from minlint.facts.module import Function
from minlint.fix.edits import whole_record
from minlint.inventory.model import (
    SCHEMA_VERSION,
    Chain,
    CheckSite,
    DisclosureEntry,
    ExportedField,
    GuardCount,
    GuardEntry,
    Inventory,
    OtherExport,
    PolicyCategory,
    PolicyGuard,
    PolicyInfo,
    PolicyTier,
    RecordEntry,
    Step,
    Summary,
    Suppressed,
    Unreadable,
    WeakCheck,
)
from minlint.policy.pack import Policy
from minlint.project.config import Config

Key = tuple[str, int, str]  # (path, line, code): what identifies a finding across the finish step


def _def_line(fn: Function) -> int:
    # the name, not the FunctionDef: its span would start at a decorator
    return fn.module.line_of(fn.node.name) if fn.node is not None else 1


def _site(s: Site) -> CheckSite:
    return CheckSite(s.kind, s.text, s.function, s.where(), s.note)


def _chain(c: EvidenceChain) -> Chain:
    steps = [Step(s.fn.qualname, s.fn.module.name, s.fn.module.display, _def_line(s.fn), s.fn.module.line_of(s.calls_at))
             for s in c.steps]
    return Chain(steps, c.start, c.callers_unknown)


def _text(value: object) -> str:
    return str(value or "")  # the analysis may hand over lazy text: positions are computed on demand


class _Collector:
    """Told each disclosure while its analysis is alive; keeps its entry and
    the keys of the findings the rules made of it."""

    def __init__(self, policy: Policy) -> None:
        self.policy = policy
        self.entries: list[tuple[DisclosureEntry, set[Key]]] = []

    def __call__(self, analysis: Analysis, e: Evidence, findings: list[tuple[Raw, Finding]]) -> None:
        self.entries.append((self.entry(analysis, e), {(f.path, f.line, f.code) for _, f in findings}))

    def entry(self, analysis: Analysis, e: Evidence) -> DisclosureEntry:
        d = e.disclosure
        module = d.module
        line, column, _, _ = module.positions.span(d.site)
        chains, truncated = analysis.chains(d)
        fields: dict[tuple[str, str, str], ExportedField] = {}
        others: dict[tuple[str, str, str, str], OtherExport] = {}
        for i, x in enumerate(e.exports):
            item = x.item
            where = f"{item.module.display}:{item.module.line_of(item.node)}"
            via = _text(item.via)
            if item.kind == "field":
                fields.setdefault((item.name, where, via), ExportedField(
                    item.name, x.normalised, x.category, self.policy.fides_of(x.category) if x.category else None,
                    x.status == "allowed", x.status == "context", where, via,
                    sorted(list(p) for p in e.instruments.through[i])
                    if e.instruments is not None and x.status == "disallowed" else None))
            else:
                key = (item.kind, item.name, where, via)
                if key not in others:
                    known = whole_record(analysis, self.policy, item) if item.kind == "whole" else None
                    others[key] = OtherExport(item.kind, EXPORT_CODES[item.kind], item.name, where, via,
                                              *(known or (None, None)))
        guards = [self._guard(analysis, e, r) for r in e.requirements if r.kind == "guard"]
        record = e.requirement("record")
        assert record is not None
        sites = [_site(s) for s in analysis.sites(e, record)]
        v = record.verdict
        transparency = RecordEntry("holds" if v.holds else "missing", sites, v.callers,
                                   "" if v.holds else _text(v.why), "" if v.holds else _text(v.via))
        kind = "return" if isinstance(d.site, cst.Return) else "call"
        converted = [_chain(c) for c in chains]
        entry_points = list(dict.fromkeys(c.steps[0].function for c in converted))
        return DisclosureEntry(
            "", module.display, line, column, module.name, d.fn.qualname, kind, d.label, d.entry_point,
            e.reachable, entry_points, converted, truncated, list(fields.values()), list(others.values()), guards,
            transparency, [], [], "ok")

    def _guard(self, analysis: Analysis, e: Evidence, r: Requirement) -> GuardEntry:
        guard = r.guard
        assert guard is not None
        v = r.verdict
        weak = [WeakCheck(WEAK_CODES[w.kind], w.detail, f"{w.module.display}:{w.module.line_of(w.node)}")
                for w in v.weak]
        return GuardEntry(guard.id, guard.code, guard.title, r.status, [_site(s) for s in analysis.sites(e, r)],
                          v.callers, "" if v.holds else _text(v.why), "" if v.holds else _text(v.via),
                          [w for i, w in enumerate(weak) if w not in weak[:i]])


def build(paths: Sequence[str], config: Config, policy: Policy, options: Options | None = None) -> Inventory:
    """The inventory of the Python files under *paths*."""
    collector = _Collector(policy)
    report = check_paths(paths, options or Options(), visit=collector, config=config)
    reported = {(f.path, f.line, f.code) for f in report.findings}
    hidden = [((f.path, f.line, f.code), f, sup) for f, sup in report.suppressed]
    found: list[DisclosureEntry] = []
    for entry, keys in collector.entries:
        entry.codes = sorted({code for key in keys if key in reported for code in (key[2],)})
        entry.suppressed = [Suppressed(f.code, f"{f.path}:{f.line}", sup.reason)
                            for key, f, sup in hidden if key in keys]
        # a suppression without a reason is MIN901, a problem for a reviewer, not a settled exception
        unreasoned = any(not s.reason for s in entry.suppressed)
        entry.status = "problems" if entry.codes or unreasoned else "suppressed" if entry.suppressed else "ok"
        found.append(entry)
    found.sort(key=lambda e: (e.path, e.line, e.column, e.sink))
    for i, entry in enumerate(found, 1):
        entry.id = f"D{i}"
    unreadable = sorted((Unreadable(f.path, f.line, dict(f.params).get("reason", f.message))
                         for f in report.findings if f.code == "MIN999"), key=lambda u: (u.path, u.line))
    return Inventory("minlint", __version__, SCHEMA_VERSION, [Path(p).as_posix() for p in paths],
                     _policy_info(policy), _summary(found, report.files, policy), found, unreadable)


def _policy_info(policy: Policy) -> PolicyInfo:
    return PolicyInfo(
        policy.name,
        sorted(policy.allowed),
        [PolicyCategory(c.name, c.fides, c.name in policy.allowed) for c in policy.categories],
        [PolicyGuard(g.id, g.code, g.title) for g in policy.guards],
        [PolicyTier(t.id, t.title, list(t.requires), list(t.allowed)) for t in policy.tiers],
    )


def _summary(found: Sequence[DisclosureEntry], files: int, policy: Policy) -> Summary:
    guards = {g.id: GuardCount() for g in policy.guards}
    for d in found:
        for g in d.guards:
            count = guards.setdefault(g.id, GuardCount())
            setattr(count, g.status, getattr(count, g.status) + 1)
    fields = [f for d in found for f in d.fields]
    others = [o for d in found for o in d.exports]
    entry_points = {(c.steps[0].path, c.steps[0].function) for d in found for c in d.chains}
    return Summary(
        files=files,
        disclosures=len(found),
        ok=sum(d.status == "ok" for d in found),
        problems=sum(d.status == "problems" for d in found),
        suppressed=sum(d.status == "suppressed" for d in found),
        entry_points=len(entry_points),
        fields=len(fields),
        allowed_fields=sum(f.allowed and not f.context for f in fields),
        context_fields=sum(f.context for f in fields),
        disallowed_fields=sum(not f.allowed and not f.context for f in fields),
        whole_records=sum(o.kind == "whole" for o in others),
        dynamic_exports=sum(o.kind == "dynamic" for o in others),
        guards=guards,
        transparency={
            "holds": sum(d.transparency.status == "holds" for d in found),
            "missing": sum(d.transparency.status == "missing" for d in found),
        },
    )
