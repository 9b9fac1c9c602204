"""Every rule's VALID and INVALID cases, run through the whole engine (Fixit-style).

A VALID case is a near miss that must not be reported; an INVALID case
carries `# expect:` annotations where the findings belong, and must be
reported exactly there.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from minlint.checks import RULES
from tests.support import expectations, run_case

CASES = [
    pytest.param(rule, kind, source, id=f"{type(rule).__name__}-{kind}-{i}")
    for rule in RULES
    for kind in ("VALID", "INVALID")
    for i, source in enumerate(getattr(rule, kind))
]


@pytest.mark.parametrize(("rule", "kind", "source"), CASES)
def test_case(tmp_path: Path, rule: object, kind: str, source: str) -> None:
    import textwrap

    text = textwrap.dedent(source).lstrip("\n")
    expected = expectations(text)
    if kind == "VALID":
        assert not expected, "a VALID case carries no expectations"
    else:
        assert expected, "an INVALID case must expect at least one finding"
    got = run_case(tmp_path, source, tuple(rule.codes), policy=rule.POLICY)  # type: ignore[attr-defined]
    assert got == expected


def test_every_rule_has_cases() -> None:
    for rule in RULES:
        assert rule.VALID and rule.INVALID, type(rule).__name__
        assert type(rule).__doc__, "the docstring is the rule's documentation"
