"""The read side of the sanece context: every screen's data (S1–S15), with the scope rules.

``SaneceQueries`` wraps the ``SaneceReadModel`` port (SQL straight to attrs rows) and applies
the caller's scope (``shared.kernel.scope.Scope``) to every call: a director sees their unit
only, and a folio, patient, request or unit outside it raises ``NotFound`` exactly like a
missing id; revisor, evaluador and admin see every unit. Nothing here writes.

Screens and their calls (director unless noted):

- S1 header "OOAD (unidad)": ``unit_label(scope)`` (also ``SaneceScopeDirectory``)
- S2 Inicio: ``latest_folios(scope, PageRequest(page, 10, search))`` (the 30 newest; a search
  looks through every folio of the unit)
- S3 Consultar folio: ``folio(scope, "20250414214")`` (``ValidationError`` unless 11 digits)
- S4 the PDF: use case ``PrintFolioResponse``
- S5 Pacientes: ``recent_patients(scope, page)``, ``patient_history(scope, patient_id)``
- S7/S8 NSS search: ``search_nss(scope, nss)``; the side-by-side ``merge_preview``
- S6–S11 "Solicitudes realizadas": ``requests(scope, RequestType.X, page)``; "Revisar":
  ``request(scope, id)`` (attachments: use case ``OpenAttachment``)
- S9/S10/S11 forms: ``motives(type, kind)``, ``ooads(scope)``, ``units(scope, ooad_id)``,
  ``folio(...).generic_keys``
- S12 (revisor/admin) ``review_queue(scope, page, request_type=…, ooad_id=…, min_age_days=…)``
- S13 ``extraction_form(scope)``; use case ``ExtractFolios``
- S14 (evaluador/admin) ``pending_evaluations(scope, page)``
- S15 (admin) ``feedback(scope, page)``
"""

from __future__ import annotations

import functools
from datetime import date, datetime, time, timedelta, timezone
from typing import Any, Callable, Iterable, Mapping, Sequence

import attrs

from sanece.application.access import (
    FOLIO_NOT_FOUND,
    MEDICINE_NOT_FOUND,
    OOAD_NOT_FOUND,
    PATIENT_NOT_FOUND,
    REQUEST_NOT_FOUND,
    UNIT_NOT_FOUND,
    director_unit,
    require_admin,
    require_evaluator,
    require_reviewer,
    require_sanece,
    require_visible,
    sees_all,
    sees_any_unit,
    sees_unit,
)
from sanece.application.inputs import check_age_days, known_id, optional_id
from sanece.application.ports import (
    EvaluationRecord,
    RequestFilter,
    SaneceReadModel,
    StoredRequest,
)
from sanece.application.results import (
    AttachmentView,
    DrugLineView,
    ExtractionForm,
    FeedbackRow,
    FieldChange,
    FolioDetail,
    FolioHistoryEntry,
    FolioRow,
    FolioVersion,
    HistoryRow,
    MedicineView,
    MergePreviewView,
    NssSearch,
    OoadView,
    PatientHistory,
    PatientRow,
    InfoRoundView,
    MedianRow,
    PendingBand,
    QueueStats,
    RequestDetail,
    RequestRow,
    ReviewerRow,
    UnitView,
)
from sanece.domain.business_days import (
    AGE_BANDS,
    DEFAULT_TARGET_DAYS,
    BusinessAges,
    age_band,
    business_days_between,
    median_days,
)
from sanece.domain.decisions import reason_catalog
from sanece.domain.extraction import MAX_AGE_YEARS, ExtractionMode, ExtractionWindow
from sanece.domain.model import Folio, Patient, minimum_period_in_force
from sanece.domain.request_types import request_type_of
from sanece.domain.requests import ChangeRequest, MergePayload, extension_window
from sanece.domain.rules import MergeRecordsMustShareNss
from sanece.domain.values import (
    EvaluationStatus,
    ExpiryChangeKind,
    RequestStatus,
    add_years,
    parse_folio_number,
    parse_nss,
)
from sanece.domain.request_types import RequestType
from shared.kernel.clock import Clock
from shared.kernel.errors import DomainError, NotFound, ValidationError
from shared.kernel.pagination import Page, PageRequest, paginate
from shared.kernel.rules import check_rule
from shared.kernel.scope import Scope
from shared.kernel.text import fold_text

LATEST = 30  # "los 30 pacientes registrados recientemente", the latest folios of Inicio
AGED_ROWS_KEPT = 4096  # rows with their ages kept per process (``aged``)
SAME_RECORD = "Elige dos registros distintos para comparar."


@attrs.define
class SaneceQueries:
    read_model: SaneceReadModel
    clock: Clock
    review_target_days: int = DEFAULT_TARGET_DAYS  # the queue's target (business days)
    info_expiry_days: int = 10  # days a Requiere información waits for its answer

    # ----------------------------------------------------------------- S1, organisation

    def unit_label(self, scope: Scope) -> str | None:
        """The director's header line "CAMPECHE (H Gral Zona MF 4)"; None for other roles."""
        unit = self.own_unit(scope)
        return unit.label if unit else None

    def own_unit(self, scope: Scope) -> UnitView | None:
        unit_id = director_unit(scope)
        return self.read_model.unit(unit_id) if unit_id is not None else None

    def ooads(self, scope: Scope) -> list[OoadView]:
        """Every OOAD/UMAE (the destination list of a Cambio de unidad médica)."""
        require_sanece(scope)
        return list(self.read_model.ooads())

    def units(self, scope: Scope, ooad_id: int | None = None) -> list[UnitView]:
        """The units of an OOAD (the dependent select), or every unit."""
        require_sanece(scope)
        if ooad_id is not None:
            ooad = self.read_model.ooad(known_id(ooad_id))
            require_visible(ooad, True, OOAD_NOT_FOUND)
        return list(self.read_model.units(optional_id(ooad_id)))

    def unit(self, scope: Scope, unit_id: int) -> UnitView:
        """A unit the caller may see (a director: only theirs)."""
        require_sanece(scope)
        unit = self.read_model.unit(known_id(unit_id))
        require_visible(unit, unit is not None and sees_unit(scope, unit.id), UNIT_NOT_FOUND)
        assert unit is not None
        return unit

    def medicines(self, scope: Scope) -> list[MedicineView]:
        """The genéricos with their claves (Selecciona el genérico, claves of a folio)."""
        require_sanece(scope)
        return list(self.read_model.medicines())

    def medicine(self, scope: Scope, medicine_id: int) -> MedicineView:
        require_sanece(scope)
        medicine = self.read_model.medicine(known_id(medicine_id))
        require_visible(medicine, True, MEDICINE_NOT_FOUND)
        assert medicine is not None
        return medicine

    def resolve_unit(self, scope: Scope, text: str) -> UnitView:
        """A unit by id, or by its name or "OOAD (unidad)" label ignoring case and accents
        (a unique partial match also works)."""
        value = str(text).strip()
        if value.isdigit():
            return self.unit(scope, int(value))
        key = fold_text(value)
        units = [x for x in self.units(scope) if sees_unit(scope, x.id)]
        exact = [x for x in units if key in (fold_text(x.name), fold_text(x.label))]
        found = exact or [x for x in units if key and key in fold_text(x.label)]
        if len(found) == 1:
            return found[0]
        if not found:
            require_visible(None, False, f"No existe la unidad médica «{value}».")
        names = "; ".join(x.label for x in found[:8])
        raise ValidationError(f"«{value}» coincide con varias unidades: {names}. Escriba el "
                              "nombre completo o el número de la unidad.",
                              log_message="ambiguous unit")

    def resolve_ooad(self, scope: Scope, text: str) -> OoadView:
        """An OOAD/UMAE by id or by name ignoring case and accents."""
        value = str(text).strip()
        found = [x for x in self.ooads(scope)
                 if str(x.id) == value or fold_text(x.name) == fold_text(value)]
        require_visible(found or None, True, f"No existe la OOAD/UMAE «{value}».")
        return found[0]

    def resolve_medicine(self, scope: Scope, text: str) -> MedicineView:
        """A genérico by id or by name ignoring case and accents (or a unique partial match)."""
        value = str(text).strip()
        if value.isdigit():
            return self.medicine(scope, int(value))
        key = fold_text(value)
        meds = self.medicines(scope)
        found = [x for x in meds if fold_text(x.name) == key] or \
            [x for x in meds if key and key in fold_text(x.name)]
        if len(found) == 1:
            return found[0]
        if not found:
            require_visible(None, False, f"No existe el genérico «{value}».")
        raise ValidationError(f"«{value}» coincide con varios genéricos: "
                              f"{', '.join(x.name for x in found[:8])}.",
                              log_message="ambiguous medicine")

    @staticmethod
    def motives(request_type: RequestType | str,
                kind: ExpiryChangeKind | str | None = None) -> tuple[str, ...]:
        """Elige el motivo: the list of a folio request type (the expiry change's by kind)."""
        return request_type_of(request_type).motives(
            ExpiryChangeKind(kind) if kind is not None else None)

    # ----------------------------------------------------------------- S2, S3, S14

    def latest_folios(self, scope: Scope, page: PageRequest,
                      unit_id: int | None = None) -> Page[FolioRow]:
        """Estatus de últimos folios registrados en tu unidad: the 30 newest (a search looks
        through every folio of the unit). Central roles: one unit, or every unit."""
        unit = self._unit_filter(scope, unit_id)
        search = fold_text(page.search)
        today = self.clock.today()
        return paginate(page, lambda offset, limit: self.read_model.latest_folios(
            unit, search, None if search else LATEST, offset, limit, today))

    def folio(self, scope: Scope, number: str) -> FolioDetail:
        """Consultar folio: exactly 11 digits (``ValidationError`` with the rule's message
        otherwise); a folio of another unit answers like a missing one."""
        require_sanece(scope)
        folio = self.read_model.folio(parse_folio_number(number))
        require_visible(folio, folio is not None and sees_unit(scope, folio.unit_id),
                        FOLIO_NOT_FOUND)
        assert folio is not None
        return self._detail(folio)

    def folio_history(self, scope: Scope, number: str) -> tuple[FolioHistoryEntry, ...]:
        """Historial del folio: its evaluation, each request applied to it (before → after,
        who validated it, when, a link when the caller may open the request), the merges that
        moved it and their undo, oldest first; each entry with the response version it made."""
        require_sanece(scope)
        folio = self.read_model.folio(parse_folio_number(number))
        require_visible(folio, folio is not None and sees_unit(scope, folio.unit_id),
                        FOLIO_NOT_FOUND)
        assert folio is not None
        requests = self.read_model.approved_requests_touching(folio.number, folio.patient_id)
        unit_ids = {i for s in requests if s.request.outcome
                    for i in s.request.definition.outcome_unit_ids(s.request.outcome)}
        units = self.read_model.units_by_id(unit_ids) if unit_ids else {}
        return folio_history(folio, self.read_model.folio_evaluations(folio.number), requests,
                             {i: v.label for i, v in units.items()},
                             lambda stored: sees_all(scope) or (
                                 stored.request.unit_id is not None
                                 and stored.request.unit_id == director_unit(scope)))

    def folio_visible(self, scope: Scope, number: str | None) -> bool:
        """Whether the caller can open this folio now (a folio moved to another unit by a
        validated unit change is no longer the original director's)."""
        if not number:
            return False
        folio = self.read_model.folio(number)
        return folio is not None and sees_unit(scope, folio.unit_id)

    def _detail(self, folio: Folio) -> FolioDetail:
        rm = self.read_model
        patient = rm.patient(folio.patient_id)
        medicine = rm.medicine(folio.medicine_id)
        unit = rm.unit(folio.unit_id)
        assert patient is not None and medicine is not None and unit is not None
        descriptions = {k.code: k.description for k in medicine.keys}
        return FolioDetail(
            number=folio.number, generic=medicine.name, medicine_id=medicine.id,
            generic_keys=medicine.keys, status=folio.status,
            validity=folio.validity(self.clock.today()), evaluation_date=folio.evaluation_date,
            period_months=folio.period_months, expiry_date=folio.expiry_date,
            cancellation_date=folio.cancellation_date, patient_id=folio.patient_id,
            patient_name=f"{patient.paternal_surname} {patient.maternal_surname} "
                         f"{patient.given_names}",
            nss=patient.nss, aggregate=patient.aggregate, diagnosis=folio.diagnosis,
            ooad_id=unit.ooad_id, ooad=unit.ooad_name, unit_id=unit.id, unit=unit.name,
            drugs=tuple(DrugLineView(k.key, descriptions.get(k.key, ""), k.quantity)
                        for k in (folio.key1, folio.key2) if k is not None),
            requirement=folio.requirement, observations=folio.observations,
            extended=folio.extended, version=folio.version)

    def period_in_force(self, evaluation_date: date) -> int | None:
        """The shortest periodo (months) that leaves a folio of this evaluation date vigente
        today (what registering it as Validada requires); None when none does."""
        return minimum_period_in_force(evaluation_date, self.clock.today())

    def pending_evaluations(self, scope: Scope, page: PageRequest, *,
                            ooad_id: int | None = None,
                            unit_id: int | None = None) -> Page[FolioRow]:
        """The evaluator's queue: Pendiente folios, oldest first."""
        require_evaluator(scope)
        search, today = fold_text(page.search), self.clock.today()
        return paginate(page, lambda offset, limit: self.read_model.pending_folios(
            optional_id(ooad_id), optional_id(unit_id), search, offset, limit, today))

    # ----------------------------------------------------------------- S5

    def recent_patients(self, scope: Scope, page: PageRequest,
                        unit_id: int | None = None) -> Page[PatientRow]:
        """Pacientes con solicitudes recientes: the 30 most recently evaluated patients of the
        unit, newest first (a search looks through every patient of the unit)."""
        unit = self._unit_filter(scope, unit_id)
        search = fold_text(page.search)
        return paginate(page, lambda offset, limit: self.read_model.recent_patients(
            unit, search, None if search else LATEST, offset, limit))

    def patient(self, scope: Scope, patient_id: int) -> PatientRow:
        return _patient_row(self._patient(scope, patient_id))

    def patient_history(self, scope: Scope, patient_id: int) -> PatientHistory:
        """Historial de evaluaciones (Folio, Genérico, Estatus; Ver detalle by number). A
        director sees the patient's folios of their unit only."""
        patient = self._patient(scope, patient_id)
        folios = self._history(scope, patient.id)
        # the record's figures are those of the folios listed (the caller's scope), as in
        # the Pacientes list
        row = attrs.evolve(_patient_row(patient), folio_count=len(folios),
                           last_evaluation=max((f.evaluation_date for f in folios), default=None))
        return PatientHistory(row, folios)

    def _history(self, scope: Scope, patient_id: int | None) -> tuple[HistoryRow, ...]:
        rows = self.read_model.history(int(patient_id or 0), self.clock.today())
        return tuple(r for r in rows if sees_unit(scope, r.unit_id))

    def _patient(self, scope: Scope, patient_id: int) -> Patient:
        require_sanece(scope)
        patient = self.read_model.patient(known_id(patient_id))
        visible = patient is not None and sees_any_unit(
            scope, self.read_model.patient_units(known_id(patient_id)))
        require_visible(patient, visible, PATIENT_NOT_FOUND)
        assert patient is not None
        return patient

    # ----------------------------------------------------------------- S7, S8

    def search_nss(self, scope: Scope, nss: str) -> NssSearch:
        """Escribe el número de seguridad social: every not merged record with this NSS that
        has a folio in the director's unit (every unit for central roles). More than one
        record means "Solicitar Homologación" is offered."""
        require_sanece(scope)
        value = parse_nss(nss)
        records = tuple(self.read_model.patients_by_nss(value, self._own_or_none(scope)))
        pending = self.read_model.pending_patient_requests(r.id for r in records)
        return NssSearch(value, records,
                         frozenset(pid for pid, t in pending.items()
                                   if RequestType.PATIENT_DATA in t),
                         frozenset(pid for pid, t in pending.items() if RequestType.MERGE in t))

    def search_nss_of(self, scope: Scope, record_id: int) -> NssSearch:
        """The NSS search of a record named by its id (the homologación window and the API
        name the record, never the NSS): ``NotFound`` when it is not among the records
        offered (foreign, missing or merged)."""
        record = self._patient(scope, record_id)
        search = self.search_nss(scope, record.nss)
        if record.id not in {r.id for r in search.records}:
            raise NotFound(PATIENT_NOT_FOUND)
        return search

    def merge_preview(self, scope: Scope, record_id: int, correct_id: int) -> MergePreviewView:
        """Both records side by side before filing: the Homologar record's folios are what
        the merge would move to the Correcto one."""
        if int(record_id) == int(correct_id):
            raise ValidationError(SAME_RECORD, log_message="same record")
        record, correct = self._patient(scope, record_id), self._patient(scope, correct_id)
        check_rule(MergeRecordsMustShareNss([record.nss, correct.nss]))
        every = self.read_model.history(int(record.id or 0), self.clock.today())
        record_folios = tuple(r for r in every if sees_unit(scope, r.unit_id))
        return MergePreviewView(
            record=_patient_row(record), correct=_patient_row(correct),
            record_folios=record_folios, correct_folios=self._history(scope, correct.id),
            folios_to_move=tuple(sorted(f.number for f in record_folios)),
            other_folios_to_move=len(every) - len(record_folios))

    # ----------------------------------------------------------------- S6–S12

    def requests(self, scope: Scope, request_type: RequestType | str, page: PageRequest, *,
                 kind: ExpiryChangeKind | str | None = None,
                 status: RequestStatus | str | None = None) -> Page[RequestRow]:
        """Solicitudes realizadas of one type: the director's unit's requests (every unit's for
        central roles), newest first, with Buscar over folio, NSS, agregado and names."""
        require_sanece(scope)
        flt = RequestFilter(unit_id=self._own_or_none(scope), type=RequestType(request_type),
                            kind=ExpiryChangeKind(kind) if kind else None,
                            status=RequestStatus(status) if status else None,
                            search=fold_text(page.search))
        if not sees_all(scope) and flt.unit_id is None:
            return Page((), 0, page)
        return self._request_page(flt, page)

    def awaiting_information(self, scope: Scope) -> tuple[RequestRow, ...]:
        """The director's requests in Requiere información (Inicio shows them first)."""
        require_sanece(scope)
        own = director_unit(scope)
        if own is None:
            return ()
        flt = RequestFilter(unit_id=own, status=RequestStatus.INFO_REQUESTED, oldest_first=True)
        return self._request_page(flt, PageRequest(1, 50)).items

    def review_queue(self, scope: Scope, page: PageRequest, *,
                     request_type: RequestType | str | None = None,
                     kind: ExpiryChangeKind | str | None = None, ooad_id: int | None = None,
                     min_age_days: int | None = None,
                     status: RequestStatus | str | None = RequestStatus.PENDING,
                     unit_id: int | None = None
                     ) -> Page[RequestRow]:
        """S12: the pending requests of every type, oldest first (first in, first out);
        filters type (and expiry subtype), the filing unit's OOAD and the unit, and age (at
        least N business days old). ``status=None`` lists every request, newest first (the
        CLI's list)."""
        require_reviewer(scope)
        check_age_days(min_age_days)
        filed_before = None
        if min_age_days:
            # the latest filing day that is N business days old today (ages grow with time)
            day = latest_day_aged(self.clock.today(), int(min_age_days))
            filed_before = datetime.combine(day, time.max, tzinfo=timezone.utc)
        chosen = RequestStatus(status) if status else None
        flt = RequestFilter(type=RequestType(request_type) if request_type else None,
                            kind=ExpiryChangeKind(kind) if kind else None,
                            status=chosen, ooad_id=optional_id(ooad_id),
                            unit_id=optional_id(unit_id),
                            filed_before=filed_before, search=fold_text(page.search),
                            oldest_first=chosen is RequestStatus.PENDING)
        return self._request_page(flt, page)

    def queue_stats(self, scope: Scope) -> QueueStats:
        """Pending by type and age band, median business days from filing to decision per
        type and month of the decision, decisions per reviewer (Requiere información counted
        for who asked)."""
        require_reviewer(scope)
        today = self.clock.today()
        flt = RequestFilter()
        every = paginate(PageRequest(1, STATS_PAGE),
                         lambda offset, limit: self.read_model.requests(flt, offset, limit))
        stored = list(every.items)
        page_no = 1
        while len(stored) < every.total:
            page_no += 1
            more = paginate(PageRequest(page_no, STATS_PAGE),
                            lambda offset, limit: self.read_model.requests(flt, offset, limit))
            if not more.items:
                break
            stored.extend(more.items)
        return queue_statistics([s.request for s in stored], today, self.review_target_days)

    def reason_texts(self) -> dict[str, str]:
        return {r.code: r.text for r in reason_catalog(self.read_model.reasons())}

    def _request_page(self, flt: RequestFilter, page: PageRequest) -> Page[RequestRow]:
        found = paginate(page, lambda offset, limit: self._request_rows(flt, offset, limit))
        now = self.clock.now()
        ages = BusinessAges(now.date())  # once per filing day of the page, not per row
        return Page(tuple(aged(row, now, ages, self.review_target_days) for row in found.items),
                    found.total, found.request)

    def _request_rows(self, flt: RequestFilter, offset: int, limit: int
                      ) -> tuple[tuple[RequestRow, ...], int]:
        """A page of rows as stored, without their ages (those move with the clock, see
        ``aged``): the read model may keep them until the next write. ``flt`` carries the
        director's unit, so a unit's rows are kept under its own key."""
        def load() -> tuple[tuple[RequestRow, ...], int]:
            stored, total = self.read_model.requests(flt, offset, limit)
            units = self.read_model.units_by_id(_unit_ids(stored))
            return tuple(stored_row(s, units) for s in stored), total

        return self.read_model.cached(("request_rows", flt, int(offset), int(limit)), load)

    def request(self, scope: Scope, request_id: int) -> RequestDetail:
        """Revisar: the request with its before/after, motive and detail, attachments, the
        reviewer's reason, and the target as it is now (when the caller may see it)."""
        require_sanece(scope)
        stored = self.read_model.request(known_id(request_id))
        visible = stored is not None and (
            sees_all(scope) or (stored.request.unit_id is not None
                                and stored.request.unit_id == director_unit(scope)))
        require_visible(stored, visible, REQUEST_NOT_FOUND)
        assert stored is not None
        r = stored.request
        units = self.read_model.units_by_id(_unit_ids([stored]))
        row = request_row(stored, units, self.clock.now(), self.review_target_days)
        folio = current_patient = None
        if r.folio_number:
            found = self.read_model.folio(r.folio_number)
            if found is not None and sees_unit(scope, found.unit_id):
                folio = self._detail(found)
        if r.patient_id is not None:
            patient = self.read_model.patient(r.patient_id)
            if patient is not None and sees_any_unit(scope,
                                                     self.read_model.patient_units(patient.id)):
                current_patient = _patient_row(patient)
        detail = getattr(r.payload, "detail", "")
        window = None
        if r.is_pending and r.kind is ExpiryChangeKind.EXTENSION and folio is not None:
            window = extension_window(folio.expiry_date, self.clock.today())
        preview = None
        if r.is_pending and isinstance(r.payload, MergePayload) and current_patient is not None:
            try:
                preview = self.merge_preview(scope, current_patient.id,
                                             r.payload.correct_patient_id)
            except DomainError:  # the records changed since filing: the decision will say so
                pass
        return RequestDetail(
            row=row, detail=detail, changes=request_changes(stored, units),
            attachments=tuple(AttachmentView(i, a.original_name, a.content_type, a.size)
                              for i, a in enumerate(r.attachments, 1)),
            moved_folios=row.moved_folios, undone_by=stored.undone_by, folio=folio,
            current_patient=current_patient, new_expiry_range=window, merge_preview=preview,
            authorized=r.definition.authorized_changes(r), **self._rounds(r))

    def _rounds(self, r: ChangeRequest) -> dict[str, Any]:
        """The Requiere información rounds (answers' attachments numbered after the
        filing's), the catalog text of the reason, when an open round expires."""
        texts = self.reason_texts()
        index = len(r.attachments)
        rounds = []
        for x in r.info_rounds:
            views = []
            for a in x.attachments:
                index += 1
                views.append(AttachmentView(index, a.original_name, a.content_type, a.size))
            rounds.append(InfoRoundView(
                x.reason_code, texts.get(x.reason_code, ""), x.missing, x.requested_by,
                x.requested_at, x.note, x.answered_by, x.answered_at, tuple(views)))
        return {"rounds": tuple(rounds),
                "reason_text": texts.get(r.reason_code or "") if r.reason_code else None,
                "expires_at": r.expires_at(self.info_expiry_days)}

    def merges(self, scope: Scope, page: PageRequest) -> Page[RequestRow]:
        """The validated homologaciones, newest first, with the folios each one moved and
        whether it was undone (admin: what "Deshacer homologación" works on)."""
        require_admin(scope)
        flt = RequestFilter(type=RequestType.MERGE, status=RequestStatus.APPROVED,
                            search=fold_text(page.search))
        return self._request_page(flt, page)

    # ----------------------------------------------------------------- S13, S15

    def extraction_form(self, scope: Scope) -> ExtractionForm:
        """The Extracción page's defaults (the last year up to today) and filter lists."""
        require_sanece(scope)
        today = self.clock.today()
        window = ExtractionWindow.default(today)
        return ExtractionForm(
            start=window.start, end=window.end, earliest=add_years(today, -MAX_AGE_YEARS),
            generics=tuple(self.read_model.medicines()), statuses=tuple(EvaluationStatus),
            modes=tuple((m.value, m.label) for m in ExtractionMode))

    def feedback(self, scope: Scope, page: PageRequest) -> Page[FeedbackRow]:
        """Comentarios o sugerencias, newest first (admin)."""
        require_admin(scope)
        return paginate(page, self.read_model.feedback)

    # ----------------------------------------------------------------- helpers

    def _own_or_none(self, scope: Scope) -> int | None:
        return None if sees_all(scope) else director_unit(scope)

    def _unit_filter(self, scope: Scope, unit_id: int | None) -> int | None:
        """A director: their unit (asking for another one is NotFound). Central roles: the
        unit asked for (it must exist), or None for every unit."""
        require_sanece(scope)
        if sees_all(scope):
            if unit_id is not None:
                self.unit(scope, unit_id)
            return unit_id
        own = director_unit(scope)
        if own is None or (unit_id is not None and int(unit_id) != own):
            require_visible(None, False, UNIT_NOT_FOUND)
        return own


def _patient_row(p: Patient) -> PatientRow:
    assert p.id is not None
    return PatientRow(p.id, p.paternal_surname, p.maternal_surname, p.given_names, p.nss,
                      p.aggregate, p.merged_into, version=p.version)


# --------------------------------------------------------------------------- request views


def _unit_ids(stored: Iterable[StoredRequest]) -> set[int]:
    """The medical units the requests' rows name (loaded once for a page)."""
    ids: set[int] = set()
    for s in stored:
        ids |= s.request.definition.unit_ids(s.request)
    return ids


# The type-specific columns of a row, empty unless the request's type fills them.
TYPE_COLUMNS: Mapping[str, Any] = {
    "motive": "", "original_expiry": None, "destination_ooad": "", "destination_unit": "",
    "original_requirement": "", "original_keys": "", "requested_requirement": "",
    "requested_keys": "", "moved_folios": ()}


STATS_PAGE = 1000


def latest_day_aged(today: date, days: int) -> date:
    """The latest filing day whose age today is at least ``days`` business days (ages fall as
    the filing day nears today: a binary search over calendar days)."""
    low, high = 0, 2 * days + 30  # offsets back from today; ``high`` is old enough
    while low < high:
        mid = (low + high) // 2
        if business_days_between(today - timedelta(days=mid), today) >= days:
            high = mid
        else:
            low = mid + 1
    return today - timedelta(days=low)


def queue_statistics(requests: Iterable[ChangeRequest], today: date,
                     target_days: int) -> QueueStats:
    bands = tuple(label for label, _, _ in AGE_BANDS)
    pending: dict[str, list[int]] = {}
    overdue = 0
    days_to_decision: dict[tuple[str, str], list[int]] = {}
    reviewers: dict[str, list[int]] = {}  # approved, modified, rejected, pended
    ages = BusinessAges(today)
    for r in requests:
        if r.is_open:
            age = ages(r.filed_at.date())
            counts = pending.setdefault(r.type_label, [0] * len(bands))
            counts[bands.index(age_band(age))] += 1
            overdue += age > target_days
        for x in r.info_rounds:
            reviewers.setdefault(x.requested_by, [0, 0, 0, 0])[3] += 1
        if r.decided_at is not None and r.status in (RequestStatus.APPROVED,
                                                     RequestStatus.REJECTED):
            key = (r.type_label, r.decided_at.strftime("%Y-%m"))
            days_to_decision.setdefault(key, []).append(
                business_days_between(r.filed_at.date(), r.decided_at.date()))
            slot = 2 if r.status is RequestStatus.REJECTED else (1 if r.modified else 0)
            reviewers.setdefault(r.decided_by or "", [0, 0, 0, 0])[slot] += 1
    return QueueStats(
        target_days=target_days, bands=bands,
        pending=tuple(PendingBand(label, tuple(c), sum(c))
                      for label, c in sorted(pending.items())),
        overdue=overdue,
        medians=tuple(MedianRow(label, month, len(v), median_days(v) or 0.0)
                      for (label, month), v in sorted(days_to_decision.items(),
                                                      key=lambda kv: (kv[0][1], kv[0][0]))),
        reviewers=tuple(ReviewerRow(name, *c) for name, c in sorted(reviewers.items())))


def request_row(stored: StoredRequest, units: Mapping[int, UnitView],
                now: datetime, target_days: int = DEFAULT_TARGET_DAYS) -> RequestRow:
    """A row of "Solicitudes realizadas" and of the queue: the columns every request has,
    then its type's own (``row_columns``), with its ages at ``now``."""
    return aged(stored_row(stored, units), now, BusinessAges(now.date()), target_days)


def aged(row: RequestRow, now: datetime, ages: BusinessAges,
         target_days: int = DEFAULT_TARGET_DAYS) -> RequestRow:
    """``row`` with its ages at ``now``: calendar days, business days (``ages`` of today)
    and whether it waits past the queue's target."""
    business = ages(row.filed_at.date())
    age_days, overdue = max(0, (now - row.filed_at).days), row.is_pending and business > target_days
    try:
        return _with_ages(row, age_days, business, overdue)
    except TypeError:  # a row that cannot be a key
        return _with_ages.__wrapped__(row, age_days, business, overdue)


@functools.lru_cache(maxsize=AGED_ROWS_KEPT)
def _with_ages(row: RequestRow, age_days: int, business_days: int,
               overdue: bool) -> RequestRow:
    """``row`` with these ages, made once per process for equal rows and ages: the review
    queue's rows were copied field by field (``attrs.evolve``) on every view, 8 % of its time
    under load, while their ages change at most once a day."""
    return attrs.evolve(row, age_days=age_days, business_days=business_days, overdue=overdue)


def stored_row(stored: StoredRequest, units: Mapping[int, UnitView]) -> RequestRow:
    """The row of a request as stored, its ages not yet set (0: see ``aged``)."""
    r = stored.request
    columns = {**TYPE_COLUMNS, **r.definition.row_columns(r, units)}
    open_round = r.open_round
    return RequestRow(
        id=int(r.id or 0), type=r.type, kind=r.kind, status=r.status, filed_at=r.filed_at,
        filed_by=r.filed_by, age_days=0, unit_id=r.unit_id,
        unit_label=stored.unit_label, ooad_id=stored.ooad_id, folio_number=r.folio_number,
        patient_id=r.patient_id, final_date=r.final_date, reason=r.reason,
        decided_at=r.decided_at, decided_by=r.decided_by,
        attachment_count=len(r.all_attachments), undone_at=stored.undone_at,
        reason_code=r.reason_code, modified=r.modified,
        info_requested_at=open_round.requested_at if open_round else None,
        info_missing=open_round.missing if open_round else None, **columns)


def request_changes(stored: StoredRequest, units: Mapping[int, UnitView]
                    ) -> tuple[FieldChange, ...]:
    """The before/after lines of "Revisar" (what was asked, against the target at filing)."""
    return stored.request.definition.requested_changes(stored.request, units)


# --------------------------------------------------------------------------- folio history


def folio_history(folio: Folio, evaluations: Sequence[EvaluationRecord],
                  requests: Sequence[StoredRequest], unit_names: Mapping[int, str],
                  may_open: Callable[[StoredRequest], bool]) -> tuple[FolioHistoryEntry, ...]:
    """The entries of a folio's history, oldest first, numbered as the response's versions
    (the first is version 1; every later change makes a new one)."""
    entries: list[FolioHistoryEntry] = []
    for e in evaluations:
        label = EvaluationStatus(e.status).label if e.status else ""
        entries.append(FolioHistoryEntry(e.at, "Evaluación", e.by,
                                         (FieldChange("Estatus de evaluación", "Pendiente",
                                                      label),)))
    if not entries:  # registered by an import, without a trail of its own
        entries.append(FolioHistoryEntry(
            datetime.combine(folio.evaluation_date, time(12), tzinfo=timezone.utc),
            "Registro del folio", "", (FieldChange("Estatus de evaluación", "",
                                                   folio.status.label),)))
    for stored in requests:
        r = stored.request
        outcome = r.outcome or {}
        if r.decided_at is None:
            continue
        moved = [str(n) for n in outcome.get("moved_folios", ())]
        if r.definition.code == "merge" and folio.number not in moved:
            continue
        link = r.id if may_open(stored) else None
        entries.append(FolioHistoryEntry(
            r.decided_at, r.type_label, r.decided_by or "",
            tuple(r.definition.applied_changes(outcome, unit_names)), link))
        if r.definition.code == "merge" and stored.undone_at is not None:
            entries.append(FolioHistoryEntry(
                stored.undone_at, "Homologación deshecha", stored.undone_by or "",
                (FieldChange("Folios regresados al registro original", "", ", ".join(moved)),),
                link))
    entries.sort(key=lambda e: e.at)
    return tuple(attrs.evolve(e, version=i) for i, e in enumerate(entries, 1))


def response_version(history: Sequence[FolioHistoryEntry],
                     local_date: Callable[[datetime], date]) -> FolioVersion | None:
    """The response PDF's version: its last change, and the one before it replaces."""
    if not history:
        return None
    last = history[-1]
    before = history[-2] if len(history) > 1 else None
    return FolioVersion(last.version, local_date(last.at),
                        before.version if before else None,
                        local_date(before.at) if before else None)
