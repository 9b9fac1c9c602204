"""The defaults block of a rule page, made from the default pack.

A rule page (``docs/rules/MINxxx.md``) is written by hand, once, except the
list of what the default pack recognises for that rule: that is this
module's, between two markers in the page's Options section, so the pages
can never disagree with ``rules/telegram-2018.toml``.
``python scripts/rule_docs.py`` rewrites the blocks; a test fails when a
page is out of date.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from minlint.policy.pack import DEFAULT_PACK, Policy, load_policy

BEGIN = "<!-- defaults: generated from the default pack by `python scripts/rule_docs.py`; do not edit -->"
END = "<!-- end of defaults -->"

# what each code's page lists, by policy key
_GUARDS = {"MIN201": "court_order", "MIN202": "jurisdiction", "MIN203": "terror_suspect"}


def _names(items: Iterable[str]) -> str:
    return ", ".join(f"`{i}`" for i in items) or "(none)"


def lines_for(code: str, policy: Policy) -> list[str]:
    """The bullet lines of *code*'s defaults (empty: the page has no block)."""
    out: list[str] = []
    if code == "MIN101":
        out.append(f"- `fields.allowed`: {_names(sorted(policy.allowed))}")
        for c in policy.categories:
            fides = f" (fideslang `{c.fides}`)" if c.fides else ""
            out.append(f"- `fields.categories.{c.name}`{fides}: aliases {_names(sorted(c.aliases))}; "
                       f"patterns {_names(p.pattern for p in c.patterns)}")
        out.append(f"- `fields.context`: {_names(sorted(policy.context))}")
    if code in ("MIN101", "MIN102", "MIN103", "MIN301"):
        out.append(f"- `disclosure.sinks`: {_names(s.name for s in policy.sinks)}")
        out.append(f"- `disclosure.decorators`: {_names(policy.decorators)}")
    if code in _GUARDS or code == "MIN205":
        guard = policy.guard(_GUARDS.get(code, "jurisdiction"))
        if guard is not None:
            keys = ("subjects", "blocked") if code == "MIN205" else ("calls", "predicates", "decorators", "subjects",
                                                                     "blocked")
            for key in keys:
                values = getattr(guard, key)
                if values or key in ("calls", "predicates", "decorators"):
                    out.append(f"- `guards[{guard.id}].{key}`: {_names(values)}")
    if code == "MIN204":
        for guard in policy.guards:
            out.append(f"- `guards[{guard.id}]`: calls {_names(guard.calls)}; predicates {_names(guard.predicates)}")
    if code in (*_GUARDS, "MIN204", "MIN205"):
        out.append(f"- `disclosure.exits`: {_names(policy.exits)} (besides `raise`, `return` and `sys.exit`)")
    if code == "MIN301":
        out.append(f"- `transparency.calls`: {_names(policy.transparency_calls)}")
    return out


def block(code: str, policy: Policy | None = None) -> str:
    """The whole generated block of *code*'s page, markers included ("" for none)."""
    policy = policy if policy is not None else load_policy(DEFAULT_PACK, Path("."))
    body = lines_for(code, policy)
    if not body:
        return ""
    return "\n".join([BEGIN, "", f"What the default pack `{policy.name}` recognises:", "", *body, "", END])


def with_block(page: str, code: str, policy: Policy | None = None) -> str:
    """*page* with its defaults block made anew: replaced between the markers,
    or added at the end of the Options section."""
    new = block(code, policy)
    if BEGIN in page and END in page:
        start = page.index(BEGIN)
        end = page.index(END) + len(END)
        return page[:start] + new + page[end:] if new else page[:start].rstrip("\n") + "\n" + page[end:].lstrip("\n")
    if not new:
        return page
    at = page.find("\n## ", page.index("## Options") + 1)
    head, tail = (page, "") if at < 0 else (page[:at], page[at:])
    return head.rstrip("\n") + "\n\n" + new + "\n" + tail
