"""Where each entry of a policy matches the checked code (SPEC 10: MIN902 and
``minlint policy show``).

The analysis asks the policy about the code one call at a time and never
says which entry answered; this module asks the other way round, entry by
entry, with the same :class:`~minlint.analysis.vocab.Vocabulary` methods the
analysis uses. Each entry is put alone into a copy of the policy, so "does
this entry match this call?" is exactly "would the vocabulary, knowing only
this entry, say yes?" — whatever the matchers learn (sink tables, function
descriptions, decorator arguments), this module follows without a second
implementation of them.

Cost is bounded by the word index: a call, decorator or class can only match
an entry whose last name component it spells (an import alias still spells
it in its import), so only the files holding that word are parsed, and of
them only the parts (``def``/``class``) holding it. The cache is never read:
what matched depends on the code and the pack only.
"""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from typing import Literal

import libcst as cst

from minlint.analysis.vocab import Vocabulary, calls_in
from minlint.facts.module import Function, ModuleFacts
from minlint.parse.markers import MARKER
from minlint.parse.nodes import children
from minlint.policy.model import FunctionSpec, Where
from minlint.policy.pack import Guard, Policy, Sink, is_shipped
from minlint.project.index import Project, SourceFile, module_name

__all__ = ["Entry", "EntryKind", "Liveness", "Location", "entries", "own_files"]

EntryKind = Literal["sink", "decorator", "function", "guard", "transparency", "record_base"]
# what each kind is called in a message and in `policy show` (the pack key that holds it)
KEYS: dict[EntryKind, str] = {
    "sink": "disclosure.sinks",
    "decorator": "disclosure.decorators",
    "function": "disclosure.functions",
    "guard": "guards",
    "transparency": "transparency.calls",
    "record_base": "records.bases",
}

# a file:line of the checked code where an entry matched (display path, 1-based line)
Location = tuple[str, int]

# How a match must spell an entry's word in the text, a superset of what the
# vocabulary can match, so that files and parts that cannot match are never
# parsed: a call (or an import of the name under another: `push as send`), a
# decorator (or one applied by hand, a call), a base in a class header, or
# the word anywhere (a guard's predicates and subjects are plain names).
Form = Literal["call", "decorator", "base", "word"]
_FORMS: dict[Form, str] = {
    "call": r"\b{w}(?:\s*\(|\s+as\s)",
    "decorator": r"(?:@\s*(?:[\w.]+\.)?{w}\b|\b{w}(?:\s*\(|\s+as\s))",
    "base": r"(?:\bclass\s+\w+\s*\([^)]*\b{w}\b|\b{w}\s+as\s)",
    "word": r"\b{w}\b",
}


@dataclass(frozen=True)
class Entry:
    """One entry of a policy, as MIN902 and ``policy show`` speak of it."""

    kind: EntryKind
    label: str  # as written: a sink's or a call's name, a guard's id, a table's keys
    where: Where  # the pack file and line that wrote it
    own: bool  # written by the project's own pack, not by a shipped pack it extends
    # the entry alone, as the vocabulary sees it: a copy of the policy with only it
    policy: Policy = field(compare=False, repr=False)
    # the last name components a match must spell; None: no word says (globs, bases)
    words: frozenset[str] | None = field(compare=False, repr=False)
    form: Form = field(default="word", compare=False, repr=False)  # how a match spells them


def own_files(policy: Policy) -> tuple[str, ...]:
    """The pack files of *policy*'s chain that the project wrote."""
    return tuple(f for f in policy.files if not is_shipped(f))


def entries(policy: Policy) -> list[Entry]:
    """Every entry of the merged *policy* that can match code, in pack order,
    each with where it was written and whether the project's own pack wrote it."""
    mine = set(own_files(policy))
    bare = replace(policy, sinks=(), decorators=(), functions=(), guards=(), transparency_calls=(),
                   record_bases=())
    first = policy.files[0] if policy.files else ""

    def where(key: str, name: str) -> Where:
        return policy.origins.get((key, name)) or Where(first, 0)

    out: list[Entry] = []
    for sink in policy.sinks:
        at = sink.where or Where(first, 0)
        out.append(Entry("sink", _sink_label(sink), at, at.file in mine, replace(bare, sinks=(sink,)),
                         frozenset({_last(sink.name)}), "call"))
    for name in policy.decorators:
        at = where("disclosure.decorators", name)
        out.append(Entry("decorator", name, at, at.file in mine, replace(bare, decorators=(name,)),
                         frozenset({_last(name)}), "decorator"))
    for spec in policy.functions:
        at = spec.where or Where(first, 0)
        out.append(Entry("function", _function_label(spec), at, at.file in mine,
                         replace(bare, functions=(spec,)), _function_words(spec),
                         "decorator" if spec.decorators else "word"))
    for guard in policy.guards:
        out.extend(_guard_entries(guard, policy, bare, mine))
    for name in policy.transparency_calls:
        at = where("transparency.calls", name)
        out.append(Entry("transparency", name, at, at.file in mine, replace(bare, transparency_calls=(name,)),
                         frozenset({_last(name)}), "call"))
    for name in policy.record_bases:
        at = where("records.bases", name)
        out.append(Entry("record_base", name, at, at.file in mine, replace(bare, record_bases=(name,)),
                         frozenset({_last(name)}), "base"))
    return out


def _guard_entries(guard: Guard, policy: Policy, bare: Policy, mine: set[str]) -> Iterator[Entry]:
    """The guard as the merged policy has it (shipped, or wholly the project's),
    and, when the project's pack adds names to a shipped guard of the same id,
    the project's table with only the names it wrote."""
    table = policy.origins.get(("guards", guard.id)) or guard.where or Where("", 0)
    shipped_at = guard.where or table
    lists = ("calls", "predicates", "decorators", "subjects")
    own_names = {name: tuple(n for n in getattr(guard, name)
                             if (policy.origins.get((f"guards.{guard.id}.{name}", n)) or shipped_at).file in mine)
                 for name in lists}
    own_tables = tuple(d for d in guard.decorator_args if d.where is not None and d.where.file in mine)
    if shipped_at.file in mine or table.file not in mine:
        # one pack wrote it (or the project's pack only repeats the id): the whole guard
        yield Entry("guard", guard.id, table if table.file in mine else shipped_at,
                    table.file in mine, replace(bare, guards=(guard,)), _guard_words(guard))
        return
    yield Entry("guard", guard.id, shipped_at, False, replace(bare, guards=(guard,)), _guard_words(guard))
    if any(own_names.values()) or own_tables:
        mine_only = replace(guard, calls=own_names["calls"], predicates=own_names["predicates"],
                            decorators=own_names["decorators"], subjects=own_names["subjects"],
                            decorator_args=own_tables)
        yield Entry("guard", guard.id, table, True, replace(bare, guards=(mine_only,)), _guard_words(mine_only))


def _last(name: str) -> str:
    return name.rpartition(".")[2]


def _sink_label(sink: Sink) -> str:
    if not sink.args:
        return sink.name
    return f"{sink.name} ({', '.join(f'{k}={v!r}' for k, v in sink.args)})"


def _function_label(spec: FunctionSpec) -> str:
    """A table by its keys, as written: ``names=on_GET,on_PUT bases=Servlet``."""
    parts = [f"{key}={','.join(values)}" for key, values in (
        ("modules", spec.modules), ("bases", spec.bases), ("names", spec.names)) if values]
    if spec.decorators:
        parts.append("decorators=" + ",".join(d.name for d in spec.decorators))
    return " ".join(parts)


def _function_words(spec: FunctionSpec) -> frozenset[str] | None:
    """The words a function a table matches must spell: its decorators' last
    names (one of them), else its names' last components when none is a glob.
    ``bases`` can be reached through classes of the checked code that name
    another class, and module globs through any file: no word says."""
    if spec.decorators:
        return frozenset(_last(d.name) for d in spec.decorators)
    lasts = {_last(n) for n in spec.names}
    if lasts and not any(_is_glob(n) for n in lasts):
        return frozenset(lasts)
    return None


def _guard_words(guard: Guard) -> frozenset[str]:
    return frozenset(_last(n) for n in (*guard.calls, *guard.predicates, *guard.decorators, *guard.subjects,
                                        *(d.name for d in guard.decorator_args)))


def _is_glob(text: str) -> bool:
    return any(c in text for c in "*?[")


_CLASS = re.compile(r"^[ \t]*class[ \t]+(\w+)[ \t]*\(([^)]*)\)", re.MULTILINE)


class Liveness:
    """Where entries of a policy match in a project: the files the word
    index says may match, parsed part by part, asked through the vocabulary."""

    def __init__(self, project: Project) -> None:
        self.project = project
        self._files = {f.path: f for f in project.files}

    # -- the entries --------------------------------------------------------
    def matches(self, entry: Entry, limit: int | None = None) -> list[Location]:
        """Where *entry* matches, in file and line order (at most *limit*)."""
        vocab = Vocabulary(entry.policy)
        out: list[Location] = []
        for f in self._candidates(entry):
            module = self.project.facts(f)
            if module is None:
                continue
            for node in self._matching(entry, vocab, module):
                out.append((module.display, module.line_of(node)))
            if limit is not None and len(set(out)) >= limit:
                break
        found = sorted(set(out))
        return found[:limit] if limit is not None else found

    def any_disclosure(self, policy: Policy) -> bool:
        """Whether the project holds a disclosure of *policy* at all: a call
        of a sink, or a disclosure function (decorated, described, marked)."""
        if any(self.matches(e, limit=1) for e in entries(policy) if e.kind in ("sink", "decorator", "function")):
            return True
        for f in self.project.files:
            text = self.project.texts.get(f.path)
            if text is None or "minlint" not in text or MARKER.search(text) is None:
                continue
            module = self.project.facts(f)
            if module is not None and any(fn.marked for fn in self._functions(module, _part_filter(None))):
                return True
        return False

    # -- candidates ---------------------------------------------------------
    def _candidates(self, entry: Entry) -> list[SourceFile]:
        if entry.kind == "function":
            return self._function_candidates(entry)
        words = entry.words or frozenset()
        return self._spelling(words, entry.form)

    def _spelling(self, words: frozenset[str], form: Form) -> list[SourceFile]:
        """The files that spell one of *words* in *form* (a substring test
        first: most files hold none of them, and ``in`` is far cheaper)."""
        spelt = _spelling(form, words)
        out = []
        for f in self.project.files:
            text = self.project.texts.get(f.path)
            if text is not None and any(w in text for w in words) and spelt.search(text):
                out.append(f)
        return out

    def _function_candidates(self, entry: Entry) -> list[SourceFile]:
        spec = entry.policy.functions[0]
        files = list(self.project.files)
        if entry.words is not None:
            files = self._spelling(entry.words, entry.form)
        if spec.modules:
            files = [f for f in files
                     if any(_glob_match(g, module_name(f.path, self.project.root)) for g in spec.modules)]
        if spec.bases:
            derived = self._derived_words(frozenset(_last(b) for b in spec.bases))
            files = [f for f in files if any(_word(w).search(self.project.texts.get(f.path, "")) for w in derived)]
        return files

    def _derived_words(self, bases: frozenset[str]) -> set[str]:
        """The class names that may derive from one of *bases* through classes
        of the checked code: a fixed point over ``class X(...)`` headers that
        spell a name already in the set (text only, a superset)."""
        known = set(bases)
        todo = list(bases)
        while todo:
            word = todo.pop()
            for path in self.project.files_with(word):
                for name, written in _CLASS.findall(self.project.texts.get(path, "")):
                    if name not in known and word in re.findall(r"\w+", written):
                        known.add(name)
                        todo.append(name)
        return known

    # -- matching in one module ---------------------------------------------
    def _matching(self, entry: Entry, vocab: Vocabulary, module: ModuleFacts) -> Iterator[cst.CSTNode]:
        """The nodes of *module* where *entry* (alone in *vocab*) matches."""
        wanted = _part_filter(_aliased(entry.words, module), entry.form)
        if entry.kind == "record_base":
            yield from self._record_classes(entry, vocab, module, wanted)
            return
        for fn in self._functions(module, wanted):
            if entry.kind in ("decorator", "function"):
                if fn.node is not None and vocab.is_disclosure_function(_unmarked(fn)):
                    yield fn.node
                continue
            for call in self._calls(fn):
                if _call_matches(entry.kind, vocab, call, fn):
                    yield call
            if entry.kind == "guard":
                yield from _guard_uses(vocab, fn)

    def _record_classes(self, entry: Entry, vocab: Vocabulary, module: ModuleFacts,
                        wanted: Callable[[object], bool]) -> Iterator[cst.CSTNode]:
        names = [c for chunk in module.chunks if wanted(chunk.part) for c in chunk.part.classes]
        for name in dict.fromkeys(names):
            cls = module.class_named(name)
            if cls is not None and vocab.record_bases_of(cls):
                yield cls.node

    @staticmethod
    def _functions(module: ModuleFacts, wanted: Callable[[object], bool]) -> Iterator[Function]:
        if module.module_function is not None:
            yield module.module_function
        yield from module.functions_where(wanted)  # type: ignore[arg-type]

    @staticmethod
    def _calls(fn: Function) -> Iterator[cst.Call]:
        if fn.node is not None:
            yield from calls_in(fn.node.body)
            return
        for stmt in fn.module.runs():
            yield from calls_in(stmt)


def _call_matches(kind: EntryKind, vocab: Vocabulary, call: cst.Call, fn: Function) -> bool:
    if kind == "sink":
        return vocab.sink(call, fn) is not None
    if kind == "transparency":
        return vocab.is_record(call, fn)
    return kind == "guard" and bool(vocab.guard_calls(call, fn))


def _guard_uses(vocab: Vocabulary, fn: Function) -> Iterator[cst.CSTNode]:
    """Where a guard (alone in *vocab*) is used other than by a call: a
    decorator, a predicate in a test, a subject compared."""
    if fn.node is None:
        return
    for dec in fn.decorators:
        if vocab.decorator_guards(dec, fn, vocab.policy.guards):
            yield dec
    tests: list[cst.CSTNode] = []
    stack: list[cst.CSTNode] = [fn.node.body]
    while stack:
        cur = stack.pop()
        if isinstance(cur, (cst.FunctionDef, cst.ClassDef)):
            continue
        if isinstance(cur, (cst.If, cst.While, cst.Assert, cst.IfExp)):
            tests.append(cur.test)
        elif isinstance(cur, cst.Comparison):
            for side in (cur.left, *(c.comparator for c in cur.comparisons)):
                if vocab.subject_guards(side):
                    yield side
        stack.extend(children(cur))
    for test in tests:
        if vocab.predicates_in(test, fn):
            yield test


def _aliased(words: frozenset[str] | None, module: ModuleFacts) -> frozenset[str] | None:
    """*words* and the local names the module imports them as
    (``from portal import push as send``: a part calling ``send`` matches ``push``)."""
    if words is None:
        return None
    local = {name for name, qualified in module.imports.bound.items() if _last(qualified) in words}
    return words | local if local else words


def _unmarked(fn: Function) -> Function:
    """*fn* without its ``# minlint: disclosure`` comment: a marked function is
    a disclosure function whatever the pack says, so only the pack may answer."""
    return replace(fn, marked=False) if fn.marked else fn


def _part_filter(words: Iterable[str] | None, form: Form = "word") -> Callable[[object], bool]:
    if words is None:
        return lambda part: True
    pattern = _spelling(form, words)
    return lambda part: pattern.search(part.text) is not None  # type: ignore[attr-defined]


def _spelling(form: Form, words: Iterable[str]) -> re.Pattern[str]:
    """One expression that finds any of *words* spelt in *form*."""
    key = (form, *sorted(words))
    got = _SPELLINGS.get(key)
    if got is None:
        alternatives = "|".join(re.escape(w) for w in sorted(words)) or r"(?!)"
        got = _SPELLINGS[key] = re.compile(_FORMS[form].format(w=f"(?:{alternatives})"))
    return got


_SPELLINGS: dict[tuple[str, ...], re.Pattern[str]] = {}


_WORDS: dict[str, re.Pattern[str]] = {}


def _word(word: str) -> re.Pattern[str]:
    got = _WORDS.get(word)
    if got is None:
        got = _WORDS[word] = re.compile(rf"\b{re.escape(word)}\b")
    return got


def _glob_match(glob: str, name: str) -> bool:
    """SPEC v2 names: a glob without a dot matches the last component."""
    return fnmatch.fnmatchcase(name if "." in glob else _last(name), glob)


def limited(found: Sequence[Location], limit: int) -> tuple[list[Location], int]:
    """The first *limit* locations and how many more there are."""
    return list(found[:limit]), max(0, len(found) - limit)
