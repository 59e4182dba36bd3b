"""Builders and hypothesis strategies shared by the SAnECE unit tests."""

from __future__ import annotations

from datetime import date, datetime, timezone

from hypothesis import strategies as st

from sanece.domain.model import Folio, MedicalUnit, Medicine, Patient
from sanece.domain.values import Attachment, DrugKey, DrugQuantity

NOW = datetime(2025, 5, 2, 15, 0, tzinfo=timezone.utc)
TODAY = date(2025, 5, 2)

PDF = Attachment("sanece/att/1", "application/pdf", "vigencia.pdf", 1024)
PNG = Attachment("sanece/att/2", "image/png", "nota.png", 2048)
JPEG = Attachment("sanece/att/3", "image/jpeg", "reporte.jpg", 4096)

CERTOLIZUMAB = Medicine(id=1, name="CERTOLIZUMAB PEGOL",
                        keys=(DrugKey("5795", "Certolizumab pegol ampula 200 mg"),
                              DrugKey("5796", "Certolizumab pegol jeringa")))
TRASTUZUMAB = Medicine(id=2, name="TRASTUZUMAB EMTANSINA",
                       keys=(DrugKey("5434"), DrugKey("5435")))

UNIT_A = MedicalUnit(id=1, ooad_id=1, name="H Gral Zona MF 4")
UNIT_B = MedicalUnit(id=2, ooad_id=2, name="H Gral Zona 3")


def patient(id: int = 1, nss: str = "1111111111", aggregate: str = "1F1980OR",
            paternal: str = "PRUEBA", maternal: str = "PRUEBA", given: str = "PACIENTE"
            ) -> Patient:
    return Patient(id=id, nss=nss, aggregate=aggregate, paternal_surname=paternal,
                   maternal_surname=maternal, given_names=given)


def pending_folio(number: str = "20250414214", *, patient_id: int = 1, unit_id: int = 1,
                  medicine: Medicine = CERTOLIZUMAB) -> Folio:
    return Folio(number=number, medicine_id=medicine.id,
                 evaluation_date=date(int(number[:4]), int(number[4:6]), int(number[6:8])),
                 unit_id=unit_id, patient_id=patient_id, diagnosis="ARTRITIS REUMATOIDE")


def validated_folio(number: str = "20250414214", *, months: int = 6, patient_id: int = 1,
                    unit_id: int = 1, medicine: Medicine = CERTOLIZUMAB) -> Folio:
    f = pending_folio(number, patient_id=patient_id, unit_id=unit_id, medicine=medicine)
    f.register_validated(medicine=medicine, period_months=months,
                         key1=DrugQuantity(medicine.keys[0].code, 12),
                         requirement="Dosis 400 mg al mes.", today=f.evaluation_date)
    return f


# strategies ---------------------------------------------------------------------------------

digits = st.text(alphabet="0123456789", min_size=0, max_size=14)
dates = st.dates(min_value=date(2000, 1, 1), max_value=date(2099, 12, 31))
attachments = st.sampled_from([PDF, PNG, JPEG])
