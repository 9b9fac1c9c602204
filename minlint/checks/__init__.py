"""The rules, each in its own module; ``RULES`` runs them all in one pass."""

from minlint.checks.base import Raw, Rule
from minlint.checks.fields import FieldRule
from minlint.checks.guards import GuardRule
from minlint.checks.transparency import TransparencyRule

RULES: tuple[Rule, ...] = (FieldRule(), GuardRule(), TransparencyRule())

__all__ = ["RULES", "Raw", "Rule"]
