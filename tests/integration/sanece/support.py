"""A small, known SAnECE dataset loaded through the repositories, and helpers of the sanece
integration tests (both databases).

OOADs CAMPECHE (units A "H Gral Zona MF 4" and C "UMF 10") and AGUASCALIENTES (unit B
"H Gral Zona 3"). Genéricos CERTOLIZUMAB PEGOL (5795 ampula 200 mg, 5796), TRASTUZUMAB
EMTANSINA (5434, 5435) and USTEKINUMAB (5500). The ``clock`` fixture's today is 2026-03-10.

Unit A: patient P1 1111111111 1F1980OR (PRUEBA PRUEBA PACIENTE) with a vigente Validada folio,
a Pendiente, a No Validada and an expired one; the three records sharing NSS 1071533138 (M1
PEREZ ORTIZ MIGUEL ANGEL 5M1953PE, M2 and M3 MARIA DEL ROCIO XXX GOMEZ 2F1954OR / 6F1954PE),
each with a vigente folio. Unit B: patient PB with a vigente folio.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import attrs

from sanece.application.access import Actor
from sanece.application.use_cases.attachments import BytesUpload
from sanece.domain.model import Folio, Patient
from sanece.domain.values import DrugKey, DrugQuantity
from shared.adapters.rendering.samples import tiny_pdf, tiny_png

TODAY = date(2026, 3, 10)
F_VALID, F_PENDING, F_NOT, F_EXPIRED = "20251015001", "20260301002", "20250414079", "20250101003"
F_M1, F_M2, F_M3, F_B = "20251101011", "20251101012", "20251101013", "20251105004"
REVISOR = Actor.revisor("revisor")
EVALUADOR = Actor.evaluador("evaluador")
ADMIN = Actor.admin("admin")


def pdf_upload(name: str = "vigencia.pdf") -> BytesUpload:
    return BytesUpload(tiny_pdf(name), name)


def png_upload(name: str = "nota.png") -> BytesUpload:
    return BytesUpload(tiny_png(), name)


def exe_upload(name: str = "vigencia.pdf") -> BytesUpload:
    return BytesUpload(b"MZ\x90\x00not a pdf at all", name)


@attrs.define
class World:
    san: Any  # the sanece sub-container
    ooads: dict[str, int]
    units: dict[str, int]  # "A", "B", "C"
    medicines: dict[str, int]
    patients: dict[str, int]  # "P1", "M1", "M2", "M3", "PB"

    @property
    def director_a(self) -> Actor:
        return Actor.director("director.campeche", self.units["A"])

    @property
    def director_b(self) -> Actor:
        return Actor.director("director.aguascalientes", self.units["B"])

    def folio(self, number: str) -> Folio:
        with self.san.uow() as uow:
            found = uow.folios.get(number)
            assert found is not None
            return found

    def patient(self, key: str) -> Patient:
        with self.san.uow() as uow:
            found = uow.patients.get(self.patients[key])
            assert found is not None
            return found


def _validated(number: str, medicine: Any, unit: int, patient: int, months: int, qty: int = 12,
               diagnosis: str = "ARTRITIS REUMATOIDE") -> Folio:
    folio = Folio(number=number, medicine_id=medicine.id,
                  evaluation_date=date(int(number[:4]), int(number[4:6]), int(number[6:8])),
                  unit_id=unit, patient_id=patient, diagnosis=diagnosis)
    folio.register_validated(medicine=medicine, period_months=months,
                             key1=DrugQuantity(medicine.keys[0].code, qty),
                             requirement=f"Clave {medicine.keys[0].code} dosis mensual.",
                             today=folio.evaluation_date)  # evaluated on its own date
    return folio


def load_world(san: Any) -> World:
    with san.uow() as uow:
        campeche, ags = uow.ooads.add("CAMPECHE"), uow.ooads.add("AGUASCALIENTES")
        units = {"A": uow.units.add(campeche.id, "H Gral Zona MF 4").id,
                 "C": uow.units.add(campeche.id, "UMF 10").id,
                 "B": uow.units.add(ags.id, "H Gral Zona 3").id}
        meds = {}
        for name, keys in (("CERTOLIZUMAB PEGOL", (("5795", "ampula 200 mg"),
                                                   ("5796", "jeringa prellenada 200 mg"))),
                           ("TRASTUZUMAB EMTANSINA", (("5434", "frasco ámpula 100 mg"),
                                                      ("5435", "frasco ámpula 160 mg"))),
                           ("USTEKINUMAB", (("5500", "solución inyectable 45 mg"),))):
            med = uow.medicines.add(name)
            for code, text in keys:
                uow.medicines.add_key(med.id, DrugKey(code, text))
            meds[name] = uow.medicines.get(med.id)
        people = {
            "P1": ("1111111111", "1F1980OR", "PRUEBA", "PRUEBA", "PACIENTE"),
            "M1": ("1071533138", "5M1953PE", "PEREZ", "ORTIZ", "MIGUEL ANGEL"),
            "M2": ("1071533138", "2F1954OR", "XXX", "GOMEZ", "MARIA DEL ROCIO"),
            "M3": ("1071533138", "6F1954PE", "XXX", "GOMEZ", "MARIA DEL ROCIO"),
            "PB": ("2222222222", "3M1970OR", "LOPEZ", "DIAZ", "JUAN"),
        }
        patients = {k: uow.patients.add(Patient(nss=n, aggregate=a, paternal_surname=ps,
                                                maternal_surname=ms, given_names=g)).id
                    for k, (n, a, ps, ms, g) in people.items()}
        cert, tras, uste = (meds["CERTOLIZUMAB PEGOL"], meds["TRASTUZUMAB EMTANSINA"],
                            meds["USTEKINUMAB"])
        a, b = units["A"], units["B"]
        folios = [
            _validated(F_VALID, cert, a, patients["P1"], 6),  # expires 2026-04-15
            Folio(number=F_PENDING, medicine_id=tras.id, evaluation_date=date(2026, 3, 1),
                  unit_id=a, patient_id=patients["P1"],
                  diagnosis="CÁNCER DE MAMA HER 2 POSITIVO METASTÁSICO"),
            _validated(F_EXPIRED, uste, a, patients["P1"], 3),  # expired 2025-04-01
            _validated(F_M1, cert, a, patients["M1"], 12),
            _validated(F_M2, cert, a, patients["M2"], 12),
            _validated(F_M3, tras, a, patients["M3"], 12),
            _validated(F_B, cert, b, patients["PB"], 12),
        ]
        not_validated = Folio(number=F_NOT, medicine_id=tras.id,
                              evaluation_date=date(2025, 4, 14), unit_id=a,
                              patient_id=patients["P1"], diagnosis="CÁNCER DE MAMA")
        not_validated.register_not_validated(observations="teyi")
        folios.append(not_validated)
        for folio in folios:
            uow.folios.add(folio)
        uow.commit()
    return World(san, {"CAMPECHE": campeche.id, "AGUASCALIENTES": ags.id}, units,
                 {k: v.id for k, v in meds.items()}, patients)


def bytes_of(stream: Any) -> bytes:
    with stream as fh:
        return fh.read()

