"""MIN201–MIN205 (and a pack's own MIN206–MIN299): the required checks."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from minlint.checks.base import Raw, Rule
from minlint.parse.positions import Lazy

if TYPE_CHECKING:
    from minlint.analysis.evidence import Evidence
    from minlint.policy.pack import Policy

# a weak check stands in for its guard's code (one finding, not two)
WEAK_CODES = {"assert": "MIN204", "leaky-list": "MIN205"}


class GuardRule(Rule):
    """MIN201-MIN205 (and a pack's own MIN206-MIN299): the required checks
    (docs/rules/MIN201.md).

    Cases are run with only MIN2 codes selected."""

    codes = ("MIN201", "MIN202", "MIN203", "MIN204", "MIN205")

    def check(self, evidence: Evidence, policy: Policy) -> Iterator[Raw]:
        d = evidence.disclosure
        instruments = {g for t in policy.tiers for g in t.requires}
        for r in evidence.requirements:
            guard = r.guard
            if r.kind != "guard" or guard is None:
                continue
            v = r.verdict
            if not v.holds and guard.id in instruments:
                continue  # an instrument check: MIN200 speaks for it (SPEC 9)
            if not v.holds:
                detail = Lazy(lambda v=v: "".join(f"; {part}" for part in (v.why, v.via) if part))  # type: ignore[misc]
                yield Raw(d.module, d.site, guard.code,
                          {"title": guard.title, "target": Lazy(d.where), "detail": detail}, d.scope,
                          guard=guard.id)
                continue
            for weak in v.weak:
                yield Raw(weak.module, weak.node, WEAK_CODES[weak.kind], {"detail": weak.detail}, None,
                          guard=weak.guard)

    VALID = (
        # every check, then the disclosure
        '''
def handler(request, user):
    verify_court_order(request.court_order)
    check_jurisdiction(request.jurisdiction)
    if not request.court_order.confirms_terror_suspect:
        raise PermissionError()
    disclose({"ip": user.ip})
''',
        # passing side of a branch; `or` of failures; exits from the pack
        '''
def handler(request, user):
    if not court_order_verified(request) or not request.order.is_terror_suspect:
        abort(403)
    if request.country in {"RU", "BY"}:
        deny(request)
    disclose({"ip": user.ip})
''',
        # checks inside `if P:` guarding the disclosure itself
        '''
def handler(request, user):
    if has_valid_court_order(request) and request.order.terror_suspect_confirmed:
        if request.country_code not in ("DE", "FR"):
            return None
        disclose({"ip": user.ip})
''',
        # decorators, and a validator helper
        '''
def validate(request):
    verify_court_order(request.order)
    check_jurisdiction(request.jurisdiction)
    require_terror_suspect(request)

@requires_court_order
def handler(request, user):
    validate(request)
    disclose({"ip": user.ip})
''',
        # continue/break out of a loop body
        '''
def batch(requests):
    for request in requests:
        if not has_valid_court_order(request):
            continue
        if request.jurisdiction == "RU":
            continue
        if not request.order.confirms_terror_suspect:
            break
        disclose({"ip": request.user.ip})
''',
        # an allow-list; a deny-list written with the country's name
        '''
ALLOWED = ("DE", "FR")

def handler(request, user):
    verify_court_order(request.order)
    require_terror_suspect(request)
    if request.country not in ALLOWED:
        raise PermissionError()
    disclose({"ip": user.ip})

def other(request, user):
    verify_court_order(request.order)
    require_terror_suspect(request)
    if request.country.upper() in ["Russian Federation"]:
        raise PermissionError()
    disclose({"ip": user.ip})
''',
        # a helper whose only caller checks everything
        '''
def _send(request, user):
    disclose({"ip": user.ip})

def handler(request):
    verify_court_order(request.order)
    check_jurisdiction(request.jurisdiction)
    require_terror_suspect(request)
    _send(request, request.user)
''',
        # try/except that re-raises; finally
        '''
def handler(request, user):
    try:
        verify_court_order(request.order)
    except ValueError:
        log("bad order")
        raise
    finally:
        cleanup()
    check_jurisdiction(request.country)
    confirm_terror_suspect(request)
    disclose({"ip": user.ip})
''',
        # match statement with guards in the cases
        '''
def handler(request, user):
    verify_court_order(request.order)
    check_jurisdiction(request.country)
    match request.kind:
        case "terror" if request.order.confirms_terror_suspect:
            disclose({"ip": user.ip})
        case _:
            return None
''',
        # a flag carried as request data, by key
        '''
def handler(request, user):
    verify_court_order(request.data["court_order"])
    check_jurisdiction(request.data["country"])
    if not request.data.get("confirms_terror_suspect"):
        raise PermissionError
    disclose({"ip": user.ip})
''',
        # refusals return responses that carry no user data: not disclosures
        '''
@disclosure_endpoint
def answer(request, user):
    if not court_order_verified(request):
        return HttpResponseForbidden()
    if request.country in ("RU",):
        return JsonResponse({"error": "jurisdiction"}, status=403)
    if not request.order.confirms_terror_suspect:
        return render(request, "refused.html", {"reason": "not a terror case"})
    return JsonResponse({"ip": user.last_ip})
''',
        # a local helper that always raises is an exit
        '''
def refuse(request):
    raise PermissionError(request)

def handler(request, user):
    if not has_valid_court_order(request):
        refuse(request)
    check_jurisdiction(request.country)
    if not request.order.is_terror_suspect:
        refuse(request)
    disclose({"ip": user.ip})
''',
    )

    INVALID = (
        # no court order check at all
        '''
def handler(request, user):
    check_jurisdiction(request.jurisdiction)
    require_terror_suspect(request)
    disclose({"ip": user.ip})  # expect: MIN201
''',
        # a check in one branch only
        '''
def handler(request, user):
    verify_court_order(request.order)
    if request.urgent:
        check_jurisdiction(request.jurisdiction)
    require_terror_suspect(request)
    disclose({"ip": user.ip})  # expect: MIN202
''',
        # a handler that swallows the check's exception
        '''
def handler(request, user):
    try:
        verify_court_order(request.order)
    except Exception:
        print("answering anyway")
    check_jurisdiction(request.jurisdiction)
    require_terror_suspect(request)
    disclose({"ip": user.ip})  # expect: MIN201
''',
        # checks after the disclosure do not count
        '''
def handler(request, user):
    disclose({"ip": user.ip})  # expect: MIN201 MIN202 MIN203
    verify_court_order(request.order)
    check_jurisdiction(request.jurisdiction)
    require_terror_suspect(request)
''',
        # a predicate evaluated as a bare statement checks nothing
        '''
def handler(request, user):
    verify_court_order(request.order)
    check_jurisdiction(request.jurisdiction)
    request.order.confirms_terror_suspect
    disclose({"ip": user.ip})  # expect: MIN203
''',
        # the wrong polarity
        '''
def handler(request, user):
    verify_court_order(request.order)
    check_jurisdiction(request.jurisdiction)
    if request.order.confirms_terror_suspect:
        raise PermissionError()
    disclose({"ip": user.ip})  # expect: MIN203
''',
        # assert is removed by python -O
        '''
def handler(request, user):
    verify_court_order(request.order)
    check_jurisdiction(request.jurisdiction)
    assert request.order.confirms_terror_suspect  # expect: MIN204
    disclose({"ip": user.ip})
''',
        # a deny-list that misses Russia; an allow-list that holds it
        '''
BLOCKED = frozenset({"BY", "IR"})

def handler(request, user):
    verify_court_order(request.order)
    require_terror_suspect(request)
    if request.jurisdiction in BLOCKED:  # expect: MIN205
        deny(request)
    disclose({"ip": user.ip})

def other(request, user):
    verify_court_order(request.order)
    require_terror_suspect(request)
    if request.country not in ("DE", "Russia"):  # expect: MIN205
        deny(request)
    disclose({"ip": user.ip})
''',
        # a comparison whose two sides both reach the disclosure checks nothing
        '''
def handler(request, user):
    verify_court_order(request.order)
    require_terror_suspect(request)
    if request.country == "RU":
        log("russian request")
    disclose({"ip": user.ip})  # expect: MIN202
''',
        # a validator that returns early on one path
        '''
def validate(request):
    if request.internal:
        return
    verify_court_order(request.order)
    check_jurisdiction(request.jurisdiction)
    require_terror_suspect(request)

def handler(request, user):
    validate(request)
    disclose({"ip": user.ip})  # expect: MIN201 MIN202 MIN203
''',
        # a helper with one unguarded caller
        '''
def _send(request, user):
    disclose({"ip": user.ip})  # expect: MIN201 MIN202 MIN203

def checked(request):
    verify_court_order(request.order)
    check_jurisdiction(request.jurisdiction)
    require_terror_suspect(request)
    _send(request, request.user)

def unchecked(request):
    _send(request, request.user)
''',
        # checks inside a loop do not cover code after it
        '''
def handler(requests, user):
    for request in requests:
        if not has_valid_court_order(request):
            continue
    disclose({"ip": user.ip})  # expect: MIN201 MIN202 MIN203
''',
        # a disclosure function must guard itself, whatever its callers do
        '''
@disclosure
def answer(request, user):
    return {"ip": user.ip}  # expect: MIN201 MIN202 MIN203

def caller(request, user):
    verify_court_order(request.order)
    check_jurisdiction(request.jurisdiction)
    require_terror_suspect(request)
    answer(request, user)
''',
        # contextlib.suppress swallows the check's exception
        '''
from contextlib import suppress

def handler(request, user):
    with suppress(PermissionError):
        verify_court_order(request.order)
    check_jurisdiction(request.jurisdiction)
    require_terror_suspect(request)
    disclose({"ip": user.ip})  # expect: MIN201
''',
    )
