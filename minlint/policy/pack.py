"""Policy packs (SPEC 3): loading, validating and merging ``rules/*.toml``.

A pack is read in three steps. Each file is checked on its own into a plain
``_Pack`` (so an error names the file and key where it was written), the chain
of ``extends`` is merged parent first, and the merged result is checked again
(things only a whole policy can tell: an allowed category that no pack
defines, a custom guard without a code) and frozen into a :class:`Policy`.

Every problem is a :class:`PolicyError` whose text is one line,
``<file>: <dotted key>: <what is wrong>; expected <what>``: the CLI prints it
and exits 2, so a broken pack never shows up as a traceback.
"""

from __future__ import annotations

import difflib
import hashlib
import importlib
import json
import os
import re
import sys
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

from minlint.core.paths import real
from minlint.policy import v2
from minlint.policy.countries import country_code
from minlint.policy.lines import Lines
from minlint.policy.model import ArgMatch, DecoratorMatch, FunctionSpec, SanitizerSpec, SourceSpec, Where
from minlint.policy.tiers import Tier, check_tiers, instrument_guards, merge_tiers, read_tiers
from minlint.policy.tiers import canonical as tiers_canonical

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on 3.10 only
    import tomli as tomllib

if TYPE_CHECKING:
    if sys.version_info >= (3, 11):
        from importlib.resources.abc import Traversable
    else:
        from importlib.abc import Traversable

__all__ = [
    "DEFAULT_PACK",
    "Category",
    "Guard",
    "InputError",
    "Policy",
    "PolicyError",
    "Sink",
    "describe_value",
    "is_shipped",
    "load_policy",
    "normalise_field",
    "pack_names",
]

DEFAULT_PACK = "telegram-2018"
_RULES_PACKAGE = "minlint.rules"


class InputError(Exception):
    """A broken pack or configuration, as one line:
    '<file>: <dotted key>: <what is wrong>; expected <what>'. str(e) is that line."""

    def __init__(self, file: str, key: str, problem: str, expected: str | None = None) -> None:
        self.file = file
        self.key = key
        self.problem = problem
        self.expected = expected
        text = f"{file}: {key}: {problem}"
        if expected:
            text += f"; expected {expected}"
        # The CLI prints this as one diagnostic line: no part of it may break it.
        super().__init__(" ".join(text.split()))

    def __str__(self) -> str:
        return str(self.args[0])

    def __reduce__(self) -> tuple[Any, ...]:
        # Worker processes (--jobs) send errors back pickled.
        return (type(self), (self.file, self.key, self.problem, self.expected))


class PolicyError(InputError):
    """A policy pack that cannot be loaded."""


# ---------------------------------------------------------------------------
# Field names

# The place between an acronym and the capitalised word after it ("IP|Address"),
# found by lookarounds alone: constant work per position. The capturing form
# ``([A-Z]+)([A-Z][a-z])`` made the same cuts but retried the whole run of
# capitals from every position in it, quadratic on an all-capital name (issue 15).
_ACRONYM_BEFORE_WORD = re.compile(r"(?<=[A-Z])(?=[A-Z][a-z](?![0-9]))")
_LOWER_BEFORE_UPPER = re.compile(r"([a-z0-9])([A-Z])(?![0-9])")
_SEPARATORS = re.compile(r"[\s.\-]+")


def normalise_field(name: str) -> str:
    """camelCase -> snake_case, lower case, leading underscores dropped: 'lastIP'->'last_ip', '_Phone'->'phone', 'IPAddress'->'ip_address', 'phoneNumber'->'phone_number'."""
    # The (?![0-9]) lookaheads keep version suffixes whole: "IPv6" -> "ipv6" and
    # "clientIpV4" -> "client_ipv4", which is how the default patterns spell them.
    text = _ACRONYM_BEFORE_WORD.sub("_", name.strip())
    text = _LOWER_BEFORE_UPPER.sub(r"\1_\2", text)
    # Dict keys and headers also come as "phone-number" or "Phone Number".
    text = _SEPARATORS.sub("_", text)
    return text.lower().lstrip("_")


# ---------------------------------------------------------------------------
# The policy


@dataclass(frozen=True)
class Sink:
    name: str  # "disclose" or dotted "portal.push"
    payload: tuple[int | str, ...] | None  # None: every argument; else indexes and/or keywords
    # SPEC 7.2: the call is this sink only when these arguments match (sorted by argument).
    args: tuple[ArgMatch, ...] = ()
    allowed: frozenset[str] | None = None  # categories allowed here instead of fields.allowed
    transparency: bool = True  # its disclosures need a record
    where: Where | None = field(default=None, compare=False)


@dataclass(frozen=True)
class Category:
    name: str
    aliases: frozenset[str]  # normalised
    patterns: tuple[re.Pattern[str], ...]  # matched with fullmatch
    fides: str | None


@dataclass(frozen=True)
class Guard:
    id: str
    code: str
    title: str
    calls: tuple[str, ...]
    predicates: tuple[str, ...]
    decorators: tuple[str, ...]
    subjects: tuple[str, ...]
    blocked: tuple[str, ...]  # ISO 3166-1 alpha-2 codes
    # SPEC 7.4: decorators that hold only with matching arguments, scope, alternatives.
    decorator_args: tuple[DecoratorMatch, ...] = ()
    applies_to: tuple[str, ...] = ()  # globs on the root's qualified name; () = every root
    exempt: tuple[str, ...] = ()
    unless: tuple[str, ...] = ()  # tests as written
    where: Where | None = field(default=None, compare=False)


@dataclass(frozen=True)
class Policy:
    name: str
    files: tuple[str, ...]
    allowed: frozenset[str]
    context: frozenset[str]
    categories: tuple[Category, ...]
    decorators: tuple[str, ...]
    sinks: tuple[Sink, ...]
    exits: tuple[str, ...]
    guards: tuple[Guard, ...]
    transparency_calls: tuple[str, ...]
    digest: str
    # SPEC 7 (v2 keys); a v1 pack leaves them empty, which keeps its meaning.
    functions: tuple[FunctionSpec, ...] = ()
    sources: tuple[SourceSpec, ...] = ()
    sanitizers: tuple[SanitizerSpec, ...] = ()
    record_bases: tuple[str, ...] = ()
    refusals: tuple[str, ...] = ()  # globs on the dotted name of the returned call
    # Where each plain-name entry was written: (list key, name) -> Where, for
    # MIN902 and `policy show` (typed entries carry their own .where).
    origins: dict[tuple[str, str], Where] = field(
        default_factory=dict, compare=False, hash=False, repr=False
    )
    tiers: tuple[Tier, ...] = ()  # SPEC 9; empty for an untiered pack
    # Every field of every file is classified, mostly the same few names again.
    _memo: dict[str, str | None] = field(
        default_factory=dict, init=False, repr=False, compare=False, hash=False
    )

    def category_of(self, field: str) -> str | None:
        """The category of an already normalised field name, or None if it has none."""
        try:
            return self._memo[field]
        except KeyError:
            pass
        found: str | None = None
        for category in self.categories:
            if field in category.aliases:
                found = category.name
                break
        else:
            for category in self.categories:
                if any(p.fullmatch(field) for p in category.patterns):
                    found = category.name
                    break
        self._memo[field] = found
        return found

    def is_context(self, field: str) -> bool:
        return field in self.context

    def is_allowed(self, field: str) -> bool:
        category = self.category_of(field)
        return category is not None and category in self.allowed

    def fides_of(self, category: str) -> str | None:
        for entry in self.categories:
            if entry.name == category:
                return entry.fides
        return None

    @property
    def requires_records(self) -> bool:
        """SPEC 7.5: a merged [transparency] without calls requires no record (no MIN301)."""
        return bool(self.transparency_calls)

    def guard(self, id: str) -> Guard | None:
        for entry in self.guards:
            if entry.id == id:
                return entry
        return None


# The three guards of SPEC 2.3 have fixed codes; packs add others in MIN206..MIN299.
KNOWN_GUARDS: dict[str, tuple[str, str]] = {
    "court_order": ("MIN201", "court-order check"),
    "jurisdiction": ("MIN202", "jurisdiction check"),
    "terror_suspect": ("MIN203", "terror-suspect check"),
}
_CUSTOM_CODES = range(206, 300)

# ---------------------------------------------------------------------------
# Pathological patterns
#
# Patterns run against every field name of every checked file, so one that
# backtracks exponentially hangs the checker on an innocent long name. The
# classic cause is a nested quantifier: an unbounded repeat (*, +, {n,}) whose
# body contains another repeat of variable length, as in (a+)+, (\w*)* or
# (\w+_)*. Then a run of n characters can be split between the inner and the
# outer loop in exponentially many ways, and a failing match tries them all.
# (A fixed-length inner repeat, (\d{3})+, or an optional group, (\w+_)?, has
# no such choice.)
# Reading the text of a pattern cannot tell (a+)+ from \(a+\)+ or [(a+)]+, so
# the check walks the parse tree of Python's own regex parser. It is
# deliberately simple and conservative: overlapping alternatives such as
# (a|a)* are not found, and a harmless (\w+\.)* is refused (rewrite it
# without the outer repeat, field names are flat).

_sre: Any = importlib.import_module("re._parser" if sys.version_info >= (3, 11) else "sre_parse")
_REPEATS = {_sre.MAX_REPEAT, _sre.MIN_REPEAT} | (
    {_sre.POSSESSIVE_REPEAT} if hasattr(_sre, "POSSESSIVE_REPEAT") else set()
)


def _subpatterns(value: object) -> Iterator[Any]:
    """The sub-patterns inside one opcode argument (groups, branches, lookarounds)."""
    if isinstance(value, _sre.SubPattern):
        yield value
    elif isinstance(value, (tuple, list)):
        for item in value:
            yield from _subpatterns(item)


def _nested_quantifier(tree: Any, inside_unbounded: bool = False) -> bool:
    for op, av in tree:
        if op in _REPEATS:
            low, high, body = av
            variable = high > 1 and high != low
            if inside_unbounded and variable:
                return True
            if _nested_quantifier(body, inside_unbounded or high == _sre.MAXREPEAT):
                return True
        else:
            for sub in _subpatterns(av):
                if _nested_quantifier(sub, inside_unbounded):
                    return True
    return False


def _is_pathological(pattern: str) -> bool:
    return _nested_quantifier(_sre.parse(pattern))


def _upper_literal(tree: Any) -> str | None:
    """An upper-case letter the pattern requires, which no normalised name has."""
    for op, av in tree:
        if op == _sre.LITERAL and chr(av).isupper():
            return chr(av)
        if op == _sre.IN:
            for item_op, item_av in av:
                if item_op == _sre.LITERAL and chr(item_av).isupper():
                    return chr(item_av)
        if op == _sre.SUBPATTERN and av[1] & re.IGNORECASE:
            continue  # (?i:...)
        for sub in _subpatterns(av):
            found = _upper_literal(sub)
            if found:
                return found
    return None


def _needs_upper_case(pattern: str) -> str | None:
    tree = _sre.parse(pattern)
    if tree.state.flags & re.IGNORECASE:
        return None
    return _upper_literal(tree)


# ---------------------------------------------------------------------------
# One file, checked

_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*")
_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_FIDES = re.compile(r"[a-z0-9_]+(\.[a-z0-9_]+)*")
_CODE = re.compile(r"MIN[0-9]{3}")
_BARE_KEY = re.compile(r"[A-Za-z0-9_-]+")

_TOP_KEYS = ("policy", "fields", "disclosure", "guards", "transparency", "records", "sources",
             "sanitizers", "tiers")
_POLICY_KEYS = ("name", "extends")
_FIELDS_KEYS = ("allowed", "context", "categories")
_CATEGORY_KEYS = ("aliases", "patterns", "fides")
_DISCLOSURE_KEYS = ("decorators", "sinks", "exits", "functions", "refusals")
_SINK_KEYS = ("name", "payload", "args", "allowed", "transparency")
_GUARD_KEYS = ("id", "code", "title", "calls", "predicates", "decorators", "subjects", "blocked",
               "applies_to", "exempt", "unless")
_GUARD_V2 = ("applies_to", "exempt", "unless")
_RECORDS_KEYS = ("bases",)
_GUARD_LISTS = ("calls", "predicates", "decorators", "subjects", "blocked")
_TRANSPARENCY_KEYS = ("calls",)

_NAME_EXPECTED = "a Python name or dotted name such as \"verify_court_order\" or \"portal.push\""


@dataclass
class _Category:
    aliases: list[str] = field(default_factory=list)
    patterns: list[str] = field(default_factory=list)
    fides: str | None = None


@dataclass
class _Guard:
    code: str | None = None
    title: str | None = None
    lists: dict[str, list[str]] = field(default_factory=lambda: {k: [] for k in _GUARD_LISTS})
    decorator_args: list[DecoratorMatch] = field(default_factory=list)
    v2: dict[str, list[str]] = field(default_factory=lambda: {k: [] for k in _GUARD_V2})
    where: Where | None = None


@dataclass
class _SinkEntry:
    payload: tuple[int | str, ...] | None
    allowed: tuple[str, ...] | None = None
    transparency: bool = True
    where: Where | None = None


# Sinks are merged by (name, args), SPEC 7.2.
_SinkKey = tuple[str, tuple[ArgMatch, ...]]


@dataclass
class _Pack:
    """One file's content, or the merge of a chain; lists keep order, no duplicates."""

    files: list[str]
    name: str | None = None
    extends: str = ""
    allowed: list[str] = field(default_factory=list)
    context: list[str] = field(default_factory=list)
    categories: dict[str, _Category] = field(default_factory=dict)
    decorators: list[str] = field(default_factory=list)
    sinks: dict[_SinkKey, _SinkEntry] = field(default_factory=dict)
    exits: list[str] = field(default_factory=list)
    guards: dict[str, _Guard] = field(default_factory=dict)
    transparency: list[str] = field(default_factory=list)
    functions: list[FunctionSpec] = field(default_factory=list)
    sources: list[SourceSpec] = field(default_factory=list)
    sanitizers: list[SanitizerSpec] = field(default_factory=list)
    record_bases: list[str] = field(default_factory=list)
    refusals: list[str] = field(default_factory=list)
    origins: dict[tuple[str, str], Where] = field(default_factory=dict)
    tiers: list[Tier] = field(default_factory=list)
    # (path, mtime_ns, size) of each file as read; None once a file cannot be stat'ed.
    stamps: list[tuple[str, int, int]] | None = field(default_factory=list)


def _add(target: list[str], items: Iterable[str]) -> None:
    # A set beside the list: `item not in target` made merging n items O(n^2),
    # and a hostile pack can list hundreds of thousands (issue 15).
    seen = set(target)
    for item in items:
        if item not in seen:
            seen.add(item)
            target.append(item)


def _show(value: object) -> str:
    # Quoted as written, so a pattern's backslashes are not doubled as JSON would.
    if isinstance(value, str) and '"' not in value and value.isprintable():
        text = f'"{value}"'
    else:
        text = json.dumps(value, ensure_ascii=False, default=str)
    return text if len(text) <= 60 else text[:57] + "..."


def describe_value(value: object) -> str:
    """What a TOML value is, for an error's 'got ...'."""
    if isinstance(value, bool):
        return f"a boolean ({_show(value)})"
    if isinstance(value, str):
        return f"a string ({_show(value)})"
    if isinstance(value, int):
        return f"an integer ({value})"
    if isinstance(value, float):
        return f"a float ({value})"
    if isinstance(value, dict):
        return "a table"
    if isinstance(value, list):
        return "an array"
    return f"a {type(value).__name__}"


def _key(prefix: str, part: str) -> str:
    shown = part if _BARE_KEY.fullmatch(part) else json.dumps(part, ensure_ascii=False)
    return f"{prefix}.{shown}" if prefix else shown


class _Reader:
    """Checks the raw TOML of one file; every complaint names this file."""

    def __init__(self, file: str) -> None:
        self.file = file

    def fail(self, key: str, problem: str, expected: str | None = None) -> NoReturn:
        raise PolicyError(self.file, key, problem, expected)

    def table(self, value: object, key: str, expected: str = "a table") -> dict[str, Any]:
        if not isinstance(value, dict):
            self.fail(key, f"got {describe_value(value)}", expected)
        return value

    def keys(self, table: dict[str, Any], allowed: Sequence[str], prefix: str) -> None:
        for name in table:
            if name not in allowed:
                close = difflib.get_close_matches(name, allowed, n=1)
                hint = f" (did you mean {close[0]!r}?)" if close else ""
                self.fail(_key(prefix, name), f"unknown key{hint}", "one of " + ", ".join(allowed))

    def string(self, value: object, key: str, expected: str = "a string") -> str:
        if not isinstance(value, str):
            self.fail(key, f"got {describe_value(value)}", expected)
        return value

    def strings(self, value: object, key: str) -> list[str]:
        """Every item, duplicates included, so that indexes in errors are the file's."""
        if not isinstance(value, list):
            self.fail(key, f"got {describe_value(value)}", "a list of strings")
        out: list[str] = []
        for i, item in enumerate(value):
            text = self.string(item, f"{key}[{i}]", "a string (in a list of strings)")
            if not text.strip():
                self.fail(f"{key}[{i}]", "empty string", "a non-empty string")
            out.append(text)
        return out

    def names(self, value: object, key: str) -> list[str]:
        out: dict[str, None] = {}  # ordered without duplicates, in linear time
        for i, text in enumerate(self.strings(value, key)):
            if not _NAME.fullmatch(text):
                self.fail(f"{key}[{i}]", f"{_show(text)} is not a name", _NAME_EXPECTED)
            out[text] = None
        return list(out)

    def fields(self, value: object, key: str) -> list[str]:
        out: dict[str, None] = {}
        for i, text in enumerate(self.strings(value, key)):
            name = normalise_field(text)
            if not _IDENTIFIER.fullmatch(name):
                self.fail(f"{key}[{i}]", f"{_show(text)} is not a field name",
                          "a field name such as \"last_ip\" or \"phoneNumber\"")
            out[name] = None
        return list(out)


def _origins(pack: _Pack, lines: Lines, section: str, key: str, names: Iterable[str]) -> None:
    after = lines.key(section, key)
    for name in names:
        pack.origins[(f"{section}.{key}", name)] = Where(pack.files[0], lines.string(name, after))


def _read_pack(data: dict[str, Any], file: str, stem: str, lines: Lines | None = None) -> _Pack:
    lines = lines or Lines("")
    r = _Reader(file)
    r.keys(data, _TOP_KEYS, "")
    pack = _Pack(files=[file])

    meta = r.table(data.get("policy", {}), "policy")
    r.keys(meta, _POLICY_KEYS, "policy")
    if "name" in meta:
        pack.name = r.string(meta["name"], "policy.name").strip()
        if not pack.name:
            r.fail("policy.name", "empty string", "a non-empty name")
    pack.name = pack.name or stem
    if "extends" in meta:
        pack.extends = r.string(
            meta["extends"], "policy.extends", "a pack name or a path to a .toml file (\"\" for none)"
        ).strip()

    fields_ = r.table(data.get("fields", {}), "fields")
    r.keys(fields_, _FIELDS_KEYS, "fields")
    if "allowed" in fields_:
        _add(pack.allowed, r.strings(fields_["allowed"], "fields.allowed"))
    if "context" in fields_:
        pack.context = r.fields(fields_["context"], "fields.context")
    categories = r.table(fields_.get("categories", {}), "fields.categories")
    for cname, raw in categories.items():
        ckey = _key("fields.categories", cname)
        if not cname.strip():
            r.fail(ckey, "empty category name", "a name such as \"ip_address\"")
        pack.categories[cname] = _read_category(r, r.table(raw, ckey), ckey)

    disclosure = r.table(data.get("disclosure", {}), "disclosure")
    r.keys(disclosure, _DISCLOSURE_KEYS, "disclosure")
    if "decorators" in disclosure:
        pack.decorators = r.names(disclosure["decorators"], "disclosure.decorators")
        _origins(pack, lines, "disclosure", "decorators", pack.decorators)
    if "exits" in disclosure:
        pack.exits = r.names(disclosure["exits"], "disclosure.exits")
    if "sinks" in disclosure:
        pack.sinks = _read_sinks(r, disclosure["sinks"], "disclosure.sinks", lines)
    if "refusals" in disclosure:
        pack.refusals = list(v2.read_globs(r, disclosure["refusals"], "disclosure.refusals"))
    pack.functions = v2.read_functions(r, disclosure, lines)

    records = r.table(data.get("records", {}), "records")
    r.keys(records, _RECORDS_KEYS, "records")
    if "bases" in records:
        pack.record_bases = r.names(records["bases"], "records.bases")
        _origins(pack, lines, "records", "bases", pack.record_bases)
    pack.sources = v2.read_sources(r, data, lines)
    pack.sanitizers = v2.read_sanitizers(r, data, lines)

    guards = data.get("guards", [])
    if not isinstance(guards, list):
        r.fail("guards", f"got {describe_value(guards)}", "an array of tables ([[guards]])")
    for i, raw in enumerate(guards):
        gkey = f"guards[{i}]"
        gid, guard = _read_guard(r, r.table(raw, gkey, "a table ([[guards]] entry)"), gkey, lines, i)
        # which file wrote this guard table and each of its names (a child
        # pack's guard of the same id merges into the parent's; MIN902 asks
        # about the names the project's own pack wrote)
        if guard.where is not None:
            pack.origins[("guards", gid)] = guard.where
            for name in ("calls", "predicates", "decorators", "subjects"):
                for item in guard.lists[name]:
                    pack.origins[(f"guards.{gid}.{name}", item)] = Where(file, lines.string(item, guard.where.line))
        if gid in pack.guards:  # the same id twice in one file: one guard
            _merge_guard(pack.guards[gid], guard)
        else:
            pack.guards[gid] = guard

    transparency = r.table(data.get("transparency", {}), "transparency")
    r.keys(transparency, _TRANSPARENCY_KEYS, "transparency")
    if "calls" in transparency:
        pack.transparency = r.names(transparency["calls"], "transparency.calls")
        _origins(pack, lines, "transparency", "calls", pack.transparency)
    if "tiers" in data:
        pack.tiers = read_tiers(data["tiers"], r.fail)
    return pack


def _read_category(r: _Reader, raw: dict[str, Any], key: str) -> _Category:
    r.keys(raw, _CATEGORY_KEYS, key)
    category = _Category()
    if "aliases" in raw:
        category.aliases = r.fields(raw["aliases"], f"{key}.aliases")
    if "patterns" in raw:
        for i, pattern in enumerate(r.strings(raw["patterns"], f"{key}.patterns")):
            pkey = f"{key}.patterns[{i}]"
            try:
                re.compile(pattern)
            except re.error as exc:
                r.fail(pkey, f"bad regular expression {_show(pattern)}: {exc}",
                       "a Python regular expression")
            if _is_pathological(pattern):
                r.fail(pkey, f"{_show(pattern)} nests a repeat inside a repeat "
                       "(catastrophic backtracking on long names)",
                       "a pattern without nested quantifiers, e.g. '(\\w+_)?ip' not '(\\w+_)*ip'")
            upper = _needs_upper_case(pattern)
            if upper:
                # Patterns see names after normalise_field, which lower-cases them.
                r.fail(pkey, f"{_show(pattern)} requires {upper!r}, but field names are "
                       "matched in lower case (lastIP is last_ip)",
                       "a lower-case pattern such as '(\\w+_)?ip'")
            _add(category.patterns, [pattern])
    if "fides" in raw:
        fides = r.string(raw["fides"], f"{key}.fides")
        if not _FIDES.fullmatch(fides):
            r.fail(f"{key}.fides", f"{_show(fides)} is not a fideslang key",
                   "a dotted data category such as \"user.contact.phone_number\"")
        category.fides = fides
    return category


def _read_sinks(r: _Reader, raw: object, key: str, lines: Lines) -> dict[_SinkKey, _SinkEntry]:
    if not isinstance(raw, list):
        r.fail(key, f"got {describe_value(raw)}", "a list of sink names or { name = ..., payload = [...] } tables")
    sinks: dict[_SinkKey, _SinkEntry] = {}
    after = lines.key("disclosure", "sinks")
    for i, item in enumerate(raw):
        skey = f"{key}[{i}]"
        entry = _SinkEntry(payload=None)
        args: tuple[ArgMatch, ...] = ()
        # [[disclosure.sinks]] tables each have a header line; inline entries are found after `sinks =`.
        header = lines.table("disclosure.sinks", i)
        if isinstance(item, str):
            name = item
        elif isinstance(item, dict):
            r.keys(item, _SINK_KEYS, skey)
            if "name" not in item:
                r.fail(f"{skey}.name", "missing", "the sink's name, as in { name = \"disclose\" }")
            name = r.string(item["name"], f"{skey}.name")
            if "payload" in item:
                entry.payload = _read_payload(r, item["payload"], f"{skey}.payload")
            if "args" in item:
                args = v2.read_arg_globs(r, item["args"], f"{skey}.args")
            if "allowed" in item:
                entry.allowed = tuple(r.strings(item["allowed"], f"{skey}.allowed"))
            if "transparency" in item:
                flag = item["transparency"]
                if not isinstance(flag, bool):
                    r.fail(f"{skey}.transparency", f"got {describe_value(flag)}", "true or false")
                entry.transparency = flag
        else:
            r.fail(skey, f"got {describe_value(item)}", "a sink name or a { name = ..., payload = [...] } table")
        if not _NAME.fullmatch(name):
            r.fail(skey, f"{_show(name)} is not a name", _NAME_EXPECTED)
        entry.where = Where(r.file, header or lines.string(name, after))
        skey_ = (name, args)
        old = sinks.get(skey_)
        if old is not None and (old.payload, old.allowed, old.transparency) != (
            entry.payload, entry.allowed, entry.transparency
        ):
            r.fail(skey, f"sink {name!r} is listed twice with the same args and different settings",
                   "one entry per sink and args")
        if old is None:
            sinks[skey_] = entry
    return sinks


def _read_payload(r: _Reader, raw: object, key: str) -> tuple[int | str, ...]:
    expected = "argument positions (integers >= 0) and/or keyword names"
    if not isinstance(raw, list):
        r.fail(key, f"got {describe_value(raw)}", f"a list of {expected}")
    if not raw:
        r.fail(key, "empty list", f"a non-empty list of {expected} (leave payload out to mean every argument)")
    out: list[int | str] = []
    for i, item in enumerate(raw):
        ok = (isinstance(item, int) and not isinstance(item, bool) and item >= 0) or (
            isinstance(item, str) and _IDENTIFIER.fullmatch(item) is not None
        )
        if not ok:
            r.fail(f"{key}[{i}]", f"got {describe_value(item)}", "an argument position (integer >= 0) or a keyword name")
        if item not in out:
            out.append(item)
    return tuple(out)


def _read_guard(r: _Reader, raw: dict[str, Any], key: str, lines: Lines, index: int) -> tuple[str, _Guard]:
    r.keys(raw, _GUARD_KEYS, key)
    if "id" not in raw:
        r.fail(f"{key}.id", "missing", "a guard id such as \"court_order\"")
    gid = r.string(raw["id"], f"{key}.id")
    if not _IDENTIFIER.fullmatch(gid):
        r.fail(f"{key}.id", f"{_show(gid)} is not an identifier", "a guard id such as \"court_order\"")
    guard = _Guard()
    line = lines.table("guards", index)
    guard.where = Where(r.file, line)
    if "code" in raw:
        code = r.string(raw["code"], f"{key}.code")
        if gid in KNOWN_GUARDS:
            fixed = KNOWN_GUARDS[gid][0]
            if code != fixed:
                r.fail(f"{key}.code", f"guard {gid!r} has the fixed code {fixed}, got {_show(code)}",
                       f"{fixed} or no code")
        elif not (_CODE.fullmatch(code) and int(code[3:]) in _CUSTOM_CODES):
            r.fail(f"{key}.code", f"{_show(code)} is not a code for a custom guard",
                   "a code from MIN206 to MIN299")
        guard.code = code
    if "title" in raw:
        guard.title = r.string(raw["title"], f"{key}.title").strip() or None
    for name in _GUARD_LISTS:
        if name not in raw:
            continue
        lkey = f"{key}.{name}"
        if name == "blocked":
            guard.lists[name] = _read_blocked(r, raw[name], lkey)
        elif name == "decorators":
            plain, tables = v2.read_decorators(r, raw[name], lkey, lines, line)
            guard.lists[name] = list(plain)
            guard.decorator_args = list(tables)
        else:
            guard.lists[name] = r.names(raw[name], lkey)
    for name in ("applies_to", "exempt"):
        if name in raw:
            guard.v2[name] = list(v2.read_globs(r, raw[name], f"{key}.{name}"))
    if "unless" in raw:
        guard.v2["unless"] = list(v2.read_tests(r, raw["unless"], f"{key}.unless"))
    return gid, guard


def _read_blocked(r: _Reader, raw: object, key: str) -> list[str]:
    out: dict[str, None] = {}
    for i, text in enumerate(r.strings(raw, key)):
        code = country_code(text)
        if code is None:
            r.fail(f"{key}[{i}]", f"{_show(text)} is not an ISO 3166 country",
                   "an alpha-2 or alpha-3 code or an English country name such as \"RU\" or \"Russia\"")
        out[code] = None
    return list(out)


# ---------------------------------------------------------------------------
# Merging and the whole-policy checks


def _merge_guard(parent: _Guard, child: _Guard) -> None:
    parent.code = child.code or parent.code
    parent.title = child.title or parent.title
    for name in _GUARD_LISTS:
        _add(parent.lists[name], child.lists[name])
    known = set(parent.decorator_args)
    parent.decorator_args.extend(d for d in child.decorator_args if d not in known)
    for name in _GUARD_V2:
        _add(parent.v2[name], child.v2[name])
    parent.where = parent.where or child.where


def _merge(parent: _Pack, child: _Pack) -> _Pack:
    """Child into parent: lists append new items, tables merge, child's scalars win."""
    parent.files.extend(child.files)
    if parent.stamps is None or child.stamps is None:
        parent.stamps = None
    else:
        parent.stamps.extend(child.stamps)
    parent.name = child.name
    _add(parent.allowed, child.allowed)
    _add(parent.context, child.context)
    for cname, category in child.categories.items():
        mine = parent.categories.setdefault(cname, _Category())
        _add(mine.aliases, category.aliases)
        _add(mine.patterns, category.patterns)
        mine.fides = category.fides or mine.fides
    _add(parent.decorators, child.decorators)
    for sink, entry in child.sinks.items():
        parent.sinks[sink] = entry  # by (name, args): a child may narrow or widen a parent's entry
    _add(parent.exits, child.exits)
    for gid, guard in child.guards.items():
        if gid in parent.guards:
            _merge_guard(parent.guards[gid], guard)
        else:
            parent.guards[gid] = guard
    _add(parent.transparency, child.transparency)
    parent.functions.extend(f for f in child.functions if f not in parent.functions)
    parent.sources.extend(f for f in child.sources if f not in parent.sources)
    parent.sanitizers.extend(f for f in child.sanitizers if f not in parent.sanitizers)
    _add(parent.record_bases, child.record_bases)
    _add(parent.refusals, child.refusals)
    parent.origins.update(child.origins)
    parent.tiers = merge_tiers(parent.tiers, child.tiers)
    return parent


def _check_whole(pack: _Pack, file: str) -> None:
    """Checks that need the merged chain; *file* is the pack that completed it."""
    for name in pack.allowed:
        if name not in pack.categories:
            defined = ", ".join(pack.categories) or "none defined"
            raise PolicyError(file, "fields.allowed", f"category {name!r} is not defined",
                              f"a category of fields.categories ({defined})")
    for (name, _args), entry in pack.sinks.items():
        for category in entry.allowed or ():
            if category not in pack.categories:
                defined = ", ".join(pack.categories) or "none defined"
                raise PolicyError(file, f"disclosure.sinks[name={name}].allowed",
                                  f"category {category!r} is not defined",
                                  f"a category of fields.categories ({defined})")

    def fail(key: str, problem: str, expected: str | None = None) -> NoReturn:
        raise PolicyError(file, key, problem, expected)

    check_tiers(pack.tiers, {gid: g.code for gid, g in pack.guards.items()}, pack.categories, fail)
    instruments = instrument_guards(pack.tiers)  # reported as MIN200, never by a code of their own
    used: dict[str, str] = {}
    for gid, guard in pack.guards.items():
        key = f"guards[id={gid}]"
        if gid in instruments:
            pass
        elif gid not in KNOWN_GUARDS and guard.code is None:
            raise PolicyError(file, f"{key}.code", f"custom guard {gid!r} has no code",
                              "a code from MIN206 to MIN299 (court_order, jurisdiction and "
                              "terror_suspect have their own)")
        if gid in instruments:
            pass
        elif (code := guard.code or KNOWN_GUARDS[gid][0]) in used:
            raise PolicyError(file, f"{key}.code", f"{code} is already the code of guard {used[code]!r}",
                              "a code no other guard uses")
        else:
            used[code] = gid
        if not (any(guard.lists[n] for n in ("calls", "predicates", "decorators", "subjects"))
                or guard.decorator_args):
            raise PolicyError(file, key, f"guard {gid!r} can never hold: it has no calls, "
                              "predicates, decorators or subjects",
                              "at least one of calls, predicates, decorators or subjects")


def _freeze(pack: _Pack) -> Policy:
    categories = tuple(
        Category(
            name=name,
            aliases=frozenset(c.aliases),
            patterns=tuple(re.compile(p) for p in c.patterns),
            fides=c.fides,
        )
        for name, c in pack.categories.items()
    )
    guards = tuple(
        Guard(
            id=gid,
            code=g.code or KNOWN_GUARDS.get(gid, ("MIN200", ""))[0],  # an instrument check: MIN200
            title=g.title or (KNOWN_GUARDS[gid][1] if gid in KNOWN_GUARDS
                              else gid.replace("_", "-") + " check"),
            calls=tuple(g.lists["calls"]),
            predicates=tuple(g.lists["predicates"]),
            decorators=tuple(g.lists["decorators"]),
            subjects=tuple(g.lists["subjects"]),
            blocked=tuple(g.lists["blocked"]),
            decorator_args=tuple(g.decorator_args),
            applies_to=tuple(g.v2["applies_to"]),
            exempt=tuple(g.v2["exempt"]),
            unless=tuple(g.v2["unless"]),
            where=g.where,
        )
        for gid, g in pack.guards.items()
    )
    sinks = tuple(
        Sink(name, e.payload, args, None if e.allowed is None else frozenset(e.allowed), e.transparency, e.where)
        for (name, args), e in pack.sinks.items()
    )
    # The digest keys caches of results, so it covers what changes findings
    # (the content), not where the files happen to be installed.
    canonical = {
        "format": 1,
        "name": pack.name,
        "allowed": sorted(pack.allowed),
        "context": sorted(pack.context),
        "categories": [
            [c.name, sorted(c.aliases), [p.pattern for p in c.patterns], c.fides] for c in categories
        ],
        "decorators": list(pack.decorators),
        "sinks": [[s.name, None if s.payload is None else list(s.payload)] for s in sinks],
        # v2 keys only when used, so a v1 pack's digest (and its cached results) stays as it was.
        **({"sinks2": [[s.name, s.args, sorted(s.allowed) if s.allowed is not None else None, s.transparency]
                       for s in sinks]} if any(s.args or s.allowed is not None or not s.transparency
                                               for s in sinks) else {}),
        **({"v2": {
            "functions": [[f.modules, f.bases, f.names, [[d.name, d.args] for d in f.decorators]]
                          for f in pack.functions],
            "sources": [[s.calls, s.returns] for s in pack.sources],
            "sanitizers": [s.calls for s in pack.sanitizers],
            "records": pack.record_bases,
            "refusals": pack.refusals,
            "guards": [[g.id, [[d.name, d.args] for d in g.decorator_args], g.applies_to, g.exempt, g.unless]
                       for g in guards],
        }} if (pack.functions or pack.sources or pack.sanitizers or pack.record_bases or pack.refusals
               or any(g.decorator_args or g.applies_to or g.exempt or g.unless
                                    for g in guards)) else {}),
        "exits": list(pack.exits),
        "guards": [
            [g.id, g.code, g.title, list(g.calls), list(g.predicates), list(g.decorators),
             list(g.subjects), list(g.blocked)]
            for g in guards
        ],
        "transparency": list(pack.transparency),
        **({"tiers": tiers_canonical(pack.tiers)} if pack.tiers else {}),  # untiered packs keep their digest
    }
    digest = hashlib.sha256(
        json.dumps(canonical, sort_keys=True, separators=(",", ":"), ensure_ascii=True).encode()
    ).hexdigest()
    return Policy(
        name=pack.name or "",
        files=tuple(pack.files),
        allowed=frozenset(pack.allowed),
        context=frozenset(pack.context),
        categories=categories,
        decorators=tuple(pack.decorators),
        sinks=sinks,
        exits=tuple(pack.exits),
        guards=guards,
        transparency_calls=tuple(pack.transparency),
        digest=digest,
        functions=tuple(pack.functions),
        sources=tuple(pack.sources),
        sanitizers=tuple(pack.sanitizers),
        record_bases=tuple(pack.record_bases),
        refusals=tuple(pack.refusals),
        tiers=tuple(pack.tiers),
        origins=dict(pack.origins),
    )


# ---------------------------------------------------------------------------
# Finding and reading files


@dataclass(frozen=True)
class _Source:
    """A pack file, on disk or inside the installed package (maybe a zip)."""

    file: str  # shown in errors and in Policy.files
    identity: str  # what cycle detection compares: one file reached two ways is one
    resource: Traversable
    folder: Traversable  # base of a relative `extends`
    stem: str


def _rules() -> Traversable:
    try:
        return resources.files(_RULES_PACKAGE)
    except ModuleNotFoundError:
        # A source checkout used without installing: pyproject maps the
        # top-level rules/ folder to minlint.rules only in a built package.
        return Path(__file__).resolve().parents[2] / "rules"


def is_shipped(file: str) -> bool:
    """Whether *file* (a ``Policy.files`` or ``Where.file`` entry) is a pack
    shipped in the package, not one a project wrote."""
    rules = _rules()
    if not isinstance(rules, Path):
        return not _looks_like_path(file) or not Path(file).is_file()  # a zipped install: not on disk
    return Path(file).parent == rules or real(Path(file)).parent == real(rules)


def pack_names() -> list[str]:
    """The packs shipped in the package, by name."""
    try:
        entries = list(_rules().iterdir())
    except (ModuleNotFoundError, OSError):
        return []
    return sorted(e.name[: -len(".toml")] for e in entries if e.name.endswith(".toml") and e.is_file())


def _looks_like_path(spec: str) -> bool:
    return "/" in spec or "\\" in spec or spec.endswith(".toml")


def _resolve(spec: str, base: Traversable, file: str, key: str) -> _Source:
    spec = spec.strip()
    wanted = (f"a pack name ({', '.join(pack_names()) or 'none shipped'}) "
              "or a path to a .toml file")
    if not spec:
        raise PolicyError(file, key, "empty", wanted)
    if not _looks_like_path(spec):
        resource = _rules().joinpath(f"{spec}.toml")
        if not resource.is_file():
            raise PolicyError(file, key, f"unknown pack {spec!r}", wanted)
        return _Source(str(resource), _identity(resource), resource, _rules(), spec)
    given = Path(spec).expanduser()
    if given.is_absolute():
        target: Traversable = given
    elif isinstance(base, Path):
        target = base / given
    else:  # a relative path beside a pack inside a zipped install
        target = base.joinpath(*given.parts)
    if isinstance(target, Path):
        target = real(target)
    if not target.is_file():
        # the whole path, however long: it is what the user must go and fix
        raise PolicyError(file, key, f'no such file "{target}"', wanted)
    folder = target.parent if isinstance(target, Path) else base
    stem = given.name.removesuffix(".toml")
    return _Source(str(target), _identity(target), target, folder, stem)


def _identity(resource: Traversable) -> str:
    return str(real(resource)) if isinstance(resource, Path) else repr(resource)


def _stamp(resource: Traversable) -> tuple[str, int, int] | None:
    if not isinstance(resource, Path):
        return None  # inside a zip: never changes, but cannot be stat'ed either
    try:
        status = os.stat(resource)
    except OSError:
        return None
    return (str(resource), status.st_mtime_ns, status.st_size)


def _parse(source: _Source) -> tuple[dict[str, Any], str]:
    try:
        text = source.resource.read_bytes().decode("utf-8")
    except UnicodeDecodeError as exc:
        raise PolicyError(source.file, "file", f"not UTF-8 ({exc.reason})", "a UTF-8 TOML file") from None
    except OSError as exc:
        raise PolicyError(source.file, "file", f"cannot read it ({exc.strerror or exc})",
                          "a readable TOML file") from None
    try:
        return tomllib.loads(text), text
    except tomllib.TOMLDecodeError as exc:
        where, message = describe_toml_error(exc, text)
        raise PolicyError(source.file, where, f"invalid TOML: {message}", "valid TOML") from None
    except RecursionError:
        # tomllib parses nested arrays and inline tables recursively (issue 15).
        raise PolicyError(source.file, "file", "values nested too deeply to read",
                          "a pack of plain tables and lists") from None


def describe_toml_error(exc: Exception, text: str) -> tuple[str, str]:
    """('line 3, column 5', message) from a TOMLDecodeError, for a one-line error."""
    message = str(exc)
    found = re.search(r"\s*\(at line (\d+), column (\d+)\)$", message)
    if found:
        return f"line {found.group(1)}, column {found.group(2)}", message[: found.start()]
    # "(at end of document)": something was left open; point at the last line
    # that has anything on it rather than at an empty tail.
    return f"line {max(1, len(text.rstrip().splitlines()))}", message


# A chain longer than this is a mistake or an attack, not a policy; checked
# before any merging so a 3,000-pack chain costs 64 reads (issue 15).
MAX_EXTENDS = 64


def _load(source: _Source) -> _Pack:
    """The chain from *source* up its ``extends``, merged parent first.

    Iterative, not recursive: the depth of a chain is the pack author's to
    choose and must never reach Python's recursion limit.
    """
    chain: list[tuple[_Source, _Pack]] = []
    seen: dict[str, int] = {}
    current = source
    while True:
        seen[current.identity] = len(chain)
        stamp = _stamp(current.resource)  # before reading: a later edit must not look cached
        data, text = _parse(current)
        pack = _read_pack(data, current.file, current.stem, Lines(text))
        pack.stamps = None if stamp is None else [stamp]
        chain.append((current, pack))
        if not pack.extends:
            break
        parent = _resolve(pack.extends, current.folder, current.file, "policy.extends")
        if parent.identity in seen:
            loop = [s.file for s, _ in chain[seen[parent.identity]:]] + [parent.file]
            raise PolicyError(current.file, "policy.extends", "extends cycle " + " -> ".join(loop),
                              "a chain of packs that ends in a pack without extends")
        if len(chain) >= MAX_EXTENDS:
            raise PolicyError(current.file, "policy.extends",
                              f"the extends chain from {source.file} is longer than {MAX_EXTENDS} packs",
                              f"at most {MAX_EXTENDS} packs in a chain")
        current = parent
    root_source, merged = chain[-1]
    _check_whole(merged, root_source.file)
    for child_source, child in reversed(chain[:-1]):
        merged = _merge(merged, child)
        _check_whole(merged, child_source.file)
    return merged


def load_policy(
    spec: str,
    base_dir: Path,
    *,
    origin: str | None = None,
    origin_key: str = "policy",
) -> Policy:
    """spec is a pack name (a `<name>.toml` shipped in the minlint.rules package, found with importlib.resources) or a path (has a '/' or '\\' or ends with .toml; relative to base_dir). `extends` in a pack is resolved the same way, relative to that pack's folder. Raises PolicyError.

    *origin* and *origin_key* say where *spec* was written (a pyproject.toml
    and ``tool.minlint.policy``, or the command line and ``--policy``), for the
    error when it names no pack.
    """
    base = Path(base_dir).absolute()
    key = (spec, str(base), origin, origin_key)
    hit = _LOADED.get(key)
    if hit is not None and all(_stamp(Path(s[0])) == s for s in hit[0]):
        return hit[1]
    source = _resolve(spec, base, origin or spec, origin_key)
    pack = _load(source)
    policy = _freeze(pack)
    if pack.stamps is not None:
        _LOADED[key] = (tuple(pack.stamps), policy)
    return policy


# The flake8 plugin asks for the policy once per checked file and the language
# server on every keystroke; re-reading is skipped while no pack file changed.
_LOADED: dict[tuple[str, str, str | None, str], tuple[tuple[tuple[str, int, int], ...], Policy]] = {}
