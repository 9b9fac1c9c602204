"""The rule-code table: one entry per code, read by everything that shows one.

An entry holds the code's name, its one-line summary, the template of its
message, its SARIF level and GitHub security severity, and its group (a SARIF
tag). Reporters, rule docs, the flake8 adapter, the language server and SARIF
rule metadata all read this table, so a code is added here once; its page in
``docs/rules/`` says the rest (``minlint explain``).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Literal

Level = Literal["error", "warning", "note"]
Group = Literal["data-minimization", "required-check", "transparency", "suppression", "configuration",
                "parse-error"]


@dataclass(frozen=True)
class Code:
    code: str
    name: str  # kebab-case rule name, as ruff and SARIF like them
    summary: str  # one line: what a finding of this code means
    message: str  # str.format template over a finding's params (see ``message``)
    group: Group
    # GitHub ranks alerts of rules tagged "security" by this CVSS-like score
    # (>= 9 critical, >= 7 high, >= 4 medium)
    security_severity: str
    level: Level = "error"  # SARIF level


# every missing guard (MIN201-MIN203 and a pack's own codes) reads alike
_MISSING_CHECK = "no {title} on every path to {target}{detail}"

# Sending data to a blocked country or without any court order is the promise
# broken outright; a missing transparency record or a missing reason hides a
# disclosure from review; a file minlint could not read is a file nobody checked.
CODES: dict[str, Code] = {
    c.code: c
    for c in (
        Code("MIN101", "disallowed-field", "a disclosure exports a field outside the allowed categories",
             "{fields}{category} {reach} {target}{via}; allowed: {allowed}{tiers}", "data-minimization", "7.5"),
        Code("MIN102", "whole-record", "a disclosure exports a whole record (every field)",
             "a whole record, {what}, reaches {target}{via}; export named fields instead", "data-minimization",
             "8.0"),
        Code("MIN103", "dynamic-export", "what a disclosure exports cannot be determined statically",
             "{what}: what reaches {target} cannot be determined statically{via}", "data-minimization", "6.5"),
        *(Code(code, name, summary, _MISSING_CHECK, "required-check", severity) for code, name, summary, severity in (
            ("MIN201", "missing-court-order-check", "no court-order check on every path before the disclosure", "8.5"),
            ("MIN202", "missing-jurisdiction-check", "no jurisdiction check on every path before the disclosure",
             "8.5"),
            ("MIN203", "missing-terror-suspect-check",
             "no check that the order confirms a terror suspect, on every path before the disclosure", "8.0"),
        )),
        Code("MIN200", "no-legal-instrument",
             "the disclosure is reachable on a path on which no legal instrument (tier) holds",
             "{target} exports {what}{category} on a path on which no legal instrument holds{detail}",
             "required-check", "8.5"),
        Code("MIN204", "check-as-assert", "a required check is written as `assert` (removed by `python -O`)",
             "{detail}, which python -O removes: raise or return instead", "required-check", "7.5"),
        Code("MIN205", "leaky-jurisdiction-list", "a jurisdiction check lets a blocked jurisdiction through",
             "{detail}: a blocked jurisdiction gets through", "required-check", "9.0"),
        Code("MIN301", "unrecorded-disclosure",
             "the disclosure is not recorded for the transparency report on every path",
             "{target} is not recorded for the transparency report on every path{detail}", "transparency", "6.0"),
        Code("MIN901", "suppression-without-reason", "a suppression comment for a MIN code gives no reason",
             "{detail}", "suppression", "3.0"),
        Code("MIN902", "policy-matches-nothing",
             "the configured policy matched no disclosure, or an entry of the project's own pack matched nothing",
             "{fields}{subject} matched nothing in the checked code{detail}", "configuration", "5.0", "warning"),
        Code("MIN999", "unparseable-file", "the file could not be read or parsed",
             "cannot check this file: {reason}", "parse-error", "5.0"),
    )
}

# Guards a pack declares with its own `code` use this range (SPEC 2.3).
CUSTOM_GUARD_CODES = range(206, 300)
_CUSTOM_GUARD = Code("", "missing-required-check", "a required check of the policy is missing before the disclosure",
                     _MISSING_CHECK, "required-check", "7.5")


def describe(code: str) -> Code:
    """The table entry for *code*; codes of custom guards get a generic entry."""
    if code in CODES:
        return CODES[code]
    return Code(code, _CUSTOM_GUARD.name, _CUSTOM_GUARD.summary, _CUSTOM_GUARD.message, _CUSTOM_GUARD.group,
                _CUSTOM_GUARD.security_severity)


def quoted(fields: Iterable[str]) -> str:
    return ", ".join(f"'{f}'" for f in fields)


def message(code: str, params: Mapping[str, str], fields: tuple[str, ...] = ()) -> str:
    """The text of a finding of *code*, from its template, its *params* and
    its *fields* (``{fields}`` lists them quoted, ``{reach}`` agrees with
    them). Missing params are empty, so a template never fails on a finding
    made before a param existed."""
    values = _Values(params)
    values["fields"] = quoted(fields)
    values["reach"] = "reaches" if len(fields) <= 1 else "reach"
    return describe(code).message.format_map(values)


class _Values(dict[str, str]):
    def __missing__(self, key: str) -> str:
        return ""
