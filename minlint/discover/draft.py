"""A drafted v2 pack (SPEC 7) from discover's candidates: a starting point a
privacy team edits, never a policy. Every entry says where it came from."""

from __future__ import annotations

import json
from collections.abc import Sequence

from minlint.discover.model import Candidate


def _s(value: str) -> str:
    return json.dumps(value)  # a TOML basic string: JSON's escapes are TOML's


def _list(values: Sequence[str]) -> str:
    return "[" + ", ".join(_s(v) for v in values) + "]"


def sink_name(c: Candidate) -> str:
    """The dotted name a sink entry matches the channel by (SPEC 2.1): the
    callee without a leading self/cls (`self.mailer.send` -> `mailer.send`)."""
    parts = c.callee.split(".")
    while len(parts) > 2 and parts[0] in ("self", "cls"):
        parts = parts[1:]
    if parts and parts[0] in ("self", "cls") and len(parts) > 1:
        parts = parts[1:]
    return ".".join(parts[-2:]) if len(parts) > 2 else ".".join(parts)


def draft_pack(candidates: Sequence[Candidate], name: str = "draft") -> str:
    lines = [
        f"# Drafted by `minlint discover` from {len(candidates)} candidate"
        f"{'' if len(candidates) == 1 else 's'}. Review every entry: keep the",
        "# disclosure paths that hand user data to someone outside, delete the others,",
        "# and say in [fields] what each may disclose (an allow-list: anything else is reported).",
        "[policy]",
        f"name = {_s(name)}",
        "",
        "[fields]",
        "allowed = []  # the categories below that these paths may disclose",
        "context = []  # request metadata and wrapper keys that are not user data",
    ]
    kinds: dict[str, set[str]] = {}
    for c in candidates:
        for field, kind in c.personal:
            kinds.setdefault(kind, set()).add(field)
    for kind in sorted(kinds):
        lines += ["", f"[fields.categories.{kind}]", f"aliases = {_list(sorted(kinds[kind]))}"]

    # one table per module and kind of handler, in rank order of its best candidate
    tables: dict[tuple[str, str, str], list[Candidate]] = {}
    for c in candidates:
        if c.kind == "handler":
            tables.setdefault((c.module, "handler", ""), []).append(c)
        elif c.kind == "view":
            tables.setdefault((c.module, "view", c.base), []).append(c)
    for (module, kind, base), group in tables.items():
        lines += ["", f"# {', '.join(f'{c.path}:{c.line}' for c in group)}"]
        lines += ["[[disclosure.functions]]", f"modules = {_list([module])}"]
        if kind == "view":
            lines.append(f"bases = {_list([base])}")
            lines.append('names = ["list", "retrieve"]  # inherited from the framework')
        else:
            lines.append(f"names = {_list(sorted({c.qualname for c in group}))}")

    sinks: dict[str, list[Candidate]] = {}
    for c in candidates:
        if c.kind == "channel":
            sinks.setdefault(sink_name(c), []).append(c)
    for sink, group in sinks.items():
        seen = sorted({f for c in group for f in c.fields})[:12]
        lines += ["", f"# {group[0].framework}: {', '.join(f'{c.path}:{c.line}' for c in group)}; fields seen: "
                      f"{', '.join(seen)}"]
        lines += ["[[disclosure.sinks]]", f"name = {_s(sink)}"]
        lines.append("transparency = false  # remove if these disclosures must be recorded")
    return "\n".join(lines) + "\n"
