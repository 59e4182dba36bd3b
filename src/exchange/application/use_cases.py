"""E15 use cases: run and save an exchange analysis, read saved analyses in scope, export.

- ``RunExchangeAnalysis``: coordinador or admin. Reads the period's records through the
  ``ExchangeSource`` (one SELECT), runs the domain's greedy and optimal allocations
  (``analyze_exchanges``), checks both (``check_allocation``), and saves the snapshot with its
  audit entry in one transaction (``excedentes.exchange_analysis``). The criteria, the
  parameters (year, state, service group) and a fingerprint of the records read are saved
  with it, so a result can be reproduced: the matching is deterministic, and the same
  parameters on data with the same fingerprint give the same exchanges (``same_as`` names
  the earlier analysis when that happens).
- ``ExchangeQueries``: the saved analyses, always inside the caller's ``Viewer`` (see
  ``exchange.application.model``); a foreign analysis id answers like a missing one.
- ``ExportExchange`` / ``PrintExchangeSummary``: the Excel workbook and the PDF summary of
  what the caller may see, through the ``ExchangeDocuments`` port.
"""

from __future__ import annotations

import contextlib
import gc
import hashlib
import json
import time
from collections import defaultdict
from pathlib import Path
from typing import Any, BinaryIO, Callable, Iterable, Iterator, Mapping

import attrs

from exchange.application.model import (
    ANALYSIS_NOT_FOUND,
    EMPTY_COUNTS,
    GROUP_UNKNOWN,
    NATIONAL_LABEL,
    PERIOD_NOT_FOUND,
    RUN_DENIED,
    TOP_PRODUCTS,
    AnalysisHeader,
    ExchangeLine,
    Option,
    PotentialCounts,
    PotentialLevel,
    StoredAnalysis,
    TierCounts,
    ViewFilter,
    Viewer,
    group_key,
    may_run,
    national_counts,
    viewer_of,
)
from exchange.application.ports import (
    ExchangeDocuments,
    ExchangeReadModel,
    ExchangeSource,
    ExchangeUnitOfWorkFactory,
    FlowSolver,
)
from exchange.application.views import (
    STATE_OPTIONS,
    TIER_OPTIONS,
    AnalysisSummary,
    AnalysisView,
    Comparison,
    ExchangeOverview,
    ExchangeReport,
    ExportResult,
    FilterOptions,
    FilterView,
    PotentialRow,
    ProductRow,
    RunFormOptions,
    RunResult,
    StateRow,
)
from exchange.application.snapshot import AnalysisSnapshot
from exchange.domain.matching import (
    AllocationMethod,
    ExchangeAnalysis,
    ExchangeCriteria,
    ExchangeProblem,
    analyze_exchanges,
    check_allocation,
)
from exchange.domain.states import ADJACENCY, STATES, canonical_state
from exchange.domain.values import MAX_YEAR, MIN_YEAR, as_utc, clean_text, known_id, local_tz
from shared.audit.domain import record_action
from shared.kernel.clock import Clock
from shared.kernel.errors import NotFound, PermissionDenied, ValidationError
from shared.kernel.pagination import Page, PageRequest, paginate
from shared.kernel.progress import Progress
from shared.kernel.scope import Actor, ensure_visible

ANALYSIS_TARGET = "exchange_analysis"
AUDIT_ACTION = "excedentes.exchange_analysis"
OWN_INSTITUTION_REQUIRED = ("El análisis debe incluir a su institución ({code}): agréguela a "
                            "las instituciones participantes o no seleccione ninguna.")
RUN_STEPS = ("Lectura de registros del periodo", "Asignaciones voraz y óptima",
             "Verificación de capacidades y necesidades", "Guardado del análisis")


def _year(_inst: object, _attr: attrs.Attribute, value: object) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or not MIN_YEAR <= value <= MAX_YEAR:
        raise ValidationError(f"Periodo no válido: {value!r} (un año de {MIN_YEAR} a {MAX_YEAR}).",
                              log_message=f"bad exchange year {value!r}")


def _criteria(value: object) -> ExchangeCriteria:
    if isinstance(value, ExchangeCriteria):
        return value
    if value is None:
        return ExchangeCriteria()
    if isinstance(value, Mapping):
        return ExchangeCriteria.from_dict(value)
    raise ValidationError("Los criterios deben ser un objeto JSON.",
                          log_message=f"criteria of type {type(value).__name__}",
                          code="invalid_criteria")


def _state(value: object) -> str | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    return canonical_state(value)


def _text_or_none(value: object) -> str | None:
    return clean_text(value) or None


@attrs.frozen
class RunExchangeCommand:
    year: int = attrs.field(validator=_year)
    criteria: ExchangeCriteria = attrs.field(factory=ExchangeCriteria, converter=_criteria)
    # Faltantes of one state only (providers: the state and its neighbours), or all.
    state: str | None = attrs.field(default=None, converter=_state)
    # One service group only (its name, any case and accents), or all.
    service_group: str | None = attrs.field(default=None, converter=_text_or_none)


class _Steps:
    """Reports "step n of N" to an optional progress callback (the CLI's bar)."""

    def __init__(self, progress: Progress | None) -> None:
        self.progress = progress
        self.done = 0

    def __call__(self) -> None:
        if self.progress is not None:
            label = RUN_STEPS[min(self.done, len(RUN_STEPS) - 1)]
            self.progress(label, self.done, len(RUN_STEPS))
        self.done += 1

    def finish(self) -> None:
        if self.progress is not None:
            self.progress(RUN_STEPS[-1], len(RUN_STEPS), len(RUN_STEPS))


def _digest(data: Any) -> str:
    return hashlib.sha256(json.dumps(data, sort_keys=True, ensure_ascii=False,
                                     separators=(",", ":")).encode("utf-8")).hexdigest()


def input_fingerprint(problem: ExchangeProblem) -> str:
    """sha256 of the records the matching read (sorted, so arrival order does not matter)."""
    h = hashlib.sha256()
    for kind, records in (("F", problem.shortages), ("E", problem.surpluses)):
        for r in records:  # the problem keeps them in natural id order
            h.update("|".join((kind, r.record_id, r.unit, r.entity, r.institution, r.state,
                               r.product, r.modality.value, str(r.monthly_patients))
                              ).encode("utf-8"))
            h.update(b"\n")
    return h.hexdigest()


def parameters_key(year: int, criteria: ExchangeCriteria, state: str | None,
                   service_group: str | None) -> str:
    return _digest({"year": year, "criteria": criteria.to_dict(), "state": state,
                    "service_group": service_group})


@contextlib.contextmanager
def _collector_paused() -> Iterator[None]:
    """Pause Python's cyclic garbage collector while a national analysis builds its objects.

    Why: the analysis allocates hundreds of thousands of small objects (records, candidate
    pairs, flow edges) that stay alive until it ends; every collection scans all of them and
    the collector spends about as long as the matching itself (measured in
    ``bench/exchange.py``). Nothing it creates is cyclic garbage; reference counting still
    frees everything, and the collector is back on (if it was) when the block ends.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


@attrs.define
class RunExchangeAnalysis:
    """Run E15 on a period and save the result (see the module docstring).

    ``PermissionDenied`` for a capturista or any role but coordinador and admin;
    ``ValidationError`` for bad criteria, an unknown service group, or a coordinador's
    criteria that leave its own institution out; ``NotFound`` when no participating
    institution has a period that year.
    """

    uow_factory: ExchangeUnitOfWorkFactory
    clock: Clock
    source: ExchangeSource
    solver: FlowSolver
    timer: Callable[[], float] = time.perf_counter

    def __call__(self, actor: Actor, cmd: RunExchangeCommand,
                 progress: Progress | None = None) -> RunResult:
        if not may_run(actor.scope):
            raise PermissionDenied(RUN_DENIED)
        viewer = viewer_of(actor.scope)
        assert viewer is not None
        crit = self._known_institutions(cmd.criteria)
        if viewer.institution and crit.institutions is not None and \
                viewer.institution not in crit.institutions:
            raise ValidationError(OWN_INSTITUTION_REQUIRED.format(code=viewer.institution),
                                  code="own_institution_required")
        steps = _Steps(progress)
        steps()
        group = group_key(cmd.service_group)
        group_name = self._group_name(group, cmd.service_group)
        if not self.source.has_period(cmd.year, crit.institutions):
            raise NotFound(PERIOD_NOT_FOUND)
        with _collector_paused():
            return self._run(actor, cmd, crit, group, group_name, viewer, steps)

    def _run(self, actor: Actor, cmd: RunExchangeCommand, crit: ExchangeCriteria,
             group: str | None, group_name: str | None, viewer: Viewer,
             steps: _Steps) -> RunResult:
        started = self.timer()
        states = None if cmd.state is None else frozenset({cmd.state}) | ADJACENCY[cmd.state]
        data = self.source.load(cmd.year, crit.institutions, group, states, crit.reports)
        shortages = data.shortages if cmd.state is None else tuple(
            r for r in data.shortages if r.state == cmd.state)
        problem = ExchangeProblem(shortages, data.surpluses, crit)
        steps()
        analysis = analyze_exchanges(problem, self.solver)
        steps()
        check_allocation(problem, analysis.greedy)
        check_allocation(problem, analysis.optimal)
        elapsed_ms = round((self.timer() - started) * 1000)
        steps()
        fingerprint = input_fingerprint(problem)
        key = parameters_key(cmd.year, crit, cmd.state, group)
        header = AnalysisHeader(
            year=cmd.year, created_at=self.clock.now(), created_by=actor.username,
            criteria=crit, state=cmd.state, service_group=group,
            service_group_name=group_name,
            institutions=tuple(sorted({r.institution for r in shortages}
                                      | {r.institution for r in data.surpluses})),
            shortages=len(problem.shortages), surpluses=len(problem.surpluses),
            unplaced=data.unplaced,
            patients_needed=sum(r.monthly_patients for r in problem.participating_shortages),
            input_fingerprint=fingerprint, parameters_key=key,
            exact=analysis.optimal.exact, elapsed_ms=elapsed_ms,
            greedy=analysis.greedy_totals, optimal=analysis.optimal_totals)
        snapshot = AnalysisSnapshot.build(problem, analysis, data)
        with self.uow_factory() as uow:
            same_as = uow.analyses.latest_same(key, fingerprint)
            analysis_id = uow.analyses.add(header, snapshot, snapshot.parts())
            # The action keeps the name it had inside the collection (audit readers filter on it).
            record_action(uow.audit, self.clock, actor, AUDIT_ACTION, ANALYSIS_TARGET,
                          str(analysis_id),
                          after={"year": cmd.year, "criteria": crit.to_dict(), "state": cmd.state,
                                 "service_group": group, "shortages": header.shortages,
                                 "surpluses": header.surpluses, "unplaced": header.unplaced,
                                 "patients_greedy": header.greedy.patients,
                                 "patients_optimal": header.optimal.patients,
                                 "input_fingerprint": fingerprint, "same_as": same_as})
            uow.commit()
        steps.finish()
        view = AnalysisView.of(StoredAnalysis(analysis_id, header), viewer)
        return RunResult(view, *_run_summary(problem, analysis, viewer), same_as)

    def _known_institutions(self, crit: ExchangeCriteria) -> ExchangeCriteria:
        """Institution codes in any case; an unknown one is refused (it would silently
        leave the analysis empty)."""
        if crit.institutions is None:
            return crit
        known = [o.value for o in self.source.institutions()]
        wanted = frozenset(i.strip().upper() for i in crit.institutions)
        unknown = sorted(wanted - set(known))
        if unknown:
            raise ValidationError(
                f"Institución desconocida: {', '.join(unknown)} (use {', '.join(known)}).",
                code="unknown_institution")
        return attrs.evolve(crit, institutions=wanted)

    def _group_name(self, key: str | None, typed: str | None) -> str | None:
        if key is None:
            return None
        for option in self.source.service_groups():
            if option.value == key:
                return option.label
        raise ValidationError(GROUP_UNKNOWN.format(name=typed), code="unknown_service_group")


def _run_summary(problem: ExchangeProblem, analysis: ExchangeAnalysis, viewer: Viewer
                 ) -> tuple[Comparison, tuple[PotentialRow, ...]]:
    """The runner's part of the fresh result: national for an admin, the institution's for
    a coordinador (the same figures its pages will show)."""
    g, o = analysis.greedy_potential, analysis.optimal_potential
    institutions = tuple(
        PotentialRow.of(PotentialCounts.of_potentials(gi, oi), PotentialLevel.INSTITUTION)
        for gi, oi in zip(g.by_institution, o.by_institution)
        if viewer.everything or gi.institution == viewer.institution)
    if viewer.everything:
        total = PotentialRow.of(PotentialCounts.of_potentials(g.national, o.national),
                                PotentialLevel.NATIONAL)
    else:
        own = [r for r in institutions if r.institution == viewer.institution]
        total = attrs.evolve(own[0], key="total", label="Total") if own else \
            PotentialRow.of(EMPTY_COUNTS, PotentialLevel.NATIONAL)
    tiers: dict[tuple[AllocationMethod, Any], list[int]] = defaultdict(lambda: [0, 0])
    for allocation in (analysis.greedy, analysis.optimal):
        for e in allocation.exchanges:
            if viewer.everything or e.requesting_institution == viewer.institution:
                cell = tiers[(allocation.method, e.tier)]
                cell[0] += 1
                cell[1] += e.patients
    counts = [TierCounts(m, t, n, p) for (m, t), (n, p) in tiers.items()]
    return Comparison.of(total, counts), institutions


# --------------------------------------------------------------------------- reads


SUMMARIES_KEPT = 256  # lists of analyses (viewer, user, page) whose rows are kept


@attrs.define
class ExchangeQueries:
    """Saved analyses, inside the caller's part (``Viewer``)."""

    read_model: ExchangeReadModel
    source: ExchangeSource
    # The list's rows built from the read model's stored rows, per viewer: built again when
    # the read model hands out another tuple (the data changed; ``SqlExchangeReadModel.list``
    # serves the same one while nothing is written). A race between threads builds twice.
    _summaries: dict[tuple, tuple] = attrs.field(factory=dict, init=False, repr=False,
                                                 eq=False)

    def _viewer(self, actor: Actor) -> Viewer:
        viewer = viewer_of(actor.scope)
        if viewer is None:
            raise PermissionDenied()
        return viewer

    def _stored(self, actor: Actor, analysis_id: int) -> tuple[StoredAnalysis, Viewer]:
        viewer = self._viewer(actor)
        # An id past the INTEGER range names nothing (and the database would refuse it).
        stored = self.read_model.get(int(analysis_id)) if known_id(analysis_id) else None
        ensure_visible(stored, stored is not None and self.read_model.visible(
            stored.id, viewer, actor.username), ANALYSIS_NOT_FOUND)
        assert stored is not None
        return stored, viewer

    # ----------------------------------------------------------------- the run form

    def form_options(self, actor: Actor) -> RunFormOptions:
        viewer = self._viewer(actor)
        return RunFormOptions(
            years=tuple(self.source.years()), institutions=tuple(self.source.institutions()),
            groups=tuple(self.source.service_groups()), states=STATE_OPTIONS,
            tiers=TIER_OPTIONS, may_run=may_run(actor.scope),
            fixed_institution=None if viewer.everything else viewer.institution)

    # ----------------------------------------------------------------- lists

    def analyses(self, actor: Actor, page: PageRequest) -> Page[AnalysisSummary]:
        viewer = self._viewer(actor)
        found = paginate(page, lambda offset, size: self.read_model.list(
            viewer, actor.username, offset, size))
        rows, total, page = found.items, found.total, found.request
        key = (viewer, actor.username, page)
        kept = self._summaries.get(key)
        if kept is not None and kept[0] is rows:
            return Page(kept[1], total, page)
        # The whole country's figures are saved with each analysis; a part is a GROUP BY.
        counts = ({r.id: national_counts(r.header) for r in rows} if viewer.everything
                  else self.read_model.national_counts([r.id for r in rows], viewer))
        items = tuple(AnalysisSummary(AnalysisView.of(r, viewer), PotentialRow.of(
            counts.get(r.id, EMPTY_COUNTS), PotentialLevel.NATIONAL)) for r in rows)
        if isinstance(rows, tuple):  # immutable: the same tuple means the same rows
            if len(self._summaries) >= SUMMARIES_KEPT:
                self._summaries.clear()
            self._summaries[key] = (rows, items)
        return Page(items, total, page)

    def analysis(self, actor: Actor, analysis_id: int) -> AnalysisView:
        stored, viewer = self._stored(actor, analysis_id)
        return AnalysisView.of(stored, viewer)

    # ----------------------------------------------------------------- the national view

    def overview(self, actor: Actor, analysis_id: int,
                 flt: ViewFilter = ViewFilter()) -> ExchangeOverview:
        """Faltantes vs excedentes per state, potential per state and per institution, the
        top products in shortage, and greedy vs optimum, inside the viewer and the filter."""
        stored, viewer = self._stored(actor, analysis_id)
        return self._overview(stored, viewer, flt)

    def _overview(self, stored: StoredAnalysis, viewer: Viewer,
                  flt: ViewFilter) -> ExchangeOverview:
        snap = self.read_model.snapshot(stored)
        total = PotentialRow.of(snap.potentials(viewer, flt, PotentialLevel.NATIONAL)[0],
                                PotentialLevel.NATIONAL)
        comparison = Comparison.of(total, snap.tier_counts(viewer, flt))
        potentials = {c.state: c for c in snap.potentials(viewer, flt, PotentialLevel.STATE)}
        states = []
        for b in snap.balances(viewer, flt):
            row = PotentialRow.of(potentials.get(b.state, EMPTY_COUNTS), PotentialLevel.STATE)
            states.append(StateRow(b.state, STATES[b.state], b.shortage_records,
                                   b.shortage_patients, b.surplus_records, b.surplus_patients,
                                   row.greedy, row.optimal))
        names = {o.value: o.label for o in self.source.institutions()}
        order = {code: i for i, code in enumerate(names)}
        institutions = sorted(
            (PotentialRow.of(c, PotentialLevel.INSTITUTION)
             for c in snap.potentials(viewer, flt, PotentialLevel.INSTITUTION)),
            key=lambda r: (order.get(r.institution or "", len(order)), r.key))
        products = tuple(
            ProductRow(p.key, p.name, p.unit_of_measure, p.group_name, p.shortage_records,
                       p.patients_needed, p.optimal_covered, p.greedy_covered,
                       p.optimal_covered / p.patients_needed if p.patients_needed else 0.0)
            for p in snap.top_products(viewer, flt, TOP_PRODUCTS))
        options = self._options(snap, viewer, names)
        group_name = next((g.label for g in options.groups if g.value == flt.service_group),
                          None)
        return ExchangeOverview(
            AnalysisView.of(stored, viewer), self._scope_label(viewer, names),
            FilterView.of(flt, group_name), comparison, total, tuple(states),
            tuple(institutions), products, options)

    def options(self, actor: Actor, analysis_id: int) -> FilterOptions:
        """What the filters of an analysis may choose from (inside the viewer)."""
        stored, viewer = self._stored(actor, analysis_id)
        return self._options(self.read_model.snapshot(stored), viewer,
                             {o.value: o.label for o in self.source.institutions()})

    def _options(self, snap: AnalysisSnapshot, viewer: Viewer,
                 names: Mapping[str, str]) -> FilterOptions:
        order = {code: i for i, code in enumerate(names)}
        inst_codes, state_codes, groups = snap.filter_options(viewer)
        return FilterOptions(
            tuple(Option(c, names.get(c, c)) for c in sorted(
                inst_codes, key=lambda c: (order.get(c, len(order)), c))),
            tuple(Option(s, STATES[s]) for s in sorted(state_codes)), tuple(groups))

    def potentials(self, actor: Actor, analysis_id: int, level: PotentialLevel,
                   flt: ViewFilter = ViewFilter()) -> tuple[PotentialRow, ...]:
        """Potentials per entity, institution, state, or the total, greedy and optimal."""
        stored, viewer = self._stored(actor, analysis_id)
        rows = self.read_model.snapshot(stored).potentials(viewer, flt, level)
        return tuple(PotentialRow.of(c, level) for c in rows)

    def exchanges(self, actor: Actor, analysis_id: int, flt: ViewFilter = ViewFilter(),
                  page: PageRequest = PageRequest(1, 50),
                  method: AllocationMethod = AllocationMethod.OPTIMAL) -> Page[ExchangeLine]:
        """The proposed exchanges (the optimum unless told), in which the viewer requests or
        provides; ``flt`` looks at ``flt.side`` (the drill-down from a state)."""
        stored, viewer = self._stored(actor, analysis_id)
        snapshot = self.read_model.snapshot(stored)
        return paginate(page, lambda offset, size: snapshot.lines_page(
            viewer, flt, AllocationMethod(method), offset, size))

    def report(self, actor: Actor, analysis_id: int, flt: ViewFilter, printed_at: Any,
               with_exchanges: bool) -> ExchangeReport:
        """Everything a document shows; the exchanges are produced one at a time."""
        stored, viewer = self._stored(actor, analysis_id)
        overview = self._overview(stored, viewer, flt)
        snap = self.read_model.snapshot(stored)
        entities = tuple(PotentialRow.of(c, PotentialLevel.ENTITY)
                         for c in snap.potentials(viewer, flt, PotentialLevel.ENTITY))
        lines: Iterable[ExchangeLine] = (
            snap.iter_lines(viewer, flt, AllocationMethod.OPTIMAL) if with_exchanges else ())
        return ExchangeReport(overview, entities, printed_at, lines)

    def _scope_label(self, viewer: Viewer, names: Mapping[str, str]) -> str:
        if viewer.everything:
            return NATIONAL_LABEL
        assert viewer.institution is not None
        if viewer.entity is None:
            return f"{names.get(viewer.institution, viewer.institution)} ({viewer.institution})"
        name = self.source.entity_name(viewer.institution, viewer.entity) or viewer.entity
        return f"{name} ({viewer.institution})"


# --------------------------------------------------------------------------- documents


@attrs.define
class ExportExchange:
    """The Excel workbook of a saved analysis (what the caller may see, filtered)."""

    queries: ExchangeQueries
    documents: ExchangeDocuments
    clock: Clock

    def __call__(self, actor: Actor, analysis_id: int, flt: ViewFilter,
                 path: Path) -> ExportResult:
        report = self.queries.report(actor, analysis_id, flt, _local_now(self.clock), True)
        rows = self.documents.write_workbook(report, Path(path))
        return ExportResult(rows, str(path))


@attrs.define
class PrintExchangeSummary:
    """The PDF summary of a saved analysis; returns the page count."""

    queries: ExchangeQueries
    documents: ExchangeDocuments
    clock: Clock

    def __call__(self, actor: Actor, analysis_id: int, flt: ViewFilter, out: BinaryIO) -> int:
        report = self.queries.report(actor, analysis_id, flt, _local_now(self.clock), False)
        return self.documents.render_summary(report, out)


def _local_now(clock: Clock) -> Any:
    return as_utc(clock.now()).astimezone(local_tz())
