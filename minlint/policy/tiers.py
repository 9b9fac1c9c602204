"""Legal instruments (SPEC 9): ``[[tiers]]`` entries of a pack.

A tier names an instrument (a subpoena, a court order, a warrant), the guards
that establish it (``requires``: all must hold) and the categories it opens
(``allowed``). Reading and validation live here; pack.py calls in with its
reader's ``fail`` so every error is the pack's one-line error (file, key,
what was expected), and this module needs nothing of pack.py.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any, NoReturn

Fail = Callable[..., NoReturn]  # (key, problem, expected)

TIER_KEYS = ("id", "title", "requires", "allowed")
_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


@dataclass(frozen=True)
class Tier:
    id: str
    title: str
    requires: tuple[str, ...]  # guard ids: all must hold
    allowed: tuple[str, ...]  # category names this instrument opens

    def holds(self, established: frozenset[str]) -> bool:
        return all(g in established for g in self.requires)


def _strings(raw: object, key: str, fail: Fail, what: str) -> tuple[str, ...]:
    if not isinstance(raw, list) or not all(isinstance(x, str) and x.strip() for x in raw):
        fail(key, f"got {raw!r}", f"a list of {what}")
    return tuple(dict.fromkeys(x.strip() for x in raw))


def read_tiers(raw: object, fail: Fail) -> list[Tier]:
    """The ``[[tiers]]`` array of one file, in order; a duplicate id is an error."""
    if not isinstance(raw, list):
        fail("tiers", f"got {type(raw).__name__}", "an array of tables ([[tiers]])")
    out: list[Tier] = []
    for i, item in enumerate(raw):
        key = f"tiers[{i}]"
        if not isinstance(item, dict):
            fail(key, f"got {type(item).__name__}", "a table ([[tiers]] entry)")
        for k in item:
            if k not in TIER_KEYS:
                fail(f"{key}.{k}", "unknown key", "one of " + ", ".join(TIER_KEYS))
        tid = item.get("id")
        if not isinstance(tid, str) or not _IDENTIFIER.fullmatch(tid):
            fail(f"{key}.id", "missing" if tid is None else f"{tid!r} is not an identifier",
                 "a tier id such as \"warrant\"")
        if any(t.id == tid for t in out):
            fail(f"{key}.id", f"tier {tid!r} is defined twice", "a tier id no other tier uses")
        title = item.get("title", tid.replace("_", " "))
        if not isinstance(title, str):
            fail(f"{key}.title", f"got {title!r}", "a string")
        for k in ("requires", "allowed"):
            if k not in item:
                fail(f"{key}.{k}", "missing", "a list of guard ids" if k == "requires" else "a list of category names")
        requires = _strings(item["requires"], f"{key}.requires", fail, "guard ids")
        if not requires:
            fail(f"{key}.requires", "empty list", "at least one guard id (a tier that needs no check is fields.allowed)")
        allowed = _strings(item["allowed"], f"{key}.allowed", fail, "category names")
        out.append(Tier(tid, title.strip() or tid, requires, allowed))
    return out


def merge_tiers(parent: list[Tier], child: Iterable[Tier]) -> list[Tier]:
    """A child pack's tier replaces its parent's of the same id; new ones are appended."""
    merged = {t.id: t for t in parent}
    for t in child:
        merged[t.id] = t
    return list(merged.values())


def check_tiers(tiers: Iterable[Tier], guard_codes: Mapping[str, str | None], categories: Iterable[str],
                fail: Fail) -> None:
    """Checks that need the merged pack: every guard and category named exists,
    and an instrument check has no code of its own (it is never reported by one)."""
    known = list(categories)
    for t in tiers:
        key = f"tiers[id={t.id}]"
        for g in t.requires:
            if g not in guard_codes:
                fail(f"{key}.requires", f"guard {g!r} is not defined",
                     "ids of [[guards]] (" + (", ".join(guard_codes) or "none defined") + ")")
            if guard_codes[g] is not None:
                fail(f"guards[id={g}].code", f"guard {g!r} is an instrument check of tier {t.id!r} and has a code",
                     "no code: instrument checks are reported as MIN200, never by their own code")
        for c in t.allowed:
            if c not in known:
                fail(f"{key}.allowed", f"category {c!r} is not defined",
                     "a category of fields.categories (" + (", ".join(known) or "none defined") + ")")


def instrument_guards(tiers: Iterable[Tier]) -> frozenset[str]:
    return frozenset(g for t in tiers for g in t.requires)


def canonical(tiers: Iterable[Tier]) -> list[Any]:
    """For the policy digest (caches are keyed by it)."""
    return [[t.id, t.title, list(t.requires), list(t.allowed)] for t in tiers]
