"""The sanece read model: lists and details straight from SQL into attrs rows.

Each method opens a short session of its own (streams keep theirs open while iterated). No
scope rules here: ``sanece.application.queries`` applies them. A search is folded text split in
words; every word must match one of the searched fields (folio, genérico, NSS, agregado,
names, status label), ignoring case and accents.
"""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta, timezone
from typing import Any, Callable, Iterable, Iterator, Mapping, Sequence, TypeVar

import sqlalchemy as sa

from sanece.adapters.sql import tables as t
from sanece.domain.decisions import DecisionReason
from sanece.adapters.sql.mappers import contains, folio_from, patient_from, request_from
from sanece.application.documents import FolioExtractRow, PatientExtractRow, RequestExtractRow
from sanece.application.inputs import typed_date
from sanece.application.ports import EvaluationRecord, RequestFilter, StoredRequest
from sanece.application.results import (
    DrugKeyView,
    FeedbackRow,
    FolioRow,
    HistoryRow,
    MedicineView,
    OoadView,
    PatientRow,
    UnitView,
)
from sanece.domain.extraction import ExtractionCriteria
from sanece.domain.feedback import FeedbackKind
from sanece.domain.model import Folio, Patient, person_name, validity_of
from sanece.domain.values import EvaluationStatus, RequestStatus, Validity
from sanece.domain.request_types import (
    RequestType,
    request_status_label,
    request_type_label,
    request_type_of,
)
from shared.adapters.sql.queries import SqlReadModel, cached_read, chunked
from shared.audit.adapters.sql import audit_log
from shared.kernel.text import fold_text

f, p, m, u, o = t.folios, t.patients, t.medicines, t.units, t.ooads
T = TypeVar("T")


def _status_codes(word: str) -> list[str]:
    """The status codes whose label contains the word ("pend" -> pending)."""
    return [s.value for s in EvaluationStatus if word in fold_text(s.label)]


def _status_phrases(today: date) -> list[tuple[str, sa.ColumnElement[bool]]]:
    """Each whole label Inicio shows in Estatus de Evaluación (estatus and vigencia), longest
    first, with what it means: "No Validada" is one phrase (never "no" + "Validada"), and
    "Vigente" / "Vencido" are computed from the expiry date as the table does."""
    validated = f.c.status == EvaluationStatus.VALIDATED.value
    phrases: list[tuple[str, sa.ColumnElement[bool]]] = [
        (fold_text(s.label), f.c.status == s.value) for s in EvaluationStatus]
    phrases += [(fold_text(Validity.IN_FORCE.label), sa.and_(validated, f.c.expiry_date >= today)),
                (fold_text(Validity.EXPIRED.label), sa.and_(validated, f.c.expiry_date < today))]
    return sorted(phrases, key=lambda item: -len(item[0]))


_QUANTITY = re.compile(r"^\((\d{1,6})\)$")  # "(2)" of "5796 (2)" in Clave (Cantidad)


def _folio_search(search: str, today: date) -> sa.ColumnElement[bool] | None:
    """Buscar matches what Inicio shows: folio, patient, genérico, estatus and vigencia (whole
    labels), claves with their cantidad ("5796 (2)"), and the dates (evaluation and expiry) as
    they are written there."""
    text = f" {search} "
    clauses = []
    for phrase, condition in _status_phrases(today):
        pattern = re.compile(rf"(?<![\w]){re.escape(phrase)}(?![\w])")
        if pattern.search(text):
            clauses.append(condition)
            text = pattern.sub(" ", text)
    for w in (word.strip(",;") for word in text.split()):
        if not w:
            continue
        quantity = _QUANTITY.match(w)
        if quantity:
            n = int(quantity.group(1))
            clauses.append(sa.or_(f.c.quantity1 == n, f.c.quantity2 == n))
            continue
        options = [contains(f.c.number, w), contains(p.c.search_key, w),
                   contains(m.c.search_key, w), f.c.status.in_(_status_codes(w)),
                   contains(f.c.key1, w), contains(f.c.key2, w)]
        typed = typed_date(w)  # "15/04/2026" as Inicio shows it
        if typed is not None:
            options += [f.c.expiry_date == typed, f.c.evaluation_date == typed]
        clauses.append(sa.or_(*options))
    return sa.and_(*clauses) if clauses else None


def _patient_search(search: str) -> sa.ColumnElement[bool] | None:
    words = search.split()
    if not words:
        return None
    return sa.and_(*(contains(p.c.search_key, w) for w in words))


def _folio_row_select() -> sa.Select:
    return (sa.select(f.c.number, f.c.medicine_id, f.c.evaluation_date, f.c.status,
                      f.c.key1, f.c.quantity1, f.c.key2, f.c.quantity2, f.c.expiry_date,
                      f.c.patient_id, f.c.unit_id, m.c.name.label("generic"), p.c.nss,
                      p.c.aggregate, p.c.paternal_surname, p.c.maternal_surname,
                      p.c.given_names, u.c.name.label("unit_name"),
                      o.c.name.label("ooad_name"))
            .select_from(f.join(m, m.c.id == f.c.medicine_id)
                         .join(p, p.c.id == f.c.patient_id)
                         .join(u, u.c.id == f.c.unit_id)
                         .join(o, o.c.id == u.c.ooad_id)))


def _keys_label(r: Any) -> str:
    return ", ".join(f"{k} ({q})" for k, q in ((r.key1, r.quantity1), (r.key2, r.quantity2))
                     if k is not None)


def _folio_row(r: Any, today: date) -> FolioRow:
    status = EvaluationStatus(r.status)
    return FolioRow(
        number=r.number, generic=r.generic, medicine_id=int(r.medicine_id),
        evaluation_date=r.evaluation_date, status=status,
        validity=validity_of(status, r.expiry_date, today), keys_label=_keys_label(r),
        expiry_date=r.expiry_date, patient_id=int(r.patient_id), nss=r.nss,
        aggregate=r.aggregate,
        patient_name=person_name(r.given_names, r.paternal_surname, r.maternal_surname),
        unit_id=int(r.unit_id), unit_label=f"{r.ooad_name} ({r.unit_name})")


def _unit_view(r: Any) -> UnitView:
    return UnitView(int(r.id), r.name, int(r.ooad_id), r.ooad_name)


def _unit_select() -> sa.Select:
    return (sa.select(u.c.id, u.c.name, u.c.ooad_id, o.c.name.label("ooad_name"))
            .select_from(u.join(o, o.c.id == u.c.ooad_id)))


class SqlSaneceReadModel(SqlReadModel):
    """Inside a request, the pages' reads (``cached_read``, ``cached``) are served again by
    the process while the data version is unchanged: no statement is built. Their arguments
    are the whole key: a unit's rows are cached under that unit's id, which the queries'
    scope rules chose on every request."""

    def cached(self, key: tuple[Any, ...], load: Callable[[], T]) -> T:
        return self._memo(("cached",) + key, load)

    # ----------------------------------------------------------------- organisation

    @cached_read
    def ooads(self) -> Sequence[OoadView]:
        return [OoadView(int(r.id), r.name) for r in self._all(
            sa.select(o.c.id, o.c.name).order_by(o.c.search_key))]

    @cached_read
    def ooad(self, ooad_id: int) -> OoadView | None:
        r = self._first(sa.select(o.c.id, o.c.name).where(o.c.id == int(ooad_id)))
        return OoadView(int(r.id), r.name) if r else None

    @cached_read
    def units(self, ooad_id: int | None = None) -> Sequence[UnitView]:
        q = _unit_select().order_by(o.c.search_key, u.c.search_key)
        if ooad_id is not None:
            q = q.where(u.c.ooad_id == int(ooad_id))
        return [_unit_view(r) for r in self._all(q)]

    @cached_read
    def unit(self, unit_id: int) -> UnitView | None:
        r = self._first(_unit_select().where(u.c.id == int(unit_id)))
        return _unit_view(r) if r else None

    def units_by_id(self, unit_ids: Iterable[int]) -> Mapping[int, UnitView]:
        return self._units_by_id(tuple(sorted(set(int(i) for i in unit_ids))))

    @cached_read
    def _units_by_id(self, unit_ids: tuple[int, ...]) -> Mapping[int, UnitView]:
        out: dict[int, UnitView] = {}
        for batch in chunked(unit_ids):
            out.update((int(r.id), _unit_view(r))
                       for r in self._all(_unit_select().where(u.c.id.in_(batch))))
        return out

    def _medicine_views(self, where: Any = None) -> list[MedicineView]:
        q = sa.select(m.c.id, m.c.name).order_by(m.c.search_key)
        if where is not None:
            q = q.where(where)
        meds = self._all(q)
        if not meds:
            return []
        keys: dict[int, list[DrugKeyView]] = {}
        for batch in chunked([int(r.id) for r in meds]):
            for k in self._all(sa.select(t.drug_keys).where(
                    t.drug_keys.c.medicine_id.in_(batch)).order_by(
                    t.drug_keys.c.medicine_id, t.drug_keys.c.position, t.drug_keys.c.code)):
                keys.setdefault(int(k.medicine_id), []).append(
                    DrugKeyView(k.code, k.description or ""))
        return [MedicineView(int(r.id), r.name, tuple(keys.get(int(r.id), ()))) for r in meds]

    def medicines(self) -> Sequence[MedicineView]:
        return self._medicine_views()

    def medicine(self, medicine_id: int) -> MedicineView | None:
        found = self._medicine_views(m.c.id == int(medicine_id))
        return found[0] if found else None

    # ----------------------------------------------------------------- folios

    def folio(self, number: str) -> Folio | None:
        r = self._first(sa.select(f).where(f.c.number == number))
        return folio_from(r) if r else None

    @cached_read
    def latest_folios(self, unit_id: int | None, search: str, limit_latest: int | None,
                      offset: int, limit: int, today: date) -> tuple[Sequence[FolioRow], int]:
        q = _folio_row_select()
        if unit_id is not None:
            q = q.where(f.c.unit_id == int(unit_id))
        cond = _folio_search(search, today)
        if cond is not None:
            q = q.where(cond)
        rows, total = self._page(q, (f.c.evaluation_date.desc(), f.c.number.desc()), offset,
                                 limit, limit_latest)
        return tuple(_folio_row(r, today) for r in rows), total

    def pending_folios(self, ooad_id: int | None, unit_id: int | None, search: str,
                       offset: int, limit: int, today: date) -> tuple[Sequence[FolioRow], int]:
        q = _folio_row_select().where(f.c.status == EvaluationStatus.PENDING.value)
        if unit_id is not None:
            q = q.where(f.c.unit_id == int(unit_id))
        if ooad_id is not None:
            q = q.where(u.c.ooad_id == int(ooad_id))
        cond = _folio_search(search, today)
        if cond is not None:
            q = q.where(cond)
        rows, total = self._page(q, (f.c.evaluation_date, f.c.number), offset, limit, None)
        return [_folio_row(r, today) for r in rows], total

    # ----------------------------------------------------------------- patients

    def patient(self, patient_id: int) -> Patient | None:
        r = self._first(sa.select(p).where(p.c.id == int(patient_id)))
        return patient_from(r) if r else None

    def patient_units(self, patient_id: int) -> frozenset[int]:
        return frozenset(int(r.unit_id) for r in self._all(
            sa.select(f.c.unit_id).where(f.c.patient_id == int(patient_id)).distinct()))

    def recent_patients(self, unit_id: int | None, search: str, limit_latest: int | None,
                        offset: int, limit: int) -> tuple[Sequence[PatientRow], int]:
        if limit_latest is not None and not search.split():
            return self._latest_patients(unit_id, limit_latest, offset, limit)
        last = sa.func.max(f.c.evaluation_date).label("last_evaluation")
        q = (sa.select(p, last, sa.func.count(f.c.number).label("folio_count"))
             .select_from(f.join(p, p.c.id == f.c.patient_id)).group_by(*p.c))
        if unit_id is not None:
            q = q.where(f.c.unit_id == int(unit_id))
        cond = _patient_search(search)
        if cond is not None:
            q = q.where(cond)
        rows, total = self._page(q, (last.desc(), p.c.id.desc()), offset, limit, limit_latest)
        return [_patient_row(r) for r in rows], total

    def _latest_patients(self, unit_id: int | None, cap: int, offset: int, limit: int
                         ) -> tuple[Sequence[PatientRow], int]:
        """The ``cap`` most recently evaluated patients without grouping every folio of the
        unit: walk its folios newest first (the unit/date index) until ``cap`` patients."""
        q = sa.select(f.c.patient_id).order_by(f.c.evaluation_date.desc(), f.c.number.desc())
        if unit_id is not None:
            q = q.where(f.c.unit_id == int(unit_id))
        order: list[int] = []
        with self._sessions() as s:
            for (patient_id,) in s.execute(q.execution_options(yield_per=500)):
                if patient_id not in order:
                    order.append(patient_id)
                    if len(order) >= cap:
                        break
        page_ids = order[offset:offset + limit]
        if not page_ids:
            return [], len(order)
        last = sa.func.max(f.c.evaluation_date).label("last_evaluation")
        stats = (sa.select(p, last, sa.func.count(f.c.number).label("folio_count"))
                 .select_from(f.join(p, p.c.id == f.c.patient_id))
                 .where(p.c.id.in_(page_ids)).group_by(*p.c))
        if unit_id is not None:
            stats = stats.where(f.c.unit_id == int(unit_id))
        by_id = {int(r.id): _patient_row(r) for r in self._all(stats)}
        return [by_id[i] for i in page_ids], len(order)

    def patients_by_nss(self, nss: str, unit_id: int | None) -> Sequence[PatientRow]:
        last = sa.func.max(f.c.evaluation_date).label("last_evaluation")
        q = (sa.select(p, last, sa.func.count(f.c.number).label("folio_count"))
             .select_from(p.outerjoin(f, f.c.patient_id == p.c.id))
             .where(p.c.nss == nss, p.c.merged_into.is_(None)).group_by(*p.c)
             .order_by(p.c.id))
        if unit_id is not None:
            fx = f.alias("unit_folio")
            q = q.where(sa.exists().where(fx.c.patient_id == p.c.id,
                                          fx.c.unit_id == int(unit_id)))
        return [_patient_row(r) for r in self._all(q)]

    def history(self, patient_id: int, today: date) -> Sequence[HistoryRow]:
        q = (sa.select(f.c.number, m.c.name.label("generic"), f.c.status, f.c.evaluation_date,
                       f.c.expiry_date, f.c.unit_id)
             .select_from(f.join(m, m.c.id == f.c.medicine_id))
             .where(f.c.patient_id == int(patient_id))
             .order_by(f.c.evaluation_date.desc(), f.c.number.desc()))
        out = []
        for r in self._all(q):
            status = EvaluationStatus(r.status)
            out.append(HistoryRow(r.number, r.generic, status,
                                  validity_of(status, r.expiry_date, today), r.evaluation_date,
                                  r.expiry_date, int(r.unit_id)))
        return out

    # ----------------------------------------------------------------- requests

    def _request_select(self) -> sa.Select:
        rq = t.requests
        return (sa.select(rq, u.c.name.label("unit_name"), u.c.ooad_id,
                          o.c.name.label("ooad_name"))
                .select_from(rq.outerjoin(u, u.c.id == rq.c.unit_id)
                             .outerjoin(o, o.c.id == u.c.ooad_id)))

    @staticmethod
    def _stored(r: Any) -> StoredRequest:
        return StoredRequest(request_from(r), r.unit_name or "",
                             int(r.ooad_id) if r.ooad_id is not None else None,
                             r.ooad_name or "", r.undone_at, r.undone_by)

    def reasons(self) -> Sequence[DecisionReason]:
        return [DecisionReason(code=r.code, text=r.text, active=bool(r.active))
                for r in self._all(sa.select(t.reasons).order_by(t.reasons.c.code))]

    def request(self, request_id: int) -> StoredRequest | None:
        r = self._first(self._request_select().where(t.requests.c.id == int(request_id)))
        return self._stored(r) if r else None

    def approved_requests_touching(self, number: str, patient_id: int
                                   ) -> Sequence[StoredRequest]:
        rq = t.requests
        records = [int(patient_id), *(int(r.id) for r in self._all(
            sa.select(p.c.id).where(p.c.merged_into == int(patient_id))))]
        q = (self._request_select()
             .where(rq.c.status == RequestStatus.APPROVED.value,
                    sa.or_(rq.c.folio_number == number,
                           sa.and_(rq.c.patient_id.in_(records),
                                   rq.c.type.in_((RequestType.PATIENT_DATA.value,
                                                  RequestType.MERGE.value)))))
             .order_by(rq.c.decided_at, rq.c.id))
        return [self._stored(r) for r in self._all(q)]

    def folio_evaluations(self, number: str) -> Sequence[EvaluationRecord]:
        q = (sa.select(audit_log.c.at, audit_log.c.actor, audit_log.c.after)
             .where(audit_log.c.target_type == "sanece_folio",
                    audit_log.c.target_id == number,
                    audit_log.c.action == "sanece.folio_evaluated")
             .order_by(audit_log.c.id))
        return [EvaluationRecord(r.at, r.actor, str((r.after or {}).get("status", "")))
                for r in self._all(q)]

    def requests(self, flt: RequestFilter, offset: int, limit: int
                 ) -> tuple[Sequence[StoredRequest], int]:
        rq = t.requests
        q = self._request_select()
        if flt.unit_id is not None:
            q = q.where(rq.c.unit_id == flt.unit_id)
        if flt.type is not None:
            q = q.where(rq.c.type == flt.type.value)
        if flt.kind is not None:
            q = q.where(rq.c.kind == flt.kind.value)
        if flt.status is not None:
            q = q.where(rq.c.status == flt.status.value)
        if flt.ooad_id is not None:
            q = q.where(u.c.ooad_id == flt.ooad_id)
        if flt.filed_before is not None:
            q = q.where(rq.c.filed_at <= flt.filed_before)
        for word in flt.search.split():
            q = q.where(contains(rq.c.search_key, word))
        order = ((rq.c.filed_at, rq.c.id) if flt.oldest_first
                 else (rq.c.filed_at.desc(), rq.c.id.desc()))
        rows, total = self._page(q, order, offset, limit, None)
        return [self._stored(r) for r in rows], total

    def pending_patient_requests(self, patient_ids: Iterable[int]
                                 ) -> Mapping[int, frozenset[RequestType]]:
        rq = t.requests
        out: dict[int, set[RequestType]] = {}
        for batch in chunked(sorted(set(int(i) for i in patient_ids))):
            for r in self._all(sa.select(rq.c.patient_id, rq.c.type).where(
                    rq.c.patient_id.in_(batch), rq.c.status == RequestStatus.PENDING.value)):
                out.setdefault(int(r.patient_id), set()).add(RequestType(r.type))
        return {k: frozenset(v) for k, v in out.items()}

    # ----------------------------------------------------------------- extraction

    def _extraction_select(self, criteria: ExtractionCriteria) -> sa.Select:
        # extraction_folios unpacks the rows in this column order.
        w = criteria.window
        q = (sa.select(f.c.number, f.c.evaluation_date, f.c.status, f.c.diagnosis, f.c.key1,
                       f.c.quantity1, f.c.key2, f.c.quantity2, f.c.period_months,
                       f.c.expiry_date, f.c.patient_id, m.c.name.label("generic"), p.c.nss,
                       p.c.aggregate, p.c.paternal_surname, p.c.maternal_surname,
                       p.c.given_names)
             .select_from(f.join(m, m.c.id == f.c.medicine_id)
                          .join(p, p.c.id == f.c.patient_id))
             .where(f.c.unit_id == criteria.unit_id,
                    f.c.evaluation_date.between(w.start, w.end)))
        if criteria.medicine_id is not None:
            q = q.where(f.c.medicine_id == criteria.medicine_id)
        if criteria.status is not None:
            q = q.where(f.c.status == criteria.status.value)
        return q

    def extraction_folios(self, criteria: ExtractionCriteria, today: date
                          ) -> Iterator[FolioExtractRow]:
        q = self._extraction_select(criteria).order_by(f.c.evaluation_date, f.c.number)
        # Per row only what the sheet needs: the row unpacked by position (the select's column
        # order), the status label from a dict, one named tuple (no enum, no attrs object).
        statuses = {s.value: s for s in EvaluationStatus}
        labels = {s.value: s.label for s in EvaluationStatus}
        in_force = Validity.IN_FORCE
        row = FolioExtractRow
        for (number, evaluation_date, status, diagnosis, key1, quantity1, key2, quantity2,
             period_months, expiry_date, _patient_id, generic, nss, aggregate, paternal,
             maternal, given) in self._stream(q):
            yield row(number, evaluation_date, generic, labels[status], nss, aggregate,
                      f"{paternal} {maternal} {given}", diagnosis or "", key1 or "", quantity1,
                      key2 or "", quantity2, period_months, expiry_date,
                      "Sí" if validity_of(statuses[status], expiry_date, today) is in_force
                      else "No")

    def extraction_requests(self, criteria: ExtractionCriteria) -> list[RequestExtractRow]:
        # Only the sheet's columns, the window applied in SQL (a request's day is its UTC day,
        # as ``filed_at.date()``): no ChangeRequest built per row, no page count.
        rq, w = t.requests, criteria.window
        q = (sa.select(rq.c.id, rq.c.filed_at, rq.c.type, rq.c.payload, rq.c.folio_number,
                       rq.c.status, rq.c.authorized, rq.c.reason_code, rq.c.reason,
                       rq.c.decided_at)
             .where(rq.c.unit_id == criteria.unit_id,
                    rq.c.filed_at >= datetime.combine(w.start, time.min, timezone.utc),
                    rq.c.filed_at < datetime.combine(w.end + timedelta(days=1), time.min,
                                                     timezone.utc))
             .order_by(rq.c.filed_at, rq.c.id))
        statuses = {s.value: s for s in RequestStatus}
        out = []
        for (request_id, filed_at, type_code, payload, folio_number, status, authorized,
             reason_code, reason, decided_at) in self._stream(q):
            definition = request_type_of(type_code)
            out.append(RequestExtractRow(
                int(request_id), filed_at.date(),
                request_type_label(definition, definition.parse_payload(payload or {})),
                folio_number or "", request_status_label(statuses[status], authorized),
                reason_code or "", reason or "", decided_at.date() if decided_at else None))
        return out

    def extraction_size(self, criteria: ExtractionCriteria) -> int:
        return self._count(self._extraction_select(criteria))

    def extraction_patients(self, criteria: ExtractionCriteria) -> Iterator[PatientExtractRow]:
        q = self._extraction_select(criteria).order_by(
            p.c.paternal_surname, p.c.maternal_surname, p.c.given_names, f.c.patient_id,
            f.c.evaluation_date, f.c.number)
        current: Any = None
        count = 0
        for r in self._stream(q):
            if current is not None and r.patient_id != current.patient_id:
                yield _patient_extract(current, count)
                count = 0
            current = r  # rows of a patient come oldest first: the last is the latest
            count += 1
        if current is not None:
            yield _patient_extract(current, count)

    # ----------------------------------------------------------------- feedback

    def feedback(self, offset: int, limit: int) -> tuple[Sequence[FeedbackRow], int]:
        fb = t.feedback
        q = (sa.select(fb, u.c.name.label("unit_name"), o.c.name.label("ooad_name"))
             .select_from(fb.outerjoin(u, u.c.id == fb.c.unit_id)
                          .outerjoin(o, o.c.id == u.c.ooad_id)))
        rows, total = self._page(q, (fb.c.submitted_at.desc(), fb.c.id.desc()), offset, limit,
                                 None)
        return [FeedbackRow(int(r.id), FeedbackKind(r.kind).label, r.text, r.author, r.role,
                            f"{r.ooad_name} ({r.unit_name})" if r.unit_name else "",
                            r.submitted_at) for r in rows], total


def _patient_row(r: Any) -> PatientRow:
    return PatientRow(int(r.id), r.paternal_surname, r.maternal_surname, r.given_names, r.nss,
                      r.aggregate, int(r.merged_into) if r.merged_into is not None else None,
                      r.last_evaluation, int(r.folio_count or 0))


def _patient_extract(r: Any, count: int) -> PatientExtractRow:
    return PatientExtractRow(nss=r.nss, aggregate=r.aggregate,
                             paternal_surname=r.paternal_surname,
                             maternal_surname=r.maternal_surname, given_names=r.given_names,
                             folio_count=count, latest_folio=r.number,
                             latest_evaluation_date=r.evaluation_date,
                             latest_status=EvaluationStatus(r.status).label)
