"""The extraction writer on streams that cannot seek, and the request rows the tables show
(built from domain requests, no database)."""

from __future__ import annotations

import io
from datetime import date, datetime, timedelta, timezone

from openpyxl import load_workbook

from sanece.adapters.xlsx.extraction import XlsxExtractionWriter
from sanece.application.documents import FolioExtractRow, PatientExtractRow
from sanece.application.ports import StoredRequest
from sanece.application.queries import aged, request_changes, request_row, stored_row
from sanece.application.results import UnitView
from sanece.domain.business_days import BusinessAges
from sanece.domain.model import Folio, MedicalUnit, Medicine, Patient
from sanece.domain.requests import (
    PatientDataChange,
    file_patient_data_change,
    file_requirement_change,
    file_unit_change,
)
from sanece.domain.values import Attachment, DrugKey, DrugQuantity

NOW = datetime(2026, 3, 10, 16, 0, tzinfo=timezone.utc)
PDF = Attachment("k/1", "application/pdf", "vigencia.pdf", 10)
CERT = Medicine(id=1, name="CERTOLIZUMAB PEGOL", keys=(DrugKey("5795", "ampula 200 mg"),
                                                        DrugKey("5796", "jeringa")))
UNITS = {1: UnitView(1, "H Gral Zona MF 4", 1, "CAMPECHE"),
         2: UnitView(2, "H Gral Zona 3", 2, "AGUASCALIENTES")}


class WriteOnly(io.RawIOBase):
    """A response body: it can be written to, not sought."""

    def __init__(self) -> None:
        self.data = bytearray()

    def writable(self) -> bool:
        return True

    def write(self, b) -> int:  # type: ignore[no-untyped-def, override]
        self.data += bytes(b)
        return len(b)


def test_the_extraction_streams_to_a_write_only_body():
    row = FolioExtractRow("20251015001", date(2025, 10, 15), "CERTOLIZUMAB PEGOL", "Validada",
                          "0111111111", "1F1980OR", "PRUEBA PRUEBA PACIENTE", "ARTRITIS",
                          "5795", 12, "", None, 6, date(2026, 4, 15), "Sí")
    body = WriteOnly()
    assert XlsxExtractionWriter().write_by_folio(iter([row] * 3), body) == 3
    ws = load_workbook(io.BytesIO(bytes(body.data))).worksheets[0]
    assert ws.max_row == 4 and ws["E2"].value == "0111111111"  # NSS kept as text
    assert ws["B2"].value == datetime(2025, 10, 15) and ws["J2"].value == 12
    patients = WriteOnly()
    XlsxExtractionWriter().write_by_patient(iter([PatientExtractRow(
        "0111111111", "1F1980OR", "PRUEBA", "PRUEBA", "PACIENTE", 2, "20251015001",
        date(2025, 10, 15), "Validada")]), patients)
    ws = load_workbook(io.BytesIO(bytes(patients.data))).worksheets[0]
    assert ws.title == "POR PACIENTE" and ws["F2"].value == 2 and ws.freeze_panes == "A2"


def _folio() -> Folio:
    folio = Folio(number="20251015001", medicine_id=1, evaluation_date=date(2025, 10, 15),
                  unit_id=1, patient_id=5)
    folio.register_validated(medicine=CERT, period_months=6, key1=DrugQuantity("5795", 12),
                             requirement="Dosis mensual.", today=folio.evaluation_date)
    return folio


def _stored(request) -> StoredRequest:  # type: ignore[no-untyped-def]
    request.id = 9
    return StoredRequest(request, "H Gral Zona MF 4", 1, "CAMPECHE")


def test_rows_of_each_table():
    patient = Patient(id=5, nss="1111111111", aggregate="1F1980OR", paternal_surname="PRUEBA",
                      maternal_surname="PRUEBA", given_names="PACIENTE")
    data = _stored(file_patient_data_change(
        patient, PatientDataChange(maternal_surname="SANECE"), eligibility_proof=[PDF],
        existing=[], filed_by="director.campeche", filed_at=NOW - timedelta(days=3),
        unit_id=1))
    row = request_row(data, UNITS, NOW)
    assert (row.original, row.requested, row.status_label, row.age_days, row.unit_label) == (
        "PACIENTE PRUEBA PRUEBA 1111111111 - 1F1980OR",
        "PACIENTE PRUEBA SANECE 1111111111 - 1F1980OR", "En espera", 3,
        "CAMPECHE (H Gral Zona MF 4)")
    assert [(c.label, c.before, c.after) for c in request_changes(data, UNITS) if c.changed] \
        == [("Apellido materno", "PRUEBA", "SANECE")]

    move = _stored(file_unit_change(
        _folio(), MedicalUnit(id=2, ooad_id=2, name="H Gral Zona 3"), motive="Contrarreferencia",
        detail="Cambio de residencia.", attachments=[PDF], existing=[], today=date(2026, 3, 10),
        filed_by="director.campeche", filed_at=NOW, unit_id=1))
    row = request_row(move, UNITS, NOW)
    assert (row.original, row.requested, row.destination_ooad, row.motive) == (
        "CAMPECHE (H Gral Zona MF 4)", "AGUASCALIENTES (H Gral Zona 3)", "AGUASCALIENTES",
        "Contrarreferencia")

    req = _stored(file_requirement_change(
        _folio(), CERT, key1=DrugQuantity("5796", 2), key2=DrugQuantity("5795", 1),
        requirement="Dos jeringas.", motive="Ajuste de dosis", detail="Por peso.",
        attachments=[PDF], existing=[], today=date(2026, 3, 10), filed_by="d", filed_at=NOW,
        unit_id=1))
    row = request_row(req, UNITS, NOW)
    assert (row.original_keys, row.requested_keys, row.original_requirement,
            row.requested_requirement) == ("5795 (12)", "5796 (2), 5795 (1)", "Dosis mensual.",
                                           "Dos jeringas.")


def _filed_on_march_2():  # -> StoredRequest
    return _stored(file_requirement_change(
        _folio(), CERT, key1=DrugQuantity("5796", 2), requirement="Dos jeringas.",
        motive="Ajuste de dosis", detail="Por peso.", attachments=[PDF], existing=[],
        today=date(2026, 3, 2), filed_by="d",
        filed_at=datetime(2026, 3, 2, 15, 0, tzinfo=timezone.utc), unit_id=1))


def test_rows_kept_without_their_ages_get_them_at_each_view():
    # the queue keeps rows as stored (``stored_row``) and sets the ages per request (``aged``)
    filed = _filed_on_march_2()
    kept = stored_row(filed, UNITS)
    for now in (NOW, NOW + timedelta(days=6), datetime(2026, 3, 20, 9, 0, tzinfo=timezone.utc)):
        ages = BusinessAges(now.date())
        assert aged(kept, now, ages, 5) == request_row(filed, UNITS, now, 5)
    late = aged(kept, NOW + timedelta(days=6), BusinessAges((NOW + timedelta(days=6)).date()), 5)
    # 2 to 16 March 2026: 16 March is a federal holiday (Benito Juárez, observed)
    assert (late.age_days, late.business_days, late.overdue) == (14, 9, True)
    assert (kept.business_days, kept.overdue) == (0, False)


def test_a_row_with_its_ages_is_made_once_per_process_and_equals_a_fresh_copy():
    """``aged`` keeps each row with its ages (rows and ages are values): the second view gets
    the same object, equal to ``attrs.evolve`` of the row; other ages make another row."""
    import attrs

    filed = _filed_on_march_2()
    kept = stored_row(filed, UNITS)
    first = aged(kept, NOW, BusinessAges(NOW.date()), 5)
    again = aged(stored_row(filed, UNITS), NOW, BusinessAges(NOW.date()), 5)
    assert again is first
    assert first == attrs.evolve(kept, age_days=first.age_days,
                                 business_days=first.business_days, overdue=first.overdue)
    later = aged(kept, NOW + timedelta(days=6), BusinessAges((NOW + timedelta(days=6)).date()), 5)
    assert later is not first and later.age_days == first.age_days + 6
