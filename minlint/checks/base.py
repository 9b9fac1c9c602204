"""What a rule is: a small unit with its codes, its documentation (the
docstring) and its VALID/INVALID cases beside it, as in Fixit.

Cases are small modules annotated the way the acceptance corpus is
(``# expect: MIN101`` on the line where a finding belongs); the test suite
runs every rule's cases through the whole engine, so a case is an executable
example of the documented behaviour.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, ClassVar

import libcst as cst

if TYPE_CHECKING:
    from minlint.analysis.disclosures import Analysis, Disclosure
    from minlint.facts.module import ModuleFacts


@dataclass(frozen=True)
class Raw:
    """A finding before positions are looked up and suppressions applied."""

    module: ModuleFacts
    node: cst.CSTNode
    code: str
    message: str
    scope: str | None = None
    fields: tuple[str, ...] = ()
    guard: str | None = None


class Rule:
    codes: ClassVar[tuple[str, ...]] = ()
    VALID: ClassVar[tuple[str, ...]] = ()
    INVALID: ClassVar[tuple[str, ...]] = ()

    def check(self, analysis: Analysis, disclosure: Disclosure) -> Iterator[Raw]:
        raise NotImplementedError


def scope_of(disclosure: Disclosure) -> str | None:
    return disclosure.fn.qualname if disclosure.fn.node is not None else None


def where(disclosure: Disclosure) -> str:
    return f"{disclosure.label} at line {disclosure.module.line_of(disclosure.site)}"
