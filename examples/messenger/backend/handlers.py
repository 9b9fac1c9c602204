"""Handlers for law-enforcement data requests."""

from dataclasses import asdict

from backend.legal import check_jurisdiction, deny, record_disclosure, verify_court_order
from backend.models import users
from backend.payloads import minimal, with_profile
from backend.portal import disclose, send_to_authority


def validate(request) -> None:
    """Every check the promise requires, in one place."""
    verify_court_order(request.court_order)
    check_jurisdiction(request.country)
    if not request.court_order.confirms_terror_suspect:
        deny(request)


def answer_request(request) -> None:
    """The promise kept: checks, the two allowed fields, the report."""
    validate(request)
    user = users.by_id(request.user_id)
    record_disclosure(request, fields=("ip", "phone"))
    disclose(minimal(user))


def answer_with_profile(request) -> None:
    validate(request)
    user = users.by_id(request.user_id)
    record_disclosure(request)
    disclose(with_profile(user))


def answer_urgent(request) -> None:
    """Urgent requests skip the jurisdiction check: a path to a blocked country."""
    verify_court_order(request.court_order)
    if not request.urgent:
        check_jurisdiction(request.country)
    if not request.court_order.confirms_terror_suspect:
        deny(request)
    user = users.by_id(request.user_id)
    record_disclosure(request)
    send_to_authority(request.authority, {"ip": user.last_ip})


def answer_everything(request) -> None:
    validate(request)
    user = users.by_id(request.user_id)
    record_disclosure(request)
    disclose(asdict(user))


def answer_quietly(request) -> None:
    """Answers, but never tells the transparency report."""
    validate(request)
    user = users.by_id(request.user_id)
    disclose({"phone": user.phone_number})
