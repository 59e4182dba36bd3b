"""Exchange opportunities (E15), application side: ports, scope and the plain views.

How an analysis flows
---------------------
1. ``ExchangeSource.load`` reads the period's faltantes and excedentes straight from SQL
   (all of them, or only those of entities whose report is finalized, or finalized and
   signed: the criteria's ``reports``) as ``ExchangeRecord``s whose ``product`` is the
   domain's ``product_key`` and whose ``state`` comes from the unit's CLUES prefix through
   ``states.locate_unit``, plus the labels a saved analysis keeps (unit, entity, product,
   service group), each once. Records whose unit cannot be placed in a state are counted,
   not matched.
2. ``RunExchangeAnalysis`` (``use_cases/exchange.py``) runs greedy and optimal, checks both,
   and saves the analysis in one transaction with its audit entry: the ``AnalysisHeader``
   (criteria, parameters, input fingerprint, national totals), the ``AnalysisSnapshot``
   (``exchange_snapshot.py``: every record with what each method covered or used, and every
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
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO, Callable, Iterable, Mapping, Protocol, Sequence

import attrs

from excedentes.application.access import split_entity_key
from excedentes.domain.catalog import clean_text
from excedentes.domain.exchange import (
    AllocationMethod,
    AllocationTotals,
    ExchangeCriteria,
    ExchangePotential,
    ExchangeRecord,
    PotentialScope,
    ReportSelection,
    Tier,
)
from excedentes.domain.states import STATES, canonical_state
from shared.audit.domain import AuditLog
from shared.kernel.scope import Role, Scope
from shared.kernel.text import fold_text

if TYPE_CHECKING:  # the snapshot module builds on this one's types
    from excedentes.application.exchange_snapshot import AnalysisSnapshot

ANALYSIS_NOT_FOUND = "El análisis de intercambio solicitado no existe."
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


class ExchangeSource(Protocol):
    """The period's records and the form's choices, straight from the excedentes tables."""

    def load(self, year: int, institutions: frozenset[str] | None, service_group: str | None,
             states: frozenset[str] | None,
             reports: ReportSelection = ReportSelection.ALL) -> ExchangeInput:
        """Every faltante and excedente of the year's periods of those institutions (all
        when None), of the service group (folded name) when given, of units located in
        ``states`` when given, of the entities whose report is in the state ``reports``
        asks for (finalized; finalized with a current signed report)."""
        ...

    def has_period(self, year: int, institutions: frozenset[str] | None) -> bool: ...

    def years(self) -> Sequence[int]:
        """Years with a period in any institution, newest first."""
        ...

    def institutions(self) -> Sequence[Option]:
        """Institution codes and names, in the product's order."""
        ...

    def service_groups(self) -> Sequence[Option]:
        """Distinct service groups of every catalog (folded name -> a display name)."""
        ...

    def entity_name(self, institution: str, entity: str) -> str | None: ...


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


class ExchangeRepository(Protocol):
    def add(self, header: AnalysisHeader, snapshot: "AnalysisSnapshot",
            parts: Sequence[PartCounts]) -> int:
        """Store the analysis; returns its id. Never commits."""
        ...

    def latest_same(self, parameters_key: str, input_fingerprint: str) -> int | None:
        """The newest analysis run with the same parameters on the same data (its result is
        the same: the matching is deterministic)."""
        ...


class ExchangeUnitOfWork(Protocol):
    analyses: ExchangeRepository
    audit: AuditLog

    def __enter__(self) -> "ExchangeUnitOfWork": ...

    def __exit__(self, *exc: object) -> None: ...

    def commit(self) -> None: ...

    def rollback(self) -> None: ...


ExchangeUnitOfWorkFactory = Callable[[], ExchangeUnitOfWork]


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


class ExchangeReadModel(Protocol):
    """Saved analyses: their headers and parts straight from the tables (lists, visibility)
    and each one's snapshot, whose figures are computed inside a viewer and a filter."""

    def get(self, analysis_id: int) -> StoredAnalysis | None: ...

    def visible(self, analysis_id: int, viewer: Viewer, username: str) -> bool: ...

    def list(self, viewer: Viewer, username: str, offset: int, limit: int
             ) -> tuple[Sequence[StoredAnalysis], int]:
        """Newest first."""
        ...

    def national_counts(self, analysis_ids: Sequence[int], viewer: Viewer
                        ) -> dict[int, PotentialCounts]:
        """The viewer's faltante counts of several analyses at once (the list's figures)."""
        ...

    def snapshot(self, stored: StoredAnalysis) -> "AnalysisSnapshot":
        """The saved result of an analysis (immutable: an adapter may keep it cached)."""
        ...


# --------------------------------------------------------------------------- views


def percent_text(share: float) -> str:
    """"17.0 %": how shares read on pages, in the PDF and in the CLI."""
    return f"{share * 100:.1f} %"


def tier_labels(tiers: Iterable[Tier]) -> tuple[str, ...]:
    return tuple(Tier(t).label for t in sorted(tiers))


@attrs.frozen
class CriteriaView:
    tiers: tuple[int, ...]
    tier_labels: tuple[str, ...]
    cross_institution: bool
    institutions: tuple[str, ...] | None  # None: every institution takes part
    min_patients: int
    text: str  # one Spanish sentence

    @classmethod
    def of(cls, c: ExchangeCriteria) -> "CriteriaView":
        labels = tier_labels(c.tiers)
        insts = None if c.institutions is None else tuple(sorted(c.institutions))
        parts = [f"Niveles: {', '.join(labels)}",
                 "entre instituciones" if c.cross_institution
                 else "solo dentro de cada institución",
                 "instituciones: " + ("todas" if insts is None else ", ".join(insts)),
                 f"mínimo {c.min_patients} paciente{'s' if c.min_patients != 1 else ''} "
                 "por intercambio"]
        return cls(tuple(sorted(int(t) for t in c.tiers)), labels, c.cross_institution, insts,
                   c.min_patients, "; ".join(parts) + ".")


@attrs.frozen
class AnalysisView:
    id: int
    year: int
    created_at: datetime
    created_by: str
    criteria: CriteriaView
    state: str | None
    state_name: str | None
    service_group: str | None
    service_group_name: str | None
    institutions: tuple[str, ...]
    shortages: int  # faltantes that took part (the whole analysis)
    surpluses: int
    unplaced: int
    input_fingerprint: str
    exact: bool
    elapsed_ms: int
    # The national totals of both methods: only for a viewer who sees everything.
    national_greedy: AllocationTotals | None
    national_optimal: AllocationTotals | None

    @property
    def title(self) -> str:
        return f"Análisis {self.id} · periodo {self.year}"

    @property
    def parameters_text(self) -> str:
        where = f"faltantes de {self.state_name}" if self.state_name else "todo el país"
        group = self.service_group_name or "todos los grupos de servicio"
        return f"Periodo {self.year}; {where}; {group}."

    @classmethod
    def of(cls, stored: StoredAnalysis, viewer: Viewer) -> "AnalysisView":
        h = stored.header
        return cls(stored.id, h.year, h.created_at, h.created_by, CriteriaView.of(h.criteria),
                   h.state, STATES.get(h.state) if h.state else None, h.service_group,
                   h.service_group_name, h.institutions, h.shortages, h.surpluses, h.unplaced,
                   h.input_fingerprint, h.exact, h.elapsed_ms,
                   h.greedy if viewer.everything else None,
                   h.optimal if viewer.everything else None)


@attrs.frozen
class Figures:
    """One method's exchange potential in one scope."""

    shortage_records: int
    records_fully_covered: int
    records_partly_covered: int
    records_covered: int
    patients_needed: int
    patients_covered: int
    share_records_covered: float  # covered at least in part (the 2021 "17 %")
    share_records_fully_covered: float
    share_patients_covered: float

    @classmethod
    def of(cls, p: ExchangePotential) -> "Figures":
        return cls(p.shortage_records, p.records_fully_covered, p.records_partly_covered,
                   p.records_covered, p.patients_needed, p.patients_covered,
                   p.share_records_covered, p.share_records_fully_covered,
                   p.share_patients_covered)


_LEVEL_SCOPE = {PotentialLevel.NATIONAL: PotentialScope.NATIONAL,
                PotentialLevel.INSTITUTION: PotentialScope.INSTITUTION,
                PotentialLevel.ENTITY: PotentialScope.ENTITY,
                PotentialLevel.STATE: PotentialScope.STATE}


@attrs.frozen
class PotentialRow:
    """The potential of one scope, greedy and optimal side by side."""

    key: str  # "total", "IMSS", "IMSS:NL", "19"
    label: str
    institution: str | None
    entity: str | None
    state: str | None
    greedy: Figures
    optimal: Figures

    @property
    def added_patients(self) -> int:
        """How much the optimum adds to greedy (patients)."""
        return self.optimal.patients_covered - self.greedy.patients_covered

    @property
    def added_records(self) -> int:
        return self.optimal.records_covered - self.greedy.records_covered

    @classmethod
    def of(cls, counts: PotentialCounts, level: PotentialLevel,
           label: str | None = None) -> "PotentialRow":
        scope = _LEVEL_SCOPE[level]
        if level is PotentialLevel.INSTITUTION:
            key, default = counts.institution or "", counts.institution or ""
        elif level is PotentialLevel.ENTITY:
            key = f"{counts.institution}:{counts.entity}"
            default = f"{counts.entity_name or counts.entity} ({counts.institution})"
        elif level is PotentialLevel.STATE:
            key = counts.state or ""
            default = STATES.get(counts.state or "", key)
        else:
            key, default = "total", "Total"
        return cls(key, label or default, counts.institution, counts.entity, counts.state,
                   Figures.of(counts.potential(AllocationMethod.GREEDY, scope)),
                   Figures.of(counts.potential(AllocationMethod.OPTIMAL, scope)))


@attrs.frozen
class MethodTotals:
    """What one method achieves in the viewer's (filtered) part."""

    method: str
    label: str  # "Asignación voraz" | "Asignación óptima"
    figures: Figures
    exchanges: int
    patients_same_entity: int
    patients_same_state: int
    patients_neighbour_state: int


METHOD_LABELS = {AllocationMethod.GREEDY: "Asignación voraz",
                 AllocationMethod.OPTIMAL: "Asignación óptima"}


@attrs.frozen
class Comparison:
    """Greedy vs optimum side by side: how much the optimum adds."""

    greedy: MethodTotals
    optimal: MethodTotals

    @property
    def added_patients(self) -> int:
        return self.optimal.figures.patients_covered - self.greedy.figures.patients_covered

    @property
    def added_records(self) -> int:
        return self.optimal.figures.records_covered - self.greedy.figures.records_covered

    @property
    def added_share_patients(self) -> float:
        return (self.optimal.figures.share_patients_covered
                - self.greedy.figures.share_patients_covered)

    @classmethod
    def of(cls, row: PotentialRow, tiers: Sequence[TierCounts]) -> "Comparison":
        def totals(method: AllocationMethod, figures: Figures) -> MethodTotals:
            by_tier = {t.tier: t for t in tiers if t.method is method}
            patients = {tier: (by_tier[tier].patients if tier in by_tier else 0) for tier in Tier}
            return MethodTotals(method.value, METHOD_LABELS[method], figures,
                                sum(t.exchanges for t in by_tier.values()),
                                patients[Tier.SAME_ENTITY], patients[Tier.SAME_STATE],
                                patients[Tier.NEIGHBOUR_STATE])

        return cls(totals(AllocationMethod.GREEDY, row.greedy),
                   totals(AllocationMethod.OPTIMAL, row.optimal))


def comparison_rows(c: "Comparison") -> list[tuple[str, int, int, float | None, float | None]]:
    """(indicator, greedy, optimum, greedy share, optimum share) of the side-by-side table."""
    g, o = c.greedy, c.optimal
    gf, of = g.figures, o.figures
    return [
        ("Registros faltantes", gf.shortage_records, of.shortage_records, None, None),
        ("Registros cubiertos (total o parcialmente)", gf.records_covered, of.records_covered,
         gf.share_records_covered, of.share_records_covered),
        ("Registros cubiertos totalmente", gf.records_fully_covered, of.records_fully_covered,
         gf.share_records_fully_covered, of.share_records_fully_covered),
        ("Pacientes mensuales requeridos", gf.patients_needed, of.patients_needed, None, None),
        ("Pacientes mensuales cubiertos", gf.patients_covered, of.patients_covered,
         gf.share_patients_covered, of.share_patients_covered),
        ("Intercambios propuestos", g.exchanges, o.exchanges, None, None),
        ("Pacientes de la misma entidad", g.patients_same_entity, o.patients_same_entity,
         None, None),
        ("Pacientes del mismo estado", g.patients_same_state, o.patients_same_state, None, None),
        ("Pacientes de un estado vecino", g.patients_neighbour_state,
         o.patients_neighbour_state, None, None),
    ]


@attrs.frozen
class StateRow:
    """One state: its faltantes vs excedentes and its exchange potential."""

    state: str
    name: str
    shortage_records: int
    shortage_patients: int
    surplus_records: int
    surplus_patients: int
    greedy: Figures
    optimal: Figures


@attrs.frozen
class ProductRow:
    key: str
    name: str
    unit_of_measure: str
    group: str
    shortage_records: int
    patients_needed: int
    patients_covered: int  # optimum
    patients_covered_greedy: int
    share_patients_covered: float  # optimum


@attrs.frozen
class FilterOptions:
    institutions: tuple[Option, ...]
    states: tuple[Option, ...]
    groups: tuple[Option, ...]


@attrs.frozen
class FilterView:
    """The filter as applied, echoed for forms and the API."""

    institution: str | None
    state: str | None
    state_name: str | None
    service_group: str | None
    side: str
    text: str  # "Todos los registros" or "Institución IMSS; estado JALISCO; …"

    @classmethod
    def of(cls, flt: ViewFilter, group_name: str | None = None) -> "FilterView":
        parts = []
        if flt.institution:
            parts.append(f"institución {flt.institution}")
        if flt.state:
            parts.append(f"estado {STATES[flt.state]}")
        if flt.service_group:
            parts.append(f"grupo {group_name or flt.service_group}")
        text = ("Filtro: " + "; ".join(parts) + ".") if parts else "Sin filtros."
        return cls(flt.institution, flt.state, STATES.get(flt.state) if flt.state else None,
                   flt.service_group, flt.side.value, text)


@attrs.frozen
class ExchangeOverview:
    """The national view (E15) of one saved analysis, inside the viewer and the filter."""

    analysis: AnalysisView
    scope_label: str  # whose part this is: "Nacional (…)", "IMSS", "BAJA CALIFORNIA (SS)"
    filter: FilterView
    comparison: Comparison
    total: PotentialRow
    states: tuple[StateRow, ...]
    institutions: tuple[PotentialRow, ...]
    products: tuple[ProductRow, ...]
    options: FilterOptions


@attrs.frozen
class AnalysisSummary:
    """A saved analysis in the list, with the viewer's potential."""

    analysis: AnalysisView
    potential: PotentialRow


@attrs.frozen
class RunResult:
    analysis: AnalysisView
    comparison: Comparison  # national (the runner sees the whole result it asked for)
    by_institution: tuple[PotentialRow, ...]
    same_as: int | None  # an earlier analysis with the same parameters and the same data


@attrs.frozen
class RunFormOptions:
    years: tuple[int, ...]
    institutions: tuple[Option, ...]
    groups: tuple[Option, ...]
    states: tuple[Option, ...]
    tiers: tuple[Option, ...]
    may_run: bool
    fixed_institution: str | None  # a coordinador's own institution (always included)


STATE_OPTIONS = tuple(Option(code, name) for code, name in STATES.items())
TIER_OPTIONS = tuple(Option(str(int(t)), t.label) for t in Tier)


# --------------------------------------------------------------------------- documents


@attrs.frozen
class ExchangeReport:
    """What the Excel workbook and the PDF summary are built from (plain data)."""

    overview: ExchangeOverview
    entities: tuple[PotentialRow, ...]
    printed_at: datetime  # local time
    exchanges: Iterable[ExchangeLine] = ()  # consumed once, in order (the workbook streams)


class ExchangeDocuments(Protocol):
    def write_workbook(self, report: ExchangeReport, path: Path) -> int:
        """The .xlsx (sheets Resumen, Potencial, Intercambios) in constant memory; returns
        the number of exchange rows written."""
        ...

    def render_summary(self, report: ExchangeReport, out: BinaryIO) -> int:
        """The PDF summary; returns its page count."""
        ...
