"""The rule-code table: one place for every code, its title and message shape.

Reporters, rule docs, the flake8 adapter and SARIF rule metadata all read this
table, so a code is added here once.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Code:
    code: str
    name: str  # kebab-case rule name, as ruff and SARIF like them
    summary: str  # one line: what a finding of this code means
    level: str = "error"  # SARIF level: error | warning | note


CODES: dict[str, Code] = {
    c.code: c
    for c in (
        Code("MIN101", "disallowed-field", "a disclosure exports a field outside the allowed categories"),
        Code("MIN102", "whole-record", "a disclosure exports a whole record (every field)"),
        Code("MIN103", "dynamic-export", "what a disclosure exports cannot be determined statically"),
        Code("MIN201", "missing-court-order-check", "no court-order check on every path before the disclosure"),
        Code("MIN202", "missing-jurisdiction-check", "no jurisdiction check on every path before the disclosure"),
        Code("MIN203", "missing-terror-suspect-check",
             "no check that the order confirms a terror suspect, on every path before the disclosure"),
        Code("MIN204", "check-as-assert", "a required check is written as `assert` (removed by `python -O`)"),
        Code("MIN205", "leaky-jurisdiction-list", "a jurisdiction check lets a blocked jurisdiction through"),
        Code("MIN301", "unrecorded-disclosure",
             "the disclosure is not recorded for the transparency report on every path"),
        Code("MIN901", "suppression-without-reason", "a suppression comment for a MIN code gives no reason"),
        Code("MIN999", "unparseable-file", "the file could not be read or parsed", level="error"),
    )
}

# Guards a pack declares with its own `code` use this range (SPEC 2.3).
CUSTOM_GUARD_CODES = range(206, 300)


def describe(code: str) -> Code:
    """The table entry for *code*; codes of custom guards get a generic entry."""
    if code in CODES:
        return CODES[code]
    return Code(code, "missing-required-check", "a required check of the policy is missing before the disclosure")
