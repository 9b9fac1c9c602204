"""Legal process: court orders, jurisdictions, the transparency report."""

from dataclasses import dataclass

BLOCKED_JURISDICTIONS = frozenset({"RU", "BY", "IR", "KP"})


class CourtOrderInvalid(Exception):
    pass


@dataclass
class CourtOrder:
    number: str
    signed_by_judge: bool
    confirms_terror_suspect: bool


def verify_court_order(order: CourtOrder | None) -> None:
    if order is None or not order.signed_by_judge:
        raise CourtOrderInvalid(order)


def check_jurisdiction(country: str) -> None:
    if country.upper() in BLOCKED_JURISDICTIONS:
        raise PermissionError(f"no disclosures to {country}")


def deny(request) -> None:
    raise PermissionError(request.case_id)


_REPORT: list[tuple[str, tuple[str, ...]]] = []


def record_disclosure(request, fields: tuple[str, ...] = ()) -> None:
    """Append to the semiannual transparency report."""
    _REPORT.append((request.case_id, fields))
