"""Exchange opportunities (E15), application side: scope, filters and the plain data the
ports carry (``ports.py``), the snapshot builds on (``snapshot.py``) and the views show
(``views.py``).

How an analysis flows
---------------------
1. ``ExchangeSource.load`` reads the period's faltantes and excedentes straight from SQL
   (all of them, or only those of entities whose report is finalized, or finalized and
   signed: the criteria's ``reports``) as ``ExchangeRecord``s whose ``product`` is the
   domain's ``product_key`` and whose ``state`` comes from the unit's CLUES prefix through
   ``states.locate_unit``, plus the labels a saved analysis keeps (unit, entity, product,
   service group), each once. Records whose unit cannot be placed in a state are counted,
   not matched.
2. ``RunExchangeAnalysis`` (``use_cases.py``) runs greedy and optimal, checks both,
   and saves the analysis in one transaction with its audit entry: the ``AnalysisHeader``
   (criteria, parameters, input fingerprint, national totals), the ``AnalysisSnapshot``
   (``snapshot.py``: every record with what each method covered or used, and every
   proposed exchange of both methods, in a compact columnar form) and each entity's
   ``PartCounts``. A snapshot, not references: capturistas keep editing records, a saved
   analysis must not change under its readers.
3. ``ExchangeQueries`` reads saved analyses through ``ExchangeReadModel``, always inside the
   caller's ``Viewer``: lists and visibility from the parts, every figure of a page from
   the snapshot.

Scope (P5)
----------
- ``admin``: everything;
- ``coordinador``: the faltantes and excedentes of its institution's units, and the exchanges
  in which its institution requests *or* provides;
- ``capturista``: the same for its entity;
- every other role: nothing.

An analysis is visible when the caller's part of it is not empty or the caller ran it; any
other id answers exactly like a missing one (``ANALYSIS_NOT_FOUND``). Potentials are always
about faltantes (the requesting side) inside the viewer; the lists of exchanges show both
sides. Only coordinadores and admins run analyses; a coordinador's analysis must include its
own institution.
"""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Mapping

import attrs

from exchange.domain.matching import (
    AllocationMethod,
    AllocationTotals,
    ExchangeCriteria,
    ExchangePotential,
    ExchangeRecord,
    PotentialScope,
    Tier,
)
from exchange.domain.agreements import PartyRef
from exchange.domain.states import STATES, canonical_state
from exchange.domain.values import clean_text, split_entity_key
from shared.kernel.scope import Role, Scope
from shared.kernel.text import fold_text

ANALYSIS_NOT_FOUND = "El análisis de intercambio solicitado no existe."
PERIOD_NOT_FOUND = "El periodo de captura solicitado no existe."  # the collection's wording
RUN_DENIED = ("Ejecutar un análisis de intercambio corresponde a la coordinación institucional "
              "o a la administración del sistema.")
GROUP_UNKNOWN = "El grupo de servicio «{name}» no existe en los catálogos de las instituciones."
NATIONAL_LABEL = "Nacional (todas las instituciones)"

SHORTAGE, SURPLUS = "faltante", "excedente"
TOP_PRODUCTS = 15

# --------------------------------------------------------------------------- scope


@attrs.frozen
class Viewer:
    """The part of an analysis a caller may read: everything, one institution, or one
    entity of one institution."""

    institution: str | None = None
    entity: str | None = None

    @property
    def everything(self) -> bool:
        return self.institution is None


def viewer_of(scope: Scope) -> Viewer | None:
    """None: the role sees nothing of the exchanges."""
    if scope.role is Role.ADMIN:
        return Viewer()
    if scope.role is Role.COORDINADOR and scope.ref:
        return Viewer(clean_text(scope.ref).upper())
    if scope.role is Role.CAPTURISTA:
        parts = split_entity_key(scope.ref)
        if parts is not None:
            return Viewer(parts[0], parts[1])
    return None


def may_run(scope: Scope) -> bool:
    return scope.role in (Role.ADMIN, Role.COORDINADOR)


# --------------------------------------------------------------------------- filters


class Side(str, enum.Enum):
    """Which end of an exchange a list filter looks at."""

    REQUESTING = "solicitante"
    PROVIDING = "proveedor"

    @property
    def label(self) -> str:
        return "Como solicitante" if self is Side.REQUESTING else "Como proveedor"


class PotentialLevel(str, enum.Enum):
    NATIONAL = "national"
    INSTITUTION = "institution"
    ENTITY = "entity"
    STATE = "state"


def _optional_upper(value: object) -> str | None:
    text = clean_text(value).upper()
    return text or None


def _optional_state(value: object) -> str | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    return canonical_state(value)


def group_key(value: object) -> str | None:
    """Service groups are compared by their folded name across institutions' catalogs (the
    catalog's ``search_key``)."""
    key = fold_text(value)
    return key or None


def _side(value: object) -> Side:
    if isinstance(value, Side):
        return value
    text = fold_text(value)
    if not text:
        return Side.REQUESTING
    for side in Side:
        if text in (side.value, side.name.lower()):
            return side
    raise ValueError(f"Lado desconocido: «{value}» (solicitante o proveedor).")


@attrs.frozen
class ViewFilter:
    """What the pages, the API and the exports narrow a saved analysis to (inside the
    viewer). ``side`` says which end of an exchange the institution/state/group filter
    looks at in lists of exchanges; potentials are always about the requesting side."""

    institution: str | None = attrs.field(default=None, converter=_optional_upper)
    state: str | None = attrs.field(default=None, converter=_optional_state)
    service_group: str | None = attrs.field(default=None, converter=group_key)
    side: Side = attrs.field(default=Side.REQUESTING, converter=_side)

    @property
    def empty(self) -> bool:
        return self.institution is None and self.state is None and self.service_group is None


# --------------------------------------------------------------------------- source port


@attrs.frozen
class ProductLabel:
    """The catalog product of a record as a saved analysis shows it (each institution names
    the same product in its own catalog)."""

    name: str
    unit_of_measure: str
    group_key: str  # folded service group name
    group_name: str


@attrs.frozen
class ExchangeInput:
    """The records of the period as the analysis reads them: the matching projection, plus
    the labels a saved analysis keeps, each once (a unit's name, an entity's name, a
    record's catalog product)."""

    shortages: tuple[ExchangeRecord, ...]
    surpluses: tuple[ExchangeRecord, ...]
    products: Mapping[str, ProductLabel]  # record id -> its catalog product
    unit_names: Mapping[str, str]  # CLUES -> unit name
    entity_names: Mapping[tuple[str, str], str]  # (institution, entity code) -> name
    unplaced: int = 0  # records whose unit could not be placed in any state (not matched)


@attrs.frozen
class Option:
    """One choice of a form or filter: its value and what the user reads."""

    value: str
    label: str


# --------------------------------------------------------------------------- write side


@attrs.frozen
class AnalysisHeader:
    """What a saved analysis was run with and its national result."""

    year: int
    created_at: datetime
    created_by: str
    criteria: ExchangeCriteria
    state: str | None  # INEGI code: faltantes of one state (providers: it and its neighbours)
    service_group: str | None  # folded group name
    service_group_name: str | None
    institutions: tuple[str, ...]  # institutions with records in the analysis
    shortages: int
    surpluses: int
    unplaced: int
    patients_needed: int  # monthly patients of all the faltantes
    input_fingerprint: str  # sha256 of the records read: same data -> same fingerprint
    parameters_key: str  # sha256 of year, criteria, state and group
    exact: bool  # the optimum is proven optimal (see the domain's minimum-patients rule)
    elapsed_ms: int
    greedy: AllocationTotals
    optimal: AllocationTotals


@attrs.frozen
class PartCounts:
    """One entity's part of a saved analysis: its faltante counts for both methods and how
    many excedentes it brought. Saved beside the snapshot so that the list of analyses and
    the visibility rule (is anything of mine in it?) are plain SQL."""

    institution: str
    entity: str
    counts: "PotentialCounts"
    surplus_records: int


# --------------------------------------------------------------------------- read side


@attrs.frozen
class StoredAnalysis:
    id: int
    header: AnalysisHeader


@attrs.frozen
class PotentialCounts:
    """Faltante counts of one scope (a row of a GROUP BY) for both methods."""

    institution: str | None
    entity: str | None
    entity_name: str | None
    state: str | None
    shortage_records: int
    patients_needed: int
    greedy_full: int
    greedy_partial: int
    greedy_covered: int
    optimal_full: int
    optimal_partial: int
    optimal_covered: int

    @classmethod
    def of_potentials(cls, greedy: ExchangePotential, optimal: ExchangePotential,
                      entity_name: str | None = None, state: str | None = None
                      ) -> "PotentialCounts":
        """From the domain's potentials of one scope (computed in memory by a run)."""
        return cls(greedy.institution, greedy.entity, entity_name, state,
                   greedy.shortage_records, greedy.patients_needed,
                   greedy.records_fully_covered, greedy.records_partly_covered,
                   greedy.patients_covered, optimal.records_fully_covered,
                   optimal.records_partly_covered, optimal.patients_covered)

    def potential(self, method: AllocationMethod, scope: PotentialScope) -> ExchangePotential:
        """The domain's potential (its shares are the one definition of the percentages)."""
        if method is AllocationMethod.GREEDY:
            full, partial, covered = self.greedy_full, self.greedy_partial, self.greedy_covered
        else:
            full, partial, covered = self.optimal_full, self.optimal_partial, self.optimal_covered
        return ExchangePotential(scope, self.institution, self.entity, self.shortage_records,
                                 full, partial, self.patients_needed, covered)


EMPTY_COUNTS = PotentialCounts(None, None, None, None, 0, 0, 0, 0, 0, 0, 0, 0)


def national_counts(header: "AnalysisHeader") -> PotentialCounts:
    """The whole analysis' counts from its saved totals (no GROUP BY needed)."""
    g, o = header.greedy, header.optimal
    return PotentialCounts(None, None, None, None, header.shortages, header.patients_needed,
                           g.records_fully_covered, g.records_covered - g.records_fully_covered,
                           g.patients, o.records_fully_covered,
                           o.records_covered - o.records_fully_covered, o.patients)


@attrs.frozen
class StateBalanceRow:
    state: str
    shortage_records: int
    shortage_patients: int
    surplus_records: int
    surplus_patients: int


@attrs.frozen
class ProductCounts:
    key: str
    name: str
    unit_of_measure: str
    group_name: str
    shortage_records: int
    patients_needed: int
    greedy_covered: int
    optimal_covered: int


@attrs.frozen
class TierCounts:
    method: AllocationMethod
    tier: Tier
    exchanges: int
    patients: int


@attrs.frozen
class Party:
    """One end of an exchange."""

    institution: str
    entity: str
    entity_name: str
    state: str
    state_name: str
    clues: str
    unit_name: str


@attrs.frozen
class ExchangeLine:
    """One proposed exchange: the requesting unit receives ``patients`` monthly patients of
    the product from the providing unit."""

    number: int
    method: str  # "optimal" | "greedy"
    tier: int
    tier_label: str  # "Misma entidad", "Mismo estado", "Estado vecino"
    requesting: Party
    providing: Party
    product: str  # the requesting institution's catalog name
    unit_of_measure: str
    group: str
    modality: str  # "Ambulatorio" | "Hospitalario"
    patients: int
    shortage_patients: int  # the faltante's monthly patients (its need)


@attrs.frozen
class UnitInfo:
    """A medical unit as the agreement shows it (read from the collection's catalog)."""

    clues: str
    name: str
    institution: str
    institution_name: str
    entity: str
    entity_name: str
    state: str | None

    @property
    def ref(self) -> PartyRef:
        return PartyRef(self.institution, self.entity, self.clues)

    @property
    def state_name(self) -> str:
        return STATES.get(self.state or "", "Sin estado")


