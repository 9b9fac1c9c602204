"""The project index: every checked file, parsed only when the analysis needs it.

Reading a file is cheap; parsing it with libcst is not. The index reads every
file, finds the *seeds* (files that can contain a disclosure) by a textual
prefilter, and parses the other modules only when a seed's analysis asks for
them: a helper it calls, a constant it imports, the callers of a function
that holds a disclosure. Even then only the parts of a module that the
question is about are parsed (facts.py, chunks.py).
"""

from __future__ import annotations

import functools
import os
import re
import unicodedata
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, TypeAlias

from minlint.core.paths import real
from minlint.parse.markers import MARKER
from minlint.parse.source import Unreadable, read_text
from minlint.policy.pack import Policy

if TYPE_CHECKING:  # the parts that parse load libcst when first used: a cached run never does
    import libcst as cst

    from minlint.facts.module import ClassFacts, Function, ModuleFacts


# Names searched for callers before the word index pays for itself, and the
# smallest project where it can: below either, each name is one scan of the texts.
WORD_INDEX_AFTER = 32
WORD_INDEX_FILES = 300
_WORD = re.compile(r"\w+")


@dataclass(frozen=True)
class SourceFile:
    path: Path
    display: str  # as the user gave it, POSIX separators
    # matched by the project's `exclude` (SPEC 8.7): not checked, no seed, and
    # its call sites are not callers, but its definitions are read where
    # checked code uses them (so --exclude removes findings, never changes
    # other files' analysis)
    excluded: bool = False


@dataclass
class Deps:
    """What one seed's analysis read: the files it parsed and the names it
    searched for callers of. A cached result stays valid while these files
    are unchanged and each name is still found in the same files."""

    files: set[Path] = field(default_factory=set)
    words: set[str] = field(default_factory=set)
    # the parts it asked about that libcst could not parse (Python can)
    unparsed: dict[Path, Unreadable] = field(default_factory=dict)


@dataclass(frozen=True)
class CallSite:
    caller: Function
    call: cst.Call


Target: TypeAlias = "Function | ClassFacts"


@functools.lru_cache(maxsize=4096)
def _package_of(folder: Path) -> tuple[str, ...] | None:
    """The dotted package a folder is, through its chain of ``__init__.py``
    files, or None when it is no package. One answer per folder: every file
    of a folder shares it."""
    if not (folder / "__init__.py").is_file() or folder == folder.parent:
        return None
    outer = _package_of(folder.parent)
    return (*(outer or ()), folder.name)


@functools.lru_cache(maxsize=16)
def _real_root(root: Path) -> Path:
    return real(root)  # a system call per component: once per root, not once per file


def module_name(path: Path, root: Path) -> str:
    """Dotted module name: through the package chain of ``__init__.py`` files,
    else relative to the root (namespace packages, ``src/`` layouts)."""
    path = Path(os.path.abspath(path)) if not path.is_symlink() else real(path)
    package = _package_of(path.parent)
    if package is not None:
        return ".".join(package if path.name == "__init__.py" else (*package, path.stem))
    try:
        rel = path.relative_to(_real_root(root))
    except ValueError:
        return path.stem
    pieces = list(rel.with_suffix("").parts)
    if pieces and pieces[-1] == "__init__":
        pieces.pop()
    if pieces and pieces[0] in ("src", "lib"):
        pieces.pop(0)
    return ".".join(pieces) or path.stem




def _has_word(text: str, word: str) -> bool:
    """*word* in *text* as a whole word, as the regular expression ``\\bword\\b``
    finds it (str.find, then a look at each side: several times faster)."""
    at = text.find(word)
    while at >= 0:
        end = at + len(word)
        before = text[at - 1] if at else " "
        after = text[end] if end < len(text) else " "
        if not (before.isalnum() or before == "_") and not (after.isalnum() or after == "_"):
            return True
        at = text.find(word, at + 1)
    return False


def sink_words(policy: Policy) -> frozenset[str]:
    """The last component of each sink's name: what a call of it spells,
    even through an import alias (the alias's import still names it)."""
    return frozenset(s.name.rpartition(".")[2] for s in policy.sinks)


def _words(policy: Policy) -> set[str]:
    """Names whose presence in a file's text makes it a seed: the sinks' and
    the disclosure decorators' last components."""
    return set(sink_words(policy)) | {d.rpartition(".")[2] for d in policy.decorators}


class Project:
    def __init__(
        self, files: Iterable[SourceFile], root: Path, policy: Policy, overrides: dict[Path, str] | None = None,
        *, whole: bool = False,
    ) -> None:
        self.root = root
        self.whole = whole  # read every module whole, as one tree (minlint fix edits it), not in parts
        self.policy = policy
        _package_of.cache_clear()  # a long-lived server must see a new __init__.py
        _real_root.cache_clear()
        self.files = sorted(files, key=lambda f: f.display)
        self.texts: dict[Path, str] = {}
        self.unreadable: dict[Path, Unreadable] = {}
        self.by_name: dict[str, SourceFile] = {}
        self._facts: dict[Path, ModuleFacts | None] = {}
        self._deps: Deps | None = None
        self._word_files: dict[str, list[Path]] = {}
        self._by_suffix: dict[str, SourceFile | None] = {}
        self._word_index: dict[str, list[Path]] | None = None
        # keyed by id(target); the target is kept in the entry, so its id cannot be reused while it is there
        self._call_sites: dict[int, tuple[list[CallSite], bool, list[Path], Function]] = {}
        self._parsed_chars = 0  # source characters of the modules whose trees are held
        self.forgotten_chars = 0  # source characters of the trees trim() has let go, over the run
        self.collected_chars = 0  # forgotten_chars at the last cycle collection
        self.seeds_since_collection = 0
        # per module, per function (by id; the function is kept in the entry): its uses by name
        self._module_uses: dict[Path, dict[int, tuple[Function, dict[str, list[tuple[cst.CSTNode, bool]]]]]] = {}
        self._by_path = {f.path: f for f in self.files}
        self.excluded = frozenset(f.path for f in self.files if f.excluded)
        overrides = {real(p): t for p, t in (overrides or {}).items()}
        for f in self.files:
            try:
                # an editor's unsaved buffer stands in for the file on disk
                override = overrides.get(real(f.path))
                self.texts[f.path] = override if override is not None else read_text(f.path)
            except Unreadable as exc:
                self.unreadable[f.path] = exc
                continue
            self.by_name.setdefault(module_name(f.path, root), f)
        self._seed_words = tuple(sorted(_words(policy)))

    # -- modules ------------------------------------------------------------
    def seeds(self) -> list[SourceFile]:
        # a substring test first: most files mention no sink, and `in` is far
        # cheaper than the regular expression over a whole text
        words = self._seed_words
        out = []
        for f in self.files:
            text = self.texts.get(f.path)
            if text is None or f.excluded:
                continue
            if not text.isascii():  # Python reads identifiers NFKC-normalised, so does the prefilter
                text = unicodedata.normalize("NFKC", text)
            if any(_has_word(text, w) for w in words) or ("minlint" in text and MARKER.search(text)):
                out.append(f)
        return out

    def display(self, path: Path) -> str:
        return self._by_path[path].display

    def track(self, deps: Deps | None) -> None:
        """Record what the analysis reads into *deps* (None: stop recording)."""
        self._deps = deps

    def files_with(self, word: str) -> list[Path]:
        """The files where *word* occurs as a whole word, in the project's order."""
        found = self._word_files.get(word)
        if found is None:
            if self._word_index is None and len(self._word_files) >= WORD_INDEX_AFTER \
                    and len(self.files) >= WORD_INDEX_FILES:
                self._word_index = self._index_words()
            if self._word_index is not None and _WORD.fullmatch(word):
                found = self._word_index.get(word, [])
            else:
                # the substring test first: `in` is far cheaper than the expression
                pattern = re.compile(rf"\b{re.escape(word)}\b")
                texts = self.texts
                found = [f.path for f in self.files
                         if word in texts.get(f.path, "") and pattern.search(texts[f.path])]
            self._word_files[word] = found
        return found

    def _index_words(self) -> dict[str, list[Path]]:
        """Every whole word -> the files it occurs in. Scanning every text per
        name searched grows with files x names (quadratic on a tree where
        every file is a seed); one pass over every text does not. A maximal
        run of word characters equal to *w* is exactly a match of
        ``\\bw\\b``, so the answers are those of the scan."""
        index: dict[str, list[Path]] = {}
        for f in self.files:
            text = self.texts.get(f.path)
            if text is None:
                continue
            for w in set(_WORD.findall(text)):
                index.setdefault(w, []).append(f.path)
        return index

    def facts(self, f: SourceFile) -> ModuleFacts | None:
        if self._deps is not None:
            self._deps.files.add(f.path)
        if f.path in self._facts:
            facts = self._facts.pop(f.path)
            self._facts[f.path] = facts  # the most recently used last: trim() forgets from the front
            return facts
        facts = None
        text = self.texts.get(f.path)
        if text is not None:
            from minlint.facts.module import read_module

            try:
                facts = read_module(f.path, f.display, module_name(f.path, self.root), text, whole=self.whole)
            except Unreadable as exc:
                self.unreadable[f.path] = exc
            else:
                self._parsed_chars += facts.parsed_chars
                facts.on_parse = self._grew
                facts.on_unparsed = functools.partial(self._unparsed, f.path)
        self._facts[f.path] = facts
        return facts

    def trim(self, budget: int) -> None:
        """Forget the parsed modules used longest ago until those still held
        come from at most *budget* characters of source (libcst holds about
        sixty bytes per character), with what was computed from them. Called
        between seeds: a module forgotten and needed again is parsed again,
        with the same result."""
        if self._parsed_chars <= budget:
            return
        forgotten: set[Path] = set()
        for path in list(self._facts):
            if self._parsed_chars <= budget:
                break
            facts = self._facts[path]
            if facts is None:
                continue
            del self._facts[path]
            self._module_uses.pop(path, None)
            self._parsed_chars -= facts.parsed_chars
            self.forgotten_chars += facts.parsed_chars
            forgotten.add(path)
            facts.release()
        for key, (_, _, read, target) in list(self._call_sites.items()):
            if target.module.path in forgotten or not forgotten.isdisjoint(read):
                del self._call_sites[key]

    def _grew(self, chars: int) -> None:
        self._parsed_chars += chars

    def _unparsed(self, path: Path, problem: Unreadable) -> None:
        if self._deps is not None:
            self._deps.unparsed.setdefault(path, problem)

    def parsed(self) -> Iterator[ModuleFacts]:
        for facts in list(self._facts.values()):
            if facts is not None:
                yield facts

    def module(self, name: str) -> ModuleFacts | None:
        f = self._source_named(name)
        return self.facts(f) if f is not None else None

    def may_bind(self, qualified: str, constant: Callable[[ModuleFacts, str], bool], depth: int = 0) -> bool:
        """Whether the qualified name, looked up as ``resolve_qualified``
        does, can end at a module constant: the only binding through which a
        called name can be a sink (``Analysis._indirect_sink``). A module's
        own definitions are told by the names of its parts, unparsed; a
        re-export is followed to where it comes from. A superset: it only
        decides whether to look closer. *constant* says whether a module
        constant found so may be a sink."""
        if depth > 8:
            return True
        for module, rest in self._modules_of(qualified):
            if len(rest) > 1:
                return True  # an attribute of something in the module: not followed here
            word = rest[0]
            if word in module.constants:
                return constant(module, word)
            if any(c.part.name == word or word in c.part.classes for c in module.chunks):
                return False  # a def or class of the module: what the lookup finds first
            if any(word in c.toplevel or word in c.classes for c in module.chunks if c.tree is not None):
                return False
            target = module.imports.qualify(word)
            if target is not None:
                return self.may_bind(target, constant, depth + 1)
            return any(self.may_bind(f"{star}.{word}", constant, depth + 1) for star in module.imports.star_from)
        return False

    def _source_named(self, name: str) -> SourceFile | None:
        f = self.by_name.get(name)
        if f is None:
            if name in self._by_suffix:
                f = self._by_suffix[name]
            else:
                # a tree checked from outside its source root: match by suffix
                for known, candidate in self.by_name.items():
                    if known.endswith("." + name) or name.endswith("." + known):
                        f = candidate
                        break
                self._by_suffix[name] = f  # most names asked for are not ours (stdlib, packages)
        return f

    # -- names --------------------------------------------------------------
    def resolve_qualified(self, qualified: str, depth: int = 0) -> Target | tuple[ModuleFacts, str] | None:
        """A qualified name -> the function, class or module constant it names."""
        if depth > 8:  # re-export chains are short; a cycle must not loop
            return None
        for module, rest in self._modules_of(qualified):
            return self.lookup(module, rest, depth)
        return None

    def _modules_of(self, qualified: str) -> Iterator[tuple[ModuleFacts, list[str]]]:
        """The checked modules a qualified name can be in, the longest prefix
        first, each with the rest of the name (``a.b.C.m`` -> ``a.b``, ``[C, m]``)."""
        parts = qualified.split(".")
        for i in range(len(parts) - 1, 0, -1):
            module = self.module(".".join(parts[:i]))
            if module is not None:
                yield module, parts[i:]

    def lookup(self, module: ModuleFacts, attrs: list[str], depth: int = 0) -> Target | tuple[ModuleFacts, str] | None:
        head = attrs[0]
        if len(attrs) == 1:
            fn = module.toplevel_named(head)
            if fn is not None:
                return fn
        cls = module.class_named(head)
        if cls is not None:
            if len(attrs) == 1:
                return cls
            if len(attrs) == 2 and attrs[1] in cls.methods:
                return cls.methods[attrs[1]]
            return None
        if len(attrs) == 1 and head in module.constants:
            return (module, head)
        target = module.imports.qualify(".".join(attrs))
        if target is not None:
            return self.resolve_qualified(target, depth + 1)
        for star in module.imports.star_from:
            found = self.resolve_qualified(f"{star}.{'.'.join(attrs)}", depth + 1)
            if found is not None:
                return found
        return None

    def resolve(self, expr: cst.BaseExpression, scope: Function) -> Target | tuple[ModuleFacts, str] | None:
        """What a name or attribute chain used inside *scope* refers to, in the checked code."""
        from minlint.facts.names import dotted

        name = dotted(expr)
        if name is None:
            return None
        module = scope.module
        head, _, rest = name.partition(".")
        if head in ("self", "cls") and rest and scope.cls is not None and "." not in rest:
            return scope.cls.methods.get(rest)
        # nested functions of the enclosing scopes shadow module-level names
        fn: Function | None = scope
        while fn is not None and fn.node is not None:
            nested = module.function_named(f"{fn.qualname}.<locals>.{head}")
            if nested is not None:
                return nested if not rest else None
            fn = fn.parent
        return self.lookup(module, name.split("."))

    def modules_with(self, word: str) -> list[ModuleFacts]:
        """The modules whose text holds *word* as a whole word (subclasses of
        a class name it); recorded for the seed that asks, as callers are."""
        if self._deps is not None:
            self._deps.words.add(word)
        out = []
        for path in self.files_with(word):
            module = self.facts(self._by_path[path])
            if module is not None:
                out.append(module)
        return out

    # -- callers ------------------------------------------------------------
    def call_sites(self, target: Function) -> tuple[list[CallSite], bool]:
        """Every call of *target* in the checked code, and whether it is also
        used in a way the index cannot follow (passed as a value, called on an
        unknown object): then its callers are not all known. Memoised for the
        run; what it read is recorded for each seed that asks."""
        name = target.name
        if self._deps is not None:
            self._deps.words.add(name)
        memo = self._call_sites.get(id(target))
        if memo is None:
            import libcst as cst

            sites: list[CallSite] = []
            escapes = False
            read: list[Path] = []
            for path in self.files_with(name):
                if path in self.excluded:
                    continue  # SPEC 8.7: an excluded file's call sites are not callers
                module = self.facts(self._by_path[path])
                read.append(path)
                if module is None:
                    continue
                for fn, node, is_call in self._uses(module, name):
                    if is_call:
                        assert isinstance(node, cst.Call)
                        resolved = self.resolve(node.func, fn)
                        if resolved is target:
                            sites.append(CallSite(fn, node))
                        elif resolved is None and isinstance(node.func, cst.Attribute) and target.cls is not None:
                            escapes = True  # obj.method(): maybe ours, maybe not
                    elif self.resolve(node, fn) is target:  # type: ignore[arg-type]
                        escapes = True  # passed as a value: called from somewhere we cannot see
            memo = (sites, escapes, read, target)
            self._call_sites[id(target)] = memo
        elif self._deps is not None:
            self._deps.files.update(memo[2])
        return memo[0], memo[1]

    def _uses(self, module: ModuleFacts, name: str) -> Iterator[tuple[Function, cst.CSTNode, bool]]:
        """Every call of *name* (by the callee's last name) and every other use
        of it in the module, by function, in the order of the module's
        functions. Only the parts whose text holds the word are parsed; each
        function's code is walked once, for all names."""
        from minlint.parse.nodes import uses_in

        walked = self._module_uses.setdefault(module.path, {})
        word = re.compile(rf"\b{re.escape(name)}\b")
        for fn in (module.module_function, *module.functions_where(lambda p: word.search(p.text) is not None)):
            if fn is None:
                continue
            found = walked.get(id(fn))
            if found is None or found[0] is not fn:
                calls, refs = uses_in(module.runs() if fn.node is None else (fn.node.body,))
                by_name: dict[str, list[tuple[cst.CSTNode, bool]]] = {}
                for used, call in calls:
                    by_name.setdefault(used, []).append((call, True))
                for used, ref in refs:
                    by_name.setdefault(used, []).append((ref, False))
                found = walked[id(fn)] = (fn, by_name)
            for node, is_call in found[1].get(name, ()):
                yield fn, node, is_call
