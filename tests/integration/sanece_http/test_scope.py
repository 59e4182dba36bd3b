"""Scope over HTTP, on both databases: for the director of unit A, a folio, patient, PDF,
request, attachment or filing target of unit B answers exactly like one that does not exist,
in the pages and in the API; central roles see every unit."""

from __future__ import annotations

import re

import pytest

from sanece.application.use_cases.requests import FileExpiryChangeCommand
from tests.helpers import _normalized, api_csrf, assert_foreign_like_missing
from tests.integration.sanece.support import F_B, pdf_upload

from .support import EMPTY_FILE

MISSING_FOLIO = "20250101999"
MISSING_ID = 98765


@pytest.fixture
def foreign_request(world) -> int:
    """A request filed by unit B's director on its folio, with one attachment."""
    return world.san.file_expiry_change()(world.director_b, FileExpiryChangeCommand(
        F_B, "extension", "Desabasto", "Sin surtimiento.", [pdf_upload("b.pdf")])).ids[0]


def same_page_for_both_numbers(client, template: str) -> None:
    """Pages that echo the typed folio: identical once the number itself is set aside."""
    foreign = client.get(template.format(F_B))
    missing = client.get(template.format(MISSING_FOLIO))
    f, m = _normalized(foreign), _normalized(missing)
    assert f[0] == m[0] == 404
    assert re.sub(F_B, "<n>", f[2]) == re.sub(MISSING_FOLIO, "<n>", m[2])


def test_foreign_is_missing_in_pages(as_user, world, foreign_request):
    a = as_user("dir_a")
    pb = world.patients["PB"]
    pairs = [
        (f"/sanece/folios/{F_B}/pdf", f"/sanece/folios/{MISSING_FOLIO}/pdf"),
        (f"/sanece/pacientes/{pb}", f"/sanece/pacientes/{MISSING_ID}"),
        (f"/sanece/cambios/datos-paciente/{pb}", f"/sanece/cambios/datos-paciente/{MISSING_ID}"),
        (f"/sanece/solicitudes/{foreign_request}", f"/sanece/solicitudes/{MISSING_ID}"),
        (f"/sanece/solicitudes/{foreign_request}/adjuntos/1",
         f"/sanece/solicitudes/{MISSING_ID}/adjuntos/1"),
        (f"/sanece/cambios/homologacion/registro/{pb}",
         f"/sanece/cambios/homologacion/registro/{MISSING_ID}"),
    ]
    for foreign, missing in pairs:
        assert_foreign_like_missing(a, foreign, missing)
    for template in ("/sanece/consultar?folio={}",
                     "/sanece/cambios/fecha-vencimiento?kind=extension&folio={}",
                     "/sanece/cambios/unidad-medica?folio={}",
                     "/sanece/cambios/requerimiento?folio={}"):
        same_page_for_both_numbers(a, template)
    # Filing on a foreign target is refused before the upload is read, like a missing one.
    body = {"data": {"kind": "extension", "motive": "Desabasto", "detail": "x"},
            "files": [EMPTY_FILE]}
    for section in ("fecha-vencimiento", "unidad-medica", "requerimiento"):
        assert_foreign_like_missing(a, f"/sanece/cambios/{section}/{F_B}",
                                    f"/sanece/cambios/{section}/{MISSING_FOLIO}", "POST", **body)
    assert_foreign_like_missing(a, f"/sanece/cambios/datos-paciente/{pb}",
                                f"/sanece/cambios/datos-paciente/{MISSING_ID}", "POST", **body)
    # The unit's lists never show unit B's request.
    assert "Mostrando 0 a 0 de 0 registros" in a.get("/sanece/cambios/fecha-vencimiento").text
    # Central roles see it.
    revisor = as_user("revisor")
    assert revisor.get(f"/sanece/solicitudes/{foreign_request}").status_code == 200
    assert revisor.get(f"/sanece/pacientes/{pb}").status_code == 200


def test_foreign_is_missing_in_the_api(as_user, world, foreign_request):
    a = as_user("dir_a")
    pb = world.patients["PB"]
    for foreign, missing in (
            (f"/api/sanece/folios/{F_B}", f"/api/sanece/folios/{MISSING_FOLIO}"),
            (f"/api/sanece/folios/{F_B}/pdf", f"/api/sanece/folios/{MISSING_FOLIO}/pdf"),
            (f"/api/sanece/patients/{pb}", f"/api/sanece/patients/{MISSING_ID}"),
            (f"/api/sanece/requests/{foreign_request}", f"/api/sanece/requests/{MISSING_ID}"),
            (f"/api/sanece/requests/{foreign_request}/attachments/1",
             f"/api/sanece/requests/{MISSING_ID}/attachments/1"),
            (f"/api/sanece/folios?unit_id={world.units['B']}",
             f"/api/sanece/folios?unit_id={MISSING_ID}")):
        assert_foreign_like_missing(a, foreign, missing)
        assert a.get(foreign).headers["content-type"].startswith("application/problem+json")
    headers = {"X-CSRF-Token": api_csrf(a)}
    body = {"data": {"kind": "extension", "motive": "Desabasto", "detail": "x"},
            "files": [EMPTY_FILE], "headers": headers}
    assert_foreign_like_missing(a, f"/api/sanece/folios/{F_B}/expiry-change-requests",
                                f"/api/sanece/folios/{MISSING_FOLIO}/expiry-change-requests",
                                "POST", **body)
    assert_foreign_like_missing(a, f"/api/sanece/patients/{pb}/patient-data-requests",
                                f"/api/sanece/patients/{MISSING_ID}/patient-data-requests",
                                "POST", **body)
    # a homologación on another unit's NSS (2222222222 is unit B's patient)
    merge = {"data": {f"choice_{pb}": "correct"}, "files": [EMPTY_FILE], "headers": headers}
    assert_foreign_like_missing(a, f"/api/sanece/patients/{pb}/merge-requests",
                                f"/api/sanece/patients/{MISSING_ID}/merge-requests", "POST",
                                **merge)
    # the NSS search answers an empty result for both (it is a search, not a resource)
    foreign_nss, missing_nss = (a.post("/api/sanece/nss-search", headers=headers,
                                       json={"nss": n}) for n in ("2222222222", "3333333333"))
    assert foreign_nss.status_code == missing_nss.status_code == 200
    assert foreign_nss.json()["records"] == missing_nss.json()["records"] == []
    listed = a.get("/api/sanece/requests?type=expiry_change").json()
    assert listed["total"] == 0 and listed["summary"] == "Mostrando 0 a 0 de 0 registros"
    assert as_user("dir_b").get("/api/sanece/requests?type=expiry_change").json()["total"] == 1
