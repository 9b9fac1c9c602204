"""MIN301: every disclosure goes into the transparency report."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from minlint.checks.base import Raw, Rule, scope_of, where

if TYPE_CHECKING:
    from minlint.analysis.disclosures import Analysis, Disclosure


class TransparencyRule(Rule):
    """MIN301: every disclosure goes into the transparency report.

    A call of one of ``transparency.calls`` must lie on every path through the
    disclosure: before it or after it (a ``finally`` counts; code after a
    ``return`` does not), in the same function or, when the function is not a
    disclosure function, in every caller (SPEC 2.4).

    Cases are run with only MIN3 codes selected.
    """

    codes = ("MIN301",)

    def check(self, analysis: Analysis, disclosure: Disclosure) -> Iterator[Raw]:
        v = analysis.flow.record_at(disclosure.fn, disclosure.node, disclosure.entry_point)
        if not v.holds:
            detail = "".join(f"; {part}" for part in (v.why, v.via) if part)
            yield Raw(disclosure.module, disclosure.site, "MIN301",
                      f"{where(disclosure)} is not recorded for the transparency report on every path{detail}",
                      scope_of(disclosure))

    VALID = (
        '''
def before(request, user):
    record_disclosure(request)
    disclose({"ip": user.ip})

def after(request, user):
    disclose({"ip": user.ip})
    log_disclosure(request)

def in_finally(request, user):
    try:
        disclose({"ip": user.ip})
    finally:
        add_to_transparency_report(request)

def helper_records(request):
    record_disclosure(request)

def via_helper(request, user):
    helper_records(request)
    disclose({"ip": user.ip})
''',
        # recorded by every caller
        '''
def _send(user):
    disclose({"ip": user.ip})

def handler(request):
    _send(request.user)
    record_disclosure(request)
''',
        # recorded on both branches
        '''
def handler(request, user):
    if request.urgent:
        record_disclosure(request, urgent=True)
    else:
        record_disclosure(request)
    disclose({"ip": user.ip})
''',
    )

    INVALID = (
        '''
def handler(request, user):
    if request.priority == "high":
        record_disclosure(request)
    disclose({"ip": user.ip})  # expect: MIN301
''',
        # code after a return does not run
        '''
@disclosure
def answer(request, user):
    return {"ip": user.ip}  # expect: MIN301
    record_disclosure(request)
''',
        # an explicit raise after the disclosure skips the record
        '''
def handler(request, user):
    disclose({"ip": user.ip})  # expect: MIN301
    if request.failed:
        raise RuntimeError("portal error")
    record_disclosure(request)
''',
        # one caller records, the other does not
        '''
def _send(user):
    disclose({"ip": user.ip})  # expect: MIN301

def a(request):
    record_disclosure(request)
    _send(request.user)

def b(request):
    _send(request.user)
''',
    )
