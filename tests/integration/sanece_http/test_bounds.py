"""Every number people type into SAnECE has an upper bound with a Spanish message, on both
databases: before, a quantity of 999,999,999,999 was filed and then answered 500 at Validado on
PostgreSQL (``integer out of range``), an evaluation with 3,000,000,000 too, and ids or page
numbers beyond the integer columns did not even bind on SQLite."""

from __future__ import annotations

from tests.helpers import api_csrf
from tests.integration.sanece.support import F_PENDING, F_VALID

from .support import post_form, submit, text_of, upload

HUGE = "99999999999999999999"  # beyond even a 64-bit integer
PROBLEM = "application/problem+json"


def problem(response, status: int) -> dict:
    assert response.status_code == status, response.text[:600]
    assert response.headers["content-type"].startswith(PROBLEM)
    return response.json()


def test_quantities_are_bounded_at_filing_and_at_evaluation(as_user, world):
    director = as_user("dir_a")
    form = f"/sanece/cambios/requerimiento/{F_VALID}"
    refused = submit(director, f"/sanece/cambios/requerimiento?folio={F_VALID}", form, {
        "key1": "5795", "quantity1": "999999999999", "requirement": "Clave 5795 mensual.",
        "motive": "Ajuste de dosis", "detail": "Cambio de dosis."},
        [upload("attachments", "nota.pdf")])
    assert refused.status_code == 422
    assert "La cantidad de la clave 5795 no puede ser mayor de 99,999 unidades." in \
        text_of(refused.text)
    assert 'value="999999999999"' in refused.text  # the form comes back as typed

    evaluador = as_user("evaluador")
    page = f"/sanece/evaluacion/{F_PENDING}"
    too_many = post_form(evaluador, page, page, {
        "status": "validated", "period_months": "6", "key1": "5434",
        "quantity1": "3000000000", "requirement": "Clave 5434."})
    assert too_many.status_code == 422
    assert "no puede ser mayor de 99,999" in text_of(too_many.text)

    h = {"X-CSRF-Token": api_csrf(evaluador),
         "If-Match": evaluador.get(f"/api/sanece/folios/{F_PENDING}").headers["etag"]}
    body = problem(evaluador.post(f"/api/sanece/folios/{F_PENDING}/evaluation", headers=h,
                                  json={"status": "validated", "period_months": 6,
                                        "key1": "5434", "quantity1": 3_000_000_000,
                                        "requirement": "Clave 5434."}), 422)
    assert "no puede ser mayor de 99,999" in body["detail"]
    body = problem(evaluador.post(f"/api/sanece/folios/{F_PENDING}/evaluation", headers=h,
                                  json={"status": "validated", "period_months": 2**40,
                                        "key1": "5434", "quantity1": 2,
                                        "requirement": "Clave 5434."}), 422)
    assert body["detail"] == "El periodo debe ser un número entero de 1 a 60 meses."
    # the largest quantity allowed is stored and read back
    done = evaluador.post(f"/api/sanece/folios/{F_PENDING}/evaluation", headers=h,
                          json={"status": "validated", "period_months": 6, "key1": "5434",
                                "quantity1": 99_999, "requirement": "Clave 5434."})
    assert done.status_code == 200, done.text
    assert world.folio(F_PENDING).key1.quantity == 99_999


def test_ids_pages_and_ages_beyond_the_bounds(as_user, world):
    director = as_user("dir_a")
    # a record id no integer column holds is simply not found, like any missing one
    missing = director.get("/sanece/pacientes/999999999")
    assert director.get(f"/sanece/pacientes/{HUGE}").status_code == 404
    assert director.get("/sanece/pacientes/2147483648").status_code == missing.status_code == 404
    assert director.get(f"/sanece/solicitudes/{HUGE}").status_code == 404
    problem(director.get(f"/api/sanece/patients/{HUGE}"), 404)
    problem(director.get(f"/api/sanece/requests/{HUGE}"), 404)
    problem(director.get(f"/api/sanece/ooads/{HUGE}/units"), 404)
    # page numbers of any size: the last page, never an overflowing offset
    page = director.get(f"/sanece/inicio?pagina={HUGE}")
    assert page.status_code == 200 and "Mostrando 1 a 10 de" not in text_of(page.text)
    listed = director.get(f"/api/sanece/folios?page={HUGE}&size=2")
    assert listed.status_code == 200 and listed.json()["items"]
    assert director.get(f"/api/sanece/patients?page={HUGE}").status_code == 200

    admin = as_user("admin")
    aged = admin.get(f"/sanece/revision?dias={HUGE}")
    assert aged.status_code == 422
    assert "Antigüedad" in text_of(aged.text) and "días" in text_of(aged.text)
    problem(admin.get(f"/api/sanece/review-queue?min_age_days={HUGE}"), 422)
    queue = admin.get("/sanece/evaluacion?ooad=99999999999")  # no such OOAD: none pending
    assert queue.status_code == 200 and "Mostrando 0 a 0 de 0 registros" in text_of(queue.text)
    h = {"X-CSRF-Token": api_csrf(admin)}
    extraction = admin.post("/api/sanece/extraction", headers=h, json={
        "start": "2025-03-10", "end": "2026-03-10", "unit_id": 21_474_836_480})
    problem(extraction, 404)
    extraction = admin.post("/api/sanece/extraction", headers=h, json={
        "start": "2025-03-10", "end": "2026-03-10", "unit_id": world.units["A"],
        "medicine_id": 21_474_836_480})
    problem(extraction, 422)


def test_unit_change_with_an_impossible_destination(as_user, world):
    director = as_user("dir_a")
    form = f"/sanece/cambios/unidad-medica/{F_VALID}"
    refused = submit(director, f"/sanece/cambios/unidad-medica?folio={F_VALID}", form, {
        "motive": "Cambio de domicilio", "detail": "Se mudó.",
        "destination_ooad_id": HUGE, "destination_unit_id": HUGE},
        [upload("attachments", "nota.pdf")])
    assert refused.status_code == 422
    assert "OOAD de destino" in text_of(refused.text)
    assert 'value="Se mudó."' in refused.text or "Se mudó." in text_of(refused.text)
