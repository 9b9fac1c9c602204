"""The typed pieces of a v2 policy (SPEC 7) and where each entry was written.

These are frozen values: the loader (pack.py, v2.py) builds them once per
pack chain and the analysis only reads them. Every entry carries a
:class:`Where` so that MIN902 and ``minlint policy show`` can point at the
line of the pack that wrote it; ``Where`` never takes part in equality, so two
packs that say the same thing compare (and cache) the same.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

__all__ = [
    "ArgMatch",
    "DecoratorMatch",
    "FunctionSpec",
    "SanitizerSpec",
    "SourceSpec",
    "Where",
]


@dataclass(frozen=True, order=True)
class Where:
    """A line of a pack file (1-based); line 0 when the line could not be found."""

    file: str
    line: int

    def __str__(self) -> str:
        return f"{self.file}:{self.line}" if self.line else self.file


# An argument condition: the keyword name, or the position as "0", "1", ...,
# and the glob its constant value must match (SPEC 7.2).
ArgMatch = tuple[str, str]


@dataclass(frozen=True)
class DecoratorMatch:
    """A decorator by dotted name; with ``args``, only when its constant keyword
    arguments match these globs (``view_config(permission="*")``)."""

    name: str
    args: tuple[ArgMatch, ...] = ()
    where: Where | None = field(default=None, compare=False)


@dataclass(frozen=True)
class FunctionSpec:
    """One ``[[disclosure.functions]]`` table: every key given must match (AND),
    each list is OR; an empty tuple is a key that was not given."""

    modules: tuple[str, ...] = ()  # globs on the module name
    bases: tuple[str, ...] = ()  # dotted class names the enclosing class derives from
    names: tuple[str, ...] = ()  # globs on the function name or Class.method
    decorators: tuple[DecoratorMatch, ...] = ()
    where: Where | None = field(default=None, compare=False)


ReturnsKind = Literal["record"]


@dataclass(frozen=True)
class SourceSpec:
    """One ``[[sources]]`` table: calls whose result carries these fields
    (besides their arguments'), or a whole record."""

    calls: tuple[str, ...]  # globs on the callee's qualified or dotted name
    returns: tuple[str, ...] | ReturnsKind
    where: Where | None = field(default=None, compare=False)


@dataclass(frozen=True)
class SanitizerSpec:
    """One ``[[sanitizers]]`` table: calls whose result carries no user data."""

    calls: tuple[str, ...]
    where: Where | None = field(default=None, compare=False)
