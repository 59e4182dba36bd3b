"""The read side of the excedentes context: every page's data, with the scope rules.

``ExcedentesQueries`` wraps the ``ExcedentesReadModel`` port (SQL straight to attrs rows) and
applies the scope of the caller (``shared.kernel.scope.Scope``) to every call: something
outside the scope raises ``NotFound`` exactly like a missing id. Nothing here writes.

Typical page flow (the guides' steps):

- Paso 1 ``dashboard(scope, "SS", 2026)``
- Paso 2 / 7 / 8 / 9 ``overview(scope, EntityRef("SS", "BC"), 2026)``
- Paso 3 ``units(scope, ref, 2026, PageRequest(page, size, search))``
- Paso 4 ``service_groups(scope, ref, 2026, clues)``
- Paso 5 ``specialties(scope, ref, 2026, clues, group_id)`` (``skip`` when the institution has
  no especialidad level)
- Paso 6 ``grid(scope, ref, 2026, clues, group_id, specialty_id, search)``
"""

from __future__ import annotations

from typing import Sequence

import attrs

from excedentes.application.access import (
    ENTITY_NOT_FOUND,
    GROUP_NOT_FOUND,
    INSTITUTION_NOT_FOUND,
    PERIOD_NOT_FOUND,
    REQUEST_NOT_FOUND,
    SPECIALTY_NOT_FOUND,
    UNIT_NOT_FOUND,
    EntityRef,
    may_capture,
    may_manage,
    require_entity,
    sees_entity,
    sees_institution,
    split_entity_key,
    viewer_of,
)
from excedentes.application.ports import (
    DashboardSource,
    Edition,
    ExcedentesReadModel,
    InstitutionEditions,
)
from excedentes.application.use_cases.institutions import require_admin
from excedentes.application.results import (
    UNITS_WITHOUT_RECORDS_NOTE,
    CatalogStateView,
    CatalogTree,
    DashboardEntry,
    DecisionNotice,
    DashboardView,
    EntityOverview,
    EntityView,
    FinalPrintView,
    GridLine,
    GridView,
    GroupListing,
    InstitutionSettingsView,
    InstitutionView,
    LevelGroup,
    PeriodView,
    ProductRequestView,
    RequestTarget,
    SignedReportView,
    SpecialtyListing,
    TracedPrint,
    UnitItem,
    UnitListing,
    CompletenessRow,
    CompletenessView,
    HistoryItem,
    entity_view,
    institution_settings_view,
    institution_view,
    period_view,
    signed_view,
)
from excedentes.domain.catalog import Entity, Period, name_key, normalize_clues
from excedentes.domain.bounds import known_id, known_year
from excedentes.domain.dashboard import (
    DashboardTotals,
    ReportFacts,
    StatusLight,
    dashboard_labels,
    dashboard_row,
    dashboard_totals,
    report_state,
    status_light,
)
from excedentes.domain.grid import GridRow
from excedentes.domain.institution import Institution
from excedentes.domain.product_requests import RequestStatus
from excedentes.domain.records import Cause
from excedentes.domain.completeness import Completeness, EntityProgress
from excedentes.domain.review import (
    EntityState,
    ReturnReason,
    ReviewStatus,
    decide,
)
from excedentes.domain.rules import GridRequiresSpecialty
from excedentes.domain.versions import NEVER_SAVED
from shared.kernel.clock import Clock
from shared.kernel.errors import NotFound, ValidationError
from shared.kernel.pagination import Page, PageRequest, paginate
from shared.kernel.rules import check_rule
from shared.audit.domain import AuditEntry, AuditFilter, AuditQuery
from shared.kernel.scope import Role, Scope, ensure_visible


@attrs.define
class InstitutionQueries:
    """The administrator's view of the institutions' settings (E1) and of the editions they
    can be registered from. Admins only: anyone else gets ``PermissionDenied`` (or the
    ``NotFound`` of a missing code for an institution outside their scope)."""

    read_model: ExcedentesReadModel
    editions: InstitutionEditions

    def list(self, scope: Scope) -> list[InstitutionSettingsView]:
        require_admin(scope)
        versions = self.read_model.institution_versions()
        return [institution_settings_view(i, versions.get(i.code, NEVER_SAVED),
                                          len(self.read_model.entities(i.code)))
                for i in self.read_model.institutions()]

    def get(self, scope: Scope, code: str) -> InstitutionSettingsView:
        inst = self.read_model.institution(code)
        ensure_visible(inst, True, INSTITUTION_NOT_FOUND)
        assert inst is not None
        require_admin(scope, inst.code)
        return institution_settings_view(
            inst, self.read_model.institution_versions().get(inst.code, NEVER_SAVED),
            len(self.read_model.entities(inst.code)))

    def edition_list(self, scope: Scope) -> list[Edition]:
        """The editions kept as data, those not registered yet first."""
        require_admin(scope)
        taken = {i.code for i in self.read_model.institutions()}
        return sorted(self.editions.all(), key=lambda e: e.code in taken)


DASHBOARD_ROWS_KEPT = 256  # tableros (scope, institution, year, filter) whose rows are kept


@attrs.define
class ExcedentesQueries:
    read_model: ExcedentesReadModel
    clock: Clock
    audit_query: AuditQuery | None = None  # the entity's history (Historial)
    # The tablero's rows built from the read model's sources, per (scope, institution, year,
    # filter), with those sources: built again when the read model hands out another tuple
    # (the data changed). Shared by the requests' threads; a race only builds them twice.
    _dashboard_rows: dict[tuple, tuple] = attrs.field(factory=dict, init=False, repr=False,
                                                      eq=False)

    # ----------------------------------------------------------------- institutions

    def institutions(self, scope: Scope) -> list[InstitutionView]:
        """The institutions the caller may open (admin: all; others: their own)."""
        return [institution_view(i) for i in self.read_model.institutions()
                if sees_institution(scope, i.code)]

    def institution(self, scope: Scope, code: str) -> InstitutionView:
        """One institution (wording, signature labels, signed-PDF limit), if visible."""
        return institution_view(self._institution(scope, code))

    def resolve_institution(self, scope: Scope, text: str) -> InstitutionView:
        """An institution by short code (IMSS, SS, …) or by name, ignoring
        case, accents, punctuation and extra spaces ("imss bienestar")."""
        key = name_key(text)
        for inst in self.read_model.institutions():
            if key in (name_key(inst.code), name_key(inst.name)) and \
                    sees_institution(scope, inst.code):
                return institution_view(inst)
        raise NotFound(f"No existe la institución «{text}» ({self.known_codes(scope)}).")

    def institution_codes(self, scope: Scope) -> list[str]:
        """The codes of the institutions the caller may open, in their order."""
        return [i.code for i in self.read_model.institutions() if sees_institution(scope, i.code)]

    def known_codes(self, scope: Scope) -> str:
        """'use IMSS, SS o ISSSTE' from the database (what help texts and errors list);
        how to register one when there is none yet."""
        codes = self.institution_codes(scope)
        if not codes:
            return ("no hay instituciones registradas: regístrelas con «sanece-admin excedentes "
                    "institution create --edition CÓDIGO»")
        return "use " + (", ".join(codes[:-1]) + " o " + codes[-1] if len(codes) > 1
                         else codes[0])

    def periods(self, scope: Scope, institution_code: str) -> list[PeriodView]:
        """The institution's periods, newest first."""
        inst = self._institution(scope, institution_code)
        manager = may_manage(scope, inst.code)
        versions = self.read_model.period_versions(inst.code)
        return [period_view(p, self.clock, manager, versions.get(p.year, NEVER_SAVED))
                for p in self.read_model.periods(inst.code)]

    def period(self, scope: Scope, institution_code: str, year: int) -> PeriodView:
        """One period: open flag, window, and why capture is refused today (if it is)."""
        inst = self._institution(scope, institution_code)
        period = self._period(inst.code, year)
        return period_view(period, self.clock, may_manage(scope, inst.code),
                           self.read_model.period_versions(inst.code).get(period.year,
                                                                          NEVER_SAVED))

    def current_year(self, scope: Scope, institution_code: str) -> int | None:
        """The newest period's year (what the tablero opens by default), or None."""
        periods = self.read_model.periods(self._institution(scope, institution_code).code)
        return periods[0].year if periods else None

    # ----------------------------------------------------------------- entities

    def entities(self, scope: Scope, institution_code: str) -> list[EntityView]:
        """The institution's entities the caller may open, in the dashboard's order."""
        inst = self._institution(scope, institution_code)
        return [entity_view(inst, e, i) for i, e in
                enumerate(self.read_model.entities(inst.code), 1)
                if sees_entity(scope, inst.code, e.code)]

    def entity(self, scope: Scope, ref: EntityRef) -> EntityView:
        """One entity (title "Entidad Federativa BAJA CALIFORNIA", key "SS:BC"), if visible."""
        inst, entity = self._entity(scope, ref)
        return entity_view(inst, entity)

    def resolve_entity(self, scope: Scope, institution_code: str, text: str) -> EntityView:
        """An entity by code or name, ignoring case, accents, punctuation and extra spaces
        ("baja california", "bc", "Edo de Mex Ote" for "Edo. de Méx. Ote."); a unique partial
        name match also works."""
        inst = self._institution(scope, institution_code)
        found = [e for e in self.read_model.find_entities(inst.code, text)
                 if sees_entity(scope, inst.code, e.code)]
        if len(found) == 1:
            return entity_view(inst, found[0])
        if not found:
            raise NotFound(f"No existe la entidad «{text}» en {inst.code}.")
        names = ", ".join(e.name for e in found[:8])
        raise NotFound(f"«{text}» coincide con varias entidades de {inst.code}: {names}. "
                       "Escriba el nombre completo o el código.")

    def entity_for_scope(self, scope: Scope) -> EntityView | None:
        """A capturista's own entity (for the home page redirect); None for other roles."""
        if scope.role is not Role.CAPTURISTA:
            return None
        parts = split_entity_key(scope.ref)
        if parts is None:
            return None
        inst = self.read_model.institution(parts[0])
        entity = self.read_model.entity(parts[0], parts[1]) if inst else None
        return entity_view(inst, entity) if inst and entity else None

    # ----------------------------------------------------------------- Paso 1

    def dashboard(self, scope: Scope, institution_code: str, year: int,
                  status: ReviewStatus | None = None) -> DashboardView:
        """The tablero (E3) of an institution for a year: one row per entity with No.,
        Unidades Médicas Total / Con / Sin Excedentes/Faltantes, the Reporte labels
        (Preliminar, Finalizar Reporte / Versión Final, Subir / Consultar/Modificar), the
        Semáforo, totals, the legend and "Captura del periodo YYYY".

        A capturista sees every row of their institution, only theirs ``actionable``.
        ``status``: only the rows in that review state (the totals count every row)."""
        inst = self._institution(scope, institution_code)
        period = self._period(inst.code, year)
        manager = may_manage(scope, inst.code)
        sources = self.read_model.dashboard(inst.code, year)
        key = (scope, inst.code, year, status)
        kept = self._dashboard_rows.get(key)
        if kept is not None and kept[0] is sources:
            entries, totals = kept[1], kept[2]
        else:
            entries, totals = self._dashboard_entries(scope, inst.code, sources, manager,
                                                      status)
            if isinstance(sources, tuple):  # immutable: the same tuple means the same data
                if len(self._dashboard_rows) >= DASHBOARD_ROWS_KEPT:
                    self._dashboard_rows.clear()
                self._dashboard_rows[key] = (sources, entries, totals)
        return DashboardView(
            institution=institution_view(inst),
            period=period_view(period, self.clock, manager),
            title=period.label,
            legend_finalized=StatusLight.FINALIZED.legend(inst.entity_word),
            legend_not_finalized=StatusLight.NOT_FINALIZED.legend(inst.entity_word),
            entries=entries, totals=totals,
            periods=tuple(p.year for p in self.read_model.periods(inst.code)),
            status_filter=status, can_manage=manager)

    @staticmethod
    def _dashboard_entries(scope: Scope, institution_code: str,
                           sources: Sequence[DashboardSource], manager: bool,
                           status: ReviewStatus | None
                           ) -> tuple[tuple[DashboardEntry, ...], DashboardTotals]:
        entries = []
        for number, src in enumerate(sources, 1):
            row = dashboard_row(number, src.entity_code, src.entity_name, src.total_units,
                                src.facts)
            entries.append(DashboardEntry(
                row=row, entity_key=f"{institution_code}:{src.entity_code}",
                actionable=sees_entity(scope, institution_code, src.entity_code),
                can_capture=may_capture(scope, institution_code, src.entity_code),
                can_accept=manager and row.review is ReviewStatus.SIGNED))
        totals = dashboard_totals(e.row for e in entries)
        if status is not None:
            entries = [e for e in entries if e.row.review is status]
        return tuple(entries), totals

    # ----------------------------------------------------------------- an entity

    def overview(self, scope: Scope, ref: EntityRef, year: int) -> EntityOverview:
        """One entity in one period: the Paso 2 question and answer, state and labels, units
        with / without records, why it is locked (finalized or window), folio and fingerprint
        of the final version, the current signed report, and what the caller may do."""
        inst, entity = self._entity(scope, ref)
        period = self._period(inst.code, year)
        status = self.read_model.report_status(inst.code, entity.code, year)
        facts = status.facts if status else ReportFacts()
        state = report_state(facts)
        finalized_at = status.finalized_at if status else None
        manager = may_manage(scope, inst.code)  # refusals tell a coordinador what they can do
        entity_state = EntityState(
            period=period, answered=facts.answer is not None,
            answer_is_yes=facts.answer is not None and facts.answer.value == "SI",
            record_count=facts.record_count, finalized_at=finalized_at,
            finalized_by=status.finalized_by if status else None,
            signed_uploaded=facts.signed_uploaded,
            accepted_at=status.accepted_at if status else None,
            accepted_by=status.accepted_by if status else None,
            returned=status.returned if status else None)
        decision = decide(entity_state, viewer_of(scope, inst.code, entity.code), self.clock)
        lock_reason = decision.lock.reason if decision.lock else None
        total = self.read_model.unit_count(inst.code, entity.code)
        folio = (f"{inst.code}-{year}-{entity.code}-V{status.final_version}"
                 if status and finalized_at else None)
        return EntityOverview(
            institution=institution_view(inst), entity=entity_view(inst, entity),
            period=period_view(period, self.clock, manager),
            step2_question=inst.step2_question(entity.name), answer=facts.answer, state=state,
            labels=dashboard_labels(state), status_light=status_light(facts),
            units_total=total, units_with_records=facts.units_with_records,
            record_count=facts.record_count, lock_reason=lock_reason,
            can_capture=may_capture(scope, inst.code, entity.code),
            can_manage=manager,
            finalized_at=finalized_at, finalized_by=status.finalized_by if status else None,
            folio=folio, fingerprint=status.final_fingerprint if status and finalized_at else None,
            current_signed=signed_view(status.current_signed)
            if status and status.current_signed else None,
            finalize_note=UNITS_WITHOUT_RECORDS_NOTE
            if facts.units_with_records < total else None,
            version=status.version if status else NEVER_SAVED,
            allowed_actions=tuple(decision.sorted_actions), lock=decision.lock,
            explanation=decision.explanation, notice=decision.notice,
            review=entity_state.status,
            accepted_at=entity_state.accepted_at, accepted_by=entity_state.accepted_by)

    def history(self, scope: Scope, ref: EntityRef, year: int) -> list[HistoryItem]:
        """Every audited transition of the entity's report in the period, oldest first."""
        inst, entity = self._entity(scope, ref)
        self._period(inst.code, year)
        if self.audit_query is None:
            return []
        records = self.audit_query.list(AuditFilter(
            target_type="entity_report", target_id=f"{inst.code}:{entity.code}:{year}",
            limit=500))
        # by id: the order they were recorded in (instants may tie)
        return [history_item(r.entry) for r in sorted(records, key=lambda r: r.id)]

    def return_reasons(self, scope: Scope, *, active_only: bool = False) -> list[ReturnReason]:
        """The catalog of return reasons: a coordinador picks among the active ones."""
        if scope.role not in (Role.ADMIN, Role.COORDINADOR):
            raise NotFound("La página solicitada no existe.")
        reasons = list(self.read_model.return_reasons())
        return [r for r in reasons if r.active] if active_only else reasons

    def completeness(self, scope: Scope, year: int | None = None,
                     institution_code: str | None = None) -> CompletenessView:
        """Completeness and timeliness: national across periods (no year), one period by
        institution, or one institution's entities. A coordinador sees only theirs."""
        if scope.role is Role.COORDINADOR:
            institution_code = (scope.ref or "").upper()
        elif scope.role is not Role.ADMIN:
            raise NotFound("La página solicitada no existe.")
        inst = self._institution(scope, institution_code) if institution_code else None
        if institution_code and year is None:
            level = "institution_years"
        else:
            level = "national" if year is None else ("institution" if inst else "period")
        if year is not None and not known_year(year):
            raise NotFound(PERIOD_NOT_FOUND)
        sources = self.read_model.completeness(year, inst.code if inst else None)
        if year is not None and not sources:
            raise NotFound(PERIOD_NOT_FOUND)
        progress = [(s, EntityProgress(s.answered, s.finalized_at, s.window_end, s.signed,
                                       s.accepted)) for s in sources]
        rows: list[CompletenessRow] = []
        if level in ("national", "institution_years"):
            for y in sorted({s.year for s, _ in progress}):
                rows.append(CompletenessRow(str(y), f"Periodo {y}", Completeness.of(
                    p for s, p in progress if s.year == y), year=y,
                    institution_code=inst.code if inst else None))
        elif level == "period":
            seen: dict[str, str] = {}
            for s, _ in progress:
                seen.setdefault(s.institution_code, s.institution_name)
            for code, name in seen.items():
                rows.append(CompletenessRow(code, name, Completeness.of(
                    p for s, p in progress if s.institution_code == code), year=year,
                    institution_code=code))
        else:
            for s, p in progress:
                status = ("Aceptado" if s.accepted else "Firmado" if s.signed and p.finalized
                          else "Finalizado" if p.finalized
                          else "En captura" if s.answered else "Sin iniciar")
                rows.append(CompletenessRow(s.entity_code, s.entity_name, Completeness.of([p]),
                                            year=year, institution_code=s.institution_code,
                                            status_label=status, days_late=p.days_late))
        years = tuple(sorted({s.year for s in (self.read_model.completeness(
            None, inst.code if inst else None) if year is not None else sources)}))
        return CompletenessView(
            level="national" if level == "institution_years" else level, year=year,
            institution_code=inst.code if inst else None,
            institution_name=inst.name if inst else None,
            total=Completeness.of(p for _, p in progress), rows=tuple(rows), years=years)

    # ----------------------------------------------------------------- Paso 3 to 6

    def units(self, scope: Scope, ref: EntityRef, year: int,
              page: PageRequest | None = None) -> UnitListing:
        """Paso 3: the entity's units (No., CLUES, "NAME, LEVEL", "¿Con excedentes/faltantes?"
        SI marker) under level headings, searchable by CLUES or name and paginated
        (``page.summary``: "Mostrando 1 a 10 de N registros")."""
        page = page or PageRequest()
        overview = self.overview(scope, ref, year)
        found = paginate(page, lambda offset, size: self.read_model.units_page(
            overview.institution.code, overview.entity.code, year, page.search, offset, size))
        items, total, page = found.items, found.total, found.request
        levels: list[LevelGroup] = []
        for item in items:
            if levels and levels[-1].level == item.level:
                levels[-1] = LevelGroup(item.level, levels[-1].items + (item,))
            else:
                levels.append(LevelGroup(item.level, (item,)))
        return UnitListing(overview, Page(tuple(items), total, page), tuple(levels))

    def service_groups(self, scope: Scope, ref: EntityRef, year: int,
                       clues: str) -> GroupListing:
        """Paso 4: the service groups under their Servicio, each with the "¿Con Excedente y/o
        Faltante?" marker for the unit."""
        overview, unit = self._unit(scope, ref, year, clues)
        services = self.read_model.service_groups(overview.institution.code,
                                                  overview.entity.code, year, unit.clues)
        return GroupListing(overview, unit, tuple(services),
                            overview.institution.has_specialty_level)

    def specialties(self, scope: Scope, ref: EntityRef, year: int, clues: str,
                    group_id: int) -> SpecialtyListing:
        """Paso 5: the especialidades troncales of a group with the unit's markers; ``skip``
        is True for institutions without that level (go straight to Paso 6)."""
        overview, unit = self._unit(scope, ref, year, clues)
        group = self._group(overview.institution.code, group_id)
        items = self.read_model.specialties(overview.institution.code, overview.entity.code,
                                            year, unit.clues, group.id)
        return SpecialtyListing(overview, unit, group.service_name, group.id, group.name,
                                tuple(items), not overview.institution.has_specialty_level)

    def grid(self, scope: Scope, ref: EntityRef, year: int, clues: str, group_id: int,
             specialty_id: int | None = None, search: str = "") -> GridView:
        """Paso 6: every product of the group (and specialty) with the unit's stored values
        (blank rows where nothing is stored), optionally filtered by a product search text
        (case- and accent-insensitive). ``editable`` / ``lock_reason`` say whether "Guardar"
        is allowed. ``SpecialtyRequired`` without ``specialty_id`` where the institution has
        the especialidad troncal level (its grids are per specialty, Paso 5)."""
        overview, unit = self._unit(scope, ref, year, clues)
        inst = overview.institution
        group = self._group(inst.code, group_id)
        specialty_name = None
        if specialty_id is not None:
            spec = self.read_model.specialty_info(specialty_id) if known_id(specialty_id) \
                else None
            if spec is None or spec.group_id != group.id:
                raise NotFound(SPECIALTY_NOT_FOUND)
            specialty_name = spec.name
        # what cannot be saved is not shown either (SaveGrid checks the same rule)
        check_rule(GridRequiresSpecialty(inst.code, inst.has_specialty_level,
                                         specialty_id is not None))
        products = self.read_model.grid_products(group.id, specialty_id, search)
        total = (len(products) if not search.strip()
                 else self.read_model.grid_product_count(group.id, specialty_id))
        stored = self.read_model.unit_grid_rows(overview.institution.code,
                                                overview.entity.code, year, unit.clues,
                                                group.id, specialty_id)
        lines = tuple(
            GridLine(number=i, product_id=p.id, product=p.name, unit_of_measure=p.unit_of_measure,
                     row=stored.get(p.id) or GridRow(product_id=p.id))
            for i, p in enumerate(products, 1))
        version = self.read_model.grid_version(overview.institution.code,
                                               overview.entity.code, year, unit.clues, group.id,
                                               specialty_id)
        return GridView(overview, unit, group.service_name, group.id, group.name, specialty_id,
                        specialty_name, search, lines, total, tuple(c.label for c in Cause),
                        version)

    # ----------------------------------------------------------------- signed, prints

    def signed_versions(self, scope: Scope, ref: EntityRef,
                        year: int) -> list[SignedReportView]:
        """Every uploaded signed report of the entity, newest first (current and superseded)."""
        inst, entity = self._entity(scope, ref)
        self._period(inst.code, year)
        return [signed_view(s) for s in
                sorted(self.read_model.signed_reports(inst.code, entity.code, year),
                       key=lambda s: -s.version)]

    def final_prints(self, scope: Scope, ref: EntityRef, year: int) -> list[FinalPrintView]:
        """Each printed final version (folio, fingerprint, who, when), newest first."""
        inst, entity = self._entity(scope, ref)
        self._period(inst.code, year)
        return list(self.read_model.final_prints(inst.code, entity.code, year))

    def trace_print(self, scope: Scope, folio_or_fingerprint: str) -> list[TracedPrint]:
        """Trace a signed paper copy: the final prints with that folio ("SS-2026-BC-V1") or
        fingerprint ("1A2B-3C4D-5E6F") among the entities the caller may read, newest first,
        each saying whether the entity still stands by exactly that data."""
        return [p for p in self.read_model.trace_prints(folio_or_fingerprint)
                if sees_entity(scope, *p.entity_key.split(":", 1))]

    # ----------------------------------------------------------------- product requests

    def product_requests(self, scope: Scope, institution_code: str | None = None,
                         entity: EntityRef | None = None, status: str | None = None,
                         page: PageRequest | None = None) -> Page[ProductRequestView]:
        """"Solicitar producto" requests, newest first: a capturista sees their entity's; a
        coordinador their institution's (optionally one entity); an admin any."""
        page = page or PageRequest()
        # the Spanish names ("en-espera", the CLI's spelling) and the stored values alike
        status = RequestStatus.parse(status).value if status else None
        inst_code: str | None = None
        entity_code: str | None = None
        if entity is not None:
            inst, ent = self._entity(scope, entity)
            inst_code, entity_code = inst.code, ent.code
        elif scope.role is Role.CAPTURISTA:
            parts = split_entity_key(scope.ref)
            if parts is None:
                raise NotFound(ENTITY_NOT_FOUND)
            inst, ent = self._entity(scope, EntityRef(*parts))
            inst_code, entity_code = inst.code, ent.code
        elif institution_code is not None:
            inst_code = self._institution(scope, institution_code).code
        elif scope.role is Role.COORDINADOR:
            inst_code = self._institution(scope, scope.ref or "").code
        elif scope.role is not Role.ADMIN:
            raise NotFound(INSTITUTION_NOT_FOUND)
        return paginate(page, lambda offset, size: self.read_model.product_requests(
            inst_code, entity_code, status, offset, size))

    def product_request(self, scope: Scope, request_id: int) -> ProductRequestView:
        view = self.read_model.product_request(request_id) if known_id(request_id) else None
        visible = view is not None and sees_entity(scope, view.institution_code,
                                                   view.entity_key.partition(":")[2])
        ensure_visible(view, visible, REQUEST_NOT_FOUND)
        assert view is not None
        return view

    def request_target(self, scope: Scope, ref: EntityRef, year: int, clues: str,
                       group_id: int, specialty_id: int | None = None) -> RequestTarget:
        """The "solicitar producto" form of a unit's group: the group's especialidades
        troncales and the one asked for. A specialty that is not of the group (or any
        specialty where the institution has no such level) is ``NotFound``, like a missing
        one, before anything is typed."""
        listing = self.specialties(scope, ref, year, clues, group_id)
        chosen = None
        if specialty_id is not None:
            chosen = next((s for s in listing.specialties if s.specialty_id == specialty_id),
                          None)
            if chosen is None:
                raise NotFound(SPECIALTY_NOT_FOUND)
        return RequestTarget(listing, chosen)

    def decision_notice(self, scope: Scope, username: str) -> DecisionNotice | None:
        """A capturista's requests (filed by ``username`` for their entity) decided and not
        yet seen on their "Solicitudes de producto" page; None when there are none or for
        other roles."""
        if scope.role is not Role.CAPTURISTA:
            return None
        parts = split_entity_key(scope.ref)
        if parts is None:
            return None
        accepted, rejected = self.read_model.unseen_decisions(parts[0], parts[1], username)
        return DecisionNotice(accepted, rejected) if accepted or rejected else None

    def catalog_state(self, scope: Scope, institution_code: str) -> CatalogStateView:
        """The versions (who changed them, when) and sizes of the institution's catalog and
        units: the Catálogos page and the API's ETags of the imports."""
        inst = self._institution(scope, institution_code)
        return self.read_model.catalog_state(inst.code)

    def catalog_tree(self, scope: Scope, institution_code: str) -> CatalogTree:
        """Servicio > Grupo > Especialidad of an institution (the "solicitar producto" form's
        choices), with the number of products per group."""
        inst = self._institution(scope, institution_code)
        return CatalogTree(institution_view(inst), tuple(self.read_model.catalog_tree(inst.code)))

    # ----------------------------------------------------------------- helpers

    def _institution(self, scope: Scope, code: str) -> Institution:
        inst = self.read_model.institution((code or "").upper())
        ensure_visible(inst, inst is not None and sees_institution(scope, inst.code),
                       INSTITUTION_NOT_FOUND)
        assert inst is not None
        return inst

    def _entity(self, scope: Scope, ref: EntityRef) -> tuple[Institution, Entity]:
        inst = self.read_model.institution(ref.institution_code)
        entity = self.read_model.entity(ref.institution_code, ref.entity_code) if inst else None
        require_entity(scope, ref.institution_code, entity.code if entity else ref.entity_code,
                       entity)
        assert inst is not None and entity is not None
        return inst, entity

    def _period(self, institution_code: str, year: int) -> Period:
        period = self.read_model.period(institution_code, year) if known_year(year) else None
        if period is None:
            raise NotFound(PERIOD_NOT_FOUND)
        return period

    def unit(self, scope: Scope, ref: EntityRef, year: int,
             clues: str) -> tuple[EntityOverview, UnitItem]:
        """The entity's overview and one of its units (``NotFound`` outside the scope)."""
        return self._unit(scope, ref, year, clues)

    def _unit(self, scope: Scope, ref: EntityRef, year: int,
              clues: str) -> tuple[EntityOverview, UnitItem]:
        overview = self.overview(scope, ref, year)
        unit = self.read_model.unit_item(overview.institution.code, overview.entity.code, year,
                                         normalize_clues(clues))
        if unit is None:
            raise NotFound(UNIT_NOT_FOUND)
        return overview, unit

    def _group(self, institution_code: str, group_id: int):  # type: ignore[no-untyped-def]
        group = self.read_model.group_info(group_id) if known_id(group_id) else None
        if group is None or group.institution_code != institution_code:
            raise NotFound(GROUP_NOT_FOUND)
        return group



# --------------------------------------------------------------------------- history

_HISTORY_LABELS = {
    "excedentes.answer": "Respuesta del Paso 2",
    "excedentes.grid_saved": "Registro guardado",
    "excedentes.finalize": "Finalizado",
    "excedentes.final_printed": "Versión Final impresa",
    "excedentes.signed_uploaded": "Reporte firmado subido",
    "excedentes.reopen": "Apertura",
    "excedentes.review_accept": "Aceptado",
    "excedentes.review_return": "Devuelto para corrección",
    "excedentes.review_revert": "Aceptación revertida",
}


def history_item(entry: AuditEntry) -> HistoryItem:
    """An audit entry in words (the label, the reason, and what changed)."""
    parts = []
    if entry.reason:
        parts.append(f"Motivo: {entry.reason}")
    after = dict(entry.after or {})
    for key in ("unit", "folio", "version", "reason_code", "status"):
        if after.get(key) not in (None, ""):
            parts.append(f"{key}: {after[key]}")
    return HistoryItem(entry.at, entry.actor, entry.action,
                       _HISTORY_LABELS.get(entry.action, entry.action), "; ".join(parts))
