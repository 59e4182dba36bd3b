"""Review by levels over HTTP (both databases): the entity's JSON carries allowed_actions and
lock; pages show only the allowed buttons and say why; return / accept / bulk accept /
revert; the history; the reasons page; completeness pages and API."""

from __future__ import annotations

import io

from excedentes.application.use_cases.reports import UploadSignedCommand
from excedentes.application.use_cases.review import ReasonCommand
from tests.helpers import api_csrf
from tests.integration.excedentes.support import (
    ADMIN,
    BC,
    CAP_BC,
    U_OCTUBRE,
    YEAR,
    answer,
    finalize,
    pdf_bytes,
    save_grid,
    shortage_row,
)

from .flows import api_entity, entity_path, form_fields, token


def _post(client, path, data):
    return client.post(path, data=data, follow_redirects=False)


def _signed(world):
    answer(world)
    save_grid(world, U_OCTUBRE, [shortage_row(world.pid("Anestesia"))])
    finalize(world)
    data = pdf_bytes(50)
    world.exc.upload_signed()(CAP_BC, UploadSignedCommand(
        BC, YEAR, io.BytesIO(data), len(data), "firmado.pdf", "application/pdf"))


def test_return_then_accept_over_pages_and_api(world, as_user, container):
    container.excedentes.add_return_reason()(ADMIN, ReasonCommand("DATOS", "Datos incompletos"))
    _signed(world)
    cap, coord = as_user("cap_bc"), as_user("coord_ss")
    doc = cap.get(api_entity()).json()
    assert doc["allowed_actions"] == ["upload_signed"]
    assert doc["lock"]["kind"] == "finalized" and doc["lock"]["by"] == "capturista.ss.bc"
    assert doc["review"] == "firmado"
    # the capturista sees no review page actions; the coordinador sees Aceptar / Devolver
    page = cap.get(entity_path() + "/revision").text
    assert "revision/aceptar" not in page and "Firmado" in page
    review = entity_path() + "/revision"
    page = coord.get(review).text
    assert "revision/aceptar" in page and "DATOS — Datos incompletos" in page
    # forbidden: a capturista posting the action gets the reason, nothing changes
    r = _post(cap, review + "/aceptar", form_fields(coord, review, review + "/aceptar")
                 | {"csrf_token": token(cap)})
    assert r.status_code == 403 and "coordinador" in r.text

    r = _post(coord, review + "/devolver", form_fields(coord, review, review + "/devolver")
                   | {"motivo": "DATOS", "observaciones": "Falta la unidad 3 de Octubre"})
    assert r.status_code == 303
    for path in ("", "/unidades", "/finalizar", "/reportes", "/firmado", "/historial"):
        text = cap.get(entity_path() + path).text
        assert "Devuelto" in text and "DATOS — Datos incompletos" in text, path
    doc = cap.get(api_entity()).json()
    assert doc["lock"] is None and "capture" in doc["allowed_actions"]
    assert "Falta la unidad 3" in doc["notice"]

    finalize(world)
    data = pdf_bytes(70)
    world.exc.upload_signed()(CAP_BC, UploadSignedCommand(
        BC, YEAR, io.BytesIO(data), len(data), "firmado2.pdf", "application/pdf"))
    assert "Datos incompletos" not in cap.get(entity_path()).text

    # bulk accept: the confirmation lists the entity, then accepts
    tablero = coord.get(f"/excedentes/tablero?periodo={YEAR}").text
    assert 'name="entidad" value="BC"' in tablero
    confirm = coord.get(f"/excedentes/tablero/aceptar?periodo={YEAR}&entidad=BC").text
    assert "BC — " in confirm and 'name="entidades" value="BC"' in confirm
    r = _post(coord, "/excedentes/tablero/aceptar", {
        "csrf_token": token(coord), "periodo": str(YEAR), "entidades": "BC"})
    assert r.status_code == 303
    assert "Aceptado" in coord.get(f"/excedentes/tablero?periodo={YEAR}&estado=aceptado").text
    filtered = coord.get(f"/excedentes/tablero?periodo={YEAR}&estado=devuelto").text
    assert "BAJA CALIFORNIA" not in filtered.split("<tbody>")[1].split("</tbody>")[0]

    doc = cap.get(api_entity()).json()
    assert doc["allowed_actions"] == [] and doc["lock"]["kind"] == "accepted"
    assert "Solo la administración" in cap.get(entity_path()).text
    # the API refuses a reopen of an accepted report with the reason
    r = coord.post(api_entity() + "/reopen", json={"reason": "cambio"},
                   headers={"If-Match": coord.get(api_entity()).headers["etag"],
                            "x-csrf-token": api_csrf(coord)})
    assert r.status_code == 409 and "aceptó el reporte" in r.json()["detail"]

    # the API: a revert by the coordinador is refused with the reason; the admin's works
    h = {"x-csrf-token": api_csrf(coord), "If-Match": coord.get(api_entity()).headers["etag"]}
    r = coord.post(api_entity() + "/review", json={"action": "revert", "note": "x"}, headers=h)
    assert r.status_code == 403 and "administración" in r.json()["detail"]
    assert [x["code"] for x in coord.get("/api/excedentes/return-reasons").json()] == ["DATOS"]

    admin = as_user("admin_exc")
    page = admin.get(review).text
    assert "revision/revertir" in page
    r = _post(admin, review + "/revertir", form_fields(admin, review, review + "/revertir")
                   | {"motivo": "Se aceptó por error"})
    assert r.status_code == 303
    history = cap.get(entity_path() + "/historial").text
    for label in ("Devuelto para corrección", "Aceptado", "Aceptación revertida"):
        assert label in history


def test_reasons_page_and_completeness(world, as_user):
    admin, coord = as_user("admin_exc"), as_user("coord_ss")
    r = _post(admin, "/excedentes/motivos", {"csrf_token": token(admin), "clave": "firma",
                                                "texto": "Falta una firma"})
    assert r.status_code == 303
    r = _post(admin, "/excedentes/motivos", {"csrf_token": token(admin), "clave": "a b",
                                                "texto": "x"})
    assert r.status_code == 422 and "La clave del motivo" in r.text
    r = _post(admin, "/excedentes/motivos/FIRMA/desactivar", {"csrf_token": token(admin)})
    assert r.status_code == 303 and "<td>No</td>" in admin.get("/excedentes/motivos").text
    assert coord.get("/excedentes/motivos").status_code == 403

    _signed(world)
    page = admin.get("/excedentes/completitud").text
    assert "<svg" in page and "Tendencia nacional" in page and f"Periodo {YEAR}" in page
    page = admin.get(f"/excedentes/completitud?periodo={YEAR}").text
    assert "institucion=SS" in page
    page = coord.get(f"/excedentes/completitud?periodo={YEAR}&institucion=IMSS").text
    assert "BAJA CALIFORNIA" in page and "Firmado" in page  # their own institution only
    doc = coord.get(f"/api/excedentes/completeness?period={YEAR}").json()
    assert doc["institution_code"] == "SS" and doc["total"]["signed"] == 1
    assert as_user("cap_bc").get("/api/excedentes/completeness").status_code == 404
