"""What a rule is: a small unit with its codes, its documentation (the
docstring) and its VALID/INVALID cases beside it, as in Fixit.

Cases are small modules annotated the way the acceptance corpus is
(``# expect: MIN101`` on the line where a finding belongs); the test suite
runs every rule's cases through the whole engine, so a case is an executable
example of the documented behaviour.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, ClassVar

import libcst as cst

if TYPE_CHECKING:
    from minlint.analysis.evidence import Evidence
    from minlint.facts.module import ModuleFacts
    from minlint.parse.positions import Lazy
    from minlint.policy.pack import Policy


@dataclass(frozen=True)
class Raw:
    """A finding before positions are looked up and suppressions applied.

    Its text is the code's message template (``minlint.core.codes``) filled
    with *params*, some of which are lazy (a position in another module is only
    worth computing for a finding that is reported)."""

    module: ModuleFacts
    node: cst.CSTNode
    code: str
    params: Mapping[str, str | Lazy] = field(default_factory=dict)
    scope: str | None = None
    fields: tuple[str, ...] = ()
    guard: str | None = None
    tiers: tuple[str, ...] | None = None  # a tiered pack: the instruments that hold (SPEC 9)


class Rule:
    """One rule: the codes it chooses, its VALID/INVALID cases, and ``check``,
    which turns the evidence of one disclosure into raw findings. The rule's
    documentation is its page in ``docs/rules/`` (``minlint explain``)."""

    codes: ClassVar[tuple[str, ...]] = ()
    VALID: ClassVar[tuple[str, ...]] = ()
    INVALID: ClassVar[tuple[str, ...]] = ()
    # the pack (TOML text) the cases run under; None: the default pack
    POLICY: ClassVar[str | None] = None

    def check(self, evidence: Evidence, policy: Policy) -> Iterator[Raw]:
        raise NotImplementedError
