"""Facts about one module, gathered in one walk over its statements.

Only statements are walked (functions and classes can only be defined by
statements), never every expression: this is the cheap part of the analysis
and it runs on every module the project index needs.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import libcst as cst

from minlint.cfg import CFG, build_cfg
from minlint.names import Imports, dotted, last_name
from minlint.positions import Positions
from minlint.source import Lines

MARKER = re.compile(r"#\s*minlint\s*:\s*disclosure\b")

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
            return tuple(self.module.tree.body)
        return self.node.body

    @property
    def decorators(self) -> tuple[cst.Decorator, ...]:
        return tuple(self.node.decorators) if self.node is not None else ()

    @property
    def params(self) -> tuple[str, ...]:
        return self.keyword + ((self.star,) if self.star else ())

    def cfg(
        self,
        is_exit_call: Callable[[cst.Call], bool] = lambda call: False,
        swallows: Callable[[cst.BaseExpression], bool] | None = None,
    ) -> CFG:
        if self._cfg is None:
            self._cfg = build_cfg(self.body, is_exit_call, swallows)
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
class ModuleFacts:
    path: Path
    display: str  # the path as the user gave it, POSIX separators
    name: str  # dotted module name
    text: str
    tree: cst.Module
    imports: Imports
    functions: dict[str, Function] = field(default_factory=dict)  # by qualname
    toplevel: dict[str, Function] = field(default_factory=dict)  # module-level defs by name
    classes: dict[str, ClassFacts] = field(default_factory=dict)
    constants: dict[str, list[cst.BaseExpression]] = field(default_factory=dict)
    module_function: Function | None = None
    lines: Lines | None = None  # where each statement starts, from ast (positions start there)
    _positions: Positions | None = None

    @property
    def positions(self) -> Positions:
        if self._positions is None:
            self._positions = Positions(self.tree, self.lines, self.text)
        return self._positions

    def line_of(self, node: cst.CSTNode) -> int:
        return self.positions.start(node)[0]

    def release(self) -> None:
        """Cut the references between the module, its functions and its
        classes, which point at each other: once the index lets go of a module
        nothing holds it and its tree is freed at once, without waiting for
        Python's cycle collector (which the engine runs rarely, see
        `engine._collections_by_hand`). Only for a module nothing will ask again."""
        for cls in self.classes.values():
            cls.methods.clear()
        self.functions.clear()
        self.toplevel.clear()
        self.classes.clear()
        self.module_function = None


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
        target = dec.decorator.func if isinstance(dec.decorator, cst.Call) else dec.decorator
        name = last_name(target)
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
    prefix: str,
    cls: ClassFacts | None,
    parent: Function | None,
    toplevel: bool,
) -> None:
    for stmt in stmts:
        if isinstance(stmt, cst.SimpleStatementLine):
            for small in stmt.body:
                if isinstance(small, (cst.Import, cst.ImportFrom)):
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
            module.functions[qual] = fn
            if toplevel:
                module.toplevel[stmt.name.value] = fn
            if cls is not None and parent is None:
                cls.methods[stmt.name.value] = fn
            _walk(_inner(stmt.body), module, f"{qual}.<locals>.", None, fn, False)
        elif isinstance(stmt, cst.ClassDef):
            facts = _class_facts(stmt, module)
            if parent is None:
                module.classes.setdefault(stmt.name.value, facts)
            _walk(_inner(stmt.body), module, f"{prefix}{stmt.name.value}.", facts, parent, False)
        else:
            # if/try/with/for/while/match at any level: conditional definitions
            for block in _blocks(stmt):
                _walk(_inner(block), module, prefix, cls, parent, toplevel)


def _inner(suite: cst.BaseSuite) -> tuple[cst.BaseStatement, ...]:
    if isinstance(suite, cst.IndentedBlock):
        return tuple(suite.body)
    return (cst.SimpleStatementLine(body=suite.body),) if isinstance(suite, cst.SimpleStatementSuite) else ()


def _blocks(stmt: cst.BaseStatement) -> Iterator[cst.BaseSuite]:
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


def module_facts(path: Path, display: str, name: str, text: str, tree: cst.Module,
                 lines: Lines | None = None) -> ModuleFacts:
    imports = Imports(module=name, is_package=path.name == "__init__.py")
    module = ModuleFacts(path, display, name, text, tree, imports, lines=lines)
    module.module_function = Function("<module>", module, None)
    _walk(tuple(tree.body), module, "", None, None, True)
    return module


def decorator_names(fn: Function) -> list[tuple[cst.Decorator, str]]:
    """Each decorator with its dotted name (``@a.b(...)`` -> ``a.b``)."""
    out = []
    for dec in fn.decorators:
        target = dec.decorator.func if isinstance(dec.decorator, cst.Call) else dec.decorator
        name = dotted(target)
        if name is not None:
            out.append((dec, name))
    return out
