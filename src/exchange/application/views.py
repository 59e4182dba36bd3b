"""What the pages, the API, the CLI and the documents show of a saved analysis (the read
side's views: plain attrs objects built from the snapshot's counts)."""

from __future__ import annotations

from datetime import datetime
from typing import Iterable, Sequence

import attrs

from exchange.application.model import (
    ExchangeLine,
    Option,
    PotentialCounts,
    PotentialLevel,
    StoredAnalysis,
    TierCounts,
    ViewFilter,
    Viewer,
)
from exchange.domain.matching import (
    AllocationMethod,
    AllocationTotals,
    ExchangeCriteria,
    ExchangePotential,
    PotentialScope,
    Tier,
)
from exchange.domain.states import STATES


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
class ExportResult:
    """A written workbook: how many exchange rows and where."""

    rows: int
    path: str


@attrs.frozen
class ExchangeReport:
    """What the Excel workbook and the PDF summary are built from (plain data)."""

    overview: ExchangeOverview
    entities: tuple[PotentialRow, ...]
    printed_at: datetime  # local time
    exchanges: Iterable[ExchangeLine] = ()  # consumed once, in order (the workbook streams)
