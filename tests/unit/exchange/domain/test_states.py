"""The 32 states and their land borders (data used by tier 3 of the exchange matching)."""

from __future__ import annotations

import pytest

from exchange.domain.states import (
    ADJACENCY,
    STATES,
    are_neighbours,
    canonical_state,
    neighbours,
    state_name,
)
from shared.kernel.errors import ValidationError


def test_there_are_32_states_with_inegi_codes() -> None:
    assert len(STATES) == 32
    assert list(STATES) == [f"{i:02d}" for i in range(1, 33)]
    assert STATES["01"] == "AGUASCALIENTES"
    assert STATES["09"] == "CIUDAD DE MÉXICO"
    assert STATES["15"] == "MÉXICO"
    assert STATES["32"] == "ZACATECAS"


def test_adjacency_is_symmetric_irreflexive_and_complete() -> None:
    assert set(ADJACENCY) == set(STATES)
    for code, around in ADJACENCY.items():
        assert code not in around
        assert around, f"{code} has no neighbour"
        for other in around:
            assert other in STATES
            assert code in ADJACENCY[other], f"{code}-{other} is one-way"


def test_country_is_one_connected_land_mass() -> None:
    seen, todo = {"09"}, ["09"]
    while todo:
        for other in ADJACENCY[todo.pop()]:
            if other not in seen:
                seen.add(other)
                todo.append(other)
    assert seen == set(STATES)


@pytest.mark.parametrize(
    ("state", "expected"),
    [
        ("09", {"15", "17"}),  # CDMX: Estado de México, Morelos
        ("03", {"02"}),  # BCS: only Baja California by land
        ("01", {"14", "32"}),  # Aguascalientes
        ("31", {"04", "23"}),  # Yucatán
        ("23", {"04", "31"}),  # Quintana Roo
        ("24", {"05", "11", "13", "14", "19", "22", "28", "30", "32"}),  # SLP, 9 neighbours
        ("15", {"09", "12", "13", "16", "17", "21", "22", "29"}),  # México
        ("26", {"02", "08", "25"}),  # Sonora
        ("28", {"19", "24", "30"}),  # Tamaulipas
        ("07", {"20", "27", "30"}),  # Chiapas
    ],
)
def test_known_borders(state: str, expected: set[str]) -> None:
    assert ADJACENCY[state] == expected


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("05", "28"),  # Coahuila / Tamaulipas: Nuevo León lies between
        ("03", "26"),  # BCS / Sonora: only the Gulf of California
        ("03", "25"),  # BCS / Sinaloa: idem
        ("10", "14"),  # Durango / Jalisco
        ("09", "21"),  # CDMX / Puebla
        ("31", "27"),  # Yucatán / Tabasco
    ],
)
def test_non_borders(a: str, b: str) -> None:
    assert not are_neighbours(a, b)
    assert not are_neighbours(b, a)


def test_number_of_borders() -> None:
    # 69 land borders between states, each counted once: a guard against an accidental
    # edit of the data (a change here must be a deliberate, reviewed correction).
    assert sum(len(v) for v in ADJACENCY.values()) // 2 == 69


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        ("09", "09"), ("9", "09"), (9, "09"), ("CDMX", "09"), ("Ciudad de México", "09"),
        ("distrito federal", "09"), ("Estado de México", "15"), ("México", "15"),
        ("Michoacán de Ocampo", "16"), ("nuevo leon", "19"), ("NUEVO LEÓN", "19"),
        ("Veracruz de Ignacio de la Llave", "30"), ("Coahuila de Zaragoza", "05"),
        ("  zacatecas ", "32"), ("Q. Roo", "23"), ("SLP", "24"),
    ],
)
def test_canonical_state_accepts_common_spellings(raw: object, code: str) -> None:
    assert canonical_state(raw) == code


@pytest.mark.parametrize("raw", ["33", "00", 0, 33, "Atlantis", "", True, None, 1.0])
def test_canonical_state_refuses_unknown(raw: object) -> None:
    with pytest.raises(ValidationError) as info:
        canonical_state(raw)
    assert "Estado desconocido" in info.value.message


def test_lookups_accept_any_spelling() -> None:
    assert state_name("cdmx") == "CIUDAD DE MÉXICO"
    assert neighbours("Aguascalientes") == {"14", "32"}
    assert are_neighbours("Jalisco", "Colima")
