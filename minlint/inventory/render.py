"""The inventory rendered: JSON, Markdown with a Mermaid flowchart per path,
or one self-contained HTML file with inline SVG diagrams; and the
``minlint inventory`` command."""

from __future__ import annotations

import argparse
import base64
import hashlib
import html
import json
import re
import sys
import textwrap
from collections.abc import Callable
from dataclasses import dataclass

from minlint.analysis.disclosures import CHAIN_CAP, DEPTH_CAP
from minlint.core.files import check_output, write_output
from minlint.inventory.build import build
from minlint.inventory.model import CheckSite, DisclosureEntry, ExportedField, GuardCount, Inventory, PolicyTier, Step
from minlint.inventory.present import Provenance, View, check_template, excerpts, make_view
from minlint.project.collect import collect
from minlint.project.config import Config

# ---------------------------------------------------------------------------
# Diagrams: one model, drawn as Mermaid (Markdown) or as inline SVG (HTML)

DASH = "\u2014"
MIDDOT = " \u00b7 "
UNREACHABLE = ("no path from the function's entry reaches this disclosure (a call before it never "
               "returns), so its checks hold vacuously; the fields it would export are still listed.")
STATUS_MARK = {"holds": "\u2713", "weak": "!", "missing": "\u2717", "ok": "\u2713", "problems": "\u2717",
               "suppressed": "~", "allowed": "\u2713", "context": "\u00b7", "not allowed": "\u2717"}


@dataclass
class _Box:
    id: str
    tone: str  # neutral | entry | holds | weak | missing | allowed | context | violation | sink
    shape: str  # function | check | sink | field
    title: str
    lines: list[str]
    tooltip: str = ""


@dataclass
class _Column:
    boxes: list[_Box]
    group_id: str = ""  # a box drawn around the column, that edges may point at
    group_title: str = ""
    width: int = 30  # characters per line before wrapping


@dataclass
class _Diagram:
    columns: list[_Column]
    edges: list[tuple[str, str, str]]  # (from, to, label): box or group ids


def _short(where: str, base: str) -> str:
    """``line 27`` for a place in the disclosure's own file, else ``path:line``."""
    path, _, line = where.rpartition(":")
    return f"line {line}" if path == base else where


def _sink_short(d: DisclosureEntry) -> str:
    """The disclosure in a table row, where the function has its own column."""
    return "return" if d.kind == "return" else d.sink


def _field_status(f: ExportedField) -> str:
    return "context" if f.context else "allowed" if f.allowed else "not allowed"


def _site_text(site: CheckSite, d: DisclosureEntry) -> str:
    text = f"{site.text} {_short(site.where, d.path)}"
    if site.function != d.function:
        text += f" in {site.function}()"
    return f"{text} ({site.note})" if site.note else text


def _diagram(d: DisclosureEntry) -> _Diagram:
    # the call chains as a DAG: one box per function, in the column of its
    # longest distance from the disclosure's function
    level: dict[tuple[str, str], int] = {}
    steps: dict[tuple[str, str], Step] = {}
    starts: dict[tuple[str, str], set[str]] = {}
    edges: list[tuple[str, str, str]] = []
    for chain in d.chains:
        n = len(chain.steps)
        for i, step in enumerate(chain.steps):
            key = (step.path, step.function)
            level[key] = max(level.get(key, 0), n - 1 - i)
            steps.setdefault(key, step)
        head = (chain.steps[0].path, chain.steps[0].function)
        starts.setdefault(head, set()).add(chain.start + ("+unknown" if chain.callers_unknown else ""))
    ids = {key: f"f{i}" for i, key in enumerate(sorted(level, key=lambda k: (-level[k], k)))}
    for chain in d.chains:
        for a, b in zip(chain.steps, chain.steps[1:], strict=False):
            edge = (ids[(a.path, a.function)], ids[(b.path, b.function)], f"line {a.calls_at}")
            if edge not in edges:
                edges.append(edge)
    depth = max(level.values(), default=0)
    columns: list[_Column] = [_Column([]) for _ in range(depth + 1)]
    own = (d.path, d.function)
    for key in sorted(level, key=lambda k: (k[0], steps[k].line)):
        step = steps[key]
        name = "module level" if step.function == "<module>" else f"{step.function}()"
        lines = [_short(f"{step.path}:{step.line}", d.path)]
        tone = "neutral"
        notes = starts.get(key, set())
        if key == own and not d.reachable:
            lines.append("no path reaches the disclosure")
        if key == own and d.disclosure_function:
            lines.append("disclosure function")
            tone = "entry"
        elif notes:
            tone = "entry"
            if any(n.startswith("no-callers") for n in notes):
                lines.append("entry point (no callers)")
            if any(n.startswith("module") for n in notes):
                lines.append("module-level code")
            if any(n.startswith("cycle") for n in notes):
                lines.append("recursive: calls loop")
            if any(n.startswith("depth-limit") for n in notes):
                lines.append("chain cut: too deep")
            if any(n.endswith("+unknown") for n in notes):
                lines.append("also used where callers are unknown")
        columns[depth - level[key]].boxes.append(_Box(ids[key], tone, "function", name, lines,
                                                      f"{step.module}.{step.function} at {step.path}:{step.line}"))
    if d.chains_truncated:
        columns[0].boxes.append(_Box("more", "neutral", "function", "more chains",
                                     [f"only the first {CHAIN_CAP} are shown"]))

    checks: list[_Box] = []
    for i, g in enumerate(d.guards):
        lines = []
        if not d.reachable:
            lines.append("vacuously: the disclosure is unreachable")
        elif g.status != "missing":
            lines += [_site_text(s, d) for s in g.checks[:3]]
            if len(g.checks) > 3:
                lines.append(f"+{len(g.checks) - 3} more")
            if g.through_callers:
                lines.append("made by every caller")
            lines += [f"{w.code}: {w.detail}" for w in g.weak]
        else:
            lines += [_site_text(s, d) for s in g.checks[:2]]
            lines += [part for part in (g.why, g.via) if part] or ["no check before the disclosure"]
        # a vacuous "holds" is not reassurance: grey, not green
        tone = g.status if d.reachable else "context"
        checks.append(_Box(f"c{i}", tone, "check", f"{g.title} ({g.code}): {g.status}", lines,
                           f"{g.id}: {g.status}"))
    r = d.transparency
    rlines = [_site_text(s, d) for s in r.checks[:3]]
    if not d.reachable:
        rlines.append("vacuously: the disclosure is unreachable")
    if r.through_callers:
        rlines.append("made by every caller")
    if r.status == "missing":
        rlines += [part for part in (r.why, r.via) if part] or [NOT_RECORDED]
    checks.append(_Box("rec", r.status if d.reachable else "context", "check",
                       f"transparency record (MIN301): {r.status}", rlines,
                       f"transparency: {r.status}"))
    columns.append(_Column(checks, "g_checks", "required checks", 46))

    sink_title = d.sink if d.kind == "call" else "return"
    sink_lines = [_short(f"{d.path}:{d.line}", d.path), "sink call" if d.kind == "call" else "disclosure function result"]
    columns.append(_Column([_Box("sink", "sink", "sink", sink_title, sink_lines, f"{d.sink} at {d.path}:{d.line}")],
                           width=32))

    exported: list[_Box] = []
    for i, f in enumerate(d.fields):
        status = _field_status(f)
        tone = "context" if f.context else "allowed" if f.allowed else "violation"
        title = f.name if not f.category else f"{f.name} \u2192 {f.category}"
        detail = f.fides or ("" if f.category or f.context else "no category")
        lines = [status + (f" \u00b7 {detail}" if detail else "")]
        if f.via:
            lines.append(f.via)
        exported.append(_Box(f"x{i}", tone, "field", title, lines, f"{f.name} at {f.where}"))
    for i, o in enumerate(d.exports):
        title = "whole record" if o.kind == "whole" else "dynamic export"
        exported.append(_Box(f"o{i}", "violation", "field", f"{title} ({o.code})", [o.what],
                             f"{o.what} at {o.where}"))
    if not exported:
        exported.append(_Box("x_none", "context", "field", "no user data", ["constants or nothing"]))
    columns.append(_Column(exported, "g_fields", "exported", 38))

    last = ids.get(own)
    if last is not None:
        edges.append((last, "g_checks", ""))
    edges.append(("g_checks", "sink", ""))
    edges.append(("sink", "g_fields", ""))
    return _Diagram(columns, edges)


def _wrap(text: str, width: int) -> list[str]:
    return textwrap.wrap(text, width, break_long_words=True, break_on_hyphens=False) or [""]


# -- Mermaid -----------------------------------------------------------------

MERMAID_CLASSES = {
    "neutral": "fill:#eef2f7,stroke:#5a6b85,color:#1f2937",
    "entry": "fill:#e3ecfa,stroke:#2f5fa7,color:#0f2a55",
    "holds": "fill:#e4f5e8,stroke:#22863a,color:#0b3d1a",
    "allowed": "fill:#e4f5e8,stroke:#22863a,color:#0b3d1a",
    "weak": "fill:#fff5d6,stroke:#b08800,color:#4d3800",
    "missing": "fill:#fde7e9,stroke:#cf222e,color:#5c0a10",
    "violation": "fill:#fde7e9,stroke:#cf222e,color:#5c0a10",
    "context": "fill:#f2f2f2,stroke:#888888,color:#333333",
    "sink": "fill:#efe9fb,stroke:#6f42c1,color:#2c1566",
}


def _mm(text: str) -> str:
    """Text inside a quoted Mermaid label: entity codes for what Mermaid or
    the HTML it generates would read as syntax or markup."""
    out: list[str] = []
    for ch in text:
        if ch == '"':
            out.append("#quot;")
        elif ch in "#&<>`":
            out.append(f"#{ord(ch)};")
        elif ch in "\r\n\t":
            out.append(" ")
        else:
            out.append(ch)
    return "".join(out)


def _mm_label(box: _Box, width: int) -> str:
    lines = [f"<b>{_mm(box.title)}</b>"] + [_mm(piece) for line in box.lines for piece in _wrap(line, width)]
    return "<br/>".join(lines)


def render_mermaid(d: DisclosureEntry) -> str:
    dia = _diagram(d)
    # stadium: entry points; rounded: checks; subroutine: the sink (where data leaves)
    shapes = {"function": ('(["', '"])'), "check": ('("', '")'), "sink": ('[["', '"]]'), "field": ('["', '"]')}
    out = ["flowchart LR"]
    for col in dia.columns:
        indent = "    " if col.group_id else "  "
        if col.group_id:
            # LR, said explicitly (Mermaid flips a linked subgraph's direction by
            # default): unlinked boxes then share a rank and stack vertically, as in the SVG
            out.append(f'  subgraph {col.group_id}["{_mm(col.group_title)}"]')
            out.append("    direction LR")
        for box in col.boxes:
            if box.shape == "function" and box.tone == "neutral":
                left, right = '["', '"]'
            else:
                left, right = shapes[box.shape]
            out.append(f"{indent}{box.id}{left}{_mm_label(box, col.width)}{right}")
        if col.group_id:
            out.append("  end")
    for src, dst, label in dia.edges:
        arrow = f'-->|"{_mm(label)}"|' if label else "-->"
        out.append(f"  {src} {arrow} {dst}")
    used = sorted({box.tone for col in dia.columns for box in col.boxes})
    for tone in used:
        out.append(f"  classDef {tone} {MERMAID_CLASSES[tone]}")
    for tone in used:
        members = [box.id for col in dia.columns for box in col.boxes if box.tone == tone]
        out.append(f"  class {','.join(members)} {tone}")
    return "\n".join(out) + "\n"


# -- Markdown ----------------------------------------------------------------


def _md(text: str) -> str:
    """Plain text in Markdown (and in a table cell): markup characters escaped."""
    text = " ".join(text.split())
    return "".join("\\" + ch if ch in "\\`*_[]<>|#~" else ch for ch in text)


def _code(text: str, table: bool = True) -> str:
    """An inline code span that survives any backticks in *text*."""
    text = " ".join(text.split())
    longest = run = 0
    for ch in text:
        run = run + 1 if ch == "`" else 0
        longest = max(longest, run)
    fence = "`" * (longest + 1)
    pad = " " if text.startswith("`") or text.endswith("`") or not text.strip() else ""
    body = text.replace("|", "\\|") if table else text
    return f"{fence}{pad}{body}{pad}{fence}"


def _badge_md(status: str) -> str:
    return f"{STATUS_MARK.get(status, '')} {status}".strip()


def _fields_md(d: DisclosureEntry) -> str:
    parts = [f"{_code(f.name)} {STATUS_MARK[_field_status(f)]}" for f in d.fields]
    parts += [f"{'whole record' if o.kind == 'whole' else 'dynamic'} \u2717" for o in d.exports]
    return ", ".join(parts) or "\u2014"


def _shown_codes(d: DisclosureEntry) -> list[str]:
    """The codes a path's status cell names: a `# noqa` without a reason
    (MIN901) makes it a problem, so it is named too."""
    return [*d.codes, *(["MIN901"] if any(not s.reason for s in d.suppressed) else [])]


# A reviewer reads the problems first, then the exceptions, then the rest;
# IDs keep the inventory's order (path, line), so D3 is D3 in every format.
_REVIEW_RANK = {"problems": 0, "suppressed": 1, "ok": 2}


def _review_order(inv: Inventory) -> list[DisclosureEntry]:
    return sorted(inv.disclosures, key=lambda d: _REVIEW_RANK.get(d.status, 3))


def _md_href(url: str) -> str:
    """A link destination in Markdown, also inside a table: in angle brackets
    (spaces and parentheses stay literal), with what would end it escaped."""
    return "<" + url.replace("<", "%3C").replace(">", "%3E").replace("|", "%7C").replace(" ", "%20") + ">"


def _provenance_md(made: Provenance | None) -> list[str]:
    if made is None:
        return []
    commit = (f"commit {_code(made.commit, False)}" + (" **with uncommitted changes**" if made.dirty else "")
              if made.commit else "not a git checkout: no commit")
    return [f"Made from {commit} \u00b7 {_md(made.date)} \u00b7 {_code(made.command, False)}", ""]


def render_markdown(inv: Inventory, view: View | None = None) -> str:
    view = view or View()
    s = inv.summary
    tiers = {t.id: t for t in inv.policy.tiers}
    out: list[str] = [
        "# Disclosure inventory",
        "",
        (f"minlint {_md(inv.version)} \u00b7 policy {_code(inv.policy.name, False)} \u00b7 "
        f"{s.disclosures} disclosure path{'s' if s.disclosures != 1 else ''} in {s.files} "
        f"file{'s' if s.files != 1 else ''} \u00b7 {s.entry_points} entry point{'s' if s.entry_points != 1 else ''}"),
        "",
        *_provenance_md(view.provenance),
        (f"**{s.ok} ok**, **{s.problems} with problems**, **{s.suppressed} suppressed** (each problem "
        f"suppressed by a `# noqa` comment) \u00b7 exported fields: {s.allowed_fields} allowed, {s.context_fields} context, "
        f"{s.disallowed_fields} not allowed \u00b7 {s.whole_records} whole record"
        f"{'s' if s.whole_records != 1 else ''}, {s.dynamic_exports} dynamic export"
        f"{'s' if s.dynamic_exports != 1 else ''}"),
        "",
        "| check | code | holds | weak | missing |",
        "|---|---|---:|---:|---:|",
    ]
    for g in inv.policy.guards:
        c = s.guards.get(g.id, GuardCount())
        out.append(f"| {_md(g.title)} | {g.code} | {c.holds} | {c.weak} | {c.missing} |")
    out.append(f"| transparency record | MIN301 | {s.transparency['holds']} | \u2014 | {s.transparency['missing']} |")
    out.append("")
    if inv.unreadable:
        out.append("**Files that could not be read** (their disclosures are not listed):")
        out.append("")
        out += [f"- {_code(u.path, False)} line {u.line}: {_md(u.reason)}" for u in inv.unreadable]
        out.append("")
    out += ["## Disclosure paths", ""]
    if not inv.disclosures:
        out += ["No disclosure paths found.", ""]
    else:
        heads = ["ID", "disclosure", "function", "entry points", "exports",
                 *[_md(g.title) for g in inv.policy.guards], "record", "status"]
        out.append("| " + " | ".join(heads) + " |")
        out.append("|" + "---|" * len(heads))
        for d in _review_order(inv):
            cells = [
                f"[{d.id}](#{d.id.lower()})",
                f"[{_code(f'{d.path}:{d.line}')}]({_md_href(view.link(f'{d.path}:{d.line}'))}) {_md(_sink_short(d))}",
                _code(d.function),
                ", ".join(_code(e) for e in d.entry_points) or "\u2014",
                _fields_md(d),
                *[_badge_md(g.status) for g in d.guards],
                _badge_md(d.transparency.status),
                _badge_md(d.status) + (f" {', '.join(_shown_codes(d))}" if _shown_codes(d) else "")
                + ("" if d.reachable else " (unreachable)"),
            ]
            out.append("| " + " | ".join(cells) + " |")
        out.append("")
    for d in _review_order(inv):
        out += _disclosure_md(d, view, tiers)
    return "\n".join(out).rstrip("\n") + "\n"


def _excerpt_md(d: DisclosureEntry, view: View) -> list[str]:
    out: list[str] = []
    for ex in excerpts(d, view.reader()):
        out += [f"{_code(ex.path, False)}" + (f": {_md(ex.missing)}" if ex.missing else ""), ""]
        if ex.missing:
            continue
        width = max(len(str(line.number)) for line in ex.lines if line is not None)
        body: list[str] = []
        for line in ex.lines:
            if line is None:
                body.append("  " + "\u22ee".rjust(width) + " \u2502")
                continue
            mark = _GUTTER[line.mark] or " "
            why = f"    \u2190 {'; '.join(line.notes)}" if line.notes else ""
            body.append(f"{mark} {str(line.number).rjust(width)} \u2502 {line.text}{why}")
        if ex.truncated:
            body.append("  (more marked lines are not shown)")
        longest = max((len(run) for text in body for run in re.findall(r"`+", text)), default=0)
        fence = "`" * max(3, longest + 1)
        out += [fence + "text", *body, fence, ""]
    return out


def _disclosure_md(d: DisclosureEntry, view: View, tiers: dict[str, PolicyTier]) -> list[str]:
    out = [
        f'<a id="{d.id.lower()}"></a>',
        "",
        f"### {d.id} \u00b7 {_md(d.sink)} \u00b7 {_badge_md(d.status)}",
        "",
        f"[{_code(f'{d.path}:{d.line}:{d.column}', False)}]({_md_href(view.link(f'{d.path}:{d.line}'))}) in "
        f"{_code(d.function, False)} "
        f"({_code(d.module, False)})" + (", a disclosure function (an entry point itself)"
                                          if d.disclosure_function else ""),
        "",
    ]
    if not d.reachable:
        out += [f"**Unreachable:** {UNREACHABLE}", ""]
    if d.codes:
        out += [f"Reported: {', '.join(d.codes)}", ""]
    for sup in d.suppressed:
        reason = _md(sup.reason) if sup.reason else "**no reason given** (MIN901)"
        out += [f"Suppressed: {sup.code} at {_code(sup.where, False)} \u2014 {reason}", ""]
    out += ["**Call chains** (entry point first):", ""]
    for i, chain in enumerate(d.chains, 1):
        hops = " \u2192 ".join(
            f"{_code(s.function + '()', False)} ({_md(_short(f'{s.path}:{s.calls_at}', d.path))})"
            for s in chain.steps)
        note = {"disclosure-function": "disclosure function", "no-callers": "no callers in the checked code",
                "module": "module-level code", "cycle": "the calls loop",
                "depth-limit": f"cut after {DEPTH_CAP} calls"}[chain.start]
        if chain.callers_unknown:
            note += "; also used where its callers cannot be followed"
        out.append(f"{i}. {hops} \u2192 {_md(d.sink)} \u2014 {_md(note)}")
    if d.chains_truncated:
        out.append(f"\n_Only the first {CHAIN_CAP} call chains are listed._")
    out.append("")
    out += ["**Code** (\u2717 offending line, \u25b6 the disclosure, \u2713 an allowed field):", ""]
    out += _excerpt_md(d, view)
    out += ["**Exported**:", ""]
    if d.fields or d.exports:
        tiered = bool(tiers)
        out += ["| field | category | fideslang | status | " + ("instrument (per path) | " if tiered else "")
                + "where | via |", "|---|---|---|---|" + ("---|" if tiered else "") + "---|---|"]
        for f in d.fields:
            instrument = (("<br>".join(_md(w) for w in _instrument_words(f, tiers)) or DASH) + " | " if tiered else "")
            out.append(
                f"| {_code(f.name)} | {_md(f.category or DASH)} | {_code(f.fides) if f.fides else DASH} "
                f"| {_badge_md(_field_status(f))} | {instrument}{_code(f.where)} | {_md(f.via) or DASH} |")
        for o in d.exports:
            kind = "whole record" if o.kind == "whole" else "dynamic"
            what = _md(o.what)
            if o.record_fields is not None:
                what += (f"<br>{_md(o.record or 'the record')} holds: "
                         + (", ".join(_code(n) for n in o.record_fields) or "no fields"))
            out.append(f"| {what} | {kind} | \u2014 | \u2717 {o.code} | " + ("\u2014 | " if tiered else "")
                       + f"{_code(o.where)} | {_md(o.via) or DASH} |")
    else:
        out.append("Nothing but constants.")
    out += ["", "**Checks**:", "", "| check | code | status | where / why |", "|---|---|---|---|"]
    for g in d.guards:
        out.append(f"| {_md(g.title)} | {g.code} | {_badge_md(g.status)} | {_checks_md(g.status, g.checks, g.through_callers, g.why, g.via, d)}"
                   + "".join(f"<br>{w.code} at {_code(w.where)}: {_md(w.detail)}" for w in g.weak) + " |")
    r = d.transparency
    out.append(f"| transparency record | MIN301 | {_badge_md(r.status)} | "
               f"{_checks_md(r.status, r.checks, r.through_callers, r.why, r.via, d, NOT_RECORDED)} |")
    out += ["", "```mermaid", render_mermaid(d).rstrip("\n"), "```", ""]
    return out


# A missing record is a record that is not made, not a check that is not
# made before the disclosure: it may come after it (SPEC 2.4).
NO_CHECK = "no check before the disclosure"
NOT_RECORDED = "not recorded for the transparency report on every path"


def _checks_md(status: str, checks: list[CheckSite], through: bool, why: str, via: str,
               d: DisclosureEntry, missing: str = NO_CHECK) -> str:
    parts = [f"{_code(s.text)} at {_code(s.where)}" + (f" in {_code(s.function)}" if s.function != d.function else "")
             + (f" ({_md(s.note)})" if s.note else "") for s in checks]
    if not d.reachable and not parts:
        parts.append("vacuously: the disclosure is unreachable")
    if status == "missing":
        parts += [_md(x) for x in (why, via) if x] or ([missing] if not checks else [])
    elif through:
        parts.append("made by every caller")
    return "<br>".join(parts) or "\u2014"


# -- SVG and HTML ------------------------------------------------------------

# Text is drawn in a monospace font so that its width can be computed here:
# an SVG <text> does not wrap or report its size without a script.
CHAR_PX = 7.3  # DejaVu Sans Mono / Menlo / Consolas advance at 12px, with a margin
LINE_PX = 16
PAD_X, PAD_Y = 10, 8
BOX_GAP = 10
COL_GAP = 72
GROUP_PAD, GROUP_HEAD = 10, 22
MARGIN = 12
SINK_INSET = 6

SVG_TONES = {  # fill, stroke, text
    "neutral": ("#eef2f7", "#5a6b85", "#1f2937"),
    "entry": ("#e3ecfa", "#2f5fa7", "#0f2a55"),
    "holds": ("#e4f5e8", "#22863a", "#0b3d1a"),
    "allowed": ("#e4f5e8", "#22863a", "#0b3d1a"),
    "weak": ("#fff5d6", "#b08800", "#4d3800"),
    "missing": ("#fde7e9", "#cf222e", "#5c0a10"),
    "violation": ("#fde7e9", "#cf222e", "#5c0a10"),
    "context": ("#f2f2f2", "#888888", "#333333"),
    "sink": ("#efe9fb", "#6f42c1", "#2c1566"),
}


def _e(text: object) -> str:
    return html.escape(str(text), quote=True)


@dataclass
class _Placed:
    x: float
    y: float
    w: float
    h: float


def render_svg(d: DisclosureEntry) -> str:
    """The path's diagram as one inline <svg>: columns of boxes, left to right."""
    dia = _diagram(d)
    wrapped: dict[str, list[str]] = {}
    col_w: list[float] = []
    col_h: list[float] = []
    for col in dia.columns:
        widest = 0
        height = 0.0
        for box in col.boxes:
            lines = _wrap(box.title, col.width) + [p for line in box.lines for p in _wrap(line, col.width)]
            wrapped[box.id] = lines
            widest = max(widest, *(len(line) for line in lines))
            height += 2 * PAD_Y + LINE_PX * len(lines) + BOX_GAP
        height -= BOX_GAP
        w = max(110.0, widest * CHAR_PX + 2 * PAD_X)
        if any(box.shape == "sink" for box in col.boxes):
            w += 2 * SINK_INSET  # the text sits inside the subroutine's inner lines
        if col.group_id:
            w += 2 * GROUP_PAD
            height += GROUP_HEAD + GROUP_PAD
        col_w.append(w)
        col_h.append(height)
    total_h = max(col_h) + 2 * MARGIN
    total_w = sum(col_w) + COL_GAP * (len(col_w) - 1) + 2 * MARGIN

    placed: dict[str, _Placed] = {}
    body: list[str] = []
    x = float(MARGIN)
    for col, w, h in zip(dia.columns, col_w, col_h, strict=False):
        top = (total_h - h) / 2
        inner_x, inner_w, y = x, w, top
        if col.group_id:
            placed[col.group_id] = _Placed(x, top, w, h)
            body.append(f'<rect x="{x:.1f}" y="{top:.1f}" width="{w:.1f}" height="{h:.1f}" rx="8" '
                        f'fill="#fbfcfe" stroke="#9aa5b8" stroke-dasharray="5 4"/>')
            body.append(f'<text x="{x + GROUP_PAD:.1f}" y="{top + 15:.1f}" class="gt">{_e(col.group_title)}</text>')
            inner_x, inner_w, y = x + GROUP_PAD, w - 2 * GROUP_PAD, top + GROUP_HEAD
        for box in col.boxes:
            lines = wrapped[box.id]
            bh = 2 * PAD_Y + LINE_PX * len(lines)
            placed[box.id] = _Placed(inner_x, y, inner_w, bh)
            fill, stroke, ink = SVG_TONES[box.tone]
            radius = {"function": 14 if box.tone == "entry" else 4, "check": 10, "sink": 2, "field": 4}[box.shape]
            body.append(f'<g><title>{_e(box.tooltip or box.title)}</title>')
            body.append(f'<rect x="{inner_x:.1f}" y="{y:.1f}" width="{inner_w:.1f}" height="{bh:.1f}" '
                        f'rx="{radius}" fill="{fill}" stroke="{stroke}" stroke-width="1.5"/>')
            if box.shape == "sink":  # a subroutine's double edges: where the data leaves
                for off in (SINK_INSET, inner_w - SINK_INSET):
                    body.append(f'<line x1="{inner_x + off:.1f}" y1="{y:.1f}" x2="{inner_x + off:.1f}" '
                                f'y2="{y + bh:.1f}" stroke="{stroke}" stroke-width="1"/>')
            title_lines = len(_wrap(box.title, col.width))
            for i, line in enumerate(lines):
                cls = "bt" if i < title_lines else "bl"
                body.append(f'<text x="{inner_x + PAD_X + (SINK_INSET if box.shape == "sink" else 0):.1f}" '
                            f'y="{y + PAD_Y + LINE_PX * i + 12:.1f}" class="{cls}" fill="{ink}">{_e(line)}</text>')
            body.append("</g>")
            y += bh + BOX_GAP
        x += w + COL_GAP

    marker = f"arrow-{d.id}"
    arrows: list[str] = []
    for src, dst, label in dia.edges:
        a, b = placed.get(src), placed.get(dst)
        if a is None or b is None:
            continue
        x1, y1 = a.x + a.w, a.y + a.h / 2
        x2, y2 = b.x - 2, b.y + b.h / 2
        dx = (x2 - x1) / 2
        arrows.append(f'<path d="M{x1:.1f},{y1:.1f} C{x1 + dx:.1f},{y1:.1f} {x2 - dx:.1f},{y2:.1f} '
                      f'{x2:.1f},{y2:.1f}" fill="none" stroke="#56627a" stroke-width="1.5" '
                      f'marker-end="url(#{marker})"/>')
        if label:
            # at the source end: edges into one box converge, their starts do not
            arrows.append(f'<text x="{x1 + 6:.1f}" y="{y1 - 5:.1f}" class="el">{_e(label)}</text>')
    title = f"{d.id}: {d.sink} at {d.path}:{d.line}, {d.status}"
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" class="diagram" role="img" aria-labelledby="t-{d.id}" '
        f'width="{total_w:.0f}" height="{total_h:.0f}" viewBox="0 0 {total_w:.0f} {total_h:.0f}">'
        f'<title id="t-{d.id}">{_e(title)}</title>'
        f'<defs><marker id="{marker}" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" '
        f'orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="#56627a"/></marker></defs>'
        + "".join(arrows) + "".join(body) + "</svg>"
    )


CSS = """
:root { --ink:#1f2937; --muted:#5b6578; --line:#d5dae3; --bg:#ffffff; --soft:#f6f8fb; }
* { box-sizing: border-box; }
[hidden] { display: none !important; }
body { margin: 0; padding: 24px 32px 48px; color: var(--ink); background: var(--bg);
  font: 14px/1.45 system-ui, -apple-system, "Segoe UI", "DejaVu Sans", "Liberation Sans", sans-serif; }
h1 { font-size: 24px; margin: 0 0 4px; }
h2 { font-size: 18px; margin: 32px 0 10px; }
h3 { font-size: 16px; margin: 0 0 6px; display: flex; gap: 10px; align-items: baseline; flex-wrap: wrap; }
code, .mono { font-family: "DejaVu Sans Mono", Menlo, Consolas, monospace; font-size: 12.5px; }
.meta { color: var(--muted); margin: 0 0 6px; }
.cards { display: flex; flex-wrap: wrap; gap: 10px; margin: 12px 0 8px; }
.card { border: 1px solid var(--line); border-radius: 8px; padding: 8px 14px; min-width: 120px; background: var(--soft);
  color: inherit; }
a.card:hover { text-decoration: none; border-color: #0b57d0; }
.card b { display: block; font-size: 22px; }
.card span { color: var(--muted); font-size: 12px; }
.card.alert b { color: #a40e26; }
table { border-collapse: collapse; width: 100%; margin: 6px 0 12px; }
th, td { border: 1px solid var(--line); padding: 4px 7px; text-align: left; vertical-align: top; }
th { background: var(--soft); font-weight: 600; font-size: 13px; }
td { font-size: 13px; }
td code { overflow-wrap: break-word; }
table.narrow { width: auto; }
td.exports { min-width: 240px; }
.nowrap { white-space: nowrap; }
.table-wrap { overflow-x: auto; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
.badge { display: inline-block; border-radius: 10px; padding: 0 8px; font-size: 12px; font-weight: 600;
  border: 1px solid; white-space: nowrap; }
.holds, .ok, .allowed { background: #e4f5e8; color: #0b3d1a; border-color: #22863a; }
.weak, .suppressed { background: #fff5d6; color: #4d3800; border-color: #b08800; }
.missing, .problems, .violation { background: #fde7e9; color: #5c0a10; border-color: #cf222e; }
.context { background: #f2f2f2; color: #333; border-color: #888; }
.chip { display: inline-block; border-radius: 4px; padding: 0 5px; margin: 1px 2px 1px 0; font-size: 12px;
  border: 1px solid; font-family: "DejaVu Sans Mono", Menlo, Consolas, monospace; }
section.path { border: 1px solid var(--line); border-radius: 10px; padding: 14px 16px; margin: 18px 0; }
section.path.st-problems { border-left: 6px solid #cf222e; }
section.path.st-ok { border-left: 6px solid #22863a; }
section.path.st-suppressed { border-left: 6px solid #b08800; }
.where { color: var(--muted); margin: 0 0 8px; }
.diagram-wrap { overflow-x: auto; margin: 8px 0 10px; background: #fff; }
svg.diagram { display: block; max-width: 100%; height: auto; }
svg.diagram .bt { font: 600 12px "DejaVu Sans Mono", Menlo, Consolas, monospace; }
svg.diagram .bl { font: 12px "DejaVu Sans Mono", Menlo, Consolas, monospace; }
svg.diagram .gt { font: 600 12px system-ui, "DejaVu Sans", sans-serif; fill: #56627a; }
svg.diagram .el { font: 11px "DejaVu Sans Mono", Menlo, Consolas, monospace; fill: #39465e;
  paint-order: stroke; stroke: #fff; stroke-width: 4px; }
.details { max-width: 1200px; }
.details h4 { margin: 6px 0 4px; font-size: 13px; text-transform: uppercase; letter-spacing: .04em; color: var(--muted); }
ol.chains { margin: 0 0 8px; padding-left: 22px; }
.note { color: var(--muted); font-size: 12.5px; }
.legend { display: flex; flex-wrap: wrap; gap: 8px; align-items: center; color: var(--muted); font-size: 12.5px; }
a { color: #0b57d0; text-decoration: none; }
a:hover { text-decoration: underline; }
form.filters { display: flex; flex-wrap: wrap; gap: 8px 16px; align-items: center; margin: 6px 0 8px; padding: 8px 10px;
  border: 1px solid var(--line); border-radius: 8px; background: var(--soft); font-size: 13px; }
form.filters input[type=search] { width: 16em; }
.excerpt { border: 1px solid var(--line); border-radius: 6px; margin: 4px 0 10px; overflow-x: auto; }
.excerpt-head { background: var(--soft); border-bottom: 1px solid var(--line); padding: 2px 8px; font-size: 12.5px; }
table.code { margin: 0; width: 100%; border: 0; }
table.code td { border: 0; padding: 0 6px; font: 12.5px/1.5 "DejaVu Sans Mono", Menlo, Consolas, monospace; }
table.code td.ln { text-align: right; color: var(--muted); width: 1%; white-space: nowrap; user-select: none; }
table.code td.ln a { color: inherit; }
table.code td.gut { width: 1%; white-space: nowrap; font-weight: 700; }
table.code td.src { white-space: pre; }
table.code tr.m-problem td { background: #fde7e9; }
table.code tr.m-problem td.gut { color: #a40e26; }
table.code tr.m-sink td { background: #efe9fb; }
table.code tr.m-field td { background: #f1f8f3; }
table.code tr.gap td { color: var(--muted); background: var(--soft); }
table.code .why { color: #5c0a10; font-family: system-ui, "DejaVu Sans", sans-serif; font-size: 12px; white-space: normal; }
table.code tr.m-sink .why, table.code tr.m-field .why { color: var(--muted); }
@media print {
  @page { margin: 12mm 10mm; }
  body { padding: 0; font-size: 10pt; }
  form.filters, .noprint { display: none !important; }
  .table-wrap, .diagram-wrap, .excerpt { overflow: visible; }
  a { color: inherit; }
  /* the paths table fits the page: fixed columns, long names wrap anywhere */
  table.summary { table-layout: fixed; width: 100%; }
  table.summary th, table.summary td { padding: 2px 3px; font-size: 7.5pt; overflow-wrap: anywhere; }
  table.summary code, table.summary .chip, table.summary .nowrap { white-space: normal; overflow-wrap: anywhere;
    font-size: 7pt; }
  table.summary .badge { white-space: normal; overflow-wrap: normal; padding: 0 3px; font-size: 7pt; }
  td.exports { min-width: 0; }
  table.summary tr { break-inside: avoid; }
  col.c-id { width: 4%; } col.c-where { width: 15%; } col.c-fn { width: 12%; } col.c-exports { width: 16%; }
  col.c-status { width: 12%; }
  /* a header word wider than its column (many instrument checks) breaks, rather than run into the next */
  table.summary th { overflow-wrap: break-word; }
  .details td, .details th { overflow-wrap: break-word; font-size: 8.5pt; }
  table.code td.src { white-space: pre-wrap; overflow-wrap: anywhere; }
  table.code td { font-size: 8pt; }
  section.path { break-inside: auto; }
  h2, h3, h4 { break-after: avoid; }
}
"""

# Filters the rows with scripts on; every row is there with scripts off. The
# script only reads the page (data-* attributes and text), so nothing from
# the checked code is ever part of it, and the page's CSP admits it by hash.
SCRIPT = """(function () {
  var form = document.getElementById("filters");
  if (!form) { return; }
  var status = document.getElementById("f-status"), kind = document.getElementById("f-kind"),
      path = document.getElementById("f-path"), query = document.getElementById("f-q"),
      count = document.getElementById("f-count");
  var rows = Array.prototype.slice.call(document.querySelectorAll("tr[data-id]"));
  function apply() {
    var st = status.value, k = kind.value, p = path.value.toLowerCase(), q = query.value.toLowerCase(), shown = 0;
    rows.forEach(function (row) {
      var section = document.getElementById(row.getAttribute("data-id"));
      var tags = " " + row.getAttribute("data-tags") + " ";
      var text = (row.textContent + " " + (section ? section.textContent : "")).toLowerCase();
      var on = (!st || tags.indexOf(" status:" + st + " ") >= 0) && (!k || tags.indexOf(" " + k + " ") >= 0) &&
               (!p || row.getAttribute("data-path").toLowerCase().indexOf(p) >= 0) && (!q || text.indexOf(q) >= 0);
      row.hidden = !on;
      if (section) { section.hidden = !on; }
      if (on) { shown += 1; }
    });
    count.textContent = shown + " of " + rows.length + " paths shown";
  }
  [status, kind, path, query].forEach(function (el) {
    el.addEventListener("input", apply);
    el.addEventListener("change", apply);
  });
  form.addEventListener("submit", function (ev) { ev.preventDefault(); });
  Array.prototype.forEach.call(document.querySelectorAll("a[data-status]"), function (card) {
    card.addEventListener("click", function () {
      status.value = card.getAttribute("data-status");
      kind.value = card.getAttribute("data-kind");
      path.value = "";
      query.value = "";
      apply();
    });
  });
  form.hidden = false;
  apply();
})();"""

_MARK_WORD = {"holds": "holds", "weak": "weak", "missing": "missing", "ok": "ok", "problems": "problems",
              "suppressed": "suppressed"}
_GUTTER = {"problem": "\u2717", "sink": "\u25b6", "field": "\u2713", "": ""}


def _csp() -> str:
    digest = base64.b64encode(hashlib.sha256(SCRIPT.encode("utf-8")).digest()).decode("ascii")
    # nothing is fetched, nothing is sent: only this page's own style and script run
    return (f"default-src 'none'; style-src 'unsafe-inline'; script-src 'sha256-{digest}'; "
            "img-src data:; form-action 'none'; base-uri 'none'")


def _badge(status: str, extra: str = "") -> str:
    mark = STATUS_MARK.get(status, "")
    return f'<span class="badge {_e(status)}">{_e(mark)} {_e(_MARK_WORD.get(status, status))}{_e(extra)}</span>'


def _instrument_words(f: ExportedField, tiers: dict[str, PolicyTier]) -> list[str]:
    """Per class of paths through the field's origin: the instrument it was
    exported under, or why there was none (issue 18)."""
    if f.context or not tiers:
        return []
    if f.allowed:
        return ["allowed without an instrument"]
    if f.instruments is None:
        return []
    opening = [t.id for t in tiers.values() if f.category is not None and f.category in t.allowed]
    needs = f"needs {' or '.join(opening)}" if opening else "no instrument of the policy opens it"
    out: list[str] = []
    for holding in f.instruments:
        under = [t for t in holding if t in tiers and f.category is not None and f.category in tiers[t].allowed]
        if under:
            out.append(f"under {' or '.join(under)}")
        elif holding:
            out.append(f"not under {', '.join(holding)}: {needs}")
        else:
            out.append(f"no instrument holds (MIN200); {needs}")
    return out


def _chips(d: DisclosureEntry, tiers: dict[str, PolicyTier] | None = None) -> str:
    out: list[str] = []
    for f in d.fields:
        status = _field_status(f)
        tone = "context" if f.context else "allowed" if f.allowed else "violation"
        tip = "; ".join([f.category or "no category", status, f.where, *_instrument_words(f, tiers or {})])
        out.append(f'<span class="chip {tone}" title="{_e(tip)}">{_e(f.name)} {_e(STATUS_MARK[status])}</span>')
    for o in d.exports:
        label = "whole record" if o.kind == "whole" else "dynamic"
        out.append(f'<span class="chip violation" title="{_e(o.what)}; {_e(o.where)}">{_e(label)} \u2717</span>')
    return "".join(out) or '<span class="note">nothing</span>'


def _where(where: str, view: View, text: str | None = None) -> str:
    """``path:line`` as a link to the file."""
    return f'<a href="{_e(view.link(where))}"><code>{_e(text if text is not None else where)}</code></a>'


def _sites_html(status: str, checks: list[CheckSite], through: bool, why: str, via: str,
                d: DisclosureEntry, view: View, missing: str = NO_CHECK) -> str:
    parts = []
    for s in checks:
        text = f"<code>{_e(s.text)}</code> at {_where(s.where, view)}"
        if s.function != d.function:
            text += f" in <code>{_e(s.function)}</code>"
        if s.note:
            text += f' <span class="note">({_e(s.note)})</span>'
        parts.append(text)
    if not d.reachable and not parts:
        parts.append('<span class="note">vacuously: the disclosure is unreachable</span>')
    if status == "missing":
        parts += [_e(x) for x in (why, via) if x] or ([] if checks else [missing])
    elif through:
        parts.append('<span class="note">made by every caller</span>')
    return "<br>".join(parts) or "\u2014"


def _tags(d: DisclosureEntry) -> list[str]:
    """What the filters match a path by."""
    tags = [f"status:{d.status}", *(f"code:{c}" for c in d.codes), *(f"code:{s.code}" for s in d.suppressed)]
    if any(not s.reason for s in d.suppressed):
        tags.append("code:MIN901")
    if any(not f.allowed and not f.context for f in d.fields):
        tags.append("has:disallowed")
    if d.exports:
        tags.append("has:other")
    if d.transparency.status == "missing":
        tags.append("record:missing")
    return list(dict.fromkeys(tags))


_KINDS = (("has:disallowed", "fields not allowed"), ("has:other", "whole / dynamic exports"),
          ("record:missing", "not recorded"))


def _provenance_html(made: Provenance | None) -> list[str]:
    if made is None:
        return []
    parts = []
    if made.commit:
        parts.append(f"commit <code>{_e(made.commit)}</code>"
                     + (" <b>with uncommitted changes</b>" if made.dirty else ""))
    else:
        parts.append("not a git checkout: no commit")
    parts.append(f"made <time>{_e(made.date)}</time>")
    parts.append(f"by <code>{_e(made.command)}</code>")
    return [f'<p class="meta provenance">{MIDDOT.join(parts)}</p>']


def _cards(inv: Inventory, order: list[DisclosureEntry]) -> list[str]:
    s = inv.summary
    tags = {d.id: set(_tags(d)) for d in order}

    def first(status: str, kind: str) -> str:
        for d in order:
            if (not status or f"status:{status}" in tags[d.id]) and (not kind or kind in tags[d.id]):
                return f"#row-{d.id}"
        return "#paths"

    cards = [
        (s.disclosures, "disclosure paths", "", ""), (s.entry_points, "entry points", "", ""),
        (s.ok, "ok", "ok", ""), (s.problems, "with problems", "problems", ""),
        (s.suppressed, "suppressed", "suppressed", ""), (s.disallowed_fields, "fields not allowed", "", "has:disallowed"),
        (s.whole_records + s.dynamic_exports, "whole / dynamic exports", "", "has:other"),
        (s.transparency["missing"], "not recorded", "", "record:missing"),
    ]
    out = ['<section class="cards" aria-label="Summary">']
    for n, label, status, kind in cards:
        alert = " alert" if n and (status == "problems" or kind) else ""
        # with scripts off the card leads to its first row; with them, it also filters the table
        out.append(f'<a class="card{alert}" href="{first(status, kind) if (status or kind) else "#paths"}" '
                   f'data-status="{_e(status)}" data-kind="{_e(kind)}"><b>{n}</b><span>{_e(label)}</span></a>')
    out.append("</section>")
    return out


def _filters(order: list[DisclosureEntry]) -> list[str]:
    codes = sorted({t[5:] for d in order for t in _tags(d) if t.startswith("code:")})
    kinds = "".join(f'<option value="{_e(v)}">{_e(w)}</option>' for v, w in _KINDS)
    kinds += "".join(f'<option value="code:{_e(c)}">{_e(c)}</option>' for c in codes)
    statuses = "".join(f'<option value="{s}">{s}</option>' for s in ("problems", "suppressed", "ok"))
    return [
        # hidden until the script runs: with scripts off there is nothing to filter with, and every row shows
        '<form id="filters" class="filters" hidden role="search" aria-label="Filter the paths">',
        f'<label>status <select id="f-status"><option value="">any</option>{statuses}</select></label>',
        f'<label>code <select id="f-kind"><option value="">any</option>{kinds}</select></label>',
        '<label>path <input id="f-path" type="text" placeholder="part of a path"></label>',
        '<label>search <input id="f-q" type="search" placeholder="field, function, check\u2026"></label>',
        '<span id="f-count" class="note" aria-live="polite"></span>',
        "</form>",
    ]


def _print_columns(checks: int) -> str:
    # on paper the check columns share what the fixed ones leave (col.c-* in CSS)
    width = (100 - 4 - 15 - 12 - 16 - 12) / max(checks, 1)
    return f"@media print {{ col.c-check {{ width: {width:.2f}%; }} }}\n"


def render_html(inv: Inventory, view: View | None = None) -> str:
    view = view or View()
    s = inv.summary
    guards = inv.policy.guards
    order = _review_order(inv)
    tiers = {t.id: t for t in inv.policy.tiers}
    out: list[str] = [
        "<!DOCTYPE html>",
        '<html lang="en">',
        "<head>",
        '<meta charset="utf-8">',
        f'<meta http-equiv="Content-Security-Policy" content="{_e(_csp())}">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>Disclosure inventory \u2014 {_e(inv.policy.name)}</title>",
        f"<style>{CSS}{_print_columns(len(guards) + 1)}</style>",
        "</head>",
        "<body>",
        "<header>",
        "<h1>Disclosure inventory</h1>",
        (f'<p class="meta">minlint {_e(inv.version)} \u00b7 policy <code>{_e(inv.policy.name)}</code> \u00b7 '
        f"paths checked: {', '.join(f'<code>{_e(p)}</code>' for p in inv.paths)} \u00b7 {s.files} files</p>"),
        *_provenance_html(view.provenance),
        "</header>",
        *_cards(inv, order),
    ]
    out.append('<div class="legend">Legend: ' + "".join(
        _badge(x) for x in ("holds", "weak", "missing")) + " checks \u00b7 " + "".join(
        f'<span class="chip {t}">{_e(w)}</span>' for t, w in (
            ("allowed", "allowed field \u2713"), ("context", "context \u00b7"), ("violation", "not allowed \u2717")))
        + "</div>")
    out += ["<h2>Checks</h2>", ('<table class="narrow"><thead><tr><th>check</th><th>code</th><th>holds</th>'
            "<th>weak</th><th>missing</th></tr></thead><tbody>")]
    for g in guards:
        c = s.guards.get(g.id, GuardCount())
        out.append(f"<tr><td>{_e(g.title)}</td><td>{_e(g.code)}</td><td class=\"num\">{c.holds}</td>"
                   f"<td class=\"num\">{c.weak}</td><td class=\"num\">{c.missing}</td></tr>")
    out.append(f"<tr><td>transparency record</td><td>MIN301</td><td class=\"num\">{s.transparency['holds']}</td>"
               f"<td class=\"num\">\u2014</td><td class=\"num\">{s.transparency['missing']}</td></tr>")
    out.append("</tbody></table>")
    if tiers:
        out += ["<h2>Legal instruments</h2>", '<table class="narrow"><thead><tr><th>instrument</th><th>title</th>'
                "<th>requires</th><th>opens</th></tr></thead><tbody>"]
        out += [f"<tr><td><code>{_e(t.id)}</code></td><td>{_e(t.title)}</td><td>{_e(', '.join(t.requires))}</td>"
                f"<td>{_e(', '.join(t.allowed))}</td></tr>" for t in tiers.values()]
        out.append("</tbody></table>")
    if inv.unreadable:
        out.append("<h2>Files that could not be read</h2><ul>")
        out += [f"<li>{_where(f'{u.path}:{u.line}', view)} {_e(u.reason)}</li>" for u in inv.unreadable]
        out.append("</ul>")

    out.append('<h2 id="paths">All disclosure paths</h2>')
    if not inv.disclosures:
        out.append('<p class="note">No disclosure paths found.</p>')
    else:
        out += _filters(order)
        heads = ["ID", "disclosure", "function \u2190 entry points", "exports",
                 *[g.title for g in guards], "record", "status"]
        cols = ["c-id", "c-where", "c-fn", "c-exports", *["c-check"] * len(guards), "c-check", "c-status"]
        out.append('<div class="table-wrap"><table class="summary"><colgroup>'
                   + "".join(f'<col class="{c}">' for c in cols) + "</colgroup><thead><tr>"
                   + "".join(f"<th>{_e(h)}</th>" for h in heads) + "</tr></thead><tbody>")
        for d in order:
            cells = [
                f'<a href="#{_e(d.id)}">{_e(d.id)}</a>',
                f'<a href="{_e(view.link(f"{d.path}:{d.line}"))}"><code class="nowrap">{_e(d.path)}:{d.line}</code></a>'
                f"<br>{_e(_sink_short(d))}",
                f"<code>{_e(d.function)}</code>" + (
                    "" if d.entry_points == [d.function] else '<br><span class="note">\u2190</span> '
                    + ", ".join(f"<code>{_e(e)}</code>" for e in d.entry_points)),
                _chips(d, tiers),
                *[_badge(g.status) for g in d.guards],
                _badge(d.transparency.status),
                _badge(d.status) + (f'<br><span class="note">{_e(", ".join(_shown_codes(d)))}</span>'
                                     if _shown_codes(d) else "")
                + ('<br><span class="note">unreachable</span>' if not d.reachable else ""),
            ]
            classes = ["", "", "", ' class="exports"'] + [""] * (len(cells) - 4)
            out.append(f'<tr id="row-{_e(d.id)}" data-id="{_e(d.id)}" data-path="{_e(d.path)}" '
                       f'data-tags="{_e(" ".join(_tags(d)))}">'
                       + "".join(f"<td{k}>{c}</td>" for k, c in zip(classes, cells, strict=False)) + "</tr>")
        out.append("</tbody></table></div>")

    for d in order:
        out += _disclosure_html(d, view, tiers)
    out += [('<footer class="note">Generated by minlint inventory. Statuses are computed statically from the code; '
            "<code># noqa</code> suppressions are shown, not hidden. Code excerpts are read from the checked files "
            "when the report was made.</footer>")]
    if inv.disclosures:
        out.append(f"<script>{SCRIPT}</script>")
    out += ["</body>", "</html>"]
    # ASCII with character references: the file reads the same whatever
    # encoding a viewer or a mail gateway assumes
    return "\n".join(out).encode("ascii", "xmlcharrefreplace").decode("ascii") + "\n"


def _excerpt_html(d: DisclosureEntry, view: View) -> list[str]:
    out: list[str] = []
    for ex in excerpts(d, view.reader()):
        head = f'<div class="excerpt-head">{_where(ex.path, view)}</div>'
        if ex.missing:
            out.append(f'<div class="excerpt">{head}<p class="note">{_e(ex.missing)}</p></div>')
            continue
        rows: list[str] = []
        for line in ex.lines:
            if line is None:
                rows.append('<tr class="gap"><td class="ln">\u22ee</td><td class="gut"></td><td class="src"></td></tr>')
                continue
            why = (f' <span class="why">\u2190 {_e("; ".join(line.notes))}</span>' if line.notes else "")
            rows.append(f'<tr class="m-{line.mark or "none"}"><td class="ln"><a href="{_e(view.link(f"{ex.path}:{line.number}"))}">'
                        f'{line.number}</a></td><td class="gut">{_e(_GUTTER[line.mark])}</td>'
                        f'<td class="src">{_e(line.text)}{why}</td></tr>')
        if ex.truncated:
            rows.append('<tr class="gap"><td class="ln"></td><td class="gut"></td>'
                        '<td class="src">more marked lines are not shown</td></tr>')
        out.append(f'<div class="excerpt">{head}<table class="code"><tbody>{"".join(rows)}</tbody></table></div>')
    return out


def _disclosure_html(d: DisclosureEntry, view: View, tiers: dict[str, PolicyTier]) -> list[str]:
    out = [
        f'<section class="path st-{_e(d.status)}" id="{_e(d.id)}">',
        f"<h3><span>{_e(d.id)}</span> <span>{_e(d.sink)}</span> {_badge(d.status)}"
        + (f' <span class="note">{_e(", ".join(d.codes))}</span>' if d.codes else "") + "</h3>",
        f'<p class="where">{_where(f"{d.path}:{d.line}", view, f"{d.path}:{d.line}:{d.column}")} in '
        f"<code>{_e(d.function)}</code> (<code>{_e(d.module)}</code>)"
        + (" \u00b7 a disclosure function: an entry point itself" if d.disclosure_function else "") + "</p>",
    ]
    if not d.reachable:
        out.append(f'<p class="note"><b>Unreachable:</b> {_e(UNREACHABLE)}</p>')
    for sup in d.suppressed:
        reason = _e(sup.reason) if sup.reason else "<b>no reason given</b> (MIN901)"
        out.append(f'<p class="note">Suppressed {_e(sup.code)} at {_where(sup.where, view)}: {reason}</p>')
    out.append(f'<div class="diagram-wrap">{render_svg(d)}</div>')
    out.append('<div class="details"><div>')
    out.append("<h4>Code</h4>")
    out += _excerpt_html(d, view)
    out.append("<h4>Call chains (entry point first)</h4><ol class=\"chains\">")
    notes = {"disclosure-function": "disclosure function", "no-callers": "no callers in the checked code",
             "module": "module-level code", "cycle": "the calls loop", "depth-limit": f"cut after {DEPTH_CAP} calls"}
    for chain in d.chains:
        hops = " \u2192 ".join(f"<code>{_e(st.function)}()</code> <span class=\"note\">"
                               f"{_e(_short(f'{st.path}:{st.calls_at}', d.path))}</span>" for st in chain.steps)
        note = notes[chain.start] + ("; also used where its callers cannot be followed" if chain.callers_unknown else "")
        out.append(f"<li>{hops} \u2192 {_e(d.sink)} <span class=\"note\">({_e(note)})</span></li>")
    out.append("</ol>")
    if d.chains_truncated:
        out.append(f'<p class="note">Only the first {CHAIN_CAP} call chains are listed.</p>')
    out.append("<h4>Checks</h4><table><thead><tr><th>check</th><th>code</th><th>status</th>"
               "<th>where / why</th></tr></thead><tbody>")
    for g in d.guards:
        weak = "".join(f"<br>{_e(w.code)} at {_where(w.where, view)}: {_e(w.detail)}" for w in g.weak)
        out.append(f"<tr><td>{_e(g.title)}</td><td>{_e(g.code)}</td><td>{_badge(g.status)}</td>"
                   f"<td>{_sites_html(g.status, g.checks, g.through_callers, g.why, g.via, d, view)}{weak}</td></tr>")
    r = d.transparency
    out.append(f"<tr><td>transparency record</td><td>MIN301</td><td>{_badge(r.status)}</td>"
               f"<td>{_sites_html(r.status, r.checks, r.through_callers, r.why, r.via, d, view, NOT_RECORDED)}</td></tr>")
    out.append("</tbody></table></div><div>")
    out.append("<h4>Exported</h4>")
    if d.fields or d.exports:
        tiered = bool(tiers)
        out.append("<table><thead><tr><th>field</th><th>category</th><th>fideslang</th><th>status</th>"
                   + ("<th>instrument (per path)</th>" if tiered else "") + "<th>where</th></tr></thead><tbody>")
        for f in d.fields:
            status = _field_status(f)
            tone = "context" if f.context else "allowed" if f.allowed else "violation"
            via = f'<br><span class="note">{_e(f.via)}</span>' if f.via else ""
            instrument = ("<td>" + ("<br>".join(_e(w) for w in _instrument_words(f, tiers)) or DASH) + "</td>"
                          if tiered else "")
            out.append(f"<tr><td><code>{_e(f.name)}</code></td><td>{_e(f.category or DASH)}</td>"
                       f"<td>{'<code>' + _e(f.fides) + '</code>' if f.fides else DASH}</td>"
                       f'<td><span class="badge {tone}">{_e(STATUS_MARK[status])} {_e(status)}</span></td>'
                       f"{instrument}<td>{_where(f.where, view)}{via}</td></tr>")
        for o in d.exports:
            kind = "whole record" if o.kind == "whole" else "dynamic"
            via = f'<br><span class="note">{_e(o.via)}</span>' if o.via else ""
            what = _e(o.what)
            if o.record_fields is not None:
                what += (f'<br><span class="note">{_e(o.record or "the record")} holds: </span>'
                         + (", ".join(f"<code>{_e(n)}</code>" for n in o.record_fields) or "no fields"))
            out.append(f"<tr><td>{what}</td><td>{kind}</td><td>{DASH}</td>"
                       f'<td><span class="badge violation">\u2717 {_e(o.code)}</span></td>'
                       + ("<td>\u2014</td>" if tiered else "")
                       + f"<td>{_where(o.where, view)}{via}</td></tr>")
        out.append("</tbody></table>")
    else:
        out.append('<p class="note">Nothing but constants.</p>')
    out.append("</div></div></section>")
    return out


# ---------------------------------------------------------------------------
# Entry points


def render_json(inv: Inventory) -> str:
    # ASCII escapes keep the bytes the same whatever the console encoding is
    return json.dumps(inv.to_json(), indent=2, ensure_ascii=True) + "\n"


RENDERERS: dict[str, Callable[[Inventory, View], str]] = {
    "json": lambda inv, view: render_json(inv),
    "md": render_markdown,
    "html": render_html,
}


def render(inv: Inventory, fmt: str, view: View | None = None) -> str:
    return RENDERERS[fmt](inv, view or View())


def command(args: argparse.Namespace, config: Config) -> int:
    """``minlint inventory``: always exit 0; the inventory is a report, not a gate."""
    output = getattr(args, "output", None)
    template = getattr(args, "link_template", None)
    if template is not None:
        check_template(template)  # a usage error before any work
    if output:
        check_output(output, (f.path for f in collect(args.paths, config)))
    view = make_view(args.paths, getattr(args, "argv", None) or ["inventory", *args.paths], output=output,
                     template=template)
    policy = config.load_policy()
    inv = build(args.paths, config, policy)
    text = render(inv, getattr(args, "format", None) or "md", view)
    if output:
        write_output(output, text)
    else:
        # Markdown holds arrows and check marks: write UTF-8 whatever the
        # console claims, as a file redirect would expect
        buffer = getattr(sys.stdout, "buffer", None)
        if buffer is not None:
            sys.stdout.flush()
            buffer.write(text.encode("utf-8"))
            buffer.flush()
        else:
            sys.stdout.write(text)
    s = inv.summary
    sys.stderr.write(
        f"{s.disclosures} disclosure path{'s' if s.disclosures != 1 else ''} in {s.files} "
        f"file{'s' if s.files != 1 else ''}: {s.ok} ok, {s.problems} with problems, {s.suppressed} suppressed\n")
    return 0
