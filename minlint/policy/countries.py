"""ISO 3166-1 country matching for jurisdiction lists (SPEC 2.3).

Code compares jurisdictions written every which way: ``"RU"``, ``"RUS"``,
``"ru"``, ``"Russia"``, ``"Russian Federation"``. All of them are one country,
so both the policy's ``blocked`` list and the literals found in checked code go
through :func:`country_code` and are compared as alpha-2 codes.

The data is pycountry's copy of ISO 3166-1 (Debian iso-codes); nothing here
lists countries by hand. Lookups are exact (after case, accent and whitespace
folding): a guessed or fuzzy match could turn an unrelated string constant into
a blocked jurisdiction, or worse, fail to see one.
"""

from __future__ import annotations

import unicodedata
from functools import lru_cache

import pycountry

# The ISO data names a few countries only by their formal or new name, while
# code and court papers still use the everyday English one ("Russia" is the
# deny-list entry of the default policy, and iso-codes has no short name for
# it). These are extra spellings of codes that pycountry has, not a country
# table: _index() checks that each code exists and the names pycountry gives
# always win.
_EXTRA_NAMES: dict[str, str] = {
    "Russia": "RU",
    "Turkey": "TR",  # renamed Türkiye in ISO 3166 (2022)
    "Czech Republic": "CZ",  # pycountry has it as official_name; kept for clarity
    "Brunei": "BN",
    "Cape Verde": "CV",
    "Ivory Coast": "CI",
    "Macedonia": "MK",
    "Swaziland": "SZ",
    "Burma": "MM",
    "Vatican": "VA",
    "Great Britain": "GB",
    "UK": "GB",  # exceptionally reserved alpha-2 code for the United Kingdom
}

_ATTRIBUTES = ("alpha_2", "alpha_3", "name", "official_name", "common_name")


def _fold(text: str) -> str:
    """Case, accent and whitespace folding, so "cote d'ivoire" finds "Côte d'Ivoire"."""
    decomposed = unicodedata.normalize("NFKD", text)
    bare = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return " ".join(bare.casefold().split())


@lru_cache(maxsize=1)
def _index() -> dict[str, str]:
    index: dict[str, str] = {}
    # Codes before names, so a name can never shadow a code.
    for attribute in _ATTRIBUTES:
        for country in pycountry.countries:
            value = getattr(country, attribute, None)
            if isinstance(value, str) and value:
                index.setdefault(_fold(value), country.alpha_2)
    known = {country.alpha_2 for country in pycountry.countries}
    for name, code in _EXTRA_NAMES.items():
        if code in known:  # a pycountry without the code just lacks the spelling
            index.setdefault(_fold(name), code)
    return index


@lru_cache(maxsize=4096)
def country_code(value: str) -> str | None:
    """The ISO 3166-1 alpha-2 code of *value*, or None if it names no country.

    *value* may be an alpha-2 or alpha-3 code, or a country's name, official
    name or common name, in any case.
    """
    if not isinstance(value, str):
        return None
    return _index().get(_fold(value))
