"""Facts about one module: its functions, classes, imports and constants.

A module is read in parts (chunks.py): its imports come from ``ast``, its
module-level statements are parsed with libcst at once, and each top-level
``def`` or ``class`` only when a lookup, a caller search or the disclosure
search needs it. Each part's facts are gathered in one walk over its
statements (functions and classes can only be defined by statements), never
every expression; the lookups answer what the whole module's tree would.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import libcst as cst

from minlint.facts.cfg import CFG, build_cfg
from minlint.facts.names import Imports, decorator_target, dotted, known_names, last_name
from minlint.parse.chunks import Part
from minlint.parse.markers import MARKER
from minlint.parse.positions import Positions
from minlint.parse.source import Unreadable

# the line breaks str.splitlines() would not split on too (form feeds, ...) are
# not line breaks to Python's tokenizer, nor to a finding's line number
_LINE_BREAK = re.compile(r"\r\n|\r|\n")

RECORD_BASES = {
    "BaseModel": "pydantic",
    "Model": "model",  # django.db.models.Model and friends
    "Serializer": "serializer",
    "ModelSerializer": "serializer",
    "HyperlinkedModelSerializer": "serializer",
    "NamedTuple": "namedtuple",
    "TypedDict": "typeddict",
    "Schema": "schema",
}


@dataclass(eq=False)
class Function:
    """A function, a method, or a module's top level (``node`` None)."""

    qualname: str  # "build", "Handler.answer", "outer.<locals>.inner", "<module>"
    module: ModuleFacts
    node: cst.FunctionDef | None
    cls: ClassFacts | None = None
    parent: Function | None = None
    positional: tuple[str, ...] = ()  # parameters that take positional arguments, in order
    keyword: tuple[str, ...] = ()  # every parameter that can be passed by name
    star: str | None = None  # *args
    marked: bool = False  # `# minlint: disclosure` on the def line
    _cfg: CFG | None = None

    @property
    def name(self) -> str:
        return self.qualname.rpartition(".")[2]

    @property
    def body(self) -> cst.BaseSuite | tuple[cst.BaseStatement, ...]:
        if self.node is None:
            return self.module.body()
        return self.node.body

    @property
    def decorators(self) -> tuple[cst.Decorator, ...]:
        return tuple(self.node.decorators) if self.node is not None else ()

    @property
    def params(self) -> tuple[str, ...]:
        return self.keyword + ((self.star,) if self.star else ())

    @property
    def cfg(self) -> CFG:
        """The control-flow graph of the body, with no call taken to never
        return (that is an analysis's decision: ``CFG.with_exits``). A fact:
        the same for every analysis that asks."""
        if self._cfg is None:
            imports = self.module.imports
            self._cfg = build_cfg(self.body, lambda item: _suppresses(item, imports))
        return self._cfg


@dataclass(eq=False)
class ClassFacts:
    name: str
    module: ModuleFacts
    node: cst.ClassDef
    kinds: frozenset[str]  # dataclass, pydantic, model, serializer, namedtuple, ...
    fields: tuple[tuple[str, cst.CSTNode], ...]  # annotated attributes, in order
    meta_fields: tuple[tuple[str, cst.CSTNode], ...] | str | None  # DRF Meta.fields: names, "__all__" or None
    meta_node: cst.CSTNode | None
    methods: dict[str, Function] = field(default_factory=dict)


@dataclass(eq=False)
class Chunk:
    """A part of a module (chunks.py) and what its tree says, once parsed."""

    part: Part
    tree: cst.Module | None = None
    failed: Unreadable | None = None  # libcst could not parse it, although Python can: it defines nothing
    functions: dict[str, Function] = field(default_factory=dict)
    toplevel: dict[str, Function] = field(default_factory=dict)
    classes: dict[str, ClassFacts] = field(default_factory=dict)
    _positions: Positions | None = None

    @property
    def positions(self) -> Positions:
        assert self.tree is not None
        if self._positions is None:
            self._positions = Positions(self.tree, self.part.lines, self.part.text)
        return self._positions


class ModuleFacts:
    """A module's definitions, imports and constants. Parsed in parts
    (chunks.py): imports, constants and other module-level statements at
    once, each top-level ``def`` and ``class`` when a lookup or a search
    needs it. Every answer is the one the whole module's tree gives."""

    def __init__(self, path: Path, display: str, name: str, text: str, parts: list[Part]) -> None:
        self.path = path
        self.display = display  # the path as the user gave it, POSIX separators
        self.name = name  # dotted module name
        self.text = text
        self.imports = Imports(module=name, is_package=path.name == "__init__.py")
        self.constants: dict[str, list[cst.BaseExpression]] = {}
        self.chunks = [Chunk(p) for p in parts]
        # which parts a lookup must look at, in source order: those that can
        # define the name, and the runs of statements (conditional definitions)
        self._runs = [c for c in self.chunks if c.part.name is None]
        self._named: dict[str, list[Chunk]] = {}
        self._filing: dict[str, list[Chunk]] = {}  # class name -> the parts that file a class under it
        for chunk in self.chunks:
            if chunk.part.name is not None:
                self._named.setdefault(chunk.part.name, []).append(chunk)
            for name in chunk.part.classes:
                self._filing.setdefault(name, []).append(chunk)
        self._order = {id(c): i for i, c in enumerate(self.chunks)}
        self._run_heads: dict[str, list[Chunk]] | None = None  # see _runs_defining
        self._chunk_of: dict[int, Chunk] = {}  # id(node) -> its part, for the parts indexed so far
        # the parts parsed and not yet in _chunk_of, in source order: chunk_of
        # looks only at these (looking at every part on each lookup was
        # quadratic in a module of thousands of small functions, issue 15)
        self._pending: list[Chunk] = []
        self.module_function: Function | None = Function("<module>", self, None)
        self._line_starts: list[int] | None = None  # offset of each line, for source_line
        # one string per line for every finding on it: n findings on one long
        # line held n copies of it (quadratic memory, issue 15)
        self._stripped: dict[int, str] = {}
        self.parsed_chars = 0  # characters of the parts parsed so far
        self.on_parse: Callable[[int], None] | None = None  # told the characters of each part parsed later
        # told each part asked about that libcst cannot parse (each time it is asked about)
        self.on_unparsed: Callable[[Unreadable], None] | None = None

    # -- parsing ------------------------------------------------------------
    def _parse(self, chunk: Chunk, tree: cst.Module | None = None) -> None:
        from minlint.parse.source import parse_part

        if tree is None:
            try:
                tree = parse_part(chunk.part.text, chunk.part.first_line)
            except Unreadable as exc:
                chunk.failed = exc
                if self.on_unparsed is not None:
                    self.on_unparsed(exc)
                return
        chunk.tree = tree
        bisect.insort(self._pending, chunk, key=lambda c: self._order[id(c)])
        # a definition's imports were added from ast, in order, when the module was read
        _walk(tuple(tree.body), self, chunk, "", None, None, True, chunk.part.imports is None)
        self.parsed_chars += len(chunk.part.text)
        if self.on_parse is not None:
            self.on_parse(len(chunk.part.text))

    def _load(self, wanted: Callable[[Part], bool]) -> None:
        for chunk in self.chunks:
            if chunk.tree is None and wanted(chunk.part):
                self._ensure(chunk)

    def _ensure(self, chunk: Chunk) -> None:
        """Parse *chunk* if it is not yet; one libcst refuses is reported each time it is asked about."""
        if chunk.tree is not None:
            return
        if chunk.failed is None:
            self._parse(chunk)
        elif self.on_unparsed is not None:
            self.on_unparsed(chunk.failed)

    def _parsed(self) -> Iterator[Chunk]:
        return (c for c in self.chunks if c.tree is not None)

    # -- lookups (each parses only the parts that can define the name) -------
    def toplevel_named(self, name: str) -> Function | None:
        """The module-level function *name* (the last definition wins)."""
        return self._last_named(name, name, lambda c: c.toplevel)

    def function_named(self, qualname: str) -> Function | None:
        return self._last_named(qualname.partition(".")[0], qualname, lambda c: c.functions)

    def _last_named(self, head: str, key: str, table: Callable[[Chunk], dict[str, Function]]) -> Function | None:
        # every qualname a part defines starts with the part's name
        found = None
        for chunk in self._candidates(self._named.get(head, ()), head):
            found = table(chunk).get(key, found)
        return found

    def class_named(self, name: str) -> ClassFacts | None:
        """The class filed under *name* (nested classes too; the first wins)."""
        for chunk in self._candidates(self._filing.get(name, ()), name):
            if name in chunk.classes:
                return chunk.classes[name]
        return None

    def _candidates(self, named: Iterable[Chunk], head: str) -> list[Chunk]:
        """*named* (parsed now if need be) and the runs of statements that
        define something under *head*, parsed, in source order."""
        for chunk in named:
            self._ensure(chunk)
        runs = self._runs_defining().get(head, ())
        got = [c for c in (*runs, *named) if c.tree is not None]
        if named and runs:
            got.sort(key=lambda c: self._order[id(c)])
        return got

    def _runs_defining(self) -> dict[str, list[Chunk]]:
        """The runs of statements (parsed with the module) by the first name
        of each function and class they define."""
        if self._run_heads is None:
            self._run_heads = {}
            for run in self._runs:
                heads = {q.partition(".")[0] for q in run.functions} | set(run.toplevel) | set(run.classes)
                for head in heads:
                    self._run_heads.setdefault(head, []).append(run)
        return self._run_heads

    def functions_where(self, wanted: Callable[[Part], bool]) -> list[Function]:
        """``functions.values()`` less the functions all of whose definitions
        lie in parts *wanted* refuses, in the same order; parses only the
        parts that define a function it returns."""
        heads: set[str] = set()
        for chunk in self.chunks:
            if not wanted(chunk.part):
                continue
            if chunk.part.name is not None:
                heads.add(chunk.part.name)
            else:  # statements parsed with the module: their conditional definitions
                heads.update(q.partition(".")[0] for q in chunk.functions)
        self._load(lambda p: p.name in heads)
        merged: dict[str, Function] = {}
        for chunk in self._parsed():
            merged.update((q, f) for q, f in chunk.functions.items() if q.partition(".")[0] in heads)
        return list(merged.values())

    @property
    def functions(self) -> dict[str, Function]:
        """Every function by qualname (parses the whole module)."""
        return self._merged(lambda c: c.functions)

    @property
    def toplevel(self) -> dict[str, Function]:
        """Module-level functions by name (parses the whole module)."""
        return self._merged(lambda c: c.toplevel)

    @property
    def classes(self) -> dict[str, ClassFacts]:
        """Classes by name (parses the whole module; the first wins, as in ``class_named``)."""
        self._load(lambda p: True)
        merged: dict[str, ClassFacts] = {}
        for chunk in self._parsed():
            for name, cls in chunk.classes.items():
                merged.setdefault(name, cls)
        return merged

    def _merged(self, table: Callable[[Chunk], dict[str, Function]]) -> dict[str, Function]:
        self._load(lambda p: True)
        merged: dict[str, Function] = {}
        for chunk in self._parsed():
            merged.update(table(chunk))  # in source order: the last definition wins
        return merged

    def body(self) -> tuple[cst.BaseStatement, ...]:
        """The module's statements (parses the whole module)."""
        self._load(lambda p: True)
        return tuple(stmt for chunk in self._parsed() for stmt in chunk.tree.body)  # type: ignore[union-attr]

    def runs(self) -> tuple[cst.BaseStatement, ...]:
        """The module's statements other than top-level definitions (parsed with the module)."""
        return tuple(stmt for chunk in self._parsed() if chunk.part.name is None
                     for stmt in chunk.tree.body)  # type: ignore[union-attr]

    @property
    def tree(self) -> cst.Module:
        """The whole module's tree: only for a module read whole (``read_module(..., whole=True)``)."""
        assert len(self.chunks) == 1 and self.chunks[0].tree is not None, "a module read in parts has no one tree"
        return self.chunks[0].tree

    # -- positions ----------------------------------------------------------
    @property
    def positions(self) -> Spans:
        return Spans(self)

    def source_line(self, line: int) -> str:
        """The text of 1-based *line* (without its line break), "" past the end."""
        if self._line_starts is None:
            self._line_starts = [0, *(m.end() for m in _LINE_BREAK.finditer(self.text))]
        if not 0 < line <= len(self._line_starts):
            return ""
        start = self._line_starts[line - 1]
        end = self._line_starts[line] if line < len(self._line_starts) else len(self.text)
        return self.text[start:end].rstrip("\r\n")

    def stripped_line(self, line: int) -> str:
        """``source_line(line).strip()``, the same string object for every caller."""
        out = self._stripped.get(line)
        if out is None:
            out = self._stripped[line] = self.source_line(line).strip()
        return out

    def line_of(self, node: cst.CSTNode) -> int:
        return self.positions.start(node)[0]

    def chunk_of(self, node: cst.CSTNode) -> Chunk | None:
        found = self._chunk_of.get(id(node))
        if found is not None:
            return found
        out: Chunk | None = None
        done = 0  # parts indexed now, from the front of _pending (unless one is asked of itself)
        keep: list[Chunk] = []
        for i, chunk in enumerate(self._pending):
            units = chunk.positions.units()
            if units is None:  # ast and libcst disagree: asked of the part itself
                keep.append(chunk)
                if chunk.positions.holds(node):
                    out = chunk
                    done = i + 1
                    break
                continue
            self._chunk_of.update(dict.fromkeys(units, chunk))
            if id(node) in units:
                out = chunk
                done = i + 1
                break
        else:
            done = len(self._pending)
        self._pending[:done] = keep
        return out

    def code_for(self, node: cst.CSTNode) -> str:
        """The source of *node*, as its own part's tree prints it."""
        chunk = self.chunk_of(node)
        tree = chunk.tree if chunk is not None else cst.Module(body=())
        assert tree is not None
        return tree.code_for_node(node)

    def release(self) -> None:
        """Cut the references between the module, its functions and its
        classes, which point at each other: once the index lets go of a module
        nothing holds it and its trees are freed at once, without waiting for
        Python's cycle collector (which the engine runs rarely, see
        `engine._collections_by_hand`). Only for a module nothing will ask again."""
        for chunk in self.chunks:
            for cls in chunk.classes.values():
                cls.methods.clear()
            chunk.functions.clear()
            chunk.toplevel.clear()
            chunk.classes.clear()
        self.module_function = None
        self.on_parse = None
        self.on_unparsed = None


class Spans:
    """Where a node of a module read in parts is: its part's positions, moved
    to the part's first line."""

    def __init__(self, module: ModuleFacts) -> None:
        self._module = module

    def span(self, node: cst.CSTNode) -> tuple[int, int, int, int]:
        """(line, column, end_line, end_column): 1-based lines, 1-based columns, end exclusive."""
        chunk = self._module.chunk_of(node)
        if chunk is None:
            return (1, 1, 1, 1)
        line, column, end_line, end_column = chunk.positions.span(node)
        shift = chunk.part.first_line - 1
        return (line + shift, column, end_line + shift, end_column)

    def start(self, node: cst.CSTNode) -> tuple[int, int]:
        line, column, _, _ = self.span(node)
        return line, column


def read_module(path: Path, display: str, name: str, text: str, *, whole: bool = False) -> ModuleFacts:
    """The facts of a module, read in parts (or *whole*: one tree, which
    ``minlint fix`` edits). Raises ``Unreadable`` for a file that cannot be
    read safely, or whose module-level statements libcst cannot parse."""
    import ast

    from minlint.parse.chunks import Calls, split, summary
    from minlint.parse.source import outline, parse_part, statement_lines

    tree = outline(text)
    bare = text.removeprefix("\ufeff")
    if not isinstance(tree, ast.Module):  # only libcst reads it: one part, no lines from ast
        part = Part(None, 1, bare, None, frozenset(), Calls(), Calls(), None)
        module = ModuleFacts(path, display, name, text, [part])
        module._parse(module.chunks[0], tree)
        return module
    if whole:
        code = summary(tree.body)
        part = Part(None, 1, bare, statement_lines(tree.body), frozenset(), code, code, None)
        module = ModuleFacts(path, display, name, text, [part])
        module._parse(module.chunks[0], parse_part(bare, 1))
        return module
    module = ModuleFacts(path, display, name, text, split(bare, tree))
    for chunk in module.chunks:  # in order: a later import of a name rebinds it
        specs = chunk.part.imports
        if specs is None:
            module._parse(chunk, parse_part(chunk.part.text, chunk.part.first_line))
        else:
            for base, level, names in specs:
                module.imports.add_import(base, level, None if names is None else list(names))
    return module


def _suppresses(item: cst.BaseExpression, imports: Imports) -> bool:
    """``with suppress(...)`` (however imported): the body's exceptions go on after the block."""
    return isinstance(item, cst.Call) and any(
        n.rpartition(".")[2] == "suppress" for n in known_names(item.func, imports))


def _params(fn: cst.FunctionDef) -> tuple[tuple[str, ...], tuple[str, ...], str | None]:
    p = fn.params
    positional = tuple(x.name.value for x in (*p.posonly_params, *p.params))
    keyword = tuple(x.name.value for x in (*p.params, *p.kwonly_params))
    star = p.star_arg.name.value if isinstance(p.star_arg, cst.Param) else None
    return positional, keyword, star


def _header_comment(fn: cst.FunctionDef) -> str:
    body = fn.body
    if isinstance(body, cst.IndentedBlock) and body.header.comment is not None:
        return body.header.comment.value
    if isinstance(body, cst.SimpleStatementSuite) and body.trailing_whitespace.comment is not None:
        return body.trailing_whitespace.comment.value
    return ""


def _class_facts(node: cst.ClassDef, module: ModuleFacts) -> ClassFacts:
    kinds: set[str] = set()
    for dec in node.decorators:
        name = last_name(decorator_target(dec))
        if name in ("dataclass", "define", "frozen", "attrs", "s", "mutable"):
            kinds.add("dataclass")
    for base in node.bases:
        name = last_name(base.value)
        if name in RECORD_BASES:
            kinds.add(RECORD_BASES[name])
    fields: list[tuple[str, cst.CSTNode]] = []
    meta: tuple[tuple[str, cst.CSTNode], ...] | str | None = None
    meta_node: cst.CSTNode | None = None
    body = node.body.body if isinstance(node.body, cst.IndentedBlock) else ()
    for stmt in body:
        if isinstance(stmt, cst.SimpleStatementLine):
            for small in stmt.body:
                if isinstance(small, cst.AnnAssign) and isinstance(small.target, cst.Name):
                    fields.append((small.target.value, small.target))
        elif isinstance(stmt, cst.ClassDef) and stmt.name.value == "Meta":
            meta, meta_node = _meta_fields(stmt)
    return ClassFacts(node.name.value, module, node, frozenset(kinds), tuple(fields), meta, meta_node)


def _meta_fields(meta: cst.ClassDef) -> tuple[tuple[tuple[str, cst.CSTNode], ...] | str | None, cst.CSTNode | None]:
    body = meta.body.body if isinstance(meta.body, cst.IndentedBlock) else ()
    for stmt in body:
        if not isinstance(stmt, cst.SimpleStatementLine):
            continue
        for small in stmt.body:
            if not isinstance(small, cst.Assign):
                continue
            if not any(isinstance(t.target, cst.Name) and t.target.value == "fields" for t in small.targets):
                continue
            value = small.value
            if isinstance(value, cst.SimpleString) and value.evaluated_value == "__all__":
                return "__all__", value
            if isinstance(value, (cst.List, cst.Tuple, cst.Set)):
                names = tuple(
                    (el.value.evaluated_value, el.value)
                    for el in value.elements
                    if isinstance(el.value, cst.SimpleString) and isinstance(el.value.evaluated_value, str)
                )
                return names, value
    return None, None


def _walk(
    stmts: Iterator[cst.BaseStatement] | tuple[cst.BaseStatement, ...] | list[cst.BaseStatement],
    module: ModuleFacts,
    into: Chunk,
    prefix: str,
    cls: ClassFacts | None,
    parent: Function | None,
    toplevel: bool,
    imports: bool,
) -> None:
    for stmt in stmts:
        if isinstance(stmt, cst.SimpleStatementLine):
            for small in stmt.body:
                if isinstance(small, (cst.Import, cst.ImportFrom)):
                    if imports:
                        module.imports.add(small)
                elif toplevel and isinstance(small, (cst.Assign, cst.AnnAssign)) and small.value is not None:
                    targets = small.targets if isinstance(small, cst.Assign) else (small,)
                    for t in targets:
                        target = t.target
                        if isinstance(target, cst.Name):
                            module.constants.setdefault(target.value, []).append(small.value)
        elif isinstance(stmt, cst.FunctionDef):
            qual = f"{prefix}{stmt.name.value}"
            positional, keyword, star = _params(stmt)
            fn = Function(qual, module, stmt, cls, parent, positional, keyword, star,
                          bool(MARKER.search(_header_comment(stmt))))
            into.functions[qual] = fn
            if toplevel:
                into.toplevel[stmt.name.value] = fn
            if cls is not None and parent is None:
                cls.methods[stmt.name.value] = fn
            _walk(_inner(stmt.body), module, into, f"{qual}.<locals>.", None, fn, False, imports)
        elif isinstance(stmt, cst.ClassDef):
            facts = _class_facts(stmt, module)
            if parent is None:
                into.classes.setdefault(stmt.name.value, facts)
            _walk(_inner(stmt.body), module, into, f"{prefix}{stmt.name.value}.", facts, parent, False, imports)
        else:
            # if/try/with/for/while/match at any level: conditional definitions
            for block in _sub_suites(stmt):
                _walk(_inner(block), module, into, prefix, cls, parent, toplevel, imports)


def _inner(suite: cst.BaseSuite) -> tuple[cst.BaseStatement, ...]:
    if isinstance(suite, cst.IndentedBlock):
        return tuple(suite.body)
    return (cst.SimpleStatementLine(body=suite.body),) if isinstance(suite, cst.SimpleStatementSuite) else ()


def _sub_suites(stmt: cst.BaseStatement) -> Iterator[cst.BaseSuite]:
    if isinstance(stmt, cst.If):
        yield stmt.body
        if stmt.orelse is not None:
            if isinstance(stmt.orelse, cst.If):
                yield cst.IndentedBlock(body=[stmt.orelse])
            else:
                yield stmt.orelse.body
    elif isinstance(stmt, (cst.Try, cst.TryStar)):
        yield stmt.body
        for h in stmt.handlers:
            yield h.body
        if stmt.orelse is not None:
            yield stmt.orelse.body
        if stmt.finalbody is not None:
            yield stmt.finalbody.body
    elif isinstance(stmt, (cst.For, cst.While)):
        yield stmt.body
        if stmt.orelse is not None:
            yield stmt.orelse.body
    elif isinstance(stmt, cst.With):
        yield stmt.body
    elif isinstance(stmt, cst.Match):
        for case in stmt.cases:
            yield case.body


def decorator_names(fn: Function) -> list[tuple[cst.Decorator, str]]:
    """Each decorator with its dotted name (``@a.b(...)`` -> ``a.b``)."""
    out = []
    for dec in fn.decorators:
        name = dotted(decorator_target(dec))
        if name is not None:
            out.append((dec, name))
    return out
