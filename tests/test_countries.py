"""ISO 3166 matching of jurisdictions (SPEC 2.3)."""

from __future__ import annotations

import pytest

from minlint.policy.countries import country_code


@pytest.mark.parametrize(
    "value",
    ["RU", "RUS", "ru", "rus", "Russia", "russia", "Russian Federation", "russian federation",
     "  RUSSIAN   federation ", "Ru"],
)
def test_every_spelling_of_russia_is_ru(value: str) -> None:
    assert country_code(value) == "RU"


@pytest.mark.parametrize(
    ("value", "code"),
    [
        ("BY", "BY"),
        ("Belarus", "BY"),
        ("IR", "IR"),
        ("Iran", "IR"),  # common_name
        ("Islamic Republic of Iran", "IR"),  # official_name
        ("Iran, Islamic Republic of", "IR"),  # name
        ("PRK", "KP"),
        ("North Korea", "KP"),
        ("South Korea", "KR"),
        ("de", "DE"),
        ("Germany", "DE"),
        ("United States of America", "US"),
        ("USA", "US"),
        ("United Kingdom", "GB"),
        ("Côte d'Ivoire", "CI"),
        ("cote d'ivoire", "CI"),  # accents folded, nothing guessed
        ("Türkiye", "TR"),
        ("Turkey", "TR"),
        ("Czechia", "CZ"),
        ("Czech Republic", "CZ"),
    ],
)
def test_codes_and_names(value: str, code: str) -> None:
    assert country_code(value) == code


@pytest.mark.parametrize(
    "value",
    ["", "   ", "Atlantis", "Korea", "Russi", "Russland", "R", "RUSS", "643", "EU", "XX",
     "russian", "request.jurisdiction"],
)
def test_not_a_country(value: str) -> None:
    # Exact lookups only: a prefix, a fuzzy match or an ambiguous name is no country.
    assert country_code(value) is None


def test_is_cached() -> None:
    country_code.cache_clear()
    country_code("Russia")
    country_code("Russia")
    info = country_code.cache_info()
    assert info.hits == 1 and info.misses == 1
