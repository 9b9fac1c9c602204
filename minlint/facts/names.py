"""Dotted names of expressions, and how a module's imports qualify them.

Every list of the policy (sinks, guard calls, predicates, exits, decorators,
transparency calls) is matched against the names an expression is known by:
its dotted name as written and its qualified name through the module's
imports, so that ``from legal import verify_court_order as vco`` still names
``verify_court_order``.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

import libcst as cst


def identifier(name: str) -> str:
    """The identifier as Python sees it: NFKC-normalised (PEP 3131), so that
    ``ｄｉｓｃｌｏｓｅ`` is ``disclose`` here as it is to the interpreter."""
    return name if name.isascii() else unicodedata.normalize("NFKC", name)


def dotted(expr: cst.BaseExpression | None) -> str | None:
    """``a.b.c`` for a chain of names and attributes, else None."""
    parts: list[str] = []
    while isinstance(expr, cst.Attribute):
        parts.append(identifier(expr.attr.value))
        expr = expr.value
    if isinstance(expr, cst.Name):
        parts.append(identifier(expr.value))
        return ".".join(reversed(parts))
    return None


def string_value(node: cst.CSTNode | None) -> str | None:
    """The value of a string literal (implicit concatenation too), else None."""
    if isinstance(node, (cst.SimpleString, cst.ConcatenatedString)):
        value = node.evaluated_value
        return value if isinstance(value, str) else None
    return None


def last_name(expr: cst.BaseExpression | None) -> str | None:
    """The last name of a callee or attribute chain: ``x.y.z()`` -> ``z``."""
    if isinstance(expr, cst.Attribute):
        return identifier(expr.attr.value)
    if isinstance(expr, cst.Name):
        return identifier(expr.value)
    return None


def all_params(params: cst.Parameters) -> Iterator[cst.Param]:
    """Every parameter of a ``def`` or ``lambda``, in order, ``*args`` and ``**kwargs`` included."""
    yield from params.posonly_params
    yield from params.params
    if isinstance(params.star_arg, cst.Param):
        yield params.star_arg
    yield from params.kwonly_params
    if params.star_kwarg is not None:
        yield params.star_kwarg


def decorator_target(dec: cst.Decorator) -> cst.BaseExpression:
    """What a decorator names: ``@a.b(...)`` -> ``a.b``."""
    return dec.decorator.func if isinstance(dec.decorator, cst.Call) else dec.decorator


def _as_name(alias: cst.ImportAlias) -> str | None:
    if alias.asname is not None and isinstance(alias.asname.name, cst.Name):
        return alias.asname.name.value
    return None


def import_module_name(node: cst.BaseExpression) -> str:
    out = dotted(node)
    return out or ""


@dataclass
class Imports:
    """The names a module binds by importing: local name -> qualified name."""

    module: str = ""  # the importing module's dotted name (for relative imports)
    is_package: bool = False
    bound: dict[str, str] = field(default_factory=dict)
    star_from: list[str] = field(default_factory=list)  # modules of `from m import *`

    def add(self, node: cst.Import | cst.ImportFrom) -> None:
        if isinstance(node, cst.Import):
            self.add_import(None, 0, [(import_module_name(a.name), _as_name(a)) for a in node.names])
            return
        base = import_module_name(node.module) if node.module is not None else None
        names = None if isinstance(node.names, cst.ImportStar) else [
            (import_module_name(a.name), _as_name(a)) for a in node.names]
        self.add_import(base, len(node.relative), names)

    def add_import(self, module: str | None, level: int, names: list[tuple[str, str | None]] | None) -> None:
        """``import name as local, ...`` (*module* None), or ``from module
        import name as local, ...`` at *level* dots (*names* None: ``*``)."""
        if module is None and not level:
            for full, local in names or ():
                if local is not None:
                    self.bound[local] = full
                else:
                    top = full.split(".")[0]
                    self.bound.setdefault(top, top)
            return
        base = self._from_base(module or "", level)
        if names is None:
            self.star_from.append(base)
            return
        for name, local in names:
            self.bound[local or name] = f"{base}.{name}" if base else name

    def _from_base(self, base: str, level: int) -> str:
        if not level:
            return base
        parts = self.module.split(".") if self.module else []
        # `from . import x` in a package's __init__ refers to the package itself
        drop = level - 1 if self.is_package else level
        parts = parts[: len(parts) - drop] if drop <= len(parts) else []
        if base:
            parts.append(base)
        return ".".join(parts)

    def qualify(self, name: str) -> str | None:
        """The qualified name of a dotted name whose first part was imported."""
        head, _, rest = name.partition(".")
        target = self.bound.get(head)
        if target is None:
            return None
        return f"{target}.{rest}" if rest else target


def known_names(expr: cst.BaseExpression, imports: Imports) -> tuple[str, ...]:
    """The dotted names *expr* is known by: its qualified name when it was
    imported (only that: `from utils import log as verify_court_order` is
    `utils.log`, not a check), else as written; a chain that does not start
    with a name (`get_portal().disclose`) is known by its last name."""
    written = dotted(expr)
    if written is None:
        last = last_name(expr)
        return (last,) if last is not None else ()
    qualified = imports.qualify(written)
    return (written,) if qualified is None else (qualified,)


def matches(entry: str, names: Iterable[str]) -> bool:
    """SPEC 2.1: a plain entry matches the last name; a dotted entry a suffix, component-wise."""
    if "." not in entry:
        return any(n.rpartition(".")[2] == entry for n in names)
    return any(n == entry or n.endswith("." + entry) for n in names)


def matches_any(entries: Iterable[str], names: tuple[str, ...]) -> str | None:
    """The first policy entry that names one of *names*."""
    if not names:
        return None
    for entry in entries:
        if matches(entry, names):
            return entry
    return None
