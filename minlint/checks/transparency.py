"""MIN301: every disclosure goes into the transparency report."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from minlint.checks.base import Raw, Rule
from minlint.parse.positions import Lazy

if TYPE_CHECKING:
    from minlint.analysis.evidence import Evidence
    from minlint.policy.pack import Policy


class TransparencyRule(Rule):
    """MIN301: every disclosure goes into the transparency report (docs/rules/MIN301.md).

    Cases are run with only MIN3 codes selected."""

    codes = ("MIN301",)

    def check(self, evidence: Evidence, policy: Policy) -> Iterator[Raw]:
        if not policy.requires_records:
            return  # SPEC 7.5: a pack whose merged [transparency] has no calls requires no record
        d = evidence.disclosure
        record = evidence.requirement("record")
        if record is not None and not record.verdict.holds:
            v = record.verdict
            detail = Lazy(lambda: "".join(f"; {part}" for part in (v.why, v.via) if part))
            yield Raw(d.module, d.site, "MIN301", {"target": Lazy(d.where), "detail": detail}, d.scope)

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
