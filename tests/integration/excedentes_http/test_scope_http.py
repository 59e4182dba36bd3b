"""A capturista of one entity asking for another one (page, API or file download) gets
exactly what a missing entity gets; coordinadores stay inside their institution (both
databases)."""

from __future__ import annotations

import io

from excedentes.application.use_cases.capture import AnswerStep2Command, FinalizeCommand
from excedentes.application.use_cases.reports import UploadSignedCommand
from tests.helpers import api_csrf, assert_foreign_like_missing
from tests.integration.excedentes.support import ADMIN_SCOPE, BS, CAP_BS, U_BS, YEAR

from .flows import api_entity, entity_path, signed_pdf, token


def _bs_signed(world) -> None:
    """BAJA CALIFORNIA SUR answered NO, finalized and uploaded its signed PDF."""
    exc = world.exc
    exc.answer_step2()(CAP_BS, AnswerStep2Command(BS, YEAR, "NO"))
    exc.finalize()(CAP_BS, FinalizeCommand(BS, YEAR, True))
    data = signed_pdf("bs")
    exc.upload_signed()(CAP_BS, UploadSignedCommand(BS, YEAR, io.BytesIO(data), len(data),
                                                     "bs.pdf", "application/pdf"))


def test_foreign_entity_answers_like_a_missing_one(as_user, world):
    _bs_signed(world)
    c = as_user("cap_bc")
    group, spec = world.gid("Cirugía"), world.sid("Cirugía general")
    foreign, missing = entity_path("SS", "BS"), entity_path("SS", "ZZ")
    for suffix in ("", "/unidades", f"/unidades/{U_BS}", f"/unidades/{U_BS}/grupos/{group}",
                   f"/unidades/{U_BS}/grupos/{group}/productos?especialidad={spec}",
                   "/finalizar", "/reportes", "/reportes/preliminar", "/reportes/final",
                   "/firmado", "/firmado/descargar", "/firmado/descargar?version=1",
                   "/exportar", "/apertura"):
        assert_foreign_like_missing(c, foreign + suffix, missing + suffix)
    # another institution's entity, too
    assert_foreign_like_missing(c, entity_path("IMSS", "NL"), entity_path("IMSS", "ZZ"))
    # writes: answer, finalize, upload
    for suffix, data in (("/respuesta", {"respuesta": "SI"}),
                         ("/finalizar", {"desea": "SI", "contrasena": "Clave-Segura-2026"})):
        data = {**data, "csrf_token": token(c)}
        assert_foreign_like_missing(c, foreign + suffix, missing + suffix, method="POST",
                                    data=data)
    files = {"archivo": ("x.pdf", signed_pdf(), "application/pdf")}
    assert_foreign_like_missing(c, foreign + "/firmado", missing + "/firmado", method="POST",
                                data={"csrf_token": token(c)}, files=files)
    # Paso 6 save and "solicitar producto", with a well-formed body
    grid = f"/unidades/{U_BS}/grupos/{group}/productos?especialidad={spec}"
    anest = world.pid("Anestesia")
    row = {"fa": "2", "c": "Falta de Equipo", "pm": "2"}
    grid_data = {"csrf_token": token(c), "p": [str(anest)],
                 **{f"{k}{anest}": row.get(k, "") for k in ("fa", "fh", "c", "ea", "eh", "pm")}}
    assert_foreign_like_missing(c, foreign + grid, missing + grid, method="POST", data=grid_data)
    ask = f"/unidades/{U_BS}/grupos/{group}/solicitar-producto?especialidad={spec}"
    assert_foreign_like_missing(c, foreign + ask, missing + ask)
    ask_data = {"csrf_token": token(c), "producto": "Producto nuevo",
                "unidad_medida": "Procedimiento", "justificacion": "Se realiza"}
    assert_foreign_like_missing(c, foreign + ask, missing + ask, method="POST", data=ask_data)

    # the API and its downloads
    headers = {"x-csrf-token": api_csrf(c)}
    afor, amis = api_entity("SS", "BS"), api_entity("SS", "ZZ")
    for suffix in ("", "/units", f"/units/{U_BS}/groups", "/signed", "/signed/current",
                   "/signed/1", "/reports/preliminary", "/reports/final",
                   "/reports/final/prints", "/records", f"/units/{U_BS}/groups/{group}/grid"):
        assert_foreign_like_missing(c, afor + suffix, amis + suffix)
    api_grid = f"/units/{U_BS}/groups/{group}/grid"
    assert_foreign_like_missing(c, afor + api_grid, amis + api_grid, method="PUT", json={
        "specialty_id": spec, "rows": [{"product_id": anest, "shortage_outpatient": 2,
                                        "cause": "Falta de Equipo", "monthly_patients": 2}]},
        headers={**headers, "If-Match": '"0"'})
    assert_foreign_like_missing(c, afor + "/product-requests", amis + "/product-requests",
                                method="POST", json={"group_id": group, "specialty_id": spec,
                                                     "product_name": "Producto nuevo",
                                                     "unit_of_measure": "Procedimiento",
                                                     "justification": "Se realiza"},
                                headers=headers)
    assert world.exc.queries().product_requests(ADMIN_SCOPE, None).total == 0  # nothing filed
    assert_foreign_like_missing(c, afor + "/answer", amis + "/answer", method="PUT",
                                json={"answer": "SI"}, headers=headers)
    assert_foreign_like_missing(c, afor + "/finalize", amis + "/finalize", method="POST",
                                json={"password": "Clave-Segura-2026"}, headers=headers)

    # the tablero shows the other rows read-only: no links into them
    board = c.get("/excedentes/tablero").text
    assert foreign not in board and entity_path() in board
    # the owner does get the file
    owner = as_user("cap_bs")
    assert owner.get(foreign + "/firmado/descargar").content == signed_pdf("bs")


def test_coordinador_stays_in_the_institution(as_user, world):
    _bs_signed(world)
    k = as_user("coord_imss")
    assert_foreign_like_missing(k, entity_path("SS", "BS"), entity_path("SS", "ZZ"))
    assert_foreign_like_missing(k, entity_path("SS", "BS") + "/firmado/descargar",
                                entity_path("SS", "ZZ") + "/firmado/descargar")
    assert_foreign_like_missing(k, "/api/excedentes/institutions/SS/dashboard/2026",
                                "/api/excedentes/institutions/XX/dashboard/2026")
    assert_foreign_like_missing(k, f"/api/excedentes/institutions/SS/records/{YEAR}",
                                f"/api/excedentes/institutions/XX/records/{YEAR}")
    # its own institution's tablero, whatever is asked for
    assert "Nuevo León" in k.get("/excedentes/tablero?institucion=SS").text
    # the coordinador of SS reads BS's signed copy but cannot capture for it
    s = as_user("coord_ss")
    assert s.get(entity_path("SS", "BS") + "/firmado/descargar").content == signed_pdf("bs")
    denied = s.post(entity_path("SS", "BC") + "/respuesta",
                    data={"respuesta": "SI", "csrf_token": token(s)}, follow_redirects=False)
    assert denied.status_code == 403
