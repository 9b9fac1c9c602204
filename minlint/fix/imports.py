"""Imports a fix made unused: after ``asdict(user)`` becomes
``{"ip": user.ip}``, ``from dataclasses import asdict`` would be flake8's
F401. A name is dropped from a module-level import only when the fixed text
no longer mentions it outside import statements and the text before the fix
did: an import that was already unused is the author's business, and a
mention in a string or comment (``__all__``, a doctest) keeps it."""

from __future__ import annotations

import re
from collections.abc import Sequence

import libcst as cst


def _bound(alias: cst.ImportAlias) -> str | None:
    if alias.asname is not None:
        name = alias.asname.name
        return name.value if isinstance(name, cst.Name) else None
    if isinstance(alias.name, cst.Name):
        return alias.name.value
    return None  # `import a.b` binds `a`, which other code may use through `a.c`: left alone


def _mentions(text: str, name: str) -> int:
    return len(re.findall(rf"(?<![\w.]){re.escape(name)}\b", text))


def _imports_text(module: cst.Module) -> str:
    parts = []
    for stmt in module.body:
        if isinstance(stmt, cst.SimpleStatementLine) and any(isinstance(s, (cst.Import, cst.ImportFrom))
                                                              for s in stmt.body):
            parts.append(module.code_for_node(stmt))
    return "".join(parts)


class _Drop(cst.CSTTransformer):
    def __init__(self, names: set[str]) -> None:
        self.names = names

    def _kept(self, aliases: Sequence[cst.ImportAlias]) -> list[cst.ImportAlias]:
        kept = [a for a in aliases if _bound(a) not in self.names]
        if kept and kept[-1].comma is not cst.MaybeSentinel.DEFAULT:
            kept[-1] = kept[-1].with_changes(comma=cst.MaybeSentinel.DEFAULT)
        return kept

    def leave_ImportFrom(self, original_node: cst.ImportFrom,
                         updated_node: cst.ImportFrom) -> cst.ImportFrom | cst.RemovalSentinel:
        if isinstance(updated_node.names, cst.ImportStar):
            return updated_node
        kept = self._kept(updated_node.names)
        if not kept:
            return cst.RemoveFromParent()
        if len(kept) == len(updated_node.names):
            return updated_node
        # a parenthesized list that now fits one name keeps its parentheses: harmless, and stable
        return updated_node.with_changes(names=kept)

    def leave_Import(self, original_node: cst.Import, updated_node: cst.Import) -> cst.Import | cst.RemovalSentinel:
        kept = self._kept(updated_node.names)
        if not kept:
            return cst.RemoveFromParent()
        return updated_node if len(kept) == len(updated_node.names) else updated_node.with_changes(names=kept)

    # only module-level imports: one inside a function or a try block is there on purpose
    def visit_FunctionDef(self, node: cst.FunctionDef) -> bool:
        return False

    def visit_ClassDef(self, node: cst.ClassDef) -> bool:
        return False

    def visit_Try(self, node: cst.Try) -> bool:
        return False

    def visit_If(self, node: cst.If) -> bool:
        return False


def drop_unused(old: str, new: str) -> str:
    """*new* (a fixed module) without the module-level imports the fix left unused."""
    try:
        before = cst.parse_module(old)
        after = cst.parse_module(new)
    except cst.ParserSyntaxError:
        return new
    old_rest = old.replace(_imports_text(before), "", 1)
    new_rest = new.replace(_imports_text(after), "", 1)
    names: set[str] = set()
    for stmt in after.body:
        if not isinstance(stmt, cst.SimpleStatementLine):
            continue
        for small in stmt.body:
            aliases = small.names if isinstance(small, (cst.Import, cst.ImportFrom)) else ()
            if isinstance(aliases, cst.ImportStar):
                continue
            for alias in aliases:
                name = _bound(alias)
                if name is not None and _mentions(old_rest, name) and not _mentions(new_rest, name):
                    names.add(name)
    if not names:
        return new
    return after.visit(_Drop(names)).code
