"""Mexico's 32 federal entities (states) and their land borders, as data.

Keys are the INEGI two-digit codes ``"01"`` .. ``"32"`` (the *clave de entidad federativa*),
so that records coming from catalogs, imports or the database agree on one canonical key
whatever spelling they carry ("CDMX", "Distrito Federal", "Estado de México", "09", 9 ...).

The adjacency lists only *land* borders between states (the exchange of patients happens
by road): Baja California Sur therefore has a single neighbour (Baja California), and states
that only face each other across the Gulf of California (Sonora–Baja California Sur,
Sinaloa–Baja California Sur) or that do not touch (Coahuila–Tamaulipas, separated by Nuevo
León's corridor to the border; Durango–Jalisco) are not neighbours. The lists follow INEGI's
"colindancias" of each state. The module is pure data plus small lookups: standard library
and the shared kernel only.
"""

from __future__ import annotations

from types import MappingProxyType
from typing import Mapping

from shared.kernel.errors import ValidationError
from shared.kernel.text import strip_accents

# INEGI code -> upper-case name as shown in the product (short common names).
STATES: Mapping[str, str] = MappingProxyType({
    "01": "AGUASCALIENTES",
    "02": "BAJA CALIFORNIA",
    "03": "BAJA CALIFORNIA SUR",
    "04": "CAMPECHE",
    "05": "COAHUILA",
    "06": "COLIMA",
    "07": "CHIAPAS",
    "08": "CHIHUAHUA",
    "09": "CIUDAD DE MÉXICO",
    "10": "DURANGO",
    "11": "GUANAJUATO",
    "12": "GUERRERO",
    "13": "HIDALGO",
    "14": "JALISCO",
    "15": "MÉXICO",
    "16": "MICHOACÁN",
    "17": "MORELOS",
    "18": "NAYARIT",
    "19": "NUEVO LEÓN",
    "20": "OAXACA",
    "21": "PUEBLA",
    "22": "QUERÉTARO",
    "23": "QUINTANA ROO",
    "24": "SAN LUIS POTOSÍ",
    "25": "SINALOA",
    "26": "SONORA",
    "27": "TABASCO",
    "28": "TAMAULIPAS",
    "29": "TLAXCALA",
    "30": "VERACRUZ",
    "31": "YUCATÁN",
    "32": "ZACATECAS",
})

# Land borders, written once per state as INEGI lists them; symmetry is checked at import
# time (below) and in the tests, so a typo cannot silently make a one-way border.
_BORDERS: dict[str, tuple[str, ...]] = {
    "01": ("14", "32"),
    "02": ("03", "26"),
    "03": ("02",),
    "04": ("23", "27", "31"),
    "05": ("08", "10", "19", "24", "32"),
    "06": ("14", "16"),
    "07": ("20", "27", "30"),
    "08": ("05", "10", "25", "26"),
    "09": ("15", "17"),
    "10": ("05", "08", "18", "25", "32"),
    "11": ("14", "16", "22", "24", "32"),
    "12": ("15", "16", "17", "20", "21"),
    "13": ("15", "21", "22", "24", "29", "30"),
    "14": ("01", "06", "11", "16", "18", "24", "32"),
    "15": ("09", "12", "13", "16", "17", "21", "22", "29"),
    "16": ("06", "11", "12", "14", "15", "22"),
    "17": ("09", "12", "15", "21"),
    "18": ("10", "14", "25", "32"),
    "19": ("05", "24", "28", "32"),
    "20": ("07", "12", "21", "30"),
    "21": ("12", "13", "15", "17", "20", "29", "30"),
    "22": ("11", "13", "15", "16", "24"),
    "23": ("04", "31"),
    "24": ("05", "11", "13", "14", "19", "22", "28", "30", "32"),
    "25": ("08", "10", "18", "26"),
    "26": ("02", "08", "25"),
    "27": ("04", "07", "30"),
    "28": ("19", "24", "30"),
    "29": ("13", "15", "21"),
    "30": ("07", "13", "20", "21", "24", "27", "28"),
    "31": ("04", "23"),
    "32": ("01", "05", "10", "11", "14", "18", "19", "24"),
}

ADJACENCY: Mapping[str, frozenset[str]] = MappingProxyType(
    {code: frozenset(neighbours) for code, neighbours in _BORDERS.items()}
)


def _fold(text: str) -> str:
    """Upper case, no accents, single spaces, no dots: how aliases are compared."""
    return " ".join(strip_accents(text).replace(".", " ").upper().split())


# Spellings seen in catalogs and imports, mapped to the INEGI code (folded form).
_ALIASES: dict[str, str] = {
    "AGS": "01",
    "BC": "02",
    "BAJA CALIFORNIA NORTE": "02",
    "BCS": "03",
    "CAMP": "04",
    "COAH": "05",
    "COAHUILA DE ZARAGOZA": "05",
    "COL": "06",
    "CHIS": "07",
    "CHIH": "08",
    "CDMX": "09",
    "CIUDAD DE MEXICO": "09",
    "DISTRITO FEDERAL": "09",
    "DF": "09",
    "D F": "09",
    "DGO": "10",
    "GTO": "11",
    "GRO": "12",
    "HGO": "13",
    "JAL": "14",
    "MEX": "15",
    "EDOMEX": "15",
    "ESTADO DE MEXICO": "15",
    "EDO DE MEXICO": "15",
    "MICH": "16",
    "MICHOACAN DE OCAMPO": "16",
    "MOR": "17",
    "NAY": "18",
    "NL": "19",
    "OAX": "20",
    "PUE": "21",
    "QRO": "22",
    "QUERETARO DE ARTEAGA": "22",
    "QROO": "23",
    "Q ROO": "23",
    "SLP": "24",
    "SIN": "25",
    "SON": "26",
    "TAB": "27",
    "TAMPS": "28",
    "TLAX": "29",
    "VER": "30",
    "VERACRUZ DE IGNACIO DE LA LLAVE": "30",
    "VERACRUZ LLAVE": "30",
    "YUC": "31",
    "ZAC": "32",
}
_LOOKUP: dict[str, str] = {_fold(name): code for code, name in STATES.items()}
_LOOKUP.update(_ALIASES)


def canonical_state(value: object) -> str:
    """The INEGI code of a state given as a code (``"9"``, ``9``, ``"09"``), a name or a
    common abbreviation; raises ``ValidationError`` for anything else."""
    if type(value) is str and value in STATES:  # already a code: the common case, first
        return value
    if isinstance(value, bool):  # bool is an int: refuse it explicitly
        raise _unknown(value)
    if isinstance(value, int):
        code = f"{value:02d}"
        if code in STATES:
            return code
        raise _unknown(value)
    if isinstance(value, str):
        text = value.strip()
        if text.isdigit() and len(text) <= 2:
            code = text.zfill(2)
            if code in STATES:
                return code
        found = _LOOKUP.get(_fold(text))
        if found is not None:
            return found
    raise _unknown(value)


def _unknown(value: object) -> ValidationError:
    return ValidationError(
        f"Estado desconocido: {value!r}.",
        log_message=f"unknown Mexican state {value!r}",
        code="unknown_state",
    )


# CLUES (Clave Única de Establecimientos de Salud) start with the state's two-letter key
# (the RENAPO/CURP one: "BC" Baja California, "MC" México, "DF" Ciudad de México ...), then
# three letters of the institution and six digits. The key is a property of the unit's
# location, not of the organisation, so it also places units whose entity is not a state
# (an IMSS OOAD such as "Edo. de Méx. Ote." or an UMAE). Kept apart from ``_ALIASES`` on
# purpose: several of these keys mean another state as abbreviations ("CS", "CH", "MC").
CLUES_STATE_PREFIXES: Mapping[str, str] = MappingProxyType({
    "AS": "01", "BC": "02", "BS": "03", "CC": "04", "CL": "05", "CM": "06", "CS": "07",
    "CH": "08", "DF": "09", "DG": "10", "GT": "11", "GR": "12", "HG": "13", "JC": "14",
    "MC": "15", "MN": "16", "MS": "17", "NT": "18", "NL": "19", "OC": "20", "PL": "21",
    "QT": "22", "QR": "23", "SP": "24", "SL": "25", "SR": "26", "TC": "27", "TS": "28",
    "TL": "29", "VZ": "30", "YN": "31", "ZS": "32",
})


def state_of_clues(clues: str) -> str | None:
    """The INEGI code of the state a CLUES belongs to (its two-letter prefix), or None."""
    return CLUES_STATE_PREFIXES.get((clues or "").strip()[:2].upper())


def locate_unit(clues: str, *hints: object) -> str | None:
    """The state of a medical unit: its CLUES prefix first; failing that, the first hint
    (entity code, entity name ...) that names a state; None when nothing does."""
    found = state_of_clues(clues)
    if found is not None:
        return found
    for hint in hints:
        try:
            return canonical_state(hint)
        except ValidationError:
            continue
    return None


def state_name(code: str) -> str:
    """Display name of a state given any accepted spelling."""
    return STATES[canonical_state(code)]


def neighbours(code: str) -> frozenset[str]:
    """INEGI codes of the states sharing a land border with ``code``."""
    return ADJACENCY[canonical_state(code)]


def are_neighbours(a: str, b: str) -> bool:
    return canonical_state(b) in neighbours(a)


def _check_symmetric() -> None:
    # Why at import time: the data is hand-written; a one-way border would make tier 3
    # depend on which side asks, and that must never reach production.
    for code, around in ADJACENCY.items():
        for other in around:
            if code not in ADJACENCY[other] or other == code:
                raise AssertionError(f"asymmetric border {code}-{other}")
    if set(ADJACENCY) != set(STATES) or set(CLUES_STATE_PREFIXES.values()) != set(STATES):
        raise AssertionError("adjacency, CLUES prefixes and state list disagree")


_check_symmetric()
