"""What a new user tripped over (issue 16, point 5), each fixed with a test that failed before,
on both databases: a pasted folio with spaces, Buscar over what Inicio shows, the patient
API's figures, every missing field of an empty Validada form at once, a homologación across
NSS named as such, and no PDF link a director can no longer open after a unit change."""

from __future__ import annotations

import re

import pytest

from sanece.application.use_cases.evaluation import EvaluationCommand
from sanece.application.use_cases.requests import FileMergeCommand, FileUnitChangeCommand
from sanece.application.use_cases.review import ApproveCommand
from sanece.domain.values import MergeChoice
from shared.kernel.errors import NotFound, ValidationError
from shared.kernel.pagination import PageRequest
from tests.helpers import csrf_from
from tests.integration.sanece.support import (
    EVALUADOR,
    F_EXPIRED,
    F_M1,
    F_M2,
    F_M3,
    F_NOT,
    F_PENDING,
    F_VALID,
    REVISOR,
    pdf_upload,
)


def test_a_folio_pasted_with_spaces_arrives_whole(as_user, world):
    client = as_user("dir_a")
    page = client.get("/sanece/consultar").text
    field = re.search(r'<input id="folio"[^>]*>', page).group(0)
    maxlength = int(re.search(r'maxlength="(\d+)"', field).group(1))
    assert maxlength >= len(f" {F_VALID} ")
    found = client.get("/sanece/consultar", params={"folio": f" {F_VALID} "})
    assert found.status_code == 200 and f">{F_VALID}<" in found.text


SEARCHES = [
    ("Vigente", {F_VALID, F_M1, F_M2, F_M3}),
    ("vencido", {F_EXPIRED}),
    ("Validada Vigente", {F_VALID, F_M1, F_M2, F_M3}),
    ("No Validada", {F_NOT}),
    ("Validada", {F_VALID, F_EXPIRED, F_M1, F_M2, F_M3}),
    ("5795 (12)", {F_VALID, F_M1, F_M2}),
    ("5795 (2)", set()),
]


def test_inicio_buscar_finds_what_the_table_shows(container, world):
    queries = container.sanece.queries()
    for search, expected in SEARCHES:
        page = queries.latest_folios(world.director_a.scope, PageRequest(1, 50, search))
        assert {f.number for f in page.items} == expected, search


def test_the_patient_api_counts_the_folios_it_lists(as_user, world):
    body = as_user("dir_a").get(f"/api/sanece/patients/{world.patients['P1']}").json()
    assert len(body["folios"]) == 4
    assert body["patient"]["folio_count"] == 4
    assert body["patient"]["last_evaluation"] == "2026-03-01"


def test_an_empty_validada_form_reports_every_missing_field(world):
    with pytest.raises(ValidationError) as refused:
        world.san.register_evaluation()(EVALUADOR, EvaluationCommand(F_PENDING, "validated"))
    assert refused.value.details == ["El periodo debe ser un número entero de 1 a 60 meses.",
                                     "Selecciona la clave 1.", "El requerimiento es obligatorio."]
    for message in refused.value.details:
        assert message in refused.value.message


def test_a_homologacion_across_nss_says_what_is_wrong(world):
    p = world.patients
    with pytest.raises(ValidationError, match="Solo se homologan registros del mismo NSS"):
        world.san.file_merge()(world.director_a, FileMergeCommand(
            "1071533138", {p["M3"]: MergeChoice.CORRECT, p["P1"]: MergeChoice.MERGE},
            [pdf_upload("vigencia.pdf")]))
    # a record the director cannot see still answers like a missing one
    with pytest.raises(NotFound):
        world.san.file_merge()(world.director_a, FileMergeCommand(
            "1071533138", {p["M3"]: MergeChoice.CORRECT, p["PB"]: MergeChoice.MERGE},
            [pdf_upload("vigencia.pdf")]))


def test_after_a_unit_change_the_request_page_does_not_link_the_moved_folio(as_user, world):
    filed = world.san.file_unit_change()(world.director_a, FileUnitChangeCommand(
        F_VALID, "Contrarreferencia", "El paciente se atenderá en el hospital de destino.",
        world.ooads["AGUASCALIENTES"], world.units["B"], [pdf_upload("contrarreferencia.pdf")]))
    request_id = filed.ids[0]
    world.san.approve_request()(REVISOR, ApproveCommand(request_id))
    director = as_user("dir_a")
    page = director.get(f"/sanece/solicitudes/{request_id}")
    assert page.status_code == 200
    assert f"/sanece/folios/{F_VALID}/pdf" not in page.text
    assert "ya no pertenece a tu unidad médica" in page.text
    assert director.get(f"/sanece/folios/{F_VALID}/pdf").status_code == 404


def test_admin_and_evaluador_choose_a_unit_and_see_its_director_pages(as_user, world):
    for role in ("evaluador", "admin"):
        _unit_pages(as_user(role), world)


def _unit_pages(client, world):
    for path in ("/sanece/inicio", "/sanece/pacientes", "/sanece/extraccion"):
        chooser = client.get(path)
        assert chooser.status_code == 200, path
        assert 'name="unidad"' in chooser.text and "H Gral Zona MF 4" in chooser.text
    unit_a = world.units["A"]
    inicio = client.get("/sanece/inicio", params={"unidad": unit_a})
    assert inicio.status_code == 200 and F_VALID in inicio.text and "20251105004" not in inicio.text
    pacientes = client.get("/sanece/pacientes", params={"unidad": world.units["B"]})
    assert "LOPEZ" in pacientes.text and "PRUEBA" not in pacientes.text
    exported = client.post("/sanece/extraccion", data={
        "csrf_token": csrf_from(client.get("/sanece/extraccion").text), "unidad": str(unit_a),
        "start": "2025-06-01", "end": "2026-03-10", "mode": "by_folio"})
    assert exported.status_code == 200
    assert exported.headers["content-type"].startswith(
        "application/vnd.openxmlformats-officedocument.spreadsheetml")
    # filing changes stays the director's (the admin reads every request in the queue)
    assert client.get("/sanece/cambios").status_code == 403
