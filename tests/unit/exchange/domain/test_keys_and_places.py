""""The same product" across catalogs (``product_key``) and where a unit is
(``locate_unit``: its CLUES prefix, then its entity)."""

from __future__ import annotations

import string
import unicodedata

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from exchange.domain.matching import fold_key, product_key
from exchange.domain.states import (
    CLUES_STATE_PREFIXES,
    STATES,
    locate_unit,
    state_name,
    state_of_clues,
)

WORDS = st.lists(st.text(alphabet="abcdefghijklmnopqrstuvwxyzáéíóúñü0123456789", min_size=1,
                         max_size=8), min_size=1, max_size=6)
PUNCTUATION = st.sampled_from([" ", "  ", ", ", ". ", " / ", "-", ";", " (", ") "])


def _accents(text: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFKD", text)
                   if not unicodedata.combining(c))


@settings(max_examples=200, deadline=None)
@given(WORDS, st.lists(PUNCTUATION, min_size=6, max_size=6), st.sampled_from(
    ["Estudio", "Sesión", "Procedimiento", "Consulta"]), st.booleans(), st.booleans())
def test_the_same_product_is_recognised_whatever_the_spelling(words, seps, unit, upper,
                                                              strip_accents) -> None:
    name = " ".join(words)
    # Another catalog's spelling: other case, other punctuation, with or without accents.
    other = "".join(w + sep for w, sep in zip(words, seps))
    other = other.upper() if upper else other.title()
    if strip_accents:
        other = _accents(other)
    assert product_key(name, unit) == product_key(other, unit.upper() + ".")
    assert product_key(name, unit) != product_key(name, unit + " doble")
    assert fold_key(fold_key(other)) == fold_key(other)  # idempotent


def test_guides_names_fold_as_expected() -> None:
    assert product_key("Albúmina en orina.", "Estudio") == \
        product_key("ALBUMINA EN ORINA", "estudio") == "albumina en orina|estudio"
    assert product_key("Anestesia", "Procedimiento") != product_key("Anestesia", "Consulta")
    assert fold_key("APÉNDICE, HISTOPATOLÓGICO DE.") == "apendice histopatologico de"
    # A name made only of punctuation still has a key of its own.
    assert product_key("...", "Estudio") == "...|estudio"


def test_every_state_has_its_clues_prefix() -> None:
    assert len(CLUES_STATE_PREFIXES) == 32
    assert set(CLUES_STATE_PREFIXES.values()) == set(STATES)
    expected = {"BC": "BAJA CALIFORNIA", "BS": "BAJA CALIFORNIA SUR", "MC": "MÉXICO",
                "DF": "CIUDAD DE MÉXICO", "CS": "CHIAPAS", "CH": "CHIHUAHUA", "CC": "CAMPECHE",
                "CL": "COAHUILA", "CM": "COLIMA", "NL": "NUEVO LEÓN", "VZ": "VERACRUZ",
                "YN": "YUCATÁN", "ZS": "ZACATECAS", "QR": "QUINTANA ROO", "SP": "SAN LUIS POTOSÍ"}
    for prefix, name in expected.items():
        assert state_name(CLUES_STATE_PREFIXES[prefix]) == name


@settings(max_examples=100, deadline=None)
@given(st.sampled_from(sorted(CLUES_STATE_PREFIXES)), st.sampled_from(["SSA", "IMS", "IST",
                                                                       "PMX"]),
       st.integers(0, 999_999), st.sampled_from(["MC-OTE", "UMAE-1", "BC", "Jalisco"]))
def test_the_clues_prefix_wins_over_the_entity(prefix, inst, number, entity) -> None:
    clues = f"{prefix}{inst}{number:06d}"
    assert state_of_clues(clues) == CLUES_STATE_PREFIXES[prefix]
    assert locate_unit(clues, entity, "Edo. de Méx. Ote.") == CLUES_STATE_PREFIXES[prefix]


def test_imss_ooads_land_in_their_state() -> None:
    # "Edo. de Méx. Ote." is no state name: the unit's CLUES places it in México.
    assert locate_unit("MCIMS000011", "MC-OTE", "Edo. de Méx. Ote.") == "15"
    assert locate_unit("DFIMS000120", "DF-SUR", "CDMX Sur") == "09"
    assert locate_unit("VZIMS000077", "VZ-NTE", "Veracruz Norte") == "30"


@pytest.mark.parametrize("hints, expected", [
    (("JAL", "Jalisco"), "14"),
    (("UMAE-7", "Estado de México"), "15"),
    (("X1", "Delegación Poniente"), None),
    ((), None),
])
def test_without_a_known_prefix_the_entity_decides(hints, expected) -> None:
    assert state_of_clues("XXSSA000001") is None
    assert locate_unit("XXSSA000001", *hints) == expected


def test_prefix_lookup_ignores_case_and_spaces() -> None:
    assert state_of_clues(" bcssa001152") == "02"
    assert state_of_clues("") is None
    assert all(c in string.ascii_uppercase for p in CLUES_STATE_PREFIXES for c in p)
