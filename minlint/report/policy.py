"""``minlint policy show``: the merged policy, entry by entry, with the pack
line that wrote each and where it matched in the project (SPEC 10).

An entry of the project's own pack that matched nothing is what MIN902
reports; the listing says so beside it, so a team can see its vocabulary is
alive before the gate tells it otherwise.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from minlint.policy.pack import Policy

if TYPE_CHECKING:
    from minlint.analysis.liveness import Entry, Location

__all__ = ["render_json", "render_text"]

Shown = Sequence[tuple["Entry", Sequence["Location"], int]]
# in the order a pack is written
_TITLES = {
    "sink": "disclosure.sinks",
    "decorator": "disclosure.decorators",
    "function": "[[disclosure.functions]]",
    "guard": "[[guards]]",
    "transparency": "transparency.calls",
    "record_base": "records.bases",
}


def render_text(policy: Policy, shown: Shown, files: int, display: Callable[[str], str]) -> str:
    out = [f"policy {policy.name!r}: {', '.join(display(f) for f in policy.files)}",
           f"matched against {files} file{'' if files == 1 else 's'}; * = the project's own pack "
           "(MIN902 when it matches nothing)", ""]
    for kind, title in _TITLES.items():
        rows = [(e, found, more) for e, found, more in shown if e.kind == kind]
        if not rows:
            continue
        out.append(title)
        for entry, found, more in rows:
            mark = "*" if entry.own else " "
            out.append(f"  {mark} {entry.label}  ({display(entry.where.file)}:{entry.where.line})")
            if found:
                places = ", ".join(f"{path}:{line}" for path, line in found)
                out.append(f"      matched at {places}" + (f" and {more} more" if more else ""))
            else:
                out.append("      matched nothing" + (" (MIN902)" if entry.own else ""))
        out.append("")
    out.extend(_settings_text(policy))
    return "\n".join(out).rstrip("\n") + "\n"


def _settings_text(policy: Policy) -> list[str]:
    """The rest of the merged policy: what it allows and how it reads code,
    keys that name no code to match."""
    lines = ["settings"]
    for key, values in _settings(policy).items():
        if values:
            lines.append(f"  {key} = {json.dumps(values)}")
    return lines


def _settings(policy: Policy) -> dict[str, Any]:
    return {
        "fields.allowed": sorted(policy.allowed),
        "fields.context": sorted(policy.context),
        "fields.categories": [c.name for c in policy.categories],
        "disclosure.exits": list(policy.exits),
        "disclosure.refusals": list(policy.refusals),
        "sources": [list(s.calls) for s in policy.sources],
        "sanitizers": [list(s.calls) for s in policy.sanitizers],
        "tiers": [t.id for t in policy.tiers],
    }


def render_json(policy: Policy, shown: Shown, files: int, display: Callable[[str], str]) -> str:
    data = {
        "policy": policy.name,
        "files": [display(f) for f in policy.files],
        "checked_files": files,
        "entries": [
            {
                "key": _TITLES[e.kind].strip("[]"),
                "kind": e.kind,
                "name": e.label,
                "pack": {"path": display(e.where.file), "line": e.where.line},
                "own": e.own,
                "matches": [{"path": path, "line": line} for path, line in found],
                "more": more,
            }
            for e, found, more in shown
        ],
        "settings": _settings(policy),
    }
    return json.dumps(data, indent=2, ensure_ascii=True) + "\n"
