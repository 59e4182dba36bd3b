"""Stale pages, on both databases: a page carries the version of the folio or patient record
it was drawn from; a save from a page drawn before someone else's change changes nothing and
shows the page again with what the user typed, the current values beside it, and who saved
them and when."""

from __future__ import annotations

import re
from datetime import date, timedelta

from sanece.application.use_cases.review import ApproveCommand
from shared.kernel.pagination import PageRequest
from tests.helpers import csrf_from
from tests.integration.sanece.support import F_PENDING, F_VALID, REVISOR

from .support import followed, text_of, upload

EVALUAR = f"/sanece/evaluacion/{F_PENDING}"


def version_in(markup: str) -> str:
    found = re.search(r'name="version" value="(\d+)"', markup)
    assert found, "the form carries no version"
    return found.group(1)


def test_two_evaluadores_on_one_folio(as_user, world, clock):
    first, second = as_user("evaluador"), as_user("admin")
    page_1, page_2 = first.get(EVALUAR).text, second.get(EVALUAR).text  # both at version 0
    assert 'name="version" value="0"' in page_1 and 'name="version" value="0"' in page_2
    done = first.post(EVALUAR, follow_redirects=False, data={
        "csrf_token": csrf_from(page_1), "version": "0", "status": "validated",
        "period_months": "6", "key1": "5434", "quantity1": "2",
        "requirement": "Clave 5434. 2 por ciclo."})
    assert f"Folio {F_PENDING}: Validada" in followed(first, done)
    clock.advance(timedelta(minutes=3))
    late = second.post(EVALUAR, follow_redirects=False, data={
        "csrf_token": csrf_from(page_2), "version": "0", "status": "not_validated",
        "observations": "Faltan estudios de imagen."})
    assert late.status_code == 409
    shown = text_of(late.text)
    assert f"El folio {F_PENDING} fue modificado por evaluador el " in shown
    assert "tus datos no se guardaron" in shown
    assert "Valores actuales, guardados por evaluador el" in shown
    # what the second one typed, beside what is saved
    assert "Resultado / estatus No Validada Validada" in shown
    assert "Observaciones Faltan estudios de imagen." in shown
    assert "Cantidad clave 1 2" in shown
    folio = world.folio(F_PENDING)
    assert folio.observations == "" and folio.changed_by == "evaluador"


def test_a_director_files_from_a_page_drawn_before_the_folio_changed(as_user, world):
    director = as_user("dir_a")
    page = f"/sanece/cambios/requerimiento?folio={F_VALID}"
    drawn = director.get(page).text
    v = version_in(drawn)
    # meanwhile an ampliación of the folio is filed and validated (the folio changes)
    shown = director.get(f"/sanece/cambios/fecha-vencimiento?folio={F_VALID}&kind=extension")
    filed = director.post(f"/sanece/cambios/fecha-vencimiento/{F_VALID}", data={
        "csrf_token": csrf_from(shown.text), "version": version_in(shown.text),
        "kind": "extension",
        "motive": "Desabasto", "detail": "Sin surtimiento."},
        files=[upload("attachments", "nota.pdf")], follow_redirects=False)
    assert filed.status_code == 303, text_of(filed.text)[:500]
    pending = world.san.queries().review_queue(REVISOR.scope, PageRequest(1, 10)).items
    world.san.approve_request()(REVISOR, ApproveCommand(pending[0].id,
                                                         new_expiry=date(2026, 10, 15)))
    # the requirement change typed on the old page is refused, typed values kept
    stale = director.post(f"/sanece/cambios/requerimiento/{F_VALID}", data={
        "csrf_token": csrf_from(drawn), "version": v, "key1": "5795", "quantity1": "20",
        "requirement": "Clave 5795, 20 ámpulas.", "motive": "Ajuste de dosis",
        "detail": "Dosis nueva."}, files=[upload("attachments", "nota.pdf")],
        follow_redirects=False)
    assert stale.status_code == 409
    text = text_of(stale.text)
    assert f"El folio {F_VALID} fue modificado por revisor el " in text
    assert "Valores actuales, guardados por revisor el" in text
    assert "Fecha de vencimiento 15/10/2026" in text
    assert 'value="20"' in stale.text and "Clave 5795, 20 ámpulas." in stale.text
    now = version_in(stale.text)
    assert int(now) > int(v)  # drawn again from the current folio: a resubmission works
    assert world.san.queries().requests(world.director_a.scope, "requirement_change",
                                        PageRequest(1, 10)).total == 0
    again = director.post(f"/sanece/cambios/requerimiento/{F_VALID}", data={
        "csrf_token": csrf_from(stale.text), "version": now, "key1": "5795",
        "quantity1": "20", "requirement": "Clave 5795, 20 ámpulas.",
        "motive": "Ajuste de dosis", "detail": "Dosis nueva."},
        files=[upload("attachments", "nota.pdf")], follow_redirects=False)
    assert again.status_code == 303, text_of(again.text)[:500]


def test_a_patient_data_change_from_a_stale_page(as_user, world):
    director = as_user("dir_a")
    p1 = world.patients["P1"]
    form = f"/sanece/cambios/datos-paciente/{p1}"
    drawn = director.get(form).text
    v = version_in(drawn)
    first = director.post(form, data={"csrf_token": csrf_from(drawn), "version": v,
                                      "change": "given_names", "given_names": "Paciente Uno"},
                          files=[upload("vigencia", "vigencia.pdf")], follow_redirects=False)
    assert first.status_code == 303
    pending = world.san.queries().review_queue(REVISOR.scope, PageRequest(1, 10)).items
    world.san.approve_request()(REVISOR, ApproveCommand(pending[0].id))
    stale = director.post(form, data={"csrf_token": csrf_from(drawn), "version": v,
                                      "change": "maternal_surname",
                                      "maternal_surname": "Sanece"},
                          files=[upload("vigencia", "vigencia.pdf")], follow_redirects=False)
    assert stale.status_code == 409
    text = text_of(stale.text)
    assert "El registro del paciente fue modificado por revisor el " in text
    assert "Nombre PACIENTE UNO" in text  # the current value, beside the typed ones
    assert "Apellido materno Sanece PRUEBA" in text
    assert 'value="Sanece"' in stale.text
    assert world.patient("P1").maternal_surname == "PRUEBA"
