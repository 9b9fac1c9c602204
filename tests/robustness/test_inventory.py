"""The inventories of issue 21: every way Python reads data, every way code can branch.

The cases themselves are evasion cases (``tests/fixtures/evasion/<CODE>/inventory.toml`` beside their
sources; ``tests/robustness/test_evasion.py`` runs each through the whole engine and ``docs/evasion.md``
shows them per category). Each source holds the form used so that it must be reported and a near miss
that must not (a finding on a line without ``# expect:`` fails the case).

This file makes the inventories complete by construction: the list of forms is derived from the ``ast``
module (every expression node, every pattern, every statement that branches, loops, exits or swallows)
and from a fixed list of the standard library's accessors; a form with neither a case nor a documented
exclusion fails here, so a form cannot be forgotten, and a Python release that adds a node fails the day
CI runs on it.
"""

from __future__ import annotations

import ast

import libcst
import pytest

from tests.robustness.test_evasion import CAUGHT, TRICKS, Trick

INVENTORY = [t for t in TRICKS if t.form]
FORMS = {t.form for t in INVENTORY}

# Expression nodes of grammars newer than the oldest interpreter minlint supports (3.10): they are in the
# inventory whatever Python runs the tests (t-strings, PEP 750, Python 3.14).
NEWER_EXPRESSIONS = {"TemplateStr", "Interpolation"}

# Expression nodes with no case of their own, and why.
EXCLUDED_EXPRESSIONS = {
    # A comparison's value is a truth value: SPEC 2.2 gives it no fields and analysis/payload.py exports
    # none (so that `urgent=req.priority > 3` is no field); its near miss is in access-unaryop.
    "Compare": "a truth value: no field (near miss in access-unaryop)",
}

# Statements that branch, loop, exit or swallow: each has a control case (the forms below name them).
CONTROL_STATEMENTS = {
    "If", "For", "AsyncFor", "While", "Break", "Continue", "Try", "TryStar", "With", "AsyncWith", "Match",
    "Raise", "Return", "Assert", "FunctionDef", "AsyncFunctionDef",
}
# Statements that run straight through: a check or an exit inside one is a call or a test of the kinds
# above (or a definition, which runs nothing).
STRAIGHT_LINE = {
    "Assign", "AugAssign", "AnnAssign", "Expr", "Pass", "Delete", "Import", "ImportFrom", "Global",
    "Nonlocal", "ClassDef", "TypeAlias",
}

# Control forms that are not one ast class: a branch's arms, a loop's else, a guard, an exit call.
CONTROL_EXTRA = {
    "ast.If (predicate)", "ast.For (else)", "ast.Try (else)", "ast.Try (finally)", "ast.Return (in finally)",
    "exit call", "exit defined here", "match guard", "ast.IfExp", "ast.BoolOp", "ast.UnaryOp (not)",
    "ast.comprehension", "ast.Yield", "ast.Await", "ast.Lambda",
}

# The standard library's functions and dunders that read an attribute or key or copy a container.
STDLIB_FORMS = {
    "operator.attrgetter", "operator.itemgetter", "operator.getitem", "operator.methodcaller",
    "functools.partial", "functools.reduce", "copy.copy", "json.loads", "dataclasses.asdict",
    "dataclasses.astuple", "dataclasses.replace", "dataclasses.fields", "collections.ChainMap",
    "collections.namedtuple", "collections.OrderedDict", "itertools.chain", "string.Template",
    "string.Formatter", "types.SimpleNamespace", "types.MappingProxyType", "__getattribute__",
    "object.__getattribute__", "__dict__", "vars", "getattr", "class constructor",
}


# Aliases kept for old code (ast.Num is ast.Constant since 3.8; removed in 3.14): not nodes of the grammar.
DEPRECATED = {"Num", "Str", "Bytes", "NameConstant", "Ellipsis", "Index", "ExtSlice", "Suite", "Param",
              "AugLoad", "AugStore"}


def _subclasses(base: type) -> set[str]:
    """The node classes below *base*: the grammar's forms as the running interpreter's ast knows them."""
    return {cls.__name__ for cls in base.__subclasses__() if cls.__name__ not in DEPRECATED}


def test_every_expression_node_has_a_case() -> None:
    nodes = _subclasses(ast.expr) | NEWER_EXPRESSIONS
    missing = sorted(n for n in nodes if f"ast.{n}" not in FORMS and n not in EXCLUDED_EXPRESSIONS)
    assert not missing, f"expression nodes without an inventory case or a documented exclusion: {missing}"


def test_every_pattern_has_a_case() -> None:
    missing = sorted(n for n in _subclasses(ast.pattern) if f"ast.{n}" not in FORMS)
    assert not missing, f"match patterns without a control case: {missing}"


def test_every_statement_is_classified() -> None:
    statements = _subclasses(ast.stmt)
    unclassified = sorted(statements - CONTROL_STATEMENTS - STRAIGHT_LINE)
    assert not unclassified, f"a statement kind neither in CONTROL_STATEMENTS nor STRAIGHT_LINE: {unclassified}"
    # `match` is covered by its patterns' cases (each is a `match` statement)
    covered = FORMS | ({"ast.Match"} if any(f.startswith("ast.Match") for f in FORMS) else set())
    missing = sorted(n for n in CONTROL_STATEMENTS & statements if f"ast.{n}" not in covered)
    assert not missing, f"control statements without a case: {missing}"


def test_every_named_form_has_a_case() -> None:
    missing = sorted((STDLIB_FORMS | CONTROL_EXTRA) - FORMS)
    assert not missing, f"forms without an inventory case: {missing}"


def _category(prefix: str) -> list[Trick]:
    return [t for t in INVENTORY if t.category.startswith(prefix)]


@pytest.mark.parametrize("prefix", ["data access:", "control:"])
def test_coverage_per_inventory(prefix: str) -> None:
    """At least 95 % of the forms caught exactly; the rest are strict xfails with a note (test_evasion)."""
    cases = _category(prefix)
    assert cases
    caught = sum(1 for t in cases if t.status == CAUGHT)
    assert caught / len(cases) >= 0.95, f"{prefix} {caught}/{len(cases)} forms caught exactly"
    for t in cases:
        assert t.status == CAUGHT or t.note, t.id


def test_overall_coverage() -> None:
    caught = sum(1 for t in INVENTORY if t.status == CAUGHT)
    assert caught / len(INVENTORY) >= 0.95, f"{caught}/{len(INVENTORY)} forms caught exactly"


def test_each_case_has_a_near_miss() -> None:
    """A case that must be reported and a near miss that must not: a function no finding is expected in."""
    for t in INVENTORY:
        tree = libcst.parse_module(t.source)  # libcst: t-strings parse whatever Python runs the tests
        names = [s.name.value for s in tree.body if isinstance(s, libcst.FunctionDef)]
        assert any(n.startswith("near_miss") for n in names), f"{t.id}: no near_miss function"
