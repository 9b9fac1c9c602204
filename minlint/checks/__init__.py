"""Stage 6, checks: evidence in, raw findings out; the only place rule codes are chosen.

Each rule is a small unit with its codes, its VALID/INVALID cases beside it
(run through the whole engine by the tests) and its page in ``docs/rules/``.
"""

from minlint.checks.base import Raw, Rule
from minlint.checks.fields import EXPORT_CODES, FieldRule
from minlint.checks.guards import WEAK_CODES, GuardRule
from minlint.checks.tiers import TierRule
from minlint.checks.transparency import TransparencyRule

RULES: tuple[Rule, ...] = (FieldRule(), GuardRule(), TierRule(), TransparencyRule())

__all__ = ["EXPORT_CODES", "RULES", "WEAK_CODES", "Raw", "Rule"]
