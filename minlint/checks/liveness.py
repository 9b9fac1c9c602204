"""MIN902: a configured policy that matched nothing (SPEC 10).

A pack whose names are misspelt, or that names code which has since moved,
passes every run in silence: nothing it names is found, so nothing is
reported. After a run over a whole project that configures a pack
(``[tool.minlint] policy`` or ``--policy``), this check reports

- each entry of the project's own pack (never one of a shipped pack it
  extends) that matched nothing — a sink, a disclosure decorator, a
  ``[[disclosure.functions]]`` table, a guard (matched if any of its names
  matched), a transparency call, a records base — at its line in the pack;
- a policy that found no disclosure at all, at the ``policy`` line of the
  ``pyproject.toml`` (line 1 of a ``--policy`` pack).

Where an entry matched is :mod:`minlint.analysis.liveness`'s to say.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from minlint.analysis.liveness import KEYS, Entry, Liveness, entries
from minlint.core.codes import message
from minlint.core.findings import Finding
from minlint.policy.lines import Lines
from minlint.policy.pack import Policy
from minlint.project.config import Config

__all__ = ["Place", "unmatched"]

CODE = "MIN902"


@dataclass(frozen=True)
class Place:
    """A line of a TOML file where a MIN902 is reported."""

    file: str  # the file as the policy or the configuration names it
    line: int


def unmatched(liveness: Liveness, policy: Policy, config: Config,
              display: Callable[[str], str]) -> list[Finding]:
    """The MIN902 findings of *policy* over the project *liveness* looks at;
    *display* turns a pack's or pyproject's file name into a finding's path."""
    texts: dict[str, list[str]] = {}
    out: list[Finding] = []
    for entry in entries(policy):
        if entry.own and not liveness.matches(entry, limit=1):
            out.append(_finding(entry_place(entry), display, texts, (entry.label,), {
                "subject": f" ({KEYS[entry.kind]})",
                "detail": _HINTS[entry.kind],
            }))
    if not liveness.any_disclosure(policy):
        where = config_place(config, policy)
        if where is not None:
            out.append(_finding(where, display, texts, (), {
                "subject": f"the policy {policy.name!r}",
                "detail": ": the run found no disclosure (no sink is called, no function is a disclosure "
                          "function); name the project's disclosure paths in the pack (minlint discover "
                          "drafts them)",
            }))
    return out


_HINTS: dict[str, str] = {
    "sink": ": no call in the project is this sink (a misspelt name, or code that moved?)",
    "decorator": ": no function in the project carries this decorator",
    "function": ": no function in the project is described by this table",
    "guard": ": none of its calls, predicates, decorators or subjects occurs in the project",
    "transparency": ": no call in the project records a disclosure with it",
    "record_base": ": no class in the project derives from it",
}


def entry_place(entry: Entry) -> Place:
    return Place(entry.where.file, entry.where.line or 1)


def config_place(config: Config, policy: Policy) -> Place | None:
    """Where "no disclosure" is reported: the ``policy`` line of the
    pyproject.toml that configured the pack, or line 1 of a ``--policy``
    pack; None when no pack was configured (the default applies)."""
    if config.policy_source is None:
        return None
    file, key = config.policy_source
    if key == "--policy":
        return Place(policy.files[-1], 1) if policy.files else None
    try:
        text = Path(file).read_text(encoding="utf-8")
    except (OSError, UnicodeError):
        return Place(file, 1)
    return Place(file, Lines(text).key("tool.minlint", "policy") or 1)


def _finding(place: Place, display: Callable[[str], str], texts: dict[str, list[str]],
             fields: tuple[str, ...], params: dict[str, str]) -> Finding:
    lines = texts.get(place.file)
    if lines is None:
        try:
            lines = Path(place.file).read_text(encoding="utf-8").splitlines()
        except (OSError, UnicodeError):
            lines = []
        texts[place.file] = lines
    source = lines[place.line - 1] if 0 < place.line <= len(lines) else ""
    return Finding(display(place.file), place.line, 1, CODE, message(CODE, params, fields), place.line,
                   len(source) + 1, fields=fields, source_line=source, params=tuple(params.items()))
