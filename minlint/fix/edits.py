"""``minlint fix``: remove what the policy does not allow from disclosures.

The fixes are the mechanical part of MIN101 and MIN102, and nothing else:

- a disallowed key of a dict display, keyword of ``dict(...)`` or of a
  constructor call, name of a DRF ``Meta.fields``, of ``include=``/``fields=``
  or of ``.values(...)`` is removed, with its comma and its line comment;
- a mutation that adds a disallowed field (``p["email"] = ...``) is removed
  when it is a statement on a line of its own;
- a whole-record export (``asdict(user)``, ``vars(user)``, ``user.__dict__``,
  ``user.model_dump()``) of a dataclass or pydantic class defined in the
  checked code becomes an explicit dict of the fields the policy allows.

Guards (MIN2xx), transparency records (MIN301) and dynamic exports (MIN103)
need a human and are never touched. Findings suppressed by ``# noqa`` or not
selected are not fixed either: someone decided to keep them.

Every fix is checked before anything is written: the new text must compile,
and a fresh analysis of it must no longer report what was fixed and must
report nothing new. A file whose fixes fail that check is left as it was.
Files are written atomically (a temporary file in the same folder, then
``os.replace``) in their own encoding and line endings, and not at all if
they changed on disk while minlint was working on them.
"""

from __future__ import annotations

import argparse
import difflib
import hashlib
import io
import os
import sys
import tokenize
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import libcst as cst

from minlint.analysis.disclosures import Analysis
from minlint.analysis.evidence import Evidence, Export
from minlint.analysis.vocab import calls_in
from minlint.api import Options, check_files
from minlint.checks import Raw
from minlint.core.escape import printable
from minlint.core.files import write_atomic
from minlint.core.findings import Finding
from minlint.facts.module import ClassFacts, Function, ModuleFacts
from minlint.facts.names import all_params, dotted, last_name
from minlint.fix.imports import drop_unused
from minlint.policy.pack import Policy, normalise_field
from minlint.project.collect import collect
from minlint.project.config import Config
from minlint.project.index import SourceFile

__all__ = ["FixResult", "Note", "command", "fix_paths"]

# Called with the real path of a file after its new text is in the temporary
# file and before the on-disk text is compared and replaced. Tests use it to
# change a file at the worst moment; nothing else should set it.
_before_replace: Callable[[Path], None] | None = None

# Field lists where "no names" means "every field": they must keep one.
FIELD_LIST_KEYWORDS = ("include", "fields")
FIELD_LIST_METHODS = ("values", "values_list")
# Record classes whose annotated attributes are exactly what a whole-record
# export hands over.
WHOLE_FORMS = {
    "asdict": frozenset({"dataclass"}),
    "vars": frozenset({"dataclass", "pydantic"}),
    "__dict__": frozenset({"dataclass", "pydantic"}),
    "model_dump": frozenset({"pydantic"}),
    "dict": frozenset({"pydantic"}),
}
# Bases that add no fields of their own.
PLAIN_BASES = frozenset({"object", "BaseModel", "Generic", "Protocol"})
NOT_FIELDS = frozenset({"ClassVar", "InitVar", "KW_ONLY"})
PYDANTIC_CONSTRUCTORS = frozenset({"model_validate", "model_validate_json", "model_construct", "parse_obj",
                                   "parse_raw", "from_orm", "construct"})

Whitespace = cst.SimpleWhitespace | cst.ParenthesizedWhitespace
Container = cst.Dict | cst.List | cst.Tuple | cst.Set | cst.Call
Block = cst.Module | cst.IndentedBlock
N = TypeVar("N", bound=cst.CSTNode)


# ---------------------------------------------------------------------------
# Results


@dataclass(frozen=True, order=True)
class Note:
    """A finding minlint fix leaves for a human, and why."""

    path: str
    line: int
    column: int
    code: str
    reason: str

    def __str__(self) -> str:
        return printable(f"{self.path}:{self.line}:{self.column}: {self.code} not fixed: {self.reason}")


@dataclass
class FixResult:
    changed: dict[str, tuple[str, str]] = field(default_factory=dict)  # display -> (old, new) text
    fixes: dict[str, int] = field(default_factory=dict)  # display -> number of edits
    notes: list[Note] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)  # one line each; exit status 2


# ---------------------------------------------------------------------------
# Reading and writing files as they are


@dataclass
class _Source:
    file: SourceFile
    data: bytes
    encoding: str
    text: str

    @property
    def digest(self) -> str:
        return hashlib.sha256(self.data).hexdigest()


def _read(f: SourceFile) -> _Source | None:
    """The file's text exactly as written: its own encoding (PEP 263 cookie or
    BOM), its own line endings. None when it cannot be round-tripped, so that
    a fix can never change a byte it did not mean to."""
    try:
        data = f.path.read_bytes()
        encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
        # newline translation is off: CRLF must stay CRLF
        text = data.decode(encoding)
        if text.encode(encoding) != data:
            return None
    except (OSError, SyntaxError, UnicodeError, LookupError):
        return None
    return _Source(f, data, encoding, text)


def _write(source: _Source, new_text: str) -> str | None:
    """Replace the file atomically with *new_text*; an error line, or None."""
    display = source.file.display
    try:
        data = new_text.encode(source.encoding)
    except UnicodeError:
        return f"{display}: the fixed text cannot be written as {source.encoding}; not written"
    real = Path(os.path.realpath(source.file.path))  # a symlink stays a symlink
    try:
        writable = bool(real.stat().st_mode & 0o222) and os.access(real, os.W_OK)
    except OSError as exc:
        return f"{display}: cannot write: {exc.strerror or exc}"
    if not writable:
        # replacing the file would succeed in a writable folder (and always
        # for root), but a read-only file is one its owner said not to change
        return f"{display}: cannot write: the file is read-only; not written"

    class Changed(Exception):
        pass

    def unchanged() -> None:
        if _before_replace is not None:
            _before_replace(real)
        # Last moment before the replace: an editor or another tool may have
        # saved the file since it was read, and that work must not be lost.
        if hashlib.sha256(real.read_bytes()).hexdigest() != source.digest:
            raise Changed

    try:
        write_atomic(real, data, before_replace=unchanged)
    except Changed:
        return f"{display}: changed on disk since minlint read it; not written (run minlint fix again)"
    except OSError as exc:
        return f"{display}: cannot write: {exc.strerror or exc}"
    return None


# ---------------------------------------------------------------------------
# Analysis: what is reported, and where


@dataclass
class _Run:
    analysis: Analysis | None  # for resolving names in the checked code; None when nothing discloses
    raws: list[Raw]
    items: list[Export]  # every field and whole-record item a disclosure exports
    reported: set[tuple[str, int, str]]  # (path, line, code) of what the user sees: after noqa and select
    unreadable: set[str]  # files minlint could not parse (MIN999)


def _run(files: Sequence[SourceFile], config: Config, policy: Policy, texts: dict[Path, str]) -> _Run:
    """One check run (``minlint.api``, the same findings as ``minlint check``)
    over whole modules, with the evidence of each disclosure. A suppressed
    finding is a human's decision to keep it: only what is reported is fixed."""
    raws: list[Raw] = []
    items: list[Export] = []
    analyses: list[Analysis] = []

    def visit(analysis: Analysis, evidence: Evidence, found: list[tuple[Raw, Finding]]) -> None:
        if not analyses:
            analyses.append(analysis)
        raws.extend(r for r, _ in found)
        items.extend(x.item for x in evidence.exports if x.item.kind != "dynamic")

    report = check_files(files, config, Options(jobs=1, cache=False, whole=True), overrides=texts, visit=visit,
                         policy=policy)
    # every seed's analysis reads the same project: a fresh one answers name lookups for the planner
    analysis = Analysis(analyses[0].project, policy) if analyses else None
    return _Run(analysis, raws, items, {(f.path, f.line, f.code) for f in report.findings},
                {f.path for f in report.findings if f.code == "MIN999"})


# ---------------------------------------------------------------------------
# Planning: which node each fix edits


@dataclass
class _Plan:
    """The edits of one module, keyed by the identity of the original nodes."""

    module: ModuleFacts
    remove: dict[int, set[int]] = field(default_factory=dict)  # id(container) -> element indexes
    statements: set[int] = field(default_factory=set)  # id(SimpleStatementLine)
    replace: dict[int, cst.BaseExpression] = field(default_factory=dict)
    gone: list[cst.CSTNode] = field(default_factory=list)  # subtrees that disappear or are rewritten
    fixes: int = 0


@dataclass
class _Removal:
    """One element to remove from a container, for one or more findings."""

    container: Container
    index: int
    keep_one: bool  # a field list: empty would mean "every field"
    node: cst.CSTNode  # the element (or argument) that goes away
    statement: cst.SimpleStatementLine | None = None  # `p.update(k=v)` alone: remove the line instead
    record: str | None = None  # a class of the checked code being built: `C()` would be a whole record


class _Unfixable(Exception):
    """Why a finding is left for a human."""


class _Planner:
    def __init__(self, run: _Run, policy: Policy) -> None:
        assert run.analysis is not None or not run.items
        self.run = run
        self.a: Analysis = run.analysis  # type: ignore[assignment]  # unused when there is nothing to fix
        self.policy = policy
        self.reported = run.reported
        self._parents: dict[int, dict[int, cst.CSTNode]] = {}
        self._quotes: dict[str, str] = {}

    # -- helpers ----------------------------------------------------------------
    def parent(self, module: ModuleFacts, node: cst.CSTNode) -> cst.CSTNode | None:
        key = id(module.tree)
        table = self._parents.get(key)
        if table is None:
            table = {}
            stack: list[cst.CSTNode] = [module.tree]
            while stack:
                cur = stack.pop()
                for child in cur.children:
                    table[id(child)] = cur
                    stack.append(child)
            self._parents[key] = table
        return table.get(id(node))

    def function_of(self, item: Export) -> Function | None:
        module = item.module
        if item.scope is not None and item.scope in module.functions:
            return module.functions[item.scope]
        return module.module_function

    def disallowed(self, name: str) -> bool:
        n = normalise_field(name)
        return bool(n) and not self.policy.is_context(n) and not self.policy.is_allowed(n)

    # -- the plan -----------------------------------------------------------------
    def plan(self) -> tuple[dict[str, _Plan], list[Note]]:
        plans: dict[str, _Plan] = {}
        pending: list[tuple[Note, ModuleFacts, cst.CSTNode]] = []  # unfixable, unless another fix covers it
        groups: dict[tuple[str, int], list[Export]] = {}
        for item in self.run.items:
            groups.setdefault((item.module.display, id(item.node)), []).append(item)
        removals: dict[int, list[tuple[_Removal, Export]]] = {}  # id(container) -> removals
        for group in groups.values():
            item = group[0]
            code = "MIN102" if any(i.kind == "whole" for i in group) else "MIN101"
            if code == "MIN101" and not any(self.disallowed(i.name) for i in group):
                continue
            module = item.module
            line, col = module.positions.start(item.node)
            if (module.display, line, code) not in self.reported:
                continue
            plan = plans.setdefault(module.display, _Plan(module))
            try:
                if code == "MIN102":
                    self.whole(group, plan)
                    continue
                found = self.field(group)
            except _Unfixable as exc:
                pending.append((Note(module.display, line, col, code, str(exc)), module, item.node))
                continue
            if isinstance(found, cst.SimpleStatementLine):
                if id(found) not in plan.statements:
                    plan.statements.add(id(found))
                    plan.gone.append(found)
                    plan.fixes += 1
            else:
                removals.setdefault(id(found.container), []).append((found, item))
        for entries in removals.values():
            first, item = entries[0]
            container, module = first.container, item.module
            plan = plans[module.display]
            indexes = {r.index for r, _ in entries}
            if first.keep_one and not _keeps_a_name(container, indexes):
                for _, it in entries:
                    line, col = module.positions.start(it.node)
                    pending.append((Note(module.display, line, col, "MIN101",
                                         "removing it would leave no field names, which exports every field; "
                                         "remove the export or name an allowed field by hand"), module, it.node))
                continue
            if first.record is not None and len(indexes) == len(_elements(container)):
                for _, it in entries:
                    line, col = module.positions.start(it.node)
                    pending.append((Note(module.display, line, col, "MIN101",
                                         f"removing it would leave {first.record}() with no fields, a whole "
                                         "record; build the export by hand"), module, it.node))
                continue
            if first.statement is not None and len(indexes) == len(_elements(container)):
                # `p.update(email=...)` with nothing left to update: the line goes
                plan.statements.add(id(first.statement))
                plan.gone.append(first.statement)
            else:
                plan.remove.setdefault(id(container), set()).update(indexes)
                plan.gone.extend(r.node for r, _ in entries)
            plan.fixes += len(indexes)
        for plan in plans.values():
            for note in _empty_blocks(plan):
                pending.append((note, plan.module, plan.module.tree))
        # `{"email": user.email}`: the value is a finding of its own that no
        # edit targets, but removing the element removes it too
        gone = {d: _subtree_ids(p.gone) for d, p in plans.items()}
        notes = [n for n, module, node in pending if id(node) not in gone.get(module.display, set())]
        return plans, notes

    # -- one field ------------------------------------------------------------------
    def field(self, group: list[Export]) -> _Removal | cst.SimpleStatementLine:
        item = group[0]
        # A node can stand for several names (a constant key naming a tuple):
        # every one of them must go, or the element stays.
        if any(not self.disallowed(i.name) for i in group if i.kind == "field"):
            raise _Unfixable("the same expression also names an allowed field; split it by hand")
        self._not_in_helper(group)
        found = self._locate(item)
        self._no_side_effects(found.node if isinstance(found, _Removal) else found, item)
        return found

    def _locate(self, item: Export) -> _Removal | cst.SimpleStatementLine:
        module, node = item.module, item.node
        parent = self.parent(module, node)
        if isinstance(parent, cst.DictElement) and parent.key is node:
            container = self.parent(module, parent)
            assert isinstance(container, cst.Dict)
            keep_one = self._is_field_list(module, container)
            return _Removal(container, _index(container.elements, parent), keep_one, parent)
        if isinstance(parent, cst.Arg) and parent.keyword is node:
            call = self.parent(module, parent)
            assert isinstance(call, cst.Call)
            record = self._check_constructor(item, call, node)
            return _Removal(call, _index(call.args, parent), False, parent, self._alone(module, call), record)
        if isinstance(node, (cst.SimpleString, cst.ConcatenatedString)):
            if isinstance(parent, cst.Element):
                container = self.parent(module, parent)
                if isinstance(container, (cst.List, cst.Tuple, cst.Set)):
                    return _Removal(container, _index(container.elements, parent), True, parent)
            if isinstance(parent, cst.Arg) and parent.keyword is None and parent.value is node:
                call = self.parent(module, parent)
                if isinstance(call, cst.Call) and last_name(call.func) in FIELD_LIST_METHODS:
                    return _Removal(call, _index(call.args, parent), True, parent)
        statement = self._mutation(module, node)
        if statement is not None:
            return statement
        keyword = self._keyword_around(module, node)
        if keyword is not None:
            call = self.parent(module, keyword)
            assert isinstance(call, cst.Call) and keyword.keyword is not None
            record = self._check_constructor(item, call, keyword.keyword)
            return _Removal(call, _index(call.args, keyword), False, keyword, self._alone(module, call), record)
        if isinstance(node, (cst.Attribute, cst.Subscript, cst.Call)):
            raise _Unfixable("the field is read in a value, not named by a key; which source is right "
                             "needs a human")
        if isinstance(parent, cst.Arg) and parent.keyword is None:
            raise _Unfixable("the field is a positional argument; pass the allowed fields by name by hand")
        raise _Unfixable("no safe edit removes this field")

    def _keyword_around(self, module: ModuleFacts, node: cst.CSTNode) -> cst.Arg | None:
        """``Export(email=user.email)`` of a class minlint cannot see: the value
        is the finding, and the keyword names a disallowed field too, so the
        argument goes. With an allowed keyword (``Export(ip=user.email)``) the
        question is which source is right, and the argument stays."""
        cur = node
        while True:
            up = self.parent(module, cur)
            if up is None or isinstance(up, (cst.BaseStatement, cst.BaseSmallStatement, cst.DictElement,
                                              cst.Element, cst.BaseComp, cst.Lambda)):
                return None
            if isinstance(up, cst.Arg) and up.keyword is not None and up.value is cur:
                call = self.parent(module, up)
                name = last_name(call.func) if isinstance(call, cst.Call) else None
                if name is None or not (name == "dict" or name[:1].isupper()):
                    return None  # a function's parameter, not a record's field
                return up if self.disallowed(up.keyword.value) else None
            cur = up

    def _not_in_helper(self, group: list[Export]) -> None:
        for i in group:
            # A value built in a helper's return may be needed by the helper's
            # other callers: the helper is not ours to change. A value passed
            # to a helper (`send({...})`) is written at the call: that is.
            if i.through == "return":
                raise _Unfixable(f"the field is built in a helper ({i.via}) that other code may call; "
                                 "remove it there by hand if no caller needs it")

    def _no_side_effects(self, removed: cst.CSTNode, item: Export) -> None:
        """What goes away must not take a check, a record, a disclosure or a
        binding with it: those change what the code does, not what it exports."""
        fn = self.function_of(item)
        if fn is None:
            return
        vocab = self.a.vocab
        stack = [removed]
        while stack:
            cur = stack.pop()
            if isinstance(cur, cst.NamedExpr):
                raise _Unfixable("the value assigns a name (:=) that later code may use; remove it by hand")
            stack.extend(cur.children)
        for call in calls_in(removed):
            if vocab.guard_calls(call, fn) or vocab.is_record(call, fn) or vocab.is_exit(call, fn) or (
                vocab.sink(call, fn) is not None
            ):
                raise _Unfixable(f"the value calls {dotted(call.func) or 'a check'}(), which minlint fix never "
                                 "removes; remove the field by hand")
        if vocab.predicates_in(removed, fn):
            raise _Unfixable("the value tests a required check, which minlint fix never removes; "
                             "remove the field by hand")

    def _is_field_list(self, module: ModuleFacts, container: cst.CSTNode) -> bool:
        arg = self.parent(module, container)
        return isinstance(arg, cst.Arg) and arg.keyword is not None and arg.keyword.value in FIELD_LIST_KEYWORDS

    def _check_constructor(self, item: Export, call: cst.Call, keyword: cst.CSTNode) -> str | None:
        """Dropping a keyword a known class requires would break the call at
        run time. The name of the class, when it is one of the checked code."""
        fn = self.function_of(item)
        if fn is None or not isinstance(keyword, cst.Name):
            return None
        target = self.a.callee(call, fn)
        if not isinstance(target, ClassFacts):
            return None
        if _required(self.a, target, keyword.value):
            raise _Unfixable(f"{target.name}() requires '{keyword.value}'; drop the field from {target.name} "
                             "or give it a default, then run minlint fix again")
        return target.name

    def _alone(self, module: ModuleFacts, call: cst.Call) -> cst.SimpleStatementLine | None:
        """``p.update(k=v)`` as a statement of its own: the line can go when every argument goes."""
        if not (isinstance(call.func, cst.Attribute) and call.func.attr.value == "update"):
            return None
        expr = self.parent(module, call)
        line = self.parent(module, expr) if isinstance(expr, cst.Expr) else None
        if isinstance(line, cst.SimpleStatementLine) and len(line.body) == 1:
            return line
        return None

    def _mutation(self, module: ModuleFacts, node: cst.CSTNode) -> cst.SimpleStatementLine | None:
        """The line of ``p["k"] = v``, ``p.k = v``, ``setattr(p, "k", v)`` or
        ``p.setdefault("k", v)`` that adds *node*'s field. Only a statement
        alone on its line is removed: anything sharing the line is left."""
        cur: cst.CSTNode = node
        while True:
            up = self.parent(module, cur)
            if up is None or isinstance(up, (cst.IndentedBlock, cst.Module)):
                return None
            if isinstance(up, (cst.SimpleStatementLine, cst.SimpleStatementSuite)):
                break
            cur = up
        if not _adds_field(cur, node):
            return None
        if isinstance(up, cst.SimpleStatementSuite) or len(up.body) != 1:
            raise _Unfixable("the mutation shares its line with other statements; remove it by hand")
        return up

    # -- whole records --------------------------------------------------------------
    def whole(self, group: list[Export], plan: _Plan) -> None:
        item = next(i for i in group if i.kind == "whole")
        node = item.node
        self._not_in_helper([item])
        form, record = _whole_form(node)
        if form is None or record is None:
            raise _Unfixable("this whole-record form is not rewritten; export named fields by hand")
        fn = self.function_of(item)
        if fn is None:
            raise _Unfixable("the record's class is not known")
        cls = self.record_class(fn, record, node)
        if cls is None:
            raise _Unfixable(f"the class of '{record.value}' is not known in the checked code (annotate it, "
                             "e.g. `user: User`); export named fields by hand")
        if not cls.kinds & WHOLE_FORMS[form]:
            raise _Unfixable(f"{cls.name} is not a {' or '.join(sorted(WHOLE_FORMS[form]))} class")
        names = _record_fields(self.a, cls, fn)
        if names is None:
            raise _Unfixable(f"the fields of {cls.name} are not all known (a base class outside the checked "
                             "code); export named fields by hand")
        if not names:
            raise _Unfixable(f"{cls.name} has no annotated fields")
        keep = [n for n in names if self.policy.is_allowed(normalise_field(n))]
        quote = self._quotes.get(plan.module.display) or self._quotes.setdefault(
            plan.module.display, _quote(plan.module.tree))
        elements = [
            cst.DictElement(
                cst.SimpleString(f"{quote}{n}{quote}"),
                cst.Attribute(cst.Name(record.value), cst.Name(n)),
                comma=cst.Comma(whitespace_after=cst.SimpleWhitespace(" ")) if i < len(keep) - 1
                else cst.MaybeSentinel.DEFAULT,
            )
            for i, n in enumerate(keep)
        ]
        assert isinstance(node, cst.BaseExpression)
        plan.replace[id(node)] = cst.Dict(elements, lpar=node.lpar, rpar=node.rpar)
        plan.gone.append(node)
        plan.fixes += 1

    def record_class(self, fn: Function, name: cst.Name, at: cst.CSTNode) -> ClassFacts | None:
        """The class every definition of *name* that reaches *at* gives it:
        a parameter or variable annotation, or a constructor call."""
        cfg = self.a.resolver.cfg(fn)
        node_id = next((n.id for n in cfg.nodes if any(_contains(e, at) for e in n.exprs)), None)
        if node_id is None:
            return None
        found: set[int] = set()
        classes: list[ClassFacts] = []
        for d in self.a.resolver.defs(fn).reaching(name.value, node_id):
            cls: ClassFacts | None = None
            if d.kind == "param" and fn.node is not None:
                param = next((p for p in all_params(fn.node.params) if p.name.value == name.value), None)
                if param is not None and param.annotation is not None:
                    cls = self._annotated(param.annotation.annotation, fn)
                elif fn.cls is not None and fn.positional[:1] == (name.value,) == ("self",):
                    cls = fn.cls  # `asdict(self)` in a method of the record
            elif d.kind == "assign":
                stmt = cfg.nodes[d.node].stmt
                if isinstance(stmt, cst.AnnAssign) and isinstance(stmt.target, cst.Name):
                    cls = self._annotated(stmt.annotation.annotation, fn)
                if cls is None and isinstance(d.value, cst.Call):
                    cls = self._constructed(d.value, fn)
            if cls is None:
                return None
            if id(cls) not in found:
                found.add(id(cls))
                classes.append(cls)
        return classes[0] if len(classes) == 1 else None

    def _annotated(self, annotation: cst.BaseExpression, fn: Function) -> ClassFacts | None:
        if isinstance(annotation, cst.SimpleString):
            value = annotation.evaluated_value
            if not isinstance(value, str):
                return None
            try:
                annotation = cst.parse_expression(value)
            except cst.ParserSyntaxError:
                return None
        target = self.a.project.resolve(annotation, fn) if dotted(annotation) else None
        return target if isinstance(target, ClassFacts) else None

    def _constructed(self, call: cst.Call, fn: Function) -> ClassFacts | None:
        target = self.a.callee(call, fn)
        if isinstance(target, ClassFacts):
            return target
        # `user = users.by_id(x)` where `def by_id(self, ...) -> User`: the
        # method's return annotation (or what it returns) names the record
        # class, as the analysis types receivers (SPEC 8.1)
        typed = self.a.resolver.types.class_of(call, fn)
        if typed is not None:
            return typed
        func = call.func
        if isinstance(func, cst.Attribute) and func.attr.value in PYDANTIC_CONSTRUCTORS:
            owner = self.a.project.resolve(func.value, fn) if dotted(func.value) else None
            if isinstance(owner, ClassFacts) and "pydantic" in owner.kinds:
                return owner
        return None


def _adds_field(small: cst.CSTNode, node: cst.CSTNode) -> bool:
    """Whether statement *small* is a mutation whose key is *node*."""
    if isinstance(small, cst.Assign):
        if len(small.targets) != 1:
            return False
        target = small.targets[0].target
        if isinstance(target, cst.Attribute):
            return target is node
        if isinstance(target, cst.Subscript) and len(target.slice) == 1:
            index = target.slice[0].slice
            return isinstance(index, cst.Index) and index.value is node
        return False
    if isinstance(small, cst.Expr) and isinstance(small.value, cst.Call):
        func, args = small.value.func, small.value.args
        if isinstance(func, cst.Name) and func.value == "setattr" and len(args) == 3:
            return args[1].value is node
        if isinstance(func, cst.Attribute) and func.attr.value == "setdefault" and args:
            return args[0].value is node
    return False


def _empty_blocks(plan: _Plan) -> Iterator[Note]:
    """A block whose every statement would go cannot be left empty: those stay."""
    if not plan.statements:
        return
    for block in _indented_blocks(plan.module.tree):
        removed = [s for s in block.body if id(s) in plan.statements]
        if not removed or len(removed) < len(block.body):
            continue
        for s in removed:
            plan.statements.discard(id(s))
            plan.gone = [g for g in plan.gone if g is not s]
            plan.fixes -= 1
            line, col = plan.module.positions.start(s)
            yield Note(plan.module.display, line, col, "MIN101",
                       "the mutation is the only statement of its block; remove it by hand")


def _keeps_a_name(container: Container, indexes: set[int]) -> bool:
    """Whether a field list keeps at least one name after the removals."""
    for i, element in enumerate(_elements(container)):
        if i in indexes:
            continue
        if isinstance(element, cst.Arg) and (element.keyword is not None or element.star):
            continue  # `.values_list("ip", flat=True)`: flat= names no field
        return True
    return False


def _index(elements: Sequence[cst.CSTNode], element: cst.CSTNode) -> int:
    return next(i for i, e in enumerate(elements) if e is element)


def _elements(container: Container) -> Sequence[Any]:
    return container.args if isinstance(container, cst.Call) else container.elements


def _contains(root: cst.CSTNode, target: cst.CSTNode) -> bool:
    stack = [root]
    while stack:
        cur = stack.pop()
        if cur is target:
            return True
        stack.extend(cur.children)
    return False


def _indented_blocks(tree: cst.Module) -> Iterator[Block]:
    stack: list[cst.CSTNode] = [tree]
    while stack:
        cur = stack.pop()
        if isinstance(cur, (cst.Module, cst.IndentedBlock)):
            yield cur
        stack.extend(cur.children)


def _whole_form(node: cst.CSTNode) -> tuple[str | None, cst.Name | None]:
    """Which whole-record export *node* is, and the name of the record."""
    if isinstance(node, cst.Attribute) and node.attr.value == "__dict__" and isinstance(node.value, cst.Name):
        return "__dict__", node.value
    if not isinstance(node, cst.Call):
        return None, None
    func, args = node.func, node.args
    if last_name(func) in ("asdict", "vars") and len(args) == 1 and args[0].keyword is None and not args[0].star:
        name = last_name(func)
        if name == "vars" and not (isinstance(func, cst.Name)):
            return None, None
        value = args[0].value
        return (name, value) if isinstance(value, cst.Name) else (None, None)
    if isinstance(func, cst.Attribute) and func.attr.value in ("model_dump", "dict") and not args:
        value = func.value
        return (func.attr.value, value) if isinstance(value, cst.Name) else (None, None)
    return None, None


def _annotation_head(annotation: cst.BaseExpression) -> str | None:
    if isinstance(annotation, cst.Subscript):
        annotation = annotation.value
    return last_name(annotation)


def _class_body(cls: ClassFacts) -> Iterator[cst.BaseSmallStatement]:
    body = cls.node.body.body if isinstance(cls.node.body, cst.IndentedBlock) else ()
    for stmt in body:
        if isinstance(stmt, cst.SimpleStatementLine):
            yield from stmt.body


def _record_fields(analysis: Analysis, cls: ClassFacts, fn: Function, depth: int = 0) -> list[str] | None:
    """The fields of a record class, base classes first; None when a base is not known."""
    if depth > 8:
        return None
    out: list[str] = []
    scope = cls.module.module_function or fn
    for base in cls.node.bases:
        if base.keyword is not None:
            continue
        head = _annotation_head(base.value)
        if head in PLAIN_BASES:
            continue
        target = analysis.project.resolve(base.value, scope) if dotted(base.value) else None
        if not isinstance(target, ClassFacts):
            return None
        inherited = _record_fields(analysis, target, fn, depth + 1)
        if inherited is None:
            return None
        out.extend(n for n in inherited if n not in out)
    pydantic = "pydantic" in cls.kinds
    for small in _class_body(cls):
        if not (isinstance(small, cst.AnnAssign) and isinstance(small.target, cst.Name)):
            continue
        name = small.target.value
        if _annotation_head(small.annotation.annotation) in NOT_FIELDS:
            continue
        if pydantic and (name.startswith("_") or name == "model_config"):
            continue  # private attributes and configuration are not dumped
        if name not in out:
            out.append(name)
    return out


def whole_record(analysis: Analysis, policy: Policy, item: Export) -> tuple[str, list[str]] | None:
    """The class of a whole record a disclosure exports (MIN102) and the
    fields it holds, when the class is known in the checked code: found as
    the fix finds it, so the inventory lists what the fix would name."""
    planner = _Planner(_Run(analysis, [], [], set(), set()), policy)
    fn = planner.function_of(item)
    if fn is None:
        return None
    _, record = _whole_form(item.node)
    if record is not None:
        cls = planner.record_class(fn, record, item.node)
    else:  # a record passed itself: a constructor call, or a method whose return annotation names it
        cls = planner._constructed(item.node, fn) if isinstance(item.node, cst.Call) else None
    if cls is None:
        return None
    names = _record_fields(analysis, cls, fn)
    return None if names is None else (cls.name, names)


def _required(analysis: Analysis, cls: ClassFacts, name: str) -> bool:
    """Whether constructing *cls* without keyword *name* fails."""
    init = cls.methods.get("__init__")
    if init is not None and init.node is not None:
        params = init.node.params
        for p in all_params(params):
            if p.name.value == name and p is not params.star_kwarg:
                return p.default is None and p is not params.star_arg
        return False
    for small in _class_body(cls):
        if isinstance(small, cst.AnnAssign) and isinstance(small.target, cst.Name) and small.target.value == name:
            value = small.value
            if value is None:
                return True
            if isinstance(value, cst.Call) and last_name(value.func) in ("field", "Field", "attrib", "ib"):
                keywords = {a.keyword.value for a in value.args if a.keyword is not None}
                if keywords & {"default", "default_factory", "factory"}:
                    return False
                positional = [a.value for a in value.args if a.keyword is None]
                return not positional or isinstance(positional[0], cst.Ellipsis)
            return False
    return False


def _quote(tree: cst.Module) -> str:
    """The quote most of the module's strings use, for the keys we write."""
    counts: Counter[str] = Counter()
    stack: list[cst.CSTNode] = [tree]
    while stack:
        cur = stack.pop()
        if isinstance(cur, cst.SimpleString):
            counts[cur.quote[0]] += 1
        stack.extend(cur.children)
    return "'" if counts["'"] > counts['"'] else '"'


# ---------------------------------------------------------------------------
# Editing: removing an element so that the result looks hand-written


def _has_comment(ws: cst.BaseParenthesizableWhitespace, *, first_line: bool = True) -> bool:
    if not isinstance(ws, cst.ParenthesizedWhitespace):
        return False
    return (first_line and ws.first_line.comment is not None) or any(e.comment is not None for e in ws.empty_lines)


def _concat(a: cst.BaseParenthesizableWhitespace, b: cst.BaseParenthesizableWhitespace) -> Whitespace:
    """Two pieces of whitespace that now touch, as one."""
    if isinstance(a, cst.ParenthesizedWhitespace):
        if isinstance(b, cst.ParenthesizedWhitespace):
            middle: list[cst.EmptyLine] = []
            if b.first_line.comment is not None:
                middle.append(cst.EmptyLine(indent=a.indent, whitespace=cst.SimpleWhitespace(
                    a.last_line.value), comment=b.first_line.comment, newline=b.first_line.newline))
            return b.with_changes(first_line=a.first_line, empty_lines=[*a.empty_lines, *middle, *b.empty_lines])
        assert isinstance(b, cst.SimpleWhitespace)
        return a.with_changes(last_line=cst.SimpleWhitespace(a.last_line.value + b.value))
    assert isinstance(a, cst.SimpleWhitespace)
    if isinstance(b, cst.ParenthesizedWhitespace):
        return b  # spaces before a line break are trailing whitespace: drop them
    assert isinstance(b, cst.SimpleWhitespace)
    return cst.SimpleWhitespace(a.value + b.value)


def _join(
    before: cst.BaseParenthesizableWhitespace,
    after: cst.BaseParenthesizableWhitespace,
    *,
    closing: bool,
    after_open: bool,
) -> Whitespace:
    """The whitespace that replaces ``before <removed element> after``.

    *before* ends the previous line (its comment stays); *after* begins on
    the removed element's line (its comment goes with the element) and leads
    to the next token, whose indentation it carries. *closing*: the next
    token is the closing bracket; *after_open*: the previous one is the
    opening bracket.
    """
    if isinstance(before, cst.ParenthesizedWhitespace):
        if isinstance(after, cst.ParenthesizedWhitespace):
            return after.with_changes(first_line=before.first_line,
                                      empty_lines=[*before.empty_lines, *after.empty_lines])
        assert isinstance(after, cst.SimpleWhitespace)
        if closing and not _has_comment(before):
            return after  # `...,\n    "b": 2}` -> `...}`: the bracket stays where it was
        return before
    assert isinstance(before, cst.SimpleWhitespace)
    if isinstance(after, cst.ParenthesizedWhitespace):
        if after_open and not _has_comment(after, first_line=False):
            return before  # `{"email": x,\n "ip": y}` -> `{"ip": y}`
        return after.with_changes(first_line=cst.TrailingWhitespace(newline=after.first_line.newline))
    assert isinstance(after, cst.SimpleWhitespace)
    return after if closing else before


_EMPTY = cst.SimpleWhitespace("")


@dataclass
class _Seq:
    """A bracketed, comma-separated sequence, whatever node holds it."""

    elements: list[Any]
    open_ws: cst.BaseParenthesizableWhitespace
    close_ws: cst.BaseParenthesizableWhitespace
    close_changed: bool = False


def _seq(node: Container) -> _Seq:
    if isinstance(node, cst.Call):
        args = list(node.args)
        close: cst.BaseParenthesizableWhitespace = _EMPTY
        if args and not isinstance(args[-1].comma, cst.Comma):
            close = args[-1].whitespace_after_arg
        return _Seq(args, node.whitespace_before_args, close)
    if isinstance(node, (cst.Dict, cst.Set)):
        return _Seq(list(node.elements), node.lbrace.whitespace_after, node.rbrace.whitespace_before)
    if isinstance(node, cst.List):
        return _Seq(list(node.elements), node.lbracket.whitespace_after, node.rbracket.whitespace_before)
    if node.lpar:
        return _Seq(list(node.elements), node.lpar[0].whitespace_after, node.rpar[-1].whitespace_before)
    return _Seq(list(node.elements), _EMPTY, _EMPTY)


def _rebuild(node: Container, seq: _Seq) -> Container:
    elements = seq.elements
    if isinstance(node, cst.Call):
        if elements and seq.close_changed:
            last = elements[-1]
            if isinstance(last.comma, cst.Comma):
                elements[-1] = last.with_changes(comma=last.comma.with_changes(whitespace_after=seq.close_ws))
            else:
                elements[-1] = last.with_changes(whitespace_after_arg=seq.close_ws)
        return node.with_changes(args=elements, whitespace_before_args=seq.open_ws)
    if isinstance(node, (cst.Dict, cst.Set)):
        return node.with_changes(elements=elements, lbrace=node.lbrace.with_changes(whitespace_after=seq.open_ws),
                                 rbrace=node.rbrace.with_changes(whitespace_before=seq.close_ws))
    if isinstance(node, cst.List):
        return node.with_changes(elements=elements,
                                 lbracket=node.lbracket.with_changes(whitespace_after=seq.open_ws),
                                 rbracket=node.rbracket.with_changes(whitespace_before=seq.close_ws))
    if len(elements) == 1 and not isinstance(elements[0].comma, cst.Comma):
        elements[0] = elements[0].with_changes(comma=cst.Comma())  # ("ip",) is a tuple, ("ip") is not
    if not node.lpar:
        return node.with_changes(elements=elements)
    lpar, rpar = list(node.lpar), list(node.rpar)
    lpar[0] = lpar[0].with_changes(whitespace_after=seq.open_ws)
    rpar[-1] = rpar[-1].with_changes(whitespace_before=seq.close_ws)
    return node.with_changes(elements=elements, lpar=lpar, rpar=rpar)


def _comma_after(element: Any) -> cst.BaseParenthesizableWhitespace:
    return element.comma.whitespace_after if isinstance(element.comma, cst.Comma) else _EMPTY


def _before_comma(element: Any) -> cst.BaseParenthesizableWhitespace:
    """The whitespace between an element and its comma (``a=1 ,``)."""
    ws: cst.BaseParenthesizableWhitespace = _EMPTY
    if isinstance(element, cst.Arg):
        ws = element.whitespace_after_arg
    if isinstance(element.comma, cst.Comma):
        ws = _concat(ws, element.comma.whitespace_before)
    return ws


def _remove_one(seq: _Seq, i: int) -> None:
    els = seq.elements
    n = len(els)
    removed = els[i]
    has_comma = isinstance(removed.comma, cst.Comma)
    if n == 1:
        after = _concat(_comma_after(removed), seq.close_ws) if has_comma else seq.close_ws
        if _has_comment(seq.open_ws) or _has_comment(after, first_line=False):
            seq.open_ws = _join(seq.open_ws, after, closing=True, after_open=True)
        else:
            seq.open_ws = _EMPTY  # `{\n    "email": x,\n}` -> `{}`
        seq.close_ws, seq.close_changed = _EMPTY, True
        del els[0]
        return
    if i < n - 1:
        before = seq.open_ws if i == 0 else _comma_after(els[i - 1])
        joined = _join(before, _comma_after(removed), closing=False, after_open=i == 0)
        if i == 0:
            seq.open_ws = joined
        else:
            els[i - 1] = els[i - 1].with_changes(comma=els[i - 1].comma.with_changes(whitespace_after=joined))
        del els[i]
        return
    prev = els[i - 1]
    if has_comma:
        # the trailing comma stays, now after the new last element
        after = _concat(_comma_after(removed), seq.close_ws)
        joined = _join(_comma_after(prev), after, closing=True, after_open=False)
        els[i - 1] = prev.with_changes(comma=prev.comma.with_changes(whitespace_after=_EMPTY))
    else:
        # no trailing comma before: none after either
        before = _concat(_before_comma(prev), _comma_after(prev))
        joined = _join(before, seq.close_ws, closing=True, after_open=False)
        changes: dict[str, Any] = {"comma": cst.MaybeSentinel.DEFAULT}
        if isinstance(prev, cst.Arg):
            changes["whitespace_after_arg"] = _EMPTY
        els[i - 1] = prev.with_changes(**changes)
    del els[i]
    seq.close_ws, seq.close_changed = joined, True


def remove_elements(node: Container, indexes: Iterable[int]) -> Container:
    """*node* without the elements at *indexes*, commas and line breaks tidied."""
    seq = _seq(node)
    for i in sorted(set(indexes), reverse=True):
        _remove_one(seq, i)
    return _rebuild(node, seq)


def _without_statements(block: N, original: Block, statements: set[int]) -> N:
    """*block* without the statement lines in *statements*; their comment lines
    move to the next statement, which keeps the blank lines that separated them."""
    assert isinstance(block, (cst.Module, cst.IndentedBlock))
    body: list[cst.BaseStatement] = []
    pending: list[cst.EmptyLine] = []
    for orig, stmt in zip(original.body, block.body, strict=True):
        if id(orig) in statements:
            assert isinstance(stmt, cst.SimpleStatementLine)
            pending = _merge_leading(pending, list(stmt.leading_lines))
            continue
        if pending and isinstance(stmt, (cst.SimpleStatementLine, cst.BaseCompoundStatement)):
            stmt = stmt.with_changes(leading_lines=_merge_leading(pending, list(stmt.leading_lines)))
            pending = []
        body.append(stmt)
    changes: dict[str, Any] = {"body": body}
    if pending and any(line.comment is not None for line in pending):
        changes["footer"] = [*pending, *block.footer]
    return block.with_changes(**changes)  # type: ignore[return-value]


def _merge_leading(first: list[cst.EmptyLine], second: list[cst.EmptyLine]) -> list[cst.EmptyLine]:
    if not any(line.comment is not None for line in first):
        return second if second else first  # only blank lines: keep one separation, not two
    while first and second and first[-1].comment is None and second[0].comment is None:
        second = second[1:]
    return [*first, *second]


class _Editor(cst.CSTTransformer):
    def __init__(self, plan: _Plan) -> None:
        super().__init__()
        self.plan = plan

    def on_leave(self, original_node: cst.CSTNode, updated_node: cst.CSTNode) -> Any:
        key = id(original_node)
        plan = self.plan
        if key in plan.replace:
            return plan.replace[key]
        if key in plan.remove:
            assert isinstance(updated_node, (cst.Dict, cst.List, cst.Tuple, cst.Set, cst.Call))
            return remove_elements(updated_node, plan.remove[key])
        if isinstance(original_node, (cst.Module, cst.IndentedBlock)) and any(
            id(s) in plan.statements for s in original_node.body
        ):
            return _without_statements(updated_node, original_node, plan.statements)
        return updated_node


# ---------------------------------------------------------------------------
# Checking the result before anything is written


def _subtree_ids(roots: Iterable[cst.CSTNode]) -> set[int]:
    out: set[int] = set()
    stack = list(roots)
    while stack:
        cur = stack.pop()
        out.add(id(cur))
        stack.extend(cur.children)
    return out


def _key(raw: Raw) -> tuple[str, tuple[str, ...], str | None, str | None]:
    # no line numbers: removing a statement moves everything after it
    return (raw.code, raw.fields, raw.scope, raw.guard)


def _verify(before: _Run, plans: dict[str, _Plan], after: _Run, new_texts: dict[str, str]) -> dict[str, str]:
    """Files whose fixed text is not right, with what is wrong."""
    bad: dict[str, str] = {}
    for display, text in new_texts.items():
        try:
            compile(text, display, "exec", dont_inherit=True)
        except (SyntaxError, ValueError) as exc:
            bad[display] = f"the fixed text does not compile ({exc}); nothing written"
    expected: dict[str, Counter[Any]] = {}
    gone = {display: _subtree_ids(plan.gone) for display, plan in plans.items()}
    for raw in before.raws:
        display = raw.module.display
        if display in gone and id(raw.node) in gone[display]:
            continue  # fixed: it must not come back
        expected.setdefault(display, Counter())[_key(raw)] += 1
    got: dict[str, Counter[Any]] = {}
    for raw in after.raws:
        got.setdefault(raw.module.display, Counter())[_key(raw)] += 1
    for display in new_texts:
        if display in bad:
            continue
        extra = got.get(display, Counter()) - expected.get(display, Counter())
        if extra:
            code, fields, _, _ = next(iter(extra))
            what = f"{code} {', '.join(repr(f) for f in fields)}".strip()
            bad[display] = f"after the fix minlint still reports {what}; nothing written"
    for display in after.unreadable & set(new_texts):
        bad.setdefault(display, "the fixed text cannot be parsed; nothing written")
    return bad


# ---------------------------------------------------------------------------
# The command


def fix_paths(paths: Sequence[str], config: Config, *, write: bool = True) -> FixResult:
    """Fix the files under *paths*; with ``write=False`` only compute the new texts."""
    policy = config.load_policy()
    files = collect(paths, config)
    sources: dict[Path, _Source] = {}
    for f in files:
        source = _read(f)
        if source is not None:
            sources[f.path] = source
    texts = {p: s.text for p, s in sources.items()}
    before = _run(files, config, policy, texts)
    plans, notes = _Planner(before, policy).plan()
    # one note per finding, as findings are one per (line, code): the first
    # reason on the line is the one that matters (a key before its value)
    firsts: dict[tuple[str, int, str], Note] = {}
    for note in sorted(set(notes)):
        firsts.setdefault((note.path, note.line, note.code), note)
    result = FixResult(notes=list(firsts.values()))
    by_display = {s.file.display: s for s in sources.values()}
    plans = {d: p for d, p in plans.items() if d in by_display and (p.remove or p.statements or p.replace)}
    new_texts: dict[str, str] = {}
    for display, plan in plans.items():
        new = drop_unused(by_display[display].text, plan.module.tree.visit(_Editor(plan)).code)
        if new != by_display[display].text:
            new_texts[display] = new
    # a file whose fixes do not check out is dropped and the rest checked
    # again: the files' findings depend on each other only through helpers
    while new_texts:
        overrides = dict(texts)
        for display, new in new_texts.items():
            overrides[by_display[display].file.path] = new
        after = _run(files, config, policy, overrides)
        bad = _verify(before, plans, after, new_texts)
        if not bad:
            break
        for display, reason in bad.items():
            result.errors.append(f"{display}: {reason}")
            del new_texts[display]
    for display, new in sorted(new_texts.items()):
        source = by_display[display]
        result.changed[display] = (source.text, new)
        result.fixes[display] = plans[display].fixes
        if write:
            error = _write(source, new)
            if error is not None:
                result.errors.append(error)
                del result.changed[display]
                del result.fixes[display]
    return result


def unified_diff(display: str, old: str, new: str) -> str:
    lines = list(difflib.unified_diff(old.splitlines(keepends=True), new.splitlines(keepends=True),
                                      fromfile=f"a/{display}", tofile=f"b/{display}"))
    out: list[str] = []
    for line in lines:
        if line.endswith(("\n", "\r")):
            out.append(line)
        else:
            out.append(line + "\n\\ No newline at end of file\n")
    return "".join(out)


def command(args: argparse.Namespace, config: Config) -> int:
    """``minlint fix`` and ``minlint check --fix``: 0 when everything fixable
    was fixed (or there was nothing to fix), 2 when a file was not written."""
    diff = bool(getattr(args, "diff", False))
    result = fix_paths(args.paths, config, write=not diff)
    if diff:
        for display, (old, new) in sorted(result.changed.items()):
            sys.stdout.write(unified_diff(display, old, new))
        sys.stdout.flush()
    for note in result.notes:
        sys.stderr.write(f"{note}\n")
    for error in result.errors:
        sys.stderr.write(f"minlint: error: {printable(error)}\n")
    total = sum(result.fixes.values())
    files = len(result.fixes)
    if total:
        verb = "would apply" if diff else "applied"
        summary = f"minlint fix: {verb} {total} fix{'es' if total != 1 else ''} in {files} file{'s' if files != 1 else ''}"
    else:
        summary = "minlint fix: nothing to fix"
    if result.notes:
        summary += f"; {len(result.notes)} left for a human"
    sys.stderr.write(summary + "\n")
    return 2 if result.errors else 0
